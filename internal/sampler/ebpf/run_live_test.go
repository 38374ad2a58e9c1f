package ebpf

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/host"
	"github.com/nfstrace/nfstrace/internal/model"
	"github.com/nfstrace/nfstrace/internal/testenv"
)

// spinComm is the command name of spinner's busy loops.
const spinComm = "dd"

// spinner starts a busy loop pinned to cpu, killed at cleanup: dd copying
// /dev/zero to /dev/null, which spends its time in its read and write
// calls, so that its waits for a CPU are waits in calls.
func spinner(t *testing.T, cpu int) *exec.Cmd {
	t.Helper()
	return spin(t, cpu, "dd", "if=/dev/zero", "of=/dev/null", "bs=1M")
}

// userSpinner starts a shell busy loop pinned to cpu, which runs in user
// space and makes no calls.
func userSpinner(t *testing.T, cpu int) *exec.Cmd {
	t.Helper()
	return spin(t, cpu, "sh", "-c", "while :; do :; done")
}

// spin starts the command loop pinned to cpu, killed at cleanup.
func spin(t *testing.T, cpu int, loop ...string) *exec.Cmd {
	t.Helper()
	if _, err := exec.LookPath("taskset"); err != nil {
		testenv.Skip(t, "taskset not installed")
	}
	if n := runtime.NumCPU(); cpu >= n {
		testenv.Skip(t, fmt.Sprintf("needs CPU %d, host has %d", cpu, n))
	}
	cmd := exec.Command("taskset", append([]string{"-c", strconv.Itoa(cpu)}, loop...)...)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start spinner: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return cmd
}

// runOf sums the Run rows of comm.
func runOf(s model.Snapshot, comm string) (model.Hist, time.Duration, int) {
	var h model.Hist
	var on time.Duration
	var threads int
	for _, r := range s.Run {
		if r.Comm == comm {
			h.Merge(&r.Runnable)
			on += r.OnCPU
			threads += r.Threads
		}
	}
	return h, on, threads
}

// heldOf sums the CPU holders of comm's Run rows; nil when none knows them.
func heldOf(s model.Snapshot, comm string) *model.HeldBy {
	var h *model.HeldBy
	for _, r := range s.Run {
		if r.Comm == comm && r.HeldBy != nil {
			if h == nil {
				h = &model.HeldBy{}
			}
			h.Add(r.HeldBy)
		}
	}
	return h
}

// checkHeld fails t unless h's parts add up to total, the part of want has
// at least ten waits, and those of none have none. Shares are not asked
// for: under CI's other tests the CPU also goes to other processes.
func checkHeld(t *testing.T, h *model.HeldBy, total time.Duration, want string, none ...string) {
	t.Helper()
	if h == nil {
		t.Fatal("no CPU holders in the run rows")
	}
	var sum uint64
	for _, p := range h.Holders() {
		t.Logf("behind %s: %d waits, %v", p.Key, p.Waits.Count, time.Duration(p.Waits.SumNs))
		sum += p.Waits.SumNs
		if p.Key == want && p.Waits.Count < 10 {
			t.Errorf("%d waits behind %s, want at least 10", p.Waits.Count, want)
		}
		if slices.Contains(none, p.Key) && p.Waits.Count != 0 {
			t.Errorf("%d waits behind %s, want none", p.Waits.Count, p.Key)
		}
	}
	if sum != uint64(total) {
		t.Errorf("holders' wait time %v, the run queue's %v: want the same", time.Duration(sum), total)
	}
}

// TestRunQueuePinned: two busy loops pinned to one CPU take turns, so each
// waits on the run queue about as long as it runs, behind the other.
func TestRunQueuePinned(t *testing.T) {
	a, b := spinner(t, 0), spinner(t, 0)
	tr := newLiveTracer(t, Options{Targets: host.Targets{PIDs: []int{a.Process.Pid, b.Process.Pid}}, Disable: []string{"block"}})
	if tids, ok := tr.Threads(); !ok || !tids[uint32(a.Process.Pid)] || !tids[uint32(b.Process.Pid)] {
		t.Errorf("Threads() = %v, %v; want both loops", tids, ok)
	}
	collect(t, tr)
	time.Sleep(2 * time.Second)
	s := collect(t, tr)
	h, on, threads := runOf(s, spinComm)
	t.Logf("runnable n=%d sum=%v p50=%v p99=%v on-CPU %v threads %d", h.Count, h.Sum(), h.Quantile(0.5), h.Quantile(0.99), on, threads)
	if h.Count == 0 || on == 0 {
		t.Fatalf("no run-queue wait or on-CPU time for the pinned pair: %+v", s.Run)
	}
	if threads != 2 {
		t.Errorf("threads = %d, want 2", threads)
	}
	// Sharing one CPU, each runs while the other waits: the waits add up to
	// a large share of the time run (about all of it; other load on the
	// host only adds to the waits).
	if h.Sum() < on/3 {
		t.Errorf("run-queue wait %v against %v on CPU: want at least a third of it", h.Sum(), on)
	}
	if h.SumOnly() {
		t.Errorf("eBPF histogram has no buckets")
	}
	// Busy loops never sleep: their waits begin when the other one
	// preempts them, not at wakeups.
	var pre model.Preempted
	for _, r := range s.Run {
		if r.Comm == spinComm && r.Preempted != nil {
			pre.Count += r.Preempted.Count
			pre.SumNs += r.Preempted.SumNs
		}
	}
	t.Logf("preempted: %d waits, %v", pre.Count, time.Duration(pre.SumNs))
	if pre.Count < h.Count*9/10 || pre.SumNs > h.SumNs {
		t.Errorf("preempted waits %d (%v) of %d (%v): want at least 90%% of them, and no more time", pre.Count, time.Duration(pre.SumNs), h.Count, h.Sum())
	}
	// Each waits behind the other, a traced thread, and the CPU's other
	// tasks. Busy loops never sleep, and the CPU always has the other to
	// run: no wait ends on an idle CPU.
	checkHeld(t, heldOf(s, spinComm), h.Sum(), model.HeldTraced, model.HeldWake, model.HeldIdle)
}

// outsideOf sums the waits outside calls of comm's Run rows; ok is false
// when none knows them.
func outsideOf(s model.Snapshot, comm string) (w model.Waits, ok bool) {
	for _, r := range s.Run {
		if r.Comm == comm && r.Outside != nil {
			w.Count += r.Outside.Count
			w.SumNs += r.Outside.SumNs
			ok = true
		}
	}
	return w, ok
}

// TestRunQueueOutsideCalls: a shell loop in user space and dd in its calls
// share a CPU. The loop's waits for it are outside any call, kept apart
// from the run-queue waits; dd's are in its calls.
func TestRunQueueOutsideCalls(t *testing.T) {
	a, b := userSpinner(t, 0), spinner(t, 0)
	tr := newLiveTracer(t, Options{Targets: host.Targets{PIDs: []int{a.Process.Pid, b.Process.Pid}}, Disable: []string{"block"}})
	collect(t, tr)
	time.Sleep(2 * time.Second)
	s := collect(t, tr)
	for _, c := range []struct {
		comm    string
		outside bool
	}{{"sh", true}, {spinComm, false}} {
		in, _, _ := runOf(s, c.comm)
		out, ok := outsideOf(s, c.comm)
		t.Logf("%s: %d waits in calls (%v), %d outside (%v)", c.comm, in.Count, in.Sum(), out.Count, time.Duration(out.SumNs))
		if !ok {
			t.Fatalf("%s: run rows do not tell waits outside calls (tp_btf attached): %+v", c.comm, s.Run)
		}
		all := in.Count + out.Count
		if all < 10 {
			t.Fatalf("%s: %d waits for the shared CPU, want at least 10", c.comm, all)
		}
		// Each side may have a few of the other kind: the shell forks
		// nothing but takes interrupts in the kernel; dd returns to
		// user space between its calls.
		if part := out.Count; c.outside && part < all*9/10 || !c.outside && part > all/10 {
			t.Errorf("%s: %d of its %d waits outside calls, want %s", c.comm, part, all, map[bool]string{true: "at least 90%", false: "at most 10%"}[c.outside])
		}
	}
}

// TestRunQueueHeldByOther: a traced busy loop sharing its CPU with one
// that is not traced waits behind another process.
func TestRunQueueHeldByOther(t *testing.T) {
	a := spinner(t, 0)
	spinner(t, 0)
	tr := newLiveTracer(t, Options{Targets: host.Targets{PIDs: []int{a.Process.Pid}}, Disable: []string{"block"}})
	collect(t, tr)
	time.Sleep(2 * time.Second)
	s := collect(t, tr)
	h, on, _ := runOf(s, spinComm)
	t.Logf("runnable n=%d sum=%v, on CPU %v", h.Count, h.Sum(), on)
	if h.Count == 0 {
		t.Fatalf("no run-queue wait for the traced loop: %+v", s.Run)
	}
	// The one traced thread cannot wait behind a traced one.
	checkHeld(t, heldOf(s, spinComm), h.Sum(), model.HeldOther, model.HeldTraced, model.HeldWake, model.HeldIdle)
}

// TestRunQueueThrottled: a busy loop in a cgroup v1 CPU quota of 10% is
// throttled most of the time, and its run-queue wait rises well above its
// unthrottled wait.
func TestRunQueueThrottled(t *testing.T) {
	testenv.RequireRoot(t)
	root := "/sys/fs/cgroup/cpu"
	if _, err := os.Stat(filepath.Join(root, "cpu.cfs_quota_us")); err != nil {
		testenv.Skip(t, "no cgroup v1 cpu controller at "+root)
	}
	cg, err := os.MkdirTemp(root, "nfstrace-test-")
	if err != nil {
		t.Fatalf("create cgroup: %v", err)
	}
	sp := spinner(t, 1)
	t.Cleanup(func() {
		_ = os.WriteFile(filepath.Join(root, "cgroup.procs"), []byte(strconv.Itoa(sp.Process.Pid)), 0)
		_ = sp.Process.Kill()
		_ = sp.Wait()
		if err := os.Remove(cg); err != nil {
			t.Errorf("remove cgroup: %v", err)
		}
	})
	if err := os.WriteFile(filepath.Join(cg, "cgroup.procs"), []byte(strconv.Itoa(sp.Process.Pid)), 0); err != nil {
		t.Fatalf("move spinner into cgroup: %v", err)
	}
	tr := newLiveTracer(t, Options{Targets: host.Targets{PIDs: []int{sp.Process.Pid}}, Disable: []string{"block"}})

	ratio := func(quota string) float64 {
		t.Helper()
		if err := os.WriteFile(filepath.Join(cg, "cpu.cfs_quota_us"), []byte(quota), 0); err != nil {
			t.Fatalf("set quota %s: %v", quota, err)
		}
		collect(t, tr)
		time.Sleep(2 * time.Second)
		s := collect(t, tr)
		h, on, _ := runOf(s, spinComm)
		t.Logf("quota %s: runnable n=%d sum=%v p50=%v p99=%v, on CPU %v", quota, h.Count, h.Sum(), h.Quantile(0.5), h.Quantile(0.99), on)
		// Throttled alone on its CPU, the loop waits with the CPU idle; the
		// host's other load, in CI, takes the CPU too, so this is shown,
		// not asked for.
		if held := heldOf(s, spinComm); held != nil {
			for _, p := range held.Holders() {
				t.Logf("quota %s: behind %s: %d waits, %v", quota, p.Key, p.Waits.Count, time.Duration(p.Waits.SumNs))
			}
		}
		if on == 0 {
			t.Fatalf("quota %s: no on-CPU time seen: %+v", quota, s.Run)
		}
		return float64(h.Sum()) / float64(on)
	}
	free := ratio("-1")
	// 10 ms per 100 ms period: runnable about 9 times as long as on CPU on
	// a quiet machine; under CI's other tests running at the same time it
	// was seen at 1.44 and 2.56 (free 0.00 then), so the test asks for the
	// wait to outgrow the on-CPU time and the free run's ratio tenfold,
	// not for the quiet machine's figure.
	throttled := ratio("10000")
	if throttled < 1 || throttled <= 10*free {
		t.Errorf("run-queue wait per on-CPU time: %.2f throttled, %.2f free; want throttled >= 1 and over ten times free", throttled, free)
	}
}
