package ebpf

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/host"
	"github.com/nfstrace/nfstrace/internal/model"
	"github.com/nfstrace/nfstrace/internal/testenv"
)

// namedCopy copies the program prog to a test directory as name, so that
// its processes have name as their command name.
func namedCopy(t *testing.T, prog, name string) string {
	t.Helper()
	src, err := exec.LookPath(prog)
	if err != nil {
		testenv.Skip(t, prog+" not installed")
	}
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	path := filepath.Join(t.TempDir(), name)
	out, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestCPUHolders: traced busy loops in their calls (dd) share their CPUs
// with a process not traced of a known name and with the workqueue worker
// of a loop device's IO; their waits for a CPU are named after both, the
// worker after its work (the loop device's workqueue), and over the run
// the names' waits add up to the run rows' waits behind kernel threads and
// other processes.
func TestCPUHolders(t *testing.T) {
	for _, raw := range []bool{false, true} {
		t.Run(map[bool]string{false: "tp_btf", true: "raw_tp"}[raw], func(t *testing.T) { testCPUHolders(t, raw) })
	}
}

func testCPUHolders(t *testing.T, rawTP bool) {
	const hogName, ioName = "nfst-hog", "nfst-io"
	testenv.RequireRoot(t)
	hog, writer := namedCopy(t, "dd", hogName), namedCopy(t, "dd", ioName)
	loop := newLoop(t, 64<<20)
	// A traced loop on each CPU (up to 8), so that wherever the loop
	// device's worker runs (its workqueue is unbound) it holds one of
	// them.
	ncpu := min(runtime.NumCPU(), 8)
	var traced []*exec.Cmd
	var pids []int
	for cpu := range ncpu {
		c := spinner(t, cpu)
		traced, pids = append(traced, c), append(pids, c.Process.Pid)
	}
	spin(t, 0, hog, "if=/dev/zero", "of=/dev/null", "bs=1M")
	// Direct writes to the loop device: its workqueue's worker copies each
	// into the backing file.
	spin(t, ncpu-1, "sh", "-c", `while :; do "$0" if=/dev/zero of="$1" bs=1M count=32 oflag=direct status=none || exit; done`, writer, loop.path)

	tr := newLiveTracer(t, Options{Targets: host.Targets{PIDs: pids}, Disable: []string{"block"}, forceRawTP: rawTP})
	p := probeOf(tr, ProbeHolders)
	t.Logf("probe %s: %s %s", ProbeHolders, p.Status, p.Detail)
	if p.Status != model.ProbeAttached {
		t.Fatalf("probe %s: %s (%s), want attached on this kernel", ProbeHolders, p.Status, p.Detail)
	}
	snaps := []model.Snapshot{collect(t, tr)}
	for range 8 {
		time.Sleep(500 * time.Millisecond)
		snaps = append(snaps, collect(t, tr))
	}
	// The traced loops end: so does each one's last time slice, which
	// counts its last wait in the run rows (the holders count it as it
	// ends).
	for _, c := range traced {
		_ = c.Process.Kill()
		_ = c.Wait()
	}
	snaps = append(snaps, collect(t, tr))

	type key struct {
		name         string
		kernel, work bool
	}
	byName := map[key]model.Waits{}
	var named, held [2]model.Waits // kernel, other
	var lost uint64
	add := func(w *model.Waits, o model.Waits) { w.Count += o.Count; w.SumNs += o.SumNs }
	kind := func(kernel bool) int {
		if kernel {
			return 0
		}
		return 1
	}
	for i, s := range snaps {
		lost += s.Stats.Lost
		if s.Holders != nil && len(s.Holders) == 0 {
			t.Errorf("snapshot %d: Holders empty but not nil", i)
		}
		sorted := slices.Clone(s.Holders)
		if sortHolders(sorted); !slices.Equal(sorted, s.Holders) {
			t.Errorf("snapshot %d: holders out of order: %+v", i, s.Holders)
		}
		var sn, sh [2]model.Waits
		for _, h := range s.Holders {
			if h.Count == 0 {
				t.Errorf("snapshot %d: holder without waits: %+v", i, h)
			}
			if h.Work && !h.Kernel {
				t.Errorf("snapshot %d: a process named after work: %+v", i, h)
			}
			k := key{h.Name, h.Kernel, h.Work}
			w := byName[k]
			add(&w, h.Waits)
			byName[k] = w
			add(&sn[kind(h.Kernel)], h.Waits)
		}
		for _, r := range s.Run {
			if r.HeldBy == nil {
				t.Fatalf("snapshot %d: run row without its CPU holders: %+v", i, r)
			}
			add(&sh[0], r.HeldBy.Kernel)
			add(&sh[1], r.HeldBy.Other)
		}
		t.Logf("snapshot %d: named kernel %+v other %+v; run rows kernel %+v other %+v", i, sn[0], sn[1], sh[0], sh[1])
		for j := range named {
			add(&named[j], sn[j])
			add(&held[j], sh[j])
		}
	}
	var top []string
	for k, w := range byName {
		top = append(top, fmt.Sprintf("%s(kernel=%v work=%v): %d waits %v", k.name, k.kernel, k.work, w.Count, time.Duration(w.SumNs)))
	}
	slices.Sort(top)
	for _, l := range top {
		t.Log(l)
	}
	for j, what := range []string{"kernel threads", "other processes"} {
		if named[j] != held[j] {
			t.Errorf("waits behind %s: %+v by name, %+v in the run rows; want the same (%d samples lost)", what, named[j], held[j], lost)
		}
	}
	if w := byName[key{hogName, false, false}]; w.Count < 10 {
		t.Errorf("%d waits behind %s, the process sharing CPU 0: want at least 10", w.Count, hogName)
	}
	if w := byName[key{loop.name, true, true}]; w.Count == 0 {
		t.Errorf("no wait behind the worker of %s's workqueue, named after it", loop.name)
	}
}
