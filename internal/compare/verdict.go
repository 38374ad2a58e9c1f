package compare

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nfstrace/nfstrace/internal/model"
)

// Verdict is the answer on top of a comparison: the Diagnosis (the
// decisions, as data) and the sentences rendered from it. Nothing in this
// file decides anything; it only words what diagnose decided.
type Verdict struct {
	// Significant is true when the time users feel got better or worse.
	Significant bool `json:"significant"`
	// Summary is the verdict in one sentence; Lead says what to look at
	// first; Evidence the three figures that carry the verdict.
	Summary  string   `json:"summary"`
	Lead     string   `json:"lead,omitempty"`
	Evidence []string `json:"evidence"`
	// Layer is the key of the layer that carries the change, "" when none.
	Layer string `json:"layer,omitempty"`
	Cause *Cause `json:"cause,omitempty"`
	// DeviceChanged says whether any device's latency changed significantly.
	DeviceChanged bool      `json:"device_changed"`
	Diagnosis     Diagnosis `json:"diagnosis"`
}

// Cause names the top-ranked cause.
type Cause struct {
	Kind  string `json:"kind"`            // Cause* constants
	Key   string `json:"key,omitempty"`   // the device, or the wait site's key
	Label string `json:"label"`           // for people
	Class string `json:"class,omitempty"` // the wait class of the layer
	// Share is the layer's share of the change in time per unit. It is
	// absent when the clients felt a change that time does not hold: a
	// pool that held the requests before nfsd counted them (Pooled).
	Share *float64 `json:"share,omitempty"`
}

// fill words the diagnosis.
func (v *Verdict) fill(res *Result) {
	d := &v.Diagnosis
	for _, dev := range res.Devices {
		if dev.Changed {
			v.DeviceChanged = true
		}
	}
	v.Significant = d.Outcome == OutcomeWorse || d.Outcome == OutcomeBetter
	if d.Layer != nil {
		v.Layer = d.Layer.Key
		// The cause lies in the layer the threads woke from, when the
		// run queue's time followed more sleeps there.
		cl := d.Layer
		if d.Woke != nil {
			cl = d.Woke
		}
		v.Cause = &Cause{Kind: d.Cause, Label: layerText(cl.Key)}
		if !d.Pooled {
			share := d.Layer.Share
			v.Cause.Share = &share
		}
		switch {
		case d.WorkOf != "":
			// The CPU work per unit was that layer's.
			v.Cause.Label, v.Cause.Class = layerText(d.WorkOf), d.WorkOf
		case d.KernelWork != "":
			// The kernel threads' work on the CPUs was that layer's.
			v.Cause.Label, v.Cause.Class = kernelWorkText(d.KernelWork), d.KernelWork
		case cl.Kind != "block" && cl.Kind != LayerCPU && cl.Kind != LayerQueue && cl.Kind != LayerRest:
			v.Cause.Class = cl.Kind
		case cl.Kind == "block":
			v.Cause.Class = ClassBlockIO
		}
		switch {
		case d.Device != nil && (d.Cause == CauseDevice || d.Cause == CauseScheduler):
			v.Cause.Key, v.Cause.Label = d.Device.Device, d.Device.Device
		case d.Site != nil:
			v.Cause.Key = d.Site.Key
		}
	}
	if st := d.Stuck; st != nil {
		v.Cause = &Cause{Kind: d.Cause, Key: string(st.Group.Site), Label: stuckLayerText(st.Group.Class), Class: st.Group.Class}
	}
	if cv := d.Converged; cv != nil {
		label := "the clients of one file (" + fhText(cv.FH) + ")"
		if d.Reached != nil || v.Cause == nil {
			v.Cause = &Cause{Kind: d.Cause, Key: fhText(cv.FH), Label: label}
		} else {
			// nfsd's own waits at the file (byOneFile): the
			// layer's class and share stand.
			v.Cause.Key, v.Cause.Label = fhText(cv.FH), label
		}
	}
	v.Summary = summaryText(d, res)
	v.Lead = leadText(d, res)
	v.Evidence = evidenceText(d, res)
	if v.Significant && !d.Comparable && !((d.Pooled || d.Converged != nil) && res.Workload.MixDistance <= maxMixDistance) {
		// A pool or a file that set the rate is the finding, not a caveat.
		v.Evidence = append([]string{"careful: the workloads differ (" + res.Workload.Reason + ")"}, v.Evidence...)
	}
}

func subjectText(d *Diagnosis) string {
	s := "time the traced threads waited"
	switch d.Subject {
	case SubjectNFS:
		s = "NFS request time"
	case SubjectAsyncIO:
		if d.Overlap != nil && d.Overlap.ToReap {
			return "time each of the traced threads' libaio requests took from io_submit to the reap"
		}
		if d.Overlap != nil && d.Overlap.InKernel {
			return "time each of the traced threads' io_uring requests took in the kernel"
		}
		s = "time the traced threads' asynchronous IO took"
		if d.Device != nil {
			s += " on " + d.Device.Device
		}
	}
	return s + " per " + perText(d.Per)
}

func perText(per string) string {
	switch per {
	case "s":
		return "second"
	case "CPU-s":
		return "second on CPU"
	}
	return per
}

func summaryText(d *Diagnosis, res *Result) string {
	if d.Stuck != nil {
		return stuckText(d) + "."
	}
	figure := fmt.Sprintf("%s → %s, %s", model.FormatNs(d.A), model.FormatNs(d.B), changeText(d.Change))
	switch d.Outcome {
	case OutcomeSameCapture:
		return "A and B hold the same recording: neither better nor worse, nothing to compare."
	case OutcomeNoData:
		return "Cannot say better or worse: neither capture measured D-state, run-queue or request time."
	case OutcomeTooShort:
		if k := d.Carriers; k != nil {
			return fmt.Sprintf("Too short to tell better from worse: %s %s (%s), but it rests on %d of %s's %d time blocks, beyond any of %s's (without them what is left would not matter), and a change resting on fewer than %d cannot be told from chance; record at least %s with the load running%s.",
				subjectText(d), signedPct(d.Change.Ratio), figure, k.Blocks, k.Capture, k.Of, other(k.Capture), k.Need, time.Duration(d.NeedSeconds)*time.Second, asideText(d))
		}
		if u := d.Unsure; u != nil {
			return fmt.Sprintf("Too short to tell better from worse: %s %s (%s), %s, reaches a change that matters (%s or more) while the test cannot tell it from no change; record about %s of load in each (these held %s)%s.",
				subjectText(d), signedPct(d.Change.Ratio), figure, unsureText(d, u, res.Time), model.FormatPct(u.Matters),
				time.Duration(u.NeedSeconds)*time.Second, time.Duration(math.Round(u.Seconds))*time.Second, asideText(d))
		}
		if d.Worked != d.Intervals && d.Worked != [2]int{} {
			return fmt.Sprintf("Too short to tell better from worse: the threads worked or waited in %d of A's %d intervals and %d of B's %d; record at least %d such intervals in each.",
				d.Worked[0], d.Intervals[0], d.Worked[1], d.Intervals[1], d.NeedIntervals)
		}
		return fmt.Sprintf("Too short to tell better from worse: A has %d intervals and B %d; record at least %d in each.",
			d.Intervals[0], d.Intervals[1], d.NeedIntervals)
	case OutcomeNoChange:
		if u := d.Unfelt; u != nil {
			return fmt.Sprintf("Neither better nor worse: the traced threads' asynchronous IO took as long (%s → %s, %s) and they asked for as many IOs (%s vs %s a second); the time they waited per %s moved %s (%s) with how their completions were gathered into waits, not with what their IO took.",
				model.FormatNs(u.LatA), model.FormatNs(u.LatB), changeText(u.Lat), model.FormatCount(u.RateA), model.FormatCount(u.RateB),
				perText(d.Per), signedPct(d.Change.Ratio), figure)
		}
		s := fmt.Sprintf("Neither better nor worse: %s %s (%s)", subjectText(d), signedPct(d.Change.Ratio), figure)
		return s + smallText(d, res) + reachedText(d.Reached) + asideText(d) + "."
	}
	if d.Pooled {
		return pooledText(d) + "."
	}
	if d.Converged != nil && d.Reached != nil {
		return convergedText(d) + "."
	}
	if d.Demand != nil && d.Change.Outcome == TestSmall {
		return askedText(d, res) + "."
	}
	word, noun := "Worse", "rise"
	if d.Outcome == OutcomeBetter {
		word, noun = "Better", "fall"
	}
	s := fmt.Sprintf("%s: %s %s (%s%s%s%s)", word, subjectText(d), moveText(d.Change.Ratio), figure, heldText(res.Time), borneText(d, noun), floorText(res.Time, d.Per, false))
	if o := d.Overlap; o != nil {
		return s + overlapText(d, o, res) + "."
	}
	if d.Layer == nil {
		return s + "; no single layer carries it."
	}
	s += fmt.Sprintf("; %.0f%% of the %s is %s", 100*d.Layer.Share, noun, diagLayerText(d))
	share := d.Layer.Share
	if h := d.Held; h != nil {
		share += h.Share
	}
	if q := d.Queued; q != nil {
		share += q.Share
	}
	return s + causeText(d, res) + heldLockText(d) + queuedText(d) + beyondText(share, d.Outcome) + "."
}

// askedText words a time per operation that rose too little to matter
// alone while the clients asked for more (see askedMore): the demand
// first, then the time, then the requests nfsd held at once, the product
// of the two.
func askedText(d *Diagnosis, res *Result) string {
	dm := d.Demand
	s := fmt.Sprintf("Worse: the clients asked for %.0f%% more operations (%s → %s a second reaching nfsd while any came, %s), and nfsd served each %.0f%% slower (%s → %s, %s): too little to matter alone, but with %s as many requests in nfsd at once",
		100*(dm.RateB/dm.RateA-1), model.FormatCount(dm.RateA), model.FormatCount(dm.RateB), pText(dm.Change.P),
		100*(d.Change.Ratio-1), model.FormatNs(d.A), model.FormatNs(d.B), pText(d.Change.P),
		timesText(dm.RateB/dm.RateA*d.Change.Ratio))
	if d.Layer == nil {
		return s
	}
	return s + fmt.Sprintf("; %.0f%% of the rise per operation is %s", 100*d.Layer.Share, diagLayerText(d)) + causeText(d.demandView(), res)
}

// queuedText adds the wait for a free nfsd thread that the threads'
// longer service in the leading layer made (Diagnosis.Queued), "" when
// none.
func queuedText(d *Diagnosis) string {
	q := d.Queued
	if q == nil {
		return ""
	}
	return fmt.Sprintf(", and %.0f%% is %s, as the same threads served each request %s there (%s)",
		100*q.Share, layerText(q.Key), d.way("longer", "shorter"), threadsText(q.Threads))
}

// heldLockText adds the lock layer whose owners waited in the leading
// layer while they held the lock (Diagnosis.Held), "" when none.
func heldLockText(d *Diagnosis) string {
	h := d.Held
	if h == nil {
		return ""
	}
	return fmt.Sprintf(", and %.0f%% is %s whose holders were themselves %s", 100*h.Share, layerText(h.Key), heldWhere(h, d.Layer.Key))
}

// heldWhere says where a held lock's holders were, in the layer key names,
// and for how much of the lock-wait time.
func heldWhere(h *HeldLock, key string) string {
	t := layerText(key)
	if !strings.HasPrefix(t, "waiting ") {
		t = "in " + t
	}
	way := "rise"
	if h.B < h.A {
		way = "fall"
	}
	part := model.FormatPct(h.Owned)
	if h.Owned >= 1 {
		// The other owners' part moved the other way.
		part = "all"
	}
	return fmt.Sprintf("%s for %s of the lock-wait time's %s", t, part, way)
}

// unmovedText says how the time the threads waited per unit did not move
// in a verdict read off their asynchronous IO: too little to matter
// (significant, with the size of the move and why it was not enough, t
// being the total the move is of), not significantly, or untested.
func unmovedText(o *Overlap, t *Breakdown, per string) string {
	fig := model.FormatNs(o.WaitA) + " → " + model.FormatNs(o.WaitB)
	switch o.Change.Outcome {
	case TestSmall:
		return fmt.Sprintf("moved too little to matter (%s, %s, %s%s)", fig, signedPct(o.Change.Ratio), pText(o.Change.P), smallWhy(t, per))
	case TestNotSignificant:
		return fmt.Sprintf("did not change significantly (%s, %s)", fig, pText(o.Change.P))
	}
	return fmt.Sprintf("did not change materially (%s, %s)", fig, changeText(o.Change))
}

// overlapText words a verdict read off the latency of asynchronous IO:
// why the time the threads waited is not the figure, and the cause.
func overlapText(d *Diagnosis, o *Overlap, res *Result) string {
	why := "a thread waiting for asynchronous IO wakes at the first of its IOs to complete"
	other := o.ShareA < leadShare || o.ShareB < leadShare
	if other {
		// Read off their own requests' latency alone (see overlapped):
		// their waits were mostly for something else.
		why = fmt.Sprintf("they waited mostly for other things than their IO (waits for asynchronous IO %s → %s of that time)",
			model.FormatPct(o.ShareA), model.FormatPct(o.ShareB))
	}
	var s string
	switch {
	case !o.Against:
		s = fmt.Sprintf(", while the time they waited per %s %s: %s", perText(res.Workload.Per), unmovedText(o, res.Time, res.Workload.Per), why)
	case other:
		s = fmt.Sprintf(", while the time they waited per %s %s (%s → %s, %s): %s",
			perText(res.Workload.Per), d.way("fell", "rose"), model.FormatNs(o.WaitA), model.FormatNs(o.WaitB), changeText(o.Change), why)
	default:
		// Fewer waits each gathering more completions, or the reverse.
		s = fmt.Sprintf(", while the time they waited per %s %s (%s → %s, %s): %s, so with %s IOs in flight each wait is %s",
			perText(res.Workload.Per), d.way("fell", "rose"), model.FormatNs(o.WaitA), model.FormatNs(o.WaitB), changeText(o.Change),
			"a thread waiting for asynchronous IO wakes at the first of its IOs to complete", d.way("more", "fewer"), d.way("shorter", "longer"))
	}
	f := d.Device
	more := d.way("more", "less")
	if l := d.Layer; l != nil && l.Kind != "block" {
		// What held the IO above the device: the threads' own waits
		// in the calls that submit it (see heldAbove).
		site := ""
		if d.Site != nil {
			site = ", mostly at " + compactSite(d.Site.Label)
		}
		return s + fmt.Sprintf("; what delayed it outside %s was %s, %s → %s per %s (%s)%s", f.Device, layerText(l.Key),
			model.FormatNs(l.A), model.FormatNs(l.B), perText(res.Workload.Per), changeText(l.Change), site)
	}
	switch d.Cause {
	case CauseWorkload:
		return s + fmt.Sprintf("; %s was given %s work (%s)", f.Device, more, loadText(f))
	case CauseCache:
		return s + fmt.Sprintf("; %s was given %s work (%s) while the page cache had %s memory (%s)", f.Device, more, loadText(f),
			d.way("less", "more"), describeChanges(d.Memory))
	case CauseDevice:
		return s + fmt.Sprintf("; %s itself was %s per request, not given %s work (%s)", f.Device,
			d.way("slower", "faster"), more, loadText(f))
	case CauseBio:
		// Read off the requests' own latency (ToReap, InKernel): the device's did
		// not move with it.
		if f.Lat == nil {
			return s + fmt.Sprintf("; no latency of %s's accounted for it (%s): the IO was held above the device", f.Device, loadText(f))
		}
		return s + fmt.Sprintf("; %s's own latency did not account for it (%s mean %s → %s, %s) at %s (%s): the IO was held above the device",
			f.Device, f.Latency, model.FormatNs(f.Lat.MeanA), model.FormatNs(f.Lat.MeanB), changeText(f.Lat.Change), loadWord(f), loadText(f))
	}
	return s + ";" + strings.TrimPrefix(causeText(d, res), ",")
}

// heldText says which rare waits a breakdown's total test held as they
// occurred (see Held), "" when none: layers by name, wait sites by their
// innermost frames, other keys as they are.
func heldText(bd *Breakdown) string {
	if bd == nil || bd.Held == nil || len(bd.Dimensions) == 0 {
		return ""
	}
	dim := bd.Dimensions[0]
	var names []string
	for _, k := range bd.Held.Keys {
		name := k
		switch dim.Name {
		case "layer":
			name = layerText(k)
		case "wait site":
			for _, r := range dim.Rows {
				if r.Key == k {
					name = "at " + compactSite(r.Label)
				}
			}
		}
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	return fmt.Sprintf("; rare long waits held as they came: %d and %d %s", bd.Held.WaitsA, bd.Held.WaitsB, strings.Join(names, ", "))
}

// floorText says why a change short of the least that matters is read all
// the same: a wait new in B (gone in B, for a fall) carries it, or waits
// that a changed setting acts on do. The summary says only that; the
// evidence line adds the floor and the figures.
func floorText(bd *Breakdown, per string, full bool) string {
	if bd == nil {
		return ""
	}
	if s := bd.SettingWait; s != nil {
		if !full {
			return "; carried by waits that a changed setting acts on"
		}
		var names []string
		for _, p := range s.Parts {
			name := layerText(p.Key)
			if p.Kernel {
				name += " behind kernel threads"
			}
			names = append(names, name)
		}
		return fmt.Sprintf("; %s, short of the %.0f%% that matters on its own, but %s of it is in waits that the changed settings act on: %s",
			wholeText(bd, per), 100*s.Min, model.FormatPct(s.Share), strings.Join(names, ", "))
	}
	a := bd.NewWait
	if a == nil {
		return ""
	}
	if !full && a.From == "B" {
		return "; carried by a wait gone in B"
	}
	if !full {
		return "; carried by a wait new in B"
	}
	share := model.FormatPct(a.Share)
	if a.Share < 0.001 {
		share = "under 0.1%"
	}
	return fmt.Sprintf("; %s, short of the %.0f%% that matters on its own, but carried by a wait that took %s of %s's time", wholeText(bd, per), 100*a.Min, share, a.From)
}

// borneText says why a change too few time blocks carry is read all the
// same: what bears it out (see Borne).
func borneText(d *Diagnosis, noun string) string {
	k, b := d.Carriers, d.Borne
	if k == nil || b == nil {
		return ""
	}
	s := fmt.Sprintf("; the %s rests on %d of %s's %d time blocks, too few to test alone, but ", noun, k.Blocks, k.Capture, k.Of)
	if l := b.Device; l != nil {
		return s + fmt.Sprintf("%s's %s, %s → %s per request tested over all of them, bears it out (%s)", LayerDevice(b.Key), b.Latency,
			model.FormatNs(l.MeanA), model.FormatNs(l.MeanB), changeText(b.Change))
	}
	return s + fmt.Sprintf("the %s of %s, tested over all of them, bears it out (%s)", noun, layerText(b.Key), changeText(b.Change))
}

// way picks the word for the way the time moved: worse when it rose,
// better when it fell.
func (d *Diagnosis) way(worse, better string) string {
	if d.Outcome == OutcomeWorse {
		return worse
	}
	return better
}

// dir is the direction of the change way words: 1 for worse, -1 for
// better.
func (d *Diagnosis) dir() float64 {
	if d.Outcome == OutcomeWorse {
		return 1
	}
	return -1
}

// kernelWorkText names the work kernel threads do for the traced threads'
// pages, of one of the kernelWork layers.
func kernelWorkText(kind string) string {
	if kind == ClassReclaim {
		return "the kernel's reclaim (kswapd) on the threads' CPUs"
	}
	return "the kernel's writeback (flusher threads) on the threads' CPUs"
}

// kernelWorkWhy says the change that moves the kernel threads' work
// (Diagnosis.KernelWork).
func kernelWorkWhy(d *Diagnosis) string {
	if d.KernelWork == ClassReclaim {
		return fmt.Sprintf("the memory %s (%s), which sets how much kswapd reclaims, on their CPUs", d.way("shrank", "grew"), describeChanges(d.Match.Changes))
	}
	return fmt.Sprintf("the dirty-page limits changed (%s), which decide when the flusher threads write the pages back, on their CPUs", describeChanges(d.Match.Changes))
}

// memoryWorkText says the memory changes behind the threads' longer (or
// shorter) running: the kernel's reclaim runs in their own calls.
func memoryWorkText(d *Diagnosis) string {
	return fmt.Sprintf("%s memory (%s): reclaim and refilling the page cache run on the CPU of the calls that need memory",
		d.way("less", "more"), describeChanges(d.Memory))
}

// workText words a run-queue layer whose waits were behind the threads'
// own longer (or shorter) calls (Diagnosis.Work), and what moved the
// kernel's work in them.
func workText(d *Diagnosis) string {
	w := d.Work
	s := fmt.Sprintf(": the threads waited behind each other's calls, each %s ran %s in the kernel (%s → %s; on a CPU in all %s → %s)",
		perText(d.Per), d.way("longer", "shorter"),
		model.FormatNs(w.KernelA), model.FormatNs(w.KernelB), model.FormatNs(w.RanA), model.FormatNs(w.RanB))
	switch d.Cause {
	case CauseReclaim:
		return s + " while they had " + memoryWorkText(d)
	case CauseWriteback:
		return s + " after the dirty-page limits changed: the kernel enforces them in the writers' own calls"
	case CauseDevice:
		return s + fmt.Sprintf("; their IO goes to %s, which changed, and the kernel submits it in their calls", d.Device.Device)
	case CauseScheduler:
		f := d.Device
		if f.SchedulerA != f.SchedulerB && f.SchedulerA != "" && f.SchedulerB != "" {
			return s + fmt.Sprintf("; their IO goes to %s, whose IO scheduler changed (%s → %s), and the kernel runs the scheduler in their calls", f.Device, f.SchedulerA, f.SchedulerB)
		}
		return s + fmt.Sprintf("; their IO goes to %s, whose queue setting changed (%s), and the kernel submits it in their calls", f.Device, f.Queue)
	}
	return s
}

// beyondShare is the share of a change above which the other layers'
// opposite move is material: below it, a layer printed as carrying more
// than the whole (101% to 105%) is said to do so as the others moved a
// little the other way.
const beyondShare = 1.05

// beyondText says why a layer can carry more than the whole change, as
// its share is printed (a whole percent): the other layers moved the
// other way.
func beyondText(share float64, outcome string) string {
	if pct, _ := strconv.ParseFloat(fmt.Sprintf("%.0f", 100*share), 64); pct <= 100 {
		return ""
	}
	way := "fell"
	if outcome == OutcomeBetter {
		way = "rose"
	}
	if share <= beyondShare {
		way += " a little"
	}
	return "; more than the whole, as the other layers " + way
}

// smallText gives why a significant change is too small to matter: under
// the least change per unit that matters, or, where the time the threads
// ran counts with the time they waited, its share of that time (the
// smaller capture's, as matter weighs it).
func smallText(d *Diagnosis, res *Result) string {
	if d.Change.Outcome != TestSmall {
		return ""
	}
	return smallWhy(res.Time, d.Per)
}

// smallWhy says why the significant change of total t was too small to
// matter: "; under the 10µs per IO that matters", or "; that is 21% of
// the 321µs per IO they ran and waited"; empty when t does not say.
func smallWhy(t *Breakdown, per string) string {
	switch {
	case t == nil:
	case t.Small == SmallFloor:
		return fmt.Sprintf("; under the %s per %s that matters", model.FormatNs(t.Floor), perText(per))
	case t.Small == SmallShare && (t.RanA > 0 || t.RanB > 0):
		return "; that is " + wholeText(t, per)
	}
	return ""
}

// wholeText words a total's change as a part of the time the threads
// spend on each unit, what MinChange weighs it against (see matter): the
// time they waited plus, where known, the time they ran.
func wholeText(t *Breakdown, per string) string {
	base, noun := whole(t, per)
	return fmt.Sprintf("%.0f%% of %s", math.Floor(100*math.Abs(t.Change.Delta)/base), noun)
}

// whole returns the time per unit a total's change is weighed against and
// its name: "the 1.2ms per IO they ran and waited".
func whole(t *Breakdown, per string) (float64, string) {
	switch {
	case t.KernelA > 0 && t.KernelB > 0:
		base := math.Min(t.A+t.KernelA, t.B+t.KernelB)
		return base, fmt.Sprintf("the %s per %s they waited and ran in the kernel", model.FormatNs(base), perText(per))
	case t.RanA > 0 || t.RanB > 0:
		base := math.Min(t.A+t.RanA, t.B+t.RanB)
		return base, fmt.Sprintf("the %s per %s they ran and waited", model.FormatNs(base), perText(per))
	}
	base := math.Min(t.A, t.B)
	return base, fmt.Sprintf("the %s per %s they waited", model.FormatNs(base), perText(per))
}

// unsureText words the interval of a change that cannot be told from none
// (see Unsure), as a part of the time it is weighed against: the change
// itself again where that time has more in it than the figure (the time on
// CPU), so that the change and its interval read on one scale.
func unsureText(d *Diagnosis, u *Unsure, t *Breakdown) string {
	if d.Subject == SubjectAsyncIO {
		// What each request took, a figure of its own, whose
		// resamples can fall by more than the whole: in time.
		base := math.Min(d.A, d.B)
		return fmt.Sprintf("whose %s interval, a change of %s … %s per %s", levelPct(u.Level), signedDur(u.Lo*base), signedDur(u.Hi*base), perText(d.Per))
	}
	base, noun := whole(t, d.Per)
	if t.RanA > 0 || t.RanB > 0 {
		return fmt.Sprintf("%s of %s, whose %s interval, %s … %s", signedPct(1+u.Seen), noun, levelPct(u.Level), signedPct(1+u.Lo), signedPct(1+u.Hi))
	}
	// The figure is the whole: "of the 95ms per op", without "they waited",
	// which does not fit a request's time.
	return fmt.Sprintf("whose %s interval, %s … %s of the %s per %s", levelPct(u.Level), signedPct(1+u.Lo), signedPct(1+u.Hi), model.FormatNs(base), perText(d.Per))
}

// levelPct words an interval's confidence: "99%", "99.5%".
func levelPct(level float64) string {
	return strconv.FormatFloat(math.Round(1000*level)/10, 'f', -1, 64) + "%"
}

// other names the capture that is not c ("A" or "B").
func other(c string) string {
	if c == "A" {
		return "B"
	}
	return "A"
}

// pooledText is the verdict of a thread pool that held the requests
// before nfsd counted them (Diagnosis.Pooled).
func pooledText(d *Diagnosis) string {
	r, l := d.Reached, d.Layer
	return fmt.Sprintf("Worse for the clients: %.0f%% fewer operations reached nfsd (%s → %s a second while any came, %s) while its time for each did not change significantly (%s %s → %s, %s); %s rose %s → %s per op (%s) after %s (%s): requests waited for a thread, most of it before nfsd counted them, and clients keeping as many requests in flight wait about %s as long for each",
		100*(1-r.RateB/r.RateA), model.FormatCount(r.RateA), model.FormatCount(r.RateB), pText(r.Change.P),
		subjectText(d), model.FormatNs(d.A), model.FormatNs(d.B), changeText(d.Change),
		layerText(l.Key), model.FormatNs(l.A), model.FormatNs(l.B), changeText(l.Change),
		describeChanges(d.Match.Changes), threadsText(d.Threads), timesText(r.RateA/r.RateB))
}

// reachedLine is the evidence line of the rate operations reached nfsd at.
func reachedLine(r *Reached) string {
	return fmt.Sprintf("operations reaching nfsd: %s → %s a second while any came (%s)", model.FormatCount(r.RateA), model.FormatCount(r.RateB), changeText(r.Change))
}

// reachedText says that fewer operations reached nfsd while it served
// each no slower (Diagnosis.Reached), "" when not so.
func reachedText(r *Reached) string {
	if r == nil {
		return ""
	}
	return fmt.Sprintf("; but %.0f%% fewer operations reached nfsd (%s → %s a second while any came, %s), each served no slower: its clients asked for less, or were held before it",
		100*(1-r.RateB/r.RateA), model.FormatCount(r.RateA), model.FormatCount(r.RateB), pText(r.Change.P))
}

// asideText words a real effect too small to reach the users' time.
func asideText(d *Diagnosis) string {
	switch {
	case d.Aside != nil:
		l := d.Aside
		// After reachedText's "but", the aside adds to it.
		conj := "but"
		if d.Reached != nil {
			conj = "and"
		}
		way := "rose"
		if l.B < l.A {
			way = "fell"
		}
		return fmt.Sprintf("; %s %s %s, %s → %s per %s (%s), which %s can cause", conj, layerText(l.Key), way,
			model.FormatNs(l.A), model.FormatNs(l.B), perText(d.Per), changeText(l.Change), describeChanges(d.AsideMatch.Changes))
	case d.AsideDevice != nil:
		f := d.AsideDevice
		way := "slower"
		if f.Lat.Delta < 0 {
			way = "faster"
		}
		s := fmt.Sprintf("; the IO scheduler change on %s (%s → %s) made its requests %s (%s)",
			f.Device, f.SchedulerA, f.SchedulerB, way, latText(f))
		if d.Outcome == OutcomeNoChange {
			s += ", too little to move it"
		}
		return s
	}
	return ""
}

// diagLayerText names the diagnosis's layer for people: the block layer
// the tracer could not put on a device by the device whose request slots
// its waits were for (DeviceFinding.Slot), else as layerText.
func diagLayerText(d *Diagnosis) string {
	if f := d.Device; f != nil && f.Slot && LayerKind(d.Layer.Key) == "block" && LayerDevice(d.Layer.Key) == "" {
		return "waiting for a request slot of " + f.Device
	}
	return layerText(d.Layer.Key)
}

// layerText names a layer for people.
func layerText(key string) string {
	switch LayerKind(key) {
	case "block":
		if dev := LayerDevice(key); dev != "" {
			return "waiting for block IO on " + dev
		}
		// The eBPF backend labels a wait by the threads' own request in
		// flight: none was on a device (IO held above the devices, or
		// another thread's IO). The procfs backend sees no device at all.
		return "waiting for block IO on no device the tracer saw"
	case LayerCPU:
		return "waiting for a CPU (runnable)"
	case LayerQueue:
		return "waiting for a free nfsd thread"
	case LayerRest:
		return "request time outside D-state (on CPU, in the network)"
	case ClassWriteback:
		return "writeback throttling (too many dirty pages)"
	case ClassJournal:
		return "waiting for the filesystem journal"
	case ClassLock:
		return "waiting for a lock"
	case ClassPageLock:
		return "waiting for page locks"
	case ClassReclaim:
		return "memory reclaim"
	case ClassNetwork:
		return "waiting on the network"
	}
	return "waiting in other kernel code"
}

// wokeView is the diagnosis as seen from the layer the threads woke from:
// its cause, device and advice are that layer's.
func (d *Diagnosis) wokeView() *Diagnosis {
	inner := *d
	inner.Layer, inner.Woke = d.Woke, nil
	return &inner
}

// demandView is the diagnosis as the leading layer read before the
// demand explained it (Demand.Over).
func (d *Diagnosis) demandView() *Diagnosis {
	inner := *d
	inner.Cause, inner.Demand = d.Demand.Over, nil
	return &inner
}

func causeText(d *Diagnosis, res *Result) string {
	if dm := d.Demand; dm != nil {
		return causeText(d.demandView(), res) + fmt.Sprintf(": the clients asked for %s, %.0f%% %s operations reaching nfsd (%s → %s a second while any came, %s) as each took %s, which %s server under the same load cannot do",
			d.way("more", "less"), 100*math.Abs(dm.RateB/dm.RateA-1), d.way("more", "fewer"), model.FormatCount(dm.RateA), model.FormatCount(dm.RateB),
			pText(dm.Change.P), d.way("longer", "less time"), d.way("a slower", "a faster"))
	}
	if w := d.Woke; w != nil {
		more := d.way("more", "fewer")
		return fmt.Sprintf(", on waking from %s %s (%s → %s per %s)", more, strings.Replace(layerText(w.Key), "waiting for", "waits for", 1),
			model.FormatRate(w.WaitsA), model.FormatRate(w.WaitsB), perText(d.Per)) + causeText(d.wokeView(), res)
	}
	if d.Work != nil {
		return workText(d)
	}
	if n, w := d.Crowd, d.Workers; n != nil && w != nil {
		return fmt.Sprintf(": the threads waited behind each other, and %s of them ran (%.1f → %.1f threads on a CPU per interval), %.1f → %.1f of them io_uring's workers, which the kernel starts for IO that cannot complete at once, as a read of pages not in the page cache, after the page cache got %s memory (%s)",
			d.way("more", "fewer"), n.A, n.B, w.A, w.B, d.way("less", "more"), describeChanges(d.Memory))
	}
	if n := d.Crowd; n != nil {
		return fmt.Sprintf(": the threads waited behind each other, and %s of them ran (%.1f → %.1f threads on a CPU per interval)",
			d.way("more", "fewer"), n.A, n.B)
	}
	if b := d.Busier; b != nil {
		w := res.Workload
		return fmt.Sprintf(": the threads waited behind each other, and they did %s work a second (%s %s → %s a second) and ran %s (%.2f → %.2f CPU-seconds a second)",
			d.way("more", "less"), unitNoun(w), model.FormatCount(w.RateA), model.FormatCount(w.RateB), d.way("more", "less"), b.CPUA, b.CPUB)
	}
	l, f := d.Layer, d.Device
	longer := "more time"
	if d.Outcome == OutcomeBetter {
		longer = "less time"
	}
	switch d.WorkOf {
	case ClassReclaim:
		return fmt.Sprintf(": each %s ran %s on a CPU (%s → %s) while the threads had %s",
			perText(d.Per), d.way("longer", "shorter"), model.FormatNs(l.RanA), model.FormatNs(l.RanB), memoryWorkText(d))
	case ClassWriteback:
		t := res.Time
		return fmt.Sprintf(": each %s ran %s in the kernel (%s → %s; on a CPU in all %s → %s) after the dirty-page limits changed (%s): the kernel enforces them in the writers' own calls",
			perText(d.Per), d.way("longer", "shorter"), model.FormatNs(t.KernelA), model.FormatNs(t.KernelB),
			model.FormatNs(l.RanA), model.FormatNs(l.RanB), describeChanges(d.Match.Changes))
	}
	if d.KernelWork != "" {
		return fmt.Sprintf(": the threads waited %s behind kernel threads (%s) after %s",
			d.way("more", "less"), heldShareText(d), kernelWorkWhy(d))
	}
	if w := d.DeviceWork; w != nil {
		return fmt.Sprintf(": the threads waited %s behind kernel threads (%s), among them %s, %s's own work (%s), after a change to its IO (%s)",
			d.way("more", "less"), heldShareText(d), model.HolderLabel(w.Name, w.Work), d.Device.Device, model.FormatPct(w.Share), describeChanges(d.Match.Changes))
	}
	if cv := d.Converged; cv != nil {
		return sharedText(d, cv)
	}
	switch d.Cause {
	case CauseScheduler:
		if f.Queue != "" {
			for _, ch := range res.Config {
				if ch.Item != f.Queue {
					continue
				}
				if l.Device == "" && !f.Slot {
					// IO not yet on a device: bound for f's.
					return fmt.Sprintf(", IO bound for %s, whose queue setting changed (%s %s → %s)", f.Device, ch.Item, ch.value(ch.A), ch.value(ch.B))
				}
				return fmt.Sprintf(", whose queue setting changed (%s %s → %s)", ch.Item, ch.value(ch.A), ch.value(ch.B))
			}
		}
		if l.Device == "" && !f.Slot {
			return fmt.Sprintf(", IO bound for %s, whose IO scheduler changed (%s → %s)", f.Device, f.SchedulerA, f.SchedulerB)
		}
		return fmt.Sprintf(", whose IO scheduler changed (%s → %s)", f.SchedulerA, f.SchedulerB)
	case CauseDevice:
		if f.Via != "" {
			via := ", which waits for IO that other threads issue; "
			if f.From != "" {
				return via + fmt.Sprintf("the IO moved from %s to %s, which took %s per request (%s)", f.From, f.Device, longer, latText(f))
			}
			return via + fmt.Sprintf("%s took %s per request at %s (%s; %s)", f.Device, longer, loadWord(f), sameLoadText(f), latText(f))
		}
		if f.From != "" {
			return fmt.Sprintf(": the IO moved from %s to %s, which took %s per request (%s)", f.From, f.Device, longer, latText(f))
		}
		if f.Stacked {
			return fmt.Sprintf(", and %s, a device above it, took %s per request at %s (%s; %s)", f.Device, longer, loadWord(f), sameLoadText(f), latText(f))
		}
		return fmt.Sprintf(", which took %s per request at %s (%s; %s)", longer, loadWord(f), sameLoadText(f), latText(f))
	case CauseCache:
		less := d.way("less", "more")
		more := d.way("more", "less")
		if f != nil {
			return fmt.Sprintf(": %s was given %s work (%s) while the page cache had %s memory (%s)",
				f.Device, more, loadText(f), less, describeChanges(d.Memory))
		}
		return fmt.Sprintf(": the threads waited for IO %s often (%s → %s waits per %s) while the page cache had %s memory (%s)",
			more, model.FormatRate(l.WaitsA), model.FormatRate(l.WaitsB), perText(d.Per), less, describeChanges(d.Memory))
	case CauseWorkload:
		more := d.way("more", "less")
		if f != nil && f.Crowd != nil && (f.Lat != nil || f.Crowd.Waiting) {
			on := "on a CPU"
			if f.Crowd.Waiting {
				on = "waiting on it"
			}
			// The throughput need not have risen (a saturated device
			// cannot show more work): say what it did, not "more";
			// and where it moved against the threads by less than a
			// change that matters (see crowded), say so.
			held := "did not " + d.way("fall", "rise")
			if loadAgainst(loadChange(f.RateA, f.RateB, f.BytesA, f.BytesB), d.dir()) {
				held = d.way("fell", "rose") + " too little to matter"
			}
			s := fmt.Sprintf(": %s of the threads kept %s busy (%.1f → %.1f %s per interval) while its throughput %s (%s): ",
				d.way("more", "fewer"), f.Device, f.Crowd.A, f.Crowd.B, on, held, loadText(f))
			if f.Lat != nil {
				return s + fmt.Sprintf("each request waited behind %s of the others, and its latency moved with them (%s)", d.way("more", "fewer"), latText(f))
			}
			// Held above a device no slower: the requests queued
			// for it behind more of the others'.
			own := ""
			if lat := ownLatency(res, f); lat != nil {
				own = fmt.Sprintf(" (mean %s → %s per request)", model.FormatNs(lat.MeanA), model.FormatNs(lat.MeanB))
			}
			return s + fmt.Sprintf("each wait for its IO took %s → %s, behind %s of the others' requests, while the device served each no slower%s",
				model.FormatNs(l.WaitA), model.FormatNs(l.WaitB), d.way("more", "fewer"), own)
		}
		if f != nil && f.Queued != nil && f.Lat != nil {
			// The device served each request no slower: its
			// requests waited longer in its queue, more of them.
			own := ""
			if lat := ownLatency(res, f); lat != nil {
				own = fmt.Sprintf(" (service mean %s → %s, %s)", model.FormatNs(lat.MeanA), model.FormatNs(lat.MeanB), pText(lat.P))
			}
			return fmt.Sprintf(": %s served each request no %s%s while %s of them waited in its queue at %s (%s; about %.1f → %.1f in flight; %s)",
				f.Device, d.way("slower", "faster"), own, d.way("more", "fewer"), loadWord(f), sameLoadText(f), f.Queued.A, f.Queued.B, latText(f))
		}
		if f != nil && f.Lat != nil {
			return fmt.Sprintf(": %s was given %s work (%s) and its latency moved with the load (%s)",
				f.Device, more, loadText(f), latText(f))
		}
		if f != nil && l.Kind == LayerCPU {
			by, share := "the kernel's own work on their CPU", ""
			if h := d.Holder; h != nil {
				share = " (" + heldShareText(d) + ")"
			} else if len(d.Served) > 0 {
				by, share = "each other and the kernel's own work on their CPU", " ("+servedShareText(d)+")"
			}
			return fmt.Sprintf(": the threads waited behind %s, which serves their IO%s, and %s was given %s work (%s)",
				by, share, f.Device, more, loadText(f))
		}
		if f != nil && ratioMoved(loadChange(f.RateA, f.RateB, f.BytesA, f.BytesB), dirOf(l.B-l.A)) {
			return fmt.Sprintf(": %s was given %s work (%s); each wait for its IO took %s → %s",
				f.Device, more, loadText(f), model.FormatNs(l.WaitA), model.FormatNs(l.WaitB))
		}
		if f != nil {
			// More (or fewer) waits per unit carry the change while the
			// device's own load need not follow: the same work asks it
			// for IO more (or less) often.
			return fmt.Sprintf(": the threads waited for %s's IO %s often (%s → %s waits per %s; the device moved %s); each wait took %s → %s",
				f.Device, more, model.FormatRate(l.WaitsA), model.FormatRate(l.WaitsB), perText(d.Per), loadText(f),
				model.FormatNs(l.WaitA), model.FormatNs(l.WaitB))
		}
		what := "for IO"
		if l.Kind == LayerCPU {
			what = "for a CPU"
			if l.ranLonger() {
				return fmt.Sprintf(": each %s ran %s on a CPU (%s → %s) and was preempted in proportion (%s → %s times per second run; mean wait %s → %s): the threads waited behind %s CPU work, not %s competition for the CPU",
					perText(d.Per), d.way("longer", "shorter"), model.FormatNs(l.RanA), model.FormatNs(l.RanB),
					model.FormatRate(l.PreemptsA/l.RanA*1e9), model.FormatRate(l.PreemptsB/l.RanB*1e9), model.FormatNs(l.WaitA), model.FormatNs(l.WaitB),
					more, more)
			}
		}
		return fmt.Sprintf(": the threads waited %s %s often (%s → %s waits per %s; mean wait %s → %s)",
			what, d.way("more", "less"), model.FormatRate(l.WaitsA), model.FormatRate(l.WaitsB), perText(d.Per), model.FormatNs(l.WaitA), model.FormatNs(l.WaitB))
	case CauseCPU:
		more := d.way("more", "less")
		switch {
		case l.Preempts && l.PreemptShare >= countLeads:
			return fmt.Sprintf(": the CPU was taken from the threads %s often (preempted or throttled %s → %s times per %s; mean wait %s → %s)",
				more, model.FormatRate(l.PreemptsA), model.FormatRate(l.PreemptsB), perText(d.Per), model.FormatNs(l.WaitA), model.FormatNs(l.WaitB))
		case (l.WaitB-l.WaitA)*(l.B-l.A) > 0:
			return fmt.Sprintf(": each wait for a CPU took %s (mean %s → %s; %s → %s waits per %s)",
				longer, model.FormatNs(l.WaitA), model.FormatNs(l.WaitB), model.FormatRate(l.WaitsA), model.FormatRate(l.WaitsB), perText(d.Per))
		}
		return fmt.Sprintf(": the threads found the CPU busy %s often (%s → %s waits per %s; mean wait %s → %s)",
			more, model.FormatRate(l.WaitsA), model.FormatRate(l.WaitsB), perText(d.Per), model.FormatNs(l.WaitA), model.FormatNs(l.WaitB))
	case CauseBio:
		s := fmt.Sprintf(": each wait took %s (mean %s → %s) while ", longer, model.FormatNs(l.WaitA), model.FormatNs(l.WaitB))
		if f != nil && f.Lat != nil {
			return s + "the device's own latency did not account for it (" + latText(f) + "): the IO was held above the device"
		}
		if lat := ownLatency(res, f); lat != nil {
			return s + fmt.Sprintf("the device's own latency did not account for it (mean %s → %s per request): the IO was held above the device", model.FormatNs(lat.MeanA), model.FormatNs(lat.MeanB))
		}
		return s + "no device's latency accounted for it: the IO was held above the devices"
	}
	if d.Cause == CauseWriteback && l.Kind == "block" {
		if f != nil {
			// The eBPF backend puts a wait here when none of the
			// thread's own requests was on a device: it waited on IO
			// others sent, such as the flusher's writeback, or on its
			// own, held above the devices.
			none := ""
			if res.A.Backend == model.BackendEBPF && res.B.Backend == model.BackendEBPF {
				none = "no request of their own was on a device while they waited, and "
			}
			return fmt.Sprintf(": %s%s was given %s as the dirty-page limits changed, which decide when written pages go to it",
				none, f.Device, givenText(f))
		}
		return fmt.Sprintf(": each wait took %s (mean %s → %s) while no device's latency accounted for it, as the dirty-page limits changed, which hold writers back",
			longer, model.FormatNs(l.WaitA), model.FormatNs(l.WaitB))
	}
	s := sitesText(d)
	if d.Cause == CauseWriteback && l.Kind != ClassWriteback {
		s += ", which the dirty-page limits reach through writeback"
	}
	return s
}

// sitesText says where in its layer the change was: ", mostly at" its top
// wait site, or ", at" both sites where a second carries part of it
// (Diagnosis.Also); empty without a site.
func sitesText(d *Diagnosis) string {
	switch {
	case d.Site == nil:
		return ""
	case d.Also != nil:
		a, b := distinctSites(d.Site, d.Also)
		return ", at " + a + " and " + b
	}
	return ", mostly at " + compactSite(d.Site.Label)
}

// compactSite shortens a wait site's label for a sentence: its two innermost
// frames and its outermost ("balance_dirty_pages ← generic_perform_write ← …
// ← nfsd3_proc_write"); the tables under --details keep the long form.
func compactSite(label string) string {
	fs := strings.Split(label, " ← ")
	var keep []string
	for _, f := range fs {
		if f != "…" {
			keep = append(keep, f)
		}
	}
	if len(keep) <= 3 {
		return strings.Join(keep, " ← ")
	}
	return strings.Join(keep[:2], " ← ") + " ← … ← " + keep[len(keep)-1]
}

// distinctSites names two wait sites for one sentence or two lines, as
// compactSite does, unless the two would read the same: then each keeps,
// after its two innermost frames, the first frame where the stacks part
// ("io_schedule ← blk_mq_get_tag ← … ← ext4_file_read_iter ← … ←
// __do_sys_io_uring_enter"), so that two figures are never put on one name.
func distinctSites(a, b *Contribution) (string, string) {
	na, nb := compactSite(a.Label), compactSite(b.Label)
	if na != nb {
		return na, nb
	}
	fa, fb := model.WaitSite(a.Key).Norm(), model.WaitSite(b.Key).Norm()
	i := 0
	for i < len(fa) && i < len(fb) && fa[i] == fb[i] {
		i++
	}
	if i == len(fa) || i == len(fb) {
		// One stack is the other's inner part, or the same: no frame
		// of both parts them.
		return na, nb
	}
	return partedSite(fa, i), partedSite(fb, i)
}

// partedSite is compactSite's form of frames with frame i kept as well;
// i is an index of fs.
func partedSite(fs []string, i int) string {
	keep := fs[:min(2, i)]
	if i > 2 {
		keep = append(keep[:len(keep):len(keep)], "…")
	}
	keep = append(keep[:len(keep):len(keep)], fs[i])
	if i < len(fs)-2 {
		keep = append(keep, "…")
	}
	if i < len(fs)-1 {
		keep = append(keep, fs[len(fs)-1])
	}
	return strings.Join(keep, model.StackSep)
}

func latText(f *DeviceFinding) string {
	if f == nil || f.Lat == nil {
		return ""
	}
	return fmt.Sprintf("%s mean %s → %s, %s", f.Latency, model.FormatNs(f.Lat.MeanA), model.FormatNs(f.Lat.MeanB), changeText(f.Lat.Change))
}

// adviceText says where to look when no configuration change explains a cause.
func adviceText(d *Diagnosis) string {
	if d.Woke != nil {
		return adviceText(d.wokeView())
	}
	dev := "the device"
	if d.Device != nil {
		dev = d.Device.Device
	} else if d.Layer != nil && d.Layer.Device != "" {
		dev = d.Layer.Device
	}
	site := ""
	if d.Site != nil {
		site = " at " + compactSite(d.Site.Label)
	}
	switch d.Cause {
	case CauseDevice, CauseScheduler:
		return dev + " itself and what lies below it (backing store, controller, path)"
	case CauseBio:
		return "what holds IO above " + dev + ": cgroup IO limits (io.max, blkio throttling), a stacked driver (dm, md), a full request queue"
	case CauseCache:
		return "memory: the limits that bound the page cache (cgroup memory.max, memory.limit_in_bytes, the host's memory) against the data read and written"
	case CauseWorkload:
		if d.Crowd != nil {
			return "how many threads the workload runs against its CPUs"
		}
		if d.Busier != nil {
			return "how much work the workload asks a second against its CPUs"
		}
		if d.Layer != nil && d.Layer.Kind == LayerCPU && d.Device != nil {
			return "the IO the workload asks of " + dev + ": the kernel serves it on the threads' CPUs"
		}
		if l := d.Layer; l != nil && l.ranLonger() {
			return "the threads' own CPU time per " + perText(d.Per) + ": what each does, and how fast the CPU runs it (its clock, the hypervisor's share), not the CPUs they get"
		}
		if d.Layer != nil && d.Layer.Kind == LayerCPU {
			return "how often the workload's threads sleep and wake for the same work (rate limits, timers, short waits), not the CPUs they get"
		}
		return "what the workload asks of " + dev
	case CauseWriteback:
		return "the dirty-page limits (vm.dirty_*) against the write rate"
	case CauseJournal:
		return "journal commits: the journal's device and how often clients force commits"
	case CauseLock:
		if cv := d.Converged; cv != nil {
			return sharedAdvice(cv)
		}
		if d.Owner != nil {
			return "who holds the lock" + site + ": " + ownerText(d.Owner)
		}
		return "who holds the lock" + site + " (other writers of the same files)"
	case CausePageLock:
		return "who holds the pages" + site
	case CauseReclaim:
		return "memory: cgroup and host memory limits, and what fills the page cache"
	case CauseNetwork:
		return "the network path to the clients"
	case CauseCPU:
		if d.Work != nil {
			return "what the kernel does in the threads' calls (a CPU profile of them shows it): they waited behind each other's " +
				d.way("longer", "shorter") + " calls"
		}
		if h := d.Holder; h != nil {
			return holderAdvice(h.Holder) + fmt.Sprintf(" (%s)", heldShareText(d)) + holderNamesText(h)
		}
		return "CPU: cgroup CPU limits (cpu.max, CFS quota) and the other runnable tasks"
	case CauseQueue:
		return "the number of nfsd threads against the load"
	case CauseRequest:
		return "request time on CPU and in the network"
	}
	return "the kernel code" + site
}

func leadText(d *Diagnosis, res *Result) string {
	if d.Stuck != nil {
		return stuckLead(d)
	}
	if dm := d.Demand; dm != nil && (d.Outcome == OutcomeWorse || d.Outcome == OutcomeBetter) {
		s := fmt.Sprintf("look at the work the clients ask of the server (%s → %s operations a second): %s of it at once made each operation wait %s",
			model.FormatCount(dm.RateA), model.FormatCount(dm.RateB), d.way("more", "less"), d.way("longer", "less"))
		if d.Outcome == OutcomeWorse {
			s += "; to carry that load, look next at " + adviceText(d.demandView())
		}
		return s
	}
	if d.Converged != nil && d.Reached != nil {
		return convergedLead(d.Converged)
	}
	if d.Reached != nil {
		if l := poolAside(d); l != nil {
			// Requests held before nfsd served them waited for a
			// free thread: fewer reached it because its pool
			// served fewer at once, and the change that can move
			// the pool leads.
			return matchedText(d.AsideMatch, layerText(l.Key)) + "; fewer operations reached nfsd as each waited longer for a free thread"
		}
		return "look at the clients and the path to the server (their own waits, the network, the requests they may keep in flight): nfsd served each operation no slower"
	}
	if d.Outcome != OutcomeWorse && d.Outcome != OutcomeBetter {
		return ""
	}
	if d.Layer == nil {
		return "no single layer carries the change: the breakdown under --details shows where it went"
	}
	m := d.Match
	layer := diagLayerText(d)
	switch {
	case d.Woke != nil:
		layer = layerText(d.Woke.Key)
	case d.Work != nil:
		layer = "the kernel's work in the threads' calls"
	case d.WorkOf != "":
		layer = layerText(d.WorkOf)
	case d.KernelWork != "":
		layer = kernelWorkText(d.KernelWork)
	}
	if d.Cause == CauseDevice {
		switch m.Kind {
		case MatchDirect:
			return fmt.Sprintf("look at %s; %s", adviceText(d), matchedText(m, layer))
		case MatchKernel:
			return fmt.Sprintf("look at %s; the only other change, %s, can move any layer", adviceText(d), describeChanges(m.Changes))
		}
	}
	switch m.Kind {
	case MatchDirect:
		return matchedText(m, layer)
	case MatchKernel:
		return fmt.Sprintf("%s: no setting that acts on %s changed, and a kernel can change any layer; then %s",
			describeChanges(m.Changes), layer, adviceText(d))
	case MatchNone:
		if m.Others == 1 {
			return fmt.Sprintf("look at %s; the one configuration change listed cannot move %s", adviceText(d), layer)
		}
		return fmt.Sprintf("look at %s; none of the %d configuration changes listed can move %s", adviceText(d), m.Others, layer)
	}
	return "look at " + adviceText(d) + "; the configuration is the same in both captures"
}

// matchedText names the configuration changes of a direct match as those
// that can move layer.
func matchedText(m Match, layer string) string {
	return fmt.Sprintf("%s %s: %s", changesThatCan(m.Changes), layer, describeChanges(m.Changes))
}

// changesThatCan introduces the changes a lead names, in the number they come in.
func changesThatCan(chs []ConfigChange) string {
	if len(chs) == 1 {
		return "the configuration change that can move"
	}
	return "the configuration changes that can move"
}

func describeChanges(chs []ConfigChange) string {
	var s []string
	for i, ch := range chs {
		if i == 3 {
			s = append(s, fmt.Sprintf("and %d more", len(chs)-3))
			break
		}
		s = append(s, fmt.Sprintf("%s %s → %s", ch.Item, ch.value(ch.A), ch.value(ch.B)))
	}
	return strings.Join(s, "; ")
}

// siteText gives the wait site under a layer. A block IO site is one
// stack whatever the device: where its change goes beyond the layer's
// (one device's waits, or those the tracer could not put on one), it
// says that the site holds the waits on every device.
func siteText(s *Contribution, name string, l *LayerShare, per string) string {
	t := fmt.Sprintf("wait site %s: %s → %s per %s (%s)", name, model.FormatNs(s.A), model.FormatNs(s.B), per, changeText(s.Change))
	if s.Class == ClassBlockIO && math.Abs(s.B-s.A) > beyondShare*math.Abs(l.B-l.A) {
		t += ", its waits on every device together"
	}
	return t
}

// subjectLine is the evidence line of the time users feel.
func subjectLine(d *Diagnosis) string {
	return fmt.Sprintf("%s: %s → %s (%s)", subjectText(d), model.FormatNs(d.A), model.FormatNs(d.B), changeText(d.Change))
}

func evidenceText(d *Diagnosis, res *Result) []string {
	if d.Stuck != nil {
		return stuckEvidence(d, res)
	}
	var out []string
	per := perText(d.Per)
	if cv := d.Converged; cv != nil && d.Reached != nil {
		return []string{
			reachedLine(d.Reached),
			subjectLine(d),
			convergedLine(cv),
		}
	}
	if d.Pooled {
		r, l := d.Reached, d.Layer
		return []string{
			reachedLine(r),
			subjectLine(d),
			fmt.Sprintf("%s: %s → %s per %s (%s)", layerText(l.Key), model.FormatNs(l.A), model.FormatNs(l.B), per, changeText(l.Change)),
			threadsText(d.Threads),
		}
	}
	if o := d.Overlap; o != nil {
		if o.ToReap {
			out = append(out, fmt.Sprintf("their libaio requests: %s → %s each from io_submit to the reap (%s)", model.FormatNs(d.A), model.FormatNs(d.B), changeText(d.Change)))
		}
		if o.InKernel {
			out = append(out, fmt.Sprintf("their io_uring requests: %s → %s each in the kernel (%s)", model.FormatNs(d.A), model.FormatNs(d.B), changeText(d.Change)))
		}
		if d.Device.Lat != nil {
			out = append(out, deviceText(d.Device))
		}
		return append(out,
			fmt.Sprintf("time the traced threads waited per %s: %s → %s (%s)", perText(res.Workload.Per), model.FormatNs(o.WaitA), model.FormatNs(o.WaitB), changeText(o.Change)),
			fmt.Sprintf("waits for asynchronous IO: %s → %s of that time", model.FormatPct(o.ShareA), model.FormatPct(o.ShareB)),
		)
	}
	if res.Time != nil {
		out = append(out, fmt.Sprintf("%s: %s → %s (%s%s%s)", subjectText(d), model.FormatNs(d.A), model.FormatNs(d.B), changeText(d.Change), heldText(res.Time), floorText(res.Time, d.Per, true)))
	}
	if l := d.Layer; l != nil {
		name := layerText(l.Key)
		if slot := diagLayerText(d); slot != name {
			name += " (" + strings.TrimPrefix(slot, "waiting ") + ")"
		}
		out = append(out, fmt.Sprintf("%s: %s → %s per %s, %.0f%% of the change (%s)", name,
			model.FormatNs(l.A), model.FormatNs(l.B), per, 100*l.Share, changeText(l.Change)))
		if h := d.Held; h != nil {
			out = append(out, partLine(h.LayerPart, per)+"; its holders "+heldWhere(h, l.Key))
		}
		if q := d.Queued; q != nil {
			out = append(out, partLine(q.LayerPart, per)+"; "+threadsText(q.Threads))
		}
		switch {
		case d.Crowd != nil:
			workers := ""
			if w := d.Workers; w != nil {
				workers = fmt.Sprintf(" (io_uring's workers %.1f → %.1f)", w.A, w.B)
			}
			out = append(out, fmt.Sprintf("traced threads on a CPU per interval %.1f → %.1f%s; they waited behind each other for %s of the change",
				d.Crowd.A, d.Crowd.B, workers, model.FormatPct(d.Holder.Share)))
		case d.Busier != nil:
			w := res.Workload
			out = append(out, fmt.Sprintf("%s a second %s → %s, CPU-seconds a second %.2f → %.2f; they waited behind each other for %s of the change",
				unitNoun(w), model.FormatCount(w.RateA), model.FormatCount(w.RateB), d.Busier.CPUA, d.Busier.CPUB, model.FormatPct(d.Holder.Share)))
		case d.Work != nil:
			w := d.Work
			out = append(out, fmt.Sprintf("time on a CPU per %s %s → %s, in the kernel %s → %s; they waited behind each other for %s of the change",
				per, model.FormatNs(w.RanA), model.FormatNs(w.RanB), model.FormatNs(w.KernelA), model.FormatNs(w.KernelB), model.FormatPct(d.Holder.Share)))
		case d.DeviceWork != nil:
			w := d.DeviceWork
			out = append(out, fmt.Sprintf("of which behind %s, %s's own work: %s → %s per %s, %s of the change",
				model.HolderLabel(w.Name, w.Work), d.Device.Device, model.FormatNs(w.A), model.FormatNs(w.B), per, model.FormatPct(w.Share)))
		case d.KernelWork != "":
			h := d.Holder
			out = append(out, fmt.Sprintf("of which behind kernel threads: %s → %s per %s, %s of the change",
				model.FormatNs(h.A), model.FormatNs(h.B), per, model.FormatPct(h.Share)))
		case d.Device != nil && d.Device.Lat != nil:
			out = append(out, deviceText(d.Device))
		case (d.Cause == CauseWorkload || d.WorkOf != "") && l.ranLonger():
			out = append(out, fmt.Sprintf("time on a CPU per %s %s → %s; preempted %s → %s times per %s", per, model.FormatNs(l.RanA), model.FormatNs(l.RanB),
				model.FormatRate(l.PreemptsA), model.FormatRate(l.PreemptsB), per))
		case d.Converged != nil:
			out = append(out, waitsLine(l, per, ""), convergedLine(d.Converged))
		case d.Woke != nil:
			w := d.Woke
			out = append(out, fmt.Sprintf("%s: %s → %s waits per %s, the sleeps the new waits for a CPU followed (%s → %s waits after wakeups)", layerText(w.Key),
				model.FormatRate(w.WaitsA), model.FormatRate(w.WaitsB), per, model.FormatRate(l.WaitsA-l.PreemptsA), model.FormatRate(l.WaitsB-l.PreemptsB)))
		case d.Cause == CauseWorkload || d.Cause == CauseBio || d.Cause == CauseCache || d.Cause == CauseWriteback && l.Kind == "block":
			from := ""
			if l.WaitsFrom != "" {
				from = fmt.Sprintf(" (A's figures: its waits on %s)", l.WaitsFrom)
			}
			out = append(out, waitsLine(l, per, from))
		case d.Site != nil:
			if d.Also == nil {
				out = append(out, siteText(d.Site, compactSite(d.Site.Label), l, per))
				break
			}
			a, b := distinctSites(d.Site, d.Also)
			out = append(out, siteText(d.Site, a, l, per), siteText(d.Also, b, l, per))
		}
		if o := d.Owner; o != nil {
			out = append(out, "lock held by "+ownerText(o))
		}
		if w := d.Waker; w != nil {
			out = append(out, fmt.Sprintf("these waits were ended by %s (%.0f%% of their time)", w.Waker, 100*w.Share))
		}
		if t := threadsText(d.Threads); t != "" {
			out = append(out, t)
		}
		if dm := d.Demand; dm != nil {
			out = append(out, reachedLine(&dm.Reached))
		}
		if cl := d.Client; cl != nil {
			out = append(out, fmt.Sprintf("client %s: D-time %s → %s per %s, %.0f%% of its change (%s)", cl.Label,
				model.FormatNs(cl.A), model.FormatNs(cl.B), per, 100*cl.Share, changeText(cl.Change)))
		}
		return out
	}
	// No layer leads: the layer that moved most, and the busiest device.
	// The layers are per the workload's unit, which the verdict's figure
	// need not be (what each asynchronous request took).
	if res.Time != nil && len(res.Time.Dimensions) > 0 && len(res.Time.Dimensions[0].Rows) > 0 {
		r := res.Time.Dimensions[0].Rows[0]
		out = append(out, fmt.Sprintf("%s: %s → %s per %s (%s)", layerText(r.Key), model.FormatNs(r.A), model.FormatNs(r.B), perText(res.Workload.Per), changeText(r.Change)))
	}
	for _, dev := range res.Devices {
		name, lat := dev.requestTime()
		if lat == nil {
			continue
		}
		out = append(out, deviceText(&DeviceFinding{Device: dev.Device, SchedulerA: dev.SchedulerA, SchedulerB: dev.SchedulerB,
			Latency: name, Lat: lat, RateA: dev.RateA, RateB: dev.RateB, BytesA: dev.BytesA, BytesB: dev.BytesB}))
		break
	}
	return out
}

// waitsLine is the evidence line of how a layer's waits per unit and
// their mean length moved, with a note on where A's came from.
func waitsLine(l *LayerShare, per, from string) string {
	return fmt.Sprintf("waits per %s %s → %s; mean wait %s → %s%s", per, model.FormatRate(l.WaitsA), model.FormatRate(l.WaitsB), model.FormatNs(l.WaitA), model.FormatNs(l.WaitB), from)
}

func deviceText(f *DeviceFinding) string {
	sched := orDash(f.SchedulerB)
	if f.SchedulerA != f.SchedulerB {
		sched = orDash(f.SchedulerA) + " → " + orDash(f.SchedulerB)
	}
	name := f.Device
	if f.From != "" {
		// The IO moved: A's figures are the device it left.
		name = f.From + " → " + f.Device
	}
	return fmt.Sprintf("device %s (%s): %s mean %s → %s per request (%s); load %s", name, sched,
		f.Latency, model.FormatNs(f.Lat.MeanA), model.FormatNs(f.Lat.MeanB), changeText(f.Lat.Change), loadText(f))
}

// loadText is a device's load on both sides: requests, and bytes where
// the capture has them.
func loadText(f *DeviceFinding) string {
	s := fmt.Sprintf("%s → %s requests/s", model.FormatCount(f.RateA), model.FormatCount(f.RateB))
	if f.BytesA > 0 || f.BytesB > 0 {
		s += fmt.Sprintf(", %s → %s MB/s", model.FormatMBps(f.BytesA), model.FormatMBps(f.BytesB))
	}
	return s
}

// loadWord says how a device's load moved while its latency did, by the
// measure loadMoved weighs: a higher or lower one where it moved by
// loadRatio against the change (a device faster at a higher load, slower
// at a lower one; with the change it would be the load's doing); short of
// that, by how much where it moved by sameLoad or more, so that the words
// agree with the figures beside them; else the same load.
func loadWord(f *DeviceFinding) string {
	r := loadChange(f.RateA, f.RateB, f.BytesA, f.BytesB)
	switch {
	case r >= loadRatio:
		return "a higher load"
	case r > 0 && r <= 1/loadRatio:
		return "a lower load"
	case r >= 1+sameLoad:
		return fmt.Sprintf("a %.0f%% higher load", 100*(r-1))
	case r > 0 && r <= 1-sameLoad:
		return fmt.Sprintf("a %.0f%% lower load", 100*(1-r))
	}
	return "the same load"
}

// sameLoad is the least move of a device's load that its words give,
// short of loadRatio: under it, "the same load". Wording only: no finding
// turns on it.
const sameLoad = 0.1

// sameLoadText gives the load a device held while its latency moved: the
// bytes per second loadMoved weighs, with the requests they came in where
// those moved (the same bytes cut another way), else the requests alone.
func sameLoadText(f *DeviceFinding) string {
	reqs := fmt.Sprintf("%s → %s requests/s", model.FormatCount(f.RateA), model.FormatCount(f.RateB))
	if f.BytesA <= 0 || f.BytesB <= 0 {
		return reqs
	}
	s := fmt.Sprintf("%s → %s MB/s", model.FormatMBps(f.BytesA), model.FormatMBps(f.BytesB))
	if r := f.RateB / f.RateA; f.RateA > 0 && f.RateB > 0 && (r >= loadRatio || r <= 1/loadRatio) {
		s += " in " + reqs
	}
	return s
}

// givenText words the work a device was given, with its figures, by the
// measure loadMoved weighs rather than by the verdict's direction: the
// dirty-page limits reach the device without the threads asking more of
// it (byDirty takes a layer held above the devices as theirs too), so
// its load may have moved either way or not at all. Where the bytes held
// within sameLoad while the requests moved by loadRatio, the limits cut
// the same bytes another way; where the bytes moved one way and the
// requests by loadRatio the other, it says both, as "less work" beside
// four times the requests would contradict its own figures. A side with
// no load counted is read by its requests alone (loadChange gives no
// ratio then).
func givenText(f *DeviceFinding) string {
	// q is the requests' ratio where both sides count bytes and
	// requests, 0 otherwise.
	q := 0.0
	if f.BytesA > 0 && f.BytesB > 0 && f.RateA > 0 && f.RateB > 0 {
		q = f.RateB / f.RateA
	}
	more, fewer := q >= loadRatio, q > 0 && q <= 1/loadRatio
	switch r := loadChange(f.RateA, f.RateB, f.BytesA, f.BytesB); {
	case r >= 1+sameLoad && fewer:
		return fmt.Sprintf("more bytes in fewer requests (%s)", sameLoadText(f))
	case r > 0 && r <= 1-sameLoad && more:
		return fmt.Sprintf("fewer bytes in more requests (%s)", sameLoadText(f))
	case r >= 1+sameLoad, r == 0 && f.RateB > f.RateA:
		return fmt.Sprintf("more work (%s)", loadText(f))
	case r > 0 && r <= 1-sameLoad, r == 0 && f.RateB < f.RateA:
		return fmt.Sprintf("less work (%s)", loadText(f))
	case more:
		return fmt.Sprintf("the same bytes in more requests (%s)", sameLoadText(f))
	case fewer:
		return fmt.Sprintf("the same bytes in fewer requests (%s)", sameLoadText(f))
	}
	return fmt.Sprintf("the same work (%s)", loadText(f))
}

// changeText words a change's test: one wording per outcome.
func changeText(ch Change) string {
	switch ch.Outcome {
	case TestUntested, "":
		return "not tested"
	case TestSignificant:
		return pText(ch.P)
	}
	return pText(ch.P) + ", " + ch.Outcome
}

func pText(p float64) string {
	if p < 0.001 {
		return "p<0.001"
	}
	return fmt.Sprintf("p=%.2g", p)
}

// signedPct is a ratio as a signed percentage: "+12%", "-3%", "±0%".
func signedPct(ratio float64) string {
	switch {
	case math.IsInf(ratio, 1):
		return "from zero"
	case math.Abs(ratio-1) < 0.005:
		return "±0%"
	case ratio > 1:
		return fmt.Sprintf("+%.0f%%", 100*(ratio-1))
	}
	return fmt.Sprintf("-%.0f%%", 100*(1-ratio))
}

// moveText says how a figure moved given B/A.
func moveText(ratio float64) string {
	switch {
	case math.IsInf(ratio, 1):
		return "rose from zero"
	case ratio >= 2:
		return "rose " + timesText(ratio)
	case ratio >= 1:
		return fmt.Sprintf("rose %.0f%%", 100*(ratio-1))
	case ratio > 0 && ratio <= 0.5:
		return "fell " + timesText(1/ratio)
	}
	return fmt.Sprintf("fell %.0f%%", 100*(1-ratio))
}

// timesText writes a factor with the digits that matter: 1.4x, 2.1x,
// 43x, 430x.
func timesText(f float64) string {
	if f >= 9.95 { // what %.1f would print as 10.0
		return fmt.Sprintf("%.0fx", f)
	}
	return fmt.Sprintf("%.1fx", f)
}

func rateText(w Workload) string {
	s := unitRateText(w)
	if a := w.AgainstLatency; a != nil {
		lat := "latency"
		if a.InKernel {
			lat = "time in the kernel"
		}
		felt := fmt.Sprintf("their IO's %s %s", lat, moveText(a.LatRatio))
		switch a.By {
		case "rate":
			felt = fmt.Sprintf("the IOs they got done a second %s", moveText(a.RateRatio))
		case "steady":
			felt = fmt.Sprintf("neither their IO's %s (%s) nor the IOs they got done a second (%s) moved as far", lat,
				signedPct(a.LatRatio), signedPct(a.RateRatio))
		}
		s += fmt.Sprintf("; figures are per IO asked for, as all their waiting per wait for block IO %s while %s",
			moveText(a.WaitRatio), felt)
	}
	if (w.SubmitA > 0 || w.SubmitB > 0) && !w.Submitted {
		s += fmt.Sprintf("; they submitted %s vs %s IOs/s through io_submit and io_uring", model.FormatCount(w.SubmitA), model.FormatCount(w.SubmitB))
	}
	return s
}

// unitNoun names what the unit of work counts, for a unit that is a count
// (not seconds).
func unitNoun(w Workload) string {
	switch {
	case w.Per == "IO" && w.Submitted:
		return "IOs asked for"
	case w.Per == "IO":
		return "waits for block IO"
	case w.Per == "call":
		return "read and write calls"
	}
	return "operations"
}

// unitRateText is the rate of the unit of work in A and B.
func unitRateText(w Workload) string {
	switch w.Per {
	case "call":
		return fmt.Sprintf("the traced threads made %s vs %s read and write calls/s", model.FormatCount(w.RateA), model.FormatCount(w.RateB))
	case "IO":
		if w.Submitted {
			return fmt.Sprintf("the traced threads asked for %s vs %s IOs/s", model.FormatCount(w.RateA), model.FormatCount(w.RateB))
		}
		return fmt.Sprintf("the traced threads waited for block IO %s vs %s times/s", model.FormatCount(w.RateA), model.FormatCount(w.RateB))
	case "CPU-s":
		return fmt.Sprintf("the traced threads ran %.2f vs %.2f CPU-seconds/s", w.RateA, w.RateB)
	case "op":
		// Over the whole capture, idle seconds too: the demand test
		// (Reached) counts only the seconds while any came.
		return fmt.Sprintf("%s vs %s ops/s over each whole capture", model.FormatCount(w.RateA), model.FormatCount(w.RateB))
	}
	return "no operation counts"
}

// holderAdvice says where to look when the threads waited for a CPU behind
// holder (a key of model.HeldBy).
func holderAdvice(holder string) string {
	switch holder {
	case model.HeldWake:
		return "how fast an idle CPU takes a woken thread (CPU idle states and their exit latency, interrupts, the scheduler's wakeup placement): nothing held the CPU, the threads waited for it to wake"
	case model.HeldIdle:
		return "CPU limits: the threads were held off a CPU that then idled, as a CPU quota's throttling does (cgroup cpu.max, CFS quota)"
	case model.HeldTraced:
		return "the traced threads against their CPUs: they waited behind each other"
	case model.HeldKernel:
		return "the kernel's own work on the threads' CPUs (workqueues such as writeback, softirqs in ksoftirqd, kswapd, the journal): the threads waited behind kernel threads"
	}
	return "the other processes on the threads' CPUs: the threads waited behind them"
}

// minNameShare is the least part of the run-queue layer's change a task
// that held the threads' CPU must carry for the LEAD to name it.
const minNameShare = 0.1

// holderNamesText names the tasks behind h that carry minNameShare or more
// of the layer's change, with their parts: "; the largest: kworker loop1
// 52%, kswapd0 12%"; empty when none does or the captures do not name them.
func holderNamesText(h *HeldPart) string {
	var parts []string
	for _, n := range h.Names {
		if n.Share >= minNameShare {
			parts = append(parts, model.HolderLabel(n.Name, n.Work)+" "+model.FormatPct(n.Share))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "; the largest: " + strings.Join(parts, ", ")
}

// heldShareText words the CPU holder's part of the run-queue layer's
// change: of the whole rise where the layer carries it, else of the
// layer's own, which the holder's share is of.
//
// A holder can carry more than the whole change when another part moved
// against it; the part that moved against it most is then named, as a
// layer carrying more than the whole names the layers that fell: "129% of
// the rise in waiting for a CPU; more than the whole, as the waits for an
// idle CPU to wake fell, 14µs → 0 per IO" (a CPU that hogs keep busy
// never idles).
func heldShareText(d *Diagnosis) string {
	s := cpuShareText(d, model.FormatPct(d.Holder.Share))
	if d.Holder.Share <= 1 || d.Layer == nil || len(d.Layer.Held) == 0 {
		return s
	}
	// Held comes by share, most first: the last part moved against the
	// change most, if any did.
	against := d.Layer.Held[len(d.Layer.Held)-1]
	if against.Share >= 0 {
		return s
	}
	// The callers put the share in parentheses: none nests in them.
	who, _, _ := strings.Cut(model.HolderText(against.Holder), " (")
	return s + fmt.Sprintf("; more than the whole, as the waits %s %s, %s → %s per %s",
		who, d.way("fell", "rose"), model.FormatNs(against.A), model.FormatNs(against.B), perText(d.Per))
}

// servedShareText words the parts of the run-queue layer's change the
// traced threads and the kernel's work carried together
// (Diagnosis.Served), in that order: "47% and 48% of the rise in waiting
// for a CPU".
func servedShareText(d *Diagnosis) string {
	var parts []string
	for _, p := range d.Served {
		parts = append(parts, model.FormatPct(p.Share))
	}
	return cpuShareText(d, strings.Join(parts, " and "))
}

// cpuShareText words shares (already formatted) of the run-queue layer's
// change: of the whole rise where the layer carries it, else of the
// layer's own.
func cpuShareText(d *Diagnosis, shares string) string {
	s := shares + " of the " + changeNoun(d)
	if l := d.Layer; l != nil && l.Share < 0.95 {
		s += " in waiting for a CPU"
	}
	return s
}

// changeNoun is "rise" or "fall", as the time changed.
func changeNoun(d *Diagnosis) string {
	if d.Outcome == OutcomeBetter {
		return "fall"
	}
	return "rise"
}

// ownLatency is the latency per request of the device a finding names, the
// tracer's service time where it timed the requests, else /proc/diskstats'
// await; nil when neither is known.
func ownLatency(res *Result, f *DeviceFinding) *Latency {
	if f == nil {
		return nil
	}
	dev := deviceOf(res.Devices, f.Device)
	if dev == nil {
		return nil
	}
	if dev.Service != nil {
		return dev.Service
	}
	return dev.Await
}

// partLine is the evidence line of a layer part added to the lead.
func partLine(p LayerPart, per string) string {
	return fmt.Sprintf("%s: %s → %s per %s, %.0f%% of the change (%s)",
		layerText(p.Key), model.FormatNs(p.A), model.FormatNs(p.B), per, 100*p.Share, changeText(p.Change))
}
