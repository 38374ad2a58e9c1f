package procfs

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/host"
	"github.com/nfstrace/nfstrace/internal/model"
	"github.com/nfstrace/nfstrace/internal/testenv"
)

func TestParseSchedstat(t *testing.T) {
	tests := []struct {
		in   string
		want schedstat
		ok   bool
	}{
		{"667200 84478 2\n", schedstat{667200, 84478, 2}, true},
		{"139538708 6299914 17375", schedstat{139538708, 6299914, 17375}, true},
		{"0 0 0\n", schedstat{}, true},
		{"1 2\n", schedstat{}, false},
		{"1 -2 3\n", schedstat{}, false},
		{"", schedstat{}, false},
	}
	for _, tc := range tests {
		got, ok := parseSchedstat([]byte(tc.in))
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseSchedstat(%q) = %+v, %v; want %+v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestRunAgg(t *testing.T) {
	a := runAgg{}
	a.add("fio", schedstat{100, 50, 3}, schedstat{1100, 2050, 7})
	a.add("fio", schedstat{0, 0, 0}, schedstat{500, 1000, 1})
	a.add("fio", schedstat{10, 10, 1}, schedstat{10, 10, 1})  // did not run
	a.add("nfsd", schedstat{10, 10, 5}, schedstat{20, 5, 6})  // went back: skipped
	a.add("nfsd", schedstat{10, 10, 5}, schedstat{40, 40, 6}) // ran once
	got := a.drain(nil)
	want := []model.Run{
		{Comm: "fio", Threads: 2, Runnable: model.Hist{Count: 5, SumNs: 3000}, OnCPU: 1500},
		{Comm: "nfsd", Threads: 1, Runnable: model.Hist{Count: 1, SumNs: 30}, OnCPU: 30},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("rows:\n got %+v\nwant %+v", got, want)
	}
	if !got[0].Runnable.SumOnly() {
		t.Errorf("schedstat rows must be sum-only")
	}
}

// TestRealRunQueue: two busy loops pinned to one CPU wait on its run queue
// about as long as they run; schedstat shows it.
func TestRealRunQueue(t *testing.T) {
	if _, err := exec.LookPath("taskset"); err != nil {
		testenv.Skip(t, "taskset not installed")
	}
	var pids []int
	for range 2 {
		cmd := exec.Command("taskset", "-c", "0", "sh", "-c", "while :; do :; done")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		pids = append(pids, cmd.Process.Pid)
		waitExec(t, cmd.Process.Pid, "sh")
	}
	tr, err := New(Options{Targets: host.Targets{PIDs: pids}, Rate: 10})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	if !tr.fastPath {
		testenv.Skip(t, "schedstat counts nothing here (sched_info off)")
	}
	// The first Collect counts from when the targets were found.
	time.Sleep(2 * time.Second)
	var s model.Snapshot
	if err := tr.Collect(&s); err != nil {
		t.Fatal(err)
	}
	var sh *model.Run
	for i := range s.Run {
		if s.Run[i].Comm == "sh" {
			sh = &s.Run[i]
		}
	}
	if sh == nil {
		t.Fatalf("no run row for sh: %+v", s.Run)
	}
	t.Logf("%+v mean wait %v on %d CPUs", *sh, sh.Runnable.Mean(), runtime.NumCPU())
	if sh.Threads != 2 || !sh.Runnable.SumOnly() || sh.OnCPU == 0 {
		t.Errorf("row %+v: want 2 threads, a sum-only histogram and on-CPU time", *sh)
	}
	if sh.Runnable.Sum() < sh.OnCPU/3 {
		t.Errorf("run-queue wait %v against %v on CPU: want at least a third of it", sh.Runnable.Sum(), sh.OnCPU)
	}
}

// waitExec waits until taskset has executed comm: targets keep the comm
// they had when found.
func waitExec(t *testing.T, pid int, comm string) {
	t.Helper()
	for range 500 {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		if err != nil {
			t.Fatal(err)
		}
		if strings.TrimSpace(string(b)) == comm {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("pid %d never ran %s", pid, comm)
}
