package capture

import (
	"time"

	"github.com/nfstrace/nfstrace/internal/model"
)

// secWakers holds Snapshot.Wakers, written only when there are rows. Added
// within version 1: older files lack it and read with no Wakers rows.
const secWakers = 13

// appendWakers encodes the Wakers rows: uvarint n, n x (str comm, str wait
// site, str waker, uvarint count, uvarint time ns).
func appendWakers(p []byte, rows []model.Waker, st *strWriter) []byte {
	p = appendUvarint(p, uint64(len(rows)))
	for i := range rows {
		r := &rows[i]
		p = appendUvarint(p, uint64(st.id(r.Comm)))
		p = appendUvarint(p, uint64(st.id(string(r.WaitSite))))
		p = appendUvarint(p, uint64(st.id(r.Waker)))
		p = appendUvarint(p, r.Count)
		p = appendUvarint(p, uint64(max(r.Time, 0)))
	}
	return p
}

// decodeWakers decodes what appendWakers wrote.
func decodeWakers(sd *decoder, st *strReader) []model.Waker {
	c := sd.rows(5, sizeWaker)
	if c == 0 {
		return nil
	}
	rows := make([]model.Waker, c)
	for i := range rows {
		r := &rows[i]
		r.Comm = st.str(sd)
		r.WaitSite = model.WaitSite(st.str(sd))
		r.Waker = st.str(sd)
		r.Count = sd.uvarint()
		r.Time = time.Duration(sd.uvarint())
		if sd.err != nil {
			return nil
		}
	}
	return rows
}
