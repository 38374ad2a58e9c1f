package compare

import "math"

// Overlap is what the time the traced threads waited says beside the
// latency of their asynchronous IO, when the verdict is read off the
// latter (Diagnosis.Overlap).
//
// A thread that keeps several IOs in flight (libaio, io_uring) sleeps until
// the first of them completes: its wait ends at the first completion, and
// the others complete while it waits or runs. The time it waits per IO is
// then the IO's latency divided by the IOs that overlap, not the latency
// its IO had, which is what the workload feels. More work at the same
// device queues each IO longer and keeps more in flight, and a device
// slower per IO does the same under a deeper queue: the latency moves and
// the wait per IO need not. When the wait did not change, the latency of
// the device the asynchronous waits were on is the figure to read.
type Overlap struct {
	// WaitA and WaitB are the time the threads waited per unit (the
	// total that did not change), Change its test.
	WaitA  float64 `json:"wait_a_ns"`
	WaitB  float64 `json:"wait_b_ns"`
	Change Change  `json:"change"`
	// ShareA and ShareB are the parts of that time the threads spent
	// waiting for asynchronous IO.
	ShareA float64 `json:"async_share_a"`
	ShareB float64 `json:"async_share_b"`
	// ToReap is set when the figure read is the latency of the threads'
	// own libaio requests to the reap, not the device's (see overlapped).
	ToReap bool `json:"to_reap,omitempty"`
	// InKernel is set when the figure read is the latency of the threads'
	// own io_uring requests, submission to the kernel's completion, not
	// the device's (see overlapped).
	InKernel bool `json:"in_kernel,omitempty"`
	// Against is set when the time waited did change, materially, but
	// the other way from the threads' own requests' latency (see
	// againstLatency).
	Against bool `json:"against,omitempty"`
}

// againstLatency reports whether the time the threads waited per unit (t)
// moved materially the other way from the latency of their own timed
// io_uring or libaio requests, which changed significantly and materially
// itself. A thread that keeps IOs in flight waits per IO the inverse of
// its throughput: given more work, it keeps more in flight, each IO takes
// longer and each wait, ended by the first to complete, is shorter. What
// it felt is each IO's time, so the verdict is read off that (overlapped),
// whatever the waits' own test says.
// own is timedLatency's comparison of that latency.
func (c *comparison) againstLatency(t *Breakdown, own *Latency) bool {
	if t == nil || !t.Change.Tested || !c.material(t.Change.Ratio) {
		return false
	}
	return own != nil && own.Significant && c.material(own.Ratio) && dirOf(own.Delta) != dirOf(t.Change.Delta)
}

// asyncShare is the part of a capture's time in layers that the threads
// spent waiting for asynchronous IO.
func asyncShare(c *Capture) float64 {
	return safeDiv(c.unwoken(ClassBlockIO), c.layerTime())
}

// asyncDevice is the device the threads' waits for asynchronous IO were on
// longest over both captures, "" when the backend named none.
func asyncDevice(a, b *Capture) string {
	best, bestNs := "", 0.0
	for _, c := range []*Capture{a, b} {
		for dev := range c.aioDev {
			named := LayerDevice(layerKey(ClassBlockIO, dev)) != "" // not "" nor model.NotBlockIO
			if ns := a.aioDev[dev] + b.aioDev[dev]; named && (ns > bestNs || ns == bestNs && dev < best) {
				best, bestNs = dev, ns
			}
		}
	}
	return best
}

// overlapped reads the verdict off the latency of the threads'
// asynchronous IO (see Overlap) when the time they waited per unit did not
// change, or changed the other way (againstLatency), and that latency
// changed significantly: their own requests' to
// the reap where only libaio's were timed (what the threads felt of each
// IO, whatever they waited for, as asyncLatency; by MinChange too), else,
// where their waits were mostly for that IO (leadShare or more) in both
// captures, that of the device their waits were on,
// its await (the request's whole time, queue included) or the tracer's
// service time where the await is unknown. Where io_uring's requests were
// timed and the threads' waits were mostly for something else in both
// captures, their own requests' latency in the kernel is read as libaio's
// is (by MinChange too) when the time they waited did not change
// significantly: a thread that keeps its IO in flight while it runs, or is
// paced, hardly waits for it, and still has each IO when the kernel
// completes it, no sooner. The device is then the one their requests spent
// the most time on (blockDevice). The cause is the device's queue
// settings when they changed, the workload (or the memory behind the page
// cache) when the device's load moved with the latency, the device when
// its own latency moved with it, else something that held the IO above
// the device: the layer of the threads' waits that can (heldAbove), or the
// block layer. It reports whether it set a verdict.
func (c *comparison) overlapped(d *Diagnosis, res *Result) bool {
	t := res.Time
	if d.Subject != SubjectThreads || t == nil {
		return false
	}
	own := c.timedLatency(res.Workload)
	sa, sb := asyncShare(c.a), asyncShare(c.b)
	waitedFor := sa >= leadShare && sb >= leadShare
	ownMoved := own != nil && own.Significant && c.material(own.Ratio)
	toReap := c.reapedOnly() && ownMoved
	// io_uring's time starts when the kernel takes each request: a wait
	// in the call that submits it (for a tag, a lock) is not in it, so it
	// is read only where the time waited did not change, and was mostly
	// for something else in both captures: threads that went from waiting
	// for their completions to waiting in the submission moved their IO's
	// time out of what io_uring times.
	inKernel := !c.reapedOnly() && sa < leadShare && sb < leadShare && ownMoved && !t.Change.Significant
	byOwn := toReap || inKernel
	if !byOwn && !waitedFor {
		return false
	}
	name := asyncDevice(c.a, c.b)
	if name == "" && inKernel {
		name = blockDevice(res.Block)
	}
	dev := deviceOf(res.Devices, name)
	if dev == nil {
		return false
	}
	f := finding(dev)
	f.Latency, f.Lat = dev.requestTime()
	lat := f.Lat
	if byOwn {
		lat = own
	}
	// Read as the verdict's figure, the latency must move as far as any
	// total must to matter (Options.MinChange of the smaller side).
	if lat == nil || !lat.Significant || !c.material(lat.Ratio) {
		return false
	}
	// Where the unit is an IO or a call, the latency's change must matter
	// against the time the threads waited per unit, as any change of the
	// total must (Options.MinChange of the smaller side): IO held above
	// the device for milliseconds (a throttle) leaves the workload deaf to
	// a device that went from 0.1 to 0.2 ms.
	if (res.Workload.Per == "IO" || res.Workload.Per == "call") && math.Abs(lat.Delta) < c.opt.MinChange*math.Min(t.A, t.B) {
		return false
	}
	// Where the threads' io_uring or libaio requests were timed, the device's
	// latency stands for what their IO took only if that moved too, the
	// same way. (own is asyncLatency's: the threads waited mostly for
	// asynchronous IO on both sides, checked above.)
	if l := own; l != nil && l.Tested && (!l.Significant || dirOf(l.Delta) != dirOf(lat.Delta)) {
		return false
	}
	dir := dirOf(lat.Delta)
	d.Overlap = &Overlap{WaitA: t.A, WaitB: t.B, Change: t.Change, ShareA: sa, ShareB: sb, ToReap: toReap, InKernel: inKernel,
		Against: c.againstLatency(t, own)}
	d.Subject, d.Per = SubjectAsyncIO, "request"
	d.A, d.B, d.Change = lat.MeanA, lat.MeanB, lat.Change
	d.Outcome = OutcomeWorse
	if dir < 0 {
		d.Outcome = OutcomeBetter
	}
	key := blockPrefix + name
	row := Contribution{Key: key, Class: ClassBlockIO}
	for _, r := range t.Dimensions[0].Rows {
		if r.Key == key {
			row = r
		}
	}
	d.Layer = c.layerShare(row, res)
	// The device's latency is the whole of the change read.
	d.Layer.Share = 1
	d.Match = matchChanges(res.Config, key, dir)
	d.Device = f
	switch g, ok := queueChanged(res, name, dev, f); {
	case ok:
		d.Cause, d.Device = CauseScheduler, g
	case loadMoved(dev, dir):
		d.Cause = CauseWorkload
		d.byCache(dir)
	case !byOwn || f.Lat != nil && f.Lat.Significant && dirOf(f.Lat.Delta) == dir:
		d.Cause = CauseDevice
	default:
		// Their IO took longer while the device did not: it was held
		// above the device, by what the threads' own waits say held
		// them when one such layer moved significantly the same way (a
		// lock io_submit takes), else by the block layer.
		d.Cause = CauseBio
		if r := heldAbove(t, lat.Delta, c.opt.Alpha); r != nil {
			d.Cause, d.Layer = classCause[r.Key], c.layerShare(*r, res)
			if r.Key == LayerCPU {
				d.Cause, d.Holder = CauseCPU, leadHolder(d.Layer)
			}
			d.Layer.Share = 1
			d.Match = matchChanges(res.Config, r.Key, dir)
			d.Site = topSite(res.DTime, r.Key, dir)
		}
	}
	d.Confidence = "medium"
	if lat.P < c.opt.Alpha/10 {
		d.Confidence = "high"
	}
	return true
}

// blockDevice is the device the threads' block requests spent the most
// time on per unit over both captures (queue and device), "" when none.
func blockDevice(b *Breakdown) string {
	if b == nil || len(b.Dimensions) == 0 {
		return ""
	}
	best, bestNs := "", 0.0
	for _, r := range b.Dimensions[0].Rows {
		if ns := r.A + r.B; r.Key != "-" && ns > bestNs {
			best, bestNs = r.Key, ns
		}
	}
	return best
}

// heldAbove returns the layer of the threads' time that can hold their IO
// outside its device and moved in direction dir with a test significant at
// alpha (the largest such move), nil when none did: a lock, a page lock,
// the journal, writeback throttling or memory reclaim, waited on in the
// calls that submit the IO, or the wait for a CPU, which keeps a libaio
// completion from being reaped (its time runs to the reap). Its size is
// not asked to matter on its own: the latency read is the verdict's
// figure, and this says what moved it, so it must come to reachShare of
// that figure's change delta, as a device's latency must to explain a
// layer's.
func heldAbove(t *Breakdown, delta, alpha float64) *Contribution {
	dir := dirOf(delta)
	if len(t.Dimensions) == 0 {
		return nil
	}
	var best *Contribution
	for i := range t.Dimensions[0].Rows {
		r := &t.Dimensions[0].Rows[i]
		if (classCause[r.Key] == "" || r.Key == ClassOther || r.Key == ClassNetwork) && r.Key != LayerCPU || !r.Change.Tested || r.Change.P >= alpha || r.Delta*dir < reachShare*math.Abs(delta) {
			continue
		}
		if best == nil || r.Delta*dir > best.Delta*dir {
			best = r
		}
	}
	return best
}

// Unfelt is set when the time the traced threads waited per unit changed
// significantly, but they were waiting for asynchronous IO (io_uring's,
// libaio's) that took as long
// and they asked for as many IOs a second: what their IO took and how much
// of it they did, the two things a thread that keeps IO in flight feels,
// did not move. A thread waiting for several requests wakes at the first
// to complete, so its waits per unit move with how its completions were
// gathered into waits as well as with what the IO took.
type Unfelt struct {
	// LatA and LatB are the mean latency of their asynchronous requests,
	// submission to completion, Lat its test.
	LatA float64 `json:"lat_a_ns"`
	LatB float64 `json:"lat_b_ns"`
	Lat  Change  `json:"lat_change"`
	// RateA and RateB are the IOs they submitted per second.
	RateA float64 `json:"submits_per_s_a"`
	RateB float64 `json:"submits_per_s_b"`
}

// asyncTimed is the least part of the IOs the threads submitted that must
// be io_uring or libaio requests the tracer timed for their latency to
// stand for their IO's.
const asyncTimed = 0.5

// asyncLatencies is the latency of a capture's io_uring and libaio
// requests of every kind together, per interval: nanoseconds and requests.
func (c *Capture) asyncLatencies() (ns, n []float64) {
	for _, fam := range []int{famURing, famAIO} {
		for _, d := range c.fams[fam] {
			ns, n = addSeries(ns, d.sum), addSeries(n, d.cnt)
		}
	}
	return ns, n
}

// asyncLatency compares the latency of the threads' io_uring and libaio
// requests where both captures timed it for asyncTimed or more of the IOs they
// submitted and their waits were mostly for asynchronous IO (leadShare or
// more in both; see below); nil otherwise.
//
// libaio's latency runs to the reap (io_getevents' return), so it holds
// the time completions waited for a thread busy elsewhere (on a CPU, or
// waiting for one): where only libaio's requests were timed, it stands for
// their IO whatever the threads waited for. io_uring's ends at the kernel's
// completion, which a thread starved of CPU reaps later.
func (c *comparison) asyncLatency(res *Result) *Latency {
	if !c.reapedOnly() && (asyncShare(c.a) < leadShare || asyncShare(c.b) < leadShare) {
		return nil
	}
	return c.timedLatency(res.Workload)
}

// reapedOnly reports whether the only requests timed in either capture are
// libaio's, whose latency runs to the reap (see asyncLatency).
func (c *comparison) reapedOnly() bool {
	return len(c.a.fams[famURing]) == 0 && len(c.b.fams[famURing]) == 0
}

// timedLatency compares the latency of the threads' io_uring and libaio
// requests where both captures timed it for asyncTimed or more of the IOs
// they submitted, whatever they waited for; nil otherwise.
func (c *comparison) timedLatency(w Workload) *Latency {
	if w.SubmitA <= 0 || w.SubmitB <= 0 {
		return nil
	}
	nsA, nA := c.a.asyncLatencies()
	nsB, nB := c.b.asyncLatencies()
	if sum(nA) < asyncTimed*w.SubmitA*w.SecA || sum(nB) < asyncTimed*w.SubmitB*w.SecB {
		return nil
	}
	return c.latencyOver(c.ownFloor(), nsA, nA, nsB, nB, nil, nil)
}

// ownFloor is the least change of the threads' own requests' latency
// that counts: io_uring's where either capture timed its requests, else
// libaio's (the function requestFloor).
func (c *comparison) ownFloor() float64 {
	if c.reapedOnly() {
		return requestFloor(famAIO)
	}
	return requestFloor(famURing)
}

// unfelt returns the Unfelt finding when the threads' asynchronous IO took as
// long (its latency's change tested and not significant) and they
// submitted within Options.MinChange as many IOs a second; nil otherwise.
// Not significant is not as long: with it, the latency's Unsure when its
// interval still reaches a change that matters (Options.MinChange of the
// smaller mean, and ownFloor), the recordings being too short to
// tell what the IO took.
func (c *comparison) unfelt(res *Result) (*Unfelt, *Unsure) {
	l := c.asyncLatency(res)
	if l == nil || !l.Tested || l.Significant {
		return nil, nil
	}
	w := res.Workload
	if c.material(w.SubmitB / w.SubmitA) {
		return nil, nil
	}
	u := unsure(l.Change, l.MeanA, l.MeanB, c.ownFloor(), matter{min: c.opt.MinChange}, l.span, c.opt.Alpha)
	return &Unfelt{LatA: l.MeanA, LatB: l.MeanB, Lat: l.Change, RateA: w.SubmitA, RateB: w.SubmitB}, u
}

// AgainstLatency is why the unit of work of threads that keep IOs in
// flight is the IOs they asked for, not their waits: the time they waited
// per wait (WaitRatio, B over A) and per IO asked for (SubmitRatio) moved
// at least Options.MinChange apart, the latter by that much itself. A
// thread waiting for several IOs wakes at the first to complete, so how
// its completions fall into waits can move against what each took (fewer
// in flight: more waits, each shorter), or less than it (more IOs reaped
// in each wait). What the threads felt decides between the two: their
// IO's latency where it was timed to the reap (libaio's; LatRatio, By
// "latency"), or io_uring's time in the kernel where it moved as far with
// the time per IO asked for (InKernel), else how many IOs they got done
// (RateRatio, By "rate"): per IO asked for where they got fewer done, per
// wait where they got more (more kept in flight, each slower, is more
// asked of the device, which the waits show). Where only the time per wait
// moved that far, the IOs asked for are the unit if neither the latency
// nor the rate moved as far (By "steady"): the waits then moved with how
// the completions were gathered, nothing the threads felt.
type AgainstLatency struct {
	WaitRatio   float64 `json:"per_wait_ratio"`
	SubmitRatio float64 `json:"per_submitted_ratio"`
	LatRatio    float64 `json:"latency_ratio,omitempty"`
	// InKernel: LatRatio is io_uring's, timed in the kernel only.
	InKernel  bool    `json:"latency_in_kernel,omitempty"`
	RateRatio float64 `json:"submit_rate_ratio"`
	By        string  `json:"by"`
}

// latencyUnit returns, per interval, the IOs the threads of both captures
// asked for, to be their unit in place of their waits for block IO (w.Per
// "IO", not Submitted), where the two units move at least
// Options.MinChange apart, the IOs asked for by that much, and what the
// threads felt sides with the IOs asked for (see AgainstLatency). nil
// where the waits stay the unit.
func (c *comparison) latencyUnit(w Workload, denA, denB []float64) (subA, subB []float64, why *AgainstLatency) {
	if w.Per != "IO" || w.Submitted || !c.a.submitsIO() || !c.b.submitsIO() {
		return nil, nil, nil
	}
	subA, subB = submittedIOs(c.a, c.b)
	tA, tB := c.a.layerTime(), c.b.layerTime()
	ratio := func(a, b []float64) float64 { return safeDiv(safeDiv(tB, sum(b)), safeDiv(tA, sum(a))) }
	why = &AgainstLatency{WaitRatio: ratio(denA, denB), SubmitRatio: ratio(subA, subB), RateRatio: safeDiv(w.SubmitB, w.SubmitA)}
	// The IOs asked for must move by MinChange themselves, or the other
	// way from the waits: then one unit reads as better and the other as
	// worse, however far each moved, and what the threads felt decides.
	opposite := dirOf(why.SubmitRatio-1) != dirOf(why.WaitRatio-1)
	if !c.material(why.SubmitRatio / why.WaitRatio) {
		return nil, nil, nil
	}
	// What the threads felt: their timed requests' latency, read once for
	// both tests below (a bootstrap each time it is computed).
	l := c.timedLatency(w)
	if (c.material(why.SubmitRatio) || opposite) && c.sidesWithSubmitted(l, why) {
		return subA, subB, why
	}
	// Only the time per wait moved as far as matters: how the completions
	// fell into waits changed, not the time per IO asked for. That one
	// says what the threads felt where nothing they felt moved either
	// (feltSteady): the unit that moved is then how they waited, not what
	// they got.
	if c.material(why.WaitRatio) && !c.material(why.SubmitRatio) && c.feltSteady(l, why) {
		return subA, subB, why
	}
	return nil, nil, nil
}

// sidesWithSubmitted reports whether what the threads felt moved with the
// time per IO asked for (see AgainstLatency): their libaio IO's latency
// (to the reap, l) the same way, or io_uring's time in the kernel as far
// the same way, else the IOs they got done falling by Options.MinChange.
// l is timedLatency's, nil where not timed. It sets why's LatRatio,
// InKernel and By.
func (c *comparison) sidesWithSubmitted(l *Latency, why *AgainstLatency) bool {
	// The threads need not wait mostly for asynchronous IO on both
	// sides: with fewer requests to go round they wait for one in
	// io_submit instead (D state, for a tag), and it is still their IO.
	if l != nil && l.Significant {
		switch {
		case c.reapedOnly():
			// libaio's latency runs to the reap: it is what they felt.
			why.LatRatio, why.By = l.Ratio, "latency"
			return dirOf(l.Delta) == dirOf(why.SubmitRatio-1)
		case c.material(l.Ratio) && dirOf(l.Delta) == dirOf(why.SubmitRatio-1):
			// io_uring's runs from the kernel's taking the SQE to its
			// completion, a part of each IO's time: moving as far
			// with the IOs asked for, it confirms them (a workload at
			// a set rate gets as many done either way). Against them
			// it says nothing: IO can wait in the ring before it.
			why.LatRatio, why.By, why.InKernel = l.Ratio, "latency", true
			return true
		}
	}
	why.By = "rate"
	return c.material(why.RateRatio) && why.RateRatio < 1
}

// feltSteady reports whether what threads that keep IOs in flight felt
// held within Options.MinChange: the latency of their requests, timed in
// both captures (significant or not, moved less than that, with an
// interval that does not reach it), and the IOs they got done a second.
// l is timedLatency's, nil where not timed. It sets why's LatRatio,
// InKernel and By ("steady").
func (c *comparison) feltSteady(l *Latency, why *AgainstLatency) bool {
	if l == nil || !l.Tested || c.material(why.RateRatio) {
		return false
	}
	if l.Significant && c.material(l.Ratio) {
		return false
	}
	if u := unsure(l.Change, l.MeanA, l.MeanB, c.ownFloor(), matter{min: c.opt.MinChange}, l.span, c.opt.Alpha); u != nil {
		return false // too short to say it held
	}
	why.LatRatio, why.InKernel, why.By = l.Ratio, !c.reapedOnly(), "steady"
	return true
}

// material reports whether a ratio B/A moved by Options.MinChange or more
// either way; a ratio of 0 (unknown) did not.
func (c *comparison) material(r float64) bool {
	return r > 0 && math.Abs(math.Log(r)) >= math.Log1p(c.opt.MinChange)
}

// layerTime is the capture's time in layers: what the threads waited.
func (c *Capture) layerTime() float64 {
	var t float64
	for _, d := range c.fams[famLayer] {
		t += sum(d.sum)
	}
	return t
}
