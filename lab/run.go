package lab

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

//go:embed guest/init.sh
var guestInit []byte

// The systemd boot (RunConfig.Systemd): a /init that hands over to systemd,
// and the units that run init.sh under it.
var (
	//go:embed guest/systemd-init.sh
	systemdInit []byte
	//go:embed guest/lab.target
	systemdTarget []byte
	//go:embed guest/lab.service
	systemdService []byte
)

// RunConfig is one boot of the guest.
type RunConfig struct {
	Kernel    Kernel
	Base      string     // cpio archive of the root file system (Builder output)
	Scenarios []Scenario // run in order, in the same boot
	NFSTrace  string     // static nfstrace binary for the guest
	NFSLoad   string     // static nfsload binary for the guest
	// Script, if set, is a bash script run after the scenarios with the
	// export on vda mounted over NFSv3 at /mnt/nfs-v3 and NFSv4.2 at
	// /mnt/nfs-v4.2; $LAB_OUT is its output directory.
	Script        string
	ScriptTimeout time.Duration
	Files         []string      // extra host files, copied to /lab/files/ in the guest
	Dir           string        // run directory, created; results land in Dir/results
	Deadline      time.Duration // the whole boot; 0 means computed from the scenarios
	MemoryMB      int           // default 1024
	CPUs          int           // default 2
	DiskGB        int           // size of vda, the export disk; default 2
	Progress      io.Writer     // if set, receives the guest's LAB lines as they come
	Keep          bool          // keep the initrd and disk images
	// Systemd boots systemd as PID 1, which runs the guest's steps as
	// lab.service; Base must then be Builder.SystemdBase's root file system.
	Systemd bool
}

// Result is what one boot left behind.
type Result struct {
	Dir      string // run directory
	Results  string // Dir/results: what the guest saved
	Console  string // Dir/console.log
	Kernel   Kernel
	Took     time.Duration
	Steps    []Step
	Done     bool   // the guest reached its end
	Killed   bool   // the host killed QEMU at the deadline
	Hung     string // the step that was running when QEMU was killed or died
	Panic    string // the first line of a kernel Oops or panic on the console
	Wedged   string // why the host's watchdog killed the guest before the deadline
	ExitCode int    // QEMU's
}

// Step is one guest step as reported on the console.
type Step struct {
	Name     string
	RC       int // -1 if it never ended
	Start    float64
	End      float64 // guest uptime in seconds; 0 if it never ended
	TimedOut bool
}

// Failed lists the steps that ended with a non-zero status.
func (r *Result) Failed() []Step {
	var out []Step
	for _, s := range r.Steps {
		if s.RC != 0 {
			out = append(out, s)
		}
	}
	return out
}

func (c *RunConfig) defaults() {
	if c.MemoryMB == 0 {
		c.MemoryMB = 1024
	}
	if c.CPUs == 0 {
		c.CPUs = 2
	}
	if c.DiskGB == 0 {
		c.DiskGB = 2
	}
	if c.ScriptTimeout == 0 {
		c.ScriptTimeout = 10 * time.Minute
	}
	if c.Deadline == 0 {
		c.Deadline = bootLimit // boot, modules, nfsd
		for _, s := range c.Scenarios {
			c.Deadline += s.Budget()
		}
		if c.Script != "" {
			c.Deadline += c.ScriptTimeout + 5*time.Minute
		}
	}
}

// Run boots the guest once, runs the scenarios (and script) in it, and
// collects the results. It returns an error only when the run could not be
// set up or its results could not be read; a guest that failed or hung is
// described by the Result.
func Run(ctx context.Context, cfg RunConfig) (*Result, error) {
	cfg.defaults()
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		return nil, errors.New("qemu-system-x86_64 not found: apt-get install qemu-system-x86")
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("create run dir: %w", err)
	}
	res := &Result{Dir: cfg.Dir, Results: filepath.Join(cfg.Dir, "results"),
		Console: filepath.Join(cfg.Dir, "console.log"), Kernel: cfg.Kernel}
	initrd := filepath.Join(cfg.Dir, "initrd.img")
	vda := filepath.Join(cfg.Dir, "export.img")
	vdb := filepath.Join(cfg.Dir, "results.img")
	if err := writeInitrd(initrd, cfg); err != nil {
		return nil, err
	}
	for _, d := range []struct {
		path string
		size int64
	}{{vda, int64(cfg.DiskGB) << 30}, {vdb, 256 << 20}} {
		if err := sparseFile(d.path, d.size); err != nil {
			return nil, err
		}
	}
	if !cfg.Keep {
		defer os.Remove(initrd)
		defer os.Remove(vda)
		defer os.Remove(vdb)
	}

	// Single-threaded TCG: with one host thread per vCPU (MTTCG), the
	// kernel's int3-based text patching (static calls, jump labels: every
	// BPF tracepoint attach and detach) raced and the guest died with
	// "Oops: int3" in __schedule. Two vCPUs still run, interleaved; and two
	// guests side by side use one host core each.
	accel := "tcg,thread=single,tb-size=256"
	cpu := "max"
	if a := os.Getenv("NFSTRACE_LAB_ACCEL"); a != "" { // kvm works only where the host allows it; see docs/lab.md
		accel, cpu = a, "host"
	}
	args := []string{
		"-machine", "q35", "-accel", accel, "-cpu", cpu,
		"-smp", strconv.Itoa(cfg.CPUs), "-m", strconv.Itoa(cfg.MemoryMB),
		"-nodefaults", "-display", "none", "-no-reboot",
		"-serial", "file:" + res.Console,
		"-kernel", cfg.Kernel.Vmlinuz, "-initrd", initrd,
		// no_timer_check: on a loaded host the emulated CPU is so slow that
		// the IO-APIC timer check fails and the kernel panics at boot
		// ("IO-APIC + timer doesn't work!", seen on 6.12 with the host
		// confined to one CPU).
		"-append", "console=ttyS0 rdinit=/init panic=-1 quiet loglevel=4 no_timer_check",
		"-drive", "file=" + vda + ",format=raw,if=virtio,cache=unsafe",
		"-drive", "file=" + vdb + ",format=raw,if=virtio,cache=none",
		"-nic", "none",
	}
	qlog, err := os.Create(filepath.Join(cfg.Dir, "qemu.log"))
	if err != nil {
		return nil, fmt.Errorf("create qemu log: %w", err)
	}
	defer qlog.Close()
	fmt.Fprintf(qlog, "qemu-system-x86_64 %s\n", strings.Join(args, " "))

	runCtx, cancel := context.WithTimeout(ctx, cfg.Deadline)
	defer cancel()
	cmd := exec.CommandContext(runCtx, "qemu-system-x86_64", args...)
	cmd.Stdout, cmd.Stderr = qlog, qlog
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start qemu: %w", err)
	}
	stopTail := make(chan struct{})
	tailDone := make(chan struct{})
	var wedged string
	go func() {
		defer close(tailDone)
		wedged = watchConsole(res.Console, cfg.Progress, stopTail, cancel)
	}()
	werr := cmd.Wait()
	close(stopTail)
	<-tailDone
	res.Took = time.Since(start)
	res.ExitCode = cmd.ProcessState.ExitCode()
	switch {
	case wedged != "":
		res.Killed = true
		res.Wedged = wedged
		fmt.Fprintf(qlog, "killed after %s: %s\n", res.Took.Round(time.Second), wedged)
	case runCtx.Err() != nil:
		res.Killed = true
		fmt.Fprintf(qlog, "killed after %s: %v\n", res.Took.Round(time.Second), runCtx.Err())
	case werr != nil:
		fmt.Fprintf(qlog, "qemu: %v\n", werr)
	}

	con, err := os.ReadFile(res.Console)
	if err != nil {
		return res, fmt.Errorf("read console: %w", err)
	}
	res.Steps, res.Hung = ParseSteps(con)
	res.Done = bytes.Contains(con, []byte("\nLAB: done at "))
	res.Panic = firstPanic(con)
	if err := extractTar(vdb, res.Results); err != nil {
		return res, fmt.Errorf("results of %s: %w", cfg.Dir, err)
	}
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	return res, nil
}

// Summary is a one-line account of a run for logs and test failures.
func (r *Result) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "kernel %s: %d steps in %s", r.Kernel.Release, len(r.Steps), r.Took.Round(time.Second))
	switch {
	case r.Wedged != "":
		fmt.Fprintf(&b, ", KILLED: %s", r.Wedged)
	case r.Killed:
		fmt.Fprintf(&b, ", KILLED at the deadline")
	case !r.Done:
		fmt.Fprintf(&b, ", guest did not finish (qemu exit %d)", r.ExitCode)
	}
	if r.Panic != "" {
		fmt.Fprintf(&b, ", guest kernel: %q", r.Panic)
	}
	if r.Hung != "" {
		fmt.Fprintf(&b, ", step %q never ended", r.Hung)
	}
	if f := r.Failed(); len(f) > 0 {
		var names []string
		for _, s := range f {
			n := fmt.Sprintf("%s(rc=%d)", s.Name, s.RC)
			if s.TimedOut {
				n = s.Name + "(timeout)"
			}
			names = append(names, n)
		}
		fmt.Fprintf(&b, ", failed: %s", strings.Join(names, " "))
	}
	fmt.Fprintf(&b, "; console %s", r.Console)
	return b.String()
}

// firstPanic returns the first line of the console that reports a kernel
// Oops, BUG or panic, without its timestamp.
func firstPanic(console []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(console))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		for _, m := range []string{"Oops:", "BUG:", "Kernel panic"} {
			if i := strings.Index(line, m); i >= 0 {
				return line[i:]
			}
		}
	}
	return ""
}

// ParseSteps reads the guest's "LAB-STEP" console lines: every step, and the
// one that began but never ended, if any.
func ParseSteps(console []byte) (steps []Step, open string) {
	idx := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(console))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		i := strings.Index(line, "LAB-STEP ")
		if i < 0 {
			continue
		}
		f := strings.Fields(line[i:])
		if len(f) < 3 {
			continue
		}
		kind, name := f[1], f[2]
		attrs := map[string]string{}
		for _, a := range f[3:] {
			if k, v, ok := strings.Cut(a, "="); ok {
				attrs[k] = strings.TrimSuffix(v, "s")
			}
		}
		switch kind {
		case "begin":
			at, _ := strconv.ParseFloat(attrs["at"], 64)
			idx[name] = len(steps)
			steps = append(steps, Step{Name: name, RC: -1, Start: at})
		case "timeout":
			if j, ok := idx[name]; ok {
				steps[j].TimedOut = true
			}
		case "end":
			j, ok := idx[name]
			if !ok {
				continue
			}
			steps[j].RC, _ = strconv.Atoi(attrs["rc"])
			steps[j].End, _ = strconv.ParseFloat(attrs["at"], 64)
		}
	}
	for _, s := range steps {
		if s.RC == -1 {
			open = s.Name
		}
	}
	return steps, open
}

// Watchdog limits: a guest that has not printed its first LAB line after
// bootLimit, or whose step outlived its own timeout by stepGrace (the guest's
// timeout(1) did not fire: the guest is wedged), is killed without waiting
// for the run's deadline.
// Guests reach /init in 8-11 s on an idle host, and took 130 s with the
// host confined to one CPU shared by four guests: bootLimit leaves room.
const (
	bootLimit = 8 * time.Minute
	stepGrace = 90 * time.Second
)

// watchConsole follows the console while QEMU runs: it copies the guest's
// LAB lines (and kernel warnings) to w, if set, and calls kill when the guest
// is wedged, returning why.
func watchConsole(path string, w io.Writer, stop <-chan struct{}, kill func()) string {
	var off int64
	var partial []byte
	start := time.Now()
	booted := false
	var open string
	var openSince time.Time
	var openLimit time.Duration
	read := func() {
		f, err := os.Open(path)
		if err != nil {
			return
		}
		defer f.Close()
		b, err := io.ReadAll(io.NewSectionReader(f, off, 1<<40))
		if err != nil {
			return
		}
		off += int64(len(b))
		partial = append(partial, b...)
		for {
			i := bytes.IndexByte(partial, '\n')
			if i < 0 {
				break
			}
			line := string(bytes.TrimRight(partial[:i], "\r"))
			partial = partial[i+1:]
			if strings.HasPrefix(line, "LAB") {
				booted = true
			}
			if f := strings.Fields(line); len(f) >= 4 && f[0] == "LAB-STEP" {
				switch f[1] {
				case "begin":
					open, openSince = f[2], time.Now()
					t, err := time.ParseDuration(strings.TrimPrefix(f[3], "timeout="))
					if err != nil {
						t = 10 * time.Minute
					}
					openLimit = t + stepGrace
				case "end":
					open = ""
				}
			}
			if w != nil && (strings.HasPrefix(line, "LAB") || strings.Contains(line, "Kernel panic") ||
				strings.Contains(line, "Oops:") || strings.Contains(line, "blocked for more than")) {
				fmt.Fprintf(w, "  guest: %s\n", line)
			}
		}
	}
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-stop:
			read()
			return ""
		case <-t.C:
			read()
			var why string
			switch {
			case !booted && time.Since(start) > bootLimit:
				why = fmt.Sprintf("no LAB line on the console after %s: the guest did not boot", bootLimit)
			case open != "" && time.Since(openSince) > openLimit:
				why = fmt.Sprintf("step %s still running %s after it began, past its own timeout: the guest is wedged", open, time.Since(openSince).Round(time.Second))
			}
			if why != "" {
				kill()
				// Drain what is left; QEMU is being killed.
				<-stop
				read()
				return why
			}
		}
	}
}

// writeInitrd writes the cached root file system and modules followed by
// this run's piece: /init, the scenarios, the binaries and extra files.
func writeInitrd(path string, cfg RunConfig) error {
	var files []cpioFile
	add := func(name string, mode uint32, data []byte) {
		files = append(files, cpioFile{Name: name, Mode: mode, Data: data})
	}
	if cfg.Systemd {
		add("init", 0o755, systemdInit)
		add("etc/systemd/system/lab.target", 0o644, systemdTarget)
		add("etc/systemd/system/lab.service", 0o644, systemdService)
	} else {
		add("init", 0o755, guestInit)
	}
	add("lab/init.sh", 0o755, guestInit)
	var names []string
	for _, s := range cfg.Scenarios {
		add("lab/scenarios/"+s.Name+".env", 0o644, []byte(s.Env()))
		names = append(names, s.Name)
	}
	job := fmt.Sprintf("LAB_SCENARIOS=%s\nLAB_KERNEL_SERIES=%s\n", shellQuote(strings.Join(names, " ")), shellQuote(cfg.Kernel.Series))
	if cfg.Script != "" {
		b, err := os.ReadFile(cfg.Script)
		if err != nil {
			return fmt.Errorf("read script: %w", err)
		}
		add("lab/user/script", 0o755, b)
		job += fmt.Sprintf("LAB_SCRIPT=/lab/user/script\nLAB_SCRIPT_TIMEOUT=%d\n", int(cfg.ScriptTimeout.Seconds()))
	}
	add("lab/job.env", 0o644, []byte(job))
	for _, bin := range []struct{ src, name string }{{cfg.NFSTrace, "nfstrace"}, {cfg.NFSLoad, "nfsload"}} {
		b, err := os.ReadFile(bin.src)
		if err != nil {
			return fmt.Errorf("guest binary: %w", err)
		}
		add("lab/bin/"+bin.name, 0o755, b)
	}
	for _, f := range cfg.Files {
		b, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("extra file: %w", err)
		}
		add("lab/files/"+filepath.Base(f), 0o755, b)
	}

	out, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create initrd: %w", err)
	}
	for _, piece := range []string{cfg.Base, cfg.Kernel.Modules} {
		in, err := os.Open(piece)
		if err != nil {
			out.Close()
			return fmt.Errorf("initrd: %w", err)
		}
		_, err = io.Copy(out, in)
		in.Close()
		if err != nil {
			out.Close()
			return fmt.Errorf("initrd: copy %s: %w", piece, err)
		}
	}
	w := bufio.NewWriter(out)
	if err := writeCpio(w, files); err != nil {
		out.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		out.Close()
		return fmt.Errorf("initrd: %w", err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("initrd: %w", err)
	}
	return nil
}

func sparseFile(path string, size int64) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create disk: %w", err)
	}
	if err := f.Truncate(size); err != nil {
		f.Close()
		return fmt.Errorf("size disk %s: %w", path, err)
	}
	return f.Close()
}

// extractTar unpacks the tar archive at the start of a raw disk image into
// dir. An all-zero image (the guest never saved) gives an empty directory.
func extractTar(image, dir string) error {
	f, err := os.Open(image)
	if err != nil {
		return fmt.Errorf("open results disk: %w", err)
	}
	defer f.Close()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create results dir: %w", err)
	}
	return untar(f, dir)
}

func untar(r io.Reader, dir string) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read results tar: %w", err)
		}
		name := filepath.Clean(h.Name)
		if name == "." {
			continue
		}
		if filepath.IsAbs(name) || name == ".." || strings.HasPrefix(name, "../") {
			return fmt.Errorf("results tar: unsafe path %q", h.Name)
		}
		dst := filepath.Join(dir, name)
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(dst, 0o755); err != nil {
				return fmt.Errorf("results: %w", err)
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return fmt.Errorf("results: %w", err)
			}
			out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
			if err != nil {
				return fmt.Errorf("results: %w", err)
			}
			_, err = io.Copy(out, tr)
			if cerr := out.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return fmt.Errorf("results: write %s: %w", dst, err)
			}
		}
	}
}
