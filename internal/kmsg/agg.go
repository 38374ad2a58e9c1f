package kmsg

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/nfstrace/nfstrace/internal/model"
)

// Bounds of an Aggregator: a storm of messages cannot grow its memory, nor
// the snapshots it hands over, past them.
const (
	// MaxTemplates is how many templates a run keeps; messages of later
	// templates are counted by class in KernelLog.Other.
	MaxTemplates = 256
	// MaxExample is the longest example kept, stack included, in bytes.
	MaxExample = 4096
	// maxReportLines is how many lines after a hung-task message can
	// belong to its report.
	maxReportLines = 64
	// reportGap is the longest pause between two lines of one report.
	reportGap = 500 * time.Millisecond
	// maxSiteFrames is how many frames a hung task's wait site keeps.
	maxSiteFrames = 12
)

type key struct {
	class, template string
	site            model.WaitSite
}

// entry is one template's counts over the current interval.
type entry struct {
	t model.KlogTemplate
}

// report is a hung-task report being read: its first line, then the lines
// of its stack as they come.
type report struct {
	first   Record
	wall    time.Time
	earlier bool
	lines   []string
	size    int
	lastSeq uint64
	lastT   time.Duration
	done    bool
}

// Aggregator groups the records of interest by template. Records are added
// in the order of their sequence numbers; Take hands over what was added
// since the previous Take.
type Aggregator struct {
	boot    time.Time // wall time of the kernel's time 0
	index   map[key]*entry
	order   []*entry // in order of first appearance
	other   map[string]uint64
	lost    uint64
	pending *report
}

// NewAggregator returns an Aggregator that turns kernel time stamps (time
// since boot) into wall time by adding them to boot.
func NewAggregator(boot time.Time) *Aggregator {
	return &Aggregator{boot: boot, index: make(map[key]*entry)}
}

// Lost counts n records the ring buffer overwrote before they were read.
func (a *Aggregator) Lost(n uint64) { a.lost += n }

// Add adds one record. earlier marks a record logged before the run began.
// Records of facilities other than the kernel's (0) are ignored: user space
// may write to /dev/kmsg.
func (a *Aggregator) Add(r Record, earlier bool) {
	if p := a.pending; p != nil {
		if a.continues(p, r) {
			return
		}
		a.finish()
	}
	if r.Facility != 0 {
		return
	}
	class := Classify(r.Msg)
	if class == "" {
		return
	}
	wall := a.boot.Add(r.Time)
	if class == model.KlogHungTask {
		a.pending = &report{first: r, wall: wall, earlier: earlier, lastSeq: r.Seq, lastT: r.Time,
			lines: []string{r.Msg}, size: len(r.Msg)}
		return
	}
	a.count(key{class: class, template: Template(class, r.Msg)}, wall, earlier, r.Msg, 0)
}

// continues adds r to the hung-task report p if it belongs to it: the next
// record, close in time, not the next report, and the report not yet closed
// by "</TASK>" or too long. Other messages of interest are not looked for
// inside a report: its task line ("nfsd  D  0  1234 ...") names a task.
func (a *Aggregator) continues(p *report, r Record) bool {
	if p.done || r.Seq != p.lastSeq+1 || r.Time-p.lastT > reportGap ||
		len(p.lines) >= maxReportLines || r.Facility != 0 || isHungTask(strings.TrimSpace(r.Msg)) {
		return false
	}
	p.lastSeq, p.lastT = r.Seq, r.Time
	p.lines = append(p.lines, r.Msg)
	if strings.TrimSpace(r.Msg) == "</TASK>" {
		p.done = true
	}
	return true
}

// finish counts the pending hung-task report, if any.
func (a *Aggregator) finish() {
	p := a.pending
	if p == nil {
		return
	}
	a.pending = nil
	site := WaitSite(p.lines[1:])
	k := key{class: model.KlogHungTask, template: Template(model.KlogHungTask, p.first.Msg), site: site}
	e := a.count(k, p.wall, p.earlier, strings.Join(p.lines, "\n"), blockedFor(p.first.Msg))
	if e != nil {
		e.t.WaitSite = site
	}
}

func (a *Aggregator) count(k key, wall time.Time, earlier bool, example string, blocked time.Duration) *entry {
	e := a.index[k]
	if e == nil {
		if len(a.index) >= MaxTemplates {
			if a.other == nil {
				a.other = make(map[string]uint64)
			}
			a.other[k.class]++
			return nil
		}
		e = &entry{t: model.KlogTemplate{Class: k.class, Template: k.template}}
		a.index[k] = e
		a.order = append(a.order, e)
	}
	t := &e.t
	if earlier {
		t.Earlier++
	} else {
		if t.Count == 0 && t.Earlier > 0 {
			// The interval's first time and longest block are of the
			// run's messages.
			t.First, t.Blocked = time.Time{}, 0
		}
		t.Count++
	}
	if t.First.IsZero() || wall.Before(t.First) {
		t.First = wall
	}
	if !wall.Before(t.Last) {
		t.Last = wall
		t.Example = capString(example, MaxExample)
	}
	if !earlier || t.Count == 0 {
		t.Blocked = max(t.Blocked, blocked)
	}
	return e
}

// Take returns what was added since the previous Take, nil if nothing, and
// starts a new interval. A hung-task report still being read stays for the
// next interval unless it is complete.
func (a *Aggregator) Take() *model.KernelLog {
	if p := a.pending; p != nil && p.done {
		a.finish()
	}
	var k model.KernelLog
	for _, e := range a.order {
		if e.t.Count == 0 && e.t.Earlier == 0 {
			continue
		}
		k.Templates = append(k.Templates, e.t)
		e.t = model.KlogTemplate{Class: e.t.Class, Template: e.t.Template, WaitSite: e.t.WaitSite}
	}
	slices.SortStableFunc(k.Templates, func(x, y model.KlogTemplate) int {
		return cmp.Or(cmp.Compare(model.KlogRank(x.Class), model.KlogRank(y.Class)), y.Last.Compare(x.Last))
	})
	k.Other, a.other = a.other, nil
	k.Lost, a.lost = a.lost, 0
	if k.Empty() {
		return nil
	}
	return &k
}

// Flush counts a hung-task report still being read, as the end of a read
// does: no more lines of it are coming.
func (a *Aggregator) Flush() { a.finish() }

// FlushIdle counts a hung-task report still being read whose last line is
// older than a report's lines are apart, now being the kernel's time: a
// report of a kernel without "</TASK>" followed by silence.
func (a *Aggregator) FlushIdle(now time.Duration) {
	if p := a.pending; p != nil && now-p.lastT > reportGap {
		a.finish()
	}
}

// capString cuts s to at most n bytes, on a line or rune boundary.
func capString(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	if i := strings.LastIndexByte(s, '\n'); i > 0 {
		return s[:i]
	}
	for len(s) > 0 && s[len(s)-1]&0xc0 == 0x80 {
		s = s[:len(s)-1]
	}
	return s
}

// WaitSite returns the wait site of a hung-task report's lines: the frames
// of its call trace, innermost first, without the frames the unwinder is
// unsure of ("? "), the scheduler's own frames, and the entry frames every
// system call or kernel thread starts from. It reads both the stack lines of
// current kernels (" schedule+0x23/0xa0") and of older ones
// (" [<ffffffff815f1f02>] schedule+0x32/0x80").
func WaitSite(lines []string) model.WaitSite {
	var frames []string
	in := false
	for _, l := range lines {
		l = strings.TrimSpace(l)
		switch {
		case l == "Call Trace:":
			in = true
			continue
		case !in || l == "<TASK>":
			continue
		case l == "</TASK>":
			in = false
			continue
		}
		if strings.HasPrefix(l, "[<") {
			if i := strings.Index(l, ">]"); i > 0 {
				l = strings.TrimSpace(l[i+2:])
			}
		}
		if strings.HasPrefix(l, "?") {
			continue
		}
		fn, _, ok := strings.Cut(l, "+0x")
		if !ok || strings.ContainsAny(fn, " :") {
			continue
		}
		frames = append(frames, fn)
	}
	frames = model.TrimEntryFrames(model.TrimSchedFrames(frames))
	if len(frames) > maxSiteFrames {
		frames = frames[:maxSiteFrames]
	}
	return model.NewWaitSite(frames)
}
