package model

import (
	"cmp"
	"maps"
	"slices"
)

// MaxTopFiles bounds Files.Top: the busiest files an interval keeps.
const MaxTopFiles = 16

// Files is what nfsd read and wrote, per file, during an interval (eBPF, at
// the nfsd_read_start and nfsd_write_start tracepoints: one READ or WRITE
// of any NFS version each). Files are told apart by the hash of their file
// handle, the one nfsd's own tracepoints print as fh_hash. Snapshot.Files
// is nil where nothing counted them (procfs backend, kernels without the
// tracepoints, captures older than it).
type Files struct {
	// Count is the number of distinct files read or written.
	Count int `json:"count"`
	// Ops is the reads and writes of all files, those in Top and the rest.
	Ops uint64 `json:"ops"`
	// Top is the busiest files, most operations first, at most MaxTopFiles.
	Top []FileIO `json:"top,omitempty"`
	// Lost counts reads and writes not counted: the kernel's table of
	// files was full.
	Lost uint64 `json:"lost,omitempty"`
}

// FileIO is the reads and writes nfsd served on one file.
type FileIO struct {
	FH         uint32 `json:"fh_hash"`
	Reads      uint64 `json:"reads"`
	Writes     uint64 `json:"writes"`
	ReadBytes  uint64 `json:"read_bytes"`
	WriteBytes uint64 `json:"write_bytes"`
}

// Ops returns the file's reads and writes.
func (f FileIO) Ops() uint64 { return f.Reads + f.Writes }

// BusiestShare returns the share of the interval's reads and writes that
// went to its busiest file, and false when none were counted.
func (f *Files) BusiestShare() (float64, bool) {
	if f == nil || f.Ops == 0 || len(f.Top) == 0 {
		return 0, false
	}
	return min(float64(f.Top[0].Ops())/float64(f.Ops), 1), true
}

// SortBusiest orders files busiest first (most reads and writes), then by
// hash.
func SortBusiest(rows []FileIO) {
	slices.SortFunc(rows, func(a, b FileIO) int { return cmp.Or(cmp.Compare(b.Ops(), a.Ops()), cmp.Compare(a.FH, b.FH)) })
}

// FileTotals sums reads and writes per file over many intervals.
type FileTotals map[uint32]FileIO

// Add adds rows to the totals.
func (t FileTotals) Add(rows []FileIO) {
	for _, r := range rows {
		s := t[r.FH]
		s.FH = r.FH
		s.Reads += r.Reads
		s.Writes += r.Writes
		s.ReadBytes += r.ReadBytes
		s.WriteBytes += r.WriteBytes
		t[r.FH] = s
	}
}

// Busiest returns the files in SortBusiest's order, at most n of them.
func (t FileTotals) Busiest(n int) []FileIO {
	rows := slices.Collect(maps.Values(t))
	SortBusiest(rows)
	return rows[:min(len(rows), n)]
}
