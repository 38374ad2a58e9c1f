package model

import "time"

// Run is the scheduler's view of the target threads of one command name
// while they served one NFS operation for one client (both "" when unknown
// or not nfsd) during an interval: how long they waited on a run queue
// before getting a CPU, and how long they ran.
//
// A thread waits on a run queue from its wakeup, or from a switch-out that
// left it runnable (preempted, or throttled by a CPU bandwidth limit), until
// it is switched in.
type Run struct {
	Comm    string `json:"comm"`
	Op      string `json:"op,omitempty"`
	Client  string `json:"client,omitempty"`
	Threads int    `json:"threads"` // distinct threads seen
	// Runnable holds the run-queue waits. A backend that knows only their
	// total and number (procfs: /proc/PID/task/TID/schedstat) fills SumNs
	// and Count and leaves the buckets empty: see SumOnly.
	Runnable Hist `json:"runnable"`
	// OnCPU is the time the threads ran.
	OnCPU time.Duration `json:"on_cpu_ns"`
	// Preempted is the part of Runnable whose waits began when a thread
	// was switched out still runnable (preempted, or throttled by a CPU
	// quota): the CPU was taken from it. The rest began at a wakeup that
	// found the CPU busy. nil when the backend cannot tell (procfs, and
	// captures older than it).
	Preempted *Preempted `json:"preempted,omitempty"`
}

// Preempted counts run-queue waits that began with a preemption.
type Preempted struct {
	Count uint64 `json:"count"`
	SumNs uint64 `json:"sum_ns"`
}

// SumOnly reports whether the histogram has a count but no buckets: the
// backend knew only the total and the number of values, so that the mean is
// exact and quantiles are unknown.
func (h *Hist) SumOnly() bool {
	if h.Count == 0 {
		return false
	}
	for _, c := range h.Buckets {
		if c != 0 {
			return false
		}
	}
	return true
}
