package report

import (
	"strings"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/model"
)

func TestRunLines(t *testing.T) {
	snap := func(i int, rows ...model.Run) *model.Snapshot {
		s := busySnapshot(i)
		s.Run = rows
		return s
	}
	tests := []struct {
		name   string
		window []*model.Snapshot
		want   []string // lines, in order, starting with these
		absent string
		ends   string // the first line's end, when set
	}{
		{"no rows", []*model.Snapshot{snap(0)}, nil, "runq", ""},
		{"ebpf histogram", []*model.Snapshot{
			snap(0, model.Run{Comm: "nfsd", Op: "v3 WRITE", Threads: 8, Runnable: hist(100, 2*time.Millisecond), OnCPU: 200 * time.Millisecond}),
			snap(1, model.Run{Comm: "nfsd", Op: "v3 READ", Threads: 8, Runnable: hist(100, 2*time.Millisecond), OnCPU: 200 * time.Millisecond},
				model.Run{Comm: "jbd2/vda-8", Threads: 1, Runnable: hist(10, 10*time.Microsecond), OnCPU: 50 * time.Millisecond}),
		}, []string{
			// 400ms/2s on CPU, 400ms/2s waiting: ran half the time it could.
			"runq nfsd: 0.20 CPUs busy, 0.20 threads waiting for a CPU on average (ran 50% of the time runnable); wait p50 ",
			"runq jbd2/vda-8: 0.03 CPUs busy, 0.00 threads waiting",
		}, "estimate", ""},
		{"procfs totals", []*model.Snapshot{
			snap(0, model.Run{Comm: "fio", Threads: 4, Runnable: model.Hist{Count: 10, SumNs: uint64(30 * time.Millisecond)}, OnCPU: 90 * time.Millisecond}),
		}, []string{"runq fio: 0.09 CPUs busy, 0.03 threads waiting for a CPU on average (ran 75% of the time runnable); wait mean 3.0ms (estimate)"}, "p99", ""},
		{"who held the CPU, summed over the window, the two largest", []*model.Snapshot{
			snap(0, model.Run{Comm: "nfsd", Threads: 8, Runnable: hist(100, 2*time.Millisecond), OnCPU: 200 * time.Millisecond,
				HeldBy: &model.HeldBy{Kernel: model.Waits{Count: 60, SumNs: 120e6}, Other: model.Waits{Count: 40, SumNs: 80e6}}}),
			snap(1, model.Run{Comm: "nfsd", Threads: 8, Runnable: hist(100, 2*time.Millisecond), OnCPU: 200 * time.Millisecond,
				HeldBy: &model.HeldBy{Kernel: model.Waits{Count: 90, SumNs: 180e6}, Idle: model.Waits{Count: 10, SumNs: 20e6}}}),
		}, []string{"runq nfsd: "}, "estimate", "; waited behind kernel threads 75%, behind other processes 20%"},
		{"waits outside calls, part of the time runnable", []*model.Snapshot{
			snap(0, model.Run{Comm: "fio", Threads: 2, Runnable: hist(100, 2*time.Millisecond), OnCPU: 200 * time.Millisecond,
				Outside: &model.Waits{Count: 50, SumNs: 200e6}}),
		}, []string{
			// 200ms in calls + 200ms outside over 1s, against 200ms on CPU.
			"runq fio: 0.20 CPUs busy, 0.40 threads waiting for a CPU on average (ran 33% of the time runnable); 0.20 of them outside their calls, delaying none; wait p50 ",
		}, "estimate", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := NewFrame(busyConfig(), tt.window, Options{})
			if err != nil {
				t.Fatal(err)
			}
			lines, err := f.Lines(Layout{Width: 200})
			if err != nil {
				t.Fatal(err)
			}
			var runq []string
			for _, l := range lines {
				if strings.HasPrefix(l, "runq") {
					runq = append(runq, l)
				}
			}
			if len(runq) != len(tt.want) {
				t.Fatalf("runq lines %q, want %d", runq, len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.HasPrefix(runq[i], w) {
					t.Errorf("line %d = %q, want prefix %q", i, runq[i], w)
				}
				if tt.absent != "" && strings.Contains(runq[i], tt.absent) {
					t.Errorf("line %d = %q contains %q", i, runq[i], tt.absent)
				}
			}
			if len(runq) == 0 {
				return
			}
			if tt.ends != "" && !strings.HasSuffix(runq[0], tt.ends) {
				t.Errorf("line %q, want suffix %q", runq[0], tt.ends)
			}
			if tt.ends == "" && strings.Contains(runq[0], "waited") {
				t.Errorf("line %q names holders it does not know", runq[0])
			}
		})
	}
}

// TestRunLinesWrap: at a narrow width the run-queue line wraps at its parts,
// so that the holders are not cut off.
func TestRunLinesWrap(t *testing.T) {
	s := busySnapshot(0)
	s.Run = []model.Run{{Comm: "nfsd", Threads: 8, Runnable: hist(100, 2*time.Millisecond), OnCPU: 200 * time.Millisecond,
		HeldBy: &model.HeldBy{Kernel: model.Waits{Count: 60, SumNs: 120e6}, Other: model.Waits{Count: 40, SumNs: 80e6}}}}
	f, err := NewFrame(busyConfig(), []*model.Snapshot{s}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	lines := f.runLines(100)
	if len(lines) < 2 {
		t.Fatalf("lines %q: want the line wrapped at 100 columns", lines)
	}
	for _, l := range lines {
		if width(l) > 100 {
			t.Errorf("line %q is %d columns wide", l, width(l))
		}
	}
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "  ") || !strings.HasSuffix(last, "; waited behind kernel threads 60%, behind other processes 40%") {
		t.Errorf("last line %q, want a continuation ending with the holders", last)
	}
}

// TestHolderLine: the tasks not traced that the threads waited behind are
// summed over the window and named, the most wait first, with their parts
// of the threads' run-queue wait in calls; no line when none was named.
func TestHolderLine(t *testing.T) {
	snap := func(i int, holders ...model.CPUHolder) *model.Snapshot {
		s := busySnapshot(i)
		s.Run = []model.Run{{Comm: "fio", Threads: 4, Runnable: hist(100, 2*time.Millisecond), OnCPU: 200 * time.Millisecond}}
		s.Holders = holders
		return s
	}
	loop := func(ns uint64) model.CPUHolder {
		return model.CPUHolder{Name: "loop1", Kernel: true, Work: true, Waits: model.Waits{Count: 10, SumNs: ns}}
	}
	hog := func(ns uint64) model.CPUHolder {
		return model.CPUHolder{Name: "stress-ng-cpu", Waits: model.Waits{Count: 10, SumNs: ns}}
	}
	tests := []struct {
		name   string
		window []*model.Snapshot
		want   string // "" for no line
		rows   int
	}{
		{"none named", []*model.Snapshot{snap(0)}, "", 0},
		// 400ms of run-queue wait in calls over two intervals.
		{"summed over the window", []*model.Snapshot{snap(0, loop(100e6), hog(20e6)), snap(1, loop(60e6), hog(80e6))},
			"runq behind tasks not traced: kworker loop1 40%; stress-ng-cpu 25%", 2},
		{"at most three", []*model.Snapshot{snap(0, loop(100e6), hog(20e6),
			model.CPUHolder{Name: "kswapd0", Kernel: true, Waits: model.Waits{Count: 1, SumNs: 10e6}},
			model.CPUHolder{Name: "ksoftirqd/1", Kernel: true, Waits: model.Waits{Count: 1, SumNs: 5e6}})},
			"runq behind tasks not traced: kworker loop1 50%; stress-ng-cpu 10%; kswapd0 5.0%", 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := NewFrame(busyConfig(), tt.window, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(f.CPUHolders) != tt.rows {
				t.Errorf("CPUHolders %+v, want %d rows", f.CPUHolders, tt.rows)
			}
			lines := f.holderLine(200)
			got := strings.Join(lines, "\n")
			if got != tt.want {
				t.Errorf("holder line %q, want %q", got, tt.want)
			}
			all, err := f.Lines(Layout{Width: 200})
			if err != nil {
				t.Fatal(err)
			}
			if in := strings.Contains(strings.Join(all, "\n"), "runq behind"); in != (tt.want != "") {
				t.Errorf("screen has the holder line: %v, want %v", in, tt.want != "")
			}
		})
	}
}
