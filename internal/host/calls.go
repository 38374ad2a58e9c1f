package host

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// IOAcct is what nfstrace reads of a thread's /proc/PID/task/TID/io
// (proc(5)): its read and write system calls and the bytes they passed.
// Calls made through io_submit or io_uring are not counted there.
type IOAcct struct {
	RChar, WChar uint64 // bytes read and written by the calls
	SysR, SysW   uint64 // read and write system calls (read, pread, readv, ...)
}

func (a *IOAcct) add(b IOAcct) {
	a.RChar += b.RChar
	a.WChar += b.WChar
	a.SysR += b.SysR
	a.SysW += b.SysW
}

// sub returns the growth from b to a: a thread's counters only grow, so a
// drop is a new thread under a reused id and counts from zero.
func (a IOAcct) sub(b IOAcct) IOAcct {
	if a.SysR < b.SysR || a.SysW < b.SysW || a.RChar < b.RChar || a.WChar < b.WChar {
		return a
	}
	return IOAcct{RChar: a.RChar - b.RChar, WChar: a.WChar - b.WChar, SysR: a.SysR - b.SysR, SysW: a.SysW - b.SysW}
}

// ParseIO parses an io file. rchar, wchar, syscr and syscw are required
// (every kernel with task IO accounting prints them); other lines are
// skipped.
func ParseIO(b []byte) (IOAcct, error) {
	var a IOAcct
	var seen int
	for len(b) > 0 {
		var line []byte
		line, b, _ = bytes.Cut(b, []byte{'\n'})
		key, val, ok := bytes.Cut(line, []byte{':'})
		if !ok {
			continue
		}
		var dst *uint64
		switch string(key) {
		case "rchar":
			dst = &a.RChar
		case "wchar":
			dst = &a.WChar
		case "syscr":
			dst = &a.SysR
		case "syscw":
			dst = &a.SysW
		default:
			continue
		}
		v, ok := parseUint(trimSpace(val))
		if !ok {
			return IOAcct{}, fmt.Errorf("io: bad %s %q", key, trimSpace(val))
		}
		*dst = v
		seen++
	}
	if seen < 4 {
		return IOAcct{}, errors.New("io: want rchar, wchar, syscr and syscw")
	}
	return a, nil
}

// MaxCallThreads bounds the threads whose io files a CallCounter reads
// each interval: beyond it (--all on a large host) the reads would cost
// more than the unit of work they give is worth, and calls are not counted.
const MaxCallThreads = 512

// CallCounter counts the read and write system calls of the threads of a
// ThreadWatch, interval by interval: the unit of work of a process that
// does its IO through such calls (fio's psync engine, cp, a database's
// preads), as NFS operations are nfsd's.
type CallCounter struct {
	threads *ThreadWatch
	last    map[uint32]IOAcct
	buf     []byte
}

// NewCallCounter counts the calls of the threads of w.
func NewCallCounter(w *ThreadWatch) *CallCounter {
	return &CallCounter{threads: w, last: map[uint32]IOAcct{}, buf: make([]byte, 512)}
}

// Count returns the calls the selected threads made since the last Count
// and how many threads it read; ok is false when the threads are more than
// MaxCallThreads or none of their files could be read (a thread that
// exited, whose file is gone, made no calls: that is not unknown). A thread counts from the Count that first sees it, as a
// tracer's probes count its waits from when they first see it: the calls
// a process makes as it starts (loading its configuration) before that are
// not counted. A thread that exited between two calls loses its last
// interval's calls: its io file is gone.
func (c *CallCounter) Count() (sum IOAcct, threads int, ok bool, err error) {
	tids, _, err := c.threads.Threads()
	if err != nil {
		return IOAcct{}, 0, false, err
	}
	if len(tids) > MaxCallThreads {
		return IOAcct{}, 0, false, nil
	}
	for tid := range c.last {
		if !tids[tid] {
			delete(c.last, tid)
		}
	}
	var unreadable int
	for tid := range tids {
		id := strconv.FormatUint(uint64(tid), 10)
		a, err := c.read(filepath.Join(c.threads.proc, id, "task", id, "io"))
		switch {
		case errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ESRCH):
			continue // exited: it makes no more calls
		case err != nil:
			unreadable++ // no privilege, or no task IO accounting
			continue
		}
		if prev, seen := c.last[tid]; seen {
			sum.add(a.sub(prev))
		}
		c.last[tid] = a
		threads++
	}
	if threads == 0 && unreadable > 0 {
		return IOAcct{}, 0, false, nil // none readable: unknown, not none made
	}
	return sum, threads, true, nil
}

func (c *CallCounter) read(path string) (IOAcct, error) {
	f, err := os.Open(path)
	if err != nil {
		return IOAcct{}, err
	}
	defer f.Close()
	n, err := f.Read(c.buf)
	if err != nil {
		return IOAcct{}, err
	}
	return ParseIO(c.buf[:n])
}
