package ebpf

import "golang.org/x/sys/unix"

// sleepCallsArch returns the sleeps x86_64 keeps beside the generic ones.
func sleepCallsArch() []uint32 {
	return []uint32{unix.SYS_POLL, unix.SYS_SELECT, unix.SYS_EPOLL_WAIT}
}
