package serve

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/capture"
	"github.com/nfstrace/nfstrace/internal/model"
)

const (
	bootA = "0b1c4a5e-0000-4000-8000-00000000000a"
	bootB = "0b1c4a5e-0000-4000-8000-00000000000b"
)

func testMeta(boot string) capture.Meta {
	return capture.Meta{ToolVersion: "test", BootID: boot, Interval: time.Second,
		Config: model.Config{KernelRelease: "6.18.0-test", BootID: boot, Backend: model.Backend{Name: "procfs"}}}
}

// snap is a one-second snapshot starting at t with some rows, so that files grow.
func snap(t time.Time) *model.Snapshot {
	return &model.Snapshot{
		Start: t, End: t.Add(time.Second),
		DState: []model.DState{dstate("schedule;io_schedule;folio_wait_bit", uint64(t.Unix()%1000)*1000+1)},
		Block:  []model.Block{{Device: "loop0", Scheduler: "none", Op: "write", Size: "4K", Service: hist(uint64(t.Unix() % 977 * 1000))}},
	}
}

// readCapture reads every snapshot of a capture and says whether it was
// closed cleanly (has an index and no note about a cut).
func readCapture(t *testing.T, path string) (n int, clean bool, meta capture.Meta) {
	t.Helper()
	r, err := capture.Open(path, capture.ReadOptions{})
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer r.Close()
	for {
		_, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("read %s: %v", path, err)
		}
		n++
	}
	return n, r.Index() != nil && len(r.Notes()) == 0, r.Meta()
}

func TestFileName(t *testing.T) {
	start := time.Date(2026, 11, 25, 6, 0, 1, 500, time.UTC)
	for _, seq := range []int{0, 3} {
		name := FileName(bootA, start, seq)
		boot, got, gotSeq, ok := parseFileName(name)
		if !ok || boot != bootA || !got.Equal(start.Truncate(time.Second)) || gotSeq != seq {
			t.Errorf("parseFileName(%q) = %q %v %d %v", name, boot, got, gotSeq, ok)
		}
	}
	for _, old := range []string{"nfstrace-" + bootA + "-20261125T060001Z.nfstrace", "nfstrace-" + bootA + "-20261125T060001Z.3.cap"} {
		if boot, _, _, ok := parseFileName(old); !ok || boot != bootA {
			t.Errorf("parseFileName(%q) = %q, %v: an earlier version's name", old, boot, ok)
		}
	}
	if name := FileName(bootA, start, 0); !strings.HasSuffix(name, ".nft") {
		t.Errorf("FileName = %q, want the .nft extension", name)
	}
	for _, bad := range []string{"notes.txt", "nfstrace-.nfstrace", "nfstrace-abc-20261125T060001Z.nft.tmp", "nfstrace-abc-20261125T060001Z.capture", "nfstrace-abc-2026.nfstrace",
		"nfstrace-abc-20261125T060001Z.x.nfstrace", "nfstrace-abc-20261125T060001Z.nfstrace.tmp"} {
		if _, _, _, ok := parseFileName(bad); ok {
			t.Errorf("parseFileName(%q) accepted", bad)
		}
	}
}

func TestRotatePeriod(t *testing.T) {
	dir := t.TempDir()
	r, err := NewRotator(RotateOptions{Dir: dir, Period: time.Minute, Meta: testMeta(bootA)})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 25, 5, 0, 0, 0, time.UTC)
	for i := 0; i < 150; i++ {
		if err := r.Write(snap(t0.Add(time.Duration(i) * time.Second))); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	files, err := ListCaptures(dir)
	if err != nil {
		t.Fatal(err)
	}
	wantStarts := []time.Time{t0, t0.Add(time.Minute), t0.Add(2 * time.Minute)}
	wantSnaps := []int{60, 60, 30}
	if len(files) != len(wantStarts) {
		t.Fatalf("%d files, want %d: %v", len(files), len(wantStarts), files)
	}
	for i, f := range files {
		n, clean, meta := readCapture(t, f.Path)
		if f.BootID != bootA || !f.Start.Equal(wantStarts[i]) || n != wantSnaps[i] || !clean {
			t.Errorf("file %d: %s boot %s start %v: %d snapshots clean %v; want start %v, %d snapshots, clean",
				i, filepath.Base(f.Path), f.BootID, f.Start, n, clean, wantStarts[i], wantSnaps[i])
		}
		if meta.BootID != bootA || !meta.Start.Equal(wantStarts[i]) {
			t.Errorf("file %d meta: boot %s start %v", i, meta.BootID, meta.Start)
		}
	}
}

func TestRotateReopenSameSecond(t *testing.T) {
	dir := t.TempDir()
	r, err := NewRotator(RotateOptions{Dir: dir, Meta: testMeta(bootA)})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 25, 5, 0, 0, 0, time.UTC)
	var paths []string
	for i := 0; i < 3; i++ {
		if err := r.Write(snap(t0)); err != nil { // the same start each time
			t.Fatal(err)
		}
		paths = append(paths, r.Path())
		if err := r.Reopen(); err != nil {
			t.Fatal(err)
		}
		if r.Path() != "" {
			t.Errorf("a file is open after Reopen: %s", r.Path())
		}
	}
	files, err := ListCaptures(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 3 {
		t.Fatalf("%d files after three reopens, want 3", len(files))
	}
	for i, f := range files {
		if f.Path != paths[i] || f.Seq != i {
			t.Errorf("file %d: %s seq %d, want %s seq %d", i, f.Path, f.Seq, paths[i], i)
		}
		if n, clean, _ := readCapture(t, f.Path); n != 1 || !clean {
			t.Errorf("%s: %d snapshots, clean %v", f.Path, n, clean)
		}
	}
}

func TestRotateMaxTotal(t *testing.T) {
	dir := t.TempDir()
	const maxTotal = 64 << 10
	r, err := NewRotator(RotateOptions{Dir: dir, Period: time.Hour, MaxTotal: maxTotal, Meta: testMeta(bootA)})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 25, 5, 0, 0, 0, time.UTC)
	var written int
	for i := 0; i < 3000; i++ {
		if err := r.Write(snap(t0.Add(time.Duration(i) * time.Second))); err != nil {
			t.Fatal(err)
		}
		written++
		if err := r.Flush(); err != nil {
			t.Fatal(err)
		}
		files, err := ListCaptures(dir)
		if err != nil {
			t.Fatal(err)
		}
		var total int64
		for _, f := range files {
			total += f.Size
		}
		if total > maxTotal {
			t.Fatalf("after %d snapshots the captures take %d bytes, over the limit %d", written, total, maxTotal)
		}
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	files, err := ListCaptures(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 3 {
		t.Fatalf("%d files: the size limit should have cut several", len(files))
	}
	// The newest snapshots survive: the last file ends with the last one.
	last := files[len(files)-1]
	rd, err := capture.Open(last.Path, capture.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	var end time.Time
	for {
		s, err := rd.Next()
		if err != nil {
			break
		}
		end = s.End
	}
	if want := t0.Add(3000 * time.Second); !end.Equal(want) {
		t.Errorf("newest capture ends at %v, want %v", end, want)
	}
	if files[0].Start.Equal(t0) {
		t.Errorf("the oldest capture (%s) was not deleted", files[0].Path)
	}
}

func TestRotateKeep(t *testing.T) {
	dir := t.TempDir()
	// Files left by an earlier run: one older than --keep, one recent, one not ours.
	old := filepath.Join(dir, FileName(bootB, time.Now().Add(-5*time.Hour), 0))
	recent := filepath.Join(dir, FileName(bootB, time.Now().Add(-time.Hour), 0))
	other := filepath.Join(dir, "nfstrace-notes.txt")
	for _, p := range []string{old, recent, other} {
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chtimes(old, time.Now(), time.Now().Add(-3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(other, time.Now(), time.Now().Add(-3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	r, err := NewRotator(RotateOptions{Dir: dir, Keep: 2 * time.Hour, Meta: testMeta(bootA)})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for p, want := range map[string]bool{old: false, recent: true, other: true} {
		_, err := os.Stat(p)
		if exists := err == nil; exists != want {
			t.Errorf("%s exists = %v, want %v", filepath.Base(p), exists, want)
		}
	}
}

func TestLastBoot(t *testing.T) {
	dir := t.TempDir()
	t0 := time.Date(2026, 11, 25, 5, 0, 0, 0, time.UTC)
	write := func(boot string, start time.Time) string {
		r, err := NewRotator(RotateOptions{Dir: dir, Meta: testMeta(boot)})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			if err := r.Write(snap(start.Add(time.Duration(i) * time.Second))); err != nil {
				t.Fatal(err)
			}
		}
		p := r.Path()
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if _, _, err := LastBoot(dir, bootB); err == nil || !strings.Contains(err.Error(), "no capture of the current boot") {
		t.Errorf("empty dir: err = %v", err)
	}
	write(bootA, t0)
	prevWant := write(bootA, t0.Add(time.Hour))
	if _, _, err := LastBoot(dir, bootA); err == nil || !strings.Contains(err.Error(), "no capture of an earlier boot") {
		t.Errorf("one boot only: err = %v", err)
	}
	write(bootB, t0.Add(2*time.Hour))
	curWant := write(bootB, t0.Add(3*time.Hour))
	prev, cur, err := LastBoot(dir, bootB)
	if err != nil {
		t.Fatal(err)
	}
	if prev.Path != prevWant || cur.Path != curWant {
		t.Errorf("LastBoot = %s, %s; want %s, %s", prev.Path, cur.Path, prevWant, curWant)
	}
	if _, _, err := LastBoot(dir, ""); err == nil {
		t.Error("LastBoot with no boot ID: no error")
	}
}
