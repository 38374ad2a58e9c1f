package ebpf

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nfstrace/nfstrace/internal/host"
	"github.com/nfstrace/nfstrace/internal/model"
	"github.com/nfstrace/nfstrace/internal/testenv"
)

// These tests load the real programs and drive real IO on loop devices; they
// need root, BPF and losetup, and skip (fail under NFSTRACE_STRICT=1) without.

func newLiveTracer(t *testing.T, o Options) *Tracer {
	t.Helper()
	testenv.RequireRoot(t)
	if !fileExists("/sys/kernel/btf/vmlinux") {
		testenv.Skip(t, "no kernel BTF at /sys/kernel/btf/vmlinux")
	}
	tr, err := New(o)
	if err != nil {
		// A verifier rejection also reads "permission denied": that is a
		// bug of the programs, not a missing privilege.
		if (errors.Is(err, os.ErrPermission) || errors.Is(err, unix.EPERM)) && !strings.Contains(err.Error(), "load program") {
			testenv.Skip(t, "BPF not permitted: "+err.Error())
		}
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := tr.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	// This kernel has BTF: the programs must load as tp_btf, or a fallback
	// would hide a verifier rejection of the preferred programs.
	if !o.forceRawTP {
		for _, p := range tr.Backend().Probes {
			if (p.Name == "sched_switch" || p.Name == "block_rq_issue") && p.Status != model.ProbeUnavailable && p.Detail != "tp_btf" {
				t.Fatalf("%s: %s (%s), want attached as tp_btf", p.Name, p.Status, p.Detail)
			}
		}
	}
	return tr
}

// loopDev is a loop device over a file in /dev/shm, removed at cleanup.
type loopDev struct {
	path string // /dev/loopN
	name string // loopN
}

func newLoop(t *testing.T, size int64) loopDev {
	t.Helper()
	testenv.RequireRoot(t)
	if _, err := exec.LookPath("losetup"); err != nil {
		testenv.Skip(t, "losetup not installed")
	}
	f, err := os.CreateTemp("/dev/shm", "nfstrace-test-*.img")
	if err != nil {
		testenv.Skip(t, "no /dev/shm: "+err.Error())
	}
	backing := f.Name()
	t.Cleanup(func() { os.Remove(backing) })
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	f.Close()
	out, err := exec.Command("losetup", "-f", "--show", backing).CombinedOutput()
	if err != nil {
		testenv.Skip(t, fmt.Sprintf("losetup failed (no loop devices?): %v: %s", err, out))
	}
	path := strings.TrimSpace(string(out))
	t.Cleanup(func() {
		if out, err := exec.Command("losetup", "-d", path).CombinedOutput(); err != nil {
			t.Errorf("losetup -d %s: %v: %s", path, err, out)
		}
	})
	return loopDev{path: path, name: filepath.Base(path)}
}

// schedulers lists the IO schedulers the kernel offers for the device.
func (l loopDev) schedulers(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("/sys/block", l.name, "queue/scheduler"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range strings.Fields(string(b)) {
		out = append(out, strings.Trim(f, "[]"))
	}
	return out
}

// setScheduler switches the loop device's IO scheduler, skipping when the
// kernel does not offer it.
func (l loopDev) setScheduler(t *testing.T, sched string) {
	t.Helper()
	p := filepath.Join("/sys/block", l.name, "queue/scheduler")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(^|[\s\[])` + regexp.QuoteMeta(sched) + `($|[\s\]])`).Match(b) {
		testenv.Skip(t, fmt.Sprintf("scheduler %s not available for %s: %s", sched, l.name, bytes.TrimSpace(b)))
	}
	if err := os.WriteFile(p, []byte(sched), 0); err != nil {
		t.Fatalf("set scheduler %s: %v", sched, err)
	}
}

// directIO does n synchronous 4 KiB O_DIRECT writes then n reads at spread
// offsets (within the first 32 MiB) on the device from the calling OS thread.
func directIO(dev string, n int) error {
	return withDirect(dev, unix.O_RDWR, func(fd int, buf []byte) error {
		for i := 0; i < 2*n; i++ {
			off := int64((i*7919)%8192) * 4096
			var err error
			if i < n {
				_, err = unix.Pwrite(fd, buf, off)
			} else {
				_, err = unix.Pread(fd, buf, off)
			}
			if err != nil {
				return fmt.Errorf("direct IO on %s: %w", dev, err)
			}
		}
		return nil
	})
}

// withDirect opens path with O_DIRECT and flags and calls fn with the file
// and an aligned 4 KiB buffer.
func withDirect(path string, flags int, fn func(fd int, buf []byte) error) error {
	fd, err := unix.Open(path, flags|unix.O_DIRECT|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer unix.Close(fd)
	buf, err := unix.Mmap(-1, 0, 4096, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		return err
	}
	defer unix.Munmap(buf)
	for i := range buf {
		buf[i] = byte(i)
	}
	return fn(fd, buf)
}

// diskstat is one device's completed IOs and milliseconds spent, per op.
type diskstat struct {
	ios, ticks [2]uint64 // read, write
}

func readDiskstat(t *testing.T, name string) diskstat {
	t.Helper()
	b, err := os.ReadFile("/proc/diskstats")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 11 || f[2] != name {
			continue
		}
		var d diskstat
		for i, idx := range [][2]int{{3, 6}, {7, 10}} {
			d.ios[i], _ = strconv.ParseUint(f[idx[0]], 10, 64)
			d.ticks[i], _ = strconv.ParseUint(f[idx[1]], 10, 64)
		}
		return d
	}
	t.Fatalf("%s not in /proc/diskstats", name)
	return diskstat{}
}

func collect(t *testing.T, tr *Tracer) model.Snapshot {
	t.Helper()
	var s model.Snapshot
	if err := tr.Collect(&s); err != nil {
		t.Fatalf("Collect: %v", err)
	}
	return s
}

// threadOnCue runs fn on a new thread of this process, locked to it, once
// start is closed: the thread exists before a tracer created in between
// scans its targets. It returns the thread's id and fn's result.
func threadOnCue(fn func() error) (tid int, start chan<- struct{}, done <-chan error) {
	st, dn := make(chan struct{}), make(chan error, 1)
	tidc := make(chan int, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		tidc <- unix.Gettid()
		<-st
		dn <- fn()
	}()
	return <-tidc, st, dn
}

// commandOnCue starts a shell that runs name with args once a line is
// written to the returned pipe: the process exists, and can be a target,
// before it runs name. The process is killed when the test ends.
func commandOnCue(t *testing.T, name string, args ...string) (*exec.Cmd, io.WriteCloser) {
	t.Helper()
	cmd := exec.Command("sh", append([]string{"-c", `read x; exec "$0" "$@"`, name}, args...)...)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd, in
}

// TestDStateDirectIO: real O_DIRECT IO on a loop device puts the submitting
// thread in D state; the tracer sees the intervals with a stack through the
// scheduler's IO wait, labelled with the device and its scheduler, and sends
// events for them.
func TestDStateDirectIO(t *testing.T) {
	loop := newLoop(t, 64<<20)
	loop.setScheduler(t, "mq-deadline")

	// The IO runs on a thread of this process that exists before New scans
	// the targets, so it is a target from the start.
	tid, start, done := threadOnCue(func() error { return directIO(loop.path, 2000) })
	tr := newLiveTracer(t, Options{Targets: host.Targets{PIDs: []int{os.Getpid()}}, MinDState: time.Microsecond, Disable: nil})
	collect(t, tr) // discard what came before the IO
	close(start)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	s := collect(t, tr)

	var rows []model.DState
	var n uint64
	for _, d := range s.DState {
		if d.Device == loop.name {
			rows = append(rows, d)
			n += d.Hist.Count
		}
	}
	if len(rows) == 0 {
		t.Fatalf("no D-state row labelled %s among %d rows: %+v", loop.name, len(s.DState), s.DState)
	}
	// Each synchronous request blocks the thread at least once; a request
	// that completes before the thread sleeps does not, so allow some.
	if n < 1000 {
		t.Errorf("%d D-state intervals on %s for 4000 synchronous requests, want at least 1000", n, loop.name)
	}
	var ioSched bool
	for _, r := range rows {
		if r.Scheduler != "mq-deadline" {
			t.Errorf("row %q labelled scheduler %q, want mq-deadline", r.WaitSite, r.Scheduler)
		}
		if strings.Contains(string(r.WaitSite), "io_schedule") {
			ioSched = true
		}
		t.Logf("%s %s %s n=%d mean=%v threads=%d", r.Comm, r.Device, r.WaitSite, r.Hist.Count, r.Hist.Mean(), r.Threads)
	}
	if !ioSched {
		t.Errorf("no %s row waits through io_schedule: %+v", loop.name, rows)
	}
	var evs int
	for _, e := range s.Events {
		if int(e.TID) == tid && e.Device == loop.name {
			evs++
			if e.PID != uint32(os.Getpid()) || e.Dur < 1000 || e.Site == "" {
				t.Errorf("bad event %+v", e)
			}
		}
	}
	if evs == 0 {
		t.Errorf("no events from thread %d on %s (min-dstate 1us) among %d", tid, loop.name, len(s.Events))
	}
	if s.Stats.Events < uint64(evs) {
		t.Errorf("Stats.Events %d < %d events delivered", s.Stats.Events, evs)
	}
	t.Logf("%d intervals, %d events from the IO thread, %d events in all, %d lost", n, evs, s.Stats.Events, s.Stats.Lost)
}

// TestDStateManyRequests: a thread that writes back many requests of its
// own (fsync after scattered buffered writes) and then waits for the first
// of them is labelled with the device, although the requests it submitted
// last may be done by then.
func TestDStateManyRequests(t *testing.T) {
	for _, sched := range []string{"mq-deadline", "none"} {
		t.Run(sched, func(t *testing.T) {
			loop := newLoop(t, 64<<20)
			loop.setScheduler(t, sched)
			start, done := make(chan struct{}), make(chan error, 1)
			go func() {
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				<-start
				done <- scatterSync(loop.path, 20, 1024)
			}()
			tr := newLiveTracer(t, Options{Targets: host.Targets{PIDs: []int{os.Getpid()}}, MinDState: time.Millisecond})
			collect(t, tr)
			close(start)
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			s := collect(t, tr)
			var on, all time.Duration
			for _, d := range s.DState {
				if !strings.Contains(string(d.WaitSite), "fsync") {
					continue
				}
				all += d.Hist.Sum()
				if d.Device == loop.name {
					on += d.Hist.Sum()
				}
				t.Logf("%q %s n=%d sum=%v", d.Device, d.WaitSite, d.Hist.Count, d.Hist.Sum())
			}
			if all == 0 {
				t.Fatalf("no D-state wait under fsync among %d rows", len(s.DState))
			}
			if float64(on) < 0.9*float64(all) {
				t.Errorf("%v of %v waited under fsync labelled %s, want at least 90%%", on, all, loop.name)
			}
		})
	}
}

// scatterSync writes every other 4 KiB page of the first 2*pages pages of
// dev through the page cache, so that no two writes merge into one request,
// and fsyncs it; rounds times.
func scatterSync(dev string, rounds, pages int) error {
	fd, err := unix.Open(dev, unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open %s: %w", dev, err)
	}
	defer unix.Close(fd)
	buf := make([]byte, 4096)
	for r := 0; r < rounds; r++ {
		buf[0] = byte(r)
		for i := 0; i < pages; i++ {
			if _, err := unix.Pwrite(fd, buf, int64(2*i)*4096); err != nil {
				return fmt.Errorf("write %s: %w", dev, err)
			}
		}
		if err := unix.Fsync(fd); err != nil {
			return fmt.Errorf("fsync %s: %w", dev, err)
		}
	}
	return nil
}

// TestBlockSchedulers: block latency on a loop device lands under the
// scheduler active at the time, and the mean time per request agrees with
// /proc/diskstats over the same window within 20%; with the histograms per
// CPU (auto, on this machine's few CPUs) and shared.
func TestBlockSchedulers(t *testing.T) {
	for _, tc := range []struct{ mode, want string }{
		{BlockHistsAuto, "per CPU"},
		{BlockHistsShared, "shared"},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			loop := newLoop(t, 64<<20)
			tr := newLiveTracer(t, Options{Disable: []string{"dstate"}, BlockHists: tc.mode})
			probes := tr.Backend().Probes
			i := slices.IndexFunc(probes, func(p model.Probe) bool { return p.Name == "block_hists" })
			if i < 0 || !strings.HasPrefix(probes[i].Detail, tc.want) {
				t.Fatalf("block_hists probe in %+v, want detail %q...", probes, tc.want)
			}
			if tr.blockPerCPU != (tc.want == "per CPU") {
				t.Fatalf("blockPerCPU %v for %q", tr.blockPerCPU, probes[i].Detail)
			}
			t.Logf("block_hists: %s", probes[i].Detail)
			blockSchedulers(t, tr, loop)
		})
	}
}

// blockSchedulers runs over the IO schedulers the kernel offers for the
// loop device, of none, mq-deadline, kyber and bfq: a kernel may be built
// without some (6.18.44-fc-v1272 has no bfq), and two are enough to tell
// one from the other.
func blockSchedulers(t *testing.T, tr *Tracer, loop loopDev) {
	offered := loop.schedulers(t)
	var scheds []string
	for _, s := range []string{"none", "mq-deadline", "kyber", "bfq"} {
		if slices.Contains(offered, s) {
			scheds = append(scheds, s)
		}
	}
	if len(scheds) < 2 {
		testenv.Skip(t, fmt.Sprintf("%s offers %v: fewer than two IO schedulers to tell apart", loop.name, offered))
	}
	t.Logf("IO schedulers offered for %s: %v", loop.name, offered)
	for _, sched := range scheds {
		t.Run(sched, func(t *testing.T) {
			loop.setScheduler(t, sched)
			collect(t, tr)
			before := readDiskstat(t, loop.name)
			if err := directIO(loop.path, 3000); err != nil {
				t.Fatal(err)
			}
			// Completion accounting can trail the syscall's return by a
			// moment; wait until diskstats counts every request.
			var after diskstat
			for i := 0; i < 100; i++ {
				after = readDiskstat(t, loop.name)
				if after.ios[0]-before.ios[0] >= 3000 && after.ios[1]-before.ios[1] >= 3000 {
					break
				}
				time.Sleep(10 * time.Millisecond)
			}
			s := collect(t, tr)
			var got [2]model.Hist
			var queued [2]uint64
			for _, b := range s.Block {
				if b.Device != loop.name {
					continue
				}
				if b.Scheduler != sched {
					t.Errorf("row %s/%s/%s under scheduler %q, want %q", b.Device, b.Op, b.Size, b.Scheduler, sched)
				}
				for i, op := range []string{"read", "write"} {
					if b.Op == op {
						total := b.Service // queue + service per request
						total.SumNs += b.Queue.SumNs
						got[i].Merge(&total)
						queued[i] += b.Queue.Count
					}
				}
			}
			for i, op := range []string{"read", "write"} {
				ios := after.ios[i] - before.ios[i]
				ticks := after.ticks[i] - before.ticks[i]
				if ios == 0 {
					t.Fatalf("diskstats saw no %ss on %s", op, loop.name)
				}
				if got[i].Count < ios*95/100 || got[i].Count > ios {
					t.Errorf("%s: traced %d requests, diskstats %d", op, got[i].Count, ios)
				}
				dsMean := float64(ticks) * 1e6 / float64(ios)
				ourMean := float64(got[i].Mean())
				t.Logf("%s %s: traced n=%d mean=%v (queued %d); diskstats n=%d mean=%v (%d ms)",
					sched, op, got[i].Count, got[i].Mean(), queued[i], ios, time.Duration(dsMean), ticks)
				if ticks < 20 {
					t.Logf("%s: only %d ms of diskstats time: the 1 ms tick resolution would dominate, mean not compared", op, ticks)
					continue
				}
				if r := ourMean / dsMean; r < 0.8 || r > 1.2 {
					t.Errorf("%s %s: traced mean %v vs diskstats %v (ratio %.2f), want within 20%%",
						sched, op, got[i].Mean(), time.Duration(dsMean), r)
				}
				if sched != "none" && queued[i] == 0 {
					t.Errorf("%s %s: no request timed in the scheduler", sched, op)
				}
			}
			checkKernelStamps(t, tr, loop.name)
		})
	}
}

// checkKernelStamps: where the kernel stamps a queue's requests at issue
// (blk-stat accounting, which writeback throttling turns on), the queue is
// marked so that requests no target submits are timed from those stamps
// alone; the figures above then came from them.
func checkKernelStamps(t *testing.T, tr *Tracer, name string) {
	t.Helper()
	b, err := os.ReadFile("/sys/block/" + name + "/queue/wbt_lat_usec")
	if err != nil || strings.TrimSpace(string(b)) == "0" {
		t.Logf("%s: writeback throttling off (%v): its requests may not be stamped", name, err)
		return
	}
	var q uint64
	var qi coreQinfo
	marked := 0
	it := tr.coll.Maps["qinfos"].Iterate()
	for it.Next(&q, &qi) {
		if qi.Stamps != 0 {
			marked++
		}
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	if marked == 0 {
		t.Errorf("%s: wbt_lat_usec %s, yet no queue marked as stamped by the kernel", name, strings.TrimSpace(string(b)))
	}
}

// TestTaskIdleNotCounted: idle kernel workers sleep in TASK_IDLE
// (TASK_UNINTERRUPTIBLE|TASK_NOLOAD) in worker_thread; with every kworker a
// target, none of that sleep may count as D state.
func TestTaskIdleNotCounted(t *testing.T) {
	tr := newLiveTracer(t, Options{Targets: host.Targets{Comm: regexp.MustCompile(`^kworker/`)}, Rescan: 100 * time.Millisecond})
	if tr.Targets() == 0 {
		testenv.Skip(t, "no kworker threads")
	}
	collect(t, tr)
	// Make workers run and go idle again: sync queues writeback work.
	idleSeen := 0
	for i := 0; i < 20; i++ {
		unix.Sync()
		time.Sleep(50 * time.Millisecond)
		idleSeen += countIdleKworkers(t)
	}
	if idleSeen == 0 {
		testenv.Skip(t, "no kworker seen in state I (TASK_IDLE): this kernel does not idle workers in TASK_IDLE")
	}
	s := collect(t, tr)
	for _, d := range s.DState {
		if f := d.WaitSite.Frames(); len(f) > 0 && f[0] == "worker_thread" {
			t.Errorf("idle worker sleep counted as D state: %s %s n=%d", d.Comm, d.WaitSite, d.Hist.Count)
		}
	}
	t.Logf("%d target kworkers, %d idle sightings, %d D-state rows", tr.Targets(), idleSeen, len(s.DState))
}

// countIdleKworkers counts kworker threads in state I (TASK_IDLE) now.
func countIdleKworkers(t *testing.T) int {
	t.Helper()
	matches, _ := filepath.Glob("/proc/[0-9]*/stat")
	n := 0
	for _, m := range matches {
		b, err := os.ReadFile(m)
		if err != nil {
			continue
		}
		c := bytes.LastIndexByte(b, ')')
		if c < 0 || c+3 > len(b) {
			continue
		}
		if bytes.Contains(b[:c], []byte("(kworker/")) && b[c+2] == 'I' {
			n++
		}
	}
	return n
}

// BenchmarkNew measures loading and attaching every program.
func BenchmarkNew(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root")
	}
	for b.Loop() {
		tr, err := New(Options{Targets: host.Targets{All: true}})
		if err != nil {
			b.Fatal(err)
		}
		if err := tr.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// TestFallbacks runs the paths for older kernels on this one: raw_tp
// programs (probe reads instead of BTF loads) and the perf buffer instead of
// the ring buffer. The same IO must give the same kind of rows and events.
func TestFallbacks(t *testing.T) {
	loop := newLoop(t, 64<<20)
	loop.setScheduler(t, "mq-deadline")
	tid, start, done := threadOnCue(func() error { return directIO(loop.path, 1000) })
	tr := newLiveTracer(t, Options{Targets: host.Targets{PIDs: []int{os.Getpid()}}, MinDState: time.Microsecond, forceRawTP: true, forcePerf: true})
	b := tr.Backend()
	if b.Detail != "ebpf (perf buffer)" {
		t.Errorf("Detail = %q, want the perf buffer", b.Detail)
	}
	for _, p := range b.Probes {
		if p.Name == "sched_switch" && (p.Status != model.ProbeFallback || !strings.HasPrefix(p.Detail, "raw_tp")) {
			t.Errorf("sched_switch probe %+v, want a raw_tp fallback", p)
		}
	}
	collect(t, tr)
	close(start)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// Perf buffer records arrive asynchronously: give the reader a moment,
	// adding up what each Collect brings.
	var evs int
	var dn, bn uint64
	for i := 0; i < 50 && evs == 0; i++ {
		time.Sleep(20 * time.Millisecond)
		s := collect(t, tr)
		for _, e := range s.Events {
			if int(e.TID) == tid && e.Device == loop.name {
				evs++
			}
		}
		for _, d := range s.DState {
			if d.Device == loop.name && d.Scheduler == "mq-deadline" && strings.Contains(string(d.WaitSite), "io_schedule") {
				dn += d.Hist.Count
			}
		}
		for _, r := range s.Block {
			if r.Device == loop.name && r.Scheduler == "mq-deadline" {
				bn += r.Service.Count
			}
		}
	}
	if evs == 0 {
		t.Errorf("no perf buffer events from the IO thread on %s", loop.name)
	}
	if dn < 500 || bn < 1900 {
		t.Errorf("raw_tp: %d D-state intervals through io_schedule (want >= 500), %d block requests (want >= 1900 of 2000)", dn, bn)
	}
	t.Logf("raw_tp + perf buffer: %d intervals, %d requests, %d events", dn, bn, evs)
}

// TestOtherKernelsBTF loads the programs with the BTF of other kernels
// (NFSTRACE_KERNEL_BTF: comma-separated raw BTF files, e.g. the .BTF sections
// of the lab's Debian 6.1 and 6.12 kernels): every CO-RE relocation must
// resolve (elevator_name is char[16] there, const char * on 6.18), and the
// block completion probe must follow the kernel (6.1 has no block_io_done).
// The programs are verified and attached on this kernel.
func TestOtherKernelsBTF(t *testing.T) {
	files := os.Getenv("NFSTRACE_KERNEL_BTF")
	if files == "" {
		t.Skip("NFSTRACE_KERNEL_BTF not set (optional: raw BTF files of other kernels)")
	}
	for _, f := range strings.Split(files, ",") {
		t.Run(filepath.Base(f), func(t *testing.T) {
			tr := newLiveTracer(t, Options{KernelBTF: f, Disable: nil})
			var done string
			for _, p := range tr.Backend().Probes {
				if p.Status == model.ProbeUnavailable && p.Name != "block_io_done" {
					t.Errorf("probe %s unavailable: %s", p.Name, p.Detail)
				}
				if (p.Name == "block_io_done" || p.Name == "block_rq_complete") && p.Status != model.ProbeUnavailable {
					done = p.Name
				}
			}
			if done == "" {
				t.Fatal("no block completion probe attached")
			}
			t.Logf("completion via %s", done)
		})
	}
}

// TestPrune: entries of requests are kept while they were used less than
// rqIdle ago, and the prune leaves the live ones alone.
func TestPrune(t *testing.T) {
	loop := newLoop(t, 64<<20)
	tr := newLiveTracer(t, Options{Targets: host.Targets{PIDs: []int{os.Getpid()}}})
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := tr.scanTargets(); err != nil { // this thread may be new
		t.Fatal(err)
	}
	if err := directIO(loop.path, 100); err != nil {
		t.Fatal(err)
	}
	n := func() (rqs int) {
		var k uint64
		var v coreRqInfo
		it := tr.rqs.Iterate()
		for it.Next(&k, &v) {
			rqs++
		}
		return
	}
	rqs0 := n()
	if rqs0 == 0 {
		t.Fatal("before prune: no request entries; want some")
	}
	if err := tr.pruneRequests(); err != nil {
		t.Fatal(err)
	}
	// Requests were used less than rqIdle ago: kept (other devices' IO may
	// add entries meanwhile).
	if rqs1 := n(); rqs1 < rqs0 {
		t.Errorf("after prune: %d request entries, was %d; want kept", rqs1, rqs0)
	}
}

// TestBlockFlush: buffered writes to the device, each followed by fsync,
// send a write and a cache flush per round; the flushes (which the kernel
// issues through its flush machinery, outside the IO scheduler) are traced
// as "flush" rows, as many as /proc/diskstats counts.
func TestBlockFlush(t *testing.T) {
	loop := newLoop(t, 64<<20)
	loop.setScheduler(t, "mq-deadline")
	tr := newLiveTracer(t, Options{Disable: []string{"dstate"}})
	collect(t, tr)
	flushes := func() uint64 {
		b, err := os.ReadFile("/proc/diskstats")
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(string(b), "\n") {
			f := strings.Fields(l)
			if len(f) >= 20 && f[2] == loop.name {
				v, err := strconv.ParseUint(f[18], 10, 64) // field 19: flushes completed
				if err != nil {
					t.Fatal(err)
				}
				return v
			}
		}
		testenv.Skip(t, "this kernel's /proc/diskstats has no flush fields")
		return 0
	}
	f0 := flushes()
	fd, err := unix.Open(loop.path, unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	const rounds = 200
	for i := 0; i < rounds; i++ {
		if _, err := unix.Pwrite(fd, buf, int64(i)*4096); err != nil {
			t.Fatal(err)
		}
		if err := unix.Fsync(fd); err != nil {
			t.Fatal(err)
		}
	}
	unix.Close(fd)
	want := flushes() - f0
	s := collect(t, tr)
	var got, writes uint64
	for _, b := range s.Block {
		if b.Device != loop.name {
			continue
		}
		switch b.Op {
		case "flush":
			got += b.Service.Count
		case "write":
			writes += b.Service.Count
		}
	}
	if want == 0 || got != want {
		t.Errorf("traced %d flushes, diskstats %d (want equal and > 0)", got, want)
	}
	if writes != rounds {
		t.Errorf("traced %d writes, want %d", writes, rounds)
	}
}

// TestInheritThreads: a thread that a traced process creates is a target
// from its first wakeup, before user space walks /proc again, and two walks
// after it ended it is not.
func TestInheritThreads(t *testing.T) {
	tr := newLiveTracer(t, Options{Targets: host.Targets{PIDs: []int{os.Getpid()}}, Rescan: time.Hour, Disable: []string{"block"}})
	taskIDs := func() map[int]bool {
		ents, err := os.ReadDir("/proc/self/task")
		if err != nil {
			t.Fatal(err)
		}
		ids := make(map[int]bool, len(ents))
		for _, e := range ents {
			if id, err := strconv.Atoi(e.Name()); err == nil {
				ids[id] = true
			}
		}
		return ids
	}
	before := taskIDs()
	// More goroutines locked to their threads at once than the process
	// has threads: the runtime must start new ones.
	n := len(before) + 4
	tids := make(chan int, n)
	release := make(chan struct{})
	done := make(chan struct{}, n)
	for range n {
		go func() {
			runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
			tids <- unix.Gettid()
			<-release
			done <- struct{}{}
		}()
	}
	var created []uint32
	for range n {
		if tid := <-tids; !before[tid] {
			created = append(created, uint32(tid))
		}
	}
	if len(created) == 0 {
		close(release)
		t.Fatal("no new thread was started")
	}
	var v uint8
	for _, tid := range created {
		if err := tr.targets.Lookup(tid, &v); err != nil {
			t.Errorf("new thread %d is not a target: %v", tid, err)
		}
	}
	close(release)
	for range n {
		<-done
	}
	// The threads end once their goroutines return; give them a moment.
	deadline := time.Now().Add(5 * time.Second)
	for alive := true; alive && time.Now().Before(deadline); {
		now := taskIDs()
		alive = false
		for _, tid := range created {
			alive = alive || now[int(tid)]
		}
		time.Sleep(20 * time.Millisecond)
	}
	for range 2 {
		if err := tr.scanTargets(); err != nil {
			t.Fatal(err)
		}
	}
	for _, tid := range created {
		if err := tr.targets.Lookup(tid, &v); err == nil {
			t.Errorf("thread %d ended two walks ago and is still a target", tid)
		}
	}
	t.Logf("%d new threads were targets from their start", len(created))
}
