package compare

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/nfstrace/nfstrace/internal/model"
	"github.com/nfstrace/nfstrace/internal/texttable"
)

// KernelLog compares what the kernel logged during the two captures:
// templates that appear, vanish or change rate, each rate change tested with
// the block bootstrap the other figures use (messages per second of capture,
// from per-interval counts).
type KernelLog struct {
	// SourceA and SourceB say where each capture read the kernel log, or
	// why it could not ("unavailable: ..."); "" for a capture made before
	// nfstrace read it.
	SourceA string `json:"source_a"`
	SourceB string `json:"source_b"`
	// LostA and LostB count records the ring buffer overwrote unread.
	LostA     uint64         `json:"lost_a,omitempty"`
	LostB     uint64         `json:"lost_b,omitempty"`
	Templates []KernelChange `json:"templates"`
}

// KernelChange is one template (or, with an empty Template, the messages of
// a class past the template cap) in A and B.
type KernelChange struct {
	Class    string `json:"class"`
	Template string `json:"template"`
	WaitSite string `json:"wait_site,omitempty"`
	// A and B count the messages during each run; EarlierA and EarlierB
	// those logged before it began, which are not in the rates.
	A        uint64  `json:"a"`
	B        uint64  `json:"b"`
	EarlierA uint64  `json:"earlier_a,omitempty"`
	EarlierB uint64  `json:"earlier_b,omitempty"`
	RateA    float64 `json:"rate_a"` // messages per second
	RateB    float64 `json:"rate_b"`
	// Status is "appeared" (logged during B's run only), "vanished"
	// (during A's only), "both", or "earlier" (only before the runs began).
	Status string `json:"status"`
	// Tested, P and CI are the bootstrap test of RateB - RateA;
	// Significant says it passed (see Options.Alpha and minFigureChange).
	Tested      bool       `json:"tested"`
	P           float64    `json:"p"`
	CI          [2]float64 `json:"ci95"`
	Significant bool       `json:"significant"`
	// BlockedA and BlockedB are the longest time a hung-task report said
	// its task was blocked, in nanoseconds.
	BlockedA int64 `json:"blocked_a_ns,omitempty"`
	BlockedB int64 `json:"blocked_b_ns,omitempty"`
	// Example is the latest message in full, of B when B has one.
	Example string `json:"example"`
}

// Template statuses.
const (
	KernelAppeared = "appeared"
	KernelVanished = "vanished"
	KernelBoth     = "both"
	KernelEarlier  = "earlier"
)

type klogKey struct{ class, template, site string }

// klogSeries is one template of one capture, per interval.
type klogSeries struct {
	counts  []float64
	earlier uint64
	blocked time.Duration
	last    time.Time
	example string
}

// kernelLog is what one capture says about the kernel log.
type kernelLog struct {
	rows map[klogKey]*klogSeries
	lost uint64
}

// addKernelLog folds snapshot i's kernel messages into the capture.
func (c *Capture) addKernelLog(i int, s *model.Snapshot) {
	k := s.Kernel
	if k == nil {
		return
	}
	if c.klog.rows == nil {
		c.klog.rows = make(map[klogKey]*klogSeries)
	}
	c.klog.lost += k.Lost
	get := func(key klogKey) *klogSeries {
		r := c.klog.rows[key]
		if r == nil {
			r = &klogSeries{}
			c.klog.rows[key] = r
		}
		return r
	}
	for _, t := range k.Templates {
		r := get(klogKey{t.Class, t.Template, string(t.WaitSite)})
		addAt(&r.counts, i, float64(t.Count))
		r.earlier += t.Earlier
		if t.Count > 0 {
			r.blocked = max(r.blocked, t.Blocked)
		}
		if !t.Last.Before(r.last) {
			r.last, r.example = t.Last, t.Example
		}
	}
	for class, n := range k.Other {
		addAt(&get(klogKey{class: class}).counts, i, float64(n))
	}
}

// kernelLog compares the kernel logs of the two captures; nil when neither
// read one.
func (c *comparison) kernelLog() *KernelLog {
	sa, sb := c.a.Config().KernelLog, c.b.Config().KernelLog
	if sa == "" && sb == "" && c.a.klog.rows == nil && c.b.klog.rows == nil {
		return nil
	}
	k := &KernelLog{SourceA: sa, SourceB: sb, LostA: c.a.klog.lost, LostB: c.b.klog.lost, Templates: []KernelChange{}}
	keys := make(map[klogKey]bool)
	for key := range c.a.klog.rows {
		keys[key] = true
	}
	for key := range c.b.klog.rows {
		keys[key] = true
	}
	fr := c.frame(c.a.secs, c.b.secs, nil, nil)
	secA, secB := fr.a.sum(c.a.secs), fr.b.sum(c.b.secs)
	var sa2, sb2 ratioSeries
	var observed []float64
	for key := range keys {
		ra, rb := c.a.klog.rows[key], c.b.klog.rows[key]
		if ra == nil {
			ra = &klogSeries{}
		}
		if rb == nil {
			rb = &klogSeries{}
		}
		ch := KernelChange{Class: key.class, Template: key.template, WaitSite: key.site,
			A: uint64(sum(ra.counts)), B: uint64(sum(rb.counts)), EarlierA: ra.earlier, EarlierB: rb.earlier,
			BlockedA: int64(ra.blocked), BlockedB: int64(rb.blocked), Example: rb.example}
		if ch.Example == "" {
			ch.Example = ra.example
		}
		ch.RateA, ch.RateB = safeDiv(float64(ch.A), c.a.Seconds()), safeDiv(float64(ch.B), c.b.Seconds())
		switch {
		case ch.A == 0 && ch.B == 0:
			ch.Status = KernelEarlier
		case ch.A == 0:
			ch.Status = KernelAppeared
		case ch.B == 0:
			ch.Status = KernelVanished
		default:
			ch.Status = KernelBoth
		}
		k.Templates = append(k.Templates, ch)
		sa2.num = append(sa2.num, fr.a.sum(ra.counts))
		sa2.den = append(sa2.den, secA)
		sb2.num = append(sb2.num, fr.b.sum(rb.counts))
		sb2.den = append(sb2.den, secB)
		observed = append(observed, ch.RateB-ch.RateA)
	}
	for i, t := range fr.bs.ratioChanges(sa2, sb2, observed) {
		ch := &k.Templates[i]
		ch.Tested, ch.P, ch.CI = t.Tested, t.P, t.CI
		if !t.Tested {
			ch.P = 1
		}
		// As for the other rates: significant at the level, and a change of
		// at least minFigureChange of the smaller rate (any change from zero).
		ch.Significant = ch.Tested && ch.P < c.opt.Alpha && ch.A != ch.B &&
			math.Abs(ch.RateB-ch.RateA) >= minFigureChange*min(ch.RateA, ch.RateB)
	}
	slices.SortFunc(k.Templates, func(x, y KernelChange) int {
		return cmp.Or(cmp.Compare(model.KlogRank(x.Class), model.KlogRank(y.Class)),
			-cmp.Compare(math.Abs(x.RateB-x.RateA), math.Abs(y.RateB-y.RateA)),
			cmp.Compare(x.Template, y.Template), cmp.Compare(x.WaitSite, y.WaitSite))
	})
	return k
}

// evidence is what the kernel log adds to the verdict: every hung-task
// report (a wait site with how long the task was stuck there, and the
// D-time the traced threads spent at the same site), and the other
// templates whose rate changed significantly.
func (k *KernelLog) evidence(dt *Breakdown) []string {
	if k == nil {
		return nil
	}
	var out []string
	for _, t := range k.Templates {
		switch {
		case t.Class == model.KlogHungTask && (t.A > 0 || t.B > 0):
			line := hungTaskLine(t)
			if c := sameSite(dt, model.WaitSite(t.WaitSite)); c != nil {
				line += fmt.Sprintf("; the traced threads' D-time at that wait site: %s → %s per %s (%s)",
					model.FormatNs(c.A), model.FormatNs(c.B), strings.TrimPrefix(dt.Unit, "ns/"), changeText(c.Change))
			}
			out = append(out, line)
		case t.Significant:
			out = append(out, fmt.Sprintf("kernel log: %s %q %s (%s/s in A, %s/s in B, p %s)", t.Class, orOther(t),
				map[bool]string{true: "more often in B: worse", false: "less often in B: better"}[t.RateB > t.RateA],
				model.FormatRate(t.RateA), model.FormatRate(t.RateB), pText(t.P)))
		}
	}
	if k.SourceA != k.SourceB && (unavailable(k.SourceA) || unavailable(k.SourceB)) {
		out = append(out, fmt.Sprintf("kernel log: read in only one capture (A: %s; B: %s), so its messages cannot be compared",
			orAbsent(k.SourceA), orAbsent(k.SourceB)))
	}
	return out
}

func unavailable(s string) bool { return s == "" || strings.HasPrefix(s, "unavailable") }

// sameSite finds the D-time breakdown's row of the wait site a hung-task
// stack shows: the same innermost frame, and at least half the frames of
// the shorter stack in common, in order.
func sameSite(dt *Breakdown, site model.WaitSite) *Contribution {
	hung := site.Norm()
	if dt == nil || len(hung) == 0 {
		return nil
	}
	for _, d := range dt.Dimensions {
		if d.Name != "wait site" {
			continue
		}
		for i, r := range d.Rows {
			fr := strings.Split(r.Key, model.FrameSep)
			if fr[0] == hung[0] && 2*lcs(fr, hung) >= min(len(fr), len(hung)) {
				return &d.Rows[i]
			}
		}
	}
	return nil
}

// hungTaskLine reads a hung-task template as a wait site with its duration.
func hungTaskLine(t KernelChange) string {
	site := shortSite(model.WaitSite(t.WaitSite), 4)
	if site == "" {
		site = "an unknown wait site"
	}
	side := func(n uint64, blocked int64) string {
		if n == 0 {
			return "none"
		}
		return fmt.Sprintf("%d report(s), blocked up to %s", n, model.FormatNs(float64(blocked)))
	}
	verdict := "worse in B"
	switch {
	case t.B == 0:
		verdict = "better in B"
	case t.A > 0 && !t.Significant:
		verdict = "in both, no significant change of rate"
	}
	return fmt.Sprintf("hung task (kernel's detector) at %s (%s): A %s; B %s: %s", site,
		classify(model.WaitSite(t.WaitSite).Norm(), ""), side(t.A, t.BlockedA), side(t.B, t.BlockedB), verdict)
}

func orOther(t KernelChange) string {
	if t.Template == "" {
		return "(templates past the cap)"
	}
	return t.Template
}

// renderKernelLog writes the KERNEL LOG block: the templates that appeared,
// vanished or changed rate, then how many stayed the same.
func renderKernelLog(b *strings.Builder, k *KernelLog, maxRows, width int) error {
	if k == nil {
		return nil
	}
	var lines []string
	if unavailable(k.SourceA) || unavailable(k.SourceB) {
		lines = append(lines, fmt.Sprintf("A: %s; B: %s", orAbsent(k.SourceA), orAbsent(k.SourceB)))
	}
	var rows [][]string
	same, shown := 0, 0
	for _, t := range k.Templates {
		switch {
		case t.Status == KernelEarlier:
			continue
		case t.Status == KernelBoth && !t.Significant && t.Class != model.KlogHungTask:
			same++
			continue
		}
		shown++
		if len(rows) == maxRows {
			continue
		}
		what := map[string]string{KernelAppeared: "new in B", KernelVanished: "gone in B"}[t.Status]
		switch {
		case what == "" && t.Significant:
			what = map[bool]string{true: "more in B", false: "fewer in B"}[t.RateB > t.RateA]
		case what == "":
			what = "no significant change"
		case !t.Significant && t.Class != model.KlogHungTask:
			// a hung task is evidence however often: a task stuck for
			// seconds; other messages count by their rate
			what += ", not significant"
		}
		msg := orOther(t)
		if t.WaitSite != "" {
			msg += " at " + shortSite(model.WaitSite(t.WaitSite), 3)
		}
		rows = append(rows, []string{t.Class, what, fmt.Sprint(t.A), fmt.Sprint(t.B), model.FormatRate(t.RateA), model.FormatRate(t.RateB),
			pCell(Change{Tested: t.Tested, P: t.P}), msg})
	}
	switch {
	case len(rows) == 0 && same == 0:
		lines = append(lines, "no hung task, lockup, OOM kill, or nfsd, RPC, block or filesystem message during either run")
	case len(rows) == 0:
		lines = append(lines, fmt.Sprintf("no template appeared, vanished or changed rate significantly (%d in both)", same))
	default:
		if shown > len(rows) {
			lines = append(lines, fmt.Sprintf("%d more templates changed; see --format json", shown-len(rows)))
		}
		if same > 0 {
			lines = append(lines, fmt.Sprintf("%d more templates in both without a significant change of rate", same))
		}
	}
	if k.LostA > 0 || k.LostB > 0 {
		lines = append(lines, fmt.Sprintf("records lost to the ring buffer before they were read: A %d, B %d", k.LostA, k.LostB))
	}
	b.WriteString("\n")
	for _, l := range wrapLines(append([]string{"KERNEL LOG: templates that appeared, vanished or changed rate (messages per second of capture)"}, lines...), fitted(width), "  ") {
		b.WriteString(l + "\n")
	}
	if len(rows) == 0 {
		return nil
	}
	return writeTable(b, []texttable.Column{{Header: "CLASS"}, {Header: "CHANGE"}, {Header: "A", Right: true, Drop: 2}, {Header: "B", Right: true, Drop: 2},
		{Header: "A /s", Right: true}, {Header: "B /s", Right: true}, {Header: "p", Right: true, Drop: 1}, {Header: "TEMPLATE", Flex: true}}, rows, width)
}
