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
	// HeldBy splits Runnable by who had the CPU when each wait ended.
	// nil when the backend cannot tell (procfs, and captures older than
	// it).
	HeldBy *HeldBy `json:"held_by,omitempty"`
	// Outside holds the run-queue waits that ended with a thread outside
	// its calls: asleep for time or for events (nanosleep, futex, poll,
	// epoll), as a rate-limited thread pacing itself or an idle worker is,
	// or in user space, unless the thread submits asynchronous IO (its
	// requests in flight wait for it to reap them). They delay none of its
	// calls, so they are kept apart: Runnable, Preempted and HeldBy count
	// only the waits in calls. A page fault counts as user space: a thread
	// that does its IO through mapped files has the waits after its faults
	// here. nil when the backend cannot tell (procfs, the raw_tp fallback,
	// and captures older than it): Runnable then holds them all. A kernel
	// thread (nfsd) makes no calls; its waits are all in Runnable.
	Outside *Waits `json:"outside,omitempty"`
}

// HeldBy is the run-queue waits of a Run row by the task the CPU was
// switched from when each ended: the one the thread waited behind last.
type HeldBy struct {
	// Wake: woken onto an idle CPU; nothing held it, the wait was the
	// wakeup's own latency (an idle CPU leaving its sleep state).
	Wake Waits `json:"wake"`
	// Idle: switched out still runnable, then in on a CPU that had
	// idled: held off it, as a CPU quota's throttling does, or moved to
	// an idle CPU.
	Idle Waits `json:"idle"`
	// Traced: another traced thread; the traced threads outnumbered
	// their CPUs.
	Traced Waits `json:"traced"`
	// Kernel: a kernel thread not traced, the kernel's own work
	// (writeback and other workqueues, softirqs run by ksoftirqd,
	// reclaim by kswapd, the journal).
	Kernel Waits `json:"kernel"`
	// Other: any other process.
	Other Waits `json:"other"`
}

// HeldParts is the number of HeldBy's parts.
const HeldParts = 5

// The keys of HeldBy's parts, in the order of Parts.
const (
	HeldWake   = "wake"
	HeldIdle   = "idle"
	HeldTraced = "traced"
	HeldKernel = "kernel"
	HeldOther  = "other"
)

// HeldKeys returns the keys of HeldBy's parts, in the order of Parts.
func HeldKeys() [HeldParts]string {
	return [HeldParts]string{HeldWake, HeldIdle, HeldTraced, HeldKernel, HeldOther}
}

// Parts returns h's parts in a fixed order, that of HeldKeys: the order
// of the kernel's counters and of the capture's section.
func (h *HeldBy) Parts() [HeldParts]*Waits {
	return [HeldParts]*Waits{&h.Wake, &h.Idle, &h.Traced, &h.Kernel, &h.Other}
}

// Holder is one part of HeldBy: its key (as in JSON) and its waits.
type Holder struct {
	Key   string
	Waits Waits
}

// Holders returns h's parts with their keys, in the order of Parts.
func (h *HeldBy) Holders() []Holder {
	keys, parts := HeldKeys(), h.Parts()
	out := make([]Holder, HeldParts)
	for i := range out {
		out[i] = Holder{keys[i], *parts[i]}
	}
	return out
}

// HolderText words a HeldBy part's key for people, as what follows
// "waited": "behind kernel threads".
func HolderText(key string) string {
	switch key {
	case HeldWake:
		return "for an idle CPU to wake"
	case HeldIdle:
		return "while their CPU idled (a quota's throttling)"
	case HeldTraced:
		return "behind traced threads"
	case HeldKernel:
		return "behind kernel threads"
	case HeldOther:
		return "behind other processes"
	}
	return key
}

// Add adds o's waits to h's.
func (h *HeldBy) Add(o *HeldBy) {
	hp, op := h.Parts(), o.Parts()
	for i := range hp {
		hp[i].Count += op[i].Count
		hp[i].SumNs += op[i].SumNs
	}
}

// Waits counts waits and their total time.
type Waits struct {
	Count uint64 `json:"count"`
	SumNs uint64 `json:"sum_ns"`
}

// Preempted counts run-queue waits that began with a preemption.
type Preempted = Waits

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

// CPUHolder is the run-queue waits of the target threads, in their calls
// during an interval, that ended behind one task not traced: the task
// switched out for them (a HeldBy Kernel or Other wait, by task).
//
// A wait counts here in the interval it ended, and in HeldBy in the one
// where the time slice it led to ended: over a run the holders' waits add
// up to HeldBy's Kernel and Other parts, within an interval they may differ
// by the waits of slices that ran on past its end.
type CPUHolder struct {
	// Name is the task's command name, counted as Run's Comm is
	// (ThreadName: "ksoftirqd/1" is "ksoftirqd"), or, for a workqueue
	// worker (a kworker), what its last work item said it did (Work
	// set): the workqueue's name ("loop1", "kblockd") unless the work
	// described itself ("flush-7:1": writeback of the device 7:1), at
	// most 15 bytes. A worker whose work the kernel does not tell
	// (before 5.17, or none described) is "kworker", Work unset.
	Name string `json:"name"`
	// Kernel: a kernel thread (HeldBy.Kernel); else another process
	// (HeldBy.Other).
	Kernel bool `json:"kernel,omitempty"`
	// Work: Name is a workqueue worker's work, not its command name.
	Work bool `json:"work,omitempty"`
	Waits
}

// HolderLabel names a task the threads waited behind for a CPU for people:
// its command name, or "kworker loop1" for a workqueue worker whose last
// work was loop1's (work set; see CPUHolder).
func HolderLabel(name string, work bool) string {
	if work {
		return "kworker " + name
	}
	return name
}
