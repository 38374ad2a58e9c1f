package report

import (
	"errors"
	"fmt"
	"time"

	"github.com/nfstrace/nfstrace/internal/model"
)

// Span is what a summary must know of a capture before its first series
// row, when the step depends on the capture's length: how many snapshots
// there are, when the first starts and the last ends. Feed it every
// snapshot in the order the summary will get them.
type Span struct {
	Snapshots int
	First     time.Time // the first snapshot's start
	Last      time.Time // the last snapshot's end
	// Unordered says a snapshot started before the one fed before it: a
	// Summarizer cannot take them in this order, they must be sorted first.
	Unordered bool
	lastStart time.Time
}

// Add counts s.
func (sp *Span) Add(s *model.Snapshot) {
	if sp.Snapshots == 0 {
		sp.First = s.Start
	} else if s.Start.Before(sp.lastStart) {
		sp.Unordered = true
	}
	sp.Snapshots++
	sp.lastStart, sp.Last = s.Start, s.End
}

// ErrUnordered is a snapshot that starts before the one added before it.
var ErrUnordered = errors.New("snapshots out of time order")

// Summarizer builds a Summary from snapshots added one at a time in time
// order. It holds the overall frame's sums and the snapshots of one series
// step at a time, not the capture.
type Summarizer struct {
	cfg     model.Config
	opt     SummaryOptions
	step    time.Duration
	overall *frameAcc
	series  []SeriesRow

	n         int
	first     time.Time // the first snapshot's start
	lastStart time.Time
	row       *rowAcc // the step being gathered
	rowBin    int64
}

// rowAcc gathers one series row.
type rowAcc struct {
	frame *frameAcc
	ops   model.Hist // every traced RPC's latency
}

// NewSummarizer starts a summary of the snapshots span describes. The span
// matters only when opt.Step is 0 and opt.MaxRows is positive: the step is
// then chosen from the capture's length.
func NewSummarizer(cfg model.Config, span Span, opt SummaryOptions) *Summarizer {
	step := opt.Step
	if step <= 0 && opt.MaxRows > 0 && span.Snapshots > opt.MaxRows {
		step = (span.Last.Sub(span.First) + time.Duration(opt.MaxRows) - 1) / time.Duration(opt.MaxRows)
		step = ((step + time.Second - 1) / time.Second) * time.Second
	}
	return &Summarizer{cfg: cfg, opt: opt, step: step, overall: newFrameAcc(cfg)}
}

// Add takes the next snapshot, which must not start before the one before.
func (z *Summarizer) Add(s *model.Snapshot) error {
	if s == nil {
		return fmt.Errorf("snapshot %d is missing", z.n)
	}
	if z.n == 0 {
		z.first = s.Start
	} else if s.Start.Before(z.lastStart) {
		return fmt.Errorf("snapshot %d: %w", z.n, ErrUnordered)
	}
	z.n++
	z.lastStart = s.Start
	z.overall.add(s)

	bin := int64(z.n) // with no step, each snapshot is a row
	if z.step > 0 {
		bin = int64(s.Start.Sub(z.first) / z.step)
	}
	if z.row != nil && bin != z.rowBin {
		if err := z.flush(); err != nil {
			return err
		}
	}
	if z.row == nil {
		z.row, z.rowBin = &rowAcc{frame: newFrameAcc(z.cfg)}, bin
	}
	z.row.frame.add(s)
	for i := range s.RPC {
		z.row.ops.Merge(&s.RPC[i].Hist)
	}
	return nil
}

// flush ends the current series row.
func (z *Summarizer) flush() error {
	r, err := z.row.seriesRow()
	if err != nil {
		return err
	}
	z.series = append(z.series, r)
	z.row = nil
	return nil
}

// Summary is the summary of every snapshot added. Call it once, at the end.
func (z *Summarizer) Summary() (*Summary, error) {
	if z.n == 0 {
		return nil, errNoSnapshots
	}
	overall, err := z.overall.frame(Options{Sort: z.opt.Sort})
	if err != nil {
		return nil, err
	}
	if z.row != nil {
		if err := z.flush(); err != nil {
			return nil, err
		}
	}
	return &Summary{Version: FrameVersion, Overall: overall, StepSec: z.step.Seconds(), Series: z.series}, nil
}

func (a *rowAcc) seriesRow() (SeriesRow, error) {
	f, err := a.frame.frame(Options{})
	if err != nil {
		return SeriesRow{}, err
	}
	r := SeriesRow{
		Start: f.Start, End: f.End, Snapshots: f.Snapshots,
		NFSDThreads:     f.NFSD.Threads,
		NFSDInD:         f.NFSD.InD,
		NFSDDTimePerSec: f.NFSD.DTimePerSec,
		NFSDDShare:      f.NFSD.DShare,
		OpsPerSec:       f.NFSD.OpsPerSec,
		Lost:            f.Header.Lost,
		SchedChanges:    f.Changes,
		Devices:         make([]SeriesDevice, 0, len(f.Devices)),
		OpLatency:       latencyOf(&a.ops),
	}
	if f.Kernel != nil {
		for _, k := range f.Kernel.Rows {
			r.Kernel = append(r.Kernel, SeriesKernel{Class: k.Class, Template: k.Template, Count: k.Count,
				Earlier: k.Earlier, Message: kernelLine(k)})
		}
	}
	if len(f.WaitSites) > 0 {
		r.TopWaitSite, r.TopWaitSiteDPS = f.WaitSites[0].Short, f.WaitSites[0].DTimePerSec
	}
	for _, w := range f.WaitSites {
		r.DTimePerSec += w.DTimePerSec
	}
	for _, d := range f.Devices {
		sd := SeriesDevice{Name: d.Name, Scheduler: d.Scheduler}
		if d.Stats != nil {
			sd.IOPS = d.Stats.ReadIOPS + d.Stats.WriteIOPS
			sd.AwaitMs = d.Stats.AwaitMs
			sd.Util = d.Stats.Util
		}
		if d.Queue != nil {
			sd.QueueP99Ns = d.Queue.P99Ns
		}
		if d.Service != nil {
			sd.ServiceP99Ns = d.Service.P99Ns
		}
		r.Devices = append(r.Devices, sd)
	}
	return r, nil
}
