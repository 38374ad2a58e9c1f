package procfs

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/nfstrace/nfstrace/internal/host"
	"github.com/nfstrace/nfstrace/internal/model"
)

// fakeProc is a procfs tree in a temporary directory whose files the test
// rewrites between sampling passes. Files are rewritten in place, so the
// sampler's open stat files see the new contents, as with the real /proc.
type fakeProc struct {
	t    *testing.T
	root string
}

// flags of a kernel thread and of a user thread on 6.18.
const (
	kthreadFlags = 2129984 // PF_KTHREAD | PF_NOFREEZE | ...
	userFlags    = 4194304
)

func newFakeProc(t *testing.T) *fakeProc {
	return &fakeProc{t: t, root: t.TempDir()}
}

// thread writes (or rewrites) the files of thread tid of process pid.
func (p *fakeProc) thread(pid, tid int, comm string, flags int, state byte, wchan, stack string, pcount int) {
	p.t.Helper()
	dir := filepath.Join(p.root, fmt.Sprint(pid), "task", fmt.Sprint(tid))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		p.t.Fatal(err)
	}
	stat := fmt.Sprintf("%d (%s) %c %d 0 0 0 -1 %d 0 0 0 0 0 5 0 0 20 0 1 0 4242 0 0 18446744073709551615 0 0\n",
		tid, comm, state, pid, flags)
	files := map[string]string{
		"stat":      stat,
		"comm":      comm + "\n",
		"wchan":     wchan,
		"stack":     stack,
		"schedstat": fmt.Sprintf("1000 2000 %d\n", pcount),
	}
	for name, s := range files {
		// Rewrite in place: O_TRUNC keeps the inode the sampler holds open.
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			p.t.Fatal(err)
		}
	}
}

func (p *fakeProc) remove(pid int) {
	p.t.Helper()
	if err := os.RemoveAll(filepath.Join(p.root, fmt.Sprint(pid))); err != nil {
		p.t.Fatal(err)
	}
}

const (
	bioStack   = "[<0>] submit_bio_wait+0x74/0xc0\n[<0>] __blkdev_direct_IO_simple+0x1d6/0x2d0\n[<0>] blkdev_write_iter+0x21a/0x350\n"
	folioStack = "[<0>] folio_wait_bit_common+0x13d/0x350\n[<0>] nfsd_vfs_write+0x1ae/0x3a0 [nfsd]\n[<0>] nfsd4_write+0x12b/0x1d0 [nfsd]\n"
)

// testTracer builds a tracer on a fake tree with a manual clock: each pass
// happens 10 ms after the previous one.
func testTracer(t *testing.T, opts Options) (*Tracer, *int64) {
	t.Helper()
	tr, err := newTracer(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.closeTargets() })
	clock := new(int64)
	tr.clock = func() int64 { return *clock }
	return tr, clock
}

func TestTracerDefaultTargetsNfsdKthreads(t *testing.T) {
	p := newFakeProc(t)
	p.thread(100, 100, "nfsd", kthreadFlags, 'S', "0", "", 1)
	p.thread(101, 101, "nfsd", kthreadFlags, 'I', "0", "", 1)
	p.thread(102, 102, "nfsd", userFlags, 'D', "io_schedule", "", 1) // a user process called nfsd
	p.thread(103, 103, "kworker/0:1", kthreadFlags, 'I', "0", "", 1)
	tr, clock := testTracer(t, Options{Proc: p.root})
	if got := tr.NumTargets(); got != 2 {
		t.Fatalf("targets = %d, want the 2 nfsd kernel threads", got)
	}

	// Thread 100 blocks for three samples at a bio wait, 101 stays in TASK_IDLE.
	states := "SDDDS"
	for i := range len(states) {
		*clock = int64(i+1) * 10e6
		p.thread(100, 100, "nfsd", kthreadFlags, states[i], "submit_bio_wait", bioStack, 7)
		tr.pass()
	}
	var snap model.Snapshot
	if err := tr.Collect(&snap); err != nil {
		t.Fatal(err)
	}
	if snap.Stats.Events != 10 {
		t.Errorf("Events = %d, want 2 threads x 5 passes", snap.Stats.Events)
	}
	if len(snap.DState) != 1 {
		t.Fatalf("DState = %+v, want one row", snap.DState)
	}
	d := snap.DState[0]
	want := model.WaitSite("submit_bio_wait;__blkdev_direct_IO_simple;blkdev_write_iter")
	if d.Comm != "nfsd" || d.WaitSite != want || d.Threads != 1 || d.Hist.Count != 1 || d.Hist.SumNs != 30e6 {
		t.Errorf("row = %s %q threads %d count %d sum %d; want nfsd %q 1 thread, one interval of 30ms",
			d.Comm, d.WaitSite, d.Threads, d.Hist.Count, d.Hist.SumNs, want)
	}
}

func TestTracerOngoingAcrossCollects(t *testing.T) {
	p := newFakeProc(t)
	p.thread(100, 100, "nfsd", kthreadFlags, 'S', "0", "", 1)
	tr, clock := testTracer(t, Options{Proc: p.root})
	tick := func(state byte, pcount int) {
		*clock += 10e6
		p.thread(100, 100, "nfsd", kthreadFlags, state, "folio_wait_bit_common", folioStack, pcount)
		tr.pass()
	}
	collect := func() model.Snapshot {
		var s model.Snapshot
		if err := tr.Collect(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	tick('S', 1)
	tick('D', 2) // began at 15 ms
	tick('D', 2)
	s1 := collect() // accounted up to 30 ms
	tick('D', 2)
	tick('D', 3) // woke and blocked again between 40 and 50 ms: split at 45
	tick('S', 3) // ended at 55
	s2 := collect()
	s3 := collect()

	sumOf := func(s model.Snapshot) (n, sum uint64) {
		for _, d := range s.DState {
			n += d.Hist.Count
			sum += d.Hist.SumNs
		}
		return n, sum
	}
	if n, sum := sumOf(s1); n != 1 || sum != 15e6 {
		t.Errorf("first window: %d pieces, %d ns; want the ongoing interval's 15 ms so far", n, sum)
	}
	if n, sum := sumOf(s2); n != 2 || sum != 25e6 {
		t.Errorf("second window: %d pieces, %d ns; want its rest (15 ms) and the second interval (10 ms)", n, sum)
	}
	if n, _ := sumOf(s3); n != 0 {
		t.Errorf("third window: %d pieces, want none", n)
	}
	if len(s2.DState) != 1 || s2.DState[0].WaitSite != "folio_wait_bit_common;nfsd_vfs_write;nfsd4_write" {
		t.Errorf("second window rows = %+v", s2.DState)
	}
}

func TestTracerSelectors(t *testing.T) {
	p := newFakeProc(t)
	p.thread(100, 100, "nfsd", kthreadFlags, 'S', "0", "", 1)
	p.thread(200, 200, "ganesha.nfsd", userFlags, 'S', "0", "", 1)
	p.thread(200, 201, "worker) x", userFlags, 'S', "0", "", 1)
	p.thread(300, 300, "fio", userFlags, 'S', "0", "", 1)
	p.thread(300, 301, "fio", userFlags, 'S', "0", "", 1)
	tests := []struct {
		name string
		opts Options
		want int
	}{
		{"comm regex matches threads", Options{Targets: host.Targets{Comm: regexp.MustCompile(`^worker\) `)}}, 1},
		{"pid takes all its threads", Options{Targets: host.Targets{PIDs: []int{300}}}, 2},
		{"selectors add up", Options{Targets: host.Targets{PIDs: []int{300}, Comm: regexp.MustCompile(`nfsd`)}}, 4},
		{"all", Options{Targets: host.Targets{All: true}}, 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Proc = p.root
			tr, _ := testTracer(t, tc.opts)
			if got := tr.NumTargets(); got != tc.want {
				t.Errorf("targets = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestTracerRescan(t *testing.T) {
	p := newFakeProc(t)
	p.thread(300, 300, "fio", userFlags, 'S', "0", "", 1)
	tr, clock := testTracer(t, Options{Targets: host.Targets{PIDs: []int{300}}, Proc: p.root})
	*clock = 10e6
	p.thread(300, 301, "fio", userFlags, 'D', "io_schedule", "", 1)
	if err := tr.rescan(); err != nil {
		t.Fatal(err)
	}
	if got := tr.NumTargets(); got != 2 {
		t.Fatalf("after a new thread: %d targets, want 2", got)
	}
	tr.pass() // 301 seen in D from 10 ms
	*clock = 20e6
	tr.pass()
	*clock = 30e6
	p.remove(300) // the process exits while 301 is in D
	if err := tr.rescan(); err != nil {
		t.Fatal(err)
	}
	if got := tr.NumTargets(); got != 0 {
		t.Errorf("after exit: %d targets, want 0", got)
	}
	var s model.Snapshot
	if err := tr.Collect(&s); err != nil {
		t.Fatal(err)
	}
	if len(s.DState) != 1 || s.DState[0].WaitSite != "io_schedule" || s.DState[0].Hist.SumNs != 15e6 {
		t.Errorf("rows = %+v, want io_schedule for 10 ms to the 25 ms midpoint", s.DState)
	}
}

func TestTracerWaitSiteFallbacks(t *testing.T) {
	tests := []struct {
		name  string
		wchan string
		stack string
		want  model.WaitSite
	}{
		{"stack from the wait channel outwards", "nfsd_vfs_write",
			"[<0>] folio_wait_bit_common+0x1/0x2\n[<0>] nfsd_vfs_write+0x1/0x2 [nfsd]\n[<0>] nfsd4_write+0x1/0x2 [nfsd]\n",
			"nfsd_vfs_write;nfsd4_write"},
		{"stack disagrees with wchan", "io_schedule", "[<0>] srso_alias_return_thunk+0x5/0xfbef5\n", "io_schedule"},
		{"no stack", "io_schedule", "", "io_schedule"},
		{"no wchan", "0", bioStack, UnknownSite},
		{"frames capped", "a", "[<0>] a+0\n[<0>] b+0\n[<0>] c+0\n[<0>] d+0\n[<0>] e+0\n[<0>] f+0\n[<0>] g+0\n[<0>] h+0\n",
			"a;b;c;d;e;f"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newFakeProc(t)
			p.thread(100, 100, "nfsd", kthreadFlags, 'D', tc.wchan, tc.stack, 1)
			tr, clock := testTracer(t, Options{Proc: p.root})
			*clock = 10e6
			tr.pass()
			p.thread(100, 100, "nfsd", kthreadFlags, 'S', tc.wchan, tc.stack, 2)
			*clock = 20e6
			tr.pass()
			var s model.Snapshot
			if err := tr.Collect(&s); err != nil {
				t.Fatal(err)
			}
			if len(s.DState) != 1 || s.DState[0].WaitSite != tc.want {
				t.Errorf("rows = %+v, want wait site %q", s.DState, tc.want)
			}
		})
	}
}

func TestNewErrors(t *testing.T) {
	p := newFakeProc(t)
	p.thread(300, 300, "fio", userFlags, 'S', "0", "", 1)
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"missing pid", Options{Targets: host.Targets{PIDs: []int{999}}}, "pid 999: no such process"},
		{"bad pid", Options{Targets: host.Targets{PIDs: []int{-3}}}, "pid -3: not a process id"},
		{"rate", Options{Rate: -1}, "sampling rate -1 Hz out of range"},
		{"rate too high", Options{Rate: 1e6}, "out of range 1-10000"},
		{"rescan", Options{Rescan: -1}, "rescan interval"},
		{"frames", Options{Frames: -1}, "stack frames -1"},
		{"bad root", Options{Proc: "/nonexistent/proc"}, "list /nonexistent/proc"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.opts.Proc == "" {
				tc.opts.Proc = p.root
			}
			tr, err := New(tc.opts)
			if err == nil {
				tr.Close()
				t.Fatalf("New(%+v) succeeded, want error %q", tc.opts, tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q, want one line containing %q", err, tc.want)
			}
		})
	}
}

func TestBackend(t *testing.T) {
	tr, err := New(Options{Targets: host.Targets{PIDs: []int{os.Getpid()}}, Rate: 50})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	b := tr.Backend()
	if b.Name != "procfs" || b.Detail != "procfs sampler at 50 Hz" {
		t.Errorf("Backend = %q %q", b.Name, b.Detail)
	}
	if len(b.Probes) != 5 || b.Probes[0].Status != model.ProbeAttached {
		t.Errorf("Probes = %+v, want stat, schedstat, wchan, stack and syscall with stat attached", b.Probes)
	}
	if err := tr.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestTracerFastPath checks the schedstat shortcut: a thread seen asleep out of
// D whose switch-in count has not changed is not read again, and every other
// case is.
func TestTracerFastPath(t *testing.T) {
	type smp struct {
		state  byte
		pcount int
	}
	tests := []struct {
		name string
		seq  []smp
		fast bool
		sum  uint64 // total D time counted, with samples 10 ms apart
	}{
		// A thread cannot enter D without running: the stat below is a lie the
		// shortcut must not read, and reading it shows the shortcut was off.
		{"asleep and not switched in: stat not read", []smp{{'S', 1}, {'D', 1}, {'D', 1}, {'S', 1}}, true, 0},
		{"same lie without the shortcut", []smp{{'S', 1}, {'D', 1}, {'D', 1}, {'S', 1}}, false, 20e6},
		{"running can block without a switch-in", []smp{{'R', 1}, {'D', 1}, {'D', 1}, {'S', 2}}, true, 20e6},
		{"D woken, not yet run, is read", []smp{{'S', 1}, {'D', 2}, {'R', 2}}, true, 10e6},
		{"asleep, switched in, blocked", []smp{{'S', 1}, {'S', 1}, {'D', 2}, {'S', 3}}, true, 10e6},
		{"TASK_IDLE stays out", []smp{{'I', 1}, {'I', 1}, {'I', 2}, {'I', 3}}, true, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newFakeProc(t)
			p.thread(100, 100, "nfsd", kthreadFlags, tc.seq[0].state, "io_schedule", "", tc.seq[0].pcount)
			tr, clock := testTracer(t, Options{Proc: p.root})
			tr.fastPath = tc.fast
			for i, s := range tc.seq {
				*clock = int64(i+1) * 10e6
				p.thread(100, 100, "nfsd", kthreadFlags, s.state, "io_schedule", "", s.pcount)
				tr.pass()
			}
			var snap model.Snapshot
			if err := tr.Collect(&snap); err != nil {
				t.Fatal(err)
			}
			var sum uint64
			for _, d := range snap.DState {
				sum += d.Hist.SumNs
			}
			if sum != tc.sum || snap.Stats.Events != uint64(len(tc.seq)) {
				t.Errorf("D time %d ns in %d samples, want %d ns in %d", sum, snap.Stats.Events, tc.sum, len(tc.seq))
			}
		})
	}
}

// TestMissedTicks checks that a pass later than one period counts the ticks
// it missed, and the thread-samples they would have taken as lost.
func TestMissedTicks(t *testing.T) {
	p := newFakeProc(t)
	p.thread(100, 100, "nfsd", kthreadFlags, 'S', "0", "", 1)
	p.thread(101, 101, "nfsd", kthreadFlags, 'S', "0", "", 1)
	tr, clock := testTracer(t, Options{Proc: p.root}) // 100 Hz: 10 ms period
	for _, ms := range []int64{10, 20, 30, 70, 80, 85} {
		*clock = ms * 1e6
		tr.pass()
	}
	var s model.Snapshot
	if err := tr.Collect(&s); err != nil {
		t.Fatal(err)
	}
	// 30 -> 70 ms skipped the ticks at 40, 50 and 60; 80 -> 85 is early, not missed.
	if tr.Missed() != 3 || s.Stats.Lost != 6 || s.Stats.Events != 12 {
		t.Errorf("missed %d, lost %d, events %d; want 3 ticks, 6 thread-samples lost, 12 taken",
			tr.Missed(), s.Stats.Lost, s.Stats.Events)
	}
}

// syscall writes thread tid's /proc/PID/task/TID/syscall, and the sampler's
// own (self), which the probe reads to tell the file exists here.
func (p *fakeProc) syscall(pid, tid int, line string) {
	p.t.Helper()
	for _, dir := range []string{filepath.Join(p.root, fmt.Sprint(pid), "task", fmt.Sprint(tid)), filepath.Join(p.root, "self")} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			p.t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "syscall"), []byte(line), 0o644); err != nil {
			p.t.Fatal(err)
		}
	}
}

const aioStack = "[<0>] read_events+0x1b2/0x1f0\n[<0>] do_io_getevents+0x7a/0xe0\n[<0>] __x64_sys_io_getevents+0x59/0xc0\n"

// TestTracerAsyncWaits: a user thread asleep (S) in io_getevents is
// waiting for its asynchronous IO; the samples that find it there are
// timed as D-state samples are, into Snapshot.AsyncIO at the completion
// wait. A sleep in another system call, a thread not switched in since
// (the fast path), and a kernel thread are handled as such.
func TestTracerAsyncWaits(t *testing.T) {
	getevents := fmt.Sprintf("%d 0x3 0x1 0x8 0x7ffc 0x0 0x0 0x7ffd 0x7f12\n", uint64(aioNr(t)))
	const poll = "7 0x7ffc 0x1 0xffffffff 0x0 0x0 0x0 0x7ffd 0x7f12\n"
	type smp struct {
		state   byte
		syscall string
		pcount  int
	}
	tests := []struct {
		name  string
		seq   []smp
		fast  bool
		count uint64
		sum   uint64 // samples 10 ms apart
		dsum  uint64 // fio's D-state time
	}{
		{"three samples in io_getevents", []smp{{'R', "running\n", 1}, {'S', getevents, 2}, {'S', getevents, 2}, {'S', getevents, 2}, {'R', "running\n", 3}}, false, 1, 30e6, 0},
		{"the same, not switched in between: not read again", []smp{{'R', "running\n", 1}, {'S', getevents, 2}, {'S', poll, 2}, {'S', poll, 2}, {'R', "running\n", 3}}, true, 1, 30e6, 0},
		{"woke and waited again: two waits", []smp{{'R', "running\n", 1}, {'S', getevents, 2}, {'S', getevents, 3}, {'R', "running\n", 4}}, false, 2, 20e6, 0},
		{"asleep in poll", []smp{{'R', "running\n", 1}, {'S', poll, 2}, {'S', poll, 3}, {'R', "running\n", 4}}, false, 0, 0, 0},
		{"in D, not a wait for asynchronous IO", []smp{{'R', "running\n", 1}, {'D', getevents, 2}, {'R', "running\n", 3}}, false, 0, 0, 10e6},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newFakeProc(t)
			p.syscall(300, 300, "running\n")
			p.thread(300, 300, "fio", userFlags, 'R', "0", "", 1)
			// A kernel thread whose file would say the same is not asked.
			p.syscall(100, 100, getevents)
			p.thread(100, 100, "nfsd", kthreadFlags, 'S', "read_events", aioStack, 1)
			tr, clock := testTracer(t, Options{Proc: p.root, Targets: host.Targets{All: true}})
			if !tr.aioOK {
				t.Fatal("the syscall file is not seen as readable")
			}
			tr.fastPath = tc.fast
			for i, s := range tc.seq {
				*clock = int64(i+1) * 10e6
				p.syscall(300, 300, s.syscall)
				p.thread(300, 300, "fio", userFlags, s.state, "read_events", aioStack, s.pcount)
				p.thread(100, 100, "nfsd", kthreadFlags, 'S', "read_events", aioStack, i+2)
				tr.pass()
			}
			var snap model.Snapshot
			if err := tr.Collect(&snap); err != nil {
				t.Fatal(err)
			}
			var n, sum uint64
			for _, d := range snap.AsyncIO {
				if d.Comm != "fio" || !d.WaitSite.AsyncIOWait() || d.Threads != 1 {
					t.Errorf("row %s %q threads %d; want fio's at a completion wait", d.Comm, d.WaitSite, d.Threads)
				}
				n += d.Hist.Count
				sum += d.Hist.SumNs
			}
			if n != tc.count || sum != tc.sum {
				t.Errorf("%d waits, %d ns; want %d, %d", n, sum, tc.count, tc.sum)
			}
			var dsum uint64
			for _, d := range snap.DState {
				if d.Comm == "fio" {
					dsum += d.Hist.SumNs
				}
			}
			if dsum != tc.dsum {
				t.Errorf("fio's D-state time %d ns, want %d", dsum, tc.dsum)
			}
		})
	}
}

// aioNr is io_getevents' number on this architecture.
func aioNr(t *testing.T) uint64 {
	t.Helper()
	return uint64(unix.SYS_IO_GETEVENTS)
}
