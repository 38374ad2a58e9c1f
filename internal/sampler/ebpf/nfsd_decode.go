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
	if vers == 4 && minor != minorUnknown {
		return "v4." + strconv.Itoa(int(minor))
	}
	return "v" + strconv.Itoa(int(vers))
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
		return nfsdV4OpName(k.Op)
	}
	return nfsdProcName(k.Vers, k.Op)
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

// rpcRows turns map entries into model.RPC rows, merging entries that render
// to the same version, operation, client and status, sorted by those fields.
// COMPOUND rows (the whole RPC) and NFSv4 operation rows (its parts) are both
// present for NFSv4: Op "COMPOUND" and "NULL" are procedures, every other
// NFSv4 Op an operation.
func rpcRows(entries []rpcEntry) ([]model.RPC, error) {
	type rowKey struct{ version, op, client, status string }
	idx := make(map[rowKey]int, len(entries))
	var rows []model.RPC
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
			client:  rpcClient(e.Key.Family, e.Key.Addr),
			status:  nfsdStatusName(e.Key.Vers, e.Key.StatusKind, e.Key.Status),
		}
		h := rpcHistToModel(&e.Hist)
		if j, ok := idx[rk]; ok {
			rows[j].Hist.Merge(&h)
			continue
		}
		idx[rk] = len(rows)
		rows = append(rows, model.RPC{Version: rk.version, Op: rk.op, Client: rk.client, Status: rk.status, Hist: h})
	}
	slices.SortFunc(rows, func(a, b model.RPC) int {
		return cmp.Or(cmp.Compare(a.Version, b.Version), cmp.Compare(a.Op, b.Op),
			cmp.Compare(a.Client, b.Client), cmp.Compare(a.Status, b.Status))
	})
	return rows, nil
}
