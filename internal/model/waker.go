package model

import "time"

// WakerIRQ is the Waker of waits ended from an interrupt (a block
// completion, a timer): the task it interrupted is not the waker.
const WakerIRQ = "irq"

// WakerSoftIRQ is the Waker of waits ended by softirq work that ran in
// ksoftirqd.
const WakerSoftIRQ = "softirq"

// Waker counts the D-state intervals of the target threads of one command
// name at one wait site that one waker ended during an interval: the task
// that woke them (its comm, per-CPU kernel threads without their number),
// or WakerIRQ / WakerSoftIRQ.
type Waker struct {
	Comm     string   `json:"comm"`
	WaitSite WaitSite `json:"wait_site"`
	Waker    string   `json:"waker"`
	Count    uint64   `json:"count"`
	// Time is the D-time of the intervals it ended.
	Time time.Duration `json:"time_ns"`
}
