package lab

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// ThreadSample is one kernel thread's state and stack as the guest sampled
// them from /proc (lab/guest/init.sh sample_all): the ground truth that
// nfstrace's lock owners and wait sites are checked against.
type ThreadSample struct {
	Uptime float64 // guest uptime in seconds when sampled
	PID    int
	Comm   string
	State  string   // /proc/PID/stat state: R, S, D, ...
	Frames []string // function names, innermost first
}

// Has reports whether any frame of the sample is one of fns.
func (s ThreadSample) Has(fns ...string) bool {
	for _, f := range s.Frames {
		for _, fn := range fns {
			if f == fn {
				return true
			}
		}
	}
	return false
}

// The write paths that take a file's inode lock (i_rwsem) for the whole of
// a buffered write, and the sync that nfsd's stable writes run after
// releasing it.
var (
	inodeLockWriters = []string{"ext4_buffered_write_iter", "ext4_file_write_iter"}
	syncAfterUnlock  = []string{"ext4_sync_file", "file_write_and_wait_range", "vfs_fsync_range"}
)

// WaitsOnInodeLock reports whether the sample is a thread asleep (D) waiting
// to take a file's inode lock for a write. /proc/PID/stack leaves out the
// scheduler's functions, among them down_write and
// rwsem_down_write_slowpath (__sched), so such a thread shows the write
// function itself as its innermost frame; kernels whose stacks keep
// rwsem_down_write_slowpath show it above the write function.
func (s ThreadSample) WaitsOnInodeLock() bool {
	if s.State != "D" || len(s.Frames) == 0 {
		return false
	}
	if s.Has("rwsem_down_write_slowpath") && s.Has(inodeLockWriters...) {
		return true
	}
	return slices.Contains(inodeLockWriters, s.Frames[0])
}

// HoldsInodeLock reports whether the sample is a thread inside a buffered
// write past taking the file's inode lock: in the write function, deeper
// than it, not waiting for the lock and not in the sync that runs after the
// lock is released.
func (s ThreadSample) HoldsInodeLock() bool {
	return len(s.Frames) > 0 && s.Has(inodeLockWriters...) && !slices.Contains(inodeLockWriters, s.Frames[0]) &&
		!s.Has("rwsem_down_write_slowpath") && !s.Has(syncAfterUnlock...)
}

// ParseThreadStacks reads sample_all's output: records of a header line
// "== UPTIME pid PID COMM STATE" followed by /proc/PID/stack lines such as
// "[<0>] rwsem_down_write_slowpath+0x2b4/0x570". A line of neither form is
// an error naming the line.
func ParseThreadStacks(r io.Reader) ([]ThreadSample, error) {
	var out []ThreadSample
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if rest, ok := strings.CutPrefix(line, "== "); ok {
			f := strings.Fields(rest)
			if len(f) != 5 || f[1] != "pid" {
				return nil, fmt.Errorf("line %d: want \"== UPTIME pid PID COMM STATE\", got %q", n, line)
			}
			up, err1 := strconv.ParseFloat(f[0], 64)
			pid, err2 := strconv.Atoi(f[2])
			if err1 != nil || err2 != nil {
				return nil, fmt.Errorf("line %d: bad uptime or pid in %q", n, line)
			}
			out = append(out, ThreadSample{Uptime: up, PID: pid, Comm: f[3], State: f[4]})
			continue
		}
		_, fn, ok := strings.Cut(line, "] ")
		if !ok || len(out) == 0 {
			return nil, fmt.Errorf("line %d: want a stack frame \"[<0>] function+off/len\" after a header, got %q", n, line)
		}
		fn, _, _ = strings.Cut(fn, "+")
		fn, _, _ = strings.Cut(fn, " ")
		out[len(out)-1].Frames = append(out[len(out)-1].Frames, fn)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read thread stacks: %w", err)
	}
	return out, nil
}

// SampleRounds groups samples into the rounds sample_all took them in: the
// samples of one round carry the uptime at which it began.
func SampleRounds(samples []ThreadSample) [][]ThreadSample {
	var out [][]ThreadSample
	for i, s := range samples {
		if i == 0 || s.Uptime != samples[i-1].Uptime {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], s)
	}
	return out
}
