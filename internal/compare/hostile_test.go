package compare

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/capture"
	"github.com/nfstrace/nfstrace/internal/hostile"
	"github.com/nfstrace/nfstrace/internal/model"
)

// hostilePair builds two captures of the synthetic server from seed, as
// nfsd or as threads without NFS operations (their read and write calls
// counted), some of them short, some out of order, with hostile values
// here and there, and writes them to dir.
func hostilePair(t testing.TB, dir string, seed uint64) [2]string {
	r := rand.New(rand.NewPCG(seed, 7))
	sc := baseline()
	sc.sites = []siteSpec{{frames: frames(siteCommit), op: "COMMIT", prob: 1, block: true, perIO: true}, {frames: frames(siteRwsem), op: "WRITE", prob: 0.2, median: time.Millisecond}}
	threads := r.IntN(2) == 0
	var paths [2]string
	for i := range paths {
		sc.n, sc.seed = 1+r.IntN(14), seed*2+uint64(i)
		if i == 1 && r.IntN(2) == 0 {
			sc.svc *= 4
		}
		snaps := sc.snapshots()
		for _, s := range snaps {
			if threads {
				s.Host.NFSD.Ops, s.RPC = nil, nil
				s.Calls = &model.Calls{Reads: r.Uint64N(5000), ReadBytes: r.Uint64N(1 << 30), Threads: 4, CPU: &model.ThreadCPU{UserNs: r.Uint64N(1e9), SysNs: r.Uint64N(1e9)}}
				s.Submits = &model.Submits{AIO: r.Uint64N(1e5), URing: r.Uint64N(1e5)}
			}
			hostile.Perturb(r, reflect.ValueOf(s), 0.02)
		}
		if r.IntN(4) == 0 {
			r.Shuffle(len(snaps), func(a, b int) { snaps[a], snaps[b] = snaps[b], snaps[a] })
		}
		paths[i] = filepath.Join(dir, []string{"a.nft", "b.nft"}[i])
		w, err := capture.Create(paths[i], capture.Meta{ToolVersion: "test", Config: sc.config(), Interval: time.Second}, capture.Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range snaps {
			if err := w.WriteSnapshot(s); err != nil {
				t.Fatalf("write: %v", err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return paths
}

// checkHostileCompare compares the pair hostilePair builds from seed, and
// the first capture with itself: loading and comparing end with a result
// or a one-line error, the result renders as a table and as JSON, and its
// verdict is one line. It returns how many comparisons gave a result.
func checkHostileCompare(t *testing.T, seed uint64) (compared int) {
	paths := hostilePair(t, t.TempDir(), seed)
	for _, pair := range [][2]string{paths, {paths[0], paths[0]}} {
		var caps [2]*Capture
		for i, p := range pair {
			c, err := Load(context.Background(), p, true)
			if err != nil {
				if strings.Contains(err.Error(), "\n") {
					t.Fatalf("seed %d: multi-line error %q", seed, err)
				}
				return compared
			}
			caps[i] = c
		}
		res, err := Compare(caps[0], caps[1], Options{})
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("seed %d: multi-line error %q", seed, err)
			}
			continue
		}
		var out bytes.Buffer
		if err := res.Render(&out, RenderOptions{Details: true, Width: 100}); err != nil {
			t.Fatalf("seed %d: render: %v", seed, err)
		}
		out.Reset()
		if err := res.WriteJSON(&out); err != nil {
			t.Fatalf("seed %d: JSON: %v", seed, err)
		}
		if !json.Valid(out.Bytes()) {
			t.Fatalf("seed %d: invalid JSON", seed)
		}
		if strings.Contains(res.Verdict.Summary, "\n") || strings.Contains(res.Verdict.Lead, "\n") {
			t.Fatalf("seed %d: verdict of more than one line: %q %q", seed, res.Verdict.Summary, res.Verdict.Lead)
		}
		compared++
	}
	return compared
}

// TestHostileCompare runs a fixed set of seeds, the bounded run of
// `make test`; FuzzCompare explores further:
// go test -fuzz FuzzCompare ./internal/compare
func TestHostileCompare(t *testing.T) {
	n := uint64(80)
	if testing.Short() {
		n = 10
	}
	compared := 0
	for seed := range n {
		compared += checkHostileCompare(t, seed)
	}
	// The hostile values are mostly read (as 0 where out of bounds): most
	// runs must reach a comparison, or they test nothing past the reader.
	if compared < int(n) {
		t.Errorf("%d of %d comparisons gave a result", compared, 2*n)
	}
}

func FuzzCompare(f *testing.F) {
	for _, seed := range []uint64{0, 1, 2, 99, math.MaxUint64} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, seed uint64) {
		checkHostileCompare(t, seed)
	})
}
