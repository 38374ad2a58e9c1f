package host

import "time"

// ThreadWatch keeps the set of threads a Selector picks, walking /proc at
// most once per Every: finding them costs a walk whose length grows with the
// host's threads, and several readers (cgroup limits, system-call counts)
// need the same set. It is not safe for concurrent use.
type ThreadWatch struct {
	proc string
	find func() (map[uint32]bool, error)
	// Every is the least time between two walks: a call sooner returns
	// the last set.
	Every time.Duration
	now   func() time.Time
	at    time.Time
	tids  map[uint32]bool
}

// NewThreadWatch watches the threads s selects under procRoot, walking at
// most once a second.
func NewThreadWatch(procRoot string, s Selector) *ThreadWatch {
	return &ThreadWatch{proc: procRoot, find: func() (map[uint32]bool, error) { return FindThreads(procRoot, s) },
		Every: time.Second, now: time.Now}
}

// NewThreadWatchFrom watches the threads find returns, asking it at every
// call (Every 0): for a tracer that follows the targets itself, whose set
// is cheap to copy and is what its probes see. procRoot is where the
// threads' files are read.
func NewThreadWatchFrom(procRoot string, find func() (map[uint32]bool, error)) *ThreadWatch {
	return &ThreadWatch{proc: procRoot, find: find, now: time.Now}
}

// Threads returns the ids of the selected threads, walked now unless the
// last walk is less than Every old, and whether the set was walked now. The
// map is the watch's own until the next walk: callers must not change it.
func (w *ThreadWatch) Threads() (map[uint32]bool, bool, error) {
	now := w.now()
	if !w.at.IsZero() && now.Sub(w.at) < w.Every {
		return w.tids, false, nil
	}
	tids, err := w.find()
	if err != nil {
		return nil, false, err
	}
	w.at, w.tids = now, tids
	return tids, true, nil
}
