package ebpf

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
)

// Values of thread_op.proto (bpf/common.h).
const (
	protoUnknown = 0
	protoNFS3    = 3
	protoNFS4    = 4
)

// nfs3Procs are the NFSv3 procedure names by number (RFC 1813).
var nfs3Procs = [...]string{
	"NULL", "GETATTR", "SETATTR", "LOOKUP", "ACCESS", "READLINK", "READ", "WRITE",
	"CREATE", "MKDIR", "SYMLINK", "MKNOD", "REMOVE", "RMDIR", "RENAME", "LINK",
	"READDIR", "READDIRPLUS", "FSSTAT", "FSINFO", "PATHCONF", "COMMIT",
}

// nfs4Ops are the NFSv4 operation names by number (RFC 7862 numbering, with
// the extended attribute operations of RFC 8276). Index 0-2 are unassigned.
var nfs4Ops = [...]string{
	3: "ACCESS", 4: "CLOSE", 5: "COMMIT", 6: "CREATE", 7: "DELEGPURGE", 8: "DELEGRETURN",
	9: "GETATTR", 10: "GETFH", 11: "LINK", 12: "LOCK", 13: "LOCKT", 14: "LOCKU",
	15: "LOOKUP", 16: "LOOKUPP", 17: "NVERIFY", 18: "OPEN", 19: "OPENATTR",
	20: "OPEN_CONFIRM", 21: "OPEN_DOWNGRADE", 22: "PUTFH", 23: "PUTPUBFH",
	24: "PUTROOTFH", 25: "READ", 26: "READDIR", 27: "READLINK", 28: "REMOVE",
	29: "RENAME", 30: "RENEW", 31: "RESTOREFH", 32: "SAVEFH", 33: "SECINFO",
	34: "SETATTR", 35: "SETCLIENTID", 36: "SETCLIENTID_CONFIRM", 37: "VERIFY",
	38: "WRITE", 39: "RELEASE_LOCKOWNER", 40: "BACKCHANNEL_CTL",
	41: "BIND_CONN_TO_SESSION", 42: "EXCHANGE_ID", 43: "CREATE_SESSION",
	44: "DESTROY_SESSION", 45: "FREE_STATEID", 46: "GET_DIR_DELEGATION",
	47: "GETDEVICEINFO", 48: "GETDEVICELIST", 49: "LAYOUTCOMMIT", 50: "LAYOUTGET",
	51: "LAYOUTRETURN", 52: "SECINFO_NO_NAME", 53: "SEQUENCE", 54: "SET_SSV",
	55: "TEST_STATEID", 56: "WANT_DELEGATION", 57: "DESTROY_CLIENTID",
	58: "RECLAIM_COMPLETE", 59: "ALLOCATE", 60: "COPY", 61: "COPY_NOTIFY",
	62: "DEALLOCATE", 63: "IO_ADVISE", 64: "LAYOUTERROR", 65: "LAYOUTSTATS",
	66: "OFFLOAD_CANCEL", 67: "OFFLOAD_STATUS", 68: "READ_PLUS", 69: "SEEK",
	70: "WRITE_SAME", 71: "CLONE", 72: "GETXATTR", 73: "SETXATTR",
	74: "LISTXATTRS", 75: "REMOVEXATTR",
}

// NFS3ProcName names an NFSv3 procedure number, "proc<N>" when unknown.
func NFS3ProcName(proc uint32) string {
	if int(proc) < len(nfs3Procs) {
		return nfs3Procs[proc]
	}
	return "proc" + strconv.FormatUint(uint64(proc), 10)
}

// NFS4OpName names an NFSv4 operation number, "op<N>" when unknown.
func NFS4OpName(op uint32) string {
	if int(op) < len(nfs4Ops) && nfs4Ops[op] != "" {
		return nfs4Ops[op]
	}
	return "op" + strconv.FormatUint(uint64(op), 10)
}

// opLabel is the model.DState.Op label of a thread_op: "v3 READ", "v4 WRITE",
// or "" when the thread served no known operation.
func opLabel(proto, op uint32) string {
	switch proto {
	case protoNFS3:
		return "v3 " + NFS3ProcName(op)
	case protoNFS4:
		return "v4 " + NFS4OpName(op)
	}
	return ""
}

// blockOpName names a REQ_OP_* value (include/linux/blk_types.h).
func blockOpName(op uint8) string {
	switch op {
	case 0:
		return "read"
	case 1:
		return "write"
	case 2:
		return "flush"
	case 3, 5: // discard, secure erase
		return "discard"
	}
	return "other"
}

// sizeClasses name bkey.size_class (size_class() in bpf/core.bpf.c).
var sizeClasses = [...]string{"<=4K", "<=16K", "<=64K", "<=256K", "<=1M", ">1M"}

func sizeClassName(c uint8) string {
	if int(c) < len(sizeClasses) {
		return sizeClasses[c]
	}
	return "?"
}

// kernel dev_t layout (MKDEV in the kernel: 12 bits major, 20 bits minor).
func devMajor(dev uint32) uint32 { return dev >> 20 }
func devMinor(dev uint32) uint32 { return dev & 0xfffff }

// devNamer names block devices from their kernel dev_t through
// SYS/dev/block/MAJ:MIN and interns scheduler names and op labels, caching
// the answers so that labelling allocates only for new values. Callers hold mu.
type devNamer struct {
	sys    string
	mu     sync.Mutex
	names  map[uint32]string
	scheds map[string]string
	ops    map[uint64]string
}

func newDevNamer(sys string) *devNamer {
	return &devNamer{sys: sys, names: make(map[uint32]string), scheds: make(map[string]string), ops: make(map[uint64]string)}
}

func (d *devNamer) intern(b []byte) string {
	if s, ok := d.scheds[string(b)]; ok {
		return s
	}
	s := string(b)
	d.scheds[s] = s
	return s
}

func (d *devNamer) opLabel(proto, op uint32) string {
	k := uint64(proto)<<32 | uint64(op)
	if s, ok := d.ops[k]; ok {
		return s
	}
	s := opLabel(proto, op)
	d.ops[k] = s
	return s
}

func (d *devNamer) name(dev uint32) string {
	if n, ok := d.names[dev]; ok {
		return n
	}
	mm := fmt.Sprintf("%d:%d", devMajor(dev), devMinor(dev))
	n := mm
	if target, err := os.Readlink(filepath.Join(d.sys, "dev", "block", mm)); err == nil {
		n = filepath.Base(target)
	}
	d.names[dev] = n
	return n
}

// cString returns the NUL-terminated prefix of a fixed-size kernel string.
func cString(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// int8s converts a bpf2go char array.
func int8s(a *[16]int8) []byte {
	var b [16]byte
	for i, c := range a {
		b[i] = byte(c)
	}
	return cString(b[:])
}
