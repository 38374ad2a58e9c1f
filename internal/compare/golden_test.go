package compare

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/texttable"
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

// TestRenderFits: at a terminal's width every line of the comparison, the
// tables under --details included, fits it, the tables leaving out their
// most expendable columns; a file or a pipe (width 0) keeps every column.
// The pairs are real: a lab writeback pair with long names and lock
// owners, and an incident-like simulated one with long wait sites.
func TestRenderFits(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "diagnosis", "lab-heldout14", "captures")
	lab := compareFiles(t, filepath.Join(dir, "6.12-ref-v3-direct-1m-2-mounts-8ms-1.nft"), filepath.Join(dir, "6.12-writeback-v3-direct-1m-256k-dirty.nft"))
	sa, sb := baseline(), baseline()
	sb.seed, sb.kernel = 4, "6.12.9-cloud-amd64"
	sb.sites[2].prob, sb.sites[2].median = 0.6, 15*time.Millisecond
	sim, err := Compare(sa.capture("before.cap"), sb.capture("after.cap"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for name, res := range map[string]*Result{"lab": lab, "simulated": sim} {
		for _, width := range []int{60, 80, 100, 132} {
			for _, details := range []bool{false, true} {
				var out bytes.Buffer
				if err := res.Render(&out, RenderOptions{Details: details, Width: width}); err != nil {
					t.Fatal(err)
				}
				for i, l := range strings.Split(out.String(), "\n") {
					if texttable.Width(l) > width {
						t.Errorf("%s at %d columns (details %v): line %d has %d: %q", name, width, details, i+1, texttable.Width(l), l)
					}
				}
				if details && width == 60 && strings.Contains(out.String(), "  RANGE") {
					t.Errorf("%s at 60 columns kept the ranges", name)
				}
			}
		}
		var whole bytes.Buffer
		if err := res.Render(&whole, RenderOptions{Details: true}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(whole.String(), "P90  RANGE") {
			t.Errorf("%s to a file left out columns", name)
		}
	}
}
