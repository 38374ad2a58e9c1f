package lab_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nfstrace/nfstrace/internal/compare"
	"github.com/nfstrace/nfstrace/internal/testenv"
)

// The waits-* captures the lab recorded (testdata/captures, SERIES-SCENARIO-
// vVERSION.nft) replayed through compare, on every kernel series they were
// recorded on: cutting nfsd threads 8 → 1 behind the slow device is found
// in the queue layer with the thread change named, and one shared file adds
// lock wait that compare finds (naming its owner where it leads).
func TestWaitsCaptures(t *testing.T) {
	dir := filepath.Join("..", "testdata", "captures")
	bases, err := filepath.Glob(filepath.Join(dir, "*-waits-base-v4.2.nft"))
	if err != nil {
		t.Fatal(err)
	}
	if len(bases) == 0 {
		testenv.Skip(t, "no waits-base lab capture in "+dir+" (lab/captures.sh waits-base,waits-few-threads,waits-shared-file records them)")
	}
	for _, pa := range bases {
		series := strings.TrimSuffix(filepath.Base(pa), "-waits-base-v4.2.nft")
		for _, tc := range []struct {
			b     string
			check func(*compare.Result) error
		}{
			{"waits-few-threads", func(r *compare.Result) error { return queueNamed(r, "nfsd threads 8 → 1") }},
			{"waits-shared-file", lockFound},
		} {
			t.Run(series+"/"+tc.b, func(t *testing.T) {
				pb := filepath.Join(dir, series+"-"+tc.b+"-v4.2.nft")
				if _, err := os.Stat(pb); err != nil {
					t.Fatalf("%s has no %s to compare with: %v", pa, tc.b, err)
				}
				a, err := compare.Load(context.Background(), pa, false)
				if err != nil {
					t.Fatal(err)
				}
				b, err := compare.Load(context.Background(), pb, false)
				if err != nil {
					t.Fatal(err)
				}
				res, err := compare.Compare(a, b, compare.Options{})
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("%s | LEAD %s", res.Verdict.Summary, res.Verdict.Lead)
				if err := tc.check(res); err != nil {
					t.Error(err)
				}
			})
		}
	}
}
