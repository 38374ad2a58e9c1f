package report

import "fmt"

// queuePart is the nfsd line's part on the queue: "requests waited for a
// thread: p50 12µs p99 80ms".
func (n *NFSDSummary) queuePart() string {
	q := n.QueueWait
	if q == nil {
		return ""
	}
	return fmt.Sprintf("requests waited for a thread: p50 %s p99 %s max %s", fmtNs(q.P50Ns), fmtNs(q.P99Ns), fmtNs(q.MaxNs))
}
