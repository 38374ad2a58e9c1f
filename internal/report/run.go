package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/nfstrace/nfstrace/internal/model"
)

// RunRow is the run-queue wait and on-CPU time of the traced threads of one
// command name over the window.
type RunRow struct {
	Comm string `json:"comm"`
	// OnCPUPerSec is CPU time per second: how many CPUs the threads kept
	// busy on average. RunnablePerSec is run-queue wait per second: how many
	// of them waited for a CPU on average.
	OnCPUPerSec    float64 `json:"on_cpu_per_s"`
	RunnablePerSec float64 `json:"runnable_per_s"`
	// OnCPUShare is on-CPU time / (on-CPU + run-queue wait): the share of
	// the time the threads could run that they did. 1 means they never waited.
	OnCPUShare float64 `json:"on_cpu_share"`
	// Runnable summarizes the run-queue waits; its percentiles are absent
	// (0) when Estimate is set.
	Runnable Latency `json:"runnable"`
	// Estimate is set when the backend knew only totals (procfs schedstat):
	// the mean is exact, the percentiles unknown.
	Estimate bool `json:"estimate,omitempty"`
}

// maxRunLines bounds the run-queue lines of the top screen.
const maxRunLines = 3

// runTable sums the run-queue waits and on-CPU time per command name.
type runTable struct {
	by map[string]*runAcc
}

type runAcc struct {
	h        model.Hist
	on       float64
	estimate bool
}

func (t *runTable) add(s *model.Snapshot) {
	for i := range s.Run {
		r := &s.Run[i]
		if t.by == nil {
			t.by = map[string]*runAcc{}
		}
		a := t.by[r.Comm]
		if a == nil {
			a = &runAcc{}
			t.by[r.Comm] = a
		}
		a.h.Merge(&r.Runnable)
		a.on += r.OnCPU.Seconds()
		a.estimate = a.estimate || r.Runnable.SumOnly()
	}
}

// rows are the command names that waited or ran, most run-queue wait
// first, rates over sec seconds.
func (t *runTable) rows(sec float64) []RunRow {
	rows := make([]RunRow, 0, len(t.by))
	for comm, a := range t.by {
		wait := a.h.Sum().Seconds()
		if a.on == 0 && wait == 0 {
			continue
		}
		r := RunRow{Comm: comm, OnCPUPerSec: perSec(a.on, sec), RunnablePerSec: perSec(wait, sec),
			OnCPUShare: a.on / (a.on + wait), Estimate: a.estimate}
		if a.h.Count > 0 {
			r.Runnable = Latency{Count: a.h.Count, MeanNs: int64(a.h.Mean()), MaxNs: int64(a.h.Max())}
			if !a.estimate {
				r.Runnable.P50Ns = int64(a.h.Quantile(0.5))
				r.Runnable.P99Ns = int64(a.h.Quantile(0.99))
			}
		}
		rows = append(rows, r)
	}
	slices.SortFunc(rows, func(a, b RunRow) int {
		if c := cmpDesc(a.RunnablePerSec, b.RunnablePerSec); c != 0 {
			return c
		}
		return strings.Compare(a.Comm, b.Comm)
	})
	return rows
}

// runLines are the top screen's run-queue lines, one per command name, most
// run-queue wait first: "runq nfsd: 0.42 CPUs busy, 1.52 threads waiting for
// a CPU on average (ran 22% of the time runnable); wait p50 9.9ms p99 31ms".
func (f *Frame) runLines() []string {
	var lines []string
	for i, r := range f.Run {
		if i == maxRunLines {
			lines = append(lines, fmt.Sprintf("... %d more commands on the run queue", len(f.Run)-maxRunLines))
			break
		}
		l := fmt.Sprintf("runq %s: %.2f CPUs busy, %.2f threads waiting for a CPU on average (ran %s of the time runnable)",
			r.Comm, r.OnCPUPerSec, r.RunnablePerSec, model.FormatPct(r.OnCPUShare))
		switch {
		case r.Runnable.Count == 0:
		case r.Estimate:
			l += "; wait mean " + fmtNs(r.Runnable.MeanNs) + " (estimate)"
		default:
			l += "; wait p50 " + fmtNs(r.Runnable.P50Ns) + " p99 " + fmtNs(r.Runnable.P99Ns)
		}
		lines = append(lines, l)
	}
	return lines
}
