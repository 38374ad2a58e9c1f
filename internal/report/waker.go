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

// wakerTable counts the wakers per wait site. Sites are keyed as the
// wait-site rows merge them, by their short frames, so a row that merges
// stacks differing only in offsets or modules gets all their wakers.
type wakerTable struct {
	counts map[string]map[string]uint64
}

// wakerKey is the key of a wait site in wakerTable.
func wakerKey(site model.WaitSite) string {
	return strings.Join(site.Short(), ";")
}

func (t *wakerTable) add(s *model.Snapshot) {
	for i := range s.Wakers {
		w := &s.Wakers[i]
		if t.counts == nil {
			t.counts = map[string]map[string]uint64{}
		}
		k := wakerKey(w.WaitSite)
		m := t.counts[k]
		if m == nil {
			m = map[string]uint64{}
			t.counts[k] = m
		}
		m[w.Waker] += w.Count
	}
}

// of returns the wakers of the wait site with key k, most wakeups first,
// at most maxWakers; nil when none was seen.
func (t *wakerTable) of(k string) []WakerShare {
	m := t.counts[k]
	if len(m) == 0 {
		return nil
	}
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
	return ws[:min(len(ws), maxWakers)]
}

// topWaker renders the waker that ended most waits at a site and its share.
func topWaker(ws []WakerShare) string {
	if len(ws) == 0 {
		return ""
	}
	return fmt.Sprintf("%s (%.0f%%)", ws[0].Waker, 100*ws[0].Share)
}
