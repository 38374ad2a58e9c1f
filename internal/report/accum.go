package report

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/nfstrace/nfstrace/internal/model"
)

// frameAcc gathers what a Frame shows from snapshots fed one at a time,
// oldest first. It keeps sums, maxima and the latest snapshot, never the
// window itself, so a frame over a capture of any length takes the memory
// of what it shows (its wait sites, devices, operations and pools).
type frameAcc struct {
	cfg     model.Config
	n       int
	start   time.Time
	latest  *model.Snapshot
	sec     float64
	events  uint64
	lost    uint64
	cpu     time.Duration
	sites   siteTable
	devs    deviceTable
	ops     opTable
	nfsd    nfsdAcc
	run     runTable
	async   asyncTable
	uring   uringTable
	aio     uringTable
	locks   lockTable
	wakers  wakerTable
	kernel  kernelTable
	changes []SchedChangeAt
	// stuck keeps, per task group, its longest wait of model.StuckAfter
	// or more seen in the window (at most maxStuckGroups groups).
	stuck map[stuckKey]model.TaskGroup
}

// stuckKey is a task group: command, wait channel and stack.
type stuckKey struct {
	comm, wchan string
	stack       model.WaitSite
}

// maxStuckGroups bounds the stuck task groups a frame keeps: a damaged
// or hostile capture can name any number.
const maxStuckGroups = 64

func newFrameAcc(cfg model.Config) *frameAcc {
	return &frameAcc{cfg: cfg, aio: uringTable{aio: true}}
}

// add takes the next snapshot, which must not be nil.
func (a *frameAcc) add(s *model.Snapshot) {
	if a.n == 0 {
		a.start = s.Start
	}
	a.n++
	a.latest = s
	a.sec += seconds(s)
	a.events += s.Stats.Events
	a.lost += s.Stats.Lost
	a.cpu += s.Stats.CPU
	a.sites.add(s)
	a.devs.add(s)
	a.ops.add(s)
	a.nfsd.add(s)
	a.run.add(s)
	a.async.add(s)
	a.uring.add(s)
	a.aio.add(s)
	a.locks.add(s)
	a.wakers.add(s)
	a.kernel.add(s)
	for _, g := range s.Host.Load.DGroups {
		if g.Longest < model.StuckAfter {
			continue
		}
		k := stuckKey{comm: g.Comm, wchan: g.WaitChan, stack: g.Stack}
		old, ok := a.stuck[k]
		switch {
		case !ok && len(a.stuck) >= maxStuckGroups:
			continue
		case a.stuck == nil:
			a.stuck = make(map[stuckKey]model.TaskGroup)
		}
		g.Count, g.Longest = max(g.Count, old.Count), max(g.Longest, old.Longest)
		a.stuck[k] = g
	}
	for _, c := range s.Host.Changes {
		a.changes = append(a.changes, SchedChangeAt(c))
	}
}

// frame is the frame over every snapshot added.
func (a *frameAcc) frame(opt Options) (*Frame, error) {
	if a.n == 0 {
		return nil, errNoSnapshots
	}
	latest := a.latest
	f := &Frame{
		Version:     FrameVersion,
		Start:       a.start,
		End:         latest.End,
		IntervalSec: seconds(latest),
		WindowSec:   a.sec,
		Snapshots:   a.n,
		Changes:     a.changes,
	}
	f.Header = a.header()
	f.Load = buildLoad(&latest.Host.Load)
	if p := latest.Host.Pressure; p != nil {
		f.Pressure = &PressureLine{Some10: p.SomeAvg10, Full10: p.FullAvg10}
	}
	f.WaitSites = a.sites.rows(a.sec, &a.wakers)
	f.Devices = a.devs.rows(latest)
	f.Ops = a.ops.rows(a.sec)
	f.NFSD = a.nfsd.summary(a.cfg, latest, a.sec, f.Ops)
	f.DGroups = buildDGroups(latest.Host.Load.DGroups)
	f.Stuck = a.stuckRows()
	f.Run = a.run.rows(a.sec)
	f.CPUHolders = a.run.holderRows(a.sec)
	f.AsyncIO = a.async.rows(a.sec)
	f.URing = a.uring.rows(a.sec)
	f.AIO = a.aio.rows(a.sec)
	f.Locks = a.locks.rows(a.sec)
	f.Kernel = a.kernel.summary(a.cfg, a.sec)
	f.SortBy(opt.Sort)
	return f, nil
}

func (a *frameAcc) header() Header {
	cfg := a.cfg
	return Header{
		Host:            cfg.Hostname,
		Kernel:          cfg.KernelRelease,
		InstalledKernel: cfg.InstalledKernel,
		NextBootKernel:  cfg.NextBoot(),
		NextBootDiffers: cfg.NextBootDiffers(),
		Backend:         cfg.Backend.Name,
		BackendDetail:   cfg.Backend.Detail,
		Targets:         cfg.Targets,
		UptimeSec:       a.latest.Host.Uptime.Seconds(),
		Events:          a.events,
		Lost:            a.lost,
		TracerCPU:       perSec(a.cpu.Seconds(), a.sec),
	}
}

// siteKey identifies a wait-site row: stacks that differ only in what a
// reader never sees (offsets, modules, generic scheduler and thread-entry
// frames) make one row, not identical-looking ones.
type siteKey struct {
	frames            string // ShortFrames joined by ";"
	device, scheduler string
}

type siteAcc struct {
	site    model.WaitSite // the first full stack seen
	hist    model.Hist
	comms   map[string]bool
	ops     map[string]bool
	clients map[string]int64 // D-time ns
	threads int
}

// siteTable merges D-state rows by wait site, device and scheduler.
type siteTable struct {
	acc   map[siteKey]*siteAcc
	order []siteKey
}

func (t *siteTable) add(s *model.Snapshot) {
	if t.acc == nil {
		t.acc = map[siteKey]*siteAcc{}
	}
	threads := map[siteKey]int{}
	for i := range s.DState {
		d := &s.DState[i]
		k := siteKey{strings.Join(d.WaitSite.Short(), ";"), d.Device, d.Scheduler}
		a := t.acc[k]
		if a == nil {
			a = &siteAcc{site: d.WaitSite, comms: map[string]bool{}, ops: map[string]bool{}, clients: map[string]int64{}}
			t.acc[k] = a
			t.order = append(t.order, k)
		}
		a.hist.Merge(&d.Hist)
		if d.Comm != "" {
			a.comms[d.Comm] = true
		}
		if d.Op != "" {
			a.ops[strings.ToUpper(d.Op)] = true
		}
		if d.Client != "" {
			a.clients[d.Client] += int64(d.Hist.SumNs)
		}
		threads[k] += d.Threads
	}
	for k, n := range threads {
		t.acc[k].threads = max(t.acc[k].threads, n)
	}
}

// rows are the wait sites in the order first seen, rates over sec seconds,
// each with the wakers that ended its waits.
func (t *siteTable) rows(sec float64, wakers *wakerTable) []WaitSiteRow {
	rows := make([]WaitSiteRow, 0, len(t.order))
	for _, k := range t.order {
		a := t.acc[k]
		fr := a.site.Short()
		r := WaitSiteRow{
			Site:        a.site,
			Short:       shortStack(fr, 0, 0),
			Device:      k.device,
			Scheduler:   k.scheduler,
			Comms:       sortedKeys(a.comms),
			Ops:         sortedKeys(a.ops),
			Clients:     clientTimes(a.clients, a.hist.SumNs),
			Wakers:      wakers.of(k.frames),
			Threads:     a.threads,
			SumNs:       int64(a.hist.SumNs),
			DTimePerSec: perSec(a.hist.Sum().Seconds(), sec),
			frames:      fr,
		}
		if l := latencyOf(&a.hist); l != nil {
			r.Latency = *l
		}
		rows = append(rows, r)
	}
	return rows
}

type devAcc struct {
	sec                            float64
	rIOPS, wIOPS, rBps, wBps, util float64
	awaitWeighted, awaitWeight     float64
}

type blockKey struct{ device, scheduler string }

type blockAcc struct{ queue, service model.Hist }

// deviceTable averages diskstats over time, weighted by interval length,
// and merges block histograms by device and scheduler.
type deviceTable struct {
	acc        map[string]*devAcc
	blocks     map[blockKey]*blockAcc
	blockOrder []blockKey
}

func (t *deviceTable) add(s *model.Snapshot) {
	if t.acc == nil {
		t.acc = map[string]*devAcc{}
		t.blocks = map[blockKey]*blockAcc{}
	}
	d := seconds(s)
	for _, dev := range s.Host.Devices {
		a := t.acc[dev.Name]
		if a == nil {
			a = &devAcc{}
			t.acc[dev.Name] = a
		}
		a.sec += d
		a.rIOPS += dev.ReadIOPS * d
		a.wIOPS += dev.WriteIOPS * d
		a.rBps += dev.ReadBps * d
		a.wBps += dev.WriteBps * d
		a.util += dev.Util * d
		ios := (dev.ReadIOPS + dev.WriteIOPS) * d
		a.awaitWeighted += dev.AwaitMs * ios
		a.awaitWeight += ios
	}
	for i := range s.Block {
		b := &s.Block[i]
		k := blockKey{b.Device, b.Scheduler}
		ba := t.blocks[k]
		if ba == nil {
			ba = &blockAcc{}
			t.blocks[k] = ba
			t.blockOrder = append(t.blockOrder, k)
		}
		ba.queue.Merge(&b.Queue)
		ba.service.Merge(&b.Service)
	}
}

// rows are the devices of the latest snapshot, which must have been added,
// then block data under schedulers or on devices it does not list.
func (t *deviceTable) rows(latest *model.Snapshot) []DeviceRow {
	rows := make([]DeviceRow, 0, len(latest.Host.Devices)+len(t.blockOrder))
	used := map[blockKey]bool{}
	for _, dev := range latest.Host.Devices {
		a := t.acc[dev.Name]
		st := &DiskStats{InFlight: dev.InFlight}
		if a.sec > 0 {
			st.ReadIOPS = a.rIOPS / a.sec
			st.WriteIOPS = a.wIOPS / a.sec
			st.ReadBps = a.rBps / a.sec
			st.WriteBps = a.wBps / a.sec
			st.Util = a.util / a.sec
		} else {
			st.ReadIOPS, st.WriteIOPS = dev.ReadIOPS, dev.WriteIOPS
			st.ReadBps, st.WriteBps, st.Util = dev.ReadBps, dev.WriteBps, dev.Util
		}
		if a.awaitWeight > 0 {
			st.AwaitMs = a.awaitWeighted / a.awaitWeight
		}
		r := DeviceRow{Name: dev.Name, Scheduler: dev.Scheduler, Stats: st}
		k := blockKey{dev.Name, dev.Scheduler}
		if ba := t.blocks[k]; ba != nil {
			r.Queue, r.Service = latencyOf(&ba.queue), latencyOf(&ba.service)
			used[k] = true
		}
		rows = append(rows, r)
	}
	for _, k := range t.blockOrder {
		if used[k] {
			continue
		}
		ba := t.blocks[k]
		rows = append(rows, DeviceRow{Name: k.device, Scheduler: k.scheduler,
			Queue: latencyOf(&ba.queue), Service: latencyOf(&ba.service)})
	}
	return rows
}

// opKeyPair is an operation under opKey's normalized names.
type opKeyPair struct{ proto, op string }

type opAcc struct {
	count   float64
	counted bool
	hist    model.Hist
	errors  uint64
	clients map[string]uint64
}

// opTable merges the host's operation counts and the tracer's RPC latency
// by operation.
type opTable struct {
	acc map[opKeyPair]*opAcc
}

func (t *opTable) get(k opKeyPair) *opAcc {
	if t.acc == nil {
		t.acc = map[opKeyPair]*opAcc{}
	}
	a := t.acc[k]
	if a == nil {
		a = &opAcc{clients: map[string]uint64{}}
		t.acc[k] = a
	}
	return a
}

func (t *opTable) add(s *model.Snapshot) {
	d := seconds(s)
	for _, oc := range s.Host.NFSD.Ops {
		op := model.OpOf(oc.Proto, oc.Op)
		a := t.get(opKeyPair{op.Version, op.Name})
		c := float64(oc.Count)
		if c == 0 && oc.Rate > 0 {
			c = oc.Rate * d
		}
		a.count += c
		a.counted = true
	}
	for i := range s.RPC {
		r := &s.RPC[i]
		op := model.OpOf(r.Version, r.Op)
		a := t.get(opKeyPair{op.Version, op.Name})
		a.hist.Merge(&r.Hist)
		if r.Status != "" && !strings.EqualFold(r.Status, "ok") {
			a.errors += r.Hist.Count
		}
		if r.Client != "" {
			a.clients[r.Client] += r.Hist.Count
		}
	}
}

// rows are the operations seen, ordered by protocol and name, rates over
// sec seconds.
func (t *opTable) rows(sec float64) []OpRow {
	rows := make([]OpRow, 0, len(t.acc))
	for k, a := range t.acc {
		r := OpRow{Proto: k.proto, Op: k.op, Latency: latencyOf(&a.hist), Errors: a.errors}
		if a.counted {
			r.Count = uint64(a.count + 0.5)
		} else {
			r.Count = a.hist.Count
		}
		r.PerSec = perSec(float64(r.Count), sec)
		var total uint64
		for c, n := range a.clients {
			total += n
			if n > a.clients[r.TopClient] || (n == a.clients[r.TopClient] && (r.TopClient == "" || c < r.TopClient)) {
				r.TopClient = c
			}
		}
		if total > 0 {
			r.TopClientShare = float64(a.clients[r.TopClient]) / float64(total)
		}
		if r.Count == 0 && r.Latency == nil {
			continue
		}
		rows = append(rows, r)
	}
	// Map order is random; a fixed order makes sums over the rows (the
	// server's ops/s) the same to the last bit on every run.
	slices.SortFunc(rows, func(a, b OpRow) int {
		if c := strings.Compare(a.Proto, b.Proto); c != 0 {
			return c
		}
		return strings.Compare(a.Op, b.Op)
	})
	return rows
}

// nfsdAcc sums the NFS server's D-time, thread time, bytes and pool counters.
type nfsdAcc struct {
	dNs, threadSec         float64
	nfsdRows               bool
	pools                  map[int]*model.Pool
	poolIDs                []int
	rBytes, wBytes, rcHits uint64
	queue                  model.Hist // requests' wait for a free thread
	// thread use (eBPF): busy thread time and the thread-seconds it covers;
	// searches for an idle thread and those that found none, where counted
	busyNs, busyThreadSec float64
	busyMeasured          bool
	wakeups, noIdle       uint64
	noIdleCounted         bool
	files                 fileAcc
}

func (a *nfsdAcc) add(snap *model.Snapshot) {
	for i := range snap.DState {
		if snap.DState[i].Comm == "nfsd" {
			a.dNs += float64(snap.DState[i].Hist.SumNs)
			a.nfsdRows = true
		}
	}
	a.threadSec += float64(snap.Host.NFSD.Threads) * seconds(snap)
	a.rBytes += snap.Host.NFSD.ReadBytes
	a.wBytes += snap.Host.NFSD.WriteBytes
	a.rcHits += snap.Host.NFSD.RCHits
	for i := range snap.Queue {
		a.queue.Merge(&snap.Queue[i].Wait)
	}
	if u := snap.Threads; u != nil {
		a.busyMeasured = true
		a.busyNs += float64(u.BusyNs)
		a.busyThreadSec += float64(snap.Host.NFSD.Threads) * seconds(snap)
		if u.NoIdleFrom != "" {
			a.noIdleCounted = true
			a.wakeups += u.Wakeups
			a.noIdle += u.NoIdle
		}
	}
	a.files.add(snap.Files)
	for _, p := range snap.Host.NFSD.Pools {
		if a.pools == nil {
			a.pools = map[int]*model.Pool{}
		}
		pa := a.pools[p.ID]
		if pa == nil {
			pa = &model.Pool{ID: p.ID}
			a.pools[p.ID] = pa
			a.poolIDs = append(a.poolIDs, p.ID)
		}
		pa.PacketsArrived += p.PacketsArrived
		pa.SocketsQueued += p.SocketsQueued
		pa.ThreadsWoken += p.ThreadsWoken
		pa.ThreadsTimedout += p.ThreadsTimedout
	}
}

// summary is the server's state: gauges from latest, rates over sec
// seconds, ops/s from ops.
func (a *nfsdAcc) summary(cfg model.Config, latest *model.Snapshot, sec float64, ops []OpRow) NFSDSummary {
	n := &latest.Host.NFSD
	s := NFSDSummary{Running: n.Running, Threads: n.Threads, InD: n.ThreadsInD, Versions: n.Versions}
	for _, o := range ops {
		if !model.OpOf(o.Proto, o.Op).IsEnvelope() {
			s.OpsPerSec += o.PerSec
		}
	}
	s.DTimePerSec = perSec(a.dNs/1e9, sec)
	tracesNFSD := a.nfsdRows || cfg.Targets == "" || strings.Contains(cfg.Targets, "nfsd") || strings.Contains(cfg.Targets, "all")
	traced := cfg.Backend.Name != "" && cfg.Backend.Name != "none"
	if n.Running && a.threadSec > 0 && traced && tracesNFSD {
		share := min(a.dNs/1e9/a.threadSec, 1)
		s.DShare = &share
	}
	s.ReadBps = perSec(float64(a.rBytes), sec)
	s.WriteBps = perSec(float64(a.wBytes), sec)
	s.RCHitsPerS = perSec(float64(a.rcHits), sec)
	s.QueueWait = latencyOf(&a.queue)
	a.threadUse(&s, sec)
	s.Files = a.files.summary(sec)
	ids := slices.Sorted(slices.Values(a.poolIDs))
	for _, id := range ids {
		p := a.pools[id]
		s.Pools = append(s.Pools, PoolRate{
			ID:              id,
			PacketsPerSec:   perSec(float64(p.PacketsArrived), sec),
			QueuedPerSec:    perSec(float64(p.SocketsQueued), sec),
			WokenPerSec:     perSec(float64(p.ThreadsWoken), sec),
			TimedoutPerSec:  perSec(float64(p.ThreadsTimedout), sec),
			PacketsInWindow: p.PacketsArrived,
		})
	}
	return s
}

// stuckRows are the task groups stuck in D in the window, the longest
// wait first, each Open when the latest snapshot still had it stuck.
func (a *frameAcc) stuckRows() []DGroupRow {
	if len(a.stuck) == 0 {
		return nil
	}
	groups := make([]model.TaskGroup, 0, len(a.stuck))
	for _, g := range a.stuck {
		groups = append(groups, g)
	}
	rows := buildDGroups(groups)
	open := make(map[[2]string]bool)
	for _, r := range buildDGroups(a.latest.Host.Load.DGroups) {
		if r.Longest >= model.StuckAfter {
			open[r.key()] = true
		}
	}
	for i := range rows {
		rows[i].Open = open[rows[i].key()]
	}
	slices.SortStableFunc(rows, func(x, y DGroupRow) int { return cmp.Compare(y.Longest, x.Longest) })
	return rows
}
