package capture

import (
	"fmt"
	"time"

	"github.com/nfstrace/nfstrace/internal/model"
)

// secLocks holds Snapshot.Locks, written only when there are rows. Added
// within version 1: older files lack it and read with no Locks rows.
const secLocks = 12

// appendLocks encodes the Locks rows: uvarint n, n x (str comm, str wait
// site, str lock, str kind, uvarint waits, uvarint time ns, uvarint max
// waiters, str owner, uvarint owner tid, byte reader owned, uvarint owner
// waits, str owner state, str owner site).
func appendLocks(p []byte, rows []model.LockWait, st *strWriter) []byte {
	p = appendUvarint(p, uint64(len(rows)))
	for i := range rows {
		r := &rows[i]
		for _, s := range []string{r.Comm, string(r.WaitSite), r.Lock, r.Kind} {
			p = appendUvarint(p, uint64(st.id(s)))
		}
		p = appendUvarint(p, r.Waits)
		p = appendUvarint(p, uint64(max(r.Time, 0)))
		p = appendInt(p, r.MaxWaiters)
		p = appendUvarint(p, uint64(st.id(r.Owner)))
		p = appendInt(p, r.OwnerTID)
		p = appendBool(p, r.ReaderOwned)
		p = appendUvarint(p, r.OwnerWaits)
		p = appendUvarint(p, uint64(st.id(r.OwnerState)))
		p = appendUvarint(p, uint64(st.id(string(r.OwnerSite))))
	}
	return p
}

// decodeLocks decodes what appendLocks wrote.
func decodeLocks(sd *decoder, st *strReader) []model.LockWait {
	c := sd.rows(13, sizeLock)
	if c == 0 {
		return nil
	}
	rows := make([]model.LockWait, c)
	for i := range rows {
		r := &rows[i]
		r.Comm = st.str(sd)
		r.WaitSite = model.WaitSite(st.str(sd))
		r.Lock = st.str(sd)
		r.Kind = st.str(sd)
		r.Waits = sd.uvarint()
		r.Time = time.Duration(sd.uvarint())
		r.MaxWaiters = sd.int()
		r.Owner = st.str(sd)
		r.OwnerTID = sd.int()
		r.ReaderOwned = sd.bool()
		r.OwnerWaits = sd.uvarint()
		r.OwnerState = st.str(sd)
		r.OwnerSite = model.WaitSite(st.str(sd))
		if sd.err != nil {
			return nil
		}
	}
	return rows
}

// secLockChains holds the Locks rows' wait-for chains, written only when a
// row has one. Added within version 1: older files lack it and read with
// no chains; older readers skip it as an unknown section.
const secLockChains = 19

func hasChain(rows []model.LockWait) bool {
	for i := range rows {
		if len(rows[i].Chain) > 0 {
			return true
		}
	}
	return false
}

// appendLockChains encodes the rows' chains: uvarint n (the rows), n x
// (uvarint hops, hops x (str lock, str kind, str owner, uvarint owner tid,
// byte reader owned, str owner state, str owner site)); rows keep at most
// model.MaxLockChain hops.
func appendLockChains(p []byte, rows []model.LockWait, st *strWriter) []byte {
	p = appendUvarint(p, uint64(len(rows)))
	for i := range rows {
		hops := rows[i].Chain[:min(len(rows[i].Chain), model.MaxLockChain)]
		p = appendUvarint(p, uint64(len(hops)))
		for j := range hops {
			h := &hops[j]
			for _, s := range []string{h.Lock, h.Kind, h.Owner} {
				p = appendUvarint(p, uint64(st.id(s)))
			}
			p = appendInt(p, h.OwnerTID)
			p = appendBool(p, h.ReaderOwned)
			p = appendUvarint(p, uint64(st.id(h.OwnerState)))
			p = appendUvarint(p, uint64(st.id(string(h.OwnerSite))))
		}
	}
	return p
}

// decodeLockChains decodes what appendLockChains wrote into rows, which
// must be the snapshot's Locks rows, already decoded: a count that differs,
// or a chain longer than model.MaxLockChain, is an error.
func decodeLockChains(sd *decoder, rows []model.LockWait, st *strReader) {
	if !sd.countOf(len(rows), "lock chains", "lock rows") {
		return
	}
	for i := range rows {
		n := sd.uvarint()
		if n == 0 {
			continue
		}
		if n > model.MaxLockChain {
			sd.fail(fmt.Errorf("lock chain of %d hops, more than %d", n, model.MaxLockChain))
			return
		}
		if err := sd.bud.take(int(n), sizeHop); err != nil {
			sd.fail(err)
			return
		}
		hops := make([]model.LockHop, n)
		for j := range hops {
			h := &hops[j]
			h.Lock = st.str(sd)
			h.Kind = st.str(sd)
			h.Owner = st.str(sd)
			h.OwnerTID = sd.int()
			h.ReaderOwned = sd.bool()
			h.OwnerState = st.str(sd)
			h.OwnerSite = model.WaitSite(st.str(sd))
		}
		if sd.err != nil {
			return
		}
		rows[i].Chain = hops
	}
}
