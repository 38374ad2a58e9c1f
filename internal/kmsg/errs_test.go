package kmsg

import "golang.org/x/sys/unix"

const (
	errAgain = unix.EAGAIN
	errPipe  = unix.EPIPE
)
