package host

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
	"time"
)

// Task is a thread seen in D state (uninterruptible sleep, TASK_IDLE
// excluded) during a scan of /proc.
type Task struct {
	PID, TID int
	Comm     string
	// WChan is the function the thread sleeps in (/proc/PID/task/TID/wchan),
	// "" when the kernel hides it or the thread woke up meanwhile.
	WChan string
	// Stack holds the frames of /proc/PID/task/TID/stack, innermost first,
	// function names without offsets or module names; nil when unreadable
	// (it needs root). The kernel leaves out scheduler functions
	// (io_schedule, rwsem_down_write_slowpath, ...): the innermost frame is
	// the first caller outside them, like the wait channel.
	Stack []string
	// Switches counts the thread's switches off a CPU: the third field of
	// /proc/PID/task/TID/schedstat (the times it was given a CPU), or,
	// where that file is missing, the sum of the voluntary and
	// nonvoluntary switches in its status. HasSwitches is false when
	// neither could be read. A thread in D at two scans with the same
	// count did not run between them: its wait had not ended.
	Switches    uint64
	HasSwitches bool
	// Since is the uptime of the first scan that saw the thread in D in
	// the wait it is in now (see CarryBlocked); 0 until set.
	Since time.Duration
}

// CarryBlocked sets the Since of each task in D in cur: that of the same
// thread in prev when it was in D there too and had not run since (the
// same switch count), else cur's uptime. cur.Uptime - Since is then how
// long the thread has been in this wait at least, to the scans'
// resolution; a thread whose switches cannot be read starts anew at every
// scan, as nothing shows that it did not run. Both scans list the threads
// in /proc's order, so the search for each goes on from the last one
// found: no allocation, and one pass when the same threads stay in D.
func CarryBlocked(prev, cur *Sample) {
	var pt []Task
	if prev != nil {
		pt = prev.DTasks
	}
	j := 0
	for i := range cur.DTasks {
		t := &cur.DTasks[i]
		t.Since = cur.Uptime
		if !t.HasSwitches {
			continue
		}
		for k := range pt {
			p := &pt[(j+k)%len(pt)]
			if p.TID != t.TID {
				continue
			}
			j = (j + k + 1) % len(pt)
			if p.HasSwitches && p.Switches == t.Switches && p.Since > 0 && p.Since <= cur.Uptime {
				t.Since = p.Since
			}
			break
		}
	}
}

// parseSchedstat returns the third field of /proc/PID/schedstat: the
// number of times the task was given a CPU.
func parseSchedstat(b []byte) (uint64, bool) {
	var f []byte
	for range 3 {
		f, b = nextField(b)
	}
	return parseUint(f)
}

// parseSwitches returns the sum of voluntary_ctxt_switches and
// nonvoluntary_ctxt_switches of /proc/PID/status; ok only when both are
// there.
func parseSwitches(b []byte) (uint64, bool) {
	var sum uint64
	found := 0
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		name, rest := nextField(line)
		if !bytes.Equal(name, []byte("voluntary_ctxt_switches:")) && !bytes.Equal(name, []byte("nonvoluntary_ctxt_switches:")) {
			continue
		}
		v, _ := nextField(rest)
		n, ok := parseUint(v)
		if !ok {
			return 0, false
		}
		sum += n
		found++
	}
	if found != 2 {
		return 0, false
	}
	return sum, true
}

// parseWchan parses /proc/PID/wchan: a symbol name, or "0" (or nothing)
// when the task runs or the kernel hides the address.
func parseWchan(b []byte) string {
	b = trimSpace(b)
	if len(b) == 0 || (len(b) == 1 && b[0] == '0') {
		return ""
	}
	return string(b)
}

// parseStack parses /proc/PID/stack into function names, innermost first.
// Lines look like "[<ffffffff8117bc4c>] wait_on_page_bit+0xcc/0xf0" on 4.x,
// "[<0>] folio_wait_bit_common+0x13c/0x350" once addresses are hidden, with
// " [module]" after module symbols; 4.x ends with a "0xffffffffffffffff"
// sentinel frame, which is dropped like any frame that is only an address.
func parseStack(b []byte) []string {
	var frames []string
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		line = trimSpace(line)
		if len(line) == 0 {
			continue
		}
		if line[0] == '[' {
			if i := bytes.IndexByte(line, ']'); i >= 0 {
				line = trimSpace(line[i+1:])
			}
		}
		name, _ := nextField(line)
		if i := bytes.IndexByte(name, '+'); i >= 0 {
			name = name[:i]
		}
		if len(name) == 0 || bytes.HasPrefix(name, []byte("0x")) {
			continue
		}
		frames = append(frames, string(name))
	}
	return frames
}

// scanTasks appends to dst[:0] every thread in D state. A thread that exits
// during the scan is skipped, not an error. It also returns how many threads
// it looked at.
func (r *Reader) scanTasks(dst []Task) ([]Task, int, error) {
	dst = dst[:0]
	pids, err := r.listNumeric(r.roots.Proc)
	if err != nil {
		return dst, 0, fmt.Errorf("scan tasks: %w", err)
	}
	scanned := 0
	for _, pid := range pids {
		dir := r.roots.Proc + "/" + pid
		b, err := r.readSmall(dir + "/stat")
		if err != nil {
			if gone(err) {
				continue
			}
			return dst, scanned, err
		}
		st, err := ParseStat(b)
		if err != nil {
			return dst, scanned, fmt.Errorf("%s/stat: %w", dir, err)
		}
		if st.Threads <= 1 {
			scanned++
			if st.State == 'D' {
				dst = append(dst, r.dTask(dir, st.PID, st.PID, st.Comm))
			}
			continue
		}
		tids, err := r.listNumeric(dir + "/task")
		if err != nil {
			if gone(err) {
				continue
			}
			return dst, scanned, fmt.Errorf("scan tasks: %w", err)
		}
		for _, tid := range tids {
			tdir := dir + "/task/" + tid
			b, err := r.readSmall(tdir + "/stat")
			if err != nil {
				if gone(err) {
					continue
				}
				return dst, scanned, err
			}
			tst, err := ParseStat(b)
			if err != nil {
				return dst, scanned, fmt.Errorf("%s/stat: %w", tdir, err)
			}
			scanned++
			if tst.State == 'D' {
				dst = append(dst, r.dTask(tdir, st.PID, tst.PID, tst.Comm))
			}
		}
	}
	return dst, scanned, nil
}

// dTask reads the wait channel and stack of a thread found in D state.
// comm aliases the read buffer, so it is interned before the next read.
func (r *Reader) dTask(dir string, pid, tid int, comm []byte) Task {
	t := Task{PID: pid, TID: tid, Comm: r.intern(comm)}
	if b, err := r.readSmall(dir + "/wchan"); err == nil {
		t.WChan = parseWchan(b)
	}
	if b, err := r.read(dir + "/stack"); err == nil {
		t.Stack = parseStack(b)
	}
	if b, err := r.readSmall(dir + "/schedstat"); err == nil {
		t.Switches, t.HasSwitches = parseSchedstat(b)
	} else if b, err := r.read(dir + "/status"); err == nil {
		t.Switches, t.HasSwitches = parseSwitches(b)
	}
	return t
}

// gone reports whether err means that a task cannot be read and is to be
// skipped: it exited while being read, or procfs is mounted with hidepid=1
// and the task belongs to another user.
func gone(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ESRCH) ||
		errors.Is(err, fs.ErrPermission)
}

// listNumeric returns the names of the numeric entries of dir (PIDs or TIDs).
func (r *Reader) listNumeric(dir string) ([]string, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", dir, err)
	}
	n := 0
	for _, name := range names {
		if _, ok := parseUint([]byte(name)); ok {
			names[n] = name
			n++
		}
	}
	return names[:n], nil
}
