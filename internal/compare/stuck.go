package compare

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/nfstrace/nfstrace/internal/model"
)

// A wait that has not ended is in no histogram: the D-time, request and
// per-unit figures hold waits and requests that ended. A task stuck in D
// (model.StuckAfter and more without running) is therefore invisible to
// every test here, however long it waits, and the requests it holds never
// reach a latency figure. The host's scan of the tasks in D sees it
// (model.TaskGroup.Longest): that is what this file reads.

// StuckTasks are the groups of tasks stuck in D in each capture, longest
// first; nil when neither capture had one (or could tell: captures older
// than model.TaskGroup.Longest).
type StuckTasks struct {
	A []StuckGroup `json:"a,omitempty"`
	B []StuckGroup `json:"b,omitempty"`
}

// StuckGroup is a group of tasks in D by command name and wait site of
// which one had waited model.StuckAfter or more without running.
type StuckGroup struct {
	Comm string         `json:"comm"`
	Site model.WaitSite `json:"wait_site"` // its stack, or its wait channel where the stack was unreadable
	// Class is the wait class of the site (model.ClassifyFrames).
	Class string `json:"class"`
	// Traced says the command is one the captures traced: its time is
	// the time the verdict is about.
	Traced bool `json:"traced"`
	// Count is the most tasks of the group in D at once, stuck or not;
	// Longest the longest wait seen without an end.
	Count   int           `json:"count"`
	Longest time.Duration `json:"longest_ns"`
}

// Stuck is, in a Diagnosis, the traced threads stuck in D in one capture
// only: In ("A" or "B"), the group stuck longest, and how many traced
// groups were stuck there.
type Stuck struct {
	In     string     `json:"in"`
	Group  StuckGroup `json:"group"`
	Groups int        `json:"groups"`
	// Sampled says that capture's backend samples the threads' states
	// (procfs), which counts a wait in progress in its D-time; the eBPF
	// backend times a wait when it ends.
	Sampled bool `json:"sampled,omitempty"`
}

type stuckKey struct {
	comm string
	site model.WaitSite
}

// stuckSeen is what a capture's snapshots say of tasks stuck in D, and
// the command names its rows show it traced.
type stuckSeen struct {
	groups map[stuckKey]*StuckGroup
	traced map[string]bool
}

// addStuck adds a snapshot's stuck task groups and traced command names.
func (c *Capture) addStuck(s *model.Snapshot) {
	st := &c.stuck
	if st.traced == nil {
		st.traced = map[string]bool{}
	}
	for i := range s.DState {
		st.traced[model.ThreadName(s.DState[i].Comm)] = true
	}
	for i := range s.Run {
		st.traced[model.ThreadName(s.Run[i].Comm)] = true
	}
	for _, g := range s.Host.Load.DGroups {
		if g.Longest < model.StuckAfter {
			continue
		}
		site := g.Stack
		if site == "" {
			site = model.WaitSite(g.WaitChan)
		}
		k := stuckKey{comm: g.Comm, site: site}
		if st.groups == nil {
			st.groups = map[stuckKey]*StuckGroup{}
		}
		sg := st.groups[k]
		if sg == nil {
			sg = &StuckGroup{Comm: g.Comm, Site: site, Class: string(model.ClassifyFrames(site.Frames(), ""))}
			st.groups[k] = sg
		}
		sg.Count = max(sg.Count, g.Count)
		sg.Longest = max(sg.Longest, g.Longest)
	}
}

// stuckTasks gathers both captures' stuck groups. A command is traced
// when either capture has rows of it (a thread stuck through all of B
// has none there), and nfsd is when either measured its requests.
func (c *comparison) stuckTasks() *StuckTasks {
	if len(c.a.stuck.groups) == 0 && len(c.b.stuck.groups) == 0 {
		return nil
	}
	traced := func(comm string) bool {
		return c.a.stuck.traced[comm] || c.b.stuck.traced[comm] || (comm == "nfsd" && c.hasRequests())
	}
	list := func(m map[stuckKey]*StuckGroup) []StuckGroup {
		var out []StuckGroup
		for _, g := range m {
			sg := *g // the capture's own stays as loaded
			sg.Traced = traced(sg.Comm)
			out = append(out, sg)
		}
		slices.SortFunc(out, func(x, y StuckGroup) int {
			return cmp.Or(-cmp.Compare(x.Longest, y.Longest), -cmp.Compare(x.Count, y.Count),
				cmp.Compare(x.Comm, y.Comm), cmp.Compare(x.Site, y.Site))
		})
		return out
	}
	return &StuckTasks{A: list(c.a.stuck.groups), B: list(c.b.stuck.groups)}
}

// tracedStuck returns the traced groups of a capture's stuck list.
func tracedStuck(gs []StuckGroup) []StuckGroup {
	var out []StuckGroup
	for _, g := range gs {
		if g.Traced {
			out = append(out, g)
		}
	}
	return out
}

// stuckIn decides the verdict when traced threads were stuck in D in one
// capture and not in the other: worse when in B, better when only A had
// them, whatever the figures say (they cannot hold such waits). The cause
// is the wait class of the group stuck longest, and the changes matched
// are those that can move that class. Stuck threads in both captures, or
// in neither, leave the verdict to the figures.
func (c *comparison) stuckIn(d *Diagnosis, res *Result) bool {
	if res.Stuck == nil {
		return false
	}
	a, b := tracedStuck(res.Stuck.A), tracedStuck(res.Stuck.B)
	var in string
	var gs []StuckGroup
	dir, cp := 1.0, c.b
	switch {
	case len(b) > 0 && len(a) == 0:
		in, gs, d.Outcome = "B", b, OutcomeWorse
	case len(a) > 0 && len(b) == 0:
		in, gs, d.Outcome, dir, cp = "A", a, OutcomeBetter, -1, c.a
	default:
		return false
	}
	d.Stuck = &Stuck{In: in, Group: gs[0], Groups: len(gs), Sampled: cp.Config().Backend.Name == "procfs"}
	d.Match = matchChanges(res.Config, layerKey(gs[0].Class, ""), dir)
	d.Cause = stuckCause(gs[0].Class, d.Match)
	return true
}

// stuckCaveats says on the first screen what a verdict not read off stuck
// threads leaves out: traced threads stuck in D in both captures, between
// which the figures decide though they hold only the waits that ended, and
// each capture's longest-stuck group of tasks it did not trace (a journal
// thread or a flusher the traced threads may wait behind). A verdict read
// off stuck threads lists them in its evidence instead.
func stuckCaveats(st *StuckTasks, d *Diagnosis) []string {
	if st == nil || d.Stuck != nil {
		return nil
	}
	var out []string
	if a, b := tracedStuck(st.A), tracedStuck(st.B); len(a) > 0 && len(b) > 0 {
		out = append(out, fmt.Sprintf("traced threads were stuck in D in both captures (A: %s; B: %s): a wait that has not ended is in no figure, so the verdict weighs only the waits that ended",
			stuckGroupText(a[0]), stuckGroupText(b[0])))
	}
	for _, c := range []struct {
		in string
		gs []StuckGroup
	}{{"A", st.A}, {"B", st.B}} {
		if i := slices.IndexFunc(c.gs, func(g StuckGroup) bool { return !g.Traced }); i >= 0 {
			out = append(out, fmt.Sprintf("stuck in %s, not traced: %s", c.in, stuckGroupText(c.gs[i])))
		}
	}
	return out
}

// stuckCause is the cause of a wait that did not end, by its class and
// the changes that can move it (m): block IO that never completed was
// held by the change that acts on it directly (an IO limit above the
// device, a queue setting: deviceChangeCause), else by the device or
// what lies below it.
func stuckCause(class string, m Match) string {
	if class == ClassBlockIO {
		if m.Kind == MatchDirect {
			return deviceChangeCause(m.Changes[0])
		}
		return CauseDevice
	}
	if c, ok := classCause[class]; ok {
		return c
	}
	return CauseOther
}

// stuckLayerText names the class of a stuck wait for people.
func stuckLayerText(class string) string {
	if class == ClassBlockIO {
		return "waiting for block IO"
	}
	return layerText(class)
}

// stuckGroupText is "4 nfsd threads in D at SITE (waiting for block IO),
// the longest for 169s without running", or "one nfsd thread in D at SITE
// (...) for 8.0s without running".
func stuckGroupText(g StuckGroup) string {
	site := compactSite(shortSite(g.Site, 4))
	if site == "" {
		site = "an unknown wait site"
	}
	who := g.Comm
	if g.Count > 1 {
		return fmt.Sprintf("%d %s threads in D at %s (%s), the longest for %s without running",
			g.Count, who, site, stuckLayerText(g.Class), model.FormatDuration(g.Longest))
	}
	return fmt.Sprintf("one %s thread in D at %s (%s) for %s without running", who, site, stuckLayerText(g.Class), model.FormatDuration(g.Longest))
}

// stuckText is the verdict's sentence for Diagnosis.Stuck.
func stuckText(d *Diagnosis) string {
	st := d.Stuck
	word, other := "Worse", "A"
	if st.In == "A" {
		word, other = "Better", "B"
	}
	more := ""
	if st.Groups > 1 {
		more = fmt.Sprintf(" (and %d more groups of them)", st.Groups-1)
	}
	s := fmt.Sprintf("%s: in %s, %s%s, and none of the traced threads were stuck in %s", word, st.In, stuckGroupText(st.Group), more, other)
	switch {
	case st.Sampled:
		// The sampled D-time holds the wait so far; the operations it
		// holds have not completed.
		return s + "; its samples count such a wait so far, but no operation it holds has completed"
	case d.A == 0 && d.B == 0:
		return s + "; a wait that has not ended is in no figure"
	}
	return s + fmt.Sprintf("; a wait that has not ended is in no figure, so the %s (%s → %s) leaves it out", subjectText(d), model.FormatNs(d.A), model.FormatNs(d.B))
}

// stuckLead is the LEAD for Diagnosis.Stuck: the changes that can move the
// stuck wait's class, then what to look at.
func stuckLead(d *Diagnosis) string {
	st := d.Stuck
	view := Diagnosis{Cause: d.Cause}
	advice := adviceText(&view)
	layer := stuckLayerText(st.Group.Class)
	m := d.Match
	switch m.Kind {
	case MatchDirect:
		return matchedText(m, layer) + "; then look at " + advice
	case MatchKernel:
		return fmt.Sprintf("%s: no setting that acts on %s changed, and a kernel can change any layer; look at %s", describeChanges(m.Changes), layer, advice)
	case MatchNone:
		if m.Others == 1 {
			return fmt.Sprintf("look at %s; the one configuration change listed cannot move %s", advice, layer)
		}
		return fmt.Sprintf("look at %s; none of the %d configuration changes listed can move %s", advice, m.Others, layer)
	}
	return "look at " + advice + "; the configuration is the same in both captures"
}

// stuckEvidence is the evidence for Diagnosis.Stuck: the stuck groups of
// the capture that had them, traced first, then the time users feel.
func stuckEvidence(d *Diagnosis, res *Result) []string {
	const maxGroups = 2
	gs := res.Stuck.B
	if d.Stuck.In == "A" {
		gs = res.Stuck.A
	}
	var out []string
	for _, traced := range []bool{true, false} {
		for _, g := range gs {
			if g.Traced != traced || len(out) == maxGroups {
				continue
			}
			out = append(out, fmt.Sprintf("stuck in %s: %s", d.Stuck.In, stuckGroupText(g)))
		}
	}
	if d.A == 0 && d.B == 0 {
		return out
	}
	if d.Stuck.Sampled {
		return append(out, subjectLine(d))
	}
	return append(out, subjectLine(d)+": waits that ended only")
}
