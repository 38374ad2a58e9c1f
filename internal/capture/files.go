package capture

import (
	"fmt"

	"github.com/nfstrace/nfstrace/internal/model"
)

// secFiles holds Snapshot.Files, written only when it is set. Added within
// version 1: older files lack it and read with Files nil; older readers
// skip it as an unknown section.
const secFiles = 25

// appendFiles encodes Snapshot.Files: uvarint count, ops and lost, then
// uvarint n and n x (uvarint fh, reads, writes, read bytes, write bytes).
func appendFiles(p []byte, f *model.Files) []byte {
	p = appendInt(p, f.Count)
	p = appendUvarint(p, f.Ops)
	p = appendUvarint(p, f.Lost)
	p = appendUvarint(p, uint64(len(f.Top)))
	for _, r := range f.Top {
		p = appendUvarint(p, uint64(r.FH))
		p = appendUvarint(p, r.Reads)
		p = appendUvarint(p, r.Writes)
		p = appendUvarint(p, r.ReadBytes)
		p = appendUvarint(p, r.WriteBytes)
	}
	return p
}

// decodeFiles decodes what appendFiles wrote. A file handle hash wider
// than 32 bits, or more rows than model.MaxTopFiles, is corrupt.
func decodeFiles(sd *decoder) *model.Files {
	if err := sd.bud.take(1, sizeFiles); err != nil {
		sd.fail(err)
		return nil
	}
	f := &model.Files{Count: sd.int(), Ops: sd.uvarint(), Lost: sd.uvarint()}
	c := sd.rows(5, sizeFileIO)
	if sd.err == nil && c > model.MaxTopFiles {
		sd.fail(fmt.Errorf("%d busiest files, more than %d", c, model.MaxTopFiles))
	}
	if sd.err != nil {
		return nil
	}
	if c > 0 {
		f.Top = make([]model.FileIO, c)
	}
	for i := range f.Top {
		r := &f.Top[i]
		fh := sd.uvarint()
		if sd.err == nil && fh > 1<<32-1 {
			sd.fail(fmt.Errorf("file handle hash %#x wider than 32 bits", fh))
		}
		r.FH = uint32(fh)
		r.Reads, r.Writes = sd.uvarint(), sd.uvarint()
		r.ReadBytes, r.WriteBytes = sd.uvarint(), sd.uvarint()
		if sd.err != nil {
			return nil
		}
	}
	return f
}
