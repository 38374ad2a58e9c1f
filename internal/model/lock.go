package model

import (
	"cmp"
	"fmt"
	"strings"
	"time"
)

// Lock kinds.
const (
	LockRWSemWrite = "rwsem-write" // waited to take an rw_semaphore for writing
	LockRWSemRead  = "rwsem-read"
	LockMutex      = "mutex"
	LockPercpu     = "percpu-rwsem"
)

// LockWait aggregates the waits of the target threads of one command name at
// one wait site for one sleeping lock (rwsem, mutex) during an interval
// that had one owner: the task that held the lock when the wait began or,
// when no one held it then (between a release and the next taker), when
// the waiter went to sleep, or else the traced thread that took the lock
// after waiting for it while this wait went on (running as it took it). A
// lock whose owners took turns has a row per owner, and one with no owner
// for the waits whose owner is not known.
// (Captures written before per-owner rows have one row per lock and wait
// site, with the owner that held it for most of the waits.)
type LockWait struct {
	Comm     string   `json:"comm"`
	WaitSite WaitSite `json:"wait_site"`
	// Lock is the lock's kernel address ("0xffff..."): it tells locks apart
	// within a run, nothing more. Kind is one of the Lock* kinds.
	Lock string `json:"lock"`
	Kind string `json:"kind"`
	// Waits and Time count the waits and their total length; MaxWaiters is
	// the most target threads seen waiting on the lock at once.
	Waits      uint64        `json:"waits"`
	Time       time.Duration `json:"time_ns"`
	MaxWaiters int           `json:"max_waiters"`
	// Owner is the owner's comm and OwnerTID its thread id, "" and 0 when
	// unknown (percpu rwsems have no owner field; a lock no one held when
	// the wait began nor when the waiter slept, or a waiter that never
	// slept). ReaderOwned says the rwsem was held by
	// readers: the owner is the last reader that took it.
	Owner       string `json:"owner,omitempty"`
	OwnerTID    int    `json:"owner_tid,omitempty"`
	ReaderOwned bool   `json:"reader_owned,omitempty"`
	// OwnerWaits is how many of Waits had this owner.
	OwnerWaits uint64 `json:"owner_waits,omitempty"`
	// OwnerState is the owner's state when it was read: "D" (itself
	// blocked, at OwnerSite when the owner is a traced thread), "R"
	// (running or runnable) or "S" (any other sleep).
	OwnerState string   `json:"owner_state,omitempty"`
	OwnerSite  WaitSite `json:"owner_site,omitempty"`
	// Chain follows the wait-for chain past the owner when the owner was
	// itself a traced thread waiting on a lock: that lock and its owner,
	// then that owner's, at most MaxLockChain hops, read when the wait
	// began. Empty when the owner waited on no lock, or is not traced.
	Chain []LockHop `json:"chain,omitempty"`
}

// MaxLockChain bounds the hops of a wait-for chain past a lock's owner, as
// the kernel side follows them.
const MaxLockChain = 2

// LockHop is one step of a wait-for chain: the lock the previous owner
// waited on, and that lock's owner with its state and own wait site (as
// LockWait's fields of the same names).
type LockHop struct {
	Lock        string   `json:"lock"`
	Kind        string   `json:"kind"`
	Owner       string   `json:"owner,omitempty"`
	OwnerTID    int      `json:"owner_tid,omitempty"`
	ReaderOwned bool     `json:"reader_owned,omitempty"`
	OwnerState  string   `json:"owner_state,omitempty"`
	OwnerSite   WaitSite `json:"owner_site,omitempty"`
}

// LockChain holds a chain's hops in a comparable value, so that holders
// with their chains can key maps; a hop with no Lock ends it.
type LockChain [MaxLockChain]LockHop

// ChainOf is the chain of hops, the first MaxLockChain of them.
func ChainOf(hops []LockHop) LockChain {
	var c LockChain
	copy(c[:], hops)
	return c
}

// Hops are the chain's hops up to the first with no lock, nil when none.
func (c LockChain) Hops() []LockHop {
	n := 0
	for n < len(c) && c[n].Lock != "" {
		n++
	}
	if n == 0 {
		return nil
	}
	return c[:n:n]
}

// compareChains orders chains by length, then hop by hop.
func compareChains(a, b LockChain) int {
	x, y := a.Hops(), b.Hops()
	if c := cmp.Compare(len(x), len(y)); c != 0 {
		return c
	}
	for i := range x {
		p, q := &x[i], &y[i]
		if c := cmp.Or(cmp.Compare(p.Lock, q.Lock), cmp.Compare(p.Kind, q.Kind), cmp.Compare(p.Owner, q.Owner),
			cmp.Compare(p.OwnerTID, q.OwnerTID), cmp.Compare(p.OwnerState, q.OwnerState),
			cmp.Compare(p.OwnerSite, q.OwnerSite)); c != 0 {
			return c
		}
		if p.ReaderOwned != q.ReaderOwned {
			if q.ReaderOwned {
				return -1
			}
			return 1
		}
	}
	return 0
}

// LockHolder is an owner of a lock as a wait saw it: its comm and thread,
// and its state and own wait site when they were read (see LockWait).
type LockHolder struct {
	Comm  string
	TID   int
	State string
	Site  WaitSite
	Chain LockChain
}

// HolderGroup is the holders of one comm, state and own wait site taken
// together: writers of one file take turns holding its lock, and no one of
// them carries the wait. TID is the thread that carried most of the
// group's weight; Threads is how many threads the group holds; Weight is
// the group's part of what was weighed (waits, wait time).
type HolderGroup struct {
	Comm    string
	State   string
	Site    WaitSite
	TID     int
	Threads int
	Weight  float64
	// TIDWeight is TID's own part of Weight.
	TIDWeight float64
	// Chain is the wait-for chain past TID that weighed most, or past the
	// group's holders when they took turns.
	Chain LockChain
}

// InTurn says the group's threads took turns: none carried half of its
// weight, so the group, not a thread, is the owner to name.
func (g HolderGroup) InTurn() bool {
	return 2*g.TIDWeight < g.Weight
}

// TopHolders groups lock holders by comm, state and own wait site and
// returns the group with the most weight (ties to the smallest comm, state
// and site), false when no holder weighs anything.
func TopHolders(weights map[LockHolder]float64) (HolderGroup, bool) {
	type key struct {
		comm, state string
		site        WaitSite
	}
	type tidChain struct {
		tid   int
		chain LockChain
	}
	type acc struct {
		w      float64
		tids   map[int]float64
		chains map[tidChain]float64
	}
	groups := make(map[key]*acc)
	for h, w := range weights {
		k := key{h.Comm, h.State, h.Site}
		g := groups[k]
		if g == nil {
			g = &acc{tids: make(map[int]float64), chains: make(map[tidChain]float64)}
			groups[k] = g
		}
		g.w += w
		g.tids[h.TID] += w
		g.chains[tidChain{h.TID, h.Chain}] += w
	}
	var best key
	var bg *acc
	for k, g := range groups {
		if bg == nil || g.w > bg.w || (g.w == bg.w && cmp.Or(cmp.Compare(k.comm, best.comm),
			cmp.Compare(k.state, best.state), cmp.Compare(k.site, best.site)) < 0) {
			best, bg = k, g
		}
	}
	if bg == nil || bg.w <= 0 {
		return HolderGroup{}, false
	}
	out := HolderGroup{Comm: best.comm, State: best.state, Site: best.site, Threads: len(bg.tids), Weight: bg.w, TIDWeight: -1}
	for t, w := range bg.tids {
		if w > out.TIDWeight || (w == out.TIDWeight && t < out.TID) {
			out.TID, out.TIDWeight = t, w
		}
	}
	// The chain is the named thread's, or the group's when they took turns.
	chains := make(map[LockChain]float64)
	for tc, w := range bg.chains {
		if out.InTurn() || tc.tid == out.TID {
			chains[tc.chain] += w
		}
	}
	chainW := -1.0
	for c, w := range chains {
		if w > chainW || (w == chainW && compareChains(c, out.Chain) < 0) {
			out.Chain, chainW = c, w
		}
	}
	return out, true
}

// LockKindText names a lock kind in a sentence.
func LockKindText(kind string) string {
	switch kind {
	case LockRWSemWrite:
		return "an rwsem (to write)"
	case LockRWSemRead:
		return "an rwsem (to read)"
	case LockMutex:
		return "a mutex"
	case LockPercpu:
		return "a percpu rwsem"
	}
	return "a lock (" + kind + ")"
}

// ChainText tells a wait-for chain after the sentence that named the
// first owner: "waiting on an rwsem (to write) held by nfsd/21 (in D at
// ext4_sync_file), which waits on a mutex held by jbd2/vda-8/22 (asleep)";
// "" when there are no hops. site renders an owner's wait site; next says
// that a further hop tells the lock the owner waits on there.
func ChainText(hops []LockHop, site func(s WaitSite, next bool) string) string {
	if len(hops) == 0 {
		return ""
	}
	var b strings.Builder
	for i := range hops {
		h := &hops[i]
		if i == 0 {
			b.WriteString("waiting on ")
		} else {
			b.WriteString(", which waits on ")
		}
		b.WriteString(LockKindText(h.Kind))
		if h.OwnerTID == 0 {
			b.WriteString(" whose owner is unknown")
			break
		}
		held := "held by"
		if h.ReaderOwned {
			held = "held by readers, last"
		}
		fmt.Fprintf(&b, " %s %s/%d", held, h.Owner, h.OwnerTID)
		switch h.OwnerState {
		case "D":
			b.WriteString(" (in D")
			if h.OwnerSite != "" {
				b.WriteString(" at " + site(h.OwnerSite, i+1 < len(hops)))
			}
			b.WriteString(")")
		case "R":
			b.WriteString(" (on CPU or runnable)")
		case "S":
			b.WriteString(" (asleep)")
		}
	}
	return b.String()
}
