package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nfstrace/nfstrace/internal/host"
	"github.com/nfstrace/nfstrace/internal/kmsg"
	"github.com/nfstrace/nfstrace/internal/model"
	"github.com/nfstrace/nfstrace/internal/sampler"
	"github.com/nfstrace/nfstrace/internal/sampler/ebpf"
)

// sourceFlags are the flags of every command that samples the live host (top,
// record, check): where procfs and sysfs are, which backend, which threads.
type sourceFlags struct {
	interval  time.Duration
	procfs    string
	sysfs     string
	boot      string
	backend   string
	comm      string
	pids      string
	all       bool
	rate      int
	minDState time.Duration
	kernelBTF string
	kmsg      string
	noIdle    string
	blockHist string
	uring     bool
	aio       bool
}

func (f *sourceFlags) register(fs *flag.FlagSet) {
	fs.DurationVar(&f.interval, "interval", time.Second, "sampling interval of the host view")
	fs.StringVar(&f.procfs, "procfs", "/proc", "procfs root")
	fs.StringVar(&f.sysfs, "sysfs", "/sys", "sysfs root")
	fs.StringVar(&f.boot, "boot", "/boot", "directory holding the installed kernels")
	fs.StringVar(&f.backend, "backend", "auto", "tracing backend: auto, ebpf or procfs")
	fs.StringVar(&f.comm, "comm", "", "trace threads whose command name matches this regular expression, and the io_uring workers of their processes, looked up once a second; with eBPF a traced process's new threads from their start (default: nfsd kernel threads)")
	fs.StringVar(&f.pids, "pid", "", "trace all threads of these comma-separated process IDs; with eBPF new threads from their start")
	fs.BoolVar(&f.all, "all", false, "trace every thread on the host")
	fs.IntVar(&f.rate, "rate", 100, "procfs backend: samples per second per thread")
	fs.DurationVar(&f.minDState, "min-dstate", time.Millisecond, "ebpf backend: D-state intervals at least this long are also sent as events")
	fs.StringVar(&f.kernelBTF, "kernel-btf", "", "kernel BTF file for kernels without /sys/kernel/btf/vmlinux")
	fs.StringVar(&f.noIdle, "nfsd-noidle", ebpf.NoIdleAuto, "ebpf backend: tracepoint counting requests that found no idle nfsd thread: "+strings.Join(ebpf.NoIdleChoices, ", ")+" (auto: what the kernel has)")
	fs.StringVar(&f.blockHist, "block-hists", ebpf.BlockHistsAuto, "ebpf backend: block latency histograms "+strings.Join(ebpf.BlockHistsChoices, ", ")+" (percpu: no atomic update per request, one copy per possible CPU; auto: per CPU while that takes at most 32 MiB)")
	fs.BoolVar(&f.uring, "uring-latency", true, "ebpf backend: time the io_uring reads, writes and syncs of threads selected by --comm or --pid, submission to completion (about 0.6 µs of BPF time per request; BENCHMARKS.md)")
	fs.BoolVar(&f.aio, "aio-latency", true, "ebpf backend: time the libaio reads, writes and syncs of processes selected by --comm or --pid, io_submit's return to io_getevents' (BENCHMARKS.md)")
	fs.StringVar(&f.kmsg, "kmsg", kmsg.DefaultPath, "kernel log device to read hung-task reports and nfsd, sunrpc, block and filesystem messages from (\"\": none)")
}

// validate checks every flag before anything is loaded: values, the
// regular expression, the process IDs and the paths. A --pid that names no
// running process is not an error (it may be about to start) but is
// reported to warn.
func (f *sourceFlags) validate(warn io.Writer) (host.Targets, error) {
	var t host.Targets
	if f.interval < 10*time.Millisecond {
		return t, usageError{fmt.Sprintf("--interval %v is too short (minimum 10ms)", f.interval)}
	}
	if f.minDState < 0 {
		return t, usageError{fmt.Sprintf("--min-dstate %v is negative", f.minDState)}
	}
	for _, d := range []struct{ flag, path string }{{"procfs", f.procfs}, {"sysfs", f.sysfs}} {
		if err := checkDir(d.flag, d.path); err != nil {
			return t, err
		}
	}
	if f.kernelBTF != "" {
		if err := checkFile("kernel-btf", f.kernelBTF); err != nil {
			return t, err
		}
	}
	switch f.backend {
	case "auto", "ebpf", "procfs":
	default:
		return t, usageError{fmt.Sprintf("--backend %q: want auto, ebpf or procfs", f.backend)}
	}
	if !slices.Contains(ebpf.NoIdleChoices, f.noIdle) {
		return t, usageError{fmt.Sprintf("--nfsd-noidle %q: want %s", f.noIdle, strings.Join(ebpf.NoIdleChoices, ", "))}
	}
	if !slices.Contains(ebpf.BlockHistsChoices, f.blockHist) {
		return t, usageError{fmt.Sprintf("--block-hists %q: want %s", f.blockHist, strings.Join(ebpf.BlockHistsChoices, ", "))}
	}
	if f.rate < 1 || f.rate > 10000 {
		return t, usageError{fmt.Sprintf("--rate %d: want 1 to 10000 samples per second", f.rate)}
	}
	if f.comm != "" {
		re, err := regexp.Compile(f.comm)
		if err != nil {
			return t, usageError{fmt.Sprintf("--comm: %v", err)}
		}
		t.Comm = re
	}
	for _, s := range strings.Split(f.pids, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		pid, err := strconv.Atoi(s)
		if err != nil || pid <= 0 {
			return t, usageError{fmt.Sprintf("--pid: %q is not a process ID", s)}
		}
		t.PIDs = append(t.PIDs, pid)
		if _, err := os.Stat(filepath.Join(f.procfs, strconv.Itoa(pid))); errors.Is(err, fs.ErrNotExist) {
			fmt.Fprintf(warn, "nfstrace: warning: --pid %d: no such process in %s\n", pid, f.procfs)
		}
	}
	t.All = f.all
	return t, nil
}

// checkDir wants path to be a directory.
func checkDir(flag, path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return usageError{fmt.Sprintf("--%s: %v", flag, err)}
	}
	if !st.IsDir() {
		return usageError{fmt.Sprintf("--%s: %s is not a directory", flag, path)}
	}
	return nil
}

// checkFile wants path to be a readable regular file.
func checkFile(flag, path string) error {
	fh, err := os.Open(path)
	if err != nil {
		return usageError{fmt.Sprintf("--%s: %v", flag, err)}
	}
	defer fh.Close()
	if st, err := fh.Stat(); err != nil || !st.Mode().IsRegular() {
		return usageError{fmt.Sprintf("--%s: %s is not a regular file", flag, path)}
	}
	return nil
}

// checkOutputDir wants the directory a file named by option opt (-o,
// --pprof) will be created in to exist; an empty path is no file.
func checkOutputDir(opt, path string) error {
	if path == "" {
		return nil
	}
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return usageError{fmt.Sprintf("%s %s: directory %s does not exist", opt, path, dir)}
	}
	return nil
}

// checkListen parses a host:port listen address without resolving names:
// the port is a number or a service name of /etc/services, the host empty,
// an IP address or a host name.
func checkListen(flag, addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return usageError{fmt.Sprintf("--%s %q: want HOST:PORT, e.g. 127.0.0.1:9753 or :9753", flag, addr)}
	}
	if _, err := net.LookupPort("tcp", port); err != nil {
		return usageError{fmt.Sprintf("--%s %q: bad port %q", flag, addr, port)}
	}
	if host != "" && net.ParseIP(host) == nil && !validHostname(host) {
		return usageError{fmt.Sprintf("--%s %q: bad host %q", flag, addr, host)}
	}
	return nil
}

func validHostname(h string) bool {
	for _, label := range strings.Split(strings.TrimSuffix(h, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return len(h) <= 253
}

// threadFollower is a tracer that follows its target threads itself (the
// eBPF backend): the set its probes trace now, ok false when it does not.
type threadFollower interface {
	Threads() (tids map[uint32]bool, ok bool)
}

// liveSource is a running sampler: a snapshot per interval, its host's
// configuration, and the tracer to close when done.
type liveSource struct {
	*sampler.Sampler
	cfg    model.Config
	tracer sampler.Tracer
	klog   *kmsg.Source
}

func (s *liveSource) Config() model.Config { return s.cfg }

func (s *liveSource) Close() error {
	var errs []error
	if s.klog != nil {
		errs = append(errs, s.klog.Close())
	}
	if s.tracer != nil {
		errs = append(errs, s.tracer.Close())
	}
	return errors.Join(errs...)
}

// tracerOptions are the tracer's options the flags ask for.
func (f *sourceFlags) tracerOptions(t host.Targets, log *slog.Logger) sampler.Options {
	return sampler.Options{
		Backend:    f.backend,
		Proc:       f.procfs,
		Sys:        f.sysfs,
		Targets:    t,
		Rate:       f.rate,
		MinDState:  f.minDState,
		KernelBTF:  f.kernelBTF,
		NoIdle:     f.noIdle,
		BlockHists: f.blockHist,
		NoURing:    !f.uring,
		NoAIO:      !f.aio,
		Logger:     log,
	}
}

// open reads the host's configuration, opens the backend the flags ask for
// (probing once, logging each probe to log) and returns the live source.
func (f *sourceFlags) open(t host.Targets, log *slog.Logger) (*liveSource, error) {
	r, err := host.NewReader(host.Roots{Proc: f.procfs, Sys: f.sysfs, Boot: f.boot})
	if err != nil {
		return nil, err
	}
	tr, err := sampler.OpenTracer(f.tracerOptions(t, log))
	if err != nil {
		return nil, err
	}
	s, err := sampler.New(r, tr, f.interval)
	if err != nil {
		return nil, errors.Join(err, tr.Close())
	}
	klog := f.openKernelLog(s, log)
	if !t.Default() && !t.All {
		// The limits of the threads a workload selector picks, as they
		// appear: the nfsd kernel threads (the default) and --all
		// (every thread, whose limits would say nothing of the workload)
		// have none worth reading.
		// One walk of /proc a second serves both: the threads' cgroups
		// and their read and write calls, the unit of work of a process
		// (kernel threads make none).
		w := host.NewThreadWatch(f.procfs, t.Selector())
		if fw, ok := tr.(threadFollower); ok {
			if _, ok := fw.Threads(); ok {
				// The tracer follows the targets itself: count what its
				// probes see, from when they see it, with no walk of our own.
				w = host.NewThreadWatchFrom(f.procfs, func() (map[uint32]bool, error) {
					tids, _ := fw.Threads()
					return tids, nil
				})
			}
		}
		s.SetCgroups(host.NewCgroupWatch(w, f.sysfs))
		if c, err := host.NewCallCounter(w); err != nil {
			log.Warn("read and write calls of the traced threads not counted", "err", err)
		} else {
			s.SetCalls(c)
		}
	}
	cfg := s.Config()
	cfg.Targets = t.String()
	return &liveSource{Sampler: s, cfg: cfg, tracer: tr, klog: klog}, nil
}

// openKernelLog adds the kernel log to the sampler's snapshots. A log that
// cannot be read (kernel.dmesg_restrict=1 without CAP_SYSLOG, no device) is
// said in one line; everything else works without it.
func (f *sourceFlags) openKernelLog(s *sampler.Sampler, log *slog.Logger) *kmsg.Source {
	if f.kmsg == "" {
		return nil
	}
	k, err := kmsg.Open(f.kmsg)
	if err != nil {
		log.Warn("kernel messages are not collected: " + err.Error())
		s.SetKernelLog(nil, "unavailable: "+err.Error())
		return nil
	}
	s.SetKernelLog(k, f.kmsg)
	return k
}

// newLogger logs to w at level warn, or info with verbose.
func newLogger(w io.Writer, verbose bool) *slog.Logger {
	lvl := slog.LevelWarn
	if verbose {
		lvl = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: lvl}))
}
