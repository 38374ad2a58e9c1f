package ebpf

import (
	"maps"
	"reflect"
	"testing"

	"github.com/nfstrace/nfstrace/internal/model"
)

// TestFileRows: the kernel's entries, one per file, generation and
// direction, are summed per file, busiest first, at most
// model.MaxTopFiles kept while Count and Ops hold them all.
func TestFileRows(t *testing.T) {
	keys := []nfsdFileKey{{Fh: 7, Write: 1}, {Fh: 9}, {Fh: 7}, {Fh: 3, Write: 1}}
	vals := []nfsdFileVal{{Ops: 10, Bytes: 40960}, {Ops: 4, Bytes: 400}, {Ops: 2, Bytes: 8192}, {Ops: 4, Bytes: 16}}
	got := fileRows(keys, vals, 5)
	want := &model.Files{Count: 3, Ops: 20, Lost: 5, Top: []model.FileIO{
		{FH: 7, Reads: 2, Writes: 10, ReadBytes: 8192, WriteBytes: 40960},
		{FH: 3, Writes: 4, WriteBytes: 16}, // ties broken by the hash
		{FH: 9, Reads: 4, ReadBytes: 400},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("fileRows:\n got %+v\nwant %+v", got, want)
	}

	keys, vals = nil, nil
	for i := range model.MaxTopFiles + 4 {
		keys = append(keys, nfsdFileKey{Fh: uint32(i), Write: 1})
		vals = append(vals, nfsdFileVal{Ops: uint64(i + 1), Bytes: 1})
	}
	got = fileRows(keys, vals, 0)
	n := model.MaxTopFiles + 4
	if got.Count != n || got.Ops != uint64(n*(n+1)/2) || len(got.Top) != model.MaxTopFiles || got.Top[0].FH != uint32(n-1) {
		t.Errorf("fileRows of %d files: count %d, ops %d, %d rows, busiest %d", n, got.Count, got.Ops, len(got.Top), got.Top[0].FH)
	}

	if got := fileRows(nil, nil, 0); got.Count != 0 || got.Ops != 0 || got.Top != nil {
		t.Errorf("fileRows of nothing = %+v, want an empty count", got)
	}
}

// TestPlanFileRecords: on the lab's kernels the records of nfsd_read_start
// and nfsd_write_start carry fh_hash and len where the programs read them;
// a record without either, or with another width, is refused.
func TestPlanFileRecords(t *testing.T) {
	for _, kernel := range []string{"6.1", "6.12"} {
		f := formats(t, kernel)
		for _, tp := range []string{"nfsd_read_start", "nfsd_write_start"} {
			p, err := planFileRecords(tp, f[tp])
			if err != nil || p != (fileRecordPlan{fhOff: 12, lenOff: 24}) {
				t.Errorf("%s %s: plan %+v, err %v; want fh_hash at 12, len at 24", kernel, tp, p, err)
			}
		}
	}
	good := formats(t, "6.12")["nfsd_write_start"]
	for name, mutate := range map[string]func(map[string]recordField){
		"no fh_hash":   func(f map[string]recordField) { delete(f, "fh_hash") },
		"no len":       func(f map[string]recordField) { delete(f, "len") },
		"wide fh_hash": func(f map[string]recordField) { f["fh_hash"] = recordField{Type: "u64", Offset: 12, Size: 8} },
	} {
		f := maps.Clone(good)
		mutate(f)
		if p, err := planFileRecords("nfsd_write_start", f); err == nil {
			t.Errorf("%s: plan %+v, want an error", name, p)
		}
	}
}
