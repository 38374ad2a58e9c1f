package procfs

import (
	"cmp"
	"slices"

	"github.com/nfstrace/nfstrace/internal/model"
)

// The interval estimator.
//
// Sampling sees a thread's state at instants t0 < t1 < ... (nanoseconds). A run
// of consecutive samples in D, t_first..t_last, with the samples around it at
// t_prev (not D) and t_next (not D), is one D-state interval. It began somewhere
// in (t_prev, t_first] and ended in [t_last, t_next), so its length L satisfies
// t_last-t_first <= L < t_next-t_prev. The estimate takes the midpoints of both
// gaps:
//
//	L^ = (t_last+t_next)/2 - (t_prev+t_first)/2
//
// With samples exactly one period P apart and n samples in D this is n*P, and
// the error is within +/- P. Using the sample times rather than n*P keeps the
// estimate right when the sampler is late or misses ticks. An interval shorter
// than P is seen with probability about L/P, and is then credited with about P:
// the expected total D time is still right (sum over intervals of L/P * P), but
// the count and the histogram shape of sub-period waits are not.
//
// Two consecutive D samples can belong to two intervals if the thread woke, ran
// and blocked again in between. Where /proc/PID/task/TID/schedstat exists, its
// third field (the number of times the thread was switched in) tells them
// apart: a D thread does not run, so if the count changed between two D
// samples, the first interval ended and a new one began in that gap; each side
// gets half of it. The scheduler's own block statistics (sum_block_runtime in
// /proc/PID/sched) would be exact, but need kernel.sched_schedstats=1 (off by
// default, and changing it changes the host), do not exist on 4.x kernels, and
// cost far more to read than stat: they are not used.
//
// A thread first seen already in D is counted from that sample: its earlier
// part is unknown.
//
// Ongoing intervals are accounted in pieces so that each Collect hands over
// the D time of its own window exactly once: at Collect an ongoing interval
// contributes the part from where it was last accounted up to its latest D
// sample, and the next window continues from there. The pieces of one interval
// add up to its estimate L^; the histogram then holds pieces, so a wait longer
// than the collect interval shows as one piece per window.

// track is the per-thread state of the estimator. It is pure: times come in,
// pieces of intervals come out.
type track struct {
	seen   bool
	inD    bool
	last   int64  // time of the latest sample
	acc    int64  // the ongoing interval is accounted up to here
	pcount uint64 // switch-in count at the latest sample, if known
	hasPC  bool
}

// step is the outcome of one sample.
type step struct {
	// Piece is the part of an interval that ended at this sample, from where it
	// was last accounted to its estimated end; Ended says there was one.
	Piece int64
	Ended bool
	// Began says a new interval began: its wait site should be read now.
	Began bool
}

// observe feeds the sample taken at time now: whether the thread was in D and,
// when known (hasPC), its switch-in count.
func (tr *track) observe(now int64, inD bool, pcount uint64, hasPC bool) step {
	var s step
	switch {
	case !tr.seen:
		tr.seen = true
		if inD {
			tr.acc = now
			s.Began = true
		}
	case tr.inD && inD:
		if hasPC && tr.hasPC && pcount != tr.pcount {
			mid := tr.last + (now-tr.last)/2
			s.Piece, s.Ended = mid-tr.acc, true
			tr.acc = mid
			s.Began = true
		}
	case tr.inD && !inD:
		mid := tr.last + (now-tr.last)/2
		s.Piece, s.Ended = mid-tr.acc, true
	case !tr.inD && inD:
		tr.acc = tr.last + (now-tr.last)/2
		s.Began = true
	}
	tr.inD = inD
	tr.last = now
	tr.pcount, tr.hasPC = pcount, hasPC
	return s
}

// gone ends an ongoing interval of a thread that exited or became unreadable at
// time now, as if it had been sampled out of D then.
func (tr *track) gone(now int64) step {
	if !tr.seen || !tr.inD {
		return step{}
	}
	return tr.observe(now, false, 0, false)
}

// flush accounts the ongoing interval up to its latest D sample and returns
// that piece (0 when there is none or nothing new since the previous flush).
func (tr *track) flush() int64 {
	if !tr.inD || tr.last <= tr.acc {
		return 0
	}
	p := tr.last - tr.acc
	tr.acc = tr.last
	return p
}

// aggKey is the dimension D-state is aggregated by.
type aggKey struct {
	comm string
	site model.WaitSite
}

type aggRow struct {
	hist model.Hist
	tids map[int32]struct{}
}

// agg aggregates interval pieces per (comm, wait site) over one window.
// Rows are emptied, not deleted, at the end of a window, so that a steady
// state allocates nothing; a row unused for a whole window is deleted.
type agg struct {
	rows map[aggKey]*aggRow
}

func newAgg() *agg { return &agg{rows: make(map[aggKey]*aggRow)} }

// add records a piece of an interval of thread tid.
func (a *agg) add(comm string, site model.WaitSite, tid int32, ns int64) {
	if ns < 0 {
		ns = 0
	}
	k := aggKey{comm, site}
	r := a.rows[k]
	if r == nil {
		r = &aggRow{tids: make(map[int32]struct{})}
		a.rows[k] = r
	}
	r.hist.Add(uint64(ns))
	r.tids[tid] = struct{}{}
}

// drain appends the window's non-empty rows to dst, sorted by comm and wait
// site, and empties the window.
func (a *agg) drain(dst []model.DState) []model.DState {
	n := len(dst)
	for k, r := range a.rows {
		if r.hist.Empty() {
			delete(a.rows, k)
			continue
		}
		dst = append(dst, model.DState{
			Comm:     k.comm,
			WaitSite: k.site,
			Threads:  len(r.tids),
			Hist:     r.hist,
		})
		r.hist = model.Hist{}
		clear(r.tids)
	}
	slices.SortFunc(dst[n:], func(x, y model.DState) int {
		return cmp.Or(cmp.Compare(x.Comm, y.Comm), cmp.Compare(x.WaitSite, y.WaitSite))
	})
	return dst
}
