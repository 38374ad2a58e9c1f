package capture

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/nfstrace/nfstrace/internal/model"
	"github.com/nfstrace/nfstrace/internal/testenv"
)

// fullDisk is a file on a disk that fills after limit bytes: a write that
// crosses it writes what fits and fails with ENOSPC, as write(2) does.
type fullDisk struct {
	data  []byte
	pos   int64
	limit int64
}

func (f *fullDisk) Write(p []byte) (int, error) {
	room := max(f.limit-f.pos, 0)
	n := min(int64(len(p)), room)
	f.data = append(f.data[:f.pos], p[:n]...)
	f.pos += n
	if n < int64(len(p)) {
		return int(n), &os.PathError{Op: "write", Path: "full.cap", Err: syscall.ENOSPC}
	}
	return int(n), nil
}

func (f *fullDisk) Truncate(n int64) error {
	if n < int64(len(f.data)) {
		f.data = f.data[:n]
	}
	return nil
}

func (f *fullDisk) Seek(off int64, whence int) (int64, error) {
	if whence != io.SeekStart {
		return 0, errors.New("unsupported whence")
	}
	f.pos = off
	return off, nil
}

func TestFullDisk(t *testing.T) {
	for _, limit := range []int64{4000, 9000, 20000, 50000} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			f := &fullDisk{limit: limit}
			w, err := NewWriter(f, testMeta(), Options{})
			if err != nil {
				t.Fatal(err)
			}
			var werr error
			for i := 0; i < 10000 && werr == nil; i++ {
				s := fullSnapshot(i)
				s.Events = events(50, int64(i)*1e9)
				if werr = w.WriteSnapshot(s); werr == nil {
					werr = w.Flush()
				}
			}
			if !errors.Is(werr, syscall.ENOSPC) {
				t.Fatalf("write on a full disk: %v, want ENOSPC", werr)
			}
			if msg := werr.Error(); !strings.Contains(msg, "no space left on device") || !strings.Contains(msg, "valid up to offset") || strings.Contains(msg, "\n") {
				t.Errorf("error is not one clear line: %q", msg)
			}
			if err := w.WriteSnapshot(fullSnapshot(0)); err == nil {
				t.Error("writer accepted a snapshot after it stopped")
			}
			cerr := w.Close()
			if !errors.Is(cerr, syscall.ENOSPC) {
				t.Errorf("close: %v, want the ENOSPC that stopped the writer", cerr)
			}
			got, r, err := readAll(f.data, ReadOptions{})
			if err != nil {
				t.Fatalf("reading what a full disk left: %v", err)
			}
			if len(got) == 0 && limit > 9000 {
				t.Errorf("no snapshot survived in %d bytes", limit)
			}
			t.Logf("%d bytes, %d snapshots, footer %v, notes %q", len(f.data), len(got), r.Index() != nil, r.Notes())
		})
	}
}

func TestCreate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.cap")
	w, err := Create(path, testMeta(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteSnapshot(fullSnapshot(0)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}

	_, err = Create(path, testMeta(), Options{})
	if err == nil || !strings.Contains(err.Error(), "file exists") {
		t.Fatalf("create over an existing file: %v, want a refusal", err)
	}
	if r, err := Open(path, ReadOptions{}); err != nil {
		t.Fatalf("the refused create damaged the file: %v", err)
	} else {
		r.Close()
	}

	tiny := filepath.Join(dir, "tiny.cap")
	if _, err := Create(tiny, testMeta(), Options{MaxSize: 100}); err == nil || !strings.Contains(err.Error(), "smaller than the metadata") {
		t.Errorf("create with a 100-byte limit: %v, want a refusal", err)
	}
	if _, err := os.Stat(tiny); !os.IsNotExist(err) {
		t.Errorf("a refused create left %s behind (%v)", tiny, err)
	}

	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	w, err = Create(path, testMeta(), Options{Force: true})
	if err != nil {
		t.Fatalf("create with force: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	fi, err = os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode after force %v, want 0600", fi.Mode().Perm())
	}
	r, err := Open(path, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if s, err := r.Next(); err != io.EOF {
		t.Errorf("the replaced file still holds data: %v, %v", s, err)
	}
}

// TestFullTmpfs fills a real, tiny tmpfs and reads what the writer left.
func TestFullTmpfs(t *testing.T) {
	testenv.RequireRoot(t)
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=128k", "nfstrace-test", dir).CombinedOutput(); err != nil {
		testenv.Skip(t, fmt.Sprintf("cannot mount a tmpfs: %v: %s", err, out))
	}
	defer func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	}()
	path := filepath.Join(dir, "full.cap")
	w, err := Create(path, testMeta(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var werr error
	written := 0
	for i := 0; i < 100000 && werr == nil; i++ {
		s := fullSnapshot(i)
		s.Events = events(200, int64(i)*1e9)
		if werr = w.WriteSnapshot(s); werr == nil {
			if werr = w.Flush(); werr == nil {
				written++
			}
		}
	}
	if !errors.Is(werr, syscall.ENOSPC) {
		t.Fatalf("write on a full tmpfs: %v, want ENOSPC", werr)
	}
	t.Logf("stopped with: %v", werr)
	w.Close()
	r, err := Open(path, ReadOptions{})
	if err != nil {
		t.Fatalf("open what a full disk left: %v", err)
	}
	defer r.Close()
	n := 0
	for {
		_, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("read what a full disk left: %v", err)
		}
		n++
	}
	if n != written {
		t.Errorf("read %d snapshots, %d were flushed before the disk filled", n, written)
	}
	t.Logf("%d snapshots, footer %v, notes %q", n, r.Index() != nil, r.Notes())
	_ = model.NumBuckets
}
