package compare

import (
	"fmt"
	"strings"

	"github.com/nfstrace/nfstrace/internal/model"
)

// threadUse sums a capture's nfsd thread use: busy time (eBPF) and the
// requests that found no idle thread, counted by a tracepoint or estimated
// from pool_stats.
type threadUse struct {
	busyNs, threadSec    float64
	busyMeasured         bool
	noIdle, arrivals     uint64 // counted
	estNoIdle, estArrive uint64 // pool_stats estimate
}

func (u *threadUse) add(s *model.Snapshot) {
	if t := s.Threads; t != nil {
		u.busyMeasured = true
		u.busyNs += float64(t.BusyNs)
		u.threadSec += float64(s.Host.NFSD.Threads) * s.Interval().Seconds()
		if t.NoIdleFrom != "" {
			u.noIdle += t.NoIdle
			u.arrivals += t.Wakeups
		}
	}
	n, a := model.PoolsNoIdle(s.Host.NFSD.Pools)
	u.estNoIdle += n
	u.estArrive += a
}

// ThreadShift is the nfsd thread use of A and B: the busy share of the
// threads' time and the share of requests that found no idle thread; -1
// where a capture does not tell.
type ThreadShift struct {
	BusyA   float64 `json:"busy_a"`
	BusyB   float64 `json:"busy_b"`
	NoIdleA float64 `json:"no_idle_a"`
	NoIdleB float64 `json:"no_idle_b"`
	// Estimate: the no-idle shares come from pool_stats, not a tracepoint
	// (both captures use the same source, so that they compare).
	Estimate bool `json:"estimate,omitempty"`
}

// threadShift compares two captures' thread use; nil when neither tells
// anything.
func threadShift(a, b *threadUse) *ThreadShift {
	busy := func(u *threadUse) float64 {
		if !u.busyMeasured || u.threadSec <= 0 {
			return -1
		}
		return min(u.busyNs/1e9/u.threadSec, 1)
	}
	share := func(n, d uint64) float64 {
		if d == 0 {
			return -1
		}
		return float64(n) / float64(d)
	}
	t := &ThreadShift{BusyA: busy(a), BusyB: busy(b), NoIdleA: -1, NoIdleB: -1}
	switch {
	case a.arrivals > 0 && b.arrivals > 0:
		t.NoIdleA, t.NoIdleB = share(a.noIdle, a.arrivals), share(b.noIdle, b.arrivals)
	case a.estArrive > 0 && b.estArrive > 0:
		t.NoIdleA, t.NoIdleB = share(a.estNoIdle, a.estArrive), share(b.estNoIdle, b.estArrive)
		t.Estimate = true
	}
	if t.BusyA < 0 && t.BusyB < 0 && t.NoIdleA < 0 {
		return nil
	}
	return t
}

// threadsText is the evidence line of the queue layer: "nfsd threads busy
// 41% → 98%; requests that found no idle thread 3% → 72%".
func threadsText(t *ThreadShift) string {
	if t == nil {
		return ""
	}
	pct := func(v float64) string {
		if v < 0 {
			return "unknown"
		}
		return fmt.Sprintf("%.0f%%", 100*v)
	}
	var parts []string
	if t.BusyA >= 0 || t.BusyB >= 0 {
		parts = append(parts, fmt.Sprintf("nfsd threads busy %s → %s", pct(t.BusyA), pct(t.BusyB)))
	}
	if t.NoIdleA >= 0 {
		p := fmt.Sprintf("requests that found no idle thread %s → %s", pct(t.NoIdleA), pct(t.NoIdleB))
		if t.Estimate {
			p += " (estimated from pool_stats)"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, "; ")
}

// QueuedBehind is the wait for a free nfsd thread when its change is, one
// step up the causal chain, another layer's: the pool did not change, as
// many operations or fewer reached it, and its threads were held longer in
// that layer, which a configuration change acts on directly. A fixed pool
// makes requests wait when the arrivals times each one's service outgrow
// its threads; with arrivals no higher, the service grew.
type QueuedBehind struct {
	LayerPart              // the queue layer
	Threads   *ThreadShift `json:"threads,omitempty"`
}

// queuedBehind returns the queue layer and the row of the layer that held
// its threads when all of these hold: the queue leads the rows; no
// configuration change acts on it directly (the thread count is the same);
// the rate at which operations reached nfsd did not move with the change
// (more arrivals would be the clients' demand, see demand); more requests
// found no idle thread in the direction of the change; and another layer
// moved in direction dir, significantly, with a configuration change that
// acts on it directly (the largest such). nil otherwise.
func (c *comparison) queuedBehind(res *Result, rows []Contribution, dir float64) (*QueuedBehind, Contribution) {
	if len(rows) < 2 || rows[0].Key != LayerQueue || matchChanges(res.Config, LayerQueue, dir).Kind == MatchDirect {
		return nil, Contribution{}
	}
	if c.opRate(dir) != nil {
		return nil, Contribution{}
	}
	t := threadShift(&c.a.threads, &c.b.threads)
	if t == nil || t.NoIdleA < 0 || t.NoIdleB < 0 || (t.NoIdleB-t.NoIdleA)*dir <= 0 {
		return nil, Contribution{}
	}
	for _, r := range rows[1:] {
		if changedBy(res, r, dir) {
			return &QueuedBehind{LayerPart: partOf(rows[0]), Threads: t}, r
		}
	}
	return nil, Contribution{}
}
