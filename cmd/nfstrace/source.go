package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/nfstrace/nfstrace/internal/host"
	"github.com/nfstrace/nfstrace/internal/model"
	"github.com/nfstrace/nfstrace/internal/sampler"
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
}

func (f *sourceFlags) register(fs *flag.FlagSet) {
	fs.DurationVar(&f.interval, "interval", time.Second, "sampling interval of the host view")
	fs.StringVar(&f.procfs, "procfs", "/proc", "procfs root")
	fs.StringVar(&f.sysfs, "sysfs", "/sys", "sysfs root")
	fs.StringVar(&f.boot, "boot", "/boot", "directory holding the installed kernels")
	fs.StringVar(&f.backend, "backend", "auto", "tracing backend: auto, ebpf or procfs")
	fs.StringVar(&f.comm, "comm", "", "trace threads whose command name matches this regular expression (default: nfsd kernel threads)")
	fs.StringVar(&f.pids, "pid", "", "trace all threads of these comma-separated process IDs")
	fs.BoolVar(&f.all, "all", false, "trace every thread on the host")
	fs.IntVar(&f.rate, "rate", 100, "procfs backend: samples per second per thread")
	fs.DurationVar(&f.minDState, "min-dstate", time.Millisecond, "ebpf backend: D-state intervals at least this long are also sent as events")
	fs.StringVar(&f.kernelBTF, "kernel-btf", "", "kernel BTF file for kernels without /sys/kernel/btf/vmlinux")
}

// targets is the parsed thread selection.
type targets struct {
	comm *regexp.Regexp // nil: the default nfsd kernel threads
	pids []int
	all  bool
}

func (f *sourceFlags) validate() (targets, error) {
	var t targets
	if f.interval < 10*time.Millisecond {
		return t, usageError{fmt.Sprintf("--interval %v is too short (minimum 10ms)", f.interval)}
	}
	switch f.backend {
	case "auto", "ebpf", "procfs":
	default:
		return t, usageError{fmt.Sprintf("--backend %q: want auto, ebpf or procfs", f.backend)}
	}
	if f.rate < 1 || f.rate > 10000 {
		return t, usageError{fmt.Sprintf("--rate %d: want 1 to 10000 samples per second", f.rate)}
	}
	if f.comm != "" {
		re, err := regexp.Compile(f.comm)
		if err != nil {
			return t, usageError{fmt.Sprintf("--comm: %v", err)}
		}
		t.comm = re
	}
	for _, s := range strings.Split(f.pids, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		pid, err := strconv.Atoi(s)
		if err != nil || pid <= 0 {
			return t, usageError{fmt.Sprintf("--pid: %q is not a process ID", s)}
		}
		t.pids = append(t.pids, pid)
	}
	t.all = f.all
	return t, nil
}

// describe says which threads are traced, for the header and the capture.
func (t targets) describe() string {
	var parts []string
	switch {
	case t.all:
		return "all threads"
	case t.comm == nil && len(t.pids) == 0:
		return "nfsd kernel threads"
	case t.comm != nil:
		parts = append(parts, "comm ~ "+t.comm.String())
	}
	if len(t.pids) > 0 {
		s := make([]string, len(t.pids))
		for i, p := range t.pids {
			s[i] = strconv.Itoa(p)
		}
		parts = append(parts, "pid "+strings.Join(s, ","))
	}
	return strings.Join(parts, " or ")
}

// liveSource is a running sampler: a snapshot per interval, its host's
// configuration, and the tracer to close when done.
type liveSource struct {
	*sampler.Sampler
	cfg    model.Config
	tracer sampler.Tracer
}

func (s *liveSource) Config() model.Config { return s.cfg }

func (s *liveSource) Close() error {
	if s.tracer == nil {
		return nil
	}
	return s.tracer.Close()
}

// open reads the host's configuration, opens the backend the flags ask for
// (probing once, logging each probe to log) and returns the live source.
func (f *sourceFlags) open(t targets, log *slog.Logger) (*liveSource, error) {
	r, err := host.NewReader(host.Roots{Proc: f.procfs, Sys: f.sysfs, Boot: f.boot})
	if err != nil {
		return nil, err
	}
	tr, err := sampler.OpenTracer(sampler.Options{
		Backend:   f.backend,
		Proc:      f.procfs,
		Sys:       f.sysfs,
		Comm:      t.comm,
		PIDs:      t.pids,
		All:       t.all,
		Rate:      f.rate,
		MinDState: f.minDState,
		KernelBTF: f.kernelBTF,
		Logger:    log,
	})
	if err != nil {
		return nil, err
	}
	s, err := sampler.New(r, tr, f.interval)
	if err != nil {
		return nil, errors.Join(err, tr.Close())
	}
	cfg := s.Config()
	cfg.Targets = t.describe()
	return &liveSource{Sampler: s, cfg: cfg, tracer: tr}, nil
}

// newLogger logs to w at level warn, or info with verbose.
func newLogger(w io.Writer, verbose bool) *slog.Logger {
	lvl := slog.LevelWarn
	if verbose {
		lvl = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: lvl}))
}
