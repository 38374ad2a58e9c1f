package compare

import (
	"cmp"
	"math"
	"slices"
	"strings"

	"github.com/nfstrace/nfstrace/internal/model"
)

// Diagnosis is the verdict as data: what moved, which layer carries it, why
// that layer moved, and which configuration change can explain it. It is
// read off the comparison by diagnose, which makes every decision and writes
// no prose; the words are the renderer's (verdict.go).
type Diagnosis struct {
	Outcome string `json:"outcome"` // Outcome* below
	// Subject says whose time: SubjectNFS (nfsd request latency),
	// SubjectThreads (time the traced threads spent not running) or
	// SubjectAsyncIO (the latency of their asynchronous IO; see Overlap).
	Subject string  `json:"subject"`
	Per     string  `json:"per"` // "op", "call", "IO", "CPU-s" or "s", as Workload.Per
	A       float64 `json:"a"`   // time per unit
	B       float64 `json:"b"`
	Change  Change  `json:"change"`
	// Intervals are the two captures' interval counts; NeedIntervals the
	// fewest a test needs. Worked are, for OutcomeTooShort without
	// Carriers, the intervals of each capture in which the time users
	// feel has data, from the first to the last (see span): fewer than
	// Intervals when the work started late or ended early.
	Intervals     [2]int `json:"intervals"`
	NeedIntervals int    `json:"need_intervals"`
	Worked        [2]int `json:"worked_intervals,omitzero"`
	// Carriers is set when the captures have intervals enough but the
	// change sits in too few of them: for OutcomeTooShort, with
	// NeedSeconds the length of work a capture would need to hold enough
	// such blocks at the rate this one did; for OutcomeWorse or
	// OutcomeBetter, with Borne, the test over every block that bears the
	// change out.
	Carriers    *Carriers `json:"carriers,omitempty"`
	NeedSeconds float64   `json:"need_seconds,omitempty"`
	// Unsure is set, for OutcomeTooShort, when the change was tested and
	// is not significant but its interval still reaches a change that
	// matters: with NeedSeconds, about the time that would tell.
	Unsure *Unsure `json:"unsure,omitempty"`
	Borne  *Borne  `json:"borne,omitempty"`
	// Layer is the layer that carries the change, nil when none does alone.
	Layer *LayerShare `json:"layer,omitempty"`
	// Cause is why that layer moved (Cause* below), "" when no layer leads.
	Cause string `json:"cause,omitempty"`
	// Device backs a cause found on a block device.
	Device *DeviceFinding `json:"device,omitempty"`
	// Site is the wait site inside the layer that moved most.
	Site *Contribution `json:"site,omitempty"`
	// Also is the layer's next wait site when it moved the same way by
	// minLeadShare of the layer's change or more: a change Site does not
	// carry alone (a lock's readers and writers, two sites apart).
	Also *Contribution `json:"also_site,omitempty"`
	// Owner is, for a lock layer, the task that held the lock for most of
	// B's lock-wait time; Waker, for a layer of waits that others end,
	// who ended most of them in B.
	Owner *LockOwner  `json:"owner,omitempty"`
	Waker *WakerShare `json:"waker,omitempty"`
	// Held is set when the layer leads with a lock layer whose owners
	// waited in it while they held the lock (see heldIn): the lock's
	// change is the layer's, one step up the chain.
	Held *HeldLock `json:"held_lock,omitempty"`
	// Queued is set when the layer leads with the wait for a free nfsd
	// thread that the threads' longer service in it made (see
	// queuedBehind): the queue's change is the layer's, one step up.
	Queued *QueuedBehind `json:"queued_behind,omitempty"`
	// Woke is, for a run-queue layer whose change more waits after
	// wakeups carry, the layer the threads woke from: its waits per unit
	// moved the same way by half as many or more (countLeads), so the new
	// waits for a CPU can be the ends of new sleeps there. The cause,
	// Device, Site, Match, Owner and Waker are then that layer's: the
	// threads slept more, and woke to a busy CPU.
	Woke *LayerShare `json:"woke_from,omitempty"`
	// Holder is, for the run-queue layer, who had the CPU in the part of
	// the layer's change that carries at least leadShare of it: the task
	// the threads waited behind.
	Holder *HeldPart `json:"holder,omitempty"`
	// Served is, for the run-queue layer, the workload's own side of the
	// CPU when no one holder carries leadShare of the layer's change but
	// the traced threads and the kernel's work together do (see
	// servedLoad), in that order: the threads waited behind each other and
	// behind the work that serves their IO.
	Served []HeldPart `json:"served_by,omitempty"`
	// Threads is, for the queue layer, how busy the nfsd threads were and
	// how often a request found none idle, in A and B.
	Threads *ThreadShift `json:"threads,omitempty"`
	// Pooled is set, with OutcomeWorse and CauseQueue, when the time
	// nfsd measured per operation did not change but fewer operations
	// reached it (Reached) after a change that cut its thread pool, whose
	// wait rose (Aside), and most requests in B found no idle thread: the
	// clients waited for a thread, most of it before nfsd counted the
	// request (see pooled).
	Pooled bool `json:"pooled,omitempty"`
	// Client is the NFS client behind most of the D-time change, when
	// the captures know several.
	Client *Contribution `json:"client,omitempty"`
	// Comparable is Workload.Comparable: a verdict on different loads is
	// read with care.
	Comparable bool `json:"comparable"`
	// Aside is, when the time users feel did not change, a layer that did
	// change significantly where a configuration change can move it (or a
	// device whose IO scheduler changed and whose latency moved): a real
	// effect too small to reach the users' time. AsideMatch and
	// AsideDevice back it.
	Aside       *LayerShare    `json:"aside,omitempty"`
	AsideMatch  Match          `json:"aside_match"`
	AsideDevice *DeviceFinding `json:"aside_device,omitempty"`
	// Match is the configuration changes that can move the layer.
	Match Match `json:"match"`
	// Memory is, for CauseCache, the memory sizes that moved against the
	// layer: the changes the cause names (they lead Match.Changes).
	Memory []ConfigChange `json:"memory,omitempty"`
	// Overlap is set when the verdict is read off the latency of the
	// traced threads' asynchronous IO (SubjectAsyncIO): the time they
	// waited did not change, and it is not what their IO took.
	Overlap *Overlap `json:"overlap,omitempty"`
	// Unfelt is set, with OutcomeNoChange, when the time they waited per
	// unit changed but their asynchronous IO took as long and they did as
	// much of it.
	Unfelt *Unfelt `json:"unfelt,omitempty"`
	// Reached is set, with OutcomeNoChange per NFS operation, when fewer
	// operations a second reached nfsd, by Options.MinChange and
	// significantly, while each took no longer (see reached).
	Reached *Reached `json:"reached,omitempty"`
	// Converged is set, with OutcomeWorse and CauseLock, when the time
	// nfsd measured per operation did not rise but fewer operations
	// reached it (Reached) while they gathered on one file: its clients
	// waited for each other before nfsd (see oneFile and gatheredFall).
	Converged *Converged `json:"converged,omitempty"`
	// Demand is set, with CauseWorkload, when more operations a second
	// reached nfsd while each took longer (or fewer, each shorter), and
	// no configuration change acts on the leading layer: the clients
	// asked for more (less), whatever layer their queueing showed in.
	Demand *Demand `json:"demand,omitempty"`
	// WorkOf is, for a run-queue layer whose change is longer (or
	// shorter) running per unit, the layer whose configuration moved that
	// CPU work (ClassReclaim: less memory), "" when none did; Match is
	// then that layer's.
	WorkOf string `json:"work_of,omitempty"`
	// KernelWork is, for a run-queue layer whose change kernel threads
	// led, the layer whose work they do for the traced threads' pages
	// (see kernelWork) when a configuration change moved that work;
	// Match is then that layer's.
	KernelWork string `json:"kernel_work,omitempty"`
	// DeviceWork is, where kernel threads led a run-queue layer's change,
	// the first of their tasks carrying minLeadShare of it that is a block
	// device's own (its workqueue, named by the device), when a
	// configuration change acts directly on that device's IO (see
	// byDeviceWorkers); Device and Match are then the device's.
	DeviceWork *HolderName `json:"device_work,omitempty"`
	// Work is set when a run-queue layer's change is the threads waiting
	// behind each other (the traced threads held the CPU) while the
	// kernel's work in each of their calls moved loadRatio or more with
	// it and carried their CPU time's change: their own calls grew, and
	// the configuration changes that lead are those that can move the
	// kernel's work in them (LayerWork).
	Work *OwnWork `json:"own_work,omitempty"`
	// Crowd is set when such a layer's change came with loadRatio times
	// the traced threads running (or 1/loadRatio): more of the workload's
	// threads shared the CPUs, and the workload is the cause.
	Crowd *Crowd `json:"crowd,omitempty"`
	// Workers is set, with Crowd and CauseCache, when io_uring's workers
	// carried the crowd's change and the memory the page cache can use
	// moved against it (see byWorkers): io_uring's workers running per
	// interval, over the same intervals as Crowd.
	Workers *Crowd `json:"uring_workers,omitempty"`
	// Busier is set when, instead, as many threads asked for loadRatio
	// times the work a second (or 1/loadRatio) and ran as much more: the
	// same threads were busier on the same CPUs, and the workload is the
	// cause.
	Busier *Busier `json:"busier,omitempty"`
	// Stuck is set when the traced threads were stuck in D in one
	// capture only (see stuckIn): the verdict is read off those waits,
	// which no figure holds, and Cause and Match are their class's.
	Stuck      *Stuck `json:"stuck,omitempty"`
	Confidence string `json:"confidence,omitempty"` // "high", "medium", "low"
}

// Crowd is the traced threads that ran in an interval, on average over the
// intervals where any did, in A and B; with Waiting, those that waited for
// IO on one device instead (see crowded).
type Crowd struct {
	A       float64 `json:"a"`
	B       float64 `json:"b"`
	Waiting bool    `json:"waiting,omitempty"`
}

// crowd returns the traced threads running per interval when their number
// moved by loadRatio in direction dir: more threads of the workload sharing
// the same CPUs wait behind each other longer (fewer, shorter), and the
// workload is the cause. nil when it did not move so, or a capture does not
// count them.
func (c *comparison) crowd(dir float64) *Crowd {
	return moved(&Crowd{A: busyMean(c.a.running), B: busyMean(c.b.running)}, dir)
}

// byWorkers takes a crowd's cause one step up the chain when io_uring's
// workers carried leadShare or more of its change: the workload did not
// run more threads, the kernel started them for its IO that could not
// complete at once. Buffered IO blocks when its pages are not in the page
// cache, so where the memory the cache can use moved against the change
// (less of it for a rise), the memory is the cause (CauseCache) and its
// changes lead. Where it did not, the crowd stays the workload's: what
// else makes IO block more often (a slower device, more of it) is not
// told apart here.
func (c *comparison) byWorkers(d *Diagnosis, res *Result, dir float64) {
	n := d.Crowd
	w := &Crowd{A: meanWhere(c.a.workers, c.a.running), B: meanWhere(c.b.workers, c.b.running)}
	if (w.B-w.A)*dir < leadShare*(n.B-n.A)*dir || !memoryMoved(res.Config, dir) {
		return
	}
	d.Cause, d.Workers = CauseCache, w
	d.Memory = memoryChanges(res.Config)
	d.Match = Match{Kind: MatchDirect, Changes: d.Memory}
}

// meanWhere is the mean of s over the intervals where by is above 0 (the
// intervals busyMean(by) averages over).
func meanWhere(s, by []float64) float64 {
	var n, k float64
	for i, v := range by {
		if v > 0 {
			n += at(s, i)
			k++
		}
	}
	return safeDiv(n, k)
}

// moved returns cr when its counts moved by loadRatio in direction dir,
// nil otherwise or when a side did not count them.
func moved(cr *Crowd, dir float64) *Crowd {
	if cr.A <= 0 || cr.B <= 0 || !ratioMoved(cr.B/cr.A, dir) {
		return nil
	}
	return cr
}

// busyMean is the mean of a series over its intervals above 0.
func busyMean(s []float64) float64 {
	var n, k float64
	for _, v := range s {
		if v > 0 {
			n += v
			k++
		}
	}
	return safeDiv(n, k)
}

// Busier is the traced threads' CPU time a second in A and B; their units
// of work a second are the workload's (Workload.RateA, RateB).
type Busier struct {
	CPUA float64 `json:"cpu_per_s_a"`
	CPUB float64 `json:"cpu_per_s_b"`
}

// busier returns the threads' work and CPU time a second when both moved
// by loadRatio in direction dir: threads that ask for more work a second
// and run as much more keep their CPUs busier and wait behind each other
// longer (less, shorter), whatever each unit costs. nil when either did
// not move so, or the unit is not a count of work (seconds, or CPU time,
// which would test the CPU time against itself).
func (c *comparison) busier(w Workload, dir float64) *Busier {
	if w.Per == "s" || w.Per == "CPU-s" {
		return nil
	}
	b := &Busier{CPUA: safeDiv(sum(c.a.onCPU), c.a.Seconds()), CPUB: safeDiv(sum(c.b.onCPU), c.b.Seconds())}
	if w.RateA <= 0 || w.RateB <= 0 || b.CPUA <= 0 || b.CPUB <= 0 {
		return nil
	}
	if !ratioMoved(w.RateB/w.RateA, dir) || !ratioMoved(b.CPUB/b.CPUA, dir) {
		return nil
	}
	return b
}

// OwnWork is the traced threads' time on a CPU per unit in A and B, and its
// part in the kernel.
type OwnWork struct {
	RanA    float64 `json:"ran_a_ns"`
	RanB    float64 `json:"ran_b_ns"`
	KernelA float64 `json:"kernel_a_ns"`
	KernelB float64 `json:"kernel_b_ns"`
}

// ownWork returns the threads' CPU time per unit when it moved in
// direction dir and its kernel part moved materially (by Options.MinChange,
// what any total must move by to matter) that way and carried leadShare or
// more of that change: the kernel did more (or less) in each call, not the
// program between its calls. nil when the captures do not split the time
// by mode, or it did not move so.
func (c *comparison) ownWork(t *Breakdown, dir float64) *OwnWork {
	if !kernelCarries(t, dir) {
		return nil
	}
	if r := t.KernelB / t.KernelA; !c.material(r) || dirOf(r-1) != dir {
		return nil
	}
	return &OwnWork{RanA: t.RanA, RanB: t.RanB, KernelA: t.KernelA, KernelB: t.KernelB}
}

// kernelCarries reports whether the threads' CPU time per unit moved in
// direction dir and its kernel part carried leadShare or more of that
// change: the kernel did more (or less) in each call, not the program
// between its calls. False where the captures do not split the time by
// mode.
func kernelCarries(t *Breakdown, dir float64) bool {
	if t == nil || t.KernelA <= 0 || t.KernelB <= 0 {
		return false
	}
	return (t.RanB-t.RanA)*dir > 0 && (t.KernelB-t.KernelA)*dir >= leadShare*(t.RanB-t.RanA)*dir
}

// byOwnWork takes the cause of the threads' waits behind each other's
// longer calls one step up the chain, to what can move the kernel's work
// in those calls: less memory (reclaim runs in the calls that need it),
// tighter dirty limits (enforced in the writers' own calls), then
// the device their IO goes to (its submission runs in the calls): its
// queue settings (the scheduler's work is done there), else what lies
// below it; the kernel and its command line can move any of it. Where no
// such change was made the cause stays the CPU, and a change that can
// move the waits for a CPU themselves (d.Match, set for the layer) leads.
func (c *comparison) byOwnWork(d *Diagnosis, res *Result, w *OwnWork, dir float64) {
	m := matchChanges(res.Config, LayerWork, dir)
	if m.Kind != MatchDirect && d.Match.Kind == MatchDirect {
		// A change that moves the waits for a CPU themselves (a quota,
		// the CPUs) leads where none can move the kernel's work.
		return
	}
	d.Work = w
	d.Match = m
	if d.Match.Kind != MatchDirect {
		return
	}
	if memoryMoved(d.Match.Changes, dir) {
		d.Cause, d.WorkOf = CauseReclaim, ClassReclaim
		d.Memory = memoryChanges(d.Match.Changes)
		return
	}
	if slices.ContainsFunc(d.Match.Changes, dirtyLimit) {
		d.Cause, d.WorkOf = CauseWriteback, ClassWriteback
		return
	}
	for _, ch := range d.Match.Changes {
		word, dev, _ := strings.Cut(ch.Item, " ")
		l := deviceOf(res.Devices, dev)
		if l == nil {
			continue
		}
		// The IO scheduler's work (bfq's above all) runs where the IO
		// is submitted: in the calls.
		if g, ok := queueChanged(res, dev, l, finding(l)); ok {
			d.Cause, d.Device = CauseScheduler, g
			d.Device.Via = LayerWork
			return
		}
		if word == "rotational" || word == "device" {
			d.Cause, d.Device = CauseDevice, finding(l)
			d.Device.Via = LayerWork
			return
		}
	}
}

// Outcomes of a comparison.
const (
	OutcomeWorse       = "worse"
	OutcomeBetter      = "better"
	OutcomeNoChange    = "no change"       // the time did not change significantly and materially
	OutcomeTooShort    = "too short"       // a capture has too few intervals to test, the change sits in too few, or its interval holds both no change and one that matters
	OutcomeSameCapture = "same capture"    // A and B hold the same data
	OutcomeNoData      = "no wait data"    // neither capture measured the time users feel
	SubjectNFS         = "nfs requests"    // nfsd request latency per operation
	SubjectThreads     = "traced threads"  // D-state and run-queue time of the traced threads
	SubjectAsyncIO     = "asynchronous IO" // latency per request of the traced threads' asynchronous IO
)

// Causes: why the leading layer moved.
const (
	CauseDevice    = "device"    // the device served each request slower (or faster) at the same load
	CauseScheduler = "scheduler" // the device's IO scheduler changed
	CauseBio       = "bio"       // each wait for IO grew but the device did not: IO held above it
	CauseWorkload  = "workload"  // more IO per unit of work, or a device slower because it was given more work
	CauseWriteback = "writeback" // writeback throttling
	CauseJournal   = "journal"
	CauseLock      = "lock"
	CausePageLock  = "page lock"
	CauseReclaim   = "reclaim"
	// CauseCache: a device given more (or less) IO after the memory the
	// page cache can hold shrank (or grew): more reads missed the cache,
	// or dirty pages were written back sooner.
	CauseCache   = "cache"
	CauseNetwork = "network"
	CauseOther   = "other"   // another kernel code path
	CauseCPU     = "cpu"     // waiting for a CPU
	CauseQueue   = "queue"   // waiting for a free nfsd thread
	CauseRequest = "request" // request time outside the measured layers
)

// LayerShare is the leading layer and its part of the change.
type LayerShare struct {
	Key    string  `json:"key"`
	Kind   string  `json:"kind"`
	Device string  `json:"device,omitempty"`
	A      float64 `json:"a"`
	B      float64 `json:"b"`
	Share  float64 `json:"share"`
	Change Change  `json:"change"`
	// WaitsA and WaitsB are the layer's waits per unit, WaitA and WaitB
	// the mean wait: the layer's time is their product.
	WaitsA float64 `json:"waits_a"`
	WaitsB float64 `json:"waits_b"`
	WaitA  float64 `json:"wait_a_ns"`
	WaitB  float64 `json:"wait_b_ns"`
	// CountShare is the part of the layer's change that more (or fewer)
	// waits per unit at A's mean wait account for; the rest is longer (or
	// shorter) waits.
	CountShare float64 `json:"count_share"`
	// PreemptsA and PreemptsB are, for the run-queue layer when both
	// captures tell (Preempts), its waits per unit that began with a
	// preemption (or a CPU quota's throttling): the CPU taken from the
	// threads. The rest began at wakeups that found the CPU busy.
	Preempts  bool    `json:"preempts_known,omitempty"`
	PreemptsA float64 `json:"preempts_a,omitempty"`
	PreemptsB float64 `json:"preempts_b,omitempty"`
	// PreemptShare is the part of the layer's change that more (or
	// fewer) preemptions per unit, at A's mean preempted wait, account for.
	PreemptShare float64 `json:"preempt_share,omitempty"`
	// RanA and RanB are the threads' time on a CPU per unit, where both
	// captures measured it. RunShare is the part of PreemptShare that
	// longer (or shorter) running per unit accounts for at A's rate of
	// preemption per second run: a thread is preempted in proportion to
	// its running (each time slice that ends with others runnable, each
	// quota period used up), so more preemptions per unit at the same rate
	// per second run are more CPU work per unit, not more competition for
	// the CPU.
	RanA     float64 `json:"ran_a_ns,omitempty"`
	RanB     float64 `json:"ran_b_ns,omitempty"`
	RunShare float64 `json:"run_share,omitempty"`
	// Held is, for the run-queue layer when both captures tell, its time
	// per unit by who had the CPU when each wait ended, the part that
	// carries most of the change first.
	Held []HeldPart `json:"held_by,omitempty"`
	// WaitsFrom names the block device whose waits in A WaitsA and WaitA
	// are, when A's threads did not wait on the layer's device and are
	// compared on the one they waited on most ("" when they are the
	// layer's own).
	WaitsFrom string `json:"waits_from,omitempty"`
}

// HeldPart is the run-queue time per unit the threads spent behind one kind
// of CPU holder (a key of model.HeldBy), and its part of the layer's
// change.
type HeldPart struct {
	Holder string  `json:"holder"`
	A      float64 `json:"a"`
	B      float64 `json:"b"`
	Share  float64 `json:"share"`
	// Names splits a part of kernel threads or other processes by the
	// tasks that held the CPU (model.CPUHolder), those that carry the
	// change its way first, at most maxHolderNames; nil where the
	// captures do not name them.
	Names []HolderName `json:"names,omitempty"`
}

// HolderName is the run-queue time per unit behind one task that held the
// threads' CPU, and its part of the layer's change, as HeldPart's.
type HolderName struct {
	Name string `json:"name"`
	// Work: Name is what a workqueue worker's last work said it did
	// (its workqueue, "loop1"), not the worker's command name.
	Work  bool    `json:"work,omitempty"`
	A     float64 `json:"a"`
	B     float64 `json:"b"`
	Share float64 `json:"share"`
}

// maxHolderNames bounds the tasks a HeldPart names.
const maxHolderNames = 3

// DeviceFinding is what a device's own figures say about a block-IO layer.
type DeviceFinding struct {
	Device     string `json:"device"`
	SchedulerA string `json:"scheduler_a,omitempty"`
	SchedulerB string `json:"scheduler_b,omitempty"`
	Latency    string `json:"latency"` // "service", "queue" or "await": the figure below
	// Lat is the device's latency change that explains the layer's. Its
	// Outcome is judged against the layer (see explainer): significant
	// when it explains it, even under the device's own floor, which the
	// device table keeps.
	Lat    *Latency `json:"lat,omitempty"`
	RateA  float64  `json:"rate_a"` // requests per second
	RateB  float64  `json:"rate_b"`
	BytesA float64  `json:"bytes_per_s_a,omitempty"` // bytes per second
	BytesB float64  `json:"bytes_per_s_b,omitempty"`
	// Stacked: the device is not the one the threads' requests went to but
	// one whose /proc/diskstats latency moved with the layer (a bio-based
	// device such as dm or md above it).
	Stacked bool `json:"stacked,omitempty"`
	// From is the device A's threads waited on when the IO moved to
	// another device: Lat then compares From in A with Device in B.
	From string `json:"from,omitempty"`
	// Queue is the configuration item of the device's queue that changed
	// ("scheduler loop0", "nr_requests loop0") when that is the cause.
	Queue string `json:"queue,omitempty"`
	// Via is the layer through which the device's time reached the
	// threads, when they waited for another thread's IO (a journal
	// commit, writeback); "" when they waited for their own.
	Via string `json:"via,omitempty"`
	// Crowd is the traced threads on a CPU per interval, when more of
	// them (fewer, for a fall) gave the device its work and its load
	// could not show it (see crowded).
	Crowd *Crowd `json:"crowd,omitempty"`
	// Slot: the layer's waits were on no device, and most of them for a
	// request slot of this one (a tag, or room under its writeback
	// throttle), which its requests in flight hold (see slotWaits): the
	// device the tracer could not name.
	Slot bool `json:"request_slot,omitempty"`
	// Queued is set when the device's await carried the layer's change
	// while its own time per request did not (see queuedAhead): the
	// requests in flight on it, by Little's law.
	Queued *InFlight `json:"queued,omitempty"`
}

// InFlight is a device's mean requests in flight in A and B: its
// requests a second times its await (Little's law), the time each spent
// queued for it and on it.
type InFlight struct {
	A float64 `json:"a"`
	B float64 `json:"b"`
}

// Thresholds of the diagnosis. Each is a property of the causal step it
// guards, not of a recording.
const (
	// minIntervals is the fewest intervals a capture needs for the
	// block bootstrap: with fewer, the resamples cannot show the spread
	// between intervals, and two recordings of one load differ
	// "significantly" by chance.
	minIntervals = 10
	// leadShare is the smallest share of the change a layer must carry to
	// lead without a significant change of its own; a layer whose own
	// change is significant leads from minLeadShare.
	leadShare    = 0.5
	minLeadShare = 0.25
	// countLeads: when more waits per unit at the old mean wait account
	// for at least this share of a block or run-queue layer's change, the
	// work changed (more IOs, more sleeps and wakeups per unit), not the
	// time each wait took. Half is where the count carries more of the
	// change than the length of each wait; it was set for block IO and is
	// the same for the run queue, not fitted to it.
	countLeads = 0.5
	// loadRatio is the device load change (bytes or requests per second,
	// either way; see loadMoved) beyond which a latency change moving with
	// it is the load's doing.
	loadRatio = 1.5
	// reachShare is the least part of a layer's change a device's latency
	// change, times its requests per unit, must come to for the device to
	// explain it.
	reachShare = 0.25
)

func (c *comparison) diagnose(res *Result) Diagnosis {
	d := Diagnosis{
		Per:           res.Workload.Per,
		Intervals:     [2]int{c.a.Snapshots, c.b.Snapshots},
		NeedIntervals: minIntervals,
		Subject:       SubjectThreads,
		Outcome:       OutcomeNoChange,
		Comparable:    res.Workload.Comparable,
	}
	if c.hasRequests() {
		d.Subject = SubjectNFS
	}
	t := res.Time
	if t != nil {
		d.A, d.B, d.Change = t.A, t.B, t.Change
	}
	d.Match = matchChanges(res.Config, "", 0)
	switch {
	case c.a.digest == c.b.digest && c.a.Snapshots == c.b.Snapshots:
		d.Outcome = OutcomeSameCapture
		return d
	case c.stuckIn(&d, res):
		return d
	case t == nil:
		d.Outcome = OutcomeNoData
		return d
	case !t.Change.Tested:
		d.Outcome, d.Worked = OutcomeTooShort, t.Intervals
		return d
	case d.Subject == SubjectThreads && c.againstLatency(t, c.timedLatency(res.Workload)) && c.overlapped(&d, res):
		// Their IO took longer while they waited less per unit, or the
		// other way round: what each IO took is what they felt.
		return d
	case !t.Change.Significant && t.Carriers != nil:
		c.aside(&d, res)
		if d.Borne = c.bearsOut(&d, t); d.Borne == nil {
			d.Outcome, d.Carriers = OutcomeTooShort, t.Carriers
			d.NeedSeconds = math.Ceil(t.Carriers.Seconds * float64(t.Carriers.Need) / float64(t.Carriers.Blocks))
			c.pool(&d, t)
			return d
		}
		d.Carriers, d.Aside, d.AsideMatch, d.AsideDevice = t.Carriers, nil, Match{}, nil
	case !t.Change.Significant:
		if c.overlapped(&d, res) || c.askedMore(&d, res, t) {
			return d
		}
		c.aside(&d, res)
		if u := t.Unsure; u != nil {
			d.Outcome, d.Unsure, d.NeedSeconds = OutcomeTooShort, u, u.NeedSeconds
		}
		c.pool(&d, t)
		return d
	}
	if d.Subject == SubjectThreads {
		if u, un := c.unfelt(res); un != nil {
			// What their IO took may have moved as much as
			// matters: the verdict reads that figure, too short.
			// The waits' own few carrying blocks (Carriers) are
			// not that figure's.
			d.Subject, d.Per, d.A, d.B, d.Change = SubjectAsyncIO, "request", u.LatA, u.LatB, u.Lat
			d.Outcome, d.Unsure, d.NeedSeconds = OutcomeTooShort, un, un.NeedSeconds
			d.Carriers, d.Borne = nil, nil
			return d
		} else if u != nil {
			d.Unfelt = u
			return d
		}
	}
	c.readChange(&d, res, t)
	return d
}

// readChange reads the change of the time users feel, t, off its layers:
// the layer that carries it, what moved that layer, and the configuration
// change that can move it.
func (c *comparison) readChange(d *Diagnosis, res *Result, t *Breakdown) {
	dir := 1.0
	d.Outcome = OutcomeWorse
	if t.Change.Delta < 0 {
		dir, d.Outcome = -1, OutcomeBetter
	}
	rows := t.Dimensions[0].Rows
	if len(rows) == 0 || rows[0].Delta*dir <= 0 {
		c.byDemand(d, res, dir)
		return
	}
	top, lead := rows[0], rows[0].Share
	if h, r := c.heldIn(res, rows, dir); h != nil {
		top, lead, d.Held = r, r.Share+h.Share, h
	} else if q, r := c.queuedBehind(res, rows, dir); q != nil {
		top, lead, d.Queued = r, r.Share+q.Share, q
	}
	if !(top.Significant && lead >= minLeadShare) && lead < leadShare {
		d.Confidence = "low"
		d.Held, d.Queued = nil, nil
		c.byDemand(d, res, dir)
		return
	}
	d.Layer = c.layerShare(top, res)
	d.Match = matchChanges(res.Config, top.Key, dir)
	d.Site = topSite(res.DTime, top.Key, dir)
	d.Also = alsoSite(res.DTime, top.Key, d.Site, d.Layer.B-d.Layer.A)
	d.Client = topClient(res.DTime, dir)
	switch d.Layer.Kind {
	case LayerCPU:
		d.Cause = cpuCause(d.Layer)
		d.Holder = leadHolder(d.Layer)
		if d.byKernelWork(res, dir) {
			// Behind whom comes before how the waits grew: more
			// preemptions by the flushers are their work, not the
			// threads running longer of their own.
			break
		}
		if d.byDeviceWorkers(res, dir) {
			break
		}
		if f, served := c.servedLoad(res, d.Layer, d.Holder, dir); d.Cause == CauseCPU && f != nil {
			d.Cause, d.Device, d.Served = CauseWorkload, f, served
			break
		}
		if h := d.Holder; d.Cause == CauseCPU && h != nil && h.Holder == model.HeldTraced {
			if n := c.crowd(dir); n != nil {
				d.Cause, d.Crowd = CauseWorkload, n
				c.byWorkers(d, res, dir)
			} else if w := c.ownWork(t, dir); w != nil {
				c.byOwnWork(d, res, w, dir)
			} else if b := c.busier(res.Workload, dir); b != nil {
				d.Cause, d.Busier = CauseWorkload, b
			} else if o := c.stretchedBy(d.Layer); o != nil {
				d.Holder = o
			}
			break
		}
		if d.Cause != CauseWorkload {
			break
		}
		if d.Layer.ranLonger() {
			d.byCallWork(res, dir)
			break
		}
		if w := c.wokeFrom(res, rows, d.Layer, dir); w != nil {
			d.Woke = w
			d.Match = matchChanges(res.Config, w.Key, dir)
			d.Site = topSite(res.DTime, w.Key, dir)
			c.sleepCause(d, res, w, dir)
		}
	case LayerQueue:
		d.Cause = CauseQueue
		d.Threads = threadShift(&c.a.threads, &c.b.threads)
	case LayerRest:
		d.Cause = CauseRequest
	default:
		c.sleepCause(d, res, d.Layer, dir)
	}
	c.byDemand(d, res, dir)
	if dm := d.Demand; dm != nil && dir < 0 {
		// Fewer operations, each faster, gathered on one file: the
		// clients did not ask for less, they took turns at the file.
		if g := c.gatheredFall(d, &dm.Reached); g != nil {
			*d = *g
			return
		}
	}
	d.Confidence = "low"
	switch {
	case top.Significant && lead >= leadShare && t.Change.P < c.opt.Alpha/10:
		d.Confidence = "high"
	case top.Significant:
		d.Confidence = "medium"
	}
}

// askedMore reads a time per NFS operation that rose significantly, but
// by less than matters alone (TestSmall, under Options.MinChange of the
// smaller side's time), as worse when the clients asked for more: when
// the rate operations reached nfsd at rose with it (see demand,
// byDemand). The same server does more a second only when asked for
// more, and serving each slower while it did, it held more requests at
// once by the product of the two (Little's law), which matters however
// small each operation's part. A rise under the least change per
// operation that matters (SmallFloor) is each served as fast: more work
// done, not worse. It reports whether it read d so.
func (c *comparison) askedMore(d *Diagnosis, res *Result, t *Breakdown) bool {
	if d.Subject != SubjectNFS || t.Change.Outcome != TestSmall || t.Small != SmallShare || t.Change.Delta <= 0 {
		return false
	}
	e := *d
	c.readChange(&e, res, t)
	if e.Demand == nil || e.Outcome != OutcomeWorse {
		return false
	}
	if e.Confidence == "high" {
		// The time itself moved too little to read with confidence.
		e.Confidence = "medium"
	}
	*d = e
	return true
}

// byDemand reads the change in direction dir as the clients' demand when
// the rate operations reached nfsd at moved with it (see demand) and no
// configuration change acts directly on the layer that carries it. The
// demand comes before the layer it queued in: the same server does more
// a second only when asked for more, and it does so whether one layer
// carries the rise or it is spread over several.
func (c *comparison) byDemand(d *Diagnosis, res *Result, dir float64) {
	if d.Cause == CauseWorkload || d.Match.Kind == MatchDirect {
		return
	}
	if dm := c.demand(res.Workload, dir); dm != nil {
		dm.Over, d.Cause, d.Demand = d.Cause, CauseWorkload, dm
	}
}

// pool tries the pool's reading (poolReading) where nfsd's own time per
// operation t did not change significantly and did not rise.
func (c *comparison) pool(d *Diagnosis, t *Breakdown) {
	if d.Subject == SubjectNFS && d.Per == "op" &&
		(t.Change.Delta <= 0 || t.Change.Outcome == TestNotSignificant) {
		c.poolReading(d, c.reached())
	}
}

// poolReading gives d the rate operations reached nfsd at (r, nil when it
// did not fall) and tries the pool's reading of it (pooled). That reading
// stands on the rate and the wait for a thread, not on nfsd's own time
// per operation: it holds whether that time held or could not be told
// (its interval too wide, or its change in too few blocks), and replaces
// the latter's "too short". A time too short to tell keeps its own
// reading otherwise, without the rate.
func (c *comparison) poolReading(d *Diagnosis, r *Reached) {
	d.Reached = r
	switch {
	case c.pooled(d), c.oneFile(d):
		d.Unsure, d.Carriers, d.NeedSeconds = nil, nil, 0
	case d.Outcome == OutcomeTooShort:
		d.Reached = nil
	}
}

// pooled reads a time per operation that did not change as worse for
// the clients when fewer operations reached nfsd (Reached) after a change
// that acts on its thread pool, the wait for a free thread rose (the
// aside, with that change), and most of B's requests found no idle
// thread (leadShare): the pool, not the clients, set the rate. A request
// waits for a thread first in its transport's socket, where the tracer's
// queue time has not begun, so nfsd's own time per operation can hold
// while the clients' rises. Clients that keep as many requests in flight
// wait in proportion to the rate's fall (Little's law). It reports
// whether it did.
func (c *comparison) pooled(d *Diagnosis) bool {
	l := poolAside(d)
	if l == nil {
		return false
	}
	t := threadShift(&c.a.threads, &c.b.threads)
	if t == nil || t.NoIdleB < leadShare || t.NoIdleB <= t.NoIdleA {
		return false
	}
	d.Outcome, d.Cause, d.Pooled = OutcomeWorse, CauseQueue, true
	d.Layer, d.Match, d.Threads = l, d.AsideMatch, t
	d.Confidence = "medium"
	return true
}

// poolAside returns the wait for a free nfsd thread when fewer operations
// reached nfsd (Reached) while that wait rose with a change that acts on
// it (the aside and its direct match), nil otherwise: the requests were
// held before nfsd by its own pool.
func poolAside(d *Diagnosis) *LayerShare {
	l := d.Aside
	if d.Reached == nil || l == nil || l.Kind != LayerQueue || l.B <= l.A || d.AsideMatch.Kind != MatchDirect {
		return nil
	}
	return l
}

// Borne is the test that bears out a change of the time users feel that
// rests on too few of a capture's time blocks to be tested alone (see
// Carriers): the significant change, over every block, of the layer that
// leads it, or of the request latency of that layer's device.
type Borne struct {
	Key    string   `json:"key"`              // the layer
	Device *Latency `json:"device,omitempty"` // its device's latency, when that bears it out
	// Latency names the device's figure ("await", "service", "queue").
	Latency string `json:"latency,omitempty"`
	Change  Change `json:"change"` // the layer's change, or the device latency's
}

// bearsOut returns what bears out a change of the time users feel that
// rests on too few time blocks to be tested (Carriers), nil when nothing
// does. The layer leading the change (the top row, in the total's
// direction, leadShare of it or more) bears it out when its own change,
// tested over every block, not only the few, is significant (against the
// other layers' tests, see adjustBH); failing that, when the layer is the
// block IO of a device whose IO scheduler changed, its requests' latency
// moved significantly the same way (see aside). Either must move by
// Options.MinChange itself, as any change read as the verdict's must. Then
// the few blocks' excess is more of what the change did in every block, at
// its tail, not chance. A change carried by a few blocks with no such test
// under it stays untestable.
func (c *comparison) bearsOut(d *Diagnosis, t *Breakdown) *Borne {
	if len(t.Dimensions) == 0 || len(t.Dimensions[0].Rows) == 0 {
		return nil
	}
	top := t.Dimensions[0].Rows[0]
	dir := dirOf(t.Change.Delta)
	if top.Share < leadShare || dirOf(top.Delta) != dir {
		return nil
	}
	var b *Borne
	switch f := d.AsideDevice; {
	case top.Significant:
		b = &Borne{Key: top.Key, Change: top.Change}
	case f != nil && LayerDevice(top.Key) == f.Device && dirOf(f.Lat.Delta) == dir:
		b = &Borne{Key: top.Key, Device: f.Lat, Latency: f.Latency, Change: f.Lat.Change}
	}
	if b == nil || !c.material(b.Change.Ratio) {
		return nil
	}
	return b
}

// aside looks, under a time that did not change, for the layer that moved
// significantly where a configuration change can move it, and else for a
// device whose IO scheduler changed and whose latency moved significantly.
// Of several such layers it takes the one that moved the most, either way:
// the time's own direction, which orders its rows, is not known.
func (c *comparison) aside(d *Diagnosis, res *Result) {
	if res.Time != nil && len(res.Time.Dimensions) > 0 {
		var best *Contribution
		var match Match
		for i, r := range res.Time.Dimensions[0].Rows {
			if !r.Significant || (best != nil && math.Abs(r.Delta) <= math.Abs(best.Delta)) {
				continue
			}
			if m := matchChanges(res.Config, r.Key, dirOf(r.Delta)); m.Kind == MatchDirect {
				best, match = &res.Time.Dimensions[0].Rows[i], m
			}
		}
		if best != nil {
			d.Aside, d.AsideMatch = c.layerShare(*best, res), match
			return
		}
	}
	for i := range res.Devices {
		dev := &res.Devices[i]
		if dev.SchedulerA == dev.SchedulerB || dev.SchedulerA == "" || dev.SchedulerB == "" {
			continue
		}
		f := finding(dev)
		f.Latency, f.Lat = dev.requestTime()
		if f.Lat != nil && f.Lat.Significant {
			d.AsideDevice = f
			return
		}
	}
}

var classCause = map[string]string{
	ClassWriteback: CauseWriteback,
	ClassJournal:   CauseJournal,
	ClassLock:      CauseLock,
	ClassPageLock:  CausePageLock,
	ClassReclaim:   CauseReclaim,
	ClassNetwork:   CauseNetwork,
	ClassOther:     CauseOther,
}

// hasRequests reports whether either capture measured nfsd requests.
func (c *comparison) hasRequests() bool {
	return sum(c.a.rpcReqs) > 0 || sum(c.b.rpcReqs) > 0
}

func timeMetric(a, b *Capture) string {
	if sum(a.rpcReqs) > 0 || sum(b.rpcReqs) > 0 {
		return "NFS request time"
	}
	return "time traced threads waited"
}

// layerShare fills the leading layer with its waits per unit and mean wait.
func (c *comparison) layerShare(r Contribution, res *Result) *LayerShare {
	ls := &LayerShare{Key: r.Key, Kind: LayerKind(r.Key), Device: LayerDevice(r.Key), A: r.A, B: r.B, Share: r.Share, Change: r.Change}
	denA, denB := c.den(res)
	if ka := c.a.fams[famLayer][r.Key]; ka != nil {
		ls.WaitsA = safeDiv(sum(ka.cnt), denA)
		ls.WaitA = safeDiv(sum(ka.sum), sum(ka.cnt))
	}
	if kb := c.b.fams[famLayer][r.Key]; kb != nil {
		ls.WaitsB = safeDiv(sum(kb.cnt), denB)
		ls.WaitB = safeDiv(sum(kb.sum), sum(kb.cnt))
	}
	if delta := ls.B - ls.A; delta != 0 && ls.WaitsA > 0 {
		ls.CountShare = (ls.WaitsB - ls.WaitsA) * ls.WaitA / delta
	} else if delta != 0 {
		ls.CountShare = 1 // no waits in A: all of it is new waits
	}
	if ls.Kind == LayerCPU && !c.a.preemptUnknown && !c.b.preemptUnknown {
		c.splitPreempts(ls, denA, denB)
		if t := res.Time; t != nil {
			ls.splitRun(t.RanA, t.RanB)
		}
	}
	if ls.Kind == LayerCPU && !c.a.heldUnknown && !c.b.heldUnknown {
		ls.Held = c.splitHeld(ls, denA, denB)
	}
	return ls
}

// leadHolder is the part of the run-queue layer's change behind one kind of
// CPU holder when it carries leadShare of the change or more, nil otherwise.
func leadHolder(l *LayerShare) *HeldPart {
	if len(l.Held) == 0 || l.Held[0].Share < leadShare {
		return nil
	}
	return &l.Held[0]
}

// stretchedBy returns, when the traced threads led the run-queue layer's
// change by waiting behind each other but brought no more work (none of
// crowd, ownWork and busier held: as many of them on a CPU, as much done a
// second) and ran as long per unit (within Options.MinChange, both known),
// the other holder that carries minLeadShare of the change or more, the
// largest: nil when none does. Their waits behind each other cannot
// lengthen of their own then; what took the CPU between their turns
// stretched each of them, and a wait is credited to whoever ran last
// before it ended, a sibling as often as the newcomer (two busy loops on
// the CPU of two fio threads: the threads 52% of the rise, the loops 52%
// from nothing, the threads' time on a CPU per IO 26 → 25 µs).
func (c *comparison) stretchedBy(l *LayerShare) *HeldPart {
	if l.RanA <= 0 || l.RanB <= 0 || c.material(l.RanB/l.RanA) {
		return nil
	}
	for i := range l.Held {
		if h := &l.Held[i]; h.Holder != model.HeldTraced && h.Share >= minLeadShare {
			return h
		}
	}
	return nil
}

// splitHeld splits the run-queue layer's time per unit by who had the CPU
// when each wait ended, the part that carries most of the change first.
func (c *comparison) splitHeld(ls *LayerShare, denA, denB float64) []HeldPart {
	var out []HeldPart
	delta := ls.B - ls.A
	for k, key := range model.HeldKeys() {
		h := HeldPart{Holder: key, A: safeDiv(sum(c.a.held[k]), denA), B: safeDiv(sum(c.b.held[k]), denB)}
		if h.A == 0 && h.B == 0 {
			continue
		}
		if delta != 0 {
			h.Share = (h.B - h.A) / delta
		}
		if key == model.HeldKernel || key == model.HeldOther {
			h.Names = c.holderNames(&h, key == model.HeldKernel, delta)
		}
		out = append(out, h)
	}
	slices.SortStableFunc(out, func(x, y HeldPart) int { return cmp.Compare(y.Share, x.Share) })
	return out
}

// holderNames splits h, the part of the run-queue layer behind kernel
// threads (kernel) or behind other processes, by the tasks the tracer
// named: each task's part of its kind's named wait time in a capture,
// times h's time per unit there (the named waits are the capture's, the
// layer's may leave some rows out). Those whose time moved the way of the
// layer's change (delta) come first, by their share of it; with no
// change, by their time in B. nil when neither capture named a task of
// h's kind although h has time: the captures do not name them.
func (c *comparison) holderNames(h *HeldPart, kernel bool, delta float64) []HolderName {
	totA, totB := kindTotal(c.a.holders, kernel), kindTotal(c.b.holders, kernel)
	if totA == 0 && totB == 0 {
		return nil
	}
	seen := map[holderKey]bool{}
	var out []HolderName
	for _, m := range []map[holderKey]float64{c.a.holders, c.b.holders} {
		for k := range m {
			if k.kernel != kernel || seen[k] {
				continue
			}
			seen[k] = true
			n := HolderName{Name: k.name, Work: k.work,
				A: h.A * safeDiv(c.a.holders[k], totA), B: h.B * safeDiv(c.b.holders[k], totB)}
			if delta != 0 {
				n.Share = (n.B - n.A) / delta
			}
			out = append(out, n)
		}
	}
	work := func(n HolderName) int {
		if n.Work {
			return 1
		}
		return 0
	}
	slices.SortFunc(out, func(x, y HolderName) int {
		return cmp.Or(cmp.Compare(y.Share, x.Share), cmp.Compare(y.B, x.B), strings.Compare(x.Name, y.Name), work(x)-work(y))
	})
	return out[:min(len(out), maxHolderNames)]
}

// kindTotal is the wait time behind the named tasks of one kind: kernel
// threads or other processes.
func kindTotal(m map[holderKey]float64, kernel bool) float64 {
	var t float64
	for k, ns := range m {
		if k.kernel == kernel {
			t += ns
		}
	}
	return t
}

// splitPreempts fills the run-queue layer's preempted waits per unit and
// counts its change's share from wakeups only: more waits per unit that
// begin with a preemption are the CPU taken from the threads more often
// (other runnable tasks, a quota's throttling), not the threads sleeping
// and waking more often for the same work.
func (c *comparison) splitPreempts(ls *LayerShare, denA, denB float64) {
	ls.Preempts = true
	ls.PreemptsA = safeDiv(sum(c.a.preempts), denA)
	ls.PreemptsB = safeDiv(sum(c.b.preempts), denB)
	delta := ls.B - ls.A
	if delta == 0 {
		return
	}
	wakeA, wakeB := ls.WaitsA-ls.PreemptsA, ls.WaitsB-ls.PreemptsB
	mean := ls.WaitA // of a wakeup's wait in A, when A had any
	if k := c.a.fams[famLayer][LayerCPU]; k != nil {
		if n := sum(k.cnt) - sum(c.a.preempts); n > 0 {
			mean = (sum(k.sum) - sum(c.a.preemptNs)) / n
		}
	}
	ls.CountShare = (wakeB - wakeA) * mean / delta
	pmean := ls.WaitA // of a preempted wait in A, when A had any
	if n := sum(c.a.preempts); n > 0 {
		pmean = sum(c.a.preemptNs) / n
	}
	ls.PreemptShare = (ls.PreemptsB - ls.PreemptsA) * pmean / delta
}

// sleepCause sets the cause of a layer of D-state waits l (block IO, waits
// behind other threads' IO, a lock, ...), with who held its lock or ended
// its waits in B: the layer that leads, or the one the threads woke from.
func (c *comparison) sleepCause(d *Diagnosis, res *Result, l *LayerShare, dir float64) {
	switch l.Kind {
	case "block":
		c.blockDiagnosis(d, res, l, dir)
		d.Waker = topWaker(c.b, ClassBlockIO)
	case ClassJournal, ClassWriteback, ClassPageLock:
		d.Cause, d.Device = c.behindCause(res, l, dir)
		if d.Cause == classCause[l.Kind] && l.Kind != ClassWriteback && throughWriteback(d.Match.Changes, l.Key, dir) {
			d.Cause = CauseWriteback
		}
		if d.Cause == CausePageLock {
			c.byOneFile(d, res, dir)
		}
		d.Waker = topWaker(c.b, l.Kind)
	case ClassLock:
		d.Cause = classCause[l.Kind]
		d.Owner = topOwner(c.b)
	default:
		d.Cause = classCause[l.Kind]
	}
}

// blockDiagnosis sets the cause and device of a block-IO layer l: a device
// given more work while the memory the page cache can hold moved against
// the layer is the memory's doing (CauseCache), and the memory limit then
// leads the changes that can move the layer.
func (c *comparison) blockDiagnosis(d *Diagnosis, res *Result, l *LayerShare, dir float64) {
	d.Cause, d.Device = c.blockCause(res, l, dir)
	d.byCache(dir)
	d.byDirty(l, dir)
	if d.Cause == CauseWorkload && l.Device == "" && l.CountShare >= countLeads {
		c.byOneFile(d, res, dir)
	}
}

// byOneFile reads a rise in waits the threads shared as their waits on
// each other at one file, when nfsd's reads and writes gathered on it
// (converged) and no configuration change acts on the layer directly.
// The waits are for pages: their lock (page lock), or their IO that the
// tracer could not put on a device because the waiting thread had none of
// its own in flight (block IO on no device), more of them for the same
// work. Another thread wrote those pages or is writing them back: with the
// writes of many clients on one file, each nfsd thread waits for the
// others' pages to leave writeback before it can write its own, and no
// more IO was asked of the device for it. A lock layer that rose with it,
// whose owners were in D in those same waits, is added (Held): the file's
// lock is held across them. Only a rise is read so: a fall as requests
// spread over more files would be the same finding read backwards, and
// converged reads only the gathering.
func (c *comparison) byOneFile(d *Diagnosis, res *Result, dir float64) {
	if dir < 0 || d.Subject != SubjectNFS || d.Match.Kind == MatchDirect {
		return
	}
	cv := c.converged()
	if cv == nil {
		return
	}
	d.Cause, d.Device, d.Converged = CauseLock, nil, cv
	d.Owner = topOwner(c.b)
	d.Held = c.heldBy(res, d.Layer, dir)
}

// heldBy returns the lock layer of res's time breakdown when it rose in
// direction dir, significantly, and the lock's owners were in D in layer
// l's waits for leadShare or more of that change (ownedChange); nil
// otherwise.
func (c *comparison) heldBy(res *Result, l *LayerShare, dir float64) *HeldLock {
	if res.Time == nil || len(res.Time.Dimensions) == 0 || l == nil {
		return nil
	}
	rows := res.Time.Dimensions[0].Rows
	i, class, owned := c.lockOwned(res, rows, dir)
	if i < 0 || !rows[i].Significant || rows[i].Delta*dir <= 0 {
		return nil
	}
	if owned < leadShare || LayerKind(layerKey(class, "")) != l.Kind {
		return nil
	}
	return &HeldLock{LayerPart: partOf(rows[i]), Owned: owned}
}

// byDirty makes a block layer's IO held above the devices, or a device
// given more (or less) work, the dirty-page limits' doing when they are
// the changes that can move the layer and act on it only through
// writeback (see throughWriteback): they decide when written pages go to
// the device and how long writers are held for them, so the workload
// asked no more and nothing else held the IO, one step up the chain as
// for the cache.
func (d *Diagnosis) byDirty(l *LayerShare, dir float64) {
	if (d.Cause == CauseWorkload || d.Cause == CauseBio) && throughWriteback(d.Match.Changes, l.Key, dir) {
		d.Cause = CauseWriteback
	}
}

// kernelWork lists the layers whose work the kernel does in threads of
// its own for the traced threads' pages: the flusher workqueues write back
// the pages they dirtied (writeback), kswapd reclaims the memory they need
// (reclaim). The configuration that moves that work (the dirty-page
// limits, the host's memory; see drivesKernelWork) moves what those
// threads take of the traced threads' CPUs.
var kernelWork = []string{ClassWriteback, ClassReclaim}

// byKernelWork makes a run-queue layer whose change kernel threads led
// (the CPU holder with leadShare of it) the doing of a configuration
// change that acts directly on one of the layers whose work the kernel
// does for the threads' pages (kernelWork): the first such layer becomes
// the cause, and its changes lead, whether more waits or longer ones
// carry the layer (cpuCause). It reports whether one did.
func (d *Diagnosis) byKernelWork(res *Result, dir float64) bool {
	if h := d.Holder; h == nil || h.Holder != model.HeldKernel {
		return false
	}
	for _, kind := range kernelWork {
		if !slices.ContainsFunc(res.Config, func(ch ConfigChange) bool { return drivesKernelWork(ch, kind, dir) }) {
			continue
		}
		d.Cause, d.KernelWork, d.Match = classCause[kind], kind, matchChanges(res.Config, kind, dir)
		return true
	}
	return false
}

// byDeviceWorkers takes a run-queue layer whose change kernel threads led
// (the CPU holder with leadShare of it) one step up the chain when the
// first of their tasks that carries minLeadShare of the change or more is
// a block device's own, named by it (loop1's workqueue is loop1), and a
// configuration change acts directly on that device's IO
// (changeOnDevice): the device's workers ran, on the threads' CPUs, the
// IO that the change governs. An IO limit releases the throttled IO to
// them in bursts, a queue setting or scheduler does its work in them, a
// backing store decides what each request costs them. The change's cause
// becomes the layer's (deviceChangeCause), and its changes lead. It
// reports whether it did.
func (d *Diagnosis) byDeviceWorkers(res *Result, dir float64) bool {
	h := d.Holder
	if h == nil || h.Holder != model.HeldKernel {
		return false
	}
	for i := range h.Names {
		n := &h.Names[i]
		if n.Share < minLeadShare {
			return false
		}
		dev := deviceOf(res.Devices, n.Name)
		if dev == nil {
			continue
		}
		var direct []ConfigChange
		for _, ch := range res.Config {
			if changeOnDevice(ch, dev.Device, dir) {
				direct = append(direct, ch)
			}
		}
		if len(direct) == 0 {
			return false
		}
		d.Cause, d.DeviceWork, d.Device = deviceChangeCause(direct[0]), n, finding(dev)
		if d.Cause == CauseScheduler {
			d.Device.Queue = direct[0].Item
		}
		d.Match = Match{Kind: MatchDirect, Changes: direct, Others: len(res.Config) - len(direct)}
		return true
	}
	return false
}

// changeOnDevice reports whether a configuration change acts directly on
// the block IO of device dev: its queue settings and its own attributes,
// or an IO limit whose values name it (where the captures number the
// devices; an IO limit that names none acts on every device).
func changeOnDevice(ch ConfigChange, dev string, dir float64) bool {
	if reachSide(ch, layerKey(ClassBlockIO, dev), dir) != reachDirect {
		return false
	}
	if len(ch.Devices) == 0 {
		// Not an IO limit (only those name devices), or one whose
		// devices neither capture numbered: it acts on every device.
		return true
	}
	for _, name := range ch.Devices {
		if name == dev {
			return true
		}
	}
	return false
}

// deviceChangeCause is the cause a configuration change that acts
// directly on a device's IO stands for: an IO limit holds IO above the
// device (bio), a queue setting is its scheduler's, anything else is the
// device's own.
func deviceChangeCause(ch ConfigChange) string {
	word, _, _ := strings.Cut(ch.Item, " ")
	switch word {
	case "cgroup":
		return CauseBio
	case "scheduler", "nr_requests":
		return CauseScheduler
	}
	return CauseDevice
}

// drivesKernelWork reports whether a configuration change acts directly on
// the work kernel threads do for the traced threads' pages in layer kind
// (kernelWork): the dirty-page limits drive the flushers, the host's
// memory and its vm sysctls kswapd. A cgroup's memory limit does not: the
// cgroup's reclaim runs in its own tasks' calls, and the device its
// smaller page cache sends more reads to serves them (see byCache).
func drivesKernelWork(ch ConfigChange, kind string, dir float64) bool {
	if reachSide(ch, kind, dir) != reachDirect {
		return false
	}
	return kind != ClassReclaim || !strings.HasPrefix(ch.Item, "cgroup ")
}

// byCallWork makes the CPU work per unit that grew (or shrank) the doing
// of a change that moves what the kernel does in the threads' calls, one
// step up the causal chain as for the block layer (byCache): a memory size
// that shrank with a rise (or grew with a fall), as reclaim and refilling
// the page cache run on the CPU of the calls that need the memory; else
// changed dirty-page limits, when the kernel's part of the threads' CPU
// time carried leadShare of its change (kernelCarries), as the kernel
// enforces them in the writers' own calls (balance_dirty_pages counts the
// dirty pages there, more precisely near the limits, and throttles). The
// same changes, in the same order, take the threads' waits behind each
// other's longer calls (byOwnWork).
func (d *Diagnosis) byCallWork(res *Result, dir float64) {
	if memoryMoved(res.Config, dir) {
		d.Cause, d.WorkOf = CauseReclaim, ClassReclaim
		d.Match = matchChanges(res.Config, ClassReclaim, dir)
		d.Memory = memoryChanges(d.Match.Changes)
		return
	}
	if !kernelCarries(res.Time, dir) || !slices.ContainsFunc(res.Config, dirtyLimit) {
		return
	}
	d.Cause, d.WorkOf = CauseWriteback, ClassWriteback
	d.Match = matchChanges(res.Config, ClassWriteback, dir)
}

// dirtyLimit reports whether a change is one of the dirty-page limits.
func dirtyLimit(ch ConfigChange) bool {
	return strings.HasPrefix(ch.Item, "sysctl vm.dirty")
}

// byCache makes a workload cause of a block-IO layer the memory's doing
// when the memory the page cache can hold moved against the layer, and
// puts those changes first among the ones that can move it.
func (d *Diagnosis) byCache(dir float64) {
	if d.Cause != CauseWorkload || !memoryMoved(d.Match.Changes, dir) {
		return
	}
	d.Cause = CauseCache
	d.Memory = memoryChanges(d.Match.Changes)
	rest := slices.DeleteFunc(slices.Clone(d.Match.Changes), func(ch ConfigChange) bool {
		return slices.ContainsFunc(d.Memory, func(m ConfigChange) bool { return m.Item == ch.Item })
	})
	d.Match.Changes = append(slices.Clone(d.Memory), rest...)
}

// wokeFrom is, for a run-queue layer whose change more waits after
// wakeups carry, the D-state layer the threads woke from: the one, of those
// that moved with the change, whose waits per unit moved by enough to be
// countLeads of the new wakeup waits or more (each sleep ends with a
// wakeup, and a wakeup that finds the CPU busy is a wait for it; the rest
// can follow sleeps outside D), the largest share first. nil when no
// layer's sleeps account for the wakeups.
func (c *comparison) wokeFrom(res *Result, rows []Contribution, cpu *LayerShare, dir float64) *LayerShare {
	more := ((cpu.WaitsB - cpu.PreemptsB) - (cpu.WaitsA - cpu.PreemptsA)) * dir
	if more <= 0 {
		return nil
	}
	var best *LayerShare
	for _, r := range rows {
		switch LayerKind(r.Key) {
		case LayerCPU, LayerQueue, LayerRest:
			continue
		}
		if r.Delta*dir <= 0 {
			continue
		}
		l := c.layerShare(r, res)
		if (l.WaitsB-l.WaitsA)*dir >= countLeads*more && (best == nil || l.Share > best.Share) {
			best = l
		}
	}
	return best
}

// ranLonger reports whether a run-queue layer's change is more the
// threads' longer (or shorter) running per unit than their sleeping and
// waking more (or less) often.
func (l *LayerShare) ranLonger() bool {
	return l.Kind == LayerCPU && l.RanA > 0 && l.RanB > 0 && l.RunShare > l.CountShare
}

// splitRun sets the run-queue layer's time on a CPU per unit and the part
// of its change that longer running per unit carries at A's rate of
// preemption per second run (see RunShare).
func (ls *LayerShare) splitRun(ranA, ranB float64) {
	if ranA <= 0 || ranB <= 0 || ls.PreemptsB == ls.PreemptsA || !ls.Preempts {
		return
	}
	ls.RanA, ls.RanB = ranA, ranB
	// PreemptShare is (PreemptsB-PreemptsA) x the mean preempted wait
	// over the change; the run part replaces the preemption count change
	// with the one A's rate gives for B's running.
	ls.RunShare = ls.PreemptShare * (ranB - ranA) * (ls.PreemptsA / ranA) / (ls.PreemptsB - ls.PreemptsA)
}

// den returns the total of each capture's normalising unit.
func (c *comparison) den(res *Result) (float64, float64) {
	switch {
	case res.Workload.Per == "op" && sum(c.a.ops) > 0 && sum(c.b.ops) > 0:
		return sum(c.a.ops), sum(c.b.ops)
	case res.Workload.Per == "op":
		return sum(c.a.rpcReqs), sum(c.b.rpcReqs)
	case res.Workload.Per == "IO" || res.Workload.Per == "CPU-s" || res.Workload.Per == "call":
		return res.Workload.OpsA, res.Workload.OpsB
	}
	return c.a.Seconds(), c.b.Seconds()
}

// blockCause says why a block-IO layer moved. In order:
//   - the device's IO scheduler changed: the scheduler;
//   - more waits per unit at the old mean wait carry the change: the
//     workload asked for more IO, unless the waits were for asynchronous
//     IO (see asyncWaits);
//   - the waits grew and the device's own latency per request grew with
//     them, enough to account for it: the device, unless its load grew
//     (or fell) by loadRatio with it, which makes it the load's doing;
//   - another device (a bio-based one stacked above, seen only by
//     /proc/diskstats) slowed enough to account for it: that device;
//   - otherwise the waits grew while no device did: IO held above the
//     device (throttling, a stacked driver, a full request queue).
func (c *comparison) blockCause(res *Result, l *LayerShare, dir float64) (string, *DeviceFinding) {
	dev := deviceOf(res.Devices, l.Device)
	// IO the tracer could not put on a device waited before it had a
	// request there (for a slot of its queue, or held above the device):
	// it was bound for the device the threads' IO went to, and a change
	// of that device's queue (nr_requests bounds the tags) acts on it
	// there.
	slot := false
	if l.Device == "" {
		if name := mainBlockDevice(c.b); name != "" {
			slot = c.slotWaits(dir)
			if g, ok := queueChanged(res, name, deviceOf(res.Devices, name), nil); ok {
				if g != nil {
					g.Slot = slot
				}
				return CauseScheduler, g
			}
			// Waits for a slot (a tag, room under the writeback
			// throttle) wait for that device's requests in flight
			// to complete: its latency per request is what they
			// waited on, as for a request of their own there.
			if slot {
				dev = deviceOf(res.Devices, name)
			}
		}
	}
	if l.WaitsA == 0 {
		if old := mainBlockDevice(c.a); old != "" && old != l.Device && !appeared(deviceOf(res.Devices, old), deviceOf(res.Devices, l.Device)) {
			return c.movedCause(res, l, old, dir)
		}
	}
	var f *DeviceFinding
	if dev != nil {
		f = finding(dev)
		f.Slot = slot
	}
	if g, ok := queueChanged(res, l.Device, dev, f); ok {
		return CauseScheduler, g
	}
	if l.CountShare >= countLeads && !c.asyncWaits(l.Key, l.Key) {
		return CauseWorkload, f
	}
	explains := c.explainer(l, dir)
	if dev != nil {
		for _, lat := range []*Latency{dev.Service, dev.Await} {
			if !explains(dev, lat) {
				continue
			}
			f.Lat = explained(lat)
			f.Latency = "service"
			if lat == dev.Await {
				f.Latency = "await"
			}
			if loadMoved(dev, dir) {
				return CauseWorkload, f
			}
			if n := c.crowded(dev, dir); n != nil {
				f.Crowd = n
				return CauseWorkload, f
			}
			if q := c.queuedAhead(dev, lat, dir); q != nil {
				f.Queued = q
				return CauseWorkload, f
			}
			return CauseDevice, f
		}
	}
	// A device whose requests the tracer timed (Service) is not where IO
	// it could not name waited: a request of the threads' own there
	// carries its name. Its latency may have moved with that IO's
	// release (a throttle's bursts queue on it), not caused the wait.
	for i := range res.Devices {
		o := &res.Devices[i]
		if o == dev || o.Await == nil || o.Service != nil || !explains(o, o.Await) || loadMoved(o, dir) {
			continue
		}
		g := finding(o)
		g.Latency, g.Lat, g.Stacked = "await", explained(o.Await), true
		return CauseDevice, g
	}
	if dev == nil {
		dev = deviceOf(res.Devices, mainBlockDevice(c.b))
	}
	return heldCause(dev, dir, f, c.crowdedOn(dev, dir))
}

// crowdedOn returns the traced threads that waited for IO on device d per
// interval when more of them did (see crowded) and both captures name d in
// their waits; nil otherwise. IO held above a device no slower waited in
// its queue behind the others' requests when more threads kept requests
// there: the threads counted must be those that waited on d, not those on
// a CPU, whose number says nothing of that queue.
func (c *comparison) crowdedOn(d *DeviceLatency, dir float64) *Crowd {
	if d == nil {
		return nil
	}
	if n := c.crowded(d, dir); n != nil && n.Waiting {
		return n
	}
	return nil
}

// asyncWaits reports whether a block layer's waits were mostly (leadShare
// or more of its time, in each capture that has any) waits for
// asynchronous IO: those of keyA in A, of keyB in B (the layer of the
// device the IO moved from, and of the one it moved to). A thread reaping
// asynchronous IO waits only for what has not completed by then: it waits
// per IO more often when each IO takes longer against its pace of
// submitting and reaping, as much as when it asks for more. The count of
// its waits does not tell more work from slower IO; the device's latency
// and load do.
func (c *comparison) asyncWaits(keyA, keyB string) bool {
	seen := false
	for _, x := range []struct {
		c   *Capture
		key string
	}{{c.a, keyA}, {c.b, keyB}} {
		d := x.c.fams[famLayer][x.key]
		if d == nil || sum(d.sum) <= 0 {
			continue
		}
		var aio float64
		for label, ns := range x.c.aioDev {
			if layerKey(ClassBlockIO, label) == x.key {
				aio += ns
			}
		}
		if aio < leadShare*sum(d.sum) {
			return false
		}
		seen = true
	}
	return seen
}

// throughWriteback reports whether the changes that can move a layer of
// waits behind other threads' IO (journal commits, pages under IO) all act
// on writeback directly and on the layer only through it (the dirty-page
// limits): then writeback is why the layer moved, one step up the chain,
// as no device's latency explained it.
func throughWriteback(changes []ConfigChange, layer string, dir float64) bool {
	for _, ch := range changes {
		if reachSide(ch, layer, dir) == reachDirect || reachSide(ch, ClassWriteback, dir) != reachDirect {
			return false
		}
	}
	return len(changes) > 0
}

// queueChanged reports whether the IO scheduler or queue settings of the
// device name (dev its figures, f its finding so far, either nil) changed:
// time in the block layer on it is what they act on (a scheduler reorders
// and holds requests, nr_requests bounds the requests in flight, the rest
// wait for a tag). It returns the finding to give with the cause.
func queueChanged(res *Result, name string, dev *DeviceLatency, f *DeviceFinding) (*DeviceFinding, bool) {
	if dev != nil && dev.SchedulerA != dev.SchedulerB && dev.SchedulerA != "" && dev.SchedulerB != "" {
		if f == nil {
			f = finding(dev)
		}
		return f, true
	}
	for _, ch := range res.Config {
		if name != "" && (ch.Item == "scheduler "+name || ch.Item == "nr_requests "+name) {
			if f == nil {
				f = &DeviceFinding{Device: name}
			}
			f.Queue = ch.Item
			return f, true
		}
	}
	return f, false
}

// memoryMoved reports whether a configuration change explains a device
// given more IO (dir > 0) by less memory for the page cache, or less IO by
// more: the threads' memory limit (a cgroup's memory.max, memory.high,
// memory.limit_in_bytes) or the host's memory moved the other way. One
// step up the causal chain from "the device was given more work": the
// workload asked no more, the cache absorbed less of it. A change whose
// direction cannot be read does not count.
func memoryMoved(changes []ConfigChange, dir float64) bool {
	for _, ch := range changes {
		if ch.Autotuned || reach(ch, ClassReclaim) != reachDirect {
			continue
		}
		if m := ch.Memory; m != nil && m.OKA && m.OKB && m.A != m.B && (m.B-m.A)*dir < 0 {
			return true
		}
	}
	return false
}

// servedLoad explains waits for a CPU held by the kernel's own work one step
// up the causal chain, as a device given more work is: when the kernel's
// work carries the layer's change (h) and the device the threads' IO went to
// was given loadRatio times the load with it, that work (completions,
// softirqs, the device's own workers on their CPU) served their IO, and the
// workload asked for more of it. It returns the device's finding, nil when
// that is not so.
//
// When no one holder carries the change (h is nil), the kernel's work and
// the traced threads' own are the workload's side of the CPU together: a
// workload that asks the device for more runs more of its own calls and
// has the kernel serve more of its IO, and it waits behind both. When the
// two, each moving with the change, together carry leadShare, it returns
// them as well.
func (c *comparison) servedLoad(res *Result, l *LayerShare, h *HeldPart, dir float64) (*DeviceFinding, []HeldPart) {
	var served []HeldPart
	switch {
	case h != nil && h.Holder == model.HeldKernel:
	case h == nil:
		share := 0.0
		for _, key := range []string{model.HeldTraced, model.HeldKernel} {
			for _, p := range l.Held {
				if p.Holder == key && p.Share > 0 {
					served = append(served, p)
					share += p.Share
				}
			}
		}
		if len(served) < 2 || share < leadShare {
			return nil, nil
		}
	default:
		return nil, nil
	}
	dev := deviceOf(res.Devices, mainBlockDevice(c.b))
	if dev == nil || !loadMoved(dev, dir) {
		return nil, nil
	}
	return finding(dev), served
}

// cpuCause says why the run-queue layer moved. Its time per unit is the
// number of waits for a CPU per unit (each wakeup that found the CPU busy,
// each preemption) times their mean length. What contends for the CPU (a
// CPU quota, other runnable tasks) makes each wait longer, or preempts the
// threads more often; when more waits after wakeups at the old mean length
// carry the change, the threads went to sleep and woke more often for the
// same work (shorter sleeps of a rate limiter, more blocking between
// pieces of work): the workload's pattern changed, not the CPU it got.
// Where the captures do not tell preemptions apart, every wait counts as
// a wakeup's. Likewise more preemptions per unit at the old rate per
// second run, with the old mean wait, are the threads running longer per
// unit (more CPU work per call, or a CPU that does less per second): the
// threads waited behind more work, as a device given more work is slower,
// and the CPU's competition did not change. Both parts are the workload's.
func cpuCause(l *LayerShare) string {
	if l.CountShare+l.RunShare >= countLeads {
		return CauseWorkload
	}
	return CauseCPU
}

// heldCause explains block IO held above the devices: when the device the
// threads used was given loadRatio times the requests or bytes, or more of
// the threads kept requests on it (crowd, see crowdedOn) while its
// throughput did not fall by a change that matters, the queue grew with
// the load; otherwise something held the IO back (a throttle, a stacked
// driver).
func heldCause(dev *DeviceLatency, dir float64, f *DeviceFinding, crowd *Crowd) (string, *DeviceFinding) {
	if dev == nil {
		return CauseBio, f
	}
	moved := loadMoved(dev, dir)
	if !moved && crowd == nil {
		return CauseBio, f
	}
	if f == nil {
		f = finding(dev)
	}
	if !moved {
		f.Crowd = crowd
	}
	return CauseWorkload, f
}

// behindCause explains a layer whose waits are for IO another thread does
// (journal commits, writeback, pages under IO): if a device's latency per
// request changed at the same load, enough to account for the layer's
// change, the device is the cause; otherwise the layer's own class.
func (c *comparison) behindCause(res *Result, l *LayerShare, dir float64) (string, *DeviceFinding) {
	explains := c.explainer(l, dir)
	old, cur := mainBlockDevice(c.a), mainBlockDevice(c.b)
	if old != "" && old != cur {
		if f := c.movedDevice(res, old, cur, explains); f != nil {
			f.Via = l.Kind
			return CauseDevice, f
		}
	}
	var best *DeviceFinding
	var bestDev *DeviceLatency
	for i := range res.Devices {
		o := &res.Devices[i]
		for _, lat := range []*Latency{o.Service, o.Await} {
			if !explains(o, lat) || loadMoved(o, dir) || (best != nil && math.Abs(lat.Delta) <= math.Abs(best.Lat.Delta)) {
				continue
			}
			best, bestDev = finding(o), o
			best.Lat, best.Latency, best.Via = explained(lat), "service", l.Kind
			if lat == o.Await {
				best.Latency = "await"
			}
		}
	}
	if best != nil {
		// As for the threads' own IO (blockCause): more of them
		// keeping the device busy gave it more work than its
		// throughput can show.
		if n := c.crowded(bestDev, dir); n != nil {
			best.Crowd = n
			return CauseWorkload, best
		}
		return CauseDevice, best
	}
	return classCause[l.Kind], nil
}

// slotWaits reports whether the block-IO waits the tracer could not put on
// a device were mostly (leadShare) waits for a slot of a device's queue in
// the capture where they were longer (B for a rise, dir > 0; A for a fall).
func (c *comparison) slotWaits(dir float64) bool {
	x := c.b
	if dir < 0 {
		x = c.a
	}
	return x.unnamedNs > 0 && x.slotNs >= leadShare*x.unnamedNs
}

// explainer returns whether a device latency change accounts for a block
// layer's change: significant (p below the level), the same way, and large
// enough times the device's requests per unit. Whether it matters is the
// layer's question, already answered (the layer leads a change of the time
// users feel that matters): a device's own floor (minLatencyChange) says
// whether its latency alone is worth a line, and a change below it can
// still be all of a layer's change, as 19 µs per request is when the
// threads wait 66 µs per IO.
func (c *comparison) explainer(l *LayerShare, dir float64) func(*DeviceLatency, *Latency) bool {
	perUnit := math.Abs(l.B - l.A)
	return func(d *DeviceLatency, lat *Latency) bool {
		if lat == nil || !lat.Tested || lat.P >= c.opt.Alpha || lat.Delta*dir <= 0 {
			return false
		}
		reqs := requestsPerUnit(d)
		return reqs == 0 || math.Abs(lat.Delta)*reqs >= reachShare*perUnit
	}
}

// explained returns a copy of a latency change that explains a layer's
// change, judged significant for that: it passed explainer's test (p below
// the level, the same way, a quarter of the layer's change), whatever the
// device's own floor said of it alone.
func explained(lat *Latency) *Latency {
	x := *lat
	x.Significant, x.Outcome = true, TestSignificant
	return &x
}

// movedCause explains a block layer whose device the threads did not wait
// on in A: the IO moved there from old (the export moved to another
// device). The waits are compared with A's waits on old, and the devices
// B waited on (the layer's, and any device only B has, such as a
// bio-based one stacked above it) with old's latency.
func (c *comparison) movedCause(res *Result, l *LayerShare, old string, dir float64) (string, *DeviceFinding) {
	denA, _ := c.den(res)
	if ka := c.a.fams[famLayer][blockPrefix+old]; ka != nil {
		l.WaitsA = safeDiv(sum(ka.cnt), denA)
		l.WaitA = safeDiv(sum(ka.sum), sum(ka.cnt))
		l.WaitsFrom = old
		if delta := l.B - l.A; delta != 0 {
			l.CountShare = (l.WaitsB - l.WaitsA) * l.WaitA / delta
		}
	}
	if l.CountShare >= countLeads && !c.asyncWaits(blockPrefix+old, l.Key) {
		return CauseWorkload, nil
	}
	if f := c.movedDevice(res, old, l.Device, c.explainer(l, dir)); f != nil {
		return CauseDevice, f
	}
	return heldCause(deviceOf(res.Devices, old), dir, nil, nil)
}

// appeared reports whether the IO B's threads waited on at cur is new work
// rather than work moved there from old, the device A's threads waited on:
// old kept its load (it did not fall by loadRatio) while cur in B was given
// loadRatio times the load old had in A. The work asked of a device grew
// (a page cache too small to hold the files, dirty pages written back
// sooner) and nothing left old, so A's old says nothing of cur: their
// latencies are two devices' under different loads. IO that moved (an
// export to a new device) leaves old idle, or nearly. Unknown loads say
// nothing.
func appeared(old, cur *DeviceLatency) bool {
	if old == nil || cur == nil {
		return false
	}
	left := old.RateA > 0 && old.RateB == 0 || ratioMoved(loadChange(old.RateA, old.RateB, old.BytesA, old.BytesB), -1)
	return !left && ratioMoved(loadChange(old.RateA, cur.RateB, old.BytesA, cur.BytesB), 1)
}

// movedDevice compares old's latency in A with that of the devices B's
// threads waited on instead (cur, and any device only B has, such as a
// bio-based one stacked above it), and returns the one whose change
// explains most, nil when none does.
func (c *comparison) movedDevice(res *Result, old, cur string, explains func(*DeviceLatency, *Latency) bool) *DeviceFinding {
	ka := c.a.fams[famDisk][old]
	if ka == nil {
		return nil
	}
	from := deviceOf(res.Devices, old)
	var best *DeviceFinding
	for i := range res.Devices {
		o := &res.Devices[i]
		kb := c.b.fams[famDisk][o.Device]
		if kb == nil || (o.Device != cur && o.RateA > 0) || appeared(from, o) {
			continue
		}
		lat := c.latency(ka.sum, ka.cnt, kb.sum, kb.cnt, nil, nil)
		if !explains(o, lat) || (best != nil && math.Abs(lat.Delta) <= math.Abs(best.Lat.Delta)) {
			continue
		}
		best = finding(o)
		best.Latency, best.Lat, best.From, best.Stacked = "await", explained(lat), old, o.Device != cur
		// A's side of the finding is the device the IO left: its
		// scheduler and load, as its await is.
		best.SchedulerA, best.RateA, best.BytesA = "", 0, 0
		if from := deviceOf(res.Devices, old); from != nil {
			best.SchedulerA, best.RateA, best.BytesA = from.SchedulerA, from.RateA, from.BytesA
		}
	}
	return best
}

// mainBlockDevice is the device a capture's threads waited on longest.
func mainBlockDevice(c *Capture) string {
	best, bestNs := "", 0.0
	for k, d := range c.fams[famLayer] {
		dev := LayerDevice(k)
		if ns := sum(d.sum); dev != "" && ns > bestNs {
			best, bestNs = dev, ns
		}
	}
	return best
}

// requestTime is what a device's requests took and its name: the await,
// queue included, or the tracer's service time only where the await is
// not known. A scheduler can shorten each request's service while the
// requests wait longer in its queue, and the threads feel the sum.
func (d *DeviceLatency) requestTime() (string, *Latency) {
	if d.Await != nil {
		return "await", d.Await
	}
	return "service", d.Service
}

func finding(d *DeviceLatency) *DeviceFinding {
	return &DeviceFinding{Device: d.Device, SchedulerA: d.SchedulerA, SchedulerB: d.SchedulerB, RateA: d.RateA, RateB: d.RateB,
		BytesA: d.BytesA, BytesB: d.BytesB}
}

// loadMoved reports whether a device's load moved by loadRatio in the
// direction of the change: more with a rise, less with a fall. The load is
// the bytes the device was asked to move per second where both captures
// count them, else its requests per second. The bytes are what the work
// asked for; the requests are how the block layer cut them, which a change
// below the workload can change on its own (a backing store that splits
// each 1 MiB read in two, merges that stop): twice the requests for the
// same bytes is the same work, served another way.
func loadMoved(d *DeviceLatency, dir float64) bool {
	return ratioMoved(loadChange(d.RateA, d.RateB, d.BytesA, d.BytesB), dir)
}

// crowded returns the traced threads that kept device d busy per interval
// when by loadRatio more of them (fewer, for a fall) did while its
// throughput did not move against them (its bytes, or requests, a second
// fell by less than Options.MinChange of the lower, a change too small to
// matter; rose by less, for a fall); nil otherwise. Each thread keeps its
// requests in flight, so more of them queue more on a device that cannot
// go faster: it was given more work, as when its load moved (loadMoved),
// though a saturated device's throughput cannot show it. A slower device
// at the same threads does less, or as much under a rate limit, with no
// more threads. The
// threads counted are those that waited for IO on d, where both captures
// name it in their waits: the threads of a workload that only run between
// its IOs (a program's parent, a timer) keep no requests there and would
// dilute the count; else those on a CPU (crowd).
func (c *comparison) crowded(d *DeviceLatency, dir float64) *Crowd {
	if !c.throughputHeld(d, dir) {
		return nil
	}
	if wa, wb := busyMean(c.a.waiters[d.Device]), busyMean(c.b.waiters[d.Device]); wa > 0 && wb > 0 {
		return moved(&Crowd{A: wa, B: wb, Waiting: true}, dir)
	}
	return c.crowd(dir)
}

// queuedAhead returns device d's requests in flight in A and B when its
// await (lat) carried the change in direction dir while the device's own
// time per request did not: the tracer timed each request from its issue
// to the device to its completion (Service), and that did not change
// significantly that way, at a throughput that did not move against the
// change by one that matters (see crowded). Each request then waited
// longer before the device took it, not on the device, at the same
// throughput: by Little's law more of them were kept in flight there, by
// loadRatio (fewer, for a fall). That is the work offered to a device
// that cannot go faster, not a slower device, which does less at the same
// requesters or takes longer to serve each. nil otherwise, and where the
// tracer did not time the device's requests (a bio-based device).
func (c *comparison) queuedAhead(d *DeviceLatency, lat *Latency, dir float64) *InFlight {
	s := d.Service
	if lat == nil || lat != d.Await || s == nil || !s.Tested || s.P < c.opt.Alpha && s.Delta*dir > 0 {
		return nil
	}
	if !c.throughputHeld(d, dir) {
		return nil
	}
	q := &InFlight{A: d.RateA * lat.MeanA / 1e9, B: d.RateB * lat.MeanB / 1e9}
	if q.A <= 0 || q.B <= 0 || !ratioMoved(q.B/q.A, dir) {
		return nil
	}
	return q
}

// throughputHeld reports whether device d's load was counted on both sides
// and did not move against direction dir by a change that matters (fell by
// less than Options.MinChange of the lower with a rise, rose by less with
// a fall): a device that cannot go faster did as much.
func (c *comparison) throughputHeld(d *DeviceLatency, dir float64) bool {
	r := loadChange(d.RateA, d.RateB, d.BytesA, d.BytesB)
	return r > 0 && !(loadAgainst(r, dir) && (matter{min: c.opt.MinChange}).enough(1, r))
}

// loadAgainst reports whether a device's load r (B over A, see
// loadChange) moved against direction dir: fell with a rise, rose with a
// fall.
func loadAgainst(r, dir float64) bool {
	return r > 0 && (r-1)*dir < 0
}

// ratioMoved reports whether a ratio B/A moved by loadRatio in direction
// dir: up with a rise, down with a fall.
func ratioMoved(r, dir float64) bool {
	return r > 0 && ((dir > 0 && r >= loadRatio) || (dir < 0 && r <= 1/loadRatio))
}

// loadChange is a device's load in B over A: its bytes per second where
// both sides count them, else its requests per second (see loadMoved); 0
// when unknown.
func loadChange(rateA, rateB, bytesA, bytesB float64) float64 {
	a, b := bytesA, bytesB
	if a <= 0 || b <= 0 {
		a, b = rateA, rateB
	}
	if a <= 0 || b <= 0 {
		return 0
	}
	return b / a
}

// requestsPerUnit is a device's requests per unit in B (0: unknown).
func requestsPerUnit(d *DeviceLatency) float64 {
	if d.AwaitB <= 0 {
		return 0
	}
	return d.BusyB / d.AwaitB
}

func deviceOf(devs []DeviceLatency, name string) *DeviceLatency {
	if name == "" {
		return nil
	}
	for i := range devs {
		if devs[i].Device == name {
			return &devs[i]
		}
	}
	return nil
}

// topSite is the wait site of a layer that moved most in the direction of
// the change.
func topSite(dt *Breakdown, layer string, dir float64) *Contribution {
	if dt == nil || len(dt.Dimensions) == 0 {
		return nil
	}
	kind := LayerKind(layer)
	for i, r := range dt.Dimensions[0].Rows {
		if r.Delta*dir <= 0 {
			continue
		}
		if (kind == "block" && r.Class == ClassBlockIO) || r.Class == kind {
			return &dt.Dimensions[0].Rows[i]
		}
	}
	return nil
}

// alsoSite is the wait site of layer after top (topSite) that moved the
// way of the layer's change delta (per unit) by minLeadShare of it or
// more, the first such in the breakdown's order; nil when none did or
// there is no top site.
func alsoSite(dt *Breakdown, layer string, top *Contribution, delta float64) *Contribution {
	if dt == nil || len(dt.Dimensions) == 0 || top == nil || delta == 0 {
		return nil
	}
	kind := LayerKind(layer)
	for i, r := range dt.Dimensions[0].Rows {
		if r.Key == top.Key || (kind != "block" || r.Class != ClassBlockIO) && r.Class != kind {
			continue
		}
		if r.Delta/delta >= minLeadShare {
			return &dt.Dimensions[0].Rows[i]
		}
	}
	return nil
}

// topClient is the client behind most of a D-time change, when there are
// several and one carries most of it.
func topClient(dt *Breakdown, dir float64) *Contribution {
	if dt == nil || !dt.Change.Significant {
		return nil
	}
	for i, d := range dt.Dimensions {
		if d.Name != "client" || len(d.Rows) < 2 {
			continue
		}
		if r := d.Rows[0]; r.Key != "-" && r.Delta*dir > 0 && r.Share >= leadShare {
			return &dt.Dimensions[i].Rows[0]
		}
	}
	return nil
}

// Match is what the configuration changes say about a layer.
type Match struct {
	Kind string `json:"kind"` // Match* below
	// Changes are those that can move the layer, the most direct first.
	Changes []ConfigChange `json:"changes,omitempty"`
	// Others are the listed changes that cannot move it (autotuned values
	// and measurement settings among them).
	Others int `json:"others"`
}

// Kinds of Match.
const (
	MatchDirect  = "direct"  // a change that acts on the layer
	MatchKernel  = "kernel"  // only the kernel (or its command line), which can move any layer
	MatchNone    = "none"    // changes, but none can move the layer
	MatchNothing = "nothing" // nothing in the configuration changed
)

// matchChanges matches the configuration changes to the layer (key; "" for
// no layer: then only whether anything changed is said) that moved in
// direction dir (see reachSide).
func matchChanges(changes []ConfigChange, layer string, dir float64) Match {
	m := Match{Kind: MatchNothing}
	if len(changes) == 0 {
		return m
	}
	var direct, through, kernel []ConfigChange
	for _, ch := range changes {
		switch w := reachSide(ch, layer, dir); {
		case layer == "":
			m.Others++
		case w == reachDirect:
			direct = append(direct, ch)
		case w == reachThrough:
			through = append(through, ch)
		case w == reachAny:
			kernel = append(kernel, ch)
		default:
			m.Others++
		}
	}
	switch {
	case len(direct)+len(through) > 0:
		m.Kind = MatchDirect
		m.Changes = append(append(append(m.Changes, direct...), through...), kernel...)
	case len(kernel) > 0:
		m.Kind = MatchKernel
		m.Changes = kernel
	default:
		m.Kind = MatchNone
	}
	return m
}

// reachSide is reach for a layer that moved in direction dir (0: either):
// a device that B does not have cannot have made B's time rise, and one
// that A did not have cannot have made it fall.
func reachSide(ch ConfigChange, layer string, dir float64) int {
	if strings.HasPrefix(ch.Item, "device ") && ((dir > 0 && ch.B == "") || (dir < 0 && ch.A == "")) {
		return reachNone
	}
	// Less memory makes every layer it reaches (reclaim, writeback's
	// thresholds, the IO a smaller page cache sends to the devices) take
	// more time, more memory less: a size that moved the same way as the
	// layer cannot have moved it.
	if m := ch.Memory; m != nil && m.OKA && m.OKB && (m.B-m.A)*dir > 0 {
		return reachNone
	}
	return reach(ch, layer)
}

func dirOf(delta float64) float64 {
	switch {
	case delta > 0:
		return 1
	case delta < 0:
		return -1
	}
	return 0
}

// How directly a configuration item acts on a layer.
const (
	reachNone    = iota
	reachAny     // the kernel and its command line can move anything
	reachThrough // acts on the layer through another (a scheduler on journal commits)
	reachDirect  // acts on the layer itself
)

// reach says how directly a configuration change can move a layer.
func reach(ch ConfigChange, layer string) int {
	if ch.Autotuned {
		return reachNone
	}
	kind, dev := LayerKind(layer), LayerDevice(layer)
	item := ch.Item
	word, arg, _ := strings.Cut(item, " ")
	switch word {
	case "kernel", "cmdline":
		return reachAny
	case "scheduler", "nr_requests", "rotational", "device":
		switch {
		case kind == LayerWork:
			return reachDirect
		case kind == "block" && (dev == "" || dev == arg):
			return reachDirect
		case kind == "block" || kind == ClassJournal || kind == ClassWriteback || kind == ClassPageLock:
			return reachThrough
		}
	case "memory":
		switch kind {
		case ClassReclaim, LayerWork:
			return reachDirect
		case "block", ClassWriteback:
			return reachThrough
		}
	case "cpus":
		switch kind {
		case LayerCPU:
			return reachDirect
		case LayerQueue, LayerRest:
			return reachThrough
		}
	case "nfsd":
		switch {
		case arg == "threads" && kind == LayerQueue:
			return reachDirect
		case arg == "threads" && (kind == LayerCPU || kind == ClassLock):
			return reachThrough
		case arg == "versions" && kind != LayerCPU:
			return reachThrough
		}
	case "sysctl":
		return sysctlReach(arg, kind)
	case "cgroup":
		return cgroupReach(arg, kind)
	}
	return reachNone
}

// cgroupReach says how directly a limit of the traced threads' cgroup
// ("PATH FILE") can move a layer: CPU limits their CPU, IO limits hold
// their IO above the devices, memory limits make them reclaim.
func cgroupReach(arg, kind string) int {
	file := arg[strings.LastIndexByte(arg, ' ')+1:]
	switch {
	case strings.HasPrefix(file, "cpu."):
		switch kind {
		case LayerCPU:
			return reachDirect
		case LayerQueue, LayerRest:
			return reachThrough
		}
	case strings.HasPrefix(file, "io."), strings.HasPrefix(file, "blkio."):
		switch kind {
		case "block":
			return reachDirect
		case ClassWriteback, ClassJournal, ClassPageLock:
			return reachThrough
		}
	case strings.HasPrefix(file, "memory."):
		switch kind {
		case ClassReclaim, LayerWork:
			return reachDirect
		case "block", ClassWriteback:
			return reachThrough
		}
	}
	return reachNone
}

func sysctlReach(name, kind string) int {
	switch {
	case strings.HasPrefix(name, "vm.dirty"):
		switch kind {
		case ClassWriteback, LayerWork:
			return reachDirect
		case ClassJournal, "block", ClassPageLock:
			return reachThrough
		}
	case strings.HasPrefix(name, "vm."):
		switch kind {
		case ClassReclaim, LayerWork:
			return reachDirect
		case "block":
			return reachThrough
		}
	case strings.HasPrefix(name, "net."), strings.HasPrefix(name, "sunrpc."):
		switch kind {
		case ClassNetwork, LayerRest:
			return reachDirect
		case LayerQueue:
			return reachThrough
		}
	case strings.HasPrefix(name, "kernel.sched"):
		if kind == LayerCPU {
			return reachDirect
		}
	case strings.HasPrefix(name, "fs."):
		if kind == ClassLock || kind == ClassJournal || kind == ClassOther {
			return reachThrough
		}
	}
	return reachNone
}

// autotuned lists sysctls the kernel sizes itself at boot from the memory it
// finds (or that change on their own): a different value says nothing about
// what an administrator changed, and never leads.
var autotuned = []string{
	"net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem", "net.ipv4.tcp_mem", "net.ipv4.udp_mem",
	"fs.file-max", "kernel.threads-max", "kernel.random.",
}

func isAutotuned(item string) bool {
	name, ok := strings.CutPrefix(item, "sysctl ")
	if !ok {
		return false
	}
	for _, a := range autotuned {
		if name == a || (strings.HasSuffix(a, ".") && strings.HasPrefix(name, a)) {
			return true
		}
	}
	return false
}

// memoryChanges are the changes among chs that set the memory a page cache
// can hold (see memoryMoved).
func memoryChanges(chs []ConfigChange) []ConfigChange {
	var out []ConfigChange
	for _, ch := range chs {
		if m := ch.Memory; m != nil && (m.OKA || m.OKB) {
			out = append(out, ch)
		}
	}
	return out
}
