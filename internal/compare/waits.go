package compare

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/nfstrace/nfstrace/internal/model"
)

// The waits behind the waits: who held the lock the threads waited on, and
// who ended their waits (a journal thread, an interrupt). They say on whom
// a layer's time was spent, where the layer only says where.

// LockOwner is the task that held the locks of a lock layer for most of
// the threads' lock-wait time in B.
type LockOwner struct {
	Comm  string  `json:"comm"`
	TID   int     `json:"tid,omitempty"`
	State string  `json:"state,omitempty"` // "D", "R", "S" when the wait began
	Site  string  `json:"site,omitempty"`  // the owner's own wait site when it was in D
	Share float64 `json:"share"`           // of B's lock-wait time
}

// WakerShare is who ended most of a layer's waits in B.
type WakerShare struct {
	Waker string  `json:"waker"`
	Share float64 `json:"share"`
}

type ownerKey struct {
	comm  string
	tid   int
	state string
	site  model.WaitSite
}

type wakerKey struct {
	class, waker string
}

// addWaits folds a snapshot's lock-owner and waker rows into the capture.
func (c *Capture) addWaits(s *model.Snapshot) {
	for j := range s.Locks {
		l := &s.Locks[j]
		c.lockNs += float64(l.Time)
		if l.Owner == "" || l.Waits == 0 {
			continue
		}
		c.owners[ownerKey{l.Owner, l.OwnerTID, l.OwnerState, l.OwnerSite}] += float64(l.Time) * float64(l.OwnerWaits) / float64(l.Waits)
	}
	c.threads.add(s)
	for j := range s.Wakers {
		w := &s.Wakers[j]
		cl := c.classOf(w.WaitSite, "")
		c.wakers[wakerKey{cl, w.Waker}] += float64(w.Time)
		c.wakeNs[cl] += float64(w.Time)
	}
}

// topOwner is the lock owner of most of a capture's lock-wait time.
func topOwner(c *Capture) *LockOwner {
	if c.lockNs == 0 {
		return nil
	}
	var best ownerKey
	var bestNs float64
	for k, ns := range c.owners {
		if ns > bestNs || (ns == bestNs && cmp.Compare(k.comm, best.comm) < 0) {
			best, bestNs = k, ns
		}
	}
	if bestNs == 0 {
		return nil
	}
	o := &LockOwner{Comm: best.comm, TID: best.tid, State: best.state, Share: bestNs / c.lockNs}
	if best.site != "" {
		o.Site = shortSite(best.site, 5)
	}
	return o
}

// topWaker is who ended most of a capture's waits of a class.
func topWaker(c *Capture, class string) *WakerShare {
	total := c.wakeNs[class]
	if total == 0 {
		return nil
	}
	var ws []WakerShare
	for k, ns := range c.wakers {
		if k.class == class {
			ws = append(ws, WakerShare{Waker: k.waker, Share: ns / total})
		}
	}
	slices.SortFunc(ws, func(x, y WakerShare) int {
		return cmp.Or(cmp.Compare(y.Share, x.Share), cmp.Compare(x.Waker, y.Waker))
	})
	return &ws[0]
}

func ownerText(o *LockOwner) string {
	s := o.Comm
	if o.TID != 0 {
		s += fmt.Sprintf("/%d", o.TID)
	}
	s += fmt.Sprintf(" (%.0f%% of the lock waits)", 100*o.Share)
	switch {
	case o.State == "D" && o.Site != "":
		s += ", itself in D at " + compactSite(o.Site)
	case o.State == "D":
		s += ", itself in D"
	case o.State == "R":
		s += ", running"
	}
	return s
}
