package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/capture"
	"github.com/nfstrace/nfstrace/internal/model"
	"github.com/nfstrace/nfstrace/internal/testenv"
)

// fakeSource hands out snapshots without waiting. After n snapshots it calls
// stop (if set) and then waits for the context; fail makes it fail instead.
type fakeSource struct {
	n, i int
	stop func()
	fail error
}

func (f *fakeSource) Config() model.Config {
	return model.Config{Hostname: "fake", KernelRelease: "6.18.0", Start: time.Unix(1_764_000_000, 0)}
}

func (f *fakeSource) Next(ctx context.Context) (*model.Snapshot, error) {
	if f.n >= 0 && f.i >= f.n {
		if f.fail != nil {
			return nil, f.fail
		}
		if f.stop != nil {
			f.stop()
		}
		<-ctx.Done()
		return nil, ctx.Err()
	}
	f.i++
	start := time.Unix(1_764_000_000+int64(f.i), 0)
	return &model.Snapshot{
		Start: start, End: start.Add(time.Second),
		Host:   model.Host{Load: model.Load{Avg1: 1, Running: 2}},
		DState: []model.DState{{Comm: "nfsd", WaitSite: "io_schedule", Threads: 1, Hist: model.Hist{Count: 1, SumNs: 5e6, MaxNs: 5e6}}},
		Events: []model.DEvent{{Start: start.UnixNano(), Dur: 5e6, TID: 42, PID: 42, Comm: "nfsd", Site: "io_schedule"}},
		Stats:  model.Stats{Events: 1, Lost: 2},
	}, nil
}

func testStdio() (stdio, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	return stdio{out: &out, err: &errb}, &out, &errb
}

func readCapture(t *testing.T, path string) ([]*model.Snapshot, *capture.Reader) {
	t.Helper()
	r, err := capture.Open(path, capture.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	var snaps []*model.Snapshot
	for {
		s, err := r.Next()
		if errors.Is(err, io.EOF) {
			return snaps, r
		}
		if err != nil {
			t.Fatalf("read %s after %d snapshots: %v", path, len(snaps), err)
		}
		snaps = append(snaps, s)
	}
}

func createCapture(t *testing.T, path string, opts capture.Options) *capture.Writer {
	t.Helper()
	w, err := capture.Create(path, capture.Meta{ToolVersion: "test", Config: (&fakeSource{}).Config()}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestRecordStops(t *testing.T) {
	tests := []struct {
		name     string
		n        int  // snapshots before the source stops or fails
		cancel   bool // the source's end cancels the context (a signal)
		fail     error
		duration time.Duration
		maxSize  int64
		want     string // the reason on the last progress line
		wantErr  string
		snaps    int // -1: at least one
	}{
		{name: "signal", n: 7, cancel: true, want: "(interrupted)", snaps: 7},
		{name: "duration", n: 3, duration: 50 * time.Millisecond, want: "(duration reached)", snaps: 3},
		{name: "size limit", n: -1, maxSize: 4096, want: "(size limit reached)", snaps: -1},
		{name: "source fails", n: 4, fail: errors.New("read host sample: boom"), want: "(failed)", wantErr: "record: read host sample: boom", snaps: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "x.cap")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			src := &fakeSource{n: tt.n, fail: tt.fail}
			if tt.cancel {
				src.stop = cancel
			}
			io, _, errb := testStdio()
			w := createCapture(t, path, capture.Options{MaxSize: tt.maxSize})
			err := record(ctx, io, src, w, recordOptions{path: path, duration: tt.duration, interval: time.Millisecond, progressEvery: time.Hour})
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(errb.String()), "\n")
			if last := lines[len(lines)-1]; !strings.HasPrefix(last, "recorded "+path) || !strings.HasSuffix(last, tt.want) {
				t.Errorf("last progress line %q, want one ending %q", last, tt.want)
			}
			snaps, r := readCapture(t, path)
			if tt.snaps >= 0 && len(snaps) != tt.snaps || len(snaps) == 0 {
				t.Errorf("%d snapshots in the file, want %d", len(snaps), tt.snaps)
			}
			if r.Index() == nil || len(r.Notes()) != 0 {
				t.Errorf("file not closed cleanly: index %v, notes %q", r.Index() != nil, r.Notes())
			}
			if len(snaps) > 0 && (len(snaps[0].Events) != 1 || snaps[0].Stats.Lost != 2) {
				t.Errorf("first snapshot lost its events or stats: %+v", snaps[0])
			}
			if tt.maxSize > 0 {
				if fi, err := os.Stat(path); err != nil || fi.Size() > tt.maxSize {
					t.Errorf("file size %v over the %d limit (%v)", fi.Size(), tt.maxSize, err)
				}
			}
		})
	}
}

func TestProgress(t *testing.T) {
	var b bytes.Buffer
	p := progress{w: &b, path: "x.cap", terminal: true, start: time.Now()}
	p.update(capture.WriterStats{Snapshots: 3, Events: 12, Bytes: 3 << 20, Lost: 1}, false)
	p.done(capture.WriterStats{Snapshots: 4, Events: 12, Bytes: 3 << 20, Lost: 1}, "interrupted")
	got := b.String()
	for _, want := range []string{"\r\x1b[Krecording x.cap  0s  3 snapshots  12 events  3.0 MiB  lost 1", "\r\x1b[Krecorded x.cap  0s  4 snapshots", "(interrupted)\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("terminal progress %q lacks %q", got, want)
		}
	}
	b.Reset()
	p = progress{w: &b, path: "x.cap", every: time.Hour, start: time.Now()}
	p.update(capture.WriterStats{Snapshots: 1}, false)
	p.update(capture.WriterStats{Snapshots: 2}, false) // within the hour: not printed
	if got := b.String(); strings.Contains(got, "\x1b") || strings.Count(got, "\n") != 1 {
		t.Errorf("plain progress %q: want one line without escapes", got)
	}
}

func TestRecordFlags(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "old.cap")
	if err := os.WriteFile(existing, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	// a link planted where root records, to a file it must not touch
	victim := filepath.Join(dir, "victim")
	if err := os.WriteFile(victim, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.cap")
	if err := os.Symlink(victim, link); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo.cap")
	if err := syscall.Mkfifo(fifo, 0o666); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args  []string
		want  string
		usage bool
	}{
		{nil, "record: -o FILE is required", true},
		{[]string{"-o", "x", "--max-size", "lots"}, `record: --max-size: "lots" is not a size (want bytes or a number with K, M, G or T)`, true},
		{[]string{"-o", "x", "--duration", "-1s"}, "record: --duration -1s is negative", true},
		{[]string{"-o", existing}, "record: " + existing + ": file exists (use --force to overwrite)", false},
		{[]string{"-o", link}, "record: " + link + ": file exists (use --force to overwrite)", false},
		{[]string{"-o", link, "--force"}, "record: " + link + " is a symbolic link; not following it (remove it or write elsewhere)", false},
		{[]string{"-o", fifo, "--force"}, "record: " + fifo + " is not a regular file (p---------); not overwriting it", false},
	}
	for _, tt := range tests {
		io, _, _ := testStdio()
		err := runRecord(context.Background(), io, tt.args)
		if err == nil || err.Error() != tt.want {
			t.Errorf("record %q: %v, want %q", tt.args, err, tt.want)
			continue
		}
		var u usageError
		if errors.As(err, &u) != tt.usage {
			t.Errorf("record %q: usage error %v, want %v", tt.args, !tt.usage, tt.usage)
		}
	}
	for _, p := range []string{existing, victim} {
		if b, _ := os.ReadFile(p); string(b) != "keep" {
			t.Errorf("%s was changed: %q", p, b)
		}
	}
	if st, err := os.Stat(victim); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("victim re-moded: %v (%v)", st.Mode(), err)
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		bad  bool
	}{
		{"", 0, false}, {"0", 0, false}, {"4096", 4096, false}, {"10K", 10 << 10, false},
		{"1.5M", 3 << 19, false}, {"2G", 2 << 30, false}, {"2GiB", 2 << 30, false}, {"3mb", 3 << 20, false},
		{"1T", 1 << 40, false}, {"-1", 0, true}, {"M", 0, true}, {"1Q", 0, true}, {"1e30", 0, true},
	}
	for _, tt := range tests {
		got, err := parseSize(tt.in)
		if (err != nil) != tt.bad || got != tt.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.bad)
		}
	}
}

// buildNfstrace builds the nfstrace binary into a temporary directory.
func buildNfstrace(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		testenv.Skip(t, "needs the go tool to build nfstrace")
	}
	bin := filepath.Join(t.TempDir(), "nfstrace")
	if out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestRecordProcess builds nfstrace, records this host with the procfs
// backend, stops the recorder with SIGKILL or SIGTERM, and reads what it left.
func TestRecordProcess(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		testenv.Skip(t, "needs a real /proc")
	}
	bin := buildNfstrace(t)
	for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "live.cap")
			args := []string{"-o", path, "--backend", "procfs", "--interval", "100ms", "--all"}
			cmd := exec.Command(bin, append([]string{"record"}, args...)...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Wait until at least three snapshots are on disk (the recorder
			// flushes every second), or give up after a generous deadline.
			const want = 3
			n := 0
			for deadline := time.Now().Add(60 * time.Second); n < want && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
				n = countSnapshots(path)
			}
			if n < want {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("the recorder wrote %d snapshots in a minute; stderr: %s", n, stderr.String())
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			if sig == syscall.SIGTERM && err != nil {
				t.Fatalf("recorder stopped by SIGTERM: %v; stderr: %s", err, stderr.String())
			}
			snaps, r := readCapture(t, path)
			if len(snaps) < n {
				t.Errorf("read %d snapshots, %d were on disk before the signal", len(snaps), n)
			}
			host, _ := os.Hostname()
			if cfg := r.Config(); cfg.Hostname != host || cfg.KernelRelease == "" || cfg.Backend.Name != "procfs" {
				t.Errorf("config: hostname %q (want %q), kernel %q, backend %q", cfg.Hostname, host, cfg.KernelRelease, cfg.Backend.Name)
			}
			for i, s := range snaps {
				if !s.End.After(s.Start) || len(s.Host.Devices) == 0 && i > 0 {
					t.Errorf("snapshot %d: interval %v..%v, %d devices", i, s.Start, s.End, len(s.Host.Devices))
				}
			}
			notes := strings.Join(r.Notes(), "; ")
			if sig == syscall.SIGKILL {
				if r.Index() != nil || !strings.Contains(notes, "truncated after") {
					t.Errorf("after SIGKILL: index %v, notes %q; want no index and a truncation note", r.Index() != nil, notes)
				}
			} else {
				if r.Index() == nil || notes != "" {
					t.Errorf("after SIGTERM: index %v, notes %q; want a clean footer", r.Index() != nil, notes)
				}
				if !strings.Contains(stderr.String(), "(interrupted)") {
					t.Errorf("stderr %q lacks the final progress line", stderr.String())
				}
			}
			t.Logf("%v: %d snapshots, notes %q", sig, len(snaps), notes)
		})
	}
}

// countSnapshots reads what is on disk so far; a file still being written
// reads as truncated, which is what the recorder promises.
func countSnapshots(path string) int {
	r, err := capture.Open(path, capture.ReadOptions{SkipEvents: true})
	if err != nil {
		return 0
	}
	defer r.Close()
	n := 0
	for {
		if _, err := r.Next(); err != nil {
			return n
		}
		n++
	}
}

// TestRecordFullDisk records onto a tiny tmpfs until it fills: record must
// stop with a clear error and leave a file that reads.
func TestRecordFullDisk(t *testing.T) {
	testenv.RequireRoot(t)
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=64k", "nfstrace-record-test", dir).CombinedOutput(); err != nil {
		testenv.Skip(t, fmt.Sprintf("cannot mount a tmpfs: %v: %s", err, out))
	}
	// a cleanup, not a defer: it must run after the reader's cleanup closes the file
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	path := filepath.Join(dir, "full.cap")
	w := createCapture(t, path, capture.Options{})
	io, _, errb := testStdio()
	// interval 1s: every snapshot is flushed, so the disk fills on a write
	err := record(context.Background(), io, &fakeSource{n: -1}, w, recordOptions{path: path, interval: time.Second, progressEvery: time.Hour})
	if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "no space left on device") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("record on a full disk: %v, want one line saying the disk is full", err)
	}
	if !strings.Contains(errb.String(), "(failed)") {
		t.Errorf("progress %q lacks the final line", errb.String())
	}
	snaps, r := readCapture(t, path)
	if len(snaps) == 0 {
		t.Error("nothing readable survived")
	}
	// the last line counts what the file holds, not what was accepted
	if want := fmt.Sprintf(" %d snapshots ", len(snaps)); !strings.Contains(errb.String(), want) {
		t.Errorf("progress %q does not say the file holds%s", errb.String(), want)
	}
	t.Logf("%v; read %d snapshots, notes %q", err, len(snaps), r.Notes())
}
