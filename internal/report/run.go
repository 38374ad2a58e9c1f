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
	// OutsidePerSec is the part of RunnablePerSec whose waits ended with
	// the threads outside their calls (in user space, or asleep for time
	// or events): they delayed none of them. 0 when none or unknown; the
	// run-queue waits Runnable and HeldBy describe are the others.
	OutsidePerSec float64 `json:"outside_per_s,omitempty"`
	// OnCPUShare is on-CPU time / (on-CPU + run-queue wait): the share of
	// the time the threads could run that they did. 1 means they never waited.
	OnCPUShare float64 `json:"on_cpu_share"`
	// Runnable summarizes the run-queue waits; its percentiles are absent
	// (0) when Estimate is set.
	Runnable Latency `json:"runnable"`
	// Estimate is set when the backend knew only totals (procfs schedstat):
	// the mean is exact, the percentiles unknown.
	Estimate bool `json:"estimate,omitempty"`
	// HeldBy is who had the CPU when the waits ended, the largest share
	// of the wait time first; absent when the backend cannot tell.
	HeldBy []HeldShare `json:"held_by,omitempty"`
}

// HeldShare is one kind of task the threads waited behind for a CPU (a key
// of model.HeldBy: wake, idle, traced, kernel, other) and its share of
// their run-queue wait time.
type HeldShare struct {
	Holder string  `json:"holder"`
	Share  float64 `json:"share"`
}

// maxRunLines bounds the run-queue lines of the top screen.
const maxRunLines = 3

// HolderRow is one task not traced that the traced threads waited behind
// for a CPU in their calls (model.CPUHolder), over the window.
type HolderRow struct {
	Name   string `json:"name"`
	Kernel bool   `json:"kernel,omitempty"`
	Work   bool   `json:"work,omitempty"`
	// PerSec is the run-queue wait behind it per second: how many of the
	// threads waited behind it on average. Share is its part of all their
	// run-queue wait in calls.
	PerSec float64 `json:"per_s"`
	Share  float64 `json:"share"`
}

// maxHolderRows bounds the holders the frame keeps, and maxHolderLine
// those the top screen's line names.
const (
	maxHolderRows = 10
	maxHolderLine = 3
)

// runTable sums the run-queue waits and on-CPU time per command name.
type runTable struct {
	by      map[string]*runAcc
	holders map[model.CPUHolder]uint64 // wait ns by holder (Waits zero)
}

type runAcc struct {
	h        model.Hist
	on       float64
	estimate bool
	held     *model.HeldBy
	outside  float64 // seconds of run-queue wait outside calls
}

func (t *runTable) add(s *model.Snapshot) {
	for _, h := range s.Holders {
		if t.holders == nil {
			t.holders = map[model.CPUHolder]uint64{}
		}
		t.holders[model.CPUHolder{Name: h.Name, Kernel: h.Kernel, Work: h.Work}] += h.SumNs
	}
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
		if r.Outside != nil {
			a.outside += float64(r.Outside.SumNs) / 1e9
		}
		if r.HeldBy != nil {
			if a.held == nil {
				a.held = &model.HeldBy{}
			}
			a.held.Add(r.HeldBy)
		}
	}
}

// heldShares are the holders of h with their share of the wait time, the
// largest first; nil when h is nil or holds no wait.
func heldShares(h *model.HeldBy) []HeldShare {
	if h == nil {
		return nil
	}
	var total uint64
	parts := h.Holders()
	for _, p := range parts {
		total += p.Waits.SumNs
	}
	if total == 0 {
		return nil
	}
	out := make([]HeldShare, 0, len(parts))
	for _, p := range parts {
		if p.Waits.SumNs > 0 {
			out = append(out, HeldShare{Holder: p.Key, Share: float64(p.Waits.SumNs) / float64(total)})
		}
	}
	slices.SortStableFunc(out, func(a, b HeldShare) int { return cmpDesc(a.Share, b.Share) })
	return out
}

// rows are the command names that waited or ran, most run-queue wait
// first, rates over sec seconds.
func (t *runTable) rows(sec float64) []RunRow {
	rows := make([]RunRow, 0, len(t.by))
	for comm, a := range t.by {
		wait := a.h.Sum().Seconds() + a.outside
		if a.on == 0 && wait == 0 {
			continue
		}
		r := RunRow{Comm: comm, OnCPUPerSec: perSec(a.on, sec), RunnablePerSec: perSec(wait, sec),
			OutsidePerSec: perSec(a.outside, sec),
			OnCPUShare:    a.on / (a.on + wait), Estimate: a.estimate, HeldBy: heldShares(a.held)}
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

// holderRows are the tasks the threads waited behind, most wait first,
// rates over sec seconds; their shares are of the run-queue wait in calls
// of every command name.
func (t *runTable) holderRows(sec float64) []HolderRow {
	if len(t.holders) == 0 {
		return nil
	}
	var total float64
	for _, a := range t.by {
		total += a.h.Sum().Seconds()
	}
	rows := make([]HolderRow, 0, len(t.holders))
	for h, ns := range t.holders {
		s := float64(ns) / 1e9
		rows = append(rows, HolderRow{Name: h.Name, Kernel: h.Kernel, Work: h.Work, PerSec: perSec(s, sec), Share: safeShare(s, total)})
	}
	slices.SortFunc(rows, func(a, b HolderRow) int {
		if c := cmpDesc(a.PerSec, b.PerSec); c != 0 {
			return c
		}
		return strings.Compare(model.HolderLabel(a.Name, a.Work), model.HolderLabel(b.Name, b.Work))
	})
	return rows[:min(len(rows), maxHolderRows)]
}

// safeShare is part over whole, 0 when whole is not positive.
func safeShare(part, whole float64) float64 {
	if whole <= 0 {
		return 0
	}
	return part / whole
}

// holderLine is the top screen's line naming the tasks not traced that the
// threads waited behind, with their parts of the threads' run-queue wait in
// calls: "runq behind tasks not traced: kworker loop1 41%; stress-ng 30%",
// wrapped at maxWidth columns; nil when none was named.
func (f *Frame) holderLine(maxWidth int) []string {
	if len(f.CPUHolders) == 0 {
		return nil
	}
	parts := make([]string, 0, maxHolderLine)
	for _, h := range f.CPUHolders[:min(len(f.CPUHolders), maxHolderLine)] {
		parts = append(parts, model.HolderLabel(h.Name, h.Work)+" "+model.FormatPct(h.Share))
	}
	parts[0] = "runq behind tasks not traced: " + parts[0]
	return wrapParts(parts, maxWidth, "  ")
}

// runLines are the top screen's run-queue lines, one per command name, most
// run-queue wait first: "runq nfsd: 0.42 CPUs busy, 1.52 threads waiting for
// a CPU on average (ran 22% of the time runnable); wait p50 9.9ms p99 31ms;
// waited behind kernel threads 71%, behind traced threads 20%", its parts
// wrapped at maxWidth columns (0: one line).
func (f *Frame) runLines(maxWidth int) []string {
	var lines []string
	for i, r := range f.Run {
		if i == maxRunLines {
			lines = append(lines, fmt.Sprintf("... %d more commands on the run queue", len(f.Run)-maxRunLines))
			break
		}
		parts := []string{fmt.Sprintf("runq %s: %.2f CPUs busy, %.2f threads waiting for a CPU on average (ran %s of the time runnable)",
			r.Comm, r.OnCPUPerSec, r.RunnablePerSec, model.FormatPct(r.OnCPUShare))}
		if r.OutsidePerSec >= 0.005 { // shown to two places
			parts = append(parts, fmt.Sprintf("%.2f of them outside their calls, delaying none", r.OutsidePerSec))
		}
		switch {
		case r.Runnable.Count == 0:
		case r.Estimate:
			parts = append(parts, "wait mean "+fmtNs(r.Runnable.MeanNs)+" (estimate)")
		default:
			parts = append(parts, "wait p50 "+fmtNs(r.Runnable.P50Ns)+" p99 "+fmtNs(r.Runnable.P99Ns))
		}
		if h := heldText(r.HeldBy); h != "" {
			parts = append(parts, h)
		}
		lines = append(lines, wrapParts(parts, maxWidth, "  ")...)
	}
	return lines
}

// maxHeld bounds the holders a run-queue line names.
const maxHeld = 2

// heldText words the largest holders of a run-queue line: "waited behind
// kernel threads 71%, behind traced threads 20%"; empty when unknown.
func heldText(hs []HeldShare) string {
	if len(hs) == 0 {
		return ""
	}
	parts := make([]string, 0, maxHeld)
	for _, h := range hs[:min(len(hs), maxHeld)] {
		parts = append(parts, model.HolderText(h.Holder)+" "+model.FormatPct(h.Share))
	}
	return "waited " + strings.Join(parts, ", ")
}
