package capture

import (
	"time"

	"github.com/nfstrace/nfstrace/internal/model"
)

// secRun holds Snapshot.Run, written only when there are rows. Added within
// version 1: older files lack it and read with no Run rows.
const secRun = 10

// appendRun encodes the Run rows: uvarint n, n x (str comm, str op, str
// client, uvarint threads, hist runnable, uvarint on-CPU ns).
func appendRun(p []byte, rows []model.Run, st *strWriter) []byte {
	p = appendUvarint(p, uint64(len(rows)))
	for i := range rows {
		r := &rows[i]
		p = appendUvarint(p, uint64(st.id(r.Comm)))
		p = appendUvarint(p, uint64(st.id(r.Op)))
		p = appendUvarint(p, uint64(st.id(r.Client)))
		p = appendUvarint(p, uint64(r.Threads))
		p = appendHist(p, &r.Runnable)
		p = appendUvarint(p, uint64(max(r.OnCPU, 0)))
	}
	return p
}

// decodeRun decodes what appendRun wrote.
func decodeRun(sd *decoder, st *strReader) []model.Run {
	c := sd.rows(9, sizeRun) // 4 uvarints, a hist of at least 4, on-CPU
	if c == 0 {
		return nil
	}
	rows := make([]model.Run, c)
	for i := range rows {
		r := &rows[i]
		r.Comm = st.str(sd)
		r.Op = st.str(sd)
		r.Client = st.str(sd)
		r.Threads = sd.int()
		sd.hist(&r.Runnable)
		r.OnCPU = time.Duration(sd.uvarint())
		if sd.err != nil {
			return nil
		}
	}
	return rows
}
