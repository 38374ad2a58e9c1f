package capture

import (
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
		p = appendUvarint(p, uint64(max(r.MaxWaiters, 0)))
		p = appendUvarint(p, uint64(st.id(r.Owner)))
		p = appendUvarint(p, uint64(max(r.OwnerTID, 0)))
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
