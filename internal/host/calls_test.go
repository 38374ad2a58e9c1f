package host

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestParseIO(t *testing.T) {
	tests := []struct {
		name, in string
		want     IOAcct
		wantErr  string
	}{
		{
			name: "6.x",
			in:   "rchar: 6976\nwchar: 12\nsyscr: 10\nsyscw: 3\nread_bytes: 0\nwrite_bytes: 4096\ncancelled_write_bytes: 0\n",
			want: IOAcct{RChar: 6976, WChar: 12, SysR: 10, SysW: 3},
		},
		{name: "no syscw", in: "rchar: 1\nwchar: 2\nsyscr: 3\n", wantErr: "want rchar, wchar, syscr and syscw"},
		{name: "bad value", in: "rchar: x\nwchar: 2\nsyscr: 3\nsyscw: 4\n", wantErr: `bad rchar "x"`},
		{name: "empty", in: "", wantErr: "want rchar"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseIO([]byte(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseIO = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

// TestCallCounter follows threads that were there before the counter, that
// started after it, that exited, and one whose id was reused.
func TestCallCounter(t *testing.T) {
	proc := t.TempDir()
	write := func(p, s string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Uptime 10 s: 1000 ticks.
	write(filepath.Join(proc, "uptime"), "10.00 15.00\n")
	thread := func(tid string, start int, syscr, syscw int) {
		dir := filepath.Join(proc, tid, "task", tid)
		write(filepath.Join(dir, "stat"), tid+" (fio) S 1 1 1 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0 "+strconv.Itoa(start)+" 0 0\n")
		write(filepath.Join(dir, "io"), "rchar: 0\nwchar: 0\nsyscr: "+strconv.Itoa(syscr)+"\nsyscw: "+strconv.Itoa(syscw)+"\n")
	}
	thread("100", 500, 40, 2) // before the counter: its 42 calls are not counted
	tw := NewThreadWatch(proc, Selector{Comm: regexp.MustCompile("^fio$")})
	tw.Every = 0
	c, err := NewCallCounter(tw)
	if err != nil {
		t.Fatal(err)
	}
	count := func() (IOAcct, int) {
		t.Helper()
		a, n, ok, err := c.Count()
		if err != nil || !ok {
			t.Fatalf("Count: ok %v, %v", ok, err)
		}
		return a, n
	}
	if a, n := count(); a.SysR != 0 || a.SysW != 0 || n != 1 {
		t.Fatalf("first count: %+v of %d threads, want 0 of 1", a, n)
	}
	thread("100", 500, 50, 2)
	thread("200", 1200, 7, 1) // started after the counter: every call counts
	if a, n := count(); a.SysR != 17 || a.SysW != 1 || n != 2 {
		t.Fatalf("second count: %+v of %d threads, want 17 reads, 1 write of 2", a, n)
	}
	if err := os.RemoveAll(filepath.Join(proc, "200")); err != nil {
		t.Fatal(err)
	}
	thread("100", 500, 3, 0) // counters went down: the id was reused
	if a, n := count(); a.SysR != 3 || n != 1 {
		t.Fatalf("after exit and reuse: %+v of %d threads, want 3 reads of 1", a, n)
	}
	if _, err := NewCallCounter(NewThreadWatch(filepath.Join(proc, "none"), Selector{})); err == nil {
		t.Error("no procfs: no error")
	}
}
