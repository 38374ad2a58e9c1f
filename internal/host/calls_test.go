package host

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

// TestCallCounter follows threads that were there before the counter,
// that appeared after it, that exited, and one whose id was reused; each
// counts from the first Count that sees it.
func TestCallCounter(t *testing.T) {
	proc := t.TempDir()
	write := func(p, s string) {
		t.Helper()
		writeTree(t, filepath.Dir(p), map[string]string{filepath.Base(p): s})
	}
	thread := func(tid string, syscr, syscw int) {
		dir := filepath.Join(proc, tid, "task", tid)
		// utime and stime grow with the calls: a tick of each per call
		write(filepath.Join(dir, "stat"), tid+" (fio) S 1 1 1 0 -1 4194304 0 0 0 0 "+strconv.Itoa(syscr)+" "+strconv.Itoa(syscw)+
			" 0 0 20 0 1 0 500 3133440 380 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n")
		write(filepath.Join(dir, "io"), "rchar: 0\nwchar: 0\nsyscr: "+strconv.Itoa(syscr)+"\nsyscw: "+strconv.Itoa(syscw)+
			"\nread_bytes: 0\nwrite_bytes: 0\ncancelled_write_bytes: 0\n")
	}
	for _, tt := range []struct {
		name string
		w    *ThreadWatch
	}{
		{"walking /proc", func() *ThreadWatch {
			w := NewThreadWatch(proc, Selector{Comm: regexp.MustCompile("^fio$")})
			w.Every = 0
			return w
		}()},
		{"a tracer's set", NewThreadWatchFrom(proc, func() (map[uint32]bool, error) {
			return FindThreads(proc, Selector{Comm: regexp.MustCompile("^fio$")})
		})},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.RemoveAll(proc); err != nil {
				t.Fatal(err)
			}
			thread("100", 40, 2) // its calls before the first count are not counted
			c, err := NewCallCounter(tt.w)
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
			thread("100", 50, 2)
			thread("200", 7, 1) // new: counts from the next count
			if a, n := count(); a.SysR != 10 || a.SysW != 0 || n != 2 || !a.CPU {
				t.Fatalf("second count: %+v of %d threads, want 10 reads of 2", a, n)
			}
			thread("200", 9, 4)
			if a, _ := count(); a.SysR != 2 || a.SysW != 3 || a.UserNs != 2*clockTick || a.SysNs != 3*clockTick {
				t.Fatalf("third count: %+v, want 2 reads, 3 writes, 20 ms in user mode and 30 ms in the kernel", a)
			}
			if err := os.RemoveAll(filepath.Join(proc, "200")); err != nil {
				t.Fatal(err)
			}
			thread("100", 3, 0) // counters went down: the id was reused
			if a, n := count(); a.SysR != 3 || n != 1 {
				t.Fatalf("after exit and reuse: %+v of %d threads, want 3 reads of 1", a, n)
			}
		})
	}
	// Threads the tracer still lists whose files are gone (they exited
	// since its last scan) made no calls: counted, none made.
	gone, err := NewCallCounter(NewThreadWatchFrom(proc, func() (map[uint32]bool, error) { return map[uint32]bool{4242: true}, nil }))
	if err != nil {
		t.Fatal(err)
	}
	if a, n, ok, err := gone.Count(); !ok || err != nil || a != (IOAcct{CPU: true}) || n != 0 {
		t.Errorf("an exited thread: %+v of %d, ok %v, err %v; want counted, none made, no CPU time", a, n, ok, err)
	}
	// A thread whose io file cannot be read: not counted, rather than none made.
	write(filepath.Join(proc, "300", "task", "300", "stat"), "300 (dd) S 1 1 1 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0 500 0 0\n")
	if err := os.MkdirAll(filepath.Join(proc, "300", "task", "300", "io"), 0o755); err != nil { // a read fails, the file is there
		t.Fatal(err)
	}
	dd, err := NewCallCounter(NewThreadWatch(proc, Selector{Comm: regexp.MustCompile("^dd$")}))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, ok, err := dd.Count(); ok || err != nil {
		t.Errorf("no readable io file: ok %v, err %v; want not counted", ok, err)
	}
	// A stat cut short (a kernel with fewer fields): the calls count, the
	// CPU times are unknown.
	write(filepath.Join(proc, "400", "task", "400", "stat"), "400 (cp) S 1 1 1 0 -1 4194304 0 0 0 0 7 9\n")
	write(filepath.Join(proc, "400", "task", "400", "io"), "rchar: 0\nwchar: 0\nsyscr: 5\nsyscw: 0\nread_bytes: 0\nwrite_bytes: 0\ncancelled_write_bytes: 0\n")
	cp, err := NewCallCounter(NewThreadWatchFrom(proc, func() (map[uint32]bool, error) { return map[uint32]bool{400: true}, nil }))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, ok, err := cp.Count(); !ok || err != nil { // the first sees it
		t.Fatalf("first count with a short stat: ok %v, err %v", ok, err)
	}
	write(filepath.Join(proc, "400", "task", "400", "io"), "rchar: 0\nwchar: 0\nsyscr: 8\nsyscw: 0\nread_bytes: 0\nwrite_bytes: 0\ncancelled_write_bytes: 0\n")
	if a, n, ok, err := cp.Count(); !ok || err != nil || n != 1 || a.SysR != 3 || a.CPU {
		t.Errorf("a short stat: %+v of %d, ok %v, err %v; want 3 reads counted, CPU unknown", a, n, ok, err)
	}
	if _, err := NewCallCounter(NewThreadWatch(filepath.Join(proc, "none"), Selector{Comm: regexp.MustCompile("x")})); err == nil {
		t.Error("no procfs: no error")
	}
}
