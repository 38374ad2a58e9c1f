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

// ThreadUse is how busy the nfsd threads were during an interval and how
// often a request found no idle thread to take it, as the eBPF backend
// counts them. Snapshot.Threads is nil where nothing measured it (procfs
// backend, captures older than it); PoolsNoIdle estimates the second from
// /proc/fs/nfsd/pool_stats there.
type ThreadUse struct {
	// BusyNs is thread time spent serving requests: the sum of the service
	// times (request received to reply sent) of the requests that ended in
	// the interval. A request that ends spans its whole time into the
	// interval it ends in.
	BusyNs uint64 `json:"busy_ns"`
	// Wakeups counts the times an arriving request looked for an idle
	// thread, NoIdle those that found none; both 0 and NoIdleFrom "" when
	// the kernel has no tracepoint that tells (then it is unknown).
	Wakeups uint64 `json:"wakeups"`
	NoIdle  uint64 `json:"no_idle"`
	// NoIdleFrom names the tracepoint NoIdle was counted at.
	NoIdleFrom string `json:"no_idle_from,omitempty"`
}

// BusyRatio returns the share of the nfsd threads' time spent serving
// requests during s: busy thread time over threads x interval, at most 1.
// ok is false when not measured or the thread count is unknown.
func (s *Snapshot) BusyRatio() (ratio float64, ok bool) {
	iv := s.Interval().Seconds()
	if s.Threads == nil || s.Host.NFSD.Threads <= 0 || iv <= 0 {
		return 0, false
	}
	return min(float64(s.Threads.BusyNs)/1e9/(float64(s.Host.NFSD.Threads)*iv), 1), true
}

// PoolsNoIdle estimates from pool_stats deltas how many arrivals found no
// idle thread, out of how many arrivals. The counters changed meaning across
// kernels: where every arrival counts once as either woken or queued
// (sockets-enqueued + threads-woken = packets-arrived, the 4.x accounting)
// sockets-enqueued is the count itself; elsewhere every arrival is
// enqueued and sockets-enqueued minus threads-woken (at least 0) estimates
// it. An estimate: from 6.6 on a thread that was idle but still running is
// not counted as woken, so the difference can exceed the real count.
func PoolsNoIdle(pools []Pool) (noIdle, arrivals uint64) {
	for _, p := range pools {
		q, w, n := p.SocketsQueued, p.ThreadsWoken, p.PacketsArrived
		if n > 0 && w > 0 && q < n && within(q+w, n, 0.02) {
			noIdle += q
			arrivals += n
			continue
		}
		arrivals += q
		if q > w {
			noIdle += q - w
		}
	}
	return noIdle, arrivals
}

// within reports whether a and b differ by at most frac of b.
func within(a, b uint64, frac float64) bool {
	d := float64(a) - float64(b)
	return d <= frac*float64(b) && -d <= frac*float64(b)
}
