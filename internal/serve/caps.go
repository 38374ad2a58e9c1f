package serve

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/nfstrace/nfstrace/internal/model"
)

// KeepCaps returns the capabilities the daemon may still need once the
// probes of backend (model.BackendEBPF or model.BackendProcfs) are attached.
//
// eBPF: reading /proc/kallsyms addresses again when a module (nfsd) loads
// later needs CAP_SYSLOG; ring buffers and maps are used through file
// descriptors the process already holds, which need no capability. The
// host view's /proc/PID/stack of D-state tasks needs CAP_SYS_ADMIN and is
// given up (the eBPF wait sites replace it).
//
// procfs: /proc/PID/stack needs CAP_SYS_ADMIN, and CAP_SYS_PTRACE for
// processes of other users (--pid).
func KeepCaps(backend string) []int {
	if backend == model.BackendEBPF {
		return []int{unix.CAP_SYSLOG}
	}
	return []int{unix.CAP_SYS_ADMIN, unix.CAP_SYS_PTRACE, unix.CAP_SYSLOG}
}

// DropCapabilities reduces the permitted and effective capability sets of
// every thread of the process to keep (those of keep it holds), empties the
// inheritable and ambient sets, removes every other capability from the
// bounding set, sets NO_NEW_PRIVS, and then reads the result back from
// /proc/self/task/*/status: it returns an error unless every thread shows
// exactly that. before and after are the effective sets as bit masks.
//
// Capabilities are per thread in Linux and a Go program runs on several, so
// the capset and prctl calls go through syscall.AllThreadsSyscall, which
// applies them to every runtime thread. That fails with ENOTSUP in a binary
// built with cgo: build with CGO_ENABLED=0 (make build does).
//
// Dropping from the bounding set needs CAP_SETPCAP, which is given up with
// the rest. A process that holds no capability and is not root has nothing
// an execve could regain (NO_NEW_PRIVS blocks file capabilities and set-user-ID
// programs), so its bounding set is left as it is.
func DropCapabilities(keep []int) (before, after uint64, err error) {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var cur [2]unix.CapUserData
	if err := unix.Capget(&hdr, &cur[0]); err != nil {
		return 0, 0, fmt.Errorf("capget: %w", err)
	}
	before = uint64(cur[0].Effective) | uint64(cur[1].Effective)<<32
	permitted := uint64(cur[0].Permitted) | uint64(cur[1].Permitted)<<32
	var want uint64
	for _, c := range keep {
		if c < 0 || c > 63 {
			return before, before, fmt.Errorf("drop capabilities: capability %d out of range", c)
		}
		want |= 1 << c
	}
	want &= permitted

	bounding, err := boundingSet()
	if err != nil {
		return before, before, err
	}
	dropBounding := bounding &^ want
	if permitted == 0 && os.Geteuid() != 0 {
		dropBounding = 0
	}
	if dropBounding != 0 && before&(1<<unix.CAP_SETPCAP) == 0 {
		return before, before, fmt.Errorf("drop bounding set: CAP_SETPCAP is not held (%s would stay)", strings.Join(CapNames(dropBounding), ","))
	}
	for c := 0; c < 64; c++ {
		if dropBounding&(1<<c) == 0 {
			continue
		}
		if _, _, e := syscall.AllThreadsSyscall6(unix.SYS_PRCTL, unix.PR_CAPBSET_DROP, uintptr(c), 0, 0, 0, 0); e != 0 {
			return before, before, fmt.Errorf("drop %s from the bounding set: %w", capName(c), allThreadsErr(e))
		}
	}
	if _, _, e := syscall.AllThreadsSyscall6(unix.SYS_PRCTL, unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0); e != 0 {
		return before, before, fmt.Errorf("set no_new_privs: %w", allThreadsErr(e))
	}
	if _, _, e := syscall.AllThreadsSyscall6(unix.SYS_PRCTL, unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0, 0); e != 0 {
		return before, before, fmt.Errorf("clear ambient capabilities: %w", allThreadsErr(e))
	}
	next := [2]unix.CapUserData{
		{Effective: uint32(want), Permitted: uint32(want)},
		{Effective: uint32(want >> 32), Permitted: uint32(want >> 32)},
	}
	hdr = unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3} // pid 0: the calling thread
	if _, _, e := syscall.AllThreadsSyscall(unix.SYS_CAPSET, uintptr(unsafe.Pointer(&hdr)), uintptr(unsafe.Pointer(&next[0])), 0); e != 0 {
		return before, before, fmt.Errorf("capset: %w", allThreadsErr(e))
	}
	maxBounding := bounding &^ dropBounding
	if err := verifyThreads("/proc/self/task", want, maxBounding); err != nil {
		return before, before, err
	}
	return before, want, nil
}

// boundingSet reads the calling thread's bounding set with PR_CAPBSET_READ,
// up to the last capability the kernel knows.
func boundingSet() (uint64, error) {
	var set uint64
	for c := 0; c < 64; c++ {
		in, err := unix.PrctlRetInt(unix.PR_CAPBSET_READ, uintptr(c), 0, 0, 0)
		if errors.Is(err, unix.EINVAL) {
			break // past CAP_LAST_CAP
		}
		if err != nil {
			return 0, fmt.Errorf("read bounding set: %w", err)
		}
		if in == 1 {
			set |= 1 << c
		}
	}
	return set, nil
}

// CapStatus is what /proc/PID/status says of a thread's capabilities.
type CapStatus struct {
	Inh, Prm, Eff, Bnd, Amb uint64
	NoNewPrivs              bool
}

// ParseCapStatus reads the Cap* and NoNewPrivs lines of a /proc/PID/status
// file; all of them must be there.
func ParseCapStatus(b []byte) (CapStatus, error) {
	var st CapStatus
	seen := 0
	for _, line := range strings.Split(string(b), "\n") {
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		val = strings.TrimSpace(val)
		var dst *uint64
		switch key {
		case "CapInh":
			dst = &st.Inh
		case "CapPrm":
			dst = &st.Prm
		case "CapEff":
			dst = &st.Eff
		case "CapBnd":
			dst = &st.Bnd
		case "CapAmb":
			dst = &st.Amb
		case "NoNewPrivs":
			switch val {
			case "0", "1":
				st.NoNewPrivs = val == "1"
				seen++
				continue
			}
			return st, fmt.Errorf("NoNewPrivs %q: want 0 or 1", val)
		default:
			continue
		}
		v, err := strconv.ParseUint(val, 16, 64)
		if err != nil {
			return st, fmt.Errorf("%s %q: %w", key, val, err)
		}
		*dst = v
		seen++
	}
	if seen != 6 {
		return st, errors.New("capability lines missing (want CapInh, CapPrm, CapEff, CapBnd, CapAmb and NoNewPrivs)")
	}
	return st, nil
}

// Check says how st differs from a dropped state: exactly want permitted
// and effective, nothing inheritable or ambient, nothing in the bounding set
// beyond maxBounding, NO_NEW_PRIVS set.
func (st CapStatus) Check(want, maxBounding uint64) error {
	switch {
	case st.Eff != want || st.Prm != want:
		return fmt.Errorf("effective %#x, permitted %#x, want %#x", st.Eff, st.Prm, want)
	case st.Inh != 0 || st.Amb != 0:
		return fmt.Errorf("inheritable %#x, ambient %#x, want none", st.Inh, st.Amb)
	case st.Bnd&^maxBounding != 0:
		return fmt.Errorf("bounding set still holds %s", strings.Join(CapNames(st.Bnd&^maxBounding), ","))
	case !st.NoNewPrivs:
		return errors.New("NoNewPrivs not set")
	}
	return nil
}

// verifyThreads reads every thread's status under dir (/proc/self/task)
// and checks it.
func verifyThreads(dir string, want, maxBounding uint64) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("read back capabilities: %w", err)
	}
	n := 0
	for _, e := range ents {
		b, err := readCapped(filepath.Join(dir, e.Name(), "status"), 64<<10)
		if errors.Is(err, fs.ErrNotExist) {
			continue // the thread exited
		}
		if err != nil {
			return fmt.Errorf("read back capabilities: %w", err)
		}
		st, err := ParseCapStatus(b)
		if err == nil {
			err = st.Check(want, maxBounding)
		}
		if err != nil {
			return fmt.Errorf("read back capabilities of thread %s: %w", e.Name(), err)
		}
		n++
	}
	if n == 0 {
		return fmt.Errorf("read back capabilities: no thread in %s", dir)
	}
	return nil
}

// readCapped reads at most limit bytes of a file.
func readCapped(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, limit))
}

func allThreadsErr(e syscall.Errno) error {
	if errors.Is(e, syscall.ENOTSUP) {
		return fmt.Errorf("%w (a cgo build cannot change the capabilities of all threads; build with make build, which sets CGO_ENABLED=0)", e)
	}
	return e
}

// CapNames names the capabilities of a mask, for logs.
func CapNames(mask uint64) []string {
	var names []string
	for c := 0; c < 64; c++ {
		if mask&(1<<c) == 0 {
			continue
		}
		names = append(names, capName(c))
	}
	return names
}

func capName(c int) string {
	switch c {
	case unix.CAP_DAC_OVERRIDE:
		return "CAP_DAC_OVERRIDE"
	case unix.CAP_DAC_READ_SEARCH:
		return "CAP_DAC_READ_SEARCH"
	case unix.CAP_SETPCAP:
		return "CAP_SETPCAP"
	case unix.CAP_SYS_PTRACE:
		return "CAP_SYS_PTRACE"
	case unix.CAP_SYS_ADMIN:
		return "CAP_SYS_ADMIN"
	case unix.CAP_SYS_RESOURCE:
		return "CAP_SYS_RESOURCE"
	case unix.CAP_SYSLOG:
		return "CAP_SYSLOG"
	case unix.CAP_PERFMON:
		return "CAP_PERFMON"
	case unix.CAP_BPF:
		return "CAP_BPF"
	}
	return fmt.Sprintf("cap_%d", c)
}
