package capture

import "github.com/nfstrace/nfstrace/internal/model"

// secURing holds Snapshot.URing, written only when there are rows. Added
// within version 1: older files lack it and read with URing nil; older
// readers skip it as an unknown section.
const secURing = 21

// appendURing encodes the URing rows: uvarint n, n x (string id kind, hist).
func appendURing(p []byte, rows []model.URingLat, st *strWriter) []byte {
	p = appendUvarint(p, uint64(len(rows)))
	for i := range rows {
		p = appendUvarint(p, uint64(st.id(rows[i].Kind)))
		p = appendHist(p, &rows[i].Lat)
	}
	return p
}

// decodeURing decodes what appendURing wrote.
func decodeURing(sd *decoder, st *strReader) []model.URingLat {
	c := sd.rows(5, sizeURing)
	if c == 0 {
		return nil
	}
	rows := make([]model.URingLat, c)
	for i := range rows {
		rows[i].Kind = st.str(sd)
		sd.hist(&rows[i].Lat)
		if sd.err != nil {
			return nil
		}
	}
	return rows
}
