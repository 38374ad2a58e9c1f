package ebpf

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strconv"

	"github.com/nfstrace/nfstrace/internal/model"
)

// rpcKey mirrors struct rpc_key of bpf/nfsd.bpf.c (32 bytes, host order).
type rpcKey struct {
	Addr       [16]uint8
	Family     uint16
	Gen        uint8
	Vers       uint8
	Minor      uint8
	Level      uint8
	StatusKind uint8
	Pad        uint8
	Op         uint32
	Status     uint32
}

// rpcHist mirrors struct hist of bpf/common.h (67 u64).
type rpcHist struct {
	Slots [model.NumBuckets]uint64
	Count uint64
	SumNs uint64
	MaxNs uint64
}

// rpc_key.level values.
const (
	levelRPC = 0 // Op is the RPC procedure
	levelOp  = 1 // Op is an NFSv4 COMPOUND operation
)

// minorUnknown is rpc_key.minor when the NFSv4 minor version is not known.
const minorUnknown = 0xff

// Address families of rpc_key.family (Linux values).
const (
	rpcAFInet  = 2
	rpcAFInet6 = 10
)

// rpcVersion renders the NFS version of a key: "v3", "v4.2", or "v4" when the
// minor version is unknown (NULL procedure, or no COMPOUND probe).
func rpcVersion(vers, minor uint8) string {
	switch {
	case vers == 4 && minor < uint8(len(rpcV4Minors)):
		return rpcV4Minors[minor]
	case vers == 4 && minor != minorUnknown:
		return "v4." + strconv.Itoa(int(minor))
	case int(vers) < len(rpcVersions):
		return rpcVersions[vers]
	}
	return "v" + strconv.Itoa(int(vers))
}

var (
	rpcVersions = [...]string{"v0", "v1", "v2", "v3", "v4"}
	rpcV4Minors = [...]string{"v4.0", "v4.1", "v4.2"}
)

// rpcClientCache remembers rendered client addresses across intervals.
type rpcClientCache map[rpcClientKey]string

// maxClients bounds a client cache; a fuller one is started anew.
const maxClients = 65536

type rpcClientKey struct {
	family uint16
	addr   [16]byte
}

// client renders an address through the cache (a nil cache renders anew).
func (c rpcClientCache) client(family uint16, addr [16]byte) string {
	if c == nil {
		return rpcClient(family, addr)
	}
	k := rpcClientKey{family, addr}
	s, ok := c[k]
	if !ok {
		s = rpcClient(family, addr)
		c[k] = s
	}
	return s
}

// rpcClient renders the client address of a key, "" when unknown.
// IPv4-mapped IPv6 addresses are shown as IPv4.
func rpcClient(family uint16, addr [16]byte) string {
	switch family {
	case rpcAFInet:
		return netip.AddrFrom4([4]byte(addr[:4])).String()
	case rpcAFInet6:
		return netip.AddrFrom16(addr).Unmap().String()
	}
	return ""
}

// rpcOp names the procedure or operation of a key.
func rpcOp(k *rpcKey) string {
	if k.Level == levelOp {
		return model.NFSv4OpName(k.Op)
	}
	return model.NFSProcName(int(k.Vers), k.Op)
}

// toHist copies a kernel histogram into a model.Hist.
func rpcHistToModel(h *rpcHist) model.Hist {
	return model.Hist{Buckets: h.Slots, Count: h.Count, SumNs: h.SumNs, MaxNs: h.MaxNs}
}

// rpcEntry is one map entry read from the kernel.
type rpcEntry struct {
	Key  rpcKey
	Hist rpcHist
}

// rpcRows turns map entries into model.RPC rows (client addresses rendered
// through clients, which may be nil), merging entries that render
// to the same version, operation, client and status, sorted by those fields.
// COMPOUND rows (the whole RPC) and NFSv4 operation rows (its parts) are both
// present for NFSv4: Op "COMPOUND" and "NULL" are procedures, every other
// NFSv4 Op an operation.
func rpcRows(entries []rpcEntry, clients rpcClientCache) ([]model.RPC, error) {
	type rowKey struct{ version, op, client, status string }
	type row struct {
		key  rowKey
		hist model.Hist
	}
	idx := make(map[rowKey]int, len(entries))
	merged := make([]row, 0, len(entries))
	for i := range entries {
		e := &entries[i]
		if e.Key.Level != levelRPC && e.Key.Level != levelOp {
			return nil, fmt.Errorf("decode nfsd key: unknown level %d", e.Key.Level)
		}
		if e.Key.Level == levelOp && e.Key.Vers != 4 {
			return nil, fmt.Errorf("decode nfsd key: operation level for NFS version %d", e.Key.Vers)
		}
		rk := rowKey{
			version: rpcVersion(e.Key.Vers, e.Key.Minor),
			op:      rpcOp(&e.Key),
			client:  clients.client(e.Key.Family, e.Key.Addr),
			status:  nfsdStatusName(e.Key.Vers, e.Key.StatusKind, e.Key.Status),
		}
		h := rpcHistToModel(&e.Hist)
		if j, ok := idx[rk]; ok {
			merged[j].hist.Merge(&h)
			continue
		}
		idx[rk] = len(merged)
		merged = append(merged, row{key: rk, hist: h})
	}
	if len(merged) == 0 {
		return nil, nil
	}
	// Sort indexes, not the rows: a row carries a 536-byte histogram.
	order := make([]int, len(merged))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(i, j int) int {
		a, b := &merged[i].key, &merged[j].key
		return cmp.Or(cmp.Compare(a.version, b.version), cmp.Compare(a.op, b.op),
			cmp.Compare(a.client, b.client), cmp.Compare(a.status, b.status))
	})
	rows := make([]model.RPC, len(merged))
	for i, j := range order {
		r := &merged[j]
		rows[i] = model.RPC{Version: r.key.version, Op: r.key.op, Client: r.key.client, Status: r.key.status, Hist: r.hist}
	}
	return rows, nil
}
