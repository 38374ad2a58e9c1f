package report

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/nfstrace/nfstrace/internal/model"
)

// Summary is `nfstrace report`: the top views over a whole capture, and a
// time series of the quantities that tell a regression apart (nfsd D-time,
// operation latency, device latency and each device's scheduler).
type Summary struct {
	Version int `json:"version"`
	// Overall is the frame over every snapshot: histograms merged across
	// the capture, rates averaged over its length, gauges from its end.
	Overall *Frame `json:"overall"`
	// StepSec is the length of one series row (0: one row per snapshot).
	StepSec float64     `json:"step_s"`
	Series  []SeriesRow `json:"series"`
}

// SeriesRow is one step of the time series.
type SeriesRow struct {
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	Snapshots int       `json:"snapshots"`
	// NFSD gauges are from the step's last snapshot.
	NFSDThreads int `json:"nfsd_threads"`
	NFSDInD     int `json:"nfsd_in_d"`
	// NFSDDTimePerSec and NFSDDShare as in NFSDSummary, over the step.
	NFSDDTimePerSec float64  `json:"nfsd_d_time_per_s"`
	NFSDDShare      *float64 `json:"nfsd_d_share,omitempty"`
	OpsPerSec       float64  `json:"ops_per_s"`
	// DTimePerSec is the D-state time of every traced thread per second
	// (all wait sites), nfsd or the threads --comm or --pid chose.
	DTimePerSec float64 `json:"d_time_per_s"`
	// OpLatency merges the latency of every traced RPC in the step.
	OpLatency *Latency `json:"op_latency,omitempty"`
	// TopWaitSite is the wait site with the most D-time in the step.
	TopWaitSite    string          `json:"top_wait_site,omitempty"`
	TopWaitSiteDPS float64         `json:"top_wait_site_d_time_per_s,omitempty"`
	Devices        []SeriesDevice  `json:"devices"`
	Lost           uint64          `json:"lost"`
	SchedChanges   []SchedChangeAt `json:"sched_changes,omitempty"`
	// Kernel lists the kernel's messages of interest in the step by
	// template, the latest first (examples in full are in Overall).
	Kernel []SeriesKernel `json:"kernel_log,omitempty"`
}

// SeriesKernel is one kernel message template in one step of the series.
type SeriesKernel struct {
	Class    string `json:"class"`
	Template string `json:"template"`
	Count    uint64 `json:"count"`
	Earlier  uint64 `json:"earlier,omitempty"`
	// Message is the latest message's first line; for a hung task, with
	// where it waited.
	Message string `json:"message"`
}

// SeriesDevice is one device under one scheduler during a step.
type SeriesDevice struct {
	Name      string  `json:"name"`
	Scheduler string  `json:"scheduler"`
	IOPS      float64 `json:"iops"`
	AwaitMs   float64 `json:"await_ms"`
	Util      float64 `json:"util"`
	// QueueP99Ns and ServiceP99Ns are 0 without block histograms.
	QueueP99Ns   int64 `json:"queue_p99_ns"`
	ServiceP99Ns int64 `json:"service_p99_ns"`
}

// SummaryOptions tune Summarize.
type SummaryOptions struct {
	Sort SortMode
	// Step is the length of one series row; 0 means one row per snapshot,
	// unless MaxRows asks for fewer.
	Step time.Duration
	// MaxRows, when positive and Step is 0, widens the step (in whole
	// seconds) so that the series has at most about MaxRows rows.
	MaxRows int
}

// Summarize builds the summary of a capture's snapshots (in any order).
// A capture read in time order need not be held whole: see Summarizer.
func Summarize(cfg model.Config, snaps []*model.Snapshot, opt SummaryOptions) (*Summary, error) {
	if len(snaps) == 0 {
		return nil, errNoSnapshots
	}
	for i, s := range snaps {
		if s == nil {
			return nil, fmt.Errorf("snapshot %d is missing", i)
		}
	}
	sorted := slices.Clone(snaps)
	slices.SortStableFunc(sorted, func(a, b *model.Snapshot) int { return a.Start.Compare(b.Start) })
	var span Span
	for _, s := range sorted {
		span.Add(s)
	}
	z := NewSummarizer(cfg, span, opt)
	for _, s := range sorted {
		if err := z.Add(s); err != nil {
			return nil, err
		}
	}
	return z.Summary()
}

// maxSeriesDevices is how many devices get a column in the series table
// (the busiest by IO over the capture); the JSON has all.
const maxSeriesDevices = 3

// Render writes the summary as text: the overall frame, then the series.
func (s *Summary) Render(w io.Writer, l Layout) error {
	if l.Title == "" {
		l.Title = "nfstrace report"
	}
	l.Height = 0
	lines, err := s.Overall.Lines(l)
	if err != nil {
		return err
	}
	series, err := s.seriesLines(l.Width)
	if err != nil {
		return err
	}
	lines = append(lines, "")
	lines = append(lines, series...)
	klog, err := s.kernelLines(l.Width)
	if err != nil {
		return err
	}
	if len(klog) > 0 {
		lines = append(append(lines, ""), klog...)
	}
	for _, line := range lines {
		if _, err := io.WriteString(w, model.TermSafe(line)+"\n"); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
	}
	return nil
}

// seriesDevices picks the devices with the most IO over the capture; a
// device the tracer saw requests on counts even when diskstats show none.
func (s *Summary) seriesDevices() []string {
	iops := map[string]float64{}
	traced := map[string]bool{}
	var names []string
	for _, r := range s.Series {
		for _, d := range r.Devices {
			if _, ok := iops[d.Name]; !ok {
				names = append(names, d.Name)
			}
			iops[d.Name] += d.IOPS
			traced[d.Name] = traced[d.Name] || d.ServiceP99Ns > 0
		}
	}
	slices.SortStableFunc(names, func(a, b string) int {
		if c := cmpDesc(iops[a], iops[b]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	var out []string
	for _, n := range names {
		if (iops[n] > 0 || traced[n]) && len(out) < maxSeriesDevices {
			out = append(out, n)
		}
	}
	return out
}

func (s *Summary) seriesLines(maxWidth int) ([]string, error) {
	title := "TIME SERIES (one row per snapshot)"
	if s.StepSec > 0 {
		title = fmt.Sprintf("TIME SERIES (one row per %s)", fmtSeconds(s.StepSec))
	}
	if len(s.Series) == 0 {
		return []string{title, "no snapshots"}, nil
	}
	devs := s.seriesDevices()
	var hasLat, hasLost, hasSite, hasNFSD bool
	for _, r := range s.Series {
		hasLat = hasLat || r.OpLatency != nil
		hasLost = hasLost || r.Lost > 0
		hasSite = hasSite || r.TopWaitSite != ""
		hasNFSD = hasNFSD || r.NFSDThreads > 0 || r.NFSDDTimePerSec > 0 || r.OpsPerSec > 0
	}
	layout := "15:04:05"
	if !s.Series[0].Start.Truncate(24 * time.Hour).Equal(s.Series[len(s.Series)-1].Start.Truncate(24 * time.Hour)) {
		layout = "01-02 15:04:05"
	}
	cols := []column{
		{header: "TIME (UTC)"},
		{header: "NFSD D-TIME/s", right: true},
		{header: "IN D", right: true},
		{header: "D SHARE", right: true, drop: 2},
		{header: "OPS/s", right: true},
		{header: "OP p50", right: true, drop: 3},
		{header: "OP p99", right: true},
		{header: "LOST", right: true, drop: 4},
	}
	hide := map[int]bool{5: !hasLat, 6: !hasLat, 7: !hasLost}
	if !hasNFSD {
		// No nfsd in the capture (threads chosen by --comm or --pid):
		// the traced threads' D-time in place of four columns of zeros.
		cols[1].header = "D-TIME/s"
		hide[2], hide[3], hide[4] = true, true, true
	}
	for _, d := range devs {
		cols = append(cols, column{header: d + " sched p99/await", drop: 1})
	}
	siteCol := len(cols)
	cols = append(cols, column{header: "TOP WAIT SITE", flex: true})
	hide[siteCol] = !hasSite
	t := &table{cols: cols}
	for _, r := range s.Series {
		row := []string{
			r.Start.UTC().Format(layout),
			model.FormatDuration(secondsDur(r.NFSDDTimePerSec)),
			fmt.Sprint(r.NFSDInD),
			"-",
			model.FormatCount(r.OpsPerSec),
			"-", "-",
			model.FormatCount(float64(r.Lost)),
		}
		if r.NFSDDShare != nil {
			row[3] = model.FormatPct(*r.NFSDDShare)
		}
		if !hasNFSD {
			row[1] = model.FormatDuration(secondsDur(r.DTimePerSec))
		}
		if r.OpLatency != nil {
			row[5], row[6] = fmtNs(r.OpLatency.P50Ns), fmtNs(r.OpLatency.P99Ns)
		}
		for _, name := range devs {
			row = append(row, seriesDeviceCell(r.Devices, name))
		}
		row = append(row, r.TopWaitSite)
		t.rows = append(t.rows, row)
	}
	t.shrink = func(i, w int) string {
		return shortStack(strings.Split(s.Series[i].TopWaitSite, model.StackSep), w, 0)
	}
	t.hide(hide)
	lines, err := t.lines(maxWidth)
	if err != nil {
		return nil, err
	}
	return append([]string{title}, lines...), nil
}

// seriesDeviceCell shows a device's scheduler and latency in one step: the
// traced device p99 when there is one, the diskstats await otherwise ("~").
// A device with several schedulers in the step lists each.
func seriesDeviceCell(devs []SeriesDevice, name string) string {
	var parts []string
	for _, d := range devs {
		if d.Name != name {
			continue
		}
		lat := "-"
		switch {
		case d.ServiceP99Ns > 0:
			lat = fmtNs(d.ServiceP99Ns)
		case d.AwaitMs > 0:
			lat = "~" + model.FormatDuration(msDur(d.AwaitMs))
		}
		parts = append(parts, orDash(d.Scheduler)+" "+lat)
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}
