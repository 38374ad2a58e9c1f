package serve

import (
	"errors"
	"io"
	"os"
	"path/filepath"
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
	files, err := capture.ListCaptures(dir)
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
	files, err := capture.ListCaptures(dir)
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
		files, err := capture.ListCaptures(dir)
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
	files, err := capture.ListCaptures(dir)
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
	old := filepath.Join(dir, capture.FileName(bootB, time.Now().Add(-5*time.Hour), 0))
	recent := filepath.Join(dir, capture.FileName(bootB, time.Now().Add(-time.Hour), 0))
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
