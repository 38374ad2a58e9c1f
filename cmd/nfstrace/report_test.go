package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"

	"github.com/nfstrace/nfstrace/internal/capture"
	"github.com/nfstrace/nfstrace/internal/hostile"
	"github.com/nfstrace/nfstrace/internal/model"
	"math/rand/v2"
	"reflect"
)

const reportSite = "rwsem_down_write_slowpath;ext4_file_write_iter;nfsd_vfs_write"

// reportSnapshots are n seconds of a server whose nfsd threads wait on one rwsem.
func reportSnapshots(n int) []*model.Snapshot {
	var out []*model.Snapshot
	base := time.Unix(1_764_000_000, 0)
	for i := range n {
		var h model.Hist
		for range 10 {
			h.Add(uint64(800 * time.Millisecond))
		}
		var svc model.Hist
		svc.Add(uint64(4 * time.Millisecond))
		out = append(out, &model.Snapshot{
			Start: base.Add(time.Duration(i) * time.Second),
			End:   base.Add(time.Duration(i+1) * time.Second),
			Host: model.Host{
				Load:    model.Load{Avg1: 60, Running: 2, InD: 58},
				NFSD:    model.NFSD{Running: true, Threads: 64, ThreadsInD: 58},
				Devices: []model.Device{{Name: "sda", Scheduler: "mq-deadline", WriteIOPS: 3900, AwaitMs: 3.8, Util: 0.9}},
			},
			DState: []model.DState{{Comm: "nfsd", WaitSite: reportSite, Device: model.NotBlockIO, Op: "WRITE", Threads: 17, Hist: h}},
			Block:  []model.Block{{Device: "sda", Scheduler: "mq-deadline", Op: "write", Size: "4K", Service: svc}},
			Events: []model.DEvent{{Start: base.UnixNano(), Dur: 8e8, TID: 7, PID: 7, Comm: "nfsd", Site: reportSite}},
		})
	}
	return out
}

func writeReportCapture(t *testing.T, snaps []*model.Snapshot, closeIt bool) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "r.cap")
	cfg := model.Config{Hostname: "labstore1004", KernelRelease: "4.9.0-0.bpo.3-amd64", Backend: model.Backend{Name: "ebpf", Detail: "ebpf (ring buffer)"}, Start: snaps[0].Start}
	w, err := capture.Create(path, capture.Meta{ToolVersion: "test", Config: cfg}, capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range snaps {
		if err := w.WriteSnapshot(s); err != nil {
			t.Fatal(err)
		}
	}
	if closeIt {
		err = w.Close()
	} else {
		err = w.Flush()
	}
	if err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReportTableAndJSON(t *testing.T) {
	path := writeReportCapture(t, reportSnapshots(5), true)

	io, out, errb := testStdio()
	if err := runReport(context.Background(), io, []string{path}); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{"nfstrace report " + path, "labstore1004", "rwsem_down_write_slowpath", "sda"} {
		if !strings.Contains(text, want) {
			t.Errorf("table lacks %q:\n%s", want, text)
		}
	}
	if errb.Len() != 0 {
		t.Errorf("stderr on a clean capture: %q", errb.String())
	}

	io, out, _ = testStdio()
	if err := runReport(context.Background(), io, []string{path, "--format", "json"}); err != nil {
		t.Fatal(err)
	}
	var sum struct {
		Overall json.RawMessage   `json:"overall"`
		Series  []json.RawMessage `json:"series"`
	}
	if err := json.Unmarshal(out.Bytes(), &sum); err != nil {
		t.Fatalf("JSON output: %v", err)
	}
	if len(sum.Series) != 5 || len(sum.Overall) == 0 {
		t.Errorf("JSON has %d series rows (want 5) and overall %d bytes", len(sum.Series), len(sum.Overall))
	}
}

func TestReportPprof(t *testing.T) {
	path := writeReportCapture(t, reportSnapshots(3), true)
	out := filepath.Join(t.TempDir(), "off.pb.gz")
	io, _, _ := testStdio()
	if err := runReport(context.Background(), io, []string{"--pprof", out, path}); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := profile.Parse(f)
	if err != nil {
		t.Fatalf("pprof output does not parse: %v", err)
	}
	var count, ns int64
	for _, s := range p.Sample {
		count += s.Value[0]
		ns += s.Value[1]
	}
	// 3 snapshots, each with 10 waits of 800 ms
	if count != 30 || ns != int64(30*800*time.Millisecond) {
		t.Errorf("profile holds %d waits, %d ns; want 30 and %d", count, ns, int64(30*800*time.Millisecond))
	}
	if p.SampleType[0].Type != "count" || p.SampleType[1].Type != "delay" {
		t.Errorf("sample types %v %v, want count and delay", p.SampleType[0], p.SampleType[1])
	}
	if len(p.Sample) == 0 {
		t.Error("empty profile")
	}
}

// TestReportPprofOverwrite: --pprof follows record's rules: mode 0600, no
// overwrite without --force, never through a symbolic link.
func TestReportPprofOverwrite(t *testing.T) {
	path := writeReportCapture(t, reportSnapshots(2), true)
	dir := t.TempDir()
	existing := filepath.Join(dir, "old.pb.gz")
	victim := filepath.Join(dir, "victim")
	link := filepath.Join(dir, "link.pb.gz")
	for _, p := range []string{existing, victim} {
		if err := os.WriteFile(p, []byte("keep"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(victim, link); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args    []string
		wantErr string // "" : the profile is written
	}{
		{[]string{"--pprof", existing}, "report: --pprof: " + existing + ": file exists (use --force to overwrite)"},
		{[]string{"--pprof", link}, "report: --pprof: " + link + ": file exists (use --force to overwrite)"},
		{[]string{"--pprof", link, "--force"}, "report: --pprof: " + link + " is a symbolic link; not following it (remove it or write elsewhere)"},
		{[]string{"--pprof", existing, "--force"}, ""},
	}
	for _, tt := range tests {
		io, out, _ := testStdio()
		err := runReport(context.Background(), io, append(tt.args, path))
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("report %q: %v, want %q", tt.args, err, tt.wantErr)
			}
			if out.Len() != 0 {
				t.Errorf("report %q printed a report before refusing its output", tt.args)
			}
			continue
		}
		if err != nil {
			t.Fatalf("report %q: %v", tt.args, err)
		}
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep" {
		t.Errorf("victim changed: %q", b)
	}
	if st, err := os.Stat(victim); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("victim re-moded: %v (%v)", st.Mode(), err)
	}
	st, err := os.Stat(existing)
	if err != nil || st.Mode().Perm() != 0o600 || st.Size() <= 4 {
		t.Errorf("forced profile: mode %v size %d (%v), want 0600 and a profile", st.Mode(), st.Size(), err)
	}
}

func TestReportDamagedFiles(t *testing.T) {
	snaps := reportSnapshots(4)

	// kill -9: no footer
	cut := writeReportCapture(t, snaps, false)
	io, out, errb := testStdio()
	if err := runReport(context.Background(), io, []string{cut}); err != nil {
		t.Fatalf("report of a file without footer: %v", err)
	}
	if !strings.Contains(errb.String(), "truncated after") || out.Len() == 0 {
		t.Errorf("no truncation note (stderr %q) or no report", errb.String())
	}

	// a damaged frame in the middle
	clean := writeReportCapture(t, snaps, true)
	data, err := os.ReadFile(clean)
	if err != nil {
		t.Fatal(err)
	}
	r, err := capture.Open(clean, capture.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var off int64
	for _, e := range r.Index().Entries {
		if e.Type == capture.FrameSnapshot && e.Seq == 1 {
			off = e.Offset
		}
	}
	r.Close()
	data[off+20] ^= 0xff
	bad := filepath.Join(t.TempDir(), "bad.cap")
	if err := os.WriteFile(bad, data, 0o600); err != nil {
		t.Fatal(err)
	}
	io, _, _ = testStdio()
	err = runReport(context.Background(), io, []string{bad})
	if err == nil || !errors.Is(err, capture.ErrCorrupt) || !strings.Contains(err.Error(), "--salvage") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("damaged capture: %v; want one line naming the offset and --salvage", err)
	}
	io, out, errb = testStdio()
	if err := runReport(context.Background(), io, []string{"--salvage", bad, "--format", "json"}); err != nil {
		t.Fatalf("--salvage: %v", err)
	}
	if !strings.Contains(errb.String(), "salvage: skipped") {
		t.Errorf("--salvage did not say what it skipped: %q", errb.String())
	}
	var sum struct{ Series []json.RawMessage }
	if err := json.Unmarshal(out.Bytes(), &sum); err != nil || len(sum.Series) != 3 {
		t.Errorf("salvaged report: %v, %d series rows, want 3", err, len(sum.Series))
	}
}

func TestReportBadArgs(t *testing.T) {
	notCapture := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(notCapture, []byte("not a capture\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args  []string
		want  string
		usage bool
	}{
		{nil, "report: a capture FILE is required", true},
		{[]string{"a", "b"}, `report: unexpected argument "b"`, true},
		{[]string{"x.cap", "--format", "xml"}, `report: --format "xml": want table or json`, true},
		{[]string{notCapture}, notCapture + ": not an nfstrace capture (bad magic)", false},
		{[]string{filepath.Join(t.TempDir(), "missing.cap")}, "open capture: open ", false},
	}
	for _, tt := range tests {
		io, _, _ := testStdio()
		err := runReport(context.Background(), io, tt.args)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("report %q: %v, want %q", tt.args, err, tt.want)
			continue
		}
		var u usageError
		if errors.As(err, &u) != tt.usage {
			t.Errorf("report %q: usage error %v, want %v", tt.args, !tt.usage, tt.usage)
		}
	}
	_ = bytes.MinRead
}

// BenchmarkReportCommand10M runs `nfstrace report` (table and JSON) on a
// capture of 10 M D-state events in 100 one-second snapshots.
func BenchmarkReportCommand10M(b *testing.B) {
	const perSnap, nSnaps = 100_000, 100
	path := filepath.Join(b.TempDir(), "10m.cap")
	snaps := reportSnapshots(nSnaps)
	w, err := capture.Create(path, capture.Meta{ToolVersion: "bench", Config: model.Config{Hostname: "bench"}}, capture.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	evs := make([]model.DEvent, perSnap)
	sites := []model.WaitSite{reportSite, "io_schedule;folio_wait_bit_common;nfsd_commit", "io_schedule;blk_mq_get_tag;nfsd_vfs_write"}
	for i, s := range snaps {
		for j := range evs {
			k := i*perSnap + j
			evs[j] = model.DEvent{Start: s.Start.UnixNano() + int64(j)*10_000 + int64(k%7)*131, Dur: uint64(1e6 + (k*7919)%999_000_000),
				TID: uint32(2000 + k%64), PID: uint32(2000 + k%64), Comm: "nfsd", Site: sites[k%3], Op: "WRITE"}
		}
		s.Events = evs
		if err := w.WriteSnapshot(s); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	for _, format := range []string{"table", "json"} {
		b.Run(format, func(b *testing.B) {
			for range b.N {
				quiet := stdio{out: io.Discard, err: io.Discard}
				if err := runReport(context.Background(), quiet, []string{path, "--format", format}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// hostileDir is internal/capture's corpus of crafted captures.
var hostileDir = filepath.Join("..", "..", "internal", "capture", "testdata", "hostile")

// reportMaxHeap bounds what `report` may allocate on any crafted file.
const reportMaxHeap = 200 << 20

// TestReportHostileFiles runs report, as a table and as JSON, on each
// crafted capture: it ends with a report or a one-line error, having
// allocated (a bound of the peak heap) less than reportMaxHeap.
func TestReportHostileFiles(t *testing.T) {
	tests := []struct {
		file    string
		wantErr string // "" means a report
	}{
		{"strings-bomb.nft", "over the reading limit"},
		{"block-rows.nft", "over the reading limit"},
		{"budget-rows.nft", "over the reading limit"},
		{"index-loop.nft", ""},
		{"index-past-eof.nft", ""},
		{"index-misaligned.nft", ""},
		{"damaged-tail.nft", ""},
		{"nan-values.nft", ""},
		{"events-overbatch.nft", ""}, // report skips events unread
	}
	for _, tt := range tests {
		for _, format := range []string{"table", "json"} {
			t.Run(tt.file+"/"+format, func(t *testing.T) {
				path := filepath.Join(hostileDir, tt.file)
				io, out, errb := testStdio()
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				err := runReport(context.Background(), io, []string{"--format", format, path})
				runtime.ReadMemStats(&after)
				if a := after.TotalAlloc - before.TotalAlloc; a > reportMaxHeap {
					t.Errorf("allocated %d MiB, more than %d MiB", a>>20, reportMaxHeap>>20)
				}
				for _, n := range strings.Split(strings.TrimSpace(errb.String()), "\n") {
					if negativeFigure.MatchString(n) {
						t.Errorf("note with a negative figure: %q", n)
					}
				}
				if tt.wantErr != "" {
					if err == nil || !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), "\n") {
						t.Errorf("got %v, want one line with %q", err, tt.wantErr)
					}
					return
				}
				if err != nil {
					t.Fatalf("report: %v (stderr %q)", err, errb.String())
				}
				if format == "json" && !json.Valid(out.Bytes()) {
					t.Errorf("invalid JSON:\n%s", out.String())
				}
			})
		}
	}
}

// negativeFigure matches a negative number in a note.
var negativeFigure = regexp.MustCompile(`(^|[^0-9A-Za-z])-[0-9]`)

// TestCompareJSONNonFinite compares a capture holding NaN and infinite
// values with itself as JSON: the values read as 0, with a note, and the
// JSON encodes.
func TestCompareJSONNonFinite(t *testing.T) {
	path := filepath.Join(hostileDir, "nan-values.nft")
	io, out, errb := testStdio()
	if err := runCompare(context.Background(), io, []string{"--format", "json", path, path}); err != nil {
		t.Fatalf("compare: %v (stderr %q)", err, errb.String())
	}
	if !json.Valid(out.Bytes()) {
		t.Errorf("invalid JSON:\n%s", out.String())
	}
	if !strings.Contains(out.String()+errb.String(), "not finite") {
		t.Errorf("no note on the non-finite values:\n%s%s", out.String(), errb.String())
	}
}

// TestReportUnorderedCapture: a capture whose snapshots are not in time
// order (the clock went back while recording) reports as the same snapshots
// written in order, through the path that holds them all.
func TestReportUnorderedCapture(t *testing.T) {
	snaps := reportSnapshots(6)
	for i, s := range snaps {
		s.Host.NFSD.ThreadsInD = i // tell the rows apart
	}
	ordered := writeReportCapture(t, snaps, true)
	shuffled := []*model.Snapshot{snaps[0], snaps[3], snaps[1], snaps[2], snaps[5], snaps[4]}
	unordered := writeReportCapture(t, shuffled, true)
	for _, step := range []string{"0s", "2s"} {
		var outs [2]string
		for i, path := range []string{ordered, unordered} {
			io, out, errb := testStdio()
			if err := runReport(context.Background(), io, []string{"--format", "json", "--step", step, path}); err != nil {
				t.Fatalf("report --step %s %s: %v (stderr %q)", step, path, err, errb.String())
			}
			outs[i] = out.String()
		}
		if outs[0] != outs[1] {
			t.Errorf("--step %s: the capture out of order reports differently:\n--- in order\n%s\n--- out of order\n%s", step, outs[0], outs[1])
		}
	}
}

// TestCompareHostileFiles compares each crafted capture with a lab capture
// (both ways) and with itself, as a table and as JSON: each ends with a
// comparison or a one-line error, having allocated less than
// reportMaxHeap, and the JSON encodes.
func TestCompareHostileFiles(t *testing.T) {
	clean := filepath.Join("..", "..", "testdata", "captures", "6.1-baseline-v3.nft")
	files, err := filepath.Glob(filepath.Join(hostileDir, "*.nft"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no crafted captures in %s: %v", hostileDir, err)
	}
	for _, path := range files {
		for _, pair := range [][2]string{{clean, path}, {path, clean}, {path, path}} {
			for _, format := range []string{"table", "json"} {
				name := fmt.Sprintf("%s-%s/%s", filepath.Base(pair[0]), filepath.Base(pair[1]), format)
				t.Run(name, func(t *testing.T) {
					io, out, errb := testStdio()
					var before, after runtime.MemStats
					runtime.GC()
					runtime.ReadMemStats(&before)
					err := runCompare(context.Background(), io, []string{"--format", format, pair[0], pair[1]})
					runtime.ReadMemStats(&after)
					if a := after.TotalAlloc - before.TotalAlloc; a > reportMaxHeap {
						t.Errorf("allocated %d MiB, more than %d MiB", a>>20, reportMaxHeap>>20)
					}
					if err != nil {
						if strings.Contains(err.Error(), "\n") {
							t.Errorf("multi-line error %q", err)
						}
						return
					}
					if out.Len() == 0 {
						t.Fatalf("no comparison and no error (stderr %q)", errb.String())
					}
					if format == "json" && !json.Valid(out.Bytes()) {
						t.Errorf("invalid JSON:\n%s", out.String())
					}
				})
			}
		}
	}
}

// TestReportHostileValues writes report's captures with numbers set to
// hostile values (internal/hostile), some out of order, and runs report as
// a table, as JSON and as a time series, and compare against a lab
// capture: each ends with its output or a one-line error, and the JSON
// encodes.
func TestReportHostileValues(t *testing.T) {
	clean := filepath.Join("..", "..", "testdata", "captures", "6.1-baseline-v3.nft")
	n := uint64(60)
	if testing.Short() {
		n = 10
	}
	var outputs, errs int
	for seed := range n {
		r := rand.New(rand.NewPCG(seed, 11))
		snaps := reportSnapshots(1 + r.IntN(8))
		for _, s := range snaps {
			hostile.Perturb(r, reflect.ValueOf(s), 0.05)
		}
		if r.IntN(3) == 0 {
			r.Shuffle(len(snaps), func(a, b int) { snaps[a], snaps[b] = snaps[b], snaps[a] })
		}
		// The metadata's start, the first snapshot's here, is JSON: no
		// year past 9999, which no recorder's clock reaches.
		if y := snaps[0].Start.Year(); y < 1 || y > 9999 {
			snaps[0].Start = time.Unix(1_764_000_000, 0)
		}
		path := writeReportCapture(t, snaps, r.IntN(4) != 0)
		runs := [][]string{
			{"report", "--format", "table", path},
			{"report", "--format", "json", path},
			{"report", "--format", "json", "--step", "2s", path},
			{"compare", "--format", "json", clean, path},
		}
		for _, args := range runs {
			io, out, errb := testStdio()
			var err error
			if args[0] == "report" {
				err = runReport(context.Background(), io, args[1:])
			} else {
				err = runCompare(context.Background(), io, args[1:])
			}
			if err != nil {
				if strings.Contains(err.Error(), "\n") {
					t.Fatalf("seed %d, %v: multi-line error %q", seed, args, err)
				}
				errs++
				continue
			}
			if out.Len() == 0 {
				t.Fatalf("seed %d, %v: no output and no error (stderr %q)", seed, args, errb.String())
			}
			if args[2] == "json" && !json.Valid(out.Bytes()) {
				t.Fatalf("seed %d, %v: invalid JSON:\n%s", seed, args, out.String())
			}
			outputs++
		}
	}
	// Most hostile values are read (as 0 where not finite): the runs
	// that end in output must be most of them, or the values tested
	// nothing past the reader.
	t.Logf("%d runs ended with output, %d with an error", outputs, errs)
	if outputs < errs {
		t.Errorf("%d runs ended with output, fewer than the %d errors", outputs, errs)
	}
}
