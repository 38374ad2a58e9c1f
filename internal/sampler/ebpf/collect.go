package ebpf

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/nfstrace/nfstrace/internal/model"
)

// Request entries unused for rqIdle are deleted, checked every pruneEvery.
const (
	pruneEvery = 30 * time.Second
	rqIdle     = time.Minute
)

// pruneRequests deletes request entries not used for rqIdle: left over from
// requests of a previous scheduler (each has its own request pool) or of a
// removed device. The kernel keeps entries of live requests for reuse. The
// io_uring and libaio requests started rqIdle ago or earlier go too: their
// completions were not seen.
func (t *Tracer) pruneRequests() error {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return fmt.Errorf("read monotonic clock: %w", err)
	}
	cutoff := uint64(ts.Nano()) - uint64(rqIdle)
	if t.uring != nil {
		if err := t.uring.prune(cutoff); err != nil {
			return err
		}
	}
	if t.aio != nil {
		if err := t.aio.prune(cutoff); err != nil {
			return err
		}
	}
	if t.rqs == nil {
		return nil
	}
	var stale []uint64
	var k uint64
	var v coreRqInfo
	it := t.rqs.Iterate()
	for it.Next(&k, &v) {
		if v.Active == 0 && v.LastNs < cutoff {
			stale = append(stale, k)
		}
	}
	if err := it.Err(); err != nil {
		return fmt.Errorf("read rqs: %w", err)
	}
	for _, k := range stale {
		_ = t.rqs.Delete(k) // reused meanwhile is harmless: recreated on demand
	}
	return nil
}

// idleLimit is how many Collects a kernel histogram may stay unchanged before
// it is deleted from its map, so that maps do not fill with old keys.
const idleLimit = 60

// kstate is what Collect remembers of one kernel aggregate: its value at the
// previous Collect, and for how many Collects it has not changed.
type kstate[V any] struct {
	last V
	idle int
}

// eachDelta walks a kernel aggregation map: for each key whose value
// changed since the previous call it calls fn with diff(cur, last); keys that
// did not change age, and those idle too long are deleted (forget).
func eachDelta[K comparable, V, D any](m *ebpf.Map, prev map[K]*kstate[V], diff func(cur, last *V) (D, bool), fn func(*K, *D)) error {
	var k K
	var v V
	seen := make(map[K]bool, len(prev))
	it := m.Iterate()
	for it.Next(&k, &v) {
		seen[k] = true
		st := prev[k]
		if st == nil {
			st = &kstate[V]{}
			prev[k] = st
		}
		d, changed := diff(&v, &st.last)
		st.last = v
		if !changed {
			st.idle++
			continue
		}
		st.idle = 0
		fn(&k, &d)
	}
	if err := it.Err(); err != nil {
		return err
	}
	forget(m, prev, seen)
	return nil
}

// forget drops the states of keys no longer in the kernel map m, and deletes
// from m (and prev) the keys idle for more than idleLimit Collects.
func forget[K comparable, V any](m *ebpf.Map, prev map[K]*kstate[V], seen map[K]bool) {
	for key, st := range prev {
		switch {
		case !seen[key]:
			delete(prev, key)
		case st.idle > idleLimit:
			_ = m.Delete(&key)
			delete(prev, key)
		}
	}
}

// sumBval adds the per-CPU values of a block histogram.
func sumBval(perCPU []coreBval) coreBval {
	var v coreBval
	for i := range perCPU {
		addHist(&v.Queue, &perCPU[i].Queue)
		addHist(&v.Service, &perCPU[i].Service)
	}
	return v
}

func addHist(dst, src *coreHist) {
	for i := range dst.Slots {
		dst.Slots[i] += src.Slots[i]
	}
	dst.Count += src.Count
	dst.SumNs += src.SumNs
	dst.MaxNs = max(dst.MaxNs, src.MaxNs)
}

// site, device, op and client make Tracer a labeler.

func (t *Tracer) site(stackID int32) model.WaitSite { return t.stackSym.site(t.stacks, stackID) }

func (t *Tracer) device(dev uint32) string {
	if dev == 0 {
		return model.NotBlockIO
	}
	t.devs.mu.Lock()
	defer t.devs.mu.Unlock()
	return t.devs.name(dev)
}

// deviceSched labels a kernel key's device and scheduler.
func (t *Tracer) deviceSched(dev uint32, sched *[16]int8) (string, string) {
	if dev == 0 {
		return model.NotBlockIO, model.NotBlockIO
	}
	t.devs.mu.Lock()
	defer t.devs.mu.Unlock()
	return t.devs.name(dev), t.devs.intern(int8s(sched))
}

func (t *Tracer) op(proto, op uint32) string {
	t.devs.mu.Lock()
	defer t.devs.mu.Unlock()
	return t.devs.opLabel(proto, op)
}

// client renders the client of a D-state key or event. Only Collect calls
// it (for the rows and, through take, the events), holding t.mu.
func (t *Tracer) client(family uint16, addr [16]byte) string {
	if len(t.dclients) > maxClients {
		t.dclients = rpcClientCache{}
	}
	return t.dclients.client(family, addr)
}

// delta returns cur - prev for a histogram; the maximum is the current one
// when anything was added (the kernel keeps a running maximum).
func delta(cur, prev *coreHist) model.Hist {
	var h model.Hist
	if cur.Count < prev.Count { // the entry was recreated
		prev = &coreHist{}
	}
	for i := range h.Buckets {
		h.Buckets[i] = cur.Slots[i] - prev.Slots[i]
	}
	h.Count = cur.Count - prev.Count
	h.SumNs = cur.SumNs - prev.SumNs
	if h.Count > 0 {
		h.MaxNs = cur.MaxNs
	}
	return h
}

// Collect moves what the kernel aggregated since the previous call into snap.
func (t *Tracer) Collect(snap *model.Snapshot) error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return errors.New("ebpf tracer is closed")
	}
	exts := t.exts
	t.mu.Unlock()
	// The extensions first: the nfsd histograms are read next to the
	// /proc/net/rpc/nfsd counts the sampler has just read, which they are
	// held to. Read after the maps below (a second under TCG), they would
	// count what came in between, and a run's last interval the requests
	// that followed it.
	var errs []error
	for _, e := range exts {
		errs = append(errs, e.Collect(snap))
	}
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return errors.Join(append(errs, errors.New("ebpf tracer is closed"))...)
	}
	errs = append(errs, t.collectCounters(snap))
	if t.dhists != nil {
		errs = append(errs, t.collectDState(snap))
	}
	if t.bhists != nil {
		errs = append(errs, t.collectBlock(snap))
	}
	if t.rvals != nil {
		errs = append(errs, t.collectRun(snap))
	}
	if t.holders != nil {
		errs = append(errs, t.collectHolders(snap))
	}
	if t.wakers != nil {
		errs = append(errs, t.collectWakers(snap))
	}
	if t.lhists != nil {
		errs = append(errs, t.collectLocks(snap))
	}
	if t.uring != nil {
		rows, err := t.uring.collect()
		snap.URing = rows
		errs = append(errs, err)
	}
	if t.aio != nil {
		rows, err := t.aio.collect()
		snap.AIO = rows
		errs = append(errs, err)
	}
	if (t.rqs != nil || t.uring != nil || t.aio != nil) && time.Since(t.lastPrune) >= pruneEvery {
		errs = append(errs, t.pruneRequests())
		t.lastPrune = time.Now()
	}
	events, read, lost, _, bad := t.agg.take()
	snap.Events = append(snap.Events, events...)
	snap.Stats.Events += read
	snap.Stats.Lost += lost + bad
	t.mu.Unlock()
	return errors.Join(errs...)
}

func (t *Tracer) collectCounters(snap *model.Snapshot) error {
	var cur [cntMax]uint64
	for i := range cur {
		var perCPU []uint64
		if err := t.counters.Lookup(uint32(i), &perCPU); err != nil {
			return fmt.Errorf("read counters: %w", err)
		}
		for _, v := range perCPU {
			cur[i] += v
		}
	}
	d := func(i int) uint64 { return cur[i] - t.prevCnt[i] }
	snap.Stats.Lost += d(cntLost)
	if n := d(cntStackErr); n > 0 {
		t.log.Warn("ebpf: kernel stacks not recorded (stack map full or hash collision); their intervals show as wait site \"unknown\"", "count", n)
	}
	if n := d(cntDStateFull) + d(cntBlockFull) + d(cntRunFull) + d(cntWakerFull) + d(cntLockFull) + d(cntHolderFull); n > 0 {
		t.log.Warn("ebpf maps full: intervals, requests, time slices, wakeups, lock waits or CPU holders not counted",
			"dstate", d(cntDStateFull), "block", d(cntBlockFull), "run", d(cntRunFull), "wakers", d(cntWakerFull), "locks", d(cntLockFull),
			"holders", d(cntHolderFull))
		snap.Stats.Lost += n
	}
	if n := d(cntKpOpen); n > 0 {
		t.log.Debug("lock waits from the slow-path kprobes", "opened", n, "slept", d(cntKpSlept), "spun", d(cntKpSpun))
	}
	if t.submits {
		snap.Submits = &model.Submits{AIO: d(cntAIOSubmitted), URing: d(cntURingSubmitted)}
	}
	if n := d(cntURingFull); n > 0 {
		t.log.Warn("io_uring requests not timed: the request map was full", "requests", n)
	}
	if n := d(cntAIOFull); n > 0 {
		t.log.Warn("libaio requests not timed: the request map was full", "requests", n)
	}
	t.prevCnt = cur
	var progs []*ebpf.Program
	for _, c := range []*ebpf.Collection{t.coll, t.lockColl} {
		if c != nil {
			for _, p := range c.Programs {
				progs = append(progs, p)
			}
		}
	}
	n, err := missDelta(&t.misses, progs)
	if err != nil {
		return err
	}
	if w := t.misses.warn(n, time.Now()); w > 0 {
		t.log.Warn("ebpf: programs skipped because one was already running on the CPU (a preempted or interrupted program); their samples are lost and counted as lost", "count", w, "reported at most every", missWarnEvery)
	}
	snap.Stats.Lost += n
	return nil
}

// drainThreads counts the entries of a (key, tid) set map per key, the
// distinct threads seen per key since the last call, and empties the map.
func drainThreads[T any, K comparable](m *ebpf.Map, key func(*T) K) (map[K]int, error) {
	threads := make(map[K]int)
	var all []T
	var th T
	var one uint8
	it := m.Iterate()
	for it.Next(&th, &one) {
		threads[key(&th)]++
		all = append(all, th)
	}
	if err := it.Err(); err != nil {
		return nil, err
	}
	for i := range all {
		_ = m.Delete(&all[i]) // gone already (LRU) is fine
	}
	return threads, nil
}

type dRowKey struct {
	comm, site, dev, sched, op, client string
	intr                               bool
}

func (t *Tracer) collectDState(snap *model.Snapshot) error {
	threads, err := drainThreads(t.dthreads, func(th *coreDthread) coreDkey { return th.Key })
	if err != nil {
		return fmt.Errorf("read dthreads: %w", err)
	}

	rows := make(map[dRowKey]*model.DState)
	err = eachDelta(t.dhists, t.prevD, func(cur, last *coreHist) (model.Hist, bool) {
		h := delta(cur, last)
		return h, h.Count > 0
	}, func(k *coreDkey, h *model.Hist) {
		site := t.site(k.StackId)
		if k.Intr != 0 && !site.AsyncIOWait() {
			// An interruptible sleep with IO of its own in flight
			// that waits for something else (work, a timer).
			return
		}
		dev, sched := t.deviceSched(k.Dev, &k.Sched)
		rk := dRowKey{comm: threadName(&k.Comm), site: string(site), dev: dev, sched: sched,
			op: t.op(k.Proto, k.Op), client: t.client(k.Family, k.Addr), intr: k.Intr != 0}
		row := rows[rk]
		if row == nil {
			row = &model.DState{Comm: rk.comm, WaitSite: model.WaitSite(rk.site), Device: dev, Scheduler: sched,
				Op: rk.op, Client: rk.client}
			rows[rk] = row
		}
		row.Hist.Merge(h)
		row.Threads += threads[*k]
	})
	if err != nil {
		return fmt.Errorf("read dhists: %w", err)
	}
	for rk, r := range rows {
		if rk.intr {
			snap.AsyncIO = append(snap.AsyncIO, *r)
		} else {
			snap.DState = append(snap.DState, *r)
		}
	}
	byTime := func(a, b model.DState) int {
		return cmp.Or(cmp.Compare(b.Hist.SumNs, a.Hist.SumNs), strings.Compare(string(a.WaitSite), string(b.WaitSite)))
	}
	slices.SortFunc(snap.DState, byTime)
	slices.SortFunc(snap.AsyncIO, byTime)
	return nil
}

type bRowKey struct {
	dev, sched, op, size string
}

func (t *Tracer) collectBlock(snap *model.Snapshot) error {
	rows := make(map[bRowKey]*model.Block)
	var k coreBkey
	var v coreBval
	var perCPU []coreBval
	next := func(it *ebpf.MapIterator) bool { return it.Next(&k, &v) }
	if t.blockPerCPU {
		next = func(it *ebpf.MapIterator) bool {
			if !it.Next(&k, &perCPU) {
				return false
			}
			v = sumBval(perCPU)
			return true
		}
	}
	seen := make(map[coreBkey]bool, len(t.prevB))
	it := t.bhists.Iterate()
	for next(it) {
		seen[k] = true
		st := t.prevB[k]
		if st == nil {
			st = &kstate[coreBval]{}
			t.prevB[k] = st
		}
		q := delta(&v.Queue, &st.last.Queue)
		s := delta(&v.Service, &st.last.Service)
		st.last = v
		if s.Count == 0 && q.Count == 0 {
			st.idle++
			continue
		}
		st.idle = 0
		dev, sched := t.deviceSched(k.Dev, &k.Sched)
		rk := bRowKey{dev: dev, sched: sched, op: blockOpName(k.Op), size: sizeClassName(k.SizeClass)}
		row := rows[rk]
		if row == nil {
			row = &model.Block{Device: dev, Scheduler: sched, Op: rk.op, Size: rk.size}
			rows[rk] = row
		}
		row.Queue.Merge(&q)
		row.Service.Merge(&s)
	}
	if err := it.Err(); err != nil {
		return fmt.Errorf("read bhists: %w", err)
	}
	forget(t.bhists, t.prevB, seen)
	for _, r := range rows {
		snap.Block = append(snap.Block, *r)
	}
	slices.SortFunc(snap.Block, func(a, b model.Block) int {
		return strings.Compare(a.Device+a.Scheduler+a.Op+a.Size, b.Device+b.Scheduler+b.Op+b.Size)
	})
	return nil
}
