package compare

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestGolden keeps the text and JSON of two comparisons of simulated
// captures in testdata, so that a change of the output is seen in review:
// the incident (a lock above the block layer after a kernel upgrade) and
// two recordings of one load. Run with -update to accept a change.
func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(sc *scenario)
	}{
		{"kernel-lock", func(sc *scenario) {
			sc.seed = 4
			sc.kernel = "6.12.9-cloud-amd64"
			sc.sites[2].prob = 0.6
			sc.sites[2].median = 15 * time.Millisecond
		}},
		{"same-load", func(sc *scenario) { sc.seed = 7 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := baseline(), baseline()
			tc.change(&b)
			res, err := Compare(a.capture("before.cap"), b.capture("after.cap"), Options{})
			if err != nil {
				t.Fatal(err)
			}
			var txt, js bytes.Buffer
			if err := res.Render(&txt, RenderOptions{Details: true}); err != nil {
				t.Fatal(err)
			}
			if err := res.WriteJSON(&js); err != nil {
				t.Fatal(err)
			}
			for ext, got := range map[string][]byte{".txt": txt.Bytes(), ".json": js.Bytes()} {
				path := filepath.Join("testdata", tc.name+ext)
				if *update {
					if err := os.WriteFile(path, got, 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run with -update to create it)", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s differs from the output (run with -update to accept):\n%s", path, got)
				}
			}
		})
	}
}
