package capture

import "github.com/nfstrace/nfstrace/internal/model"

// secHolders holds Snapshot.Holders, written only when there are rows.
// Added within version 1: older files lack it and read with Holders nil
// (unknown); older readers skip it as an unknown section.
const secHolders = 24

// The bits of a holder row's flags; readers ignore the others, which a
// later version may give a meaning that leaves the row's name and waits
// as they are.
const (
	holderKernel = 1 << 0 // CPUHolder.Kernel
	holderWork   = 1 << 1 // CPUHolder.Work
)

// appendHolders encodes the Holders rows: uvarint n, n x (str name,
// uvarint flags, uvarint count, uvarint ns).
func appendHolders(p []byte, rows []model.CPUHolder, st *strWriter) []byte {
	p = appendUvarint(p, uint64(len(rows)))
	for i := range rows {
		r := &rows[i]
		var flags uint64
		if r.Kernel {
			flags |= holderKernel
		}
		if r.Work {
			flags |= holderWork
		}
		p = appendUvarint(p, uint64(st.id(r.Name)))
		p = appendUvarint(p, flags)
		p = appendUvarint(p, r.Count)
		p = appendUvarint(p, r.SumNs)
	}
	return p
}

// decodeHolders decodes what appendHolders wrote.
func decodeHolders(sd *decoder, st *strReader) []model.CPUHolder {
	c := sd.rows(4, sizeHolder) // 4 uvarints
	if c == 0 {
		return nil
	}
	rows := make([]model.CPUHolder, c)
	for i := range rows {
		r := &rows[i]
		r.Name = st.str(sd)
		flags := sd.uvarint()
		r.Kernel, r.Work = flags&holderKernel != 0, flags&holderWork != 0
		r.Count = sd.uvarint()
		r.SumNs = sd.uvarint()
		if sd.err != nil {
			return nil
		}
	}
	return rows
}
