package host

import (
	"bytes"
	"fmt"
	"strconv"
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

// NFSv2 procedures by number (RFC 1094).
var proc2Names = [...]string{
	"NULL", "GETATTR", "SETATTR", "ROOT", "LOOKUP", "READLINK", "READ",
	"WRITECACHE", "WRITE", "CREATE", "REMOVE", "RENAME", "LINK", "SYMLINK",
	"MKDIR", "RMDIR", "READDIR", "STATFS",
}

// NFSv3 procedures by number (RFC 1813).
var proc3Names = [...]string{
	"NULL", "GETATTR", "SETATTR", "LOOKUP", "ACCESS", "READLINK", "READ",
	"WRITE", "CREATE", "MKDIR", "SYMLINK", "MKNOD", "REMOVE", "RMDIR",
	"RENAME", "LINK", "READDIR", "READDIRPLUS", "FSSTAT", "FSINFO",
	"PATHCONF", "COMMIT",
}

// NFSv4 procedures by number (RFC 7530).
var proc4Names = [...]string{"NULL", "COMPOUND"}

// NFSv4 operations by number: 3-39 v4.0 (RFC 7530), 40-58 v4.1 (RFC 8881),
// 59-71 v4.2 (RFC 7862), 72-75 extended attributes (RFC 8276).
var op4Names = [...]string{
	"OP0", "OP1", "OP2",
	"ACCESS", "CLOSE", "COMMIT", "CREATE", "DELEGPURGE", "DELEGRETURN",
	"GETATTR", "GETFH", "LINK", "LOCK", "LOCKT", "LOCKU", "LOOKUP",
	"LOOKUPP", "NVERIFY", "OPEN", "OPENATTR", "OPEN_CONFIRM",
	"OPEN_DOWNGRADE", "PUTFH", "PUTPUBFH", "PUTROOTFH", "READ", "READDIR",
	"READLINK", "REMOVE", "RENAME", "RENEW", "RESTOREFH", "SAVEFH",
	"SECINFO", "SETATTR", "SETCLIENTID", "SETCLIENTID_CONFIRM", "VERIFY",
	"WRITE", "RELEASE_LOCKOWNER",
	"BACKCHANNEL_CTL", "BIND_CONN_TO_SESSION", "EXCHANGE_ID",
	"CREATE_SESSION", "DESTROY_SESSION", "FREE_STATEID",
	"GET_DIR_DELEGATION", "GETDEVICEINFO", "GETDEVICELIST", "LAYOUTCOMMIT",
	"LAYOUTGET", "LAYOUTRETURN", "SECINFO_NO_NAME", "SEQUENCE", "SET_SSV",
	"TEST_STATEID", "WANT_DELEGATION", "DESTROY_CLIENTID",
	"RECLAIM_COMPLETE",
	"ALLOCATE", "COPY", "COPY_NOTIFY", "DEALLOCATE", "IO_ADVISE",
	"LAYOUTERROR", "LAYOUTSTATS", "OFFLOAD_CANCEL", "OFFLOAD_STATUS",
	"READ_PLUS", "SEEK", "WRITE_SAME", "CLONE",
	"GETXATTR", "SETXATTR", "LISTXATTRS", "REMOVEXATTR",
}

// KnownRPCOp reports whether op names a procedure or operation of NFS
// version ("v2", "v3", "v4", "v4.0", "v4.1" or "v4.2") in the tables above;
// for NFSv4, "ILLEGAL" (OP_ILLEGAL) is known too. The daemon labels metrics
// with known names only: anyone who reaches port 2049 can make nfsd answer
// an unknown procedure or version.
func KnownRPCOp(version, op string) bool {
	var tables [][]string
	switch version {
	case "v2":
		tables = [][]string{proc2Names[:]}
	case "v3":
		tables = [][]string{proc3Names[:]}
	case "v4", "v4.0", "v4.1", "v4.2":
		if op == "ILLEGAL" {
			return true
		}
		tables = [][]string{proc4Names[:], op4Names[3:]}
	}
	for _, names := range tables {
		for _, n := range names {
			if n == op {
				return true
			}
		}
	}
	return false
}

// OpName names procedure or operation i of a procedure line: key is "proc2",
// "proc3", "proc4" or "proc4ops". Numbers beyond the known ones are named
// by number ("OP76", "PROC22"), so a newer kernel's counts are kept.
func OpName(key string, i int) string {
	var names []string
	prefix := "PROC"
	switch key {
	case "proc2":
		names = proc2Names[:]
	case "proc3":
		names = proc3Names[:]
	case "proc4":
		names = proc4Names[:]
	case "proc4ops":
		names = op4Names[:]
		prefix = "OP"
	}
	if i >= 0 && i < len(names) {
		return names[i]
	}
	return prefix + strconv.Itoa(i)
}

// parseVersions normalises /proc/fs/nfsd/versions ("-2 +3 +4 +4.1 +4.2").
func parseVersions(b []byte) string {
	return string(bytes.Join(bytes.Fields(b), []byte(" ")))
}
