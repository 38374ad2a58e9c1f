package host

import (
	"bytes"
	"errors"
	"fmt"
)

// PFKthread is PF_KTHREAD in the flags field of /proc/PID/stat
// (include/linux/sched.h): the task is a kernel thread.
const PFKthread = 0x00200000

// PFIOWorker is PF_IO_WORKER (since 5.12): the task is an io_uring worker,
// a thread of the process whose asynchronous IO it does.
const PFIOWorker = 0x00000010

// Stat is what nfstrace reads of /proc/PID/stat or /proc/PID/task/TID/stat
// (proc(5)); field numbers are proc(5)'s.
type Stat struct {
	PID   int    // field 1: the task's id (the thread id in task/TID/stat)
	Comm  []byte // field 2, without its parentheses; aliases the parsed buffer
	State byte   // field 3: R, S, D, I, ...
	Flags uint64 // field 9: PF_* flags
	// UTime and STime are fields 14 and 15, the task's CPU time in user
	// mode and in the kernel, in clock ticks (USER_HZ).
	UTime, STime uint64
	// Threads is field 20, num_threads of the thread group.
	Threads int
	// StartTime is field 22, clock ticks after boot: with PID, it tells a
	// thread from a later one that reused its id.
	StartTime uint64
}

// Kthread reports whether the task is a kernel thread.
func (s Stat) Kthread() bool { return s.Flags&PFKthread != 0 }

// IOWorker reports whether the task is an io_uring worker.
func (s Stat) IOWorker() bool { return s.Flags&PFIOWorker != 0 }

// ParseStat parses a stat line. The comm is in parentheses and may itself
// hold blanks and parentheses, so the fields after it are counted from the
// last ')'. Every kernel since 2.6 prints at least 44 fields; a line
// without the 22 nfstrace reads is an error. It does not allocate.
func ParseStat(b []byte) (Stat, error) {
	var st Stat
	open := bytes.IndexByte(b, '(')
	closing := bytes.LastIndexByte(b, ')')
	if open < 0 || closing < open {
		return st, errors.New("stat: no (comm)")
	}
	pid, ok := parseInt(trimSpace(b[:open]))
	if !ok || pid <= 0 {
		return st, fmt.Errorf("stat: bad pid %q", trimSpace(b[:open]))
	}
	st.PID = pid
	st.Comm = b[open+1 : closing]
	rest := b[closing+1:]
	if len(rest) == 0 || rest[0] != ' ' {
		// The kernel writes ") S": a field glued to the comm is not one.
		return st, errors.New("stat: no blank after (comm)")
	}
	state, rest := nextField(rest)
	if len(state) != 1 || state[0] < 'A' || state[0] > 'z' {
		return st, fmt.Errorf("stat: bad state %q", state)
	}
	st.State = state[0]
	var f []byte
	for i := 4; i <= 22; i++ {
		f, rest = nextField(rest)
		if len(f) == 0 {
			return st, fmt.Errorf("stat: %d fields, want at least 22", i-1)
		}
		switch i {
		case 9:
			if st.Flags, ok = parseUint(f); !ok {
				return st, fmt.Errorf("stat: bad flags %q", f)
			}
		case 14:
			if st.UTime, ok = parseUint(f); !ok {
				return st, fmt.Errorf("stat: bad utime %q", f)
			}
		case 15:
			if st.STime, ok = parseUint(f); !ok {
				return st, fmt.Errorf("stat: bad stime %q", f)
			}
		case 20:
			if st.Threads, ok = parseInt(f); !ok || st.Threads < 0 {
				return st, fmt.Errorf("stat: bad num_threads %q", f)
			}
		case 22:
			if st.StartTime, ok = parseUint(f); !ok {
				return st, fmt.Errorf("stat: bad starttime %q", f)
			}
		}
	}
	return st, nil
}
