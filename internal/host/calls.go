package host

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/prometheus/procfs"
)

// IOAcct is what nfstrace reads of a thread's /proc/PID/task/TID/io and
// stat (proc(5)): its read and write system calls and the bytes they
// passed, and its CPU time in user mode and in the kernel. Calls made
// through io_submit or io_uring are not counted there.
type IOAcct struct {
	RChar, WChar uint64 // bytes read and written by the calls
	SysR, SysW   uint64 // read and write system calls (read, pread, readv, ...)
	// UserNs and SysNs are the thread's CPU time in user mode and in the
	// kernel (stat's utime and stime): the kernel's share of a call's
	// time on a CPU is the call's, the rest is the program's own work
	// between calls. CPU says they were read, of every thread summed.
	UserNs, SysNs uint64
	CPU           bool
}

// clockTick is the unit of stat's utime and stime, USER_HZ: 100 per
// second on every architecture Linux exports to user space this way.
const clockTick = 1e9 / 100

func (a *IOAcct) add(b IOAcct) {
	a.RChar += b.RChar
	a.WChar += b.WChar
	a.SysR += b.SysR
	a.SysW += b.SysW
	a.UserNs += b.UserNs
	a.SysNs += b.SysNs
	a.CPU = a.CPU && b.CPU
}

// sub returns the growth from b to a: a thread's counters only grow, so a
// drop is a new thread under a reused id and counts from zero.
func (a IOAcct) sub(b IOAcct) IOAcct {
	if a.SysR < b.SysR || a.SysW < b.SysW || a.RChar < b.RChar || a.WChar < b.WChar || a.CPU && b.CPU && (a.UserNs < b.UserNs || a.SysNs < b.SysNs) {
		return a
	}
	d := IOAcct{RChar: a.RChar - b.RChar, WChar: a.WChar - b.WChar, SysR: a.SysR - b.SysR, SysW: a.SysW - b.SysW, CPU: a.CPU && b.CPU}
	if d.CPU {
		d.UserNs, d.SysNs = a.UserNs-b.UserNs, a.SysNs-b.SysNs
	}
	return d
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
	pfs     procfs.FS
	last    map[uint32]IOAcct
	buf     []byte // a stat file's bytes, reused
}

// NewCallCounter counts the calls of the threads of w.
func NewCallCounter(w *ThreadWatch) (*CallCounter, error) {
	pfs, err := procfs.NewFS(w.proc)
	if err != nil {
		return nil, fmt.Errorf("procfs %s: %w", w.proc, err)
	}
	return &CallCounter{threads: w, pfs: pfs, last: map[uint32]IOAcct{}, buf: make([]byte, 1024)}, nil
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
	sum.CPU = true
	for tid := range tids {
		a, err := c.read(int(tid))
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

// read reads thread tid's /proc/TID/task/TID/io and stat.
func (c *CallCounter) read(tid int) (IOAcct, error) {
	t, err := c.pfs.Thread(tid, tid)
	if err != nil {
		return IOAcct{}, err
	}
	io, err := t.IO()
	if err != nil {
		return IOAcct{}, err
	}
	a := IOAcct{RChar: io.RChar, WChar: io.WChar, SysR: io.SyscR, SysW: io.SyscW}
	// A stat that cannot be read or parsed leaves the CPU times unknown,
	// not the calls. Read with nfstrace's own parser into a reused buffer:
	// procfs's allocates and scans all 52 fields, which cost as much again
	// as the io file, for every thread every interval (BENCHMARKS.md).
	path := filepath.Join(c.threads.proc, strconv.Itoa(tid), "task", strconv.Itoa(tid), "stat")
	if st, err := readStat(path, c.buf); err == nil {
		a.UserNs, a.SysNs, a.CPU = st.UTime*clockTick, st.STime*clockTick, true
	}
	return a, nil
}
