package model

import (
	"strconv"
	"strings"
)

// NFS procedure and operation names by the numbers on the wire, the one
// table the procfs reader (/proc/net/rpc/nfsd) and the eBPF decoder share.

// nfsProcs are the procedures of NFS versions 2 (RFC 1094), 3 (RFC 1813)
// and 4 (RFC 7530) by number.
var nfsProcs = map[int][]string{
	2: {
		"NULL", "GETATTR", "SETATTR", "ROOT", "LOOKUP", "READLINK", "READ", "WRITECACHE",
		"WRITE", "CREATE", "REMOVE", "RENAME", "LINK", "SYMLINK", "MKDIR", "RMDIR",
		"READDIR", "STATFS",
	},
	3: {
		"NULL", "GETATTR", "SETATTR", "LOOKUP", "ACCESS", "READLINK", "READ", "WRITE",
		"CREATE", "MKDIR", "SYMLINK", "MKNOD", "REMOVE", "RMDIR", "RENAME", "LINK",
		"READDIR", "READDIRPLUS", "FSSTAT", "FSINFO", "PATHCONF", "COMMIT",
	},
	4: {"NULL", "COMPOUND"},
}

// nfsV4Ops are the NFSv4 COMPOUND operations by number: 3-39 v4.0 (RFC
// 7530), 40-58 v4.1 (RFC 8881), 59-71 v4.2 (RFC 7862), 72-75 extended
// attributes (RFC 8276); numbers 0-2 are unassigned.
var nfsV4Ops = []string{
	3: "ACCESS", 4: "CLOSE", 5: "COMMIT", 6: "CREATE", 7: "DELEGPURGE", 8: "DELEGRETURN",
	9: "GETATTR", 10: "GETFH", 11: "LINK", 12: "LOCK", 13: "LOCKT", 14: "LOCKU",
	15: "LOOKUP", 16: "LOOKUPP", 17: "NVERIFY", 18: "OPEN", 19: "OPENATTR",
	20: "OPEN_CONFIRM", 21: "OPEN_DOWNGRADE", 22: "PUTFH", 23: "PUTPUBFH",
	24: "PUTROOTFH", 25: "READ", 26: "READDIR", 27: "READLINK", 28: "REMOVE",
	29: "RENAME", 30: "RENEW", 31: "RESTOREFH", 32: "SAVEFH", 33: "SECINFO",
	34: "SETATTR", 35: "SETCLIENTID", 36: "SETCLIENTID_CONFIRM", 37: "VERIFY",
	38: "WRITE", 39: "RELEASE_LOCKOWNER",
	40: "BACKCHANNEL_CTL", 41: "BIND_CONN_TO_SESSION", 42: "EXCHANGE_ID",
	43: "CREATE_SESSION", 44: "DESTROY_SESSION", 45: "FREE_STATEID",
	46: "GET_DIR_DELEGATION", 47: "GETDEVICEINFO", 48: "GETDEVICELIST",
	49: "LAYOUTCOMMIT", 50: "LAYOUTGET", 51: "LAYOUTRETURN", 52: "SECINFO_NO_NAME",
	53: "SEQUENCE", 54: "SET_SSV", 55: "TEST_STATEID", 56: "WANT_DELEGATION",
	57: "DESTROY_CLIENTID", 58: "RECLAIM_COMPLETE",
	59: "ALLOCATE", 60: "COPY", 61: "COPY_NOTIFY", 62: "DEALLOCATE", 63: "IO_ADVISE",
	64: "LAYOUTERROR", 65: "LAYOUTSTATS", 66: "OFFLOAD_CANCEL", 67: "OFFLOAD_STATUS",
	68: "READ_PLUS", 69: "SEEK", 70: "WRITE_SAME", 71: "CLONE",
	72: "GETXATTR", 73: "SETXATTR", 74: "LISTXATTRS", 75: "REMOVEXATTR",
}

// NFSv4OpIllegal is OP_ILLEGAL, the number the server answers an unknown
// operation with.
const NFSv4OpIllegal = 10044

// NFSProcName names procedure proc of NFS version vers (2, 3 or 4),
// "PROC_<n>" when the number is not in the tables (a newer kernel, or a
// client that asked for nonsense).
func NFSProcName(vers int, proc uint32) string {
	if t := nfsProcs[vers]; int64(proc) < int64(len(t)) {
		return t[proc]
	}
	return "PROC_" + strconv.FormatUint(uint64(proc), 10)
}

// NFSv4OpName names NFSv4 operation op, "OP_<n>" when unknown.
func NFSv4OpName(op uint32) string {
	if op == NFSv4OpIllegal {
		return "ILLEGAL"
	}
	if int64(op) < int64(len(nfsV4Ops)) && nfsV4Ops[op] != "" {
		return nfsV4Ops[op]
	}
	return "OP_" + strconv.FormatUint(uint64(op), 10)
}

// NFSOp is one NFS procedure or NFSv4 operation as the screens count it.
type NFSOp struct {
	// Version is "v2", "v3" or "v4": minor versions are one version.
	Version string
	// Name is the procedure ("READ", "COMPOUND") or, for NFSv4, the
	// procedure or the COMPOUND operation ("PUTFH", "OPEN").
	Name string
	// V4Op is true for an operation inside a COMPOUND, false for a
	// procedure (an RPC call of its own).
	V4Op bool
}

// OpOf names the operation of a count or an RPC row: proto is the procfs
// reader's "v2", "v3", "v4" (procedures) or "v4op" (operations), or the
// tracer's version ("v3", "v4.2"), whose v4 rows are operations.
func OpOf(proto, op string) NFSOp {
	p := strings.ToLower(proto)
	v4op := strings.HasSuffix(p, "op")
	p = strings.TrimSuffix(p, "op")
	p = strings.TrimSuffix(p, "proc")
	if i := strings.IndexByte(p, '.'); i > 0 {
		p = p[:i]
		v4op = true
	}
	return NFSOp{Version: p, Name: strings.ToUpper(op), V4Op: v4op}
}

// String is "v3 READ", "v4 OPEN".
func (o NFSOp) String() string { return o.Version + " " + o.Name }

// Known reports whether the name is in the tables of the version (for
// NFSv4 a procedure, an operation or ILLEGAL). Anyone who reaches port 2049
// can make nfsd answer an unknown procedure: labels and mixes keep the known.
func (o NFSOp) Known() bool {
	if o.Version == "v4" && o.Name == "ILLEGAL" {
		return true
	}
	var tables [][]string
	switch o.Version {
	case "v2":
		tables = [][]string{nfsProcs[2]}
	case "v3":
		tables = [][]string{nfsProcs[3]}
	case "v4":
		tables = [][]string{nfsProcs[4], nfsV4Ops[3:]}
	}
	for _, names := range tables {
		for _, n := range names {
			if n == o.Name {
				return true
			}
		}
	}
	return false
}

// IsRequest reports whether one count of the procedure is one NFS request
// a client waits for: any procedure but the NULL ping; for NFSv4 the
// COMPOUND, not the operations it carries.
func (o NFSOp) IsRequest() bool {
	switch o.Version {
	case "v2", "v3", "v4":
		return !o.V4Op && o.Name != "NULL"
	}
	return false
}

// IsEnvelope reports whether the procedure is NFSv4's NULL or COMPOUND: it
// carries the operations that do the work, so counting it beside them would
// count twice.
func (o NFSOp) IsEnvelope() bool {
	return o.Version == "v4" && (o.Name == "COMPOUND" || o.Name == "NULL")
}

// IsWork reports whether the operation does work on the server: a known
// procedure or NFSv4 operation other than NULL and the NFSv4 envelope.
// An operation mix is made of these.
func (o NFSOp) IsWork() bool {
	return o.Known() && o.Name != "NULL" && !o.IsEnvelope()
}
