package report

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

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

// ProfileBuilder merges the D-state rows of snapshots added one at a time,
// in any order, into an off-CPU profile. It keeps one value per stack and
// label set, not the snapshots.
type ProfileBuilder struct {
	n           int
	vals        map[sampleKey]*sampleVal
	keys        []sampleKey
	first, last time.Time
}

type sampleVal struct{ count, ns int64 }

// NewProfileBuilder starts an off-CPU profile.
func NewProfileBuilder() *ProfileBuilder {
	return &ProfileBuilder{vals: map[sampleKey]*sampleVal{}}
}

// Add merges the D-state rows of s.
func (b *ProfileBuilder) Add(s *model.Snapshot) error {
	if s == nil {
		return fmt.Errorf("snapshot %d is missing", b.n)
	}
	if b.n == 0 || s.Start.Before(b.first) {
		b.first = s.Start
	}
	if b.n == 0 || s.End.After(b.last) {
		b.last = s.End
	}
	b.n++
	for j := range s.DState {
		d := &s.DState[j]
		if d.Hist.Empty() || d.WaitSite == "" {
			continue
		}
		k := sampleKey{d.WaitSite, d.Comm, d.Op, d.Device, d.Scheduler}
		v := b.vals[k]
		if v == nil {
			v = &sampleVal{}
			b.vals[k] = v
			b.keys = append(b.keys, k)
		}
		v.count += int64(d.Hist.Count)
		v.ns += int64(d.Hist.SumNs)
	}
	return nil
}

// Profile builds an off-CPU profile of the D-state rows in snaps: see
// ProfileBuilder.Profile.
func Profile(cfg model.Config, snaps []*model.Snapshot) (*profile.Profile, error) {
	b := NewProfileBuilder()
	for _, s := range snaps {
		if err := b.Add(s); err != nil {
			return nil, err
		}
	}
	return b.Profile(cfg)
}

// Profile is the off-CPU profile of the snapshots added, from a capture
// with config cfg (the host and kernel it names): one sample per
// wait-site stack and label set (comm, NFS operation, device, scheduler,
// kernel), with values count and delay in nanoseconds. Locations are the
// stack's frames, innermost first as pprof wants; each frame's function
// carries its module ("[nfsd]") as its file name. Snapshots without D-state
// rows give an empty, valid profile; no snapshots is an error.
func (b *ProfileBuilder) Profile(cfg model.Config) (*profile.Profile, error) {
	if b.n == 0 {
		return nil, errNoSnapshots
	}
	vals, first, last := b.vals, b.first, b.last
	keys := slices.Clone(b.keys)
	// A deterministic order makes equal captures give equal files.
	slices.SortFunc(keys, func(x, y sampleKey) int {
		return strings.Compare(
			strings.Join([]string{string(x.site), x.comm, x.op, x.device, x.scheduler}, "\x00"),
			strings.Join([]string{string(y.site), y.comm, y.op, y.device, y.scheduler}, "\x00"))
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
		fn, mod := model.ParseFrame(frame)
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
	b := NewProfileBuilder()
	for _, s := range snaps {
		if err := b.Add(s); err != nil {
			return err
		}
	}
	return b.Write(w, cfg)
}

// Write writes the profile of the snapshots added as WritePprof does.
func (b *ProfileBuilder) Write(w io.Writer, cfg model.Config) error {
	p, err := b.Profile(cfg)
	if err != nil {
		return err
	}
	if err := p.Write(w); err != nil {
		return fmt.Errorf("write pprof: %w", err)
	}
	return nil
}
