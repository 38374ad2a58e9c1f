package ebpf

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/nfstrace/nfstrace/internal/model"
)

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
	s := ThreadOpName(proto, op)
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

// threadName is the name a thread of the kernel's comm a is counted under
// (model.ThreadName).
func threadName(a *[16]int8) string {
	return model.ThreadName(string(int8s(a)))
}

// int8s converts a bpf2go char array.
func int8s(a *[16]int8) []byte {
	var b [16]byte
	for i, c := range a {
		b[i] = byte(c)
	}
	return cString(b[:])
}
