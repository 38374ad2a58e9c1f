package report

import (
	"cmp"
	"fmt"
	"maps"
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

type kernelKey struct{ class, template, site string }

// kernelTable sums the kernel logs of snapshots into one row per template,
// in the order first seen.
type kernelTable struct {
	idx   map[kernelKey]int
	rows  []KernelRow
	other map[string]uint64
	lost  uint64
}

func (t *kernelTable) add(s *model.Snapshot) {
	k := s.Kernel
	if k == nil {
		return
	}
	t.lost += k.Lost
	for c, n := range k.Other {
		if t.other == nil {
			t.other = make(map[string]uint64)
		}
		t.other[c] += n
	}
	for _, tm := range k.Templates {
		kk := kernelKey{tm.Class, tm.Template, string(tm.WaitSite)}
		i, ok := t.idx[kk]
		if !ok {
			if t.idx == nil {
				t.idx = make(map[kernelKey]int)
			}
			i = len(t.rows)
			t.idx[kk] = i
			t.rows = append(t.rows, KernelRow{Class: tm.Class, Template: tm.Template, WaitSite: string(tm.WaitSite)})
		}
		r := &t.rows[i]
		r.Count += tm.Count
		r.Earlier += tm.Earlier
		r.BlockedNs = max(r.BlockedNs, int64(tm.Blocked))
		if !tm.Last.Before(r.Last) {
			r.Last = tm.Last
			r.Example = tm.Example
		}
	}
}

// summary is the kernel log over sec seconds, one row per template, the
// latest first; nil when the run did not read the kernel log (cfg says
// no source) and the snapshots hold none.
func (t *kernelTable) summary(cfg model.Config, sec float64) *KernelLogSummary {
	if cfg.KernelLog == "" && len(t.rows) == 0 && len(t.other) == 0 && t.lost == 0 {
		return nil
	}
	rows := slices.Clone(t.rows)
	for i := range rows {
		rows[i].PerSec = perSec(float64(rows[i].Count), sec)
	}
	slices.SortStableFunc(rows, func(a, b KernelRow) int {
		return cmp.Or(b.Last.Compare(a.Last), cmp.Compare(a.Template, b.Template))
	})
	return &KernelLogSummary{Source: cfg.KernelLog, Rows: rows, Other: maps.Clone(t.other), Lost: t.lost}
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
			model.FormatCount(r.PerSec), fmt.Sprint(r.Earlier), lines[len(lines)-1]})
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
