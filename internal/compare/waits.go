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
	Comm string `json:"comm"`
	// TID is the thread when one carries most of its group's share, 0
	// when several took turns (Threads of them).
	TID     int     `json:"tid,omitempty"`
	Threads int     `json:"threads,omitempty"`
	State   string  `json:"state,omitempty"` // "D", "R", "S" when the wait began
	Site    string  `json:"site,omitempty"`  // the owner's own wait site when it was in D
	Share   float64 `json:"share"`           // of B's lock-wait time
	// Chain follows the wait-for chain past the owner when it was itself
	// waiting on a lock (see model.LockWait).
	Chain []model.LockHop `json:"chain,omitempty"`
}

// WakerShare is who ended most of a layer's waits in B.
type WakerShare struct {
	Waker string  `json:"waker"`
	Share float64 `json:"share"`
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
		h := model.LockHolder{Comm: l.Owner, TID: l.OwnerTID, State: l.OwnerState, Site: l.OwnerSite, Chain: model.ChainOf(l.Chain)}
		c.owners[h] += float64(l.Time) * float64(l.OwnerWaits) / float64(l.Waits)
	}
	c.threads.add(s)
	for j := range s.Wakers {
		w := &s.Wakers[j]
		cl := c.classOf(w.WaitSite, "")
		c.wakers[wakerKey{cl, w.Waker}] += float64(w.Time)
		c.wakeNs[cl] += float64(w.Time)
	}
}

// topOwner is who held the locks for most of a capture's lock-wait time:
// the owners of one comm, state and own wait site taken together (writers
// of one file take turns holding its lock), named by thread when one of
// them carries at least half of the group's share.
func topOwner(c *Capture) *LockOwner {
	if c.lockNs == 0 {
		return nil
	}
	g, ok := model.TopHolders(c.owners)
	if !ok {
		return nil
	}
	o := &LockOwner{Comm: g.Comm, State: g.State, Share: g.Weight / c.lockNs, Chain: g.Chain.Hops()}
	if g.Site != "" {
		o.Site = ownerSite(g.Site, len(o.Chain) > 0)
	}
	if g.InTurn() {
		o.Threads = g.Threads
	} else {
		o.TID, o.Share = g.TID, g.TIDWeight/c.lockNs
	}
	return o
}

// unwoken is a capture's wait time ns of a class whose wakers the tracer
// does not keep: the waits for asynchronous IO, all block IO.
func (c *Capture) unwoken(class string) float64 {
	if class != ClassBlockIO {
		return 0
	}
	var ns float64
	for _, v := range c.aioDev {
		ns += v
	}
	return ns
}

// topWaker is who ended most of a capture's waits of a class; nil when
// no waker is known, or when waits whose wakers the tracer does not keep
// (those for asynchronous IO) carry more of the class's time than the
// waits whose waker is known: those would not say who ended most.
func topWaker(c *Capture, class string) *WakerShare {
	total := c.wakeNs[class]
	if total == 0 || c.unwoken(class) > total {
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
	s, self := o.Comm, "itself"
	switch {
	case o.Threads > 1:
		s, self = fmt.Sprintf("%d %s threads in turn", o.Threads, o.Comm), "themselves"
	case o.TID != 0:
		s += fmt.Sprintf("/%d", o.TID)
	}
	s += fmt.Sprintf(" (%.0f%% of the lock waits)", 100*o.Share)
	if o.State != "" {
		s += ", " + self + " " + ownerState(o.State, o.Site)
	}
	if len(o.Chain) > 0 {
		s += ", " + model.ChainText(o.Chain, func(site model.WaitSite, next bool) string {
			return compactSite(ownerSite(site, next))
		})
	}
	return s
}

// ownerSite renders a lock owner's own wait site as shortSite does; when
// the chain's next hop names the lock the owner waits on there (next), the
// site starts at the caller that took it, the lock's own frames dropped.
func ownerSite(site model.WaitSite, next bool) string {
	fns := site.Norm()
	if next {
		fns = model.LockCallers(fns)
	}
	return shortFrames(fns, 5)
}

// LockOwnerRow is one owner of the locks the traced threads waited on: its
// share of their lock-wait time on each side. Owners are told apart by
// comm, state and own wait site, not thread id, so that the nfsd threads
// of two runs meet in one row.
type LockOwnerRow struct {
	Comm  string `json:"comm"`
	State string `json:"state,omitempty"` // "D", "R", "S" when the waits began
	Site  string `json:"site,omitempty"`  // its own wait site when in D
	// A and B are the lock-wait time it caused per unit (op or second).
	A float64 `json:"a"`
	B float64 `json:"b"`
	// ShareA and ShareB are of each side's lock-wait time.
	ShareA float64 `json:"share_a"`
	ShareB float64 `json:"share_b"`
	// Threads is how many of its threads held the locks, in B (in A when
	// only A has it).
	Threads int `json:"threads"`
}

type ownerGroup struct {
	comm, state string
	site        model.WaitSite
}

// lockOwners lists the owners of either capture, most lock-wait time per
// unit first (B's, then A's); den are the units of each side.
func lockOwners(a, b *Capture, denA, denB float64) []LockOwnerRow {
	if (a.lockNs == 0 && b.lockNs == 0) || denA <= 0 || denB <= 0 {
		return nil
	}
	rows := map[ownerGroup]*LockOwnerRow{}
	tidsA, tidsB := map[ownerGroup]map[int]bool{}, map[ownerGroup]map[int]bool{}
	add := func(c *Capture, den float64, tids map[ownerGroup]map[int]bool, b bool) {
		for k, ns := range c.owners {
			g := ownerGroup{k.Comm, k.State, k.Site}
			r := rows[g]
			if r == nil {
				r = &LockOwnerRow{Comm: k.Comm, State: k.State}
				if k.Site != "" {
					r.Site = shortSite(k.Site, 5)
				}
				rows[g] = r
			}
			if tids[g] == nil {
				tids[g] = map[int]bool{}
			}
			tids[g][k.TID] = true
			if b {
				r.B += ns / den
				r.ShareB += ns / c.lockNs
			} else {
				r.A += ns / den
				r.ShareA += ns / c.lockNs
			}
		}
	}
	add(a, denA, tidsA, false)
	add(b, denB, tidsB, true)
	// The rest of the lock-wait time: no owner recorded (a reader-owned
	// rwsem, a lock released before it was read, a kind without owner);
	// under half a percent of a side is left out.
	unowned := func(c *Capture) (ns, share float64) {
		ns = c.lockNs
		for _, v := range c.owners {
			ns -= v
		}
		if c.lockNs == 0 || ns <= 0.005*c.lockNs {
			return 0, 0
		}
		return ns, ns / c.lockNs
	}
	nsA, shareA := unowned(a)
	nsB, shareB := unowned(b)
	if shareA > 0 || shareB > 0 {
		rows[ownerGroup{}] = &LockOwnerRow{A: nsA / denA, B: nsB / denB, ShareA: shareA, ShareB: shareB}
	}
	out := make([]LockOwnerRow, 0, len(rows))
	for g, r := range rows {
		r.Threads = len(tidsB[g])
		if r.Threads == 0 {
			r.Threads = len(tidsA[g])
		}
		out = append(out, *r)
	}
	slices.SortFunc(out, func(x, y LockOwnerRow) int {
		return cmp.Or(cmp.Compare(boolInt(x.Comm == ""), boolInt(y.Comm == "")), cmp.Compare(y.B, x.B), cmp.Compare(y.A, x.A), cmp.Compare(x.Comm, y.Comm), cmp.Compare(x.State, y.State), cmp.Compare(x.Site, y.Site))
	})
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// HeldLock is a lock layer whose change is, one step up the causal chain,
// another layer's: the lock's owners were in D in that layer's waits for
// most of the change of the lock-wait time (Owned), and that layer moved
// the same way, significantly, with a configuration change that acts on it
// directly. The threads waited longer for the lock because its holders
// waited longer while they held it: a writer throttled for dirty pages in
// balance_dirty_pages keeps its inode's lock, and the file's other writers
// queue behind it.
type HeldLock struct {
	LayerPart // the lock layer
	// Owned is the part of the lock-wait time's change (per unit, its
	// rise or its fall) that came with owners in D in the leading
	// layer's waits.
	Owned float64 `json:"owned"`
}

// heldIn returns the lock layer among rows, with the row of the layer its
// owners waited in, when all of these hold: the lock carries minLeadShare
// of the change or more (as a layer must to lead with a significant change
// of its own); the time its owners were in D in one other layer's waits
// moved the lock-wait time in direction dir by leadShare of its change or
// more (ownedChange); that layer moved in direction dir, significantly,
// with a configuration change that acts on it directly; and the two
// together carry more of the change than the largest row. The other layer
// must be one that a class names alone: an owner's wait for block IO does
// not say on which device it waited. nil otherwise.
func (c *comparison) heldIn(res *Result, rows []Contribution, dir float64) (*HeldLock, Contribution) {
	i, class, owned := c.lockOwned(res, rows, dir)
	if i < 0 || rows[i].Share < minLeadShare {
		return nil, Contribution{}
	}
	if owned < leadShare || class == ClassLock || class == ClassBlockIO {
		return nil, Contribution{}
	}
	j := slices.IndexFunc(rows, func(r Contribution) bool { return r.Key == layerKey(class, "") })
	if j < 0 || !changedBy(res, rows[j], dir) {
		return nil, Contribution{}
	}
	if rows[i].Share+rows[j].Share <= rows[0].Share {
		return nil, Contribution{}
	}
	return &HeldLock{LayerPart: partOf(rows[i]), Owned: owned}, rows[j]
}

// lockOwned returns the index of the lock layer among rows (-1 when there
// is none), and the class of the D-state waits its owners were in for the
// largest part of the lock-wait time's change in direction dir, with that
// part (ownedChange).
func (c *comparison) lockOwned(res *Result, rows []Contribution, dir float64) (int, string, float64) {
	i := slices.IndexFunc(rows, func(r Contribution) bool { return r.Key == ClassLock })
	if i < 0 {
		return -1, "", 0
	}
	denA, denB := c.den(res)
	class, owned := ownedChange(c.a, c.b, denA, denB, dir)
	return i, class, owned
}

// LayerPart is a layer whose change is added to the leading layer's, one
// step down the causal chain from it (HeldLock, QueuedBehind).
type LayerPart struct {
	Key    string  `json:"key"`
	A      float64 `json:"a"` // its time per unit in A and B
	B      float64 `json:"b"`
	Change Change  `json:"change"`
	Share  float64 `json:"share"` // its part of the change
}

// changedBy reports whether row r moved in direction dir, significantly,
// with a configuration change that acts on its layer directly: a layer a
// part further down the chain can be added to.
func changedBy(res *Result, r Contribution, dir float64) bool {
	return r.Significant && r.Delta*dir > 0 && matchChanges(res.Config, r.Key, dir).Kind == MatchDirect
}

// partOf is a row's layer part.
func partOf(r Contribution) LayerPart {
	return LayerPart{Key: r.Key, A: r.A, B: r.B, Change: r.Change, Share: r.Share}
}

// ownedChange returns the class of the D-state waits the lock's owners
// were in for the largest part of the change of the lock-wait time per
// unit (den: each capture's units) in direction dir, and that part of the
// change ("", 0 when the lock-wait time did not move that way or no owner
// was in D at a known site). It reads the change, not one capture's time:
// owners that waited in a layer as much before as after do not explain
// why the threads waited longer for them.
func ownedChange(a, b *Capture, denA, denB, dir float64) (string, float64) {
	if denA <= 0 || denB <= 0 {
		return "", 0
	}
	lock := (b.lockNs/denB - a.lockNs/denA) * dir
	if lock <= 0 {
		return "", 0
	}
	byA, byB := a.ownedBy(), b.ownedBy()
	best, most := "", 0.0
	for _, by := range []map[string]float64{byA, byB} {
		for cl := range by {
			v := (byB[cl]/denB - byA[cl]/denA) * dir
			if v > most || (v == most && v > 0 && cl < best) {
				best, most = cl, v
			}
		}
	}
	return best, most / lock
}

// ownedBy is the capture's lock-wait time by the class of the D-state
// waits its owners were in.
func (c *Capture) ownedBy() map[string]float64 {
	by := map[string]float64{}
	for h, w := range c.owners {
		if h.State == "D" && h.Site != "" {
			by[c.classOf(h.Site, "")] += w
		}
	}
	return by
}
