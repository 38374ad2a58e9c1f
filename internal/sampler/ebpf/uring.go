package ebpf

import (
	"errors"
	"fmt"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"

	"github.com/nfstrace/nfstrace/internal/model"
)

// ProbeURing is the probe that times the traced threads' io_uring requests.
const ProbeURing = "io_uring_latency"

// uringKinds is the number of kinds of request the programs time
// (URING_KINDS in core.bpf.c).
const uringKinds = 3

// uringKind names the kind of request in slot i of uring_lat (enum
// URING_READ... in core.bpf.c).
func uringKind(i int) string {
	switch i {
	case 0:
		return model.AsyncRead
	case 1:
		return model.AsyncWrite
	}
	return model.AsyncSync
}

// planURing checks, in the kernel's BTF, that io_uring_submit_req's
// argument is the request (struct io_kiocb *, whose opcode the program
// reads) and io_uring_complete's second is its address (5.19 on; before,
// the completion carried only the user's tag, and requests cannot be
// paired). sub and cmp are the tracepoints' prototypes, with the leading
// void *__data; nil where the kernel has no such tracepoint.
func planURing(sub, cmp *btf.FuncProto) error {
	switch {
	case sub == nil:
		return errors.New("no io_uring:io_uring_submit_req in this kernel (5.19+)")
	case len(sub.Params) < 2 || !isStructPtr(sub.Params[1].Type, "io_kiocb"):
		return errors.New("io_uring:io_uring_submit_req's argument is not a struct io_kiocb *")
	case cmp == nil:
		return errors.New("no io_uring:io_uring_complete in this kernel")
	}
	if len(cmp.Params) < 3 {
		return errors.New("io_uring:io_uring_complete has no request argument")
	}
	if _, ok := btf.UnderlyingType(cmp.Params[2].Type).(*btf.Pointer); !ok {
		return errors.New("io_uring:io_uring_complete's second argument is not the request's address (kernels before 5.19)")
	}
	return nil
}

// ProbeAIO is the probe that times the traced processes' libaio requests.
const ProbeAIO = "libaio_latency"

// latState is what the tracer keeps to read the latency of one interface's
// asynchronous requests: its maps (requests in flight keyed by K, the
// histograms by kind) and the previous cumulative histograms.
type latState[K any] struct {
	name      string // the interface, for errors: "uring", "aio"
	lat, reqs *ebpf.Map
	prev      [uringKinds]coreHist
}

// prune deletes the requests whose start is before cutoff (monotonic
// nanoseconds): their completions were not seen.
func (u *latState[K]) prune(cutoff uint64) error {
	var stale []K
	var k K
	var v coreUreq
	it := u.reqs.Iterate()
	for it.Next(&k, &v) {
		if v.StartNs < cutoff {
			stale = append(stale, k)
		}
	}
	if err := it.Err(); err != nil {
		return fmt.Errorf("read %s_reqs: %w", u.name, err)
	}
	for _, k := range stale {
		_ = u.reqs.Delete(k) // completed meanwhile is harmless
	}
	return nil
}

// collect returns the latency of the requests that completed since the
// previous call, a row per kind that had some.
func (u *latState[K]) collect() ([]model.AsyncLat, error) {
	if u == nil || u.lat == nil {
		return nil, nil
	}
	var rows []model.AsyncLat
	for i := range uringKinds {
		var cur coreHist
		if err := u.lat.Lookup(uint32(i), &cur); err != nil {
			return nil, fmt.Errorf("read %s_lat: %w", u.name, err)
		}
		last := u.prev[i]
		u.prev[i] = cur
		if cur.Count == last.Count {
			continue
		}
		rows = append(rows, model.AsyncLat{Kind: uringKind(i), Lat: delta(&cur, &last)})
	}
	return rows, nil
}
