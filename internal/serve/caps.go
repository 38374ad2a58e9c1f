package serve

import (
	"errors"
	"fmt"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// KeepCaps returns the capabilities the daemon may still need once the
// probes of backend ("ebpf" or "procfs") are attached.
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
	if backend == "ebpf" {
		return []int{unix.CAP_SYSLOG}
	}
	return []int{unix.CAP_SYS_ADMIN, unix.CAP_SYS_PTRACE, unix.CAP_SYSLOG}
}

// DropCapabilities reduces the permitted and effective capability sets of
// every thread of the process to keep (those of keep it holds), empties the
// inheritable and ambient sets, and returns what was held before and after
// as bit masks.
//
// Capabilities are per thread in Linux and a Go program runs on several, so
// the capset and prctl calls go through syscall.AllThreadsSyscall, which
// applies them to every runtime thread. That fails with ENOTSUP in a binary
// built with cgo: build with CGO_ENABLED=0 (the Makefile does).
//
// The bounding set is left alone: it only limits what an execve can gain,
// and the daemon never executes anything (systemd's CapabilityBoundingSet
// bounds it anyway).
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
	return before, want, nil
}

func allThreadsErr(e syscall.Errno) error {
	if errors.Is(e, syscall.ENOTSUP) {
		return fmt.Errorf("%w (a cgo build cannot change the capabilities of all threads; build with CGO_ENABLED=0)", e)
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
