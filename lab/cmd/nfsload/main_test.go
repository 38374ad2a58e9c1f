package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/testenv"
	"golang.org/x/sys/unix"
)

func TestParseMix(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr string
	}{
		{in: "write:3,commit:1,read:0", want: "write:3 commit:1"},
		{in: " lookup:2 ", want: "lookup:2"},
		{in: "write:x", wantErr: "want a list of op:weight"},
		{in: "write", wantErr: "want a list of op:weight"},
		{in: "write:-1", wantErr: "want a list of op:weight"},
		{in: "fsync:1", wantErr: `unknown operation "fsync"`},
		{in: "read:0", wantErr: "no operation with a positive weight"},
	}
	for _, tt := range tests {
		m, err := parseMix(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("parseMix(%q) err = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		var got []string
		for _, w := range m {
			got = append(got, w.op+":"+string(rune('0'+w.weight)))
		}
		if err != nil || strings.Join(got, " ") != tt.want {
			t.Errorf("parseMix(%q) = %v, %v; want %s", tt.in, got, err, tt.want)
		}
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"4096": 4096, "64k": 64 << 10, "8M": 8 << 20, "1g": 1 << 30} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "k", "-1", "1x"} {
		if _, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q): no error", in)
		}
	}
}

// A worker on a local directory: prepare, then the mix for a moment.
func TestWorkerLocal(t *testing.T) {
	dir := t.TempDir()
	c := config{dirs: []string{dir}, clients: 1, duration: 200 * time.Millisecond, ioSize: 4096, fileSize: 16384,
		names: 3, worker: 0, phase: "all", seed: 1,
		mix: []weighted{{"write", 1}, {"commit", 1}, {"getattr", 1}, {"lookup", 1}}}
	r, err := worker(c)
	if err != nil {
		testenv.Skip(t, "O_DIRECT on the temp dir: "+err.Error())
	}
	for _, op := range []string{"write", "commit", "getattr", "lookup"} {
		if r.Ops[op] == 0 {
			t.Errorf("no %s done: %+v", op, r)
		}
	}
	if len(r.Errors) != 0 {
		t.Errorf("errors: %+v", r)
	}
	if fi, err := os.Stat(filepath.Join(dir, "client0", "data")); err != nil || fi.Size() != 16384 {
		t.Errorf("data file: %v %v", fi, err)
	}
}

// -direct-write opens the write descriptor with O_DIRECT, and the mix runs
// on it; without it the writes are buffered.
func TestWorkerDirectWrite(t *testing.T) {
	for _, direct := range []bool{false, true} {
		t.Run(fmt.Sprintf("direct=%v", direct), func(t *testing.T) {
			dir := t.TempDir()
			c := config{dirs: []string{dir}, clients: 1, duration: 100 * time.Millisecond, ioSize: 4096, fileSize: 16384,
				names: 1, worker: 0, phase: "all", seed: 1, direct: direct,
				mix: []weighted{{"write", 1}, {"commit", 1}}}
			r, err := worker(c)
			if err != nil {
				testenv.Skip(t, "O_DIRECT on the temp dir: "+err.Error())
			}
			if r.Ops["write"] == 0 || len(r.Errors) != 0 {
				t.Errorf("direct writes: %+v", r)
			}
			f, err := openWrite(filepath.Join(dir, "client0", "data"), direct)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			fl, err := unix.FcntlInt(f.Fd(), unix.F_GETFL, 0)
			if err != nil {
				t.Fatal(err)
			}
			if got := fl&unix.O_DIRECT != 0; got != direct {
				t.Errorf("O_DIRECT set = %v, want %v", got, direct)
			}
		})
	}
}

// With -shared every client works on one data file, which client 0 fills,
// whether the clients share a mount or each works through one of its own
// (here a second path to the same directory).
func TestWorkerShared(t *testing.T) {
	for _, mounts := range []int{1, 2} {
		t.Run(fmt.Sprintf("%d mounts", mounts), func(t *testing.T) {
			dir := t.TempDir()
			dirs := []string{dir}
			if mounts == 2 {
				other := filepath.Join(t.TempDir(), "other")
				if err := os.Symlink(dir, other); err != nil {
					t.Fatal(err)
				}
				dirs = append(dirs, other)
			}
			base := config{dirs: dirs, clients: 2, duration: 100 * time.Millisecond, ioSize: 4096, fileSize: 8192,
				names: 1, seed: 1, shared: true, mix: []weighted{{"write", 1}, {"getattr", 1}}}
			for _, w := range []int{0, 1} {
				c := base
				c.worker, c.phase = w, "prepare"
				if _, err := worker(c); err != nil {
					t.Fatalf("prepare client %d: %v", w, err)
				}
			}
			c := base
			c.worker, c.phase = 1, "run"
			r, err := worker(c)
			if err != nil {
				testenv.Skip(t, "O_DIRECT on the temp dir: "+err.Error())
			}
			if r.Ops["write"] == 0 || len(r.Errors) != 0 {
				t.Errorf("client 1 on the shared file: %+v", r)
			}
			if fi, err := os.Stat(filepath.Join(dir, "shared", "data")); err != nil || fi.Size() != 8192 {
				t.Errorf("shared data file: %v %v", fi, err)
			}
			if _, err := os.Stat(filepath.Join(dir, "client1", "data")); err == nil {
				t.Error("client 1 made a data file of its own")
			}
			if _, err := os.Stat(filepath.Join(dir, "client1", "names")); err != nil {
				t.Errorf("client 1's lookup files: %v", err)
			}
		})
	}
}

func TestRunDirs(t *testing.T) {
	for _, dirs := range []string{"", "a,,b", "a,"} {
		if err := run([]string{"-dir", dirs, "-phase", "prepare"}); err == nil || !strings.Contains(err.Error(), "-dir") {
			t.Errorf("-dir %q: err = %v, want a -dir error", dirs, err)
		}
	}
}
