package report

import (
	"strings"
	"testing"

	"github.com/nfstrace/nfstrace/internal/model"
)

// TestFilesPart: the files of two intervals are summed per file; the
// busiest is named with its share of all reads and writes, the busiest
// interval's count of files is kept, and nothing is said where no
// interval counted files.
func TestFilesPart(t *testing.T) {
	var a fileAcc
	a.add(&model.Files{Count: 3, Ops: 100, Top: []model.FileIO{{FH: 0xab, Writes: 60}, {FH: 2, Reads: 30}, {FH: 3, Reads: 10}}})
	a.add(&model.Files{Count: 2, Ops: 100, Lost: 10, Top: []model.FileIO{{FH: 2, Reads: 50}, {FH: 0xab, Writes: 50}}})
	a.add(nil)
	n := NFSDSummary{Files: a.summary(10)}
	f := n.Files
	if f.MostFiles != 3 || len(f.Busiest) != 3 || f.Busiest[0].FH != 0xab || f.Busiest[0].Share != 0.55 || f.Busiest[0].WritesPerS != 11 || f.LostPerSec != 1 {
		t.Fatalf("summary %+v", f)
	}
	want := "reads and writes on up to 3 files an interval, busiest fh_hash 0x000000ab 55% of them (11 writes/s), 1/s not counted (table full)"
	if got := n.filesPart(); got != want {
		t.Errorf("filesPart:\n got %q\nwant %q", got, want)
	}
	var one fileAcc
	one.add(&model.Files{Count: 1, Ops: 10, Top: []model.FileIO{{FH: 5, Reads: 10}}})
	if got := (&NFSDSummary{Files: one.summary(10)}).filesPart(); !strings.HasPrefix(got, "reads and writes on up to 1 file an interval, busiest fh_hash 0x00000005 100% of them (1 reads/s)") {
		t.Errorf("filesPart of one file: %q", got)
	}
	var none fileAcc
	none.add(nil)
	if s := none.summary(10); s != nil {
		t.Errorf("summary of no counted interval = %+v, want nil", s)
	}
	if p := (&NFSDSummary{}).filesPart(); p != "" || strings.Contains(p, "files") {
		t.Errorf("filesPart without files = %q", p)
	}
}
