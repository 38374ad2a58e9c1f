package capture

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nfstrace/nfstrace/internal/model"
)

// seedCaptures are the well-formed starting points of the fuzzer.
func seedCaptures(t testing.TB) map[string][]byte {
	one := fullSnapshot(0)
	one.Events = events(30, 0)
	one.Host.Changes = []model.SchedChange{{Time: ts(5), Device: "vda", From: "none", To: "bfq"}}
	two := fullSnapshot(1)
	two.Events = events(3, 1e9)
	two.Host.Cgroups = map[string]string{"/bench memory.max": "16777216"}
	return map[string][]byte{
		"clean":     writeCapture(t, []*model.Snapshot{one, two}, true),
		"no-footer": writeCapture(t, []*model.Snapshot{one}, false),
		"empty":     writeCapture(t, nil, true),
		"zero":      writeCapture(t, []*model.Snapshot{{}}, true),
	}
}

// TestWriteFuzzCorpus refreshes testdata/fuzz/FuzzReader from the seed
// captures when NFSTRACE_WRITE_CORPUS=1; otherwise it checks that the
// committed corpus still holds every seed.
func TestWriteFuzzCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzReader")
	for name, data := range seedCaptures(t) {
		path := filepath.Join(dir, "seed-"+name)
		content := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", data)
		if os.Getenv("NFSTRACE_WRITE_CORPUS") == "1" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if _, err := os.Stat(path); err != nil {
			t.Errorf("fuzz corpus lacks %s (run with NFSTRACE_WRITE_CORPUS=1): %v", path, err)
		}
	}
}

// FuzzReader feeds the reader arbitrary bytes: it must return errors, never
// panic or loop, and its errors and notes must be one line each.
func FuzzReader(f *testing.F) {
	for _, data := range seedCaptures(f) {
		f.Add(data)
	}
	f.Add([]byte(Magic))
	crafted, err := filepath.Glob(filepath.Join(hostileDir, "*.nft"))
	if err != nil {
		f.Fatal(err)
	}
	for _, path := range crafted {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, opts := range []ReadOptions{{}, {Salvage: true}, {SkipEvents: true}} {
			r, err := NewReader(bytes.NewReader(data), int64(len(data)), opts)
			if err != nil {
				if strings.Contains(err.Error(), "\n") {
					t.Fatalf("multi-line error %q", err)
				}
				return
			}
			for i := 0; ; i++ {
				if i > len(data) {
					t.Fatalf("%d snapshots from %d bytes: the reader loops", i, len(data))
				}
				_, err := r.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					if strings.Contains(err.Error(), "\n") {
						t.Fatalf("multi-line error %q", err)
					}
					break
				}
			}
			for _, n := range r.Notes() {
				if strings.Contains(n, "\n") {
					t.Fatalf("multi-line note %q", n)
				}
			}
			r.Close()
		}
	})
}
