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
