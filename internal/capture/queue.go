package capture

import "github.com/nfstrace/nfstrace/internal/model"

// secQueue holds Snapshot.Queue, written only when there are rows. Added
// within version 1: older files lack it and read with no Queue rows.
const secQueue = 11

// appendQueue encodes the Queue rows: uvarint n, n x (uvarint pool, hist wait).
func appendQueue(p []byte, rows []model.PoolQueue) []byte {
	p = appendUvarint(p, uint64(len(rows)))
	for i := range rows {
		p = appendInt(p, rows[i].Pool)
		p = appendHist(p, &rows[i].Wait)
	}
	return p
}

// decodeQueue decodes what appendQueue wrote.
func decodeQueue(sd *decoder) []model.PoolQueue {
	c := sd.rows(5, sizeQueue)
	if c == 0 {
		return nil
	}
	rows := make([]model.PoolQueue, c)
	for i := range rows {
		rows[i].Pool = sd.int()
		sd.hist(&rows[i].Wait)
		if sd.err != nil {
			return nil
		}
	}
	return rows
}
