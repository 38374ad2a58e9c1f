package report

import (
	"fmt"

	"github.com/nfstrace/nfstrace/internal/model"
)

// buildQueueWait sums the wait of nfsd requests for a free thread over the
// pools and the window; nil when the backend did not measure it.
func buildQueueWait(window []*model.Snapshot) *Latency {
	var h model.Hist
	for _, s := range window {
		for i := range s.Queue {
			h.Merge(&s.Queue[i].Wait)
		}
	}
	return latencyOf(&h)
}

// queuePart is the nfsd line's part on the queue: "requests waited for a
// thread: p50 12µs p99 80ms".
func (n *NFSDSummary) queuePart() string {
	q := n.QueueWait
	if q == nil {
		return ""
	}
	return fmt.Sprintf("requests waited for a thread: p50 %s p99 %s max %s", fmtNs(q.P50Ns), fmtNs(q.P99Ns), fmtNs(q.MaxNs))
}
