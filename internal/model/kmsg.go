package model

import "time"

// Kernel log message classes: the kinds of kernel messages that bear on an
// NFS server's latency. The set is closed so that a label of this name has
// bounded values.
const (
	KlogNFSD       = "nfsd"        // nfsd
	KlogSunRPC     = "sunrpc"      // sunrpc and svc
	KlogLockd      = "lockd"       // lockd and statd
	KlogBlock      = "block"       // block layer and device errors
	KlogFS         = "fs"          // ext4, xfs, jbd2
	KlogHungTask   = "hung_task"   // "task ... blocked for more than N seconds" with its stack
	KlogSoftLockup = "soft_lockup" // soft lockups and RCU stalls
	KlogOOM        = "oom"         // OOM kills
	KlogAllocFail  = "alloc_fail"  // page allocation failures
)

// KlogClasses lists the classes in the order they are shown.
func KlogClasses() []string {
	return []string{KlogHungTask, KlogSoftLockup, KlogOOM, KlogAllocFail,
		KlogNFSD, KlogSunRPC, KlogLockd, KlogBlock, KlogFS}
}

// KlogRank is the place of class c in KlogClasses, len(KlogClasses()) for
// a class this version does not know (one a newer capture brings).
func KlogRank(c string) int {
	cs := KlogClasses()
	for i, k := range cs {
		if k == c {
			return i
		}
	}
	return len(cs)
}

// KernelLog is what the kernel logged over one interval, of the classes
// above, grouped by template.
type KernelLog struct {
	Templates []KlogTemplate `json:"templates,omitempty"`
	// Other counts matching messages of templates past the cap of the run,
	// by class: counted, not kept.
	Other map[string]uint64 `json:"other,omitempty"`
	// Lost counts the records the kernel's ring buffer overwrote before they
	// were read.
	Lost uint64 `json:"lost,omitempty"`
}

// Empty reports whether the log holds nothing.
func (k *KernelLog) Empty() bool {
	return k == nil || len(k.Templates) == 0 && len(k.Other) == 0 && k.Lost == 0
}

// KlogTemplate is one message template: a message with its numbers,
// addresses, process ids, names and device names stripped.
type KlogTemplate struct {
	Class    string `json:"class"`
	Template string `json:"template"`
	// Count is how many messages of the template the interval saw; Earlier
	// how many the kernel had logged before the run began (first snapshot
	// of a run only), not part of any interval's rate.
	Count   uint64    `json:"count"`
	Earlier uint64    `json:"earlier,omitempty"`
	First   time.Time `json:"first"` // the first and last message of Count (of Earlier when Count is 0)
	Last    time.Time `json:"last"`
	// Example is the latest message in full; a hung-task report has its stack
	// lines attached, one per line.
	Example string `json:"example"`
	// WaitSite and Blocked describe a hung-task report: where the task
	// slept (innermost frame first, scheduler frames dropped) and the
	// longest time reported blocked (by the messages of Count, of Earlier
	// when Count is 0).
	WaitSite WaitSite      `json:"wait_site,omitempty"`
	Blocked  time.Duration `json:"blocked_ns,omitempty"`
}
