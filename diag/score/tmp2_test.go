package score

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/nfstrace/nfstrace/internal/compare"
)

func TestTmpUnits(t *testing.T) {
	dir := os.Getenv("DIAG_DIR")
	if dir == "" {
		t.Skip()
	}
	ps, _ := Pairs(dir)
	for _, p := range ps {
		if p.Null {
			continue
		}
		if _, err := os.Stat(p.B); err != nil {
			continue
		}
		a, _ := compare.Load(context.Background(), p.A, false)
		b, _ := compare.Load(context.Background(), p.B, false)
		res, _ := compare.Compare(a, b, compare.Options{})
		var tf struct {
			Captures []struct {
				File string
				Fio  map[string]json.RawMessage
			}
		}
		raw, _ := os.ReadFile(filepath.Join(filepath.Dir(p.A), "truth.json"))
		json.Unmarshal(raw, &tf)
		clat := map[string]float64{}
		for _, c := range tf.Captures {
			for _, dir := range []string{"read", "write"} {
				var x struct{ Clat_mean_us float64 }
				if r, ok := c.Fio[dir]; ok {
					json.Unmarshal(r, &x)
					clat[c.File] += x.Clat_mean_us
				}
			}
		}
		fr := clat[filepath.Base(p.B)] / clat[filepath.Base(p.A)]
		d := res.Verdict.Diagnosis
		fmt.Printf("%-40s %-6s fio clat x%.2f  ours x%.2f p=%.3f %s %s\n", p.Name(), d.Per, fr, d.Change.Ratio, d.Change.P, d.Outcome, d.Cause)
	}
}
