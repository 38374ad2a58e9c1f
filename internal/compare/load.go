package compare

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/nfstrace/nfstrace/internal/capture"
	"github.com/nfstrace/nfstrace/internal/model"
)

// Capture is one capture reduced to what a comparison needs: its metadata
// and, per interval, the sums behind every figure compared, by dimension.
// It holds no per-event data, so its size depends on the number of intervals
// and distinct labels, not on the number of events.
type Capture struct {
	Name      string // the file name, or what the caller calls it
	Meta      capture.Meta
	Notes     []string // the reader's notes: truncation, skipped frames
	Snapshots int
	Start     time.Time
	End       time.Time
	Events    uint64
	Lost      uint64

	secs    []float64 // interval lengths, seconds
	ops     []float64 // NFS requests per interval, /proc/net/rpc/nfsd
	rpcReqs []float64 // NFS requests per interval, from the RPC rows
	onCPU   []float64 // seconds the traced threads ran per interval (run-queue rows)
	// running is, per interval, the traced threads seen on a CPU (the
	// run-queue rows' threads; nfsd's per-operation rows left out).
	running []float64
	// workers is, per interval, those of them that were io_uring's
	// workers (model.URingWorker).
	workers []float64
	calls   []float64 // the traced threads' read and write system calls per interval
	// callBytes is what those calls read and wrote over the capture.
	callBytes float64
	// userNs and sysNs are the counted threads' CPU time over the capture
	// in user mode and in the kernel (model.Calls.CPU); unsplit counts the
	// intervals that did not read them.
	userNs, sysNs float64
	unsplit       int
	// aioWaits and aioNamed count, per interval, the waits for
	// asynchronous IO, and those of them labelled with a device: each is a
	// wait for the threads' own IO, labelled or not (see blockWaits).
	aioWaits, aioNamed []float64
	// preempts and preemptNs are the run-queue layer's waits that began
	// with a preemption, per interval; preemptUnknown says a row of the
	// layer did not tell (procfs, older captures).
	preempts, preemptNs []float64
	preemptUnknown      bool
	// held is the run-queue layer's wait time per interval by who had the
	// CPU when each wait ended (model.HeldBy's parts in Holders' order);
	// heldUnknown says a row of the layer did not know.
	held        [model.HeldParts][]float64
	heldUnknown bool
	// holders is the run-queue wait time over the capture behind each task
	// not traced, by name (model.Snapshot.Holders); empty where the
	// tracer did not name them.
	holders map[holderKey]float64
	// outsideKnown says a run row kept apart its waits outside calls
	// (model.Run.Outside), which the run-queue layer then leaves out;
	// outsideNs is their time over the capture.
	outsideKnown bool
	outsideNs    float64
	// unnamedNs is the time of the block-IO waits the tracer could not put
	// on a device; slotNs the part of it that waited for a slot of a
	// device's queue (model.WaitSite.SlotWait).
	unnamedNs, slotNs float64
	// uncounted is how many intervals did not count calls: with any, the
	// calls are not a unit of work (a gap would read as no work).
	uncounted int
	// submits is, per interval, the IOs the traced threads submitted
	// through io_submit and io_uring_enter; unsubmitted how many
	// intervals did not count them.
	submits     []float64
	unsubmitted int
	opMix       map[string]float64
	files       fileCounts // files.go
	fams        [numFams]family
	prof        map[profKey]*model.Hist
	sites       map[model.WaitSite]*siteInfo
	klog        kernelLog                    // kmsg.go
	classes     map[classKey]string          // wait class of a raw site and device
	inSubmit    map[model.WaitSite]bool      // whether a raw site is inside io_submit
	owners      map[model.LockHolder]float64 // lock-wait ns by the lock's owner
	lockNs      float64                      // all lock-wait ns of the lock rows
	wakers      map[wakerKey]float64         // D-time ns by wait class and waker
	wakeNs      map[string]float64           // D-time ns with a known waker, by class
	// aioDev is the time of the waits for asynchronous IO by device
	// label ("" or model.NotBlockIO when none was named): block IO
	// whose wakers the tracer does not keep (see unwoken).
	aioDev map[string]float64
	// waiters is, per block device and interval, the traced threads that
	// waited for IO on it, at least: the most distinct threads of one of
	// its rows (a thread that waits at two sites is in both, so a sum
	// would count it twice, more often the longer its IO takes).
	waiters map[string][]float64
	// restOwed is the time the measured layers have run ahead of the
	// requests' latency: waits counted in earlier intervals whose
	// requests have not completed yet (see addSnapshot's request path).
	restOwed float64
	threads  threadUse // nfsd thread use, the queue layer's evidence
	stuck    stuckSeen // tasks stuck in D (stuck.go)
	// digest identifies the capture's content, so that comparing a file
	// with itself (or a copy) can say so.
	digest uint64
}

// holderKey names a task the threads waited behind for a CPU
// (model.CPUHolder).
type holderKey struct {
	name         string
	kernel, work bool
}

type classKey struct {
	site   model.WaitSite
	device string
}

// siteInfo is what a capture says about one raw wait site.
type siteInfo struct {
	ns      float64
	devTime map[string]float64 // D-time per device label
}

type profKey struct {
	comm, site, device, scheduler, op string
}

// Families of keyed series.
const (
	famSite       = iota // D-time by wait site (raw site; matched later)
	famDevice            // D-time by device label
	famScheduler         // D-time by scheduler label
	famOp                // D-time by NFS operation
	famComm              // D-time by command name
	famDClient           // D-time by the NFS client being served
	famRPCOp             // RPC latency by version and operation
	famRPCClient         // RPC latency (whole requests) by client
	famBlockDev          // block time (queue + service) by device
	famBlockSched        // block time by scheduler
	famBlockOp           // block time by request type
	famDevLat            // block service and queue latency per device
	famDisk              // /proc/diskstats await per device
	famLayer             // the time users feel by layer (see layerKey)
	famURing             // io_uring request latency by kind
	famAIO               // libaio request latency by kind
	numFams
)

// keyData is one key's per-interval series and whole-capture histograms.
type keyData struct {
	sum   []float64 // nanoseconds per interval
	cnt   []float64 // waits, requests or IOs per interval
	qsum  []float64 // block: queue nanoseconds per interval
	qcnt  []float64 // block: queued requests per interval
	bytes []float64 // devices: bytes read and written per interval
	hist  model.Hist
	queue model.Hist
	sched map[string]bool // device families: schedulers seen
}

type family map[string]*keyData

func (f family) get(k string) *keyData {
	d := f[k]
	if d == nil {
		d = &keyData{}
		f[k] = d
	}
	return d
}

func addAt(s *[]float64, i int, v float64) {
	for len(*s) <= i {
		*s = append(*s, 0)
	}
	(*s)[i] += v
}

// Load reads a capture file with its events skipped: a comparison uses the
// per-interval histograms, which hold every wait, not only those above the
// event threshold. A cut-off file is read up to its intact part (a note
// says so); a damaged frame in the middle is an error (capture.ErrCorrupt)
// unless salvage.
func Load(ctx context.Context, path string, salvage bool) (*Capture, error) {
	r, err := capture.Open(path, capture.ReadOptions{Salvage: salvage, SkipEvents: true})
	if err != nil {
		return nil, err
	}
	defer r.Close()
	c := newCapture(path, r.Meta())
	err = r.Each(ctx, 0, func(s *model.Snapshot) error {
		c.Add(s)
		return nil
	})
	if err != nil {
		return nil, err
	}
	c.Notes = r.Notes()
	if c.Snapshots == 0 {
		return nil, fmt.Errorf("%s holds no complete snapshot", path)
	}
	return c, nil
}

// FromSnapshots builds a Capture from snapshots in memory.
func FromSnapshots(name string, meta capture.Meta, snaps []*model.Snapshot) *Capture {
	c := newCapture(name, meta)
	for _, s := range snaps {
		c.Add(s)
	}
	return c
}

func newCapture(name string, meta capture.Meta) *Capture {
	c := &Capture{
		Name:     name,
		Meta:     meta,
		opMix:    map[string]float64{},
		prof:     map[profKey]*model.Hist{},
		sites:    map[model.WaitSite]*siteInfo{},
		classes:  map[classKey]string{},
		inSubmit: map[model.WaitSite]bool{},
		owners:   map[model.LockHolder]float64{},
		wakers:   map[wakerKey]float64{},
		wakeNs:   map[string]float64{},
		aioDev:   map[string]float64{},
		waiters:  map[string][]float64{},
		holders:  map[holderKey]float64{},
		files:    fileCounts{total: model.FileTotals{}},
		digest:   fnvString(fnvOffset, meta.Config.BootID+meta.Config.KernelRelease+meta.Config.Hostname+meta.Start.String()),
	}
	for i := range c.fams {
		c.fams[i] = family{}
	}
	return c
}

// Config is the host configuration the capture recorded.
func (c *Capture) Config() model.Config { return c.Meta.Config }

// Seconds is the total length of the capture's intervals.
func (c *Capture) Seconds() float64 {
	var s float64
	for _, v := range c.secs {
		s += v
	}
	return s
}

// Add folds one snapshot into the capture.
func (c *Capture) Add(s *model.Snapshot) {
	i := c.Snapshots
	c.Snapshots++
	if c.Start.IsZero() || s.Start.Before(c.Start) {
		c.Start = s.Start
	}
	if s.End.After(c.End) {
		c.End = s.End
	}
	c.addKernelLog(i, s)
	c.addStuck(s)
	for _, h := range s.Holders {
		c.holders[holderKey{name: h.Name, kernel: h.Kernel, work: h.Work}] += float64(h.SumNs)
	}
	if len(s.Host.Cgroups) > 0 {
		// Limits of targets that appeared, or set, while the capture
		// ran: the configuration compared is the one that bound the
		// threads at its end. The metadata's map may be shared: copied.
		m := maps.Clone(c.Meta.Config.Cgroups)
		if m == nil {
			m = make(map[string]string, len(s.Host.Cgroups))
		}
		maps.Copy(m, s.Host.Cgroups)
		c.Meta.Config.Cgroups = m
	}
	c.Events += s.Stats.Events
	c.Lost += s.Stats.Lost
	secs := s.Interval().Seconds()
	if secs <= 0 {
		secs = c.Meta.Interval.Seconds()
	}
	addAt(&c.secs, i, secs)
	if s.Calls != nil {
		addAt(&c.calls, i, float64(s.Calls.Count()))
		c.callBytes += float64(s.Calls.ReadBytes + s.Calls.WriteBytes)
	} else {
		addAt(&c.calls, i, 0)
		c.uncounted++
	}
	// A libaio request is timed from io_submit's return: the time it took
	// before, in the call, is the threads' waits inside io_submit (for a
	// request of the device's queue, for the file's lock), shared here
	// among the iocbs the interval's calls queued.
	perIOCB := 0.0
	if s.Submits != nil && s.Submits.AIO > 0 && len(s.AIO) > 0 {
		var inSubmit float64
		for j := range s.DState {
			if d := &s.DState[j]; d.Hist.SumNs > 0 && c.inAIOSubmit(d.WaitSite) {
				inSubmit += float64(d.Hist.SumNs)
			}
		}
		perIOCB = inSubmit / float64(s.Submits.AIO)
	}
	for _, f := range [...]struct {
		fam    int
		rows   []model.AsyncLat
		before float64
	}{{famURing, s.URing, 0}, {famAIO, s.AIO, perIOCB}} {
		for j := range f.rows {
			r := &f.rows[j]
			d := c.fams[f.fam].get(r.Kind)
			addAt(&d.sum, i, float64(r.Lat.SumNs)+f.before*float64(r.Lat.Count))
			addAt(&d.cnt, i, float64(r.Lat.Count))
			d.hist.Merge(&r.Lat)
		}
	}
	if s.Submits != nil {
		addAt(&c.submits, i, float64(s.Submits.Count()))
	} else {
		addAt(&c.submits, i, 0)
		c.unsubmitted++
	}
	if s.Calls != nil && s.Calls.CPU != nil {
		c.userNs += float64(s.Calls.CPU.UserNs)
		c.sysNs += float64(s.Calls.CPU.SysNs)
	} else {
		c.unsplit++
	}

	var ops float64
	for _, o := range s.Host.NFSD.Ops {
		n := float64(o.Count)
		op := model.OpOf(o.Proto, o.Op)
		if op.IsRequest() {
			ops += n
		}
		if op.IsWork() {
			c.opMix[op.String()] += n
		}
	}
	addAt(&c.ops, i, ops)
	c.files.add(i, s.Files)

	var reqs, reqNs float64
	for j := range s.RPC {
		r := &s.RPC[j]
		if r.Hist.Count == 0 || r.Op == "NULL" {
			continue
		}
		whole := !strings.HasPrefix(r.Version, "v4") || r.Op == "COMPOUND"
		if whole {
			reqs += float64(r.Hist.Count)
			reqNs += float64(r.Hist.SumNs)
			c.fams[famRPCClient].get(orDash(r.Client)).add(i, &r.Hist)
		}
		if r.Op != "COMPOUND" {
			c.fams[famRPCOp].get(r.Version+" "+r.Op).add(i, &r.Hist)
		}
	}
	addAt(&c.rpcReqs, i, reqs)
	c.digest = fnvString(c.digest, fmt.Sprint(s.End.UnixNano(), reqs, reqNs, len(s.DState), len(s.AsyncIO), len(s.Block)))
	layers := c.fams[famLayer]
	// Every layer key gets a series for every interval, so that one with
	// no time in an interval counts as zero there.
	var inLayers float64

	// The waits for asynchronous IO's completions are block IO like D
	// state's: the threads' time waiting for their IO, on the device of
	// their own requests in flight, or on one not known (IO held above
	// the device, or done when they went to sleep).
	inLayers += c.addDRows(i, s.DState, false)
	inLayers += c.addDRows(i, s.AsyncIO, true)

	var cpu, running, workers float64
	for j := range s.Run {
		cpu += s.Run[j].OnCPU.Seconds()
		if s.Run[j].Op == "" {
			running += float64(s.Run[j].Threads)
			if model.ThreadName(s.Run[j].Comm) == model.URingWorker {
				workers += float64(s.Run[j].Threads)
			}
		}
	}
	addAt(&c.onCPU, i, cpu)
	addAt(&c.running, i, running)
	addAt(&c.workers, i, workers)
	for j := range s.Run {
		r := &s.Run[j]
		if r.Outside != nil {
			c.outsideKnown = true
			c.outsideNs += float64(r.Outside.SumNs)
		}
		// nfsd's run-queue waits count inside a request only: a thread
		// woken for new work waits before the request is its.
		if (r.Runnable.Count == 0 && r.Runnable.SumNs == 0) || (reqs > 0 && r.Op == "") {
			continue
		}
		k := layers.get(LayerCPU)
		addAt(&k.sum, i, float64(r.Runnable.SumNs))
		addAt(&k.cnt, i, float64(r.Runnable.Count))
		if p := r.Preempted; p != nil {
			addAt(&c.preempts, i, float64(p.Count))
			addAt(&c.preemptNs, i, float64(p.SumNs))
		} else {
			c.preemptUnknown = true
		}
		if h := r.HeldBy; h != nil {
			for k, w := range h.Parts() {
				addAt(&c.held[k], i, float64(w.SumNs))
			}
		} else {
			c.heldUnknown = true
		}
		if r.Runnable.SumOnly() {
			k.hist.Count += r.Runnable.Count
			k.hist.SumNs += r.Runnable.SumNs
		} else {
			k.hist.Merge(&r.Runnable)
		}
		inLayers += float64(r.Runnable.SumNs)
	}
	// The time of requests outside the measured layers: on CPU, in the
	// network, asleep other than in D. Only nfsd requests have a measured
	// whole; traced threads without requests have no rest. A wait counts
	// in the interval it ends, a request's latency in the one it
	// completes, so a request that spans intervals has its waits counted
	// before its latency: the layers run ahead of the latency in some
	// intervals and behind it in the one the request completes. That
	// excess is owed to the rest, not dropped: cut at zero interval by
	// interval, the rest would gain every long request's waits a second
	// time, more the longer the requests are than an interval.
	// (Threads without requests only ever owe.)
	rest := reqNs - inLayers - c.restOwed
	c.restOwed = max(0, -rest)
	if rest > 0 {
		k := layers.get(LayerRest)
		addAt(&k.sum, i, rest)
		addAt(&k.cnt, i, reqs)
	}
	// The wait for a free nfsd thread comes before the request's own
	// latency (svc_stats_latency starts when a thread takes it): a layer
	// added to the rest, not taken out of it.
	for j := range s.Queue {
		if q := &s.Queue[j]; q.Wait.Count > 0 {
			layers.get(LayerQueue).add(i, &q.Wait)
		}
	}
	c.addWaits(s)
	for _, k := range layers {
		addAt(&k.sum, i, 0)
		addAt(&k.cnt, i, 0)
	}

	for j := range s.Block {
		b := &s.Block[j]
		if b.Service.Count == 0 && b.Queue.Count == 0 {
			continue
		}
		t := float64(b.Queue.SumNs + b.Service.SumNs)
		n := float64(b.Service.Count)
		for _, k := range []struct {
			f   int
			key string
		}{{famBlockDev, b.Device}, {famBlockSched, orDash(b.Scheduler)}, {famBlockOp, b.Op}} {
			d := c.fams[k.f].get(k.key)
			addAt(&d.sum, i, t)
			addAt(&d.cnt, i, n)
		}
		d := c.fams[famDevLat].get(b.Device)
		addAt(&d.sum, i, float64(b.Service.SumNs))
		addAt(&d.cnt, i, float64(b.Service.Count))
		addAt(&d.qsum, i, float64(b.Queue.SumNs))
		addAt(&d.qcnt, i, float64(b.Queue.Count))
		d.hist.Merge(&b.Service)
		d.queue.Merge(&b.Queue)
		d.addSched(b.Scheduler)
	}

	for j := range s.Host.Devices {
		dv := &s.Host.Devices[j]
		ios := (dv.ReadIOPS + dv.WriteIOPS) * secs
		if ios <= 0 {
			continue
		}
		d := c.fams[famDisk].get(dv.Name)
		addAt(&d.sum, i, dv.AwaitMs*1e6*ios)
		addAt(&d.cnt, i, ios)
		addAt(&d.bytes, i, (dv.ReadBps+dv.WriteBps)*secs)
		d.addSched(dv.Scheduler)
	}
}

func (d *keyData) add(i int, h *model.Hist) {
	addAt(&d.sum, i, float64(h.SumNs))
	addAt(&d.cnt, i, float64(h.Count))
	d.hist.Merge(h)
}

func (d *keyData) addSched(s string) {
	if s == "" {
		return
	}
	if d.sched == nil {
		d.sched = map[string]bool{}
	}
	d.sched[s] = true
}

// ProfileSnapshot returns the capture's D-state rows merged over the whole
// capture into one snapshot, with wait sites reduced to function names and
// modules (offsets, compiler suffixes and the generic scheduler and thread
// entry frames stripped), so that the off-CPU profiles of
// two kernels line up in `go tool pprof -diff_base`. It is what
// report.WritePprof needs.
func (c *Capture) ProfileSnapshot() *model.Snapshot {
	s := &model.Snapshot{Start: c.Start, End: c.End}
	for k, h := range c.prof {
		s.DState = append(s.DState, model.DState{
			Comm: k.comm, WaitSite: model.WaitSite(k.site), Device: k.device,
			Scheduler: k.scheduler, Op: k.op, Hist: *h,
		})
	}
	return s
}

// inAIOSubmit reports whether a raw site is inside io_submit (see
// model.WaitSite.InAIOSubmit), once per site.
func (c *Capture) inAIOSubmit(site model.WaitSite) bool {
	in, ok := c.inSubmit[site]
	if !ok {
		in = site.InAIOSubmit()
		c.inSubmit[site] = in
	}
	return in
}

// classOf returns the wait class of a raw site waited on with a device label.
func (c *Capture) classOf(site model.WaitSite, device string) string {
	k := classKey{site, device}
	cl, ok := c.classes[k]
	if !ok {
		cl = classify(site.Norm(), device)
		c.classes[k] = cl
	}
	return cl
}

const fnvOffset = 14695981039346656037

func fnvString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// addDRows adds interval i's D-state rows, or with async its waits for
// asynchronous IO, to the families and returns their time.
func (c *Capture) addDRows(i int, rows []model.DState, async bool) float64 {
	layers := c.fams[famLayer]
	var ns float64
	for j := range rows {
		d := &rows[j]
		if d.Hist.Count == 0 {
			continue
		}
		c.fams[famSite].get(string(d.WaitSite)).add(i, &d.Hist)
		c.fams[famDevice].get(orDash(d.Device)).add(i, &d.Hist)
		c.fams[famScheduler].get(orDash(d.Scheduler)).add(i, &d.Hist)
		c.fams[famOp].get(orDash(d.Op)).add(i, &d.Hist)
		c.fams[famComm].get(orDash(model.ThreadName(d.Comm))).add(i, &d.Hist) // captures before the samplers folded the names
		c.fams[famDClient].get(orDash(d.Client)).add(i, &d.Hist)
		cl := ClassBlockIO
		if !async {
			cl = c.classOf(d.WaitSite, d.Device)
		}
		lk := layerKey(cl, d.Device)
		layers.get(lk).add(i, &d.Hist)
		if dev := LayerDevice(lk); dev != "" {
			w := c.waiters[dev]
			addAt(&w, i, 0)
			w[i] = max(w[i], float64(d.Threads))
			c.waiters[dev] = w
		}
		ns += float64(d.Hist.SumNs)
		if lk == blockPrefix+unknownDevice {
			c.unnamedNs += float64(d.Hist.SumNs)
			if d.WaitSite.SlotWait() {
				c.slotNs += float64(d.Hist.SumNs)
			}
		}
		if async {
			c.aioDev[d.Device] += float64(d.Hist.SumNs)
			addAt(&c.aioWaits, i, float64(d.Hist.Count))
			if LayerDevice(lk) != "" {
				addAt(&c.aioNamed, i, float64(d.Hist.Count))
			}
		}
		c.digest = fnvString(c.digest, fmt.Sprint(d.Hist.SumNs, d.Hist.Count))
		si := c.sites[d.WaitSite]
		if si == nil {
			si = &siteInfo{devTime: map[string]float64{}}
			c.sites[d.WaitSite] = si
		}
		si.ns += float64(d.Hist.SumNs)
		si.devTime[d.Device] += float64(d.Hist.SumNs)
		pk := profKey{model.ThreadName(d.Comm), string(profileSite(d.WaitSite)), d.Device, d.Scheduler, d.Op}
		h := c.prof[pk]
		if h == nil {
			h = &model.Hist{}
			c.prof[pk] = h
		}
		h.Merge(&d.Hist)
	}
	return ns
}
