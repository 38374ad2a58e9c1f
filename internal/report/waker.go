package report

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/nfstrace/nfstrace/internal/model"
)

// WakerShare is one waker's share of the waits at a wait site that ended
// with a wakeup: a task's comm, or "irq" / "softirq".
type WakerShare struct {
	Waker string  `json:"waker"`
	Count uint64  `json:"count"`
	Share float64 `json:"share"` // of the site's woken waits, 0..1
}

// maxWakers is how many wakers a wait-site row keeps.
const maxWakers = 3

// buildWakers returns the wakers per wait site over the window, most
// wakeups first.
func buildWakers(window []*model.Snapshot) map[model.WaitSite][]WakerShare {
	counts := map[model.WaitSite]map[string]uint64{}
	for _, s := range window {
		for i := range s.Wakers {
			w := &s.Wakers[i]
			m := counts[w.WaitSite]
			if m == nil {
				m = map[string]uint64{}
				counts[w.WaitSite] = m
			}
			m[w.Waker] += w.Count
		}
	}
	out := make(map[model.WaitSite][]WakerShare, len(counts))
	for site, m := range counts {
		var total uint64
		ws := make([]WakerShare, 0, len(m))
		for w, n := range m {
			ws = append(ws, WakerShare{Waker: w, Count: n})
			total += n
		}
		slices.SortFunc(ws, func(a, b WakerShare) int {
			return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Waker, b.Waker))
		})
		for i := range ws {
			ws[i].Share = float64(ws[i].Count) / float64(total)
		}
		out[site] = ws[:min(len(ws), maxWakers)]
	}
	return out
}

// topWaker renders the waker that ended most waits at a site and its share.
func topWaker(ws []WakerShare) string {
	if len(ws) == 0 {
		return ""
	}
	return fmt.Sprintf("%s (%.0f%%)", ws[0].Waker, 100*ws[0].Share)
}
