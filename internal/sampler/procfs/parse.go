package procfs

import (
	"bytes"
)

// parseState returns the state character of a /proc/PID/stat line: the first
// byte after the last ')', which closes the comm field. The comm may contain
// spaces and parentheses of its own, so only the last ')' is reliable. It is
// the hot path of the sampler and does not allocate.
func parseState(b []byte) (byte, bool) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) || b[i+1] != ' ' {
		return 0, false
	}
	s := b[i+2]
	if s < 'A' || s > 'z' {
		return 0, false
	}
	return s, true
}

// parsePcount returns the third field of /proc/PID/schedstat, the number of
// times the task was switched in (sched_info.pcount). A task in D state does
// not run, so a change between two samples that both saw D means the task woke,
// ran and blocked again: two intervals, not one. It does not allocate.
func parsePcount(b []byte) (uint64, bool) {
	ss, ok := parseSchedstat(b)
	return ss.pcount, ok
}

// schedstat is /proc/PID/task/TID/schedstat.
type schedstat struct {
	runNs  uint64 // time on CPU (sum_exec_runtime)
	waitNs uint64 // time runnable on a run queue (sched_info.run_delay)
	pcount uint64 // times switched in
}

// parseSchedstat parses the three fields of a schedstat line. It does not
// allocate.
func parseSchedstat(b []byte) (schedstat, bool) {
	var f [3]uint64
	var field int
	var digits bool
	for _, c := range b {
		switch {
		case c == ' ' || c == '\n':
			if digits {
				if field == 2 {
					return schedstat{f[0], f[1], f[2]}, true
				}
				field++
				digits = false
			}
		case c >= '0' && c <= '9':
			f[field] = f[field]*10 + uint64(c-'0')
			digits = true
		default:
			return schedstat{}, false
		}
	}
	if digits && field == 2 {
		return schedstat{f[0], f[1], f[2]}, true
	}
	return schedstat{}, false
}

// parseWchan returns the symbol in /proc/PID/wchan, or nil when the task is
// running or the caller may not see it (the kernel prints "0" in both cases).
func parseWchan(b []byte) []byte {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || bytes.Equal(b, []byte("0")) {
		return nil
	}
	return b
}

// parseStack appends to dst the function names of the frames in a
// /proc/PID/stack text, innermost first, without addresses, offsets and
// module names: "[<0>] nfsd_vfs_write+0x1a4/0x5e0 [nfsd]" gives
// "nfsd_vfs_write". The names are subslices of b.
func parseStack(b []byte, dst [][]byte) [][]byte {
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		if i := bytes.Index(line, []byte("] ")); i >= 0 && bytes.HasPrefix(line, []byte("[<")) {
			line = line[i+2:]
		}
		line = bytes.TrimLeft(line, " ")
		if i := bytes.IndexAny(line, "+ "); i >= 0 {
			line = line[:i]
		}
		if len(line) > 0 {
			dst = append(dst, line)
		}
	}
	return dst
}

// parseSyscallNr returns the system call number in a
// /proc/PID/task/TID/syscall line ("208 0x7f... ..."), false when the
// thread is running, not in a system call ("-1 ..."), or the line is not
// one. It does not allocate.
func parseSyscallNr(b []byte) (uint64, bool) {
	var nr uint64
	var digits int
	for _, c := range b {
		if c < '0' || c > '9' {
			if c != ' ' && c != '\n' {
				return 0, false
			}
			break
		}
		if digits++; digits > 6 {
			return 0, false
		}
		nr = nr*10 + uint64(c-'0')
	}
	return nr, digits > 0
}
