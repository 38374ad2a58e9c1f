package procfs

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nfstrace/nfstrace/internal/model"
)

// runTrack is what a target's previous schedstat read said.
type runTrack struct {
	last schedstat
	seen bool
}

// runAgg adds up the schedstat deltas of the targets per comm.
type runAgg map[string]*model.Run

// add records one thread's delta between two schedstat reads. Counters that
// went back (a reused file cannot, but be safe) count as nothing.
func (a runAgg) add(comm string, prev, cur schedstat) {
	if cur.pcount < prev.pcount || cur.waitNs < prev.waitNs || cur.runNs < prev.runNs {
		return
	}
	if cur == prev {
		return // did not run
	}
	r := a[comm]
	if r == nil {
		r = &model.Run{Comm: comm}
		a[comm] = r
	}
	r.Threads++
	// Only the total and the number of waits are known: SumOnly.
	r.Runnable.Count += cur.pcount - prev.pcount
	r.Runnable.SumNs += cur.waitNs - prev.waitNs
	r.OnCPU += time.Duration(cur.runNs - prev.runNs)
}

// drain appends the rows, most run-queue wait first.
func (a runAgg) drain(dst []model.Run) []model.Run {
	start := len(dst)
	for _, r := range a {
		dst = append(dst, *r)
	}
	slices.SortFunc(dst[start:], func(x, y model.Run) int {
		return cmp.Or(cmp.Compare(y.Runnable.SumNs, x.Runnable.SumNs), strings.Compare(x.Comm, y.Comm))
	})
	return dst
}

// readRunTrack is the baseline of a new target, so that its first interval
// counts from when it was found.
func readRunTrack(ssfd int) runTrack {
	var b [128]byte
	n, err := unix.Pread(ssfd, b[:], 0)
	if err != nil {
		return runTrack{}
	}
	ss, ok := parseSchedstat(b[:n])
	return runTrack{last: ss, seen: ok}
}

// collectRun reads every target's schedstat once and adds what changed since
// the previous call to snap.Run: an estimate, since a thread that exited
// between two calls loses its last part. Called with t.mu held.
func (t *Tracer) collectRun(snap *model.Snapshot) {
	if !t.fastPath {
		return // sched_info is off: no run-queue wait to read
	}
	agg := runAgg{}
	for _, tg := range t.targets {
		if tg.ssfd < 0 || tg.retired.Load() {
			continue
		}
		n, err := unix.Pread(tg.ssfd, t.buf.sched[:], 0)
		if err != nil {
			continue
		}
		cur, ok := parseSchedstat(t.buf.sched[:n])
		if !ok {
			continue
		}
		if tg.run.seen {
			agg.add(tg.comm, tg.run.last, cur)
		}
		tg.run = runTrack{last: cur, seen: true}
	}
	snap.Run = agg.drain(snap.Run)
}
