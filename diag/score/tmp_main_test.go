package score

import (
	"context"
	"fmt"
	"os"
	"testing"
)

func TestTmpScore(t *testing.T) {
	dir := os.Getenv("DIAG_DIR")
	if dir == "" {
		t.Skip()
	}
	ps, err := Pairs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("DIAG_LAB") != "" {
		lp, err := LabPairs("../../testdata/diagnosis/lab/pairs.json")
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, lp...)
	}
	var ok []Pair
	for _, p := range ps {
		if _, e1 := os.Stat(p.A); e1 == nil {
			if _, e2 := os.Stat(p.B); e2 == nil {
				ok = append(ok, p)
			}
		}
	}
	rs, err := Run(context.Background(), ok)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		fmt.Printf("%-55s truth=%-10s pred=%-10s aside=%-10s %s\n", r.Name(), r.Truth, r.Predicted, r.Aside, r.Summary)
	}
}
