package model

// DEvent is one D-state interval of a target thread that lasted at least the
// backend's event threshold (--min-dstate): the detail behind the DState
// histograms, kept so that a capture can show the longest waits and who ended
// them. Times are plain integers so that a batch of events holds no pointers
// besides its strings and costs the garbage collector little.
type DEvent struct {
	Start int64    `json:"start_ns"` // wall clock, Unix nanoseconds, when the thread blocked
	Dur   uint64   `json:"dur_ns"`   // nanoseconds in D state
	TID   uint32   `json:"tid"`
	PID   uint32   `json:"pid"` // thread group id
	Comm  string   `json:"comm"`
	Site  WaitSite `json:"wait_site"`
	// Waker is the thread that woke this one, 0 and "" when unknown.
	WakerTID  uint32 `json:"waker_tid,omitempty"`
	WakerComm string `json:"waker_comm,omitempty"`
	// Device, Op and Client label the wait as DState rows do: the block
	// device waited on (NotBlockIO when none), the NFS operation being served
	// and its client, "" when unknown.
	Device string `json:"device,omitempty"`
	Op     string `json:"op,omitempty"`
	Client string `json:"client,omitempty"`
}
