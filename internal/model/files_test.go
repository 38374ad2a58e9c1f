package model

import (
	"reflect"
	"testing"
)

// TestFileTotals: rows of several intervals are summed per file; Busiest
// orders by reads and writes, ties by hash, and keeps at most n.
func TestFileTotals(t *testing.T) {
	tot := FileTotals{}
	tot.Add([]FileIO{{FH: 9, Writes: 3, WriteBytes: 30}, {FH: 4, Reads: 2, ReadBytes: 8}})
	tot.Add([]FileIO{{FH: 4, Writes: 1, WriteBytes: 5}, {FH: 1, Reads: 3}})
	want := []FileIO{{FH: 1, Reads: 3}, {FH: 4, Reads: 2, Writes: 1, ReadBytes: 8, WriteBytes: 5}}
	if got := tot.Busiest(2); !reflect.DeepEqual(got, want) {
		t.Errorf("Busiest(2) = %+v, want %+v", got, want)
	}
	if got := tot.Busiest(10); len(got) != 3 || got[2].FH != 9 {
		t.Errorf("Busiest(10) = %+v, want all three, 9 last", got)
	}
	if got := (FileTotals{}).Busiest(3); len(got) != 0 {
		t.Errorf("Busiest of nothing = %+v", got)
	}
}
