package procfs

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/host"
	"github.com/nfstrace/nfstrace/internal/model"
	"github.com/nfstrace/nfstrace/internal/testenv"
)

// loopDevice attaches a 256 MiB file to a free loop device for the test.
func loopDevice(t *testing.T) string {
	t.Helper()
	testenv.RequireRoot(t)
	losetup, err := exec.LookPath("losetup")
	if err != nil {
		testenv.Skip(t, "losetup not installed (util-linux)")
	}
	dir := "/dev/shm"
	if _, err := os.Stat(dir); err != nil {
		dir = t.TempDir()
	}
	f, err := os.CreateTemp(dir, "nfstrace-procfs-*.img")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(f.Name()) })
	if err := f.Truncate(256 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	out, err := exec.Command(losetup, "-f", "--show", f.Name()).CombinedOutput()
	if err != nil {
		testenv.Skip(t, "no loop device: losetup -f: "+strings.TrimSpace(string(out)))
	}
	dev := strings.TrimSpace(string(out))
	t.Cleanup(func() {
		if out, err := exec.Command(losetup, "-d", dev).CombinedOutput(); err != nil {
			t.Errorf("losetup -d %s: %v: %s", dev, err, out)
		}
	})
	return dev
}

// sampleUntil collects tr's snapshots every 250 ms until done says what it
// looked for was seen, and returns the thread-samples taken. Not a timed
// assertion: the loop stops as soon as done holds; its 20 s deadline only
// bounds a failing run.
func sampleUntil(t *testing.T, tr *Tracer, done func(*model.Snapshot) bool) uint64 {
	t.Helper()
	var events uint64
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
		time.Sleep(250 * time.Millisecond)
		var snap model.Snapshot
		if err := tr.Collect(&snap); err != nil {
			t.Fatal(err)
		}
		events += snap.Stats.Events
		if done(&snap) {
			break
		}
	}
	return events
}

// TestRealDState creates real D-state, O_DIRECT writes with fdatasync to a
// loop device in a helper process, and checks that the sampler sees intervals
// at a block IO wait site. On 6.18 the wait channel and the stack read
// "submit_bio_wait;__blkdev_direct_IO_simple;blkdev_write_iter;...": the test
// accepts any site naming the bio, block or page wait functions kernels use.
func TestRealDState(t *testing.T) {
	dev := loopDevice(t)
	// Put the loop device behind an IO scheduler when it offers one, as a real
	// disk would be; the sampler does not depend on it.
	sched := filepath.Join("/sys/block", filepath.Base(dev), "queue/scheduler")
	os.WriteFile(sched, []byte("mq-deadline"), 0)

	pid := startHelper(t, "dio", dev)
	tr, err := New(Options{Targets: host.Targets{PIDs: []int{pid}}})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()

	plausible := []string{"bio", "blk", "io_schedule", "folio", "page", "direct_IO", "fsync", "flush"}
	var seen []model.DState
	found := false
	events := sampleUntil(t, tr, func(snap *model.Snapshot) bool {
		for _, d := range snap.DState {
			seen = append(seen, d)
			for _, w := range plausible {
				if strings.Contains(string(d.WaitSite), w) && d.Hist.Count > 0 && d.Hist.SumNs > 0 && d.Threads >= 1 {
					found = true
				}
			}
		}
		return found
	})
	for _, d := range seen {
		t.Logf("%s %q threads %d count %d sum %v max %v", d.Comm, d.WaitSite, d.Threads, d.Hist.Count, d.Hist.Sum(), d.Hist.Max())
	}
	t.Logf("%d thread-samples, %d missed ticks, backend %+v", events, tr.Missed(), tr.Backend())
	if !found {
		t.Fatalf("no D-state interval at a block IO wait site among %d rows", len(seen))
	}
}

// TestRealAsyncWait samples a helper thread that sleeps in io_getevents
// and checks that the sampler counts the sleep as a wait for asynchronous
// IO at the completion wait (read_events), not as D state, from the real
// /proc/PID/task/TID/syscall and wait channel.
func TestRealAsyncWait(t *testing.T) {
	testenv.RequireRoot(t)
	pid := startHelper(t, "aiowait", "-")
	tr, err := New(Options{Targets: host.Targets{PIDs: []int{pid}}})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	if !tr.aioOK {
		testenv.Skip(t, "/proc/PID/task/TID/syscall not readable here (CONFIG_HAVE_ARCH_TRACEHOOK off?)")
	}
	var seen []model.DState
	found := false
	sampleUntil(t, tr, func(snap *model.Snapshot) bool {
		for _, d := range snap.DState {
			if d.WaitSite.AsyncIOWait() {
				t.Errorf("a wait in io_getevents counted as D state: %q", d.WaitSite)
			}
		}
		for _, d := range snap.AsyncIO {
			seen = append(seen, d)
			found = found || d.WaitSite.AsyncIOWait() && d.Hist.SumNs > 0 && d.Threads == 1
		}
		return found
	})
	for _, d := range seen {
		t.Logf("%s %q threads %d count %d sum %v", d.Comm, d.WaitSite, d.Threads, d.Hist.Count, d.Hist.Sum())
	}
	if !found {
		t.Fatalf("no wait for asynchronous IO at a completion wait among %d rows", len(seen))
	}
}

// TestIdleNotCounted samples kernel threads that sleep in TASK_IDLE ('I')
// and checks that none of their time is counted as D-state.
func TestIdleNotCounted(t *testing.T) {
	// Rescuer workers and the RCU grace-period thread wait in TASK_IDLE
	// nearly always; ordinary kworkers may do real IO, and the rcu_tasks_*
	// threads sleep in D inside synchronize_rcu (a real D wait, seen in CI),
	// so they are left out.
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		st, err := host.ParseStat(b)
		if err != nil || !st.Kthread() || st.State != 'I' {
			continue
		}
		if bytes.HasPrefix(st.Comm, []byte("kworker/R-")) || bytes.Equal(st.Comm, []byte("rcu_preempt")) || bytes.Equal(st.Comm, []byte("rcu_sched")) {
			pids = append(pids, pid)
		}
	}
	if len(pids) == 0 {
		testenv.Skip(t, "no kernel thread in TASK_IDLE ('I' needs Linux 4.14 or later)")
	}
	tr, err := New(Options{Targets: host.Targets{PIDs: pids}, Rate: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	var snap model.Snapshot
	for deadline := time.Now().Add(20 * time.Second); snap.Stats.Events < 2000 && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
		if err := tr.Collect(&snap); err != nil {
			t.Fatal(err)
		}
	}
	if snap.Stats.Events < 2000 {
		t.Fatalf("only %d samples of %d idle threads", snap.Stats.Events, len(pids))
	}
	for _, d := range snap.DState {
		t.Errorf("idle thread counted in D: %s %q %v", d.Comm, d.WaitSite, d.Hist.Sum())
	}
	t.Logf("%d samples of %d TASK_IDLE threads, none counted", snap.Stats.Events, len(pids))
}
