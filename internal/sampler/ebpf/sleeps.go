package ebpf

import "golang.org/x/sys/unix"

// nrSleeps is bpf/core.bpf.c's NR_SLEEPS.
const nrSleeps = 12

// sleepCalls returns the system call numbers of the sleeps for time or for
// events on this build's architecture, for bpf/core.bpf.c's nr_sleeps: a
// thread woken in one of them was pacing itself or idle, and its wait for
// a CPU delays none of its calls. The calls every architecture has come
// first; sleepCallsArch adds the older ones only some keep.
func sleepCalls() [nrSleeps]uint32 {
	var nr [nrSleeps]uint32
	calls := append([]uint32{
		unix.SYS_NANOSLEEP, unix.SYS_CLOCK_NANOSLEEP,
		unix.SYS_FUTEX, unix.SYS_FUTEX_WAITV,
		unix.SYS_PPOLL, unix.SYS_PSELECT6,
		unix.SYS_EPOLL_PWAIT, unix.SYS_EPOLL_PWAIT2,
	}, sleepCallsArch()...)
	copy(nr[:], calls)
	return nr
}
