package diag

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Host names the places on this machine the runner changes. Every name
// carries "nfstrace-diag" so that a leftover is easy to recognise, and
// Recover can undo what a killed run left behind.
type Host struct {
	Run    string // working directory: lock, state file, mount point
	Cgroup string // cgroup v1 root, holding blkio, cpu and memory
	Proc   string // /proc
	Sys    string // /sys
}

// DefaultHost is this machine's layout.
func DefaultHost() Host {
	return Host{Run: "/run/nfstrace-diag", Cgroup: "/sys/fs/cgroup", Proc: "/proc", Sys: "/sys"}
}

const diagName = "nfstrace-diag"

func (h Host) mountPoint() string { return filepath.Join(h.Run, "mnt") }
func (h Host) stateFile() string  { return filepath.Join(h.Run, "restore.json") }
func (h Host) cgroupDir(ctrl string) string {
	return filepath.Join(h.Cgroup, ctrl, diagName)
}
func backingFile(kind string) string {
	if kind == "disk" {
		return "/var/tmp/" + diagName + ".img"
	}
	return "/dev/shm/" + diagName + ".img"
}

// cgroupControllers are the v1 hierarchies the workload's cgroup is made in.
func cgroupControllers() []string { return []string{"blkio", "cpu", "memory"} }

// state is what must be put back if the runner dies before its undo runs:
// written before each change, removed once everything is restored.
type state struct {
	Sysctls map[string]string     `json:"sysctls"` // name -> value before
	Queues  map[string]queueState `json:"queues"`  // loop device -> queue settings before
}

type queueState struct {
	Scheduler  string `json:"scheduler"`
	NrRequests string `json:"nr_requests"`
}

// Lock takes the runner's lock, so that two runs never record at once; the
// returned function releases it.
func (h Host) Lock() (func(), error) {
	if err := os.MkdirAll(h.Run, 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(h.Run, "lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("another nfstrace-diag holds %s: one recording at a time", f.Name())
	}
	return func() { f.Close() }, nil
}

// WaitIdle returns once no other nfstrace recording runs on the host, saying
// on log what it waits for; it gives up after limit.
func (h Host) WaitIdle(ctx context.Context, log io.Writer, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	said := 0
	for {
		pid, args := h.OtherRecording()
		if pid == 0 {
			return nil
		}
		if pid != said {
			fmt.Fprintf(log, "waiting: another recording is running (pid %d: %s)\n", pid, args)
			said = pid
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("another recording (pid %d: %s) still runs after %v: one recording at a time", pid, args, limit)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// OtherRecording finds a running "nfstrace record" by its command line. A
// serve daemon is not counted: it may run on a host for good.
func (h Host) OtherRecording() (int, string) {
	ents, _ := os.ReadDir(h.Proc)
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(h.Proc, e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		argv := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
		if len(argv) < 2 || filepath.Base(argv[0]) != "nfstrace" {
			continue
		}
		for _, a := range argv[1:] {
			if a == "record" {
				return pid, strings.Join(argv, " ")
			}
		}
	}
	return 0, ""
}

// Recover undoes what a run killed before its cleanup left: restores the
// saved settings, unmounts, detaches the loop devices on the backing files,
// removes the cgroups and the files. It is harmless when nothing is left.
func (h Host) Recover(ctx context.Context) error {
	var errs []error
	if b, err := os.ReadFile(h.stateFile()); err == nil {
		var st state
		if err := json.Unmarshal(b, &st); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", h.stateFile(), err))
		} else {
			errs = append(errs, h.restore(st))
		}
	}
	if mounted(h.Proc, h.mountPoint()) {
		errs = append(errs, run(ctx, "umount", h.mountPoint()))
	}
	for _, kind := range []string{"tmpfs", "disk"} {
		f := backingFile(kind)
		if out, err := exec.CommandContext(ctx, "losetup", "-j", f).Output(); err == nil {
			for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				if dev, _, ok := strings.Cut(line, ":"); ok {
					errs = append(errs, run(ctx, "losetup", "-d", dev))
				}
			}
		}
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	for _, c := range cgroupControllers() {
		if err := os.Remove(h.cgroupDir(c)); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, fmt.Errorf("remove cgroup: %w", err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("recover from an earlier run: %w", err)
	}
	return nil
}

func (h Host) restore(st state) error {
	var errs []error
	errs = append(errs, h.restoreSysctls(st.Sysctls))
	for dev, q := range st.Queues {
		errs = append(errs, h.setQueue(dev, q))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return os.Remove(h.stateFile())
}

// restoreSysctls writes saved values back. Of a pair (vm.dirty_bytes and
// vm.dirty_ratio), the kernel keeps one in force and reads the other as 0,
// and refuses to be given 0: the zero is skipped and the other value written.
func (h Host) restoreSysctls(saved map[string]string) error {
	var errs []error
	for _, name := range sortedKeys(saved) {
		if _, ok := saved[sysctlPair(name)]; ok && saved[name] == "0" {
			continue
		}
		errs = append(errs, writeFile(sysctlPath(h.Proc, name), saved[name]))
	}
	return errors.Join(errs...)
}

// sysctlPair is the other half of a sysctl the kernel keeps as two
// exclusive files, or "".
func sysctlPair(name string) string {
	pairs := map[string]string{
		"vm.dirty_bytes":            "vm.dirty_ratio",
		"vm.dirty_ratio":            "vm.dirty_bytes",
		"vm.dirty_background_bytes": "vm.dirty_background_ratio",
		"vm.dirty_background_ratio": "vm.dirty_background_bytes",
	}
	return pairs[name]
}

func (h Host) saveState(st state) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	tmp := h.stateFile() + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, h.stateFile())
}

func (h Host) setQueue(dev string, q queueState) error {
	dir := filepath.Join(h.Sys, "block", dev, "queue")
	if q.Scheduler != "" {
		if err := writeFile(filepath.Join(dir, "scheduler"), q.Scheduler); err != nil {
			return err
		}
	}
	if q.NrRequests != "" {
		return writeFile(filepath.Join(dir, "nr_requests"), q.NrRequests)
	}
	return nil
}

// Env is a condition set up on the host, with what undoes it.
type Env struct {
	Dev   string // loop device name, e.g. loop3
	Mount string
	cgs   []string // cgroup directories fio is placed in
	undo  []func() error
	st    state
	host  Host
}

// Setup prepares condition c: the loop device and its file system, the
// queue settings, fio's files, sysctls, cgroups and CPU hogs. On error it
// undoes what it did; otherwise Env.Close undoes it.
func (h Host) Setup(ctx context.Context, c Condition, seed int) (_ *Env, err error) {
	e := &Env{Mount: h.mountPoint(), host: h, st: state{Sysctls: map[string]string{}, Queues: map[string]queueState{}}}
	defer func() {
		if err != nil {
			err = errors.Join(err, e.Close())
		}
	}()
	file := backingFile(c.Backing)
	f, err := os.OpenFile(file, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("backing file: %w", err)
	}
	e.push(func() error { return os.Remove(file) })
	err = f.Truncate(c.DeviceSize)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("backing file: %w", err)
	}
	args := []string{"--find", "--show"}
	if c.Backing == "disk" {
		args = append(args, "--direct-io=on")
	}
	out, err := exec.CommandContext(ctx, "losetup", append(args, file)...).Output()
	if err != nil {
		return nil, fmt.Errorf("losetup: %w", exitDetail(err))
	}
	devPath := strings.TrimSpace(string(out))
	e.Dev = filepath.Base(devPath)
	e.push(func() error { return run(context.Background(), "losetup", "-d", devPath) })

	// queue settings: saved first, so that Recover can put them back
	qdir := filepath.Join(h.Sys, "block", e.Dev, "queue")
	sched, err := readScheduler(filepath.Join(qdir, "scheduler"))
	if err != nil {
		return nil, err
	}
	nr, err := readTrim(filepath.Join(qdir, "nr_requests"))
	if err != nil {
		return nil, err
	}
	e.st.Queues[e.Dev] = queueState{Scheduler: sched, NrRequests: nr}
	if err := h.saveState(e.st); err != nil {
		return nil, err
	}
	e.push(func() error { return h.setQueue(e.Dev, queueState{Scheduler: sched, NrRequests: nr}) })
	want := queueState{Scheduler: c.Scheduler}
	if c.NrRequests > 0 {
		want.NrRequests = strconv.Itoa(c.NrRequests)
	}
	if err := h.setQueue(e.Dev, want); err != nil {
		return nil, fmt.Errorf("%s queue: %w", e.Dev, err)
	}

	if err := run(ctx, "mkfs.ext4", "-q", "-F", "-E", "lazy_itable_init=0,lazy_journal_init=0", devPath); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(e.Mount, 0o755); err != nil {
		return nil, err
	}
	if err := run(ctx, "mount", devPath, e.Mount); err != nil {
		return nil, err
	}
	e.push(func() error { return unmount(e.Mount) })

	// fio's files, laid out outside the cgroup (a throttle would make this
	// slow), written back and dropped from the page cache here, so that the
	// workload starts cold from a quiet device (fio runs with invalidate=0:
	// its own drop at the job's start would write back inside the capture)
	prep := exec.CommandContext(ctx, "fio", FioArgs(c, e.Mount, 0, seed, true)...)
	prep.Dir = e.Mount // see FioCommand
	if out, err := prep.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("lay out fio's files: %w: %s", err, firstLine(string(out)))
	}
	for _, f := range FioFiles(c.Fio) {
		if _, err := os.Stat(filepath.Join(e.Mount, f)); err != nil {
			return nil, fmt.Errorf("fio did not lay out its files as planned: %w", err)
		}
	}
	if err := dropCache(e.Mount); err != nil {
		return nil, fmt.Errorf("drop fio's files from the page cache: %w", err)
	}

	for _, name := range sortedKeys(c.Sysctls) {
		// a pair such as vm.dirty_bytes and vm.dirty_ratio is one setting:
		// save both, and restore the one that was in force
		saved := map[string]string{}
		for _, n := range []string{name, sysctlPair(name)} {
			if n == "" {
				continue
			}
			v, err := readTrim(sysctlPath(h.Proc, n))
			if err != nil {
				return nil, fmt.Errorf("sysctl %s: %w", n, err)
			}
			saved[n] = v
			e.st.Sysctls[n] = v
		}
		if err := h.saveState(e.st); err != nil {
			return nil, err
		}
		e.push(func() error { return h.restoreSysctls(saved) })
		if err := writeFile(sysctlPath(h.Proc, name), c.Sysctls[name]); err != nil {
			return nil, fmt.Errorf("sysctl %s: %w", name, err)
		}
	}

	if err := e.cgroups(c); err != nil {
		return nil, err
	}

	for range c.CPUHogs {
		cmd := exec.Command("taskset", "-c", c.CPUs, "sh", "-c", "while :; do :; done")
		if err := cmd.Start(); err != nil {
			return nil, fmt.Errorf("cpu hog: %w", err)
		}
		e.push(func() error {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			return nil
		})
	}
	return e, nil
}

// cgroups makes the workload's cgroup in each controller and sets c's limits.
func (e *Env) cgroups(c Condition) error {
	majmin, err := readTrim(filepath.Join(e.host.Sys, "block", e.Dev, "dev"))
	if err != nil {
		return err
	}
	limits := map[string][][2]string{
		"blkio":  {},
		"cpu":    {},
		"memory": {},
	}
	for _, l := range []struct {
		file string
		v    int64
	}{
		{"blkio.throttle.read_iops_device", c.ReadIOPS},
		{"blkio.throttle.write_iops_device", c.WriteIOPS},
		{"blkio.throttle.read_bps_device", c.ReadBPS},
		{"blkio.throttle.write_bps_device", c.WriteBPS},
	} {
		if l.v > 0 {
			limits["blkio"] = append(limits["blkio"], [2]string{l.file, majmin + " " + strconv.FormatInt(l.v, 10)})
		}
	}
	if c.CPUQuotaUs > 0 {
		if c.CPUPeriodUs > 0 {
			limits["cpu"] = append(limits["cpu"], [2]string{"cpu.cfs_period_us", strconv.FormatInt(c.CPUPeriodUs, 10)})
		}
		limits["cpu"] = append(limits["cpu"], [2]string{"cpu.cfs_quota_us", strconv.FormatInt(c.CPUQuotaUs, 10)})
	}
	if c.MemLimit > 0 {
		limits["memory"] = append(limits["memory"], [2]string{"memory.limit_in_bytes", strconv.FormatInt(c.MemLimit, 10)})
	}
	for _, ctrl := range cgroupControllers() {
		dir := e.host.cgroupDir(ctrl)
		if err := os.Mkdir(dir, 0o755); err != nil {
			return fmt.Errorf("cgroup: %w", err)
		}
		e.push(func() error { return removeCgroup(dir) })
		for _, kv := range limits[ctrl] {
			if err := writeFile(filepath.Join(dir, kv[0]), kv[1]); err != nil {
				return fmt.Errorf("cgroup: %w", err)
			}
		}
		e.cgs = append(e.cgs, dir)
	}
	return nil
}

// FioCommand runs fio with args inside the workload's cgroups. It runs in
// the mount point: when a directory named like the job exists in fio's
// working directory (the repository's diag/, for a job named diag), fio
// takes the job name as the one file of every job, and jobs meant to have a
// file each would share one.
func (e *Env) FioCommand(ctx context.Context, args []string) *exec.Cmd {
	var script strings.Builder
	for _, dir := range e.cgs {
		fmt.Fprintf(&script, "echo $$ > %s/cgroup.procs && ", dir)
	}
	script.WriteString(`exec fio "$@"`)
	cmd := exec.CommandContext(ctx, "sh", append([]string{"-c", script.String(), "sh"}, args...)...)
	cmd.Dir = e.Mount
	return cmd
}

// Close undoes the setup in reverse order, all of it even when a step fails.
func (e *Env) Close() error {
	var errs []error
	for i := len(e.undo) - 1; i >= 0; i-- {
		errs = append(errs, e.undo[i]())
	}
	e.undo = nil
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("undo: %w (state kept in %s for the next run)", err, e.host.stateFile())
	}
	if err := os.Remove(e.host.stateFile()); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

func (e *Env) push(f func() error) { e.undo = append(e.undo, f) }

func removeCgroup(dir string) error {
	// the tasks of a killed fio may take a moment to leave
	var err error
	for range 50 {
		if err = os.Remove(dir); err == nil || errors.Is(err, os.ErrNotExist) {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("remove cgroup: %w", err)
}

func unmount(dir string) error {
	var err error
	for range 50 {
		if err = syscall.Unmount(dir, 0); err == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("umount %s: %w", dir, err)
}

func mounted(proc, dir string) bool {
	b, err := os.ReadFile(filepath.Join(proc, "self", "mountinfo"))
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 4 && f[4] == dir {
			return true
		}
	}
	return false
}

func sysctlPath(proc, name string) string {
	return filepath.Join(proc, "sys", strings.ReplaceAll(name, ".", "/"))
}

func readTrim(p string) (string, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}

// readScheduler returns the active scheduler of a queue/scheduler file,
// the one in brackets.
func readScheduler(p string) (string, error) {
	s, err := readTrim(p)
	if err != nil {
		return "", err
	}
	return parseScheduler(s)
}

func parseScheduler(s string) (string, error) {
	i, j := strings.IndexByte(s, '['), strings.IndexByte(s, ']')
	if i < 0 || j < i {
		return "", fmt.Errorf("scheduler list %q: no [active] entry", s)
	}
	return s[i+1 : j], nil
}

func writeFile(p, v string) error {
	if err := os.WriteFile(p, []byte(v), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", v, err)
	}
	return nil
}

// run runs a command, its stderr in the error.
func run(ctx context.Context, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w: %s", name, err, firstLine(stderr.String()))
	}
	return nil
}

func exitDetail(err error) error {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return fmt.Errorf("%w: %s", err, firstLine(string(ee.Stderr)))
	}
	return err
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// dropCache writes back every file under dir and drops its pages from the
// page cache.
func dropCache(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := unix.Fdatasync(int(f.Fd())); err != nil {
			return fmt.Errorf("fdatasync %s: %w", p, err)
		}
		if err := unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED); err != nil {
			return fmt.Errorf("fadvise %s: %w", p, err)
		}
		return nil
	})
}
