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

// The waits-* captures the lab recorded (testdata/captures, lab/captures.sh)
// replayed through compare: cutting nfsd threads 8 → 1 behind the slow
// device is found in the queue layer with the thread count as its lead, and
// one shared file in the lock layer with its owner named.
func TestWaitsCaptures(t *testing.T) {
	dir := filepath.Join("..", "testdata", "captures")
	for _, k := range []string{"6.1", "6.12"} {
		for _, tc := range []struct {
			b     string
			cause string
			lead  string
		}{
			{"waits-few-threads", compare.CauseQueue, "nfsd threads 8 → 1"},
			{"waits-shared-file", compare.CauseLock, ""},
		} {
			t.Run(k+"/"+tc.b, func(t *testing.T) {
				pa := filepath.Join(dir, k+"-waits-base-v4.2.nft")
				pb := filepath.Join(dir, k+"-"+tc.b+"-v4.2.nft")
				for _, p := range []string{pa, pb} {
					if _, err := os.Stat(p); err != nil {
						testenv.Skip(t, "no lab capture "+p+" (lab/captures.sh records them)")
					}
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
				v := res.Verdict
				d := v.Diagnosis
				t.Logf("%s | LEAD %s", v.Summary, v.Lead)
				if d.Outcome != compare.OutcomeWorse || d.Cause != tc.cause {
					t.Errorf("outcome %q cause %q, want worse in %s", d.Outcome, d.Cause, tc.cause)
				}
				if tc.lead != "" && !strings.Contains(v.Lead, tc.lead) {
					t.Errorf("lead %q does not name %q", v.Lead, tc.lead)
				}
				if tc.cause == compare.CauseLock && (d.Owner == nil || !strings.Contains(v.Summary+" "+v.Lead, d.Owner.Comm)) {
					t.Errorf("lock owner %+v not named", d.Owner)
				}
			})
		}
	}
}
