package model

// PoolQueue is the time requests of one nfsd thread pool waited for a free
// thread during an interval: from the moment their transport was queued on
// the pool (data arrived) to a thread starting to process them (eBPF, paired
// per transport: a transport that brought several requests at once gives
// the first its wait and the others none, so Count can be below the number
// of requests).
type PoolQueue struct {
	Pool int  `json:"pool"`
	Wait Hist `json:"wait"`
}
