package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// labCaptures holds the real captures from the lab (testdata/captures/README.md).
const labCaptures = "../../testdata/captures"

// reportDigests lists, for every lab capture and a few flag sets, the
// SHA-256 of `report`'s output and of its --pprof file as the whole-capture
// implementation wrote them; the streaming one must write the same bytes.
const reportDigests = "testdata/report/digests.txt"

// reportFlagSets are the flags the digests cover: the default (one row per
// snapshot up to 60 rows), fixed steps, and the other sort orders.
var reportFlagSets = [][]string{
	nil,
	{"--step", "10s"},
	{"--step", "7s", "--sort", "wait-site"},
	{"--step", "1s", "--sort", "device"},
}

// TestReportLabDigests runs report on every lab capture, as a table, as
// JSON and with --pprof, and compares the SHA-256 of each output with reportDigests. Run with
// -update to rewrite the list after an intended change of the output.
func TestReportLabDigests(t *testing.T) {
	caps, err := filepath.Glob(filepath.Join(labCaptures, "*.nft"))
	if err != nil || len(caps) == 0 {
		t.Fatalf("no lab captures in %s (%v)", labCaptures, err)
	}
	got := map[string]string{}
	var keys []string
	for _, path := range caps {
		for _, flags := range reportFlagSets {
			for _, format := range []string{"table", "json"} {
				args := append(slices.Clone(flags), "--format", format, path)
				io, out, _ := testStdio()
				if err := runReport(context.Background(), io, args); err != nil {
					t.Fatalf("report %s: %v", strings.Join(args, " "), err)
				}
				sum := sha256.Sum256(out.Bytes())
				k := strings.Join(append(append([]string{filepath.Base(path)}, flags...), "--format", format), " ")
				got[k] = hex.EncodeToString(sum[:])
				keys = append(keys, k)
			}
		}
		// The off-CPU profile of the whole capture.
		pb := filepath.Join(t.TempDir(), "off.pb.gz")
		io, _, _ := testStdio()
		if err := runReport(context.Background(), io, []string{"--pprof", pb, path}); err != nil {
			t.Fatalf("report --pprof %s: %v", path, err)
		}
		b, err := os.ReadFile(pb)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		k := filepath.Base(path) + " --pprof"
		got[k] = hex.EncodeToString(sum[:])
		keys = append(keys, k)
	}
	if *update {
		var b strings.Builder
		for _, k := range keys {
			fmt.Fprintf(&b, "%s  %s\n", got[k], k)
		}
		if err := os.MkdirAll(filepath.Dir(reportDigests), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(reportDigests, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want := readDigests(t, reportDigests)
	for _, k := range keys {
		switch w, ok := want[k]; {
		case !ok:
			t.Errorf("report %s: no digest in %s (run go test -run TestReportLabDigests -update)", k, reportDigests)
		case w != got[k]:
			t.Errorf("report %s: output changed (sha256 %s, want %s)", k, got[k], w)
		}
	}
	if len(want) != len(keys) {
		t.Errorf("%s lists %d outputs, the test made %d", reportDigests, len(want), len(keys))
	}
}

// readDigests reads lines "HEX  KEY" into a map from KEY to HEX.
func readDigests(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestReportLabDigests -update)", err)
	}
	defer f.Close()
	m := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, key, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Fatalf("%s: bad line %q", path, sc.Text())
		}
		m[key] = sum
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return m
}
