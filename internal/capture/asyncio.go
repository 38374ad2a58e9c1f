package capture

import "github.com/nfstrace/nfstrace/internal/model"

// secAsyncIO holds Snapshot.AsyncIO, written only when there are rows: the
// rows of appendDRows, then the string id of each row's client. Added
// within version 1: older files lack it and read with AsyncIO nil; older
// readers skip it as an unknown section, so they never count these
// interruptible sleeps as D state.
const secAsyncIO = 18

func appendAsyncIO(p []byte, rows []model.DState, st *strWriter) []byte {
	p = appendDRows(p, rows, st)
	for i := range rows {
		p = appendUvarint(p, uint64(st.id(rows[i].Client)))
	}
	return p
}

func decodeAsyncIO(sd *decoder, st *strReader) []model.DState {
	rows := decodeDRows(sd, st)
	for i := range rows {
		if sd.err != nil {
			return nil
		}
		rows[i].Client = st.str(sd)
	}
	if sd.err != nil {
		return nil
	}
	return rows
}
