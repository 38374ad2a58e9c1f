package lab

import (
	"os"
	"strings"
	"testing"
)

func TestParseThreadStacks(t *testing.T) {
	f, err := os.Open("testdata/thread-stacks.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := ParseThreadStacks(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 {
		t.Fatalf("%d samples, want 5", len(got))
	}
	w := got[0]
	if w.Uptime != 512.31 || w.PID != 731 || w.Comm != "nfsd" || w.State != "D" || len(w.Frames) != 14 || w.Frames[0] != "rwsem_down_write_slowpath" {
		t.Errorf("first sample %+v", w)
	}
	if !w.Has("ext4_buffered_write_iter") || w.Has("kjournald2") {
		t.Errorf("Has on %v", w.Frames)
	}
	if j := got[3]; j.Comm != "jbd2/dm-0-8" || !j.Has("nfsd_vfs_write", "kjournald2") {
		t.Errorf("jbd2 sample %+v", j)
	}
	if len(got[4].Frames) != 0 {
		t.Errorf("running thread's empty stack: %v", got[4].Frames)
	}
	rounds := SampleRounds(got)
	if len(rounds) != 2 || len(rounds[0]) != 4 || len(rounds[1]) != 1 {
		t.Errorf("rounds of %d, want 4 and 1", len(rounds))
	}
}

func TestParseThreadStacksErrors(t *testing.T) {
	for in, want := range map[string]string{
		"[<0>] nfsd+0x84/0xd0\n":         "line 1: want a stack frame",
		"== 1.0 pid x nfsd S\n":          "line 1: bad uptime or pid",
		"== 1.0 pid 3 nfsd\n":            `line 1: want "== UPTIME pid PID COMM STATE"`,
		"== 1.0 pid 3 nfsd S\nrubbish\n": "line 2: want a stack frame",
	} {
		if _, err := ParseThreadStacks(strings.NewReader(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseThreadStacks(%q) = %v, want %q", in, err, want)
		}
	}
}

// Stacks as 6.12's /proc/PID/stack printed them in the lab (innermost
// first), which leaves out __sched functions such as down_write and
// rwsem_down_write_slowpath.
func TestInodeLockSamples(t *testing.T) {
	write := []string{"ext4_buffered_write_iter", "do_iter_readv_writev", "vfs_iter_write", "nfsd_vfs_write", "nfsd4_write"}
	tests := []struct {
		name         string
		state        string
		frames       []string
		waits, holds bool
	}{
		{"asleep on the lock, scheduler frames left out", "D", write, true, false},
		{"asleep on the lock, slowpath shown", "D", append([]string{"rwsem_down_write_slowpath", "down_write"}, write...), true, false},
		{"runnable at the write function: before or after the lock, unknown", "R", write, false, false},
		{"journal wait inside the lock", "D", append([]string{"do_get_write_access", "jbd2_journal_get_write_access", "ext4_dirty_inode", "file_modified"}, write...), false, true},
		{"copying into the page cache", "R", append([]string{"generic_perform_write"}, write...), false, true},
		{"sync after the lock is released", "D", append([]string{"jbd2_log_wait_commit", "ext4_sync_file"}, write...), false, false},
		{"waiting for writeback in the sync", "D", append([]string{"folio_wait_bit_common", "folio_wait_writeback", "__filemap_fdatawait_range", "file_write_and_wait_range"}, write...), false, false},
		{"idle nfsd thread", "I", []string{"svc_recv", "nfsd", "kthread"}, false, false},
		{"empty stack of a running thread", "R", nil, false, false},
	}
	for _, tt := range tests {
		s := ThreadSample{Comm: "nfsd", State: tt.state, Frames: tt.frames}
		if got := s.WaitsOnInodeLock(); got != tt.waits {
			t.Errorf("%s: WaitsOnInodeLock = %v, want %v", tt.name, got, tt.waits)
		}
		if got := s.HoldsInodeLock(); got != tt.holds {
			t.Errorf("%s: HoldsInodeLock = %v, want %v", tt.name, got, tt.holds)
		}
	}
}
