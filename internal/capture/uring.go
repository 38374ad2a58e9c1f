package capture

import "github.com/nfstrace/nfstrace/internal/model"

// secURing holds Snapshot.URing, written only when there are rows. Added
// within version 1: older files lack it and read with URing nil; older
// readers skip it as an unknown section.
const secURing = 21

// secAIO holds Snapshot.AIO, as secURing holds URing. Added within version
// 1 likewise.
const secAIO = 22

// appendURing encodes the URing (or AIO) rows: uvarint n, n x (string id kind, hist).
func appendURing(p []byte, rows []model.AsyncLat, st *strWriter) []byte {
	p = appendUvarint(p, uint64(len(rows)))
	for i := range rows {
		p = appendUvarint(p, uint64(st.id(rows[i].Kind)))
		p = appendHist(p, &rows[i].Lat)
	}
	return p
}

// decodeURing decodes what appendURing wrote.
func decodeURing(sd *decoder, st *strReader) []model.AsyncLat {
	c := sd.rows(5, sizeURing)
	if c == 0 {
		return nil
	}
	rows := make([]model.AsyncLat, c)
	for i := range rows {
		rows[i].Kind = st.str(sd)
		sd.hist(&rows[i].Lat)
		if sd.err != nil {
			return nil
		}
	}
	return rows
}
