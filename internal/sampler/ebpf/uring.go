package ebpf

import (
	"errors"
	"fmt"

	"github.com/cilium/ebpf"

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
		return model.URingRead
	case 1:
		return model.URingWrite
	}
	return model.URingSync
}

// uringPlan is where the io_uring programs read their records: the
// submission tracepoint this kernel has and the offsets of the fields.
type uringPlan struct {
	submit string // io_uring_submit_req (5.19+) or io_uring_submit_sqe
	subReq uint32 // void *req in the submission record
	subOp  uint32 // u8 opcode in the submission record
	cmpReq uint32 // void *req in io_uring_complete's record
}

// planURing checks that the submission record (of the tracepoint named
// submit) and io_uring_complete's carry the request's address and the
// submission its opcode, which pairing and classing need. Kernels before
// 5.19 complete without the request's address, and 5.5 to 5.10 submit
// without it: there requests are not timed.
func planURing(submit string, sub, cmp map[string]recordField) (uringPlan, error) {
	p := uringPlan{submit: submit}
	ptr := func(fields map[string]recordField, tp string) (uint32, error) {
		f, ok := fields["req"]
		if !ok || f.Size != 8 || f.Offset == 0 {
			return 0, fmt.Errorf("io_uring:%s has no 8-byte req field", tp)
		}
		return f.Offset, nil
	}
	var err error
	if p.subReq, err = ptr(sub, submit); err != nil {
		return p, err
	}
	if p.cmpReq, err = ptr(cmp, "io_uring_complete"); err != nil {
		return p, err
	}
	f, ok := sub["opcode"]
	if !ok || f.Size != 1 || f.Offset == 0 {
		return p, fmt.Errorf("io_uring:%s has no u8 opcode field", submit)
	}
	p.subOp = f.Offset
	return p, nil
}

// readURingPlan reads the io_uring tracepoints' formats from tracefs and
// plans the programs on them.
func readURingPlan(sysfs string) (uringPlan, error) {
	tracefs, err := tracefsDir(sysfs)
	if err != nil {
		return uringPlan{}, err
	}
	cmp, err := readFormat(tracefs, "io_uring", "io_uring_complete")
	if err != nil {
		return uringPlan{}, fmt.Errorf("io_uring:io_uring_complete: %w", err)
	}
	var errs []error
	for _, name := range []string{"io_uring_submit_req", "io_uring_submit_sqe"} {
		sub, err := readFormat(tracefs, "io_uring", name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		return planURing(name, sub, cmp)
	}
	return uringPlan{}, fmt.Errorf("no io_uring submission tracepoint: %w", errors.Join(errs...))
}

// uringState is what the tracer keeps to read the latency of io_uring
// requests: the histogram map and its previous cumulative values.
type uringState struct {
	lat  *ebpf.Map
	prev [uringKinds]coreHist
}

// collect returns the latency of the requests that completed since the
// previous call, a row per kind that had some.
func (u *uringState) collect() ([]model.URingLat, error) {
	if u == nil || u.lat == nil {
		return nil, nil
	}
	var rows []model.URingLat
	for i := range uringKinds {
		var cur coreHist
		if err := u.lat.Lookup(uint32(i), &cur); err != nil {
			return nil, fmt.Errorf("read uring_lat: %w", err)
		}
		last := u.prev[i]
		u.prev[i] = cur
		if cur.Count == last.Count {
			continue
		}
		rows = append(rows, model.URingLat{Kind: uringKind(i), Lat: delta(&cur, &last)})
	}
	return rows, nil
}
