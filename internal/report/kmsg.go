package report

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nfstrace/nfstrace/internal/model"
)

// maxKernelRows is how many templates top and report show, the latest
// first: the last few messages, with the rate of their template.
const maxKernelRows = 8

// KernelLogSummary is what the kernel logged over a window: one row per
// template, the one logged last first.
type KernelLogSummary struct {
	// Source is where the messages are read from, or why they cannot be
	// ("unavailable: ...").
	Source string      `json:"source,omitempty"`
	Rows   []KernelRow `json:"templates,omitempty"`
	// Other counts messages of templates past the cap, by class; Lost the
	// records the ring buffer overwrote before they were read.
	Other map[string]uint64 `json:"other,omitempty"`
	Lost  uint64            `json:"lost,omitempty"`
}

// KernelRow is one template over a window.
type KernelRow struct {
	Class    string  `json:"class"`
	Template string  `json:"template"`
	Count    uint64  `json:"count"`
	PerSec   float64 `json:"per_sec"`
	// Earlier counts the messages logged before the run began (in the
	// kernel's buffer when it started); they are not in PerSec.
	Earlier  uint64    `json:"earlier,omitempty"`
	Last     time.Time `json:"last"`
	Example  string    `json:"example"`
	WaitSite string    `json:"wait_site,omitempty"`
	// BlockedNs is the longest time a hung-task report said its task was
	// blocked.
	BlockedNs int64 `json:"blocked_ns,omitempty"`
}

// MergeKernelLog sums the kernel logs of snapshots into one row per
// template, the latest first.
func MergeKernelLog(snaps []*model.Snapshot, sec float64) ([]KernelRow, map[string]uint64, uint64) {
	type key struct{ class, template, site string }
	idx := make(map[key]int)
	var rows []KernelRow
	var other map[string]uint64
	var lost uint64
	for _, s := range snaps {
		k := s.Kernel
		if k == nil {
			continue
		}
		lost += k.Lost
		for c, n := range k.Other {
			if other == nil {
				other = make(map[string]uint64)
			}
			other[c] += n
		}
		for _, t := range k.Templates {
			kk := key{t.Class, t.Template, string(t.WaitSite)}
			i, ok := idx[kk]
			if !ok {
				i = len(rows)
				idx[kk] = i
				rows = append(rows, KernelRow{Class: t.Class, Template: t.Template, WaitSite: string(t.WaitSite)})
			}
			r := &rows[i]
			r.Count += t.Count
			r.Earlier += t.Earlier
			r.BlockedNs = max(r.BlockedNs, int64(t.Blocked))
			if !t.Last.Before(r.Last) {
				r.Last = t.Last
				r.Example = t.Example
			}
		}
	}
	for i := range rows {
		rows[i].PerSec = perSec(float64(rows[i].Count), sec)
	}
	slices.SortStableFunc(rows, func(a, b KernelRow) int {
		return cmp.Or(b.Last.Compare(a.Last), cmp.Compare(a.Template, b.Template))
	})
	return rows, other, lost
}

func buildKernelLog(cfg model.Config, window []*model.Snapshot, sec float64) *KernelLogSummary {
	rows, other, lost := MergeKernelLog(window, sec)
	if cfg.KernelLog == "" && len(rows) == 0 && len(other) == 0 && lost == 0 {
		return nil
	}
	return &KernelLogSummary{Source: cfg.KernelLog, Rows: rows, Other: other, Lost: lost}
}

// kernelLine is the one line a template's latest message shows as: its first
// line, and for a hung task where it waited.
func kernelLine(r KernelRow) string {
	line, _, _ := strings.Cut(r.Example, "\n")
	if r.WaitSite != "" {
		frames := strings.Split(r.WaitSite, model.FrameSep)
		line += " in " + strings.Join(frames[:min(len(frames), 3)], " < ")
	}
	return line
}

// kernelSection is top's table of the kernel's last messages of interest.
func (f *Frame) kernelSection(maxWidth int) (section, error) {
	k := f.Kernel
	if k == nil {
		return section{}, nil
	}
	if strings.HasPrefix(k.Source, "unavailable") {
		return section{header: "KERNEL LOG", rows: []string{"kernel log " + k.Source}}, nil
	}
	if len(k.Rows) == 0 {
		row := "no hung task, lockup, OOM kill, or nfsd, RPC, block or filesystem message in the window"
		if k.Lost > 0 {
			row += fmt.Sprintf("; %d records lost to the ring buffer", k.Lost)
		}
		return section{header: "KERNEL LOG", rows: []string{row}}, nil
	}
	t := &table{cols: []column{
		{header: "LAST (UTC)"},
		{header: "CLASS"},
		{header: "COUNT", right: true},
		{header: "/s", right: true, drop: 1},
		{header: "BEFORE RUN", right: true, drop: 2},
		{header: "KERNEL MESSAGE (LATEST OF ITS TEMPLATE)", flex: true},
	}}
	lines := make([]string, 0, len(k.Rows))
	var before bool
	for _, r := range k.Rows[:min(len(k.Rows), maxKernelRows)] {
		before = before || r.Earlier > 0
		lines = append(lines, kernelLine(r))
		t.rows = append(t.rows, []string{r.Last.UTC().Format("15:04:05"), r.Class, fmt.Sprint(r.Count),
			fmtCount(r.PerSec), fmt.Sprint(r.Earlier), lines[len(lines)-1]})
	}
	t.hide(map[int]bool{4: !before})
	t.shrink = func(i, w int) string { return truncate(lines[i], w) }
	sec, err := fromTable(t, maxWidth, "templates")
	if n := len(k.Rows) - maxKernelRows; n > 0 && err == nil {
		sec.rows = append(sec.rows, fmt.Sprintf("... %d more templates (--format json lists them)", n))
	}
	return sec, err
}

// kernelLines lists the kernel's messages of interest step by step, nothing
// when the capture holds none.
func (s *Summary) kernelLines(maxWidth int) ([]string, error) {
	t := &table{cols: []column{
		{header: "TIME (UTC)"},
		{header: "CLASS"},
		{header: "COUNT", right: true},
		{header: "BEFORE RUN", right: true, drop: 1},
		{header: "KERNEL MESSAGE (LATEST OF ITS TEMPLATE IN THE STEP)", flex: true},
	}}
	var msgs []string
	var before bool
	for _, r := range s.Series {
		for _, k := range r.Kernel {
			before = before || k.Earlier > 0
			msgs = append(msgs, k.Message)
			t.rows = append(t.rows, []string{r.Start.UTC().Format("15:04:05"), k.Class, fmt.Sprint(k.Count),
				fmt.Sprint(k.Earlier), k.Message})
		}
	}
	if len(t.rows) == 0 {
		return nil, nil
	}
	t.hide(map[int]bool{3: !before})
	t.shrink = func(i, w int) string { return truncate(msgs[i], w) }
	lines, err := t.lines(maxWidth)
	if err != nil {
		return nil, err
	}
	return append([]string{"KERNEL LOG BY STEP"}, lines...), nil
}
