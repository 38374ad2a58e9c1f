package serve

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/capture"
	"github.com/nfstrace/nfstrace/internal/testenv"
)

// smallFS mounts a 64 KiB tmpfs on a new directory, unmounted at cleanup.
func smallFS(t *testing.T) string {
	t.Helper()
	testenv.RequireRoot(t)
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=64k", "nfstrace-serve-test", dir).CombinedOutput(); err != nil {
		testenv.Skip(t, fmt.Sprintf("cannot mount a tmpfs: %v: %s", err, out))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// fill writes a file until the file system is full and returns its path.
func fill(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	block := bytes.Repeat([]byte{0xa5}, 4096)
	for {
		if _, err := f.Write(block); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill %s: %v", dir, err)
			}
			return path
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServerFullDisk: a full capture disk pauses capture writing, logged
// once, while metrics are still served; when space returns writing resumes;
// the capture counter counts what the files hold, not what was sampled.
func TestServerFullDisk(t *testing.T) {
	root := smallFS(t)
	dir := filepath.Join(root, "captures")
	if err := os.Mkdir(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	filler := fill(t, root)
	var logs syncBuffer
	srv, src, stop := startServer(t, Options{
		Logger:       slog.New(slog.NewTextHandler(&logs, nil)),
		Capture:      RotateOptions{Dir: dir, Meta: testMeta(bootA)},
		CaptureRetry: 3 * time.Second,
	})
	url := "http://" + srv.Addr().String() + "/metrics"
	for range 6 {
		<-src.calls
	}
	// five snapshots (or six: the sixth may be in as well) sampled, none stored
	code, body := get(t, url, "", "")
	if !strings.Contains(body, "nfstrace_snapshots_total 5\n") && !strings.Contains(body, "nfstrace_snapshots_total 6\n") {
		t.Errorf("metrics while the disk is full: want 5 or 6 snapshots sampled:\n%s", grepLines(body, "nfstrace_snapshots"))
	}
	for _, want := range []string{"nfstrace_capture_snapshots_total 0", "nfstrace_capture_writing 0"} {
		if code != 200 || !strings.Contains(body, want+"\n") {
			t.Errorf("metrics while the disk is full: %d, lack %q", code, want)
		}
	}
	if n := strings.Count(logs.String(), "capture writing paused"); n != 1 {
		t.Errorf("logged the pause %d times, want once:\n%s", n, logs.String())
	}
	if files, _ := capture.ListCaptures(dir); len(files) != 0 {
		t.Errorf("files left on the full disk: %v", files)
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	for range 6 {
		<-src.calls
	}
	code, body = get(t, url, "", "")
	if code != 200 || !strings.Contains(body, "nfstrace_capture_writing 1\n") || strings.Contains(body, "nfstrace_capture_snapshots_total 0\n") {
		t.Errorf("metrics after space returned: %d, want writing 1 and snapshots stored:\n%s", code, grepLines(body, "nfstrace_capture_"))
	}
	if n := strings.Count(logs.String(), "capture writing resumed"); n != 1 {
		t.Errorf("logged the resumption %d times, want once:\n%s", n, logs.String())
	}
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	files, err := capture.ListCaptures(dir)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, f := range files {
		n, clean, _ := readCapture(t, f.Path)
		if !clean {
			t.Errorf("%s not closed cleanly", f.Path)
		}
		total += n
	}
	if stored := srv.rot.Stored(); total == 0 || uint64(total) != stored {
		t.Errorf("the files hold %d snapshots, the counter says %d", total, stored)
	}
	t.Logf("stored %d snapshots after the pause; log:\n%s", total, logs.String())
}

// TestRotatorStoredOnFullDisk: snapshots accepted but lost when the disk
// fills are not counted as stored.
func TestRotatorStoredOnFullDisk(t *testing.T) {
	root := smallFS(t)
	r, err := NewRotator(RotateOptions{Dir: root, Meta: testMeta(bootA)})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 25, 5, 0, 0, 0, time.UTC)
	for i := range 3 {
		if err := r.Write(snap(t0.Add(time.Duration(i) * time.Second))); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	path := r.Path()
	fill(t, root)
	accepted := 3
	var werr error
	for i := 3; i < 1000 && werr == nil; i++ {
		if werr = r.Write(snap(t0.Add(time.Duration(i) * time.Second))); werr == nil {
			accepted++
			werr = r.Flush()
		}
	}
	if !errors.Is(werr, syscall.ENOSPC) {
		t.Fatalf("writing to a full disk: %v, want ENOSPC", werr)
	}
	r.Reopen() // closes the failed file as well as it can
	// the last page of the file may take a few more snapshots before the
	// disk is full: what counts is that the count matches the file
	n, _, _ := readCapture(t, path)
	if got := r.Stored(); got != uint64(n) || n < 3 || n >= accepted {
		t.Errorf("Stored() = %d, the file holds %d, %d were accepted; want Stored() = file < accepted", got, n, accepted)
	}
}

func grepLines(text, prefix string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
