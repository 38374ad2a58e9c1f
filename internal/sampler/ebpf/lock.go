package ebpf

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nfstrace/nfstrace/internal/model"
)

// Lock flags of lock:contention_begin (include/trace/events/lock.h) and
// the one bpf/core.bpf.c adds.
const (
	lcbRead        = 1 << 1
	lcbWrite       = 1 << 2
	lcbPercpu      = 1 << 4
	lcbMutex       = 1 << 5
	lkeyReaderOwns = 1 << 16
)

// lockKind names the kind of lock from contention_begin's flags.
func lockKind(flags uint32) string {
	switch {
	case flags&lcbMutex != 0:
		return model.LockMutex
	case flags&lcbPercpu != 0:
		return model.LockPercpu
	case flags&lcbWrite != 0:
		return model.LockRWSemWrite
	case flags&lcbRead != 0:
		return model.LockRWSemRead
	}
	return fmt.Sprintf("flags %#x", flags&0xffff)
}

// ownerState names a task state as ps does: D, R, or S for any other sleep.
func ownerState(state uint32) string {
	switch {
	case state&taskUninterruptible != 0 && state&taskNoload == 0:
		return "D"
	case state == 0:
		return "R"
	}
	return "S"
}

// Task state bits, as in bpf/core.bpf.c.
const (
	taskUninterruptible = 0x0002
	taskNoload          = 0x0400
)

type lRowKey struct {
	comm, site, lock, kind string
}

// lockOwner sums one owner's keys of a row: the waits it owned, and its
// state and site from its most frequent key.
type lockOwner struct {
	tid        uint32
	comm       string
	waits      uint64
	ns         uint64
	maxWaiters uint64
	readerOwns bool
	topCount   uint64 // waits of the key the state, site and chain come from
	state      string
	site       model.WaitSite
	chain      []model.LockHop
}

type lockAcc struct {
	row    model.LockWait // the waits with no owner known, and the row's names
	owners map[uint32]*lockOwner
}

// maxOwnerRows bounds the rows one waiter comm, wait site and lock gives
// per interval: the owners that held the lock for most waits get a row
// each, and the waits of the rest count as the owner-unknown row's.
const maxOwnerRows = 16

// collectLocks turns the kernel's lock waits into snap.Locks rows: per
// comm, wait site, lock and owner. The kernel keys each wait by the owner
// that held the lock when it began (or, when no one held it then, when the
// waiter went to sleep, or else the traced thread that took it after
// waiting while this wait went on), so every owner's waits and wait time
// are its own; owners that take turns (writers of one file) each get a
// row, and a reader adds the rows of one lock to find who held it for how
// long.
func (t *Tracer) collectLocks(snap *model.Snapshot) error {
	rows := make(map[lRowKey]*lockAcc)
	err := eachDelta(t.lhists, t.prevL, func(cur, last *coreLval) (coreLval, bool) {
		prev := *last
		if cur.Count < prev.Count { // the entry was recreated
			prev = coreLval{}
		}
		return coreLval{Count: cur.Count - prev.Count, SumNs: cur.SumNs - prev.SumNs, MaxWaiters: cur.MaxWaiters}, cur.Count != prev.Count
	}, func(k *coreLkey, d *coreLval) {
		rk := lRowKey{comm: threadName(&k.Comm), site: lockSite(t.site(k.StackId)),
			lock: fmt.Sprintf("%#x", k.Lock), kind: lockKind(k.Flags)}
		a := rows[rk]
		if a == nil {
			a = &lockAcc{row: model.LockWait{Comm: rk.comm, WaitSite: model.WaitSite(rk.site), Lock: rk.lock, Kind: rk.kind},
				owners: map[uint32]*lockOwner{}}
			rows[rk] = a
		}
		if k.OwnerTid == 0 {
			a.row.Waits += d.Count
			a.row.Time += time.Duration(d.SumNs)
			a.row.MaxWaiters = max(a.row.MaxWaiters, int(d.MaxWaiters))
			return
		}
		o := a.owners[k.OwnerTid]
		if o == nil {
			o = &lockOwner{tid: k.OwnerTid, comm: threadName(&k.OwnerComm)}
			a.owners[k.OwnerTid] = o
		}
		o.waits += d.Count
		o.ns += d.SumNs
		o.maxWaiters = max(o.maxWaiters, d.MaxWaiters)
		o.readerOwns = o.readerOwns || k.Flags&lkeyReaderOwns != 0
		if d.Count >= o.topCount {
			o.topCount = d.Count
			o.state = ownerState(k.OwnerState)
			o.site = ""
			if k.OwnerStackId >= 0 {
				o.site = model.WaitSite(t.site(k.OwnerStackId))
			}
			o.chain = t.lockChain(&k.Chain)
		}
	})
	if err != nil {
		return fmt.Errorf("read lhists: %w", err)
	}
	for _, a := range rows {
		snap.Locks = append(snap.Locks, a.rows()...)
	}
	slices.SortFunc(snap.Locks, func(a, b model.LockWait) int {
		return cmp.Or(cmp.Compare(b.Time, a.Time), strings.Compare(a.Lock, b.Lock),
			strings.Compare(string(a.WaitSite), string(b.WaitSite)), cmp.Compare(a.OwnerTID, b.OwnerTID))
	})
	return nil
}

// rows are a row's owners, most waits first (at most maxOwnerRows of
// them), then the waits whose owner is unknown or beyond the bound.
func (a *lockAcc) rows() []model.LockWait {
	owners := make([]*lockOwner, 0, len(a.owners))
	for _, o := range a.owners {
		owners = append(owners, o)
	}
	slices.SortFunc(owners, func(x, y *lockOwner) int {
		return cmp.Or(cmp.Compare(y.waits, x.waits), cmp.Compare(x.tid, y.tid))
	})
	rest := a.row
	out := make([]model.LockWait, 0, min(len(owners), maxOwnerRows)+1)
	for i, o := range owners {
		if i >= maxOwnerRows {
			rest.Waits += o.waits
			rest.Time += time.Duration(o.ns)
			rest.MaxWaiters = max(rest.MaxWaiters, int(o.maxWaiters))
			continue
		}
		r := a.row
		r.Waits, r.Time, r.MaxWaiters = o.waits, time.Duration(o.ns), int(o.maxWaiters)
		r.Owner, r.OwnerTID, r.ReaderOwned = o.comm, int(o.tid), o.readerOwns
		r.OwnerWaits, r.OwnerState, r.OwnerSite, r.Chain = o.waits, o.state, o.site, o.chain
		out = append(out, r)
	}
	if rest.Waits > 0 {
		out = append(out, rest)
	}
	return out
}

// lockChain names the hops of a key's wait-for chain, up to the first
// with no lock (nil when the owner waited on none).
func (t *Tracer) lockChain(c *[model.MaxLockChain]coreLhop) []model.LockHop {
	var hops []model.LockHop
	for i := range c {
		h := &c[i]
		if h.Lock == 0 {
			break
		}
		hop := model.LockHop{Lock: fmt.Sprintf("%#x", h.Lock), Kind: lockKind(h.Flags)}
		if h.OwnerTid != 0 {
			hop.Owner, hop.OwnerTID = threadName(&h.OwnerComm), int(h.OwnerTid)
			hop.ReaderOwned = h.Flags&lkeyReaderOwns != 0
			hop.OwnerState = ownerState(h.OwnerState)
			if h.OwnerStackId >= 0 {
				hop.OwnerSite = model.WaitSite(t.site(h.OwnerStackId))
			}
		}
		hops = append(hops, hop)
	}
	return hops
}

// lockSite is a lock wait's site starting at the lock's slow path: the
// stack comes from the waiter's switch into D when it slept (led by the
// scheduler call the slow path made, schedule_preempt_disabled or
// schedule) or from contention_end when it did not; both name one site.
func lockSite(site model.WaitSite) string {
	s := string(site)
	for {
		first, rest, ok := strings.Cut(s, ";")
		if !ok || !strings.HasPrefix(first, "schedule") {
			return s
		}
		s = rest
	}
}
