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

type lockAcc struct {
	row    model.LockWait
	owners map[uint32]*model.LockWait // per owner tid: its waits, state, site
}

// collectLocks turns the kernel's lock waits into snap.Locks rows: per
// comm, wait site and lock, with the owner that held it for most waits.
func (t *Tracer) collectLocks(snap *model.Snapshot) error {
	rows := make(map[lRowKey]*lockAcc)
	err := eachDelta(t.lhists, t.prevL, func(cur, last *coreLval) (coreLval, bool) {
		prev := *last
		if cur.Count < prev.Count { // the entry was recreated
			prev = coreLval{}
		}
		return coreLval{Count: cur.Count - prev.Count, SumNs: cur.SumNs - prev.SumNs, MaxWaiters: cur.MaxWaiters}, cur.Count != prev.Count
	}, func(k *coreLkey, d *coreLval) {
		rk := lRowKey{comm: string(int8s(&k.Comm)), site: lockSite(t.site(k.StackId)),
			lock: fmt.Sprintf("%#x", k.Lock), kind: lockKind(k.Flags)}
		a := rows[rk]
		if a == nil {
			a = &lockAcc{row: model.LockWait{Comm: rk.comm, WaitSite: model.WaitSite(rk.site), Lock: rk.lock, Kind: rk.kind},
				owners: map[uint32]*model.LockWait{}}
			rows[rk] = a
		}
		a.row.Waits += d.Count
		a.row.Time += time.Duration(d.SumNs)
		a.row.MaxWaiters = max(a.row.MaxWaiters, int(d.MaxWaiters))
		if k.OwnerTid == 0 {
			return
		}
		o := a.owners[k.OwnerTid]
		if o == nil {
			o = &model.LockWait{Owner: string(int8s(&k.OwnerComm)), OwnerTID: int(k.OwnerTid)}
			a.owners[k.OwnerTid] = o
		}
		o.OwnerWaits += d.Count
		o.ReaderOwned = o.ReaderOwned || k.Flags&lkeyReaderOwns != 0
		// The state of the owner's most frequent key wins: one per owner.
		if d.Count >= o.Waits {
			o.Waits = d.Count
			o.OwnerState = ownerState(k.OwnerState)
			o.OwnerSite = ""
			if k.OwnerStackId >= 0 {
				o.OwnerSite = t.site(k.OwnerStackId)
			}
		}
	})
	if err != nil {
		return fmt.Errorf("read lhists: %w", err)
	}
	for _, a := range rows {
		r := a.row
		var top *model.LockWait
		for _, o := range a.owners {
			if top == nil || o.OwnerWaits > top.OwnerWaits || (o.OwnerWaits == top.OwnerWaits && o.OwnerTID < top.OwnerTID) {
				top = o
			}
		}
		if top != nil {
			r.Owner, r.OwnerTID, r.ReaderOwned = top.Owner, top.OwnerTID, top.ReaderOwned
			r.OwnerWaits, r.OwnerState, r.OwnerSite = top.OwnerWaits, top.OwnerState, top.OwnerSite
		}
		snap.Locks = append(snap.Locks, r)
	}
	slices.SortFunc(snap.Locks, func(a, b model.LockWait) int {
		return cmp.Or(cmp.Compare(b.Time, a.Time), strings.Compare(a.Lock, b.Lock), strings.Compare(string(a.WaitSite), string(b.WaitSite)))
	})
	return nil
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
