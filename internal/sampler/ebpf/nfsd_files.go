package ebpf

import (
	"errors"
	"fmt"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"

	"github.com/nfstrace/nfstrace/internal/model"
)

// Probes of the reads and writes per file (model.Files).
const (
	ProbeReadStart  = "nfsd:nfsd_read_start"
	ProbeWriteStart = "nfsd:nfsd_write_start"
)

// fileRecordPlan is where the programs of the reads and writes per file
// read a record of nfsd_read_start or nfsd_write_start.
type fileRecordPlan struct {
	fhOff  uint32 // u32 fh_hash
	lenOff uint32 // u32 len
}

// planFileRecords finds the fields the programs read in a record of
// tracepoint name: a 4-byte fh_hash and a 4-byte len.
func planFileRecords(name string, fields map[string]recordField) (fileRecordPlan, error) {
	var p fileRecordPlan
	for _, f := range []struct {
		name string
		off  *uint32
	}{{"fh_hash", &p.fhOff}, {"len", &p.lenOff}} {
		r, ok := fields[f.name]
		if !ok || r.Size != 4 || r.Offset == 0 {
			return p, fmt.Errorf("nfsd:%s has no 4-byte %s field", name, f.name)
		}
		*f.off = r.Offset
	}
	return p, nil
}

// fileProbe attaches the program that counts the reads (write false) or
// writes per file at their start tracepoint, reading its record by the
// offsets its format file gives.
func (l *nfsdLoader) fileProbe(write bool) model.Probe {
	probe, prog, tp := ProbeReadStart, nfsdProgNfsdFileRead, "nfsd_read_start"
	if write {
		probe, prog, tp = ProbeWriteStart, nfsdProgNfsdFileWrite, "nfsd_write_start"
	}
	fail := func(err error) model.Probe {
		return model.Probe{Name: probe, Status: model.ProbeUnavailable, Detail: "reads and writes per file: " + nfsdOneLine(err)}
	}
	tracefs, err := tracefsDir(l.sysfs)
	if err != nil {
		return fail(err)
	}
	fields, err := readFormat(tracefs, "nfsd", tp)
	if err != nil {
		return fail(err)
	}
	plan, err := planFileRecords(tp, fields)
	if err != nil {
		return fail(err)
	}
	p, err := l.programWith(prog, map[string]uint32{"io_fh_off": plan.fhOff, "io_len_off": plan.lenOff})
	if err != nil {
		return fail(err)
	}
	lk, err := link.Tracepoint("nfsd", tp, p, nil)
	if err != nil {
		return fail(fmt.Errorf("attach tracepoint %s: %w", tp, err))
	}
	l.n.links = append(l.n.links, lk)
	l.n.files = l.n.maps[nfsdMapNfsdFiles]
	return model.Probe{Name: probe, Status: model.ProbeAttached, Detail: "tracepoint record: reads and writes per file handle"}
}

// readFiles returns what nfsd read and wrote per file in generation gen,
// and deletes it from the kernel map; nil when no file probe attached.
// lost is the count of reads and writes the full map left out.
func (n *NFSD) readFiles(gen uint32, lost uint64) (*model.Files, error) {
	if n.files == nil {
		return nil, nil
	}
	n.fileKeys = n.fileKeys[:0]
	n.fileVals = n.fileVals[:0]
	var k nfsdFileKey
	var v nfsdFileVal
	it := n.files.Iterate()
	for it.Next(&k, &v) {
		if uint32(k.Gen) == gen {
			n.fileKeys = append(n.fileKeys, k)
			n.fileVals = append(n.fileVals, v)
		}
	}
	if err := it.Err(); err != nil {
		return nil, fmt.Errorf("read nfsd_files: %w", err)
	}
	for i := range n.fileKeys {
		if err := n.files.Delete(&n.fileKeys[i]); err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
			return nil, fmt.Errorf("delete from nfsd_files: %w", err)
		}
	}
	return fileRows(n.fileKeys, n.fileVals, lost), nil
}

// fileRows sums the kernel's entries (keys[i] with vals[i]) per file into
// an interval's Files.
func fileRows(keys []nfsdFileKey, vals []nfsdFileVal, lost uint64) *model.Files {
	f := &model.Files{Lost: lost}
	rows := make([]model.FileIO, len(keys))
	for i, k := range keys {
		r, v := &rows[i], &vals[i]
		r.FH = k.Fh
		if k.Write != 0 {
			r.Writes, r.WriteBytes = v.Ops, v.Bytes
		} else {
			r.Reads, r.ReadBytes = v.Ops, v.Bytes
		}
		f.Ops += v.Ops
	}
	byFH := make(model.FileTotals, len(keys))
	byFH.Add(rows)
	f.Count = len(byFH)
	if rows := byFH.Busiest(model.MaxTopFiles); len(rows) > 0 {
		f.Top = rows
	}
	return f
}
