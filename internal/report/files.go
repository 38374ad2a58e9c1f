package report

import (
	"fmt"

	"github.com/nfstrace/nfstrace/internal/model"
)

// FileRate is one of the files nfsd read and wrote most over the window.
type FileRate struct {
	FH         uint32  `json:"fh_hash"` // hash of the file handle, as nfsd's tracepoints print it
	ReadsPerS  float64 `json:"reads_per_s"`
	WritesPerS float64 `json:"writes_per_s"`
	Share      float64 `json:"share"` // of all reads and writes
	ReadBps    float64 `json:"read_bytes_per_s"`
	WriteBps   float64 `json:"write_bytes_per_s"`
}

// FilesSummary is how nfsd's reads and writes spread over files (eBPF).
type FilesSummary struct {
	// MostFiles is the most distinct files read or written in one interval.
	MostFiles int `json:"most_files"`
	// Busiest are the files with the most reads and writes, at most three.
	Busiest []FileRate `json:"busiest,omitempty"`
	// LostPerSec is the rate of reads and writes the kernel's table of
	// files had no room for.
	LostPerSec float64 `json:"lost_per_s,omitempty"`
}

// fileAcc sums model.Files over a window.
type fileAcc struct {
	counted bool
	ops     uint64
	lost    uint64
	most    int
	perFile model.FileTotals
}

func (a *fileAcc) add(f *model.Files) {
	if f == nil {
		return
	}
	a.counted = true
	a.ops += f.Ops
	a.lost += f.Lost
	a.most = max(a.most, f.Count)
	if a.perFile == nil {
		a.perFile = model.FileTotals{}
	}
	a.perFile.Add(f.Top)
}

// summary is nil when no interval counted files.
func (a *fileAcc) summary(sec float64) *FilesSummary {
	if !a.counted {
		return nil
	}
	s := &FilesSummary{MostFiles: a.most, LostPerSec: perSec(float64(a.lost), sec)}
	for _, r := range a.perFile.Busiest(3) {
		s.Busiest = append(s.Busiest, FileRate{FH: r.FH, ReadsPerS: perSec(float64(r.Reads), sec), WritesPerS: perSec(float64(r.Writes), sec),
			Share: float64(r.Ops()) / float64(max(a.ops, 1)), ReadBps: perSec(float64(r.ReadBytes), sec), WriteBps: perSec(float64(r.WriteBytes), sec)})
	}
	return s
}

// filesPart is the nfsd line's part on files: "reads and writes on 6
// files, busiest fh_hash 0x1a2b3c4d 40% (120 writes/s)".
func (n *NFSDSummary) filesPart() string {
	f := n.Files
	if f == nil || len(f.Busiest) == 0 {
		return ""
	}
	b := f.Busiest[0]
	what := fmt.Sprintf("%s reads/s", model.FormatCount(b.ReadsPerS))
	if b.WritesPerS >= b.ReadsPerS {
		what = fmt.Sprintf("%s writes/s", model.FormatCount(b.WritesPerS))
	}
	files := "files"
	if f.MostFiles == 1 {
		files = "file"
	}
	s := fmt.Sprintf("reads and writes on up to %d %s an interval, busiest fh_hash 0x%08x %s of them (%s)", f.MostFiles, files, b.FH, model.FormatPct(b.Share), what)
	if f.LostPerSec > 0 {
		s += fmt.Sprintf(", %s/s not counted (table full)", model.FormatCount(f.LostPerSec))
	}
	return s
}
