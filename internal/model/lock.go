package model

import "time"

// Lock kinds.
const (
	LockRWSemWrite = "rwsem-write" // waited to take an rw_semaphore for writing
	LockRWSemRead  = "rwsem-read"
	LockMutex      = "mutex"
	LockPercpu     = "percpu-rwsem"
)

// LockWait aggregates the waits of the target threads of one command name at
// one wait site for one sleeping lock (rwsem, mutex) during an interval,
// with the task that owned the lock when they began to wait: the owner with
// the most waits when it changed.
type LockWait struct {
	Comm     string   `json:"comm"`
	WaitSite WaitSite `json:"wait_site"`
	// Lock is the lock's kernel address ("0xffff..."): it tells locks apart
	// within a run, nothing more. Kind is one of the Lock* kinds.
	Lock string `json:"lock"`
	Kind string `json:"kind"`
	// Waits and Time count the waits and their total length; MaxWaiters is
	// the most target threads seen waiting on the lock at once.
	Waits      uint64        `json:"waits"`
	Time       time.Duration `json:"time_ns"`
	MaxWaiters int           `json:"max_waiters"`
	// Owner is the owner's comm and OwnerTID its thread id, "" and 0 when
	// unknown (percpu rwsems have no owner field; an owner that released
	// the lock as the wait began). ReaderOwned says the rwsem was held by
	// readers: the owner is the last reader that took it.
	Owner       string `json:"owner,omitempty"`
	OwnerTID    int    `json:"owner_tid,omitempty"`
	ReaderOwned bool   `json:"reader_owned,omitempty"`
	// OwnerWaits is how many of Waits began while this owner held the lock.
	OwnerWaits uint64 `json:"owner_waits,omitempty"`
	// OwnerState is the owner's state when the wait began: "D" (itself
	// blocked, at OwnerSite when the owner is a traced thread), "R"
	// (running or runnable) or "S" (any other sleep).
	OwnerState string   `json:"owner_state,omitempty"`
	OwnerSite  WaitSite `json:"owner_site,omitempty"`
}
