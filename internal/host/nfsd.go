package host

import (
	"bytes"
	"fmt"
)

// NFSD is the state of the kernel NFS server in one sample. An absent nfsd
// (module not loaded, nfsd filesystem not mounted, server never started) is
// a state, not an error: Present is false and the rest is empty.
type NFSD struct {
	// Present is true when /proc/fs/nfsd/threads or /proc/net/rpc/nfsd exists.
	Present bool
	// Threads is /proc/fs/nfsd/threads: the number of nfsd threads; 0 when
	// the server is stopped.
	Threads int
	Pools   []Pool // /proc/fs/nfsd/pool_stats; nil when absent
	RPC     *RPC   // /proc/net/rpc/nfsd; nil when absent
}

// Running reports whether the server has threads.
func (n *NFSD) Running() bool { return n.Present && n.Threads > 0 }

// Pool is one line of /proc/fs/nfsd/pool_stats: cumulative counters of one
// thread pool since the server (re)started. Up to 6.12 a line is
// "id packets-arrived sockets-enqueued threads-woken threads-timedout" (from
// 6.6 on the last is always 0); later kernels add no-threads-avail.
type Pool struct {
	ID              int
	PacketsArrived  uint64
	SocketsQueued   uint64
	ThreadsWoken    uint64
	ThreadsTimedout uint64
	// NoThreadsAvail counts arrivals that found no idle thread; only kernels
	// that print the column have it (HasNoThreadsAvail).
	NoThreadsAvail    uint64
	HasNoThreadsAvail bool
}

// parsePoolStats parses /proc/fs/nfsd/pool_stats. The header comment names
// the columns; columns are matched by name when the header is there and by
// position otherwise, and unknown columns are ignored.
// It appends to dst[:0].
func parsePoolStats(b []byte, dst []Pool) ([]Pool, error) {
	// Column indexes (0 = pool id) of the counters, by position by default.
	cols := [5]int{1, 2, 3, 4, 5}
	pools := dst[:0]
	var v [16]uint64
	for lineNo := 1; len(b) > 0; lineNo++ {
		var line []byte
		line, b = nextLine(b)
		line = trimSpace(line)
		if len(line) == 0 {
			continue
		}
		if line[0] == '#' {
			cols = poolColumns(line[1:])
			continue
		}
		n, bad := uintFields(line, v[:])
		if bad != nil {
			return nil, errField(fmt.Sprintf("pool_stats line %d", lineNo), bad)
		}
		if n < 2 || v[0] > 1<<20 {
			return nil, fmt.Errorf("pool_stats line %d: %d fields, want at least 2", lineNo, n)
		}
		get := func(c int) (uint64, bool) {
			if c < 0 || c >= n {
				return 0, false
			}
			return v[c], true
		}
		p := Pool{ID: int(v[0])}
		p.PacketsArrived, _ = get(cols[0])
		p.SocketsQueued, _ = get(cols[1])
		p.ThreadsWoken, _ = get(cols[2])
		p.ThreadsTimedout, _ = get(cols[3])
		p.NoThreadsAvail, p.HasNoThreadsAvail = get(cols[4])
		pools = append(pools, p)
	}
	return pools, nil
}

// poolColumns maps the header "pool packets-arrived sockets-enqueued
// threads-woken threads-timedout [no-threads-avail]" to column indexes.
func poolColumns(h []byte) [5]int {
	cols := [5]int{-1, -1, -1, -1, -1}
	for i := 0; ; i++ {
		var f []byte
		f, h = nextField(h)
		if len(f) == 0 {
			break
		}
		switch string(f) {
		case "packets-arrived", "messages-arrived":
			cols[0] = i
		case "sockets-enqueued", "xprts-enqueued":
			cols[1] = i
		case "threads-woken":
			cols[2] = i
		case "threads-timedout":
			cols[3] = i
		case "no-threads-avail", "starved":
			cols[4] = i
		}
	}
	return cols
}

// RPC is /proc/net/rpc/nfsd: cumulative counters since nfsd was loaded.
// Counter widths differ across kernels (4.x prints 32-bit counters for
// the reply cache and IO bytes, which wrap).
type RPC struct {
	RCHits, RCMisses, RCNoCache uint64 // rc: reply cache
	FHStale                     uint64 // fh: stale file handles
	ReadBytes, WriteBytes       uint64 // io
	Threads                     int    // th: thread count as nfsd reports it
	NetCount, NetUDP, NetTCP    uint64 // net: packets
	NetTCPConn                  uint64 // net: TCP connections accepted
	Calls, BadCalls             uint64 // rpc: calls, bad calls (fmt+auth+clnt)
	BadFmt, BadAuth, BadClnt    uint64
	// Procedure counts indexed by procedure number: NFSv2, NFSv3, NFSv4
	// (NULL and COMPOUND), and NFSv4 operations inside compounds indexed by
	// operation number (0 to 2 are unused). nil when the kernel prints no
	// such line (v2 is gone from 6.2 on unless configured).
	Proc2, Proc3, Proc4, Proc4Ops []uint64
}

// parseRPC parses /proc/net/rpc/nfsd. Lines it does not know ("ra",
// "wdeleg_getattr", newer ones) are ignored, and procedure lines whose
// declared count differs from the numbers that follow are read as far as
// they go, so that output of any kernel from 2.6 to 6.x parses. (procfs's
// nfs.ParseServerRPCStats fails on any line it does not know and maps only
// the 40 NFSv4.0 operations, so a new kernel would break it.)
func parseRPC(b []byte) (*RPC, error) {
	s := &RPC{}
	var v [8]uint64
	for lineNo := 1; len(b) > 0; lineNo++ {
		var line []byte
		line, b = nextLine(b)
		key, rest := nextField(line)
		if len(key) == 0 {
			continue
		}
		what := func() string { return fmt.Sprintf("rpc/nfsd line %d (%s)", lineNo, key) }
		switch string(key) {
		case "rc", "fh", "io", "net", "rpc":
			clear(v[:])
			n, bad := uintFields(rest, v[:])
			if bad != nil {
				return nil, errField(what(), bad)
			}
			if n == 0 {
				return nil, fmt.Errorf("%s: no values", what())
			}
			switch string(key) {
			case "rc":
				s.RCHits, s.RCMisses, s.RCNoCache = v[0], v[1], v[2]
			case "fh":
				s.FHStale = v[0]
			case "io":
				s.ReadBytes, s.WriteBytes = v[0], v[1]
			case "net":
				s.NetCount, s.NetUDP, s.NetTCP, s.NetTCPConn = v[0], v[1], v[2], v[3]
			case "rpc":
				s.Calls, s.BadCalls, s.BadFmt, s.BadAuth, s.BadClnt = v[0], v[1], v[2], v[3], v[4]
			}
		case "th":
			// "th 64 0 0.000 ..." on 4.x: thread count, full count and a
			// usage histogram that has been all zeros since 2.6.29.
			f, _ := nextField(rest)
			n, ok := parseInt(f)
			if !ok || n < 0 {
				return nil, errField(what(), f)
			}
			s.Threads = n
		case "proc2", "proc3", "proc4", "proc4ops":
			counts, err := parseProcLine(rest)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", what(), err)
			}
			switch string(key) {
			case "proc2":
				s.Proc2 = counts
			case "proc3":
				s.Proc3 = counts
			case "proc4":
				s.Proc4 = counts
			case "proc4ops":
				s.Proc4Ops = counts
			}
		}
	}
	return s, nil
}

// maxProcs bounds a procedure line; the largest, proc4ops, has 76 entries
// on 6.x.
const maxProcs = 1024

// parseProcLine parses "N c0 c1 ... c(N-1)" after a procN key.
func parseProcLine(b []byte) ([]uint64, error) {
	f, b := nextField(b)
	declared, ok := parseUint(f)
	if !ok {
		return nil, errField("count", f)
	}
	if declared > maxProcs {
		return nil, fmt.Errorf("count %d too large", declared)
	}
	counts := make([]uint64, 0, declared)
	for {
		f, b = nextField(b)
		if len(f) == 0 {
			break
		}
		v, ok := parseUint(f)
		if !ok {
			return nil, errField("procedure count", f)
		}
		if len(counts) == maxProcs {
			return nil, fmt.Errorf("more than %d procedures", maxProcs)
		}
		counts = append(counts, v)
	}
	return counts, nil
}

// parseVersions normalises /proc/fs/nfsd/versions ("-2 +3 +4 +4.1 +4.2").
func parseVersions(b []byte) string {
	return string(bytes.Join(bytes.Fields(b), []byte(" ")))
}
