package ebpf

import (
	"testing"

	"golang.org/x/sys/unix"
)

// The table fits the kernel's array, has no call twice, and holds the
// sleeps a rate-limited thread paces itself with.
func TestSleepCalls(t *testing.T) {
	nr := sleepCalls()
	seen := map[uint32]bool{}
	n := 0
	for _, c := range nr {
		if c == 0 {
			continue
		}
		if seen[c] {
			t.Errorf("system call %d listed twice", c)
		}
		seen[c] = true
		n++
	}
	if n != len(append([]uint32{0, 0, 0, 0, 0, 0, 0, 0}, sleepCallsArch()...)) {
		t.Errorf("%d calls in the table, want every one listed", n)
	}
	for _, c := range []uint32{unix.SYS_NANOSLEEP, unix.SYS_CLOCK_NANOSLEEP, unix.SYS_FUTEX} {
		if !seen[c] {
			t.Errorf("system call %d missing", c)
		}
	}
	for _, c := range []uint32{unix.SYS_PREAD64, unix.SYS_PWRITE64, unix.SYS_IO_GETEVENTS, unix.SYS_IO_URING_ENTER} {
		if seen[c] {
			t.Errorf("IO call %d listed as a sleep", c)
		}
	}
}
