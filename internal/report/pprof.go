package report

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/google/pprof/profile"

	"github.com/nfstrace/nfstrace/internal/model"
)

// Sample types of the off-CPU profile: how many D-state intervals, and how
// long they lasted. "delay" is the default, so `go tool pprof -top` ranks
// stacks by time in D.
var pprofSampleTypes = []*profile.ValueType{
	{Type: "count", Unit: "count"},
	{Type: "delay", Unit: "nanoseconds"},
}

// Profile label keys.
const (
	LabelKernel    = "kernel"
	LabelComm      = "comm"
	LabelOp        = "nfs_op"
	LabelDevice    = "device"
	LabelScheduler = "scheduler"
)

// coreKernelFile names the core kernel as the "file" of its functions, as
// perf does; module functions get "[module]".
const coreKernelFile = "[kernel.kallsyms]"

type sampleKey struct {
	site                        model.WaitSite
	comm, op, device, scheduler string
}

// Profile builds an off-CPU profile of the D-state rows in snaps: one sample
// per wait-site stack and label set (comm, NFS operation, device, scheduler,
// kernel), with values count and delay in nanoseconds. Locations are the
// stack's frames, innermost first as pprof wants; each frame's function
// carries its module ("[nfsd]") as its file name. Snapshots without D-state
// rows give an empty, valid profile.
func Profile(cfg model.Config, snaps []*model.Snapshot) (*profile.Profile, error) {
	if len(snaps) == 0 {
		return nil, errNoSnapshots
	}
	type val struct{ count, ns int64 }
	vals := map[sampleKey]*val{}
	var keys []sampleKey
	first, last := snaps[0].Start, snaps[0].End
	for i, s := range snaps {
		if s == nil {
			return nil, fmt.Errorf("snapshot %d is missing", i)
		}
		if s.Start.Before(first) {
			first = s.Start
		}
		if s.End.After(last) {
			last = s.End
		}
		for j := range s.DState {
			d := &s.DState[j]
			if d.Hist.Empty() || d.WaitSite == "" {
				continue
			}
			k := sampleKey{d.WaitSite, d.Comm, d.Op, d.Device, d.Scheduler}
			v := vals[k]
			if v == nil {
				v = &val{}
				vals[k] = v
				keys = append(keys, k)
			}
			v.count += int64(d.Hist.Count)
			v.ns += int64(d.Hist.SumNs)
		}
	}
	// A deterministic order makes equal captures give equal files.
	slices.SortFunc(keys, func(a, b sampleKey) int {
		return strings.Compare(
			strings.Join([]string{string(a.site), a.comm, a.op, a.device, a.scheduler}, "\x00"),
			strings.Join([]string{string(b.site), b.comm, b.op, b.device, b.scheduler}, "\x00"))
	})

	p := &profile.Profile{
		SampleType:        pprofSampleTypes,
		DefaultSampleType: "delay",
		PeriodType:        &profile.ValueType{Type: "delay", Unit: "nanoseconds"},
		Period:            1,
		TimeNanos:         first.UnixNano(),
		DurationNanos:     last.Sub(first).Nanoseconds(),
		Comments: []string{
			"nfstrace off-CPU profile: time target threads spent in D state, per kernel stack",
			fmt.Sprintf("host %s, kernel %s, backend %s", cfg.Hostname, cfg.KernelRelease, orDash(cfg.Backend.Detail)),
		},
	}
	funcs := map[string]*profile.Function{}
	locs := map[string]*profile.Location{}
	location := func(frame string) *profile.Location {
		fn, mod := parseFrame(frame)
		file := coreKernelFile
		if mod != "" {
			file = "[" + mod + "]"
		}
		id := fn + " " + file
		if l := locs[id]; l != nil {
			return l
		}
		f := funcs[id]
		if f == nil {
			f = &profile.Function{ID: uint64(len(p.Function) + 1), Name: fn, SystemName: fn, Filename: file}
			funcs[id] = f
			p.Function = append(p.Function, f)
		}
		l := &profile.Location{ID: uint64(len(p.Location) + 1), Line: []profile.Line{{Function: f}}}
		locs[id] = l
		p.Location = append(p.Location, l)
		return l
	}
	for _, k := range keys {
		v := vals[k]
		s := &profile.Sample{Value: []int64{v.count, v.ns}, Label: map[string][]string{}}
		for _, fr := range k.site.Frames() {
			if strings.TrimSpace(fr) == "" {
				continue
			}
			s.Location = append(s.Location, location(fr))
		}
		if len(s.Location) == 0 {
			continue
		}
		addLabel(s, LabelKernel, cfg.KernelRelease)
		addLabel(s, LabelComm, k.comm)
		addLabel(s, LabelOp, strings.ToUpper(k.op))
		dev := k.device
		if dev == model.NotBlockIO {
			dev = "not-block-io"
		}
		addLabel(s, LabelDevice, dev)
		addLabel(s, LabelScheduler, k.scheduler)
		p.Sample = append(p.Sample, s)
	}
	if err := p.CheckValid(); err != nil {
		return nil, fmt.Errorf("build profile: %w", err)
	}
	return p, nil
}

func addLabel(s *profile.Sample, key, value string) {
	if value != "" {
		s.Label[key] = []string{value}
	}
}

// WritePprof writes the off-CPU profile of snaps in pprof's gzipped
// protobuf format, the file `go tool pprof` and flame-graph viewers open.
func WritePprof(w io.Writer, cfg model.Config, snaps []*model.Snapshot) error {
	p, err := Profile(cfg, snaps)
	if err != nil {
		return err
	}
	if err := p.Write(w); err != nil {
		return fmt.Errorf("write pprof: %w", err)
	}
	return nil
}
