package report

import (
	"fmt"
	"strings"

	"github.com/nfstrace/nfstrace/internal/model"
)

// queuePart is the nfsd line's part on the queue: "requests waited for a
// thread: p50 12µs p99 80ms".
func (n *NFSDSummary) queuePart() string {
	q := n.QueueWait
	if q == nil {
		return ""
	}
	return fmt.Sprintf("requests waited for a thread: p50 %s p99 %s max %s", fmtNs(q.P50Ns), fmtNs(q.P99Ns), fmtNs(q.MaxNs))
}

// threadUse fills the summary's busy share and no-idle share: counted by
// the eBPF probes where they ran, else estimated from pool_stats.
func (a *nfsdAcc) threadUse(s *NFSDSummary, sec float64) {
	if a.busyMeasured && a.busyThreadSec > 0 {
		b := min(a.busyNs/1e9/a.busyThreadSec, 1)
		s.Busy = &b
	}
	noIdle, arrivals := a.noIdle, a.wakeups
	if !a.noIdleCounted {
		pools := make([]model.Pool, 0, len(a.pools))
		for _, p := range a.pools {
			pools = append(pools, *p)
		}
		noIdle, arrivals = model.PoolsNoIdle(pools)
		s.NoIdleEstimate = true
	}
	if arrivals == 0 {
		s.NoIdleEstimate = false
		return
	}
	share := float64(noIdle) / float64(arrivals)
	s.NoIdle = &share
	s.NoIdlePerSec = perSec(float64(noIdle), sec)
}

// threadPart is the nfsd line's part on thread use: "threads 78% busy,
// 12% of requests found no idle thread (40/s)".
func (n *NFSDSummary) threadPart() string {
	var parts []string
	if n.Busy != nil {
		parts = append(parts, fmt.Sprintf("threads %s busy", model.FormatPct(*n.Busy)))
	}
	if n.NoIdle != nil {
		p := fmt.Sprintf("%s of requests found no idle thread (%s/s", model.FormatPct(*n.NoIdle), model.FormatCount(n.NoIdlePerSec))
		if n.NoIdleEstimate {
			p += ", estimated from pool_stats"
		}
		p += ")"
		parts = append(parts, p)
	} else if n.Busy != nil {
		parts = append(parts, "requests finding no idle thread: unknown on this kernel")
	}
	return strings.Join(parts, ", ")
}
