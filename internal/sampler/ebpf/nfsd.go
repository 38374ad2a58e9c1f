package ebpf

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"
	"github.com/cilium/ebpf/link"

	"github.com/nfstrace/nfstrace/internal/model"
)

// NFSDOptions configures LoadNFSD.
type NFSDOptions struct {
	// ThreadOp is the thread_op map of the core collection, shared so that
	// the D-state program sees which NFS operation a thread serves. Nil
	// creates a private map (when no D-state program runs, and in tests).
	ThreadOp *ebpf.Map
	// KernelTypes overrides the kernel BTF (--kernel-btf). Nil uses
	// /sys/kernel/btf/vmlinux plus the BTF of loaded modules, which the
	// programs need: struct svc_rqst lives in sunrpc.ko, the NFSv4 COMPOUND
	// types in nfsd.ko.
	KernelTypes *btf.Spec
	// Cache shares decoded kernel BTF with other loads; nil makes one.
	Cache *btf.Cache
	// ForceKprobe uses the kprobe fallback on nfsd_dispatch even where the
	// sunrpc tracepoints exist (to test the fallback).
	ForceKprobe bool
	// SysFS is the sysfs root used to tell whether the modules are loaded;
	// "" means /sys.
	SysFS string
	// NoIdle chooses the tracepoint that counts requests finding no idle
	// thread: NoIdleAuto (or "") picks what the kernel has, the others force
	// one (NoIdleOff attaches none).
	NoIdle string
}

// Probe names reported by LoadNFSD.
const (
	ProbeSvcProcess     = "sunrpc:svc_process"
	ProbeSvcLatency     = "sunrpc:svc_stats_latency"
	ProbeSvcDrop        = "sunrpc:svc_drop"
	ProbeCompound       = "nfsd:nfsd_compound"
	ProbeCompoundStatus = "nfsd:nfsd_compound_status"
	ProbeDispatch       = "kprobe:nfsd_dispatch"
	ProbeXprtEnqueue    = "sunrpc:svc_xprt_enqueue"
	ProbeNoIdle         = "sunrpc:no-idle-thread"
)

// nfsdFlipGrace is how long Collect waits after switching generations before it
// reads the old one, so that a program that looked up the old generation just
// before the switch has finished its update (programs run for microseconds).
const nfsdFlipGrace = time.Millisecond

// NFSD is the loaded and attached nfsd collection. A nil *NFSD is valid: it
// collects nothing and closes without error.
type NFSD struct {
	maps     map[string]*ebpf.Map
	progs    []*ebpf.Program
	links    []link.Link // kept for the collection's lifetime, or the GC detaches them
	rpc      *ebpf.Map
	genMap   *ebpf.Map
	counters *ebpf.Map
	qwait    *ebpf.Map // nil until the queue programs attached
	files    *ebpf.Map // nil until a file probe attached
	fileKeys []nfsdFileKey
	fileVals []nfsdFileVal
	noIdle   string // the tracepoint counting requests that found no idle thread; "" none
	rpcs     bool   // the RPC end is traced: busy thread time is measured
	lastQ    [nfsdMaxPools]nfsdHist
	gen      uint32
	last     [nfsdCntMax]uint64
	misses   missCounter
	entries  []rpcEntry
	clients  rpcClientCache
}

// NFSDStats counts what the nfsd programs saw since the previous Collect.
type NFSDStats struct {
	RPCs uint64 // RPC replies recorded
	Ops  uint64 // NFSv4 COMPOUND operations recorded
	// Dropped counts samples lost because the aggregation map was full.
	Dropped uint64
	// BusyNs is the service time of the RPCs recorded: thread time busy.
	BusyNs uint64
	// Wakeups counts searches for an idle thread, NoIdle those that found
	// none (zero unless a no-idle probe attached).
	Wakeups, NoIdle uint64
	// FilesLost counts reads and writes left out of the per-file counts
	// because their map was full.
	FilesLost uint64
	// Files is the reads and writes per file; nil when no file probe
	// attached.
	Files *model.Files
}

// nfsd_counters slots (bpf/nfsd.bpf.c CNT_*).
const (
	nfsdCntRPCs    = 0
	nfsdCntOps     = 1
	nfsdCntFull    = 2
	nfsdCntBusyNs  = 3
	nfsdCntWakeups = 4
	nfsdCntNoIdle  = 5
	nfsdCntFiles   = 6
	nfsdCntMax     = 8
)

// LoadNFSD loads the nfsd programs and attaches every one the kernel allows.
// It returns one model.Probe per attach point with its status and reason.
// A missing module, tracepoint or BTF makes probes unavailable, not an error:
// where nothing could attach, LoadNFSD returns a nil *NFSD, the probes and a
// nil error. The error is for failures of the tracer itself (maps that cannot
// be created).
func LoadNFSD(opts NFSDOptions) (*NFSD, []model.Probe, error) {
	sysfs := cmp.Or(opts.SysFS, "/sys")
	sunrpc := nfsdModuleLoaded(sysfs, "sunrpc")
	nfsd := nfsdModuleLoaded(sysfs, "nfsd")
	if !sunrpc {
		reason := "module sunrpc not loaded: this host serves no NFS"
		return nil, nfsdUnavailable(reason, ProbeSvcProcess, ProbeSvcLatency, ProbeSvcDrop, ProbeCompound, ProbeCompoundStatus, ProbeReadStart, ProbeWriteStart), nil
	}

	spec, err := loadNfsd()
	if err != nil {
		// No object for this architecture: nothing the tracer did wrong.
		reason := "nfsd object: " + nfsdOneLine(err)
		return nil, nfsdUnavailable(reason, ProbeSvcProcess, ProbeSvcLatency, ProbeSvcDrop, ProbeCompound, ProbeCompoundStatus, ProbeReadStart, ProbeWriteStart), nil
	}
	n, err := newNFSD(spec, opts.ThreadOp)
	if err != nil {
		return nil, nil, err
	}
	cache := opts.Cache
	if cache == nil {
		cache = btf.NewCache()
	}
	// Relocate against vmlinux plus the two modules the programs read, rather
	// than the BTF of every loaded module (cilium/ebpf's default).
	kernelTypes := opts.KernelTypes
	if kernelTypes == nil {
		if k, err := cache.Kernel(); err == nil {
			kernelTypes = k
		}
	}
	var modules []*btf.Spec
	for _, m := range []string{"sunrpc", "nfsd"} {
		if s, err := cache.Module(m); err == nil {
			modules = append(modules, s)
		}
	}
	l := &nfsdLoader{n: n, spec: spec, cache: cache, kernelTypes: kernelTypes, modules: modules, sysfs: sysfs}

	var probes []model.Probe
	rpcAttached := false
	if opts.ForceKprobe {
		for _, name := range []string{ProbeSvcProcess, ProbeSvcLatency, ProbeSvcDrop} {
			probes = append(probes, model.Probe{Name: name, Status: model.ProbeUnavailable, Detail: "not used: kprobe fallback forced"})
		}
	} else {
		latency := l.rawTracepoint(ProbeSvcLatency, nfsdProgNfsdSvcStatsLatency, "svc_stats_latency")
		process := l.rawTracepoint(ProbeSvcProcess, nfsdProgNfsdSvcProcess, "svc_process")
		drop := l.rawTracepoint(ProbeSvcDrop, nfsdProgNfsdSvcDrop, "svc_drop")
		probes = append(probes, process, latency, drop)
		rpcAttached = latency.Status == model.ProbeAttached
	}
	n.rpcs = rpcAttached
	if !rpcAttached {
		status := model.ProbeFallback
		if opts.ForceKprobe {
			status = model.ProbeAttached
		}
		switch {
		case !nfsd:
			probes = append(probes, model.Probe{Name: ProbeDispatch, Status: model.ProbeUnavailable, Detail: "module nfsd not loaded"})
		default:
			p := l.kprobePair(ProbeDispatch, status)
			n.rpcs = p.Status != model.ProbeUnavailable
			probes = append(probes, p)
		}
	}

	if !opts.ForceKprobe {
		probes = append(probes, l.queuePair(opts.NoIdle != NoIdleOff), l.noIdleProbe(opts.NoIdle))
	}
	if nfsd {
		probes = append(probes, l.compoundPair()...)
		probes = append(probes, l.fileProbe(false), l.fileProbe(true))
	} else {
		probes = append(probes, nfsdUnavailable("module nfsd not loaded", ProbeCompound, ProbeCompoundStatus, ProbeReadStart, ProbeWriteStart)...)
	}

	if len(n.links) == 0 {
		n.Close()
		return nil, probes, nil
	}
	return n, probes, nil
}

// newNFSD creates the collection's maps, sharing threadOp when given.
func newNFSD(spec *ebpf.CollectionSpec, threadOp *ebpf.Map) (*NFSD, error) {
	mapsOnly := spec.Copy()
	mapsOnly.Programs = nil
	opts := ebpf.CollectionOptions{}
	if threadOp != nil {
		opts.MapReplacements = map[string]*ebpf.Map{nfsdMapThreadOp: threadOp}
	}
	coll, err := ebpf.NewCollectionWithOptions(mapsOnly, opts)
	if err != nil {
		return nil, fmt.Errorf("create nfsd maps: %w", err)
	}
	n := &NFSD{
		maps:     coll.Maps,
		rpc:      coll.Maps[nfsdMapNfsdRpc],
		genMap:   coll.Maps[nfsdMapNfsdGen],
		counters: coll.Maps[nfsdMapNfsdCounters],
	}
	if n.rpc == nil || n.genMap == nil || n.counters == nil {
		n.Close()
		return nil, errors.New("create nfsd maps: collection lacks nfsd_rpc, nfsd_gen or nfsd_counters")
	}
	return n, nil
}

// nfsdLoader loads programs one at a time, so that one the kernel refuses
// (a CO-RE relocation against a module that is not there) leaves the others.
type nfsdLoader struct {
	n           *NFSD
	spec        *ebpf.CollectionSpec
	cache       *btf.Cache
	kernelTypes *btf.Spec
	modules     []*btf.Spec // BTF of sunrpc and nfsd, where present
	loaded      map[string]*ebpf.Program
	sysfs       string
}

func (l *nfsdLoader) program(name string) (*ebpf.Program, error) {
	return l.programWith(name, nil)
}

// programWith loads program name with the given read-only constants set
// (none: the collection's shared .rodata).
func (l *nfsdLoader) programWith(name string, consts map[string]uint32) (*ebpf.Program, error) {
	ps, ok := l.spec.Programs[name]
	if !ok {
		return nil, fmt.Errorf("program %s not in the nfsd object", name)
	}
	one := l.spec.Copy()
	one.Programs = map[string]*ebpf.ProgramSpec{name: ps.Copy()}
	maps := l.n.maps
	if len(consts) > 0 {
		// The shared maps, but this program's own copy of the constants.
		maps = make(map[string]*ebpf.Map, len(l.n.maps))
		for k, m := range l.n.maps {
			if k != ".rodata" {
				maps[k] = m
			}
		}
		for k, v := range consts {
			vs, ok := one.Variables[k]
			if !ok {
				return nil, fmt.Errorf("variable %s not in the nfsd object", k)
			}
			if err := vs.Set(v); err != nil {
				return nil, fmt.Errorf("set %s: %w", k, err)
			}
		}
	}
	coll, err := ebpf.NewCollectionWithOptions(one, ebpf.CollectionOptions{
		Programs:        ebpf.ProgramOptions{KernelTypes: l.kernelTypes, ExtraRelocationTargets: l.modules},
		MapReplacements: maps,
		Cache:           l.cache,
	})
	if err != nil {
		return nil, err
	}
	defer coll.Close()
	prog := coll.DetachProgram(name)
	if prog == nil {
		return nil, fmt.Errorf("program %s missing after load", name)
	}
	l.n.progs = append(l.n.progs, prog)
	return prog, nil
}

func (l *nfsdLoader) rawTracepoint(probe, progName, tracepoint string) model.Probe {
	prog, err := l.program(progName)
	if err != nil {
		return model.Probe{Name: probe, Status: model.ProbeUnavailable, Detail: nfsdLoadDetail(err)}
	}
	lk, err := link.AttachRawTracepoint(link.RawTracepointOptions{Name: tracepoint, Program: prog})
	if err != nil {
		detail := "attach raw_tp: " + nfsdOneLine(err)
		if errors.Is(err, os.ErrNotExist) {
			// Name the tracepoint missing: a probe's second program may
			// attach to another one (the queue wait's svc_process).
			sys, _, _ := strings.Cut(probe, ":")
			detail = "no tracepoint " + sys + ":" + tracepoint + " in this kernel"
		}
		return model.Probe{Name: probe, Status: model.ProbeUnavailable, Detail: detail}
	}
	l.n.links = append(l.n.links, lk)
	return model.Probe{Name: probe, Status: model.ProbeAttached, Detail: "raw_tp"}
}

// kprobePair attaches the entry and return probes of nfsd_dispatch, both or neither.
func (l *nfsdLoader) kprobePair(probe, status string) model.Probe {
	fail := func(what string, err error) model.Probe {
		return model.Probe{Name: probe, Status: model.ProbeUnavailable, Detail: what + ": " + nfsdOneLine(err)}
	}
	entry, err := l.program(nfsdProgNfsdDispatchEntry)
	if err != nil {
		return model.Probe{Name: probe, Status: model.ProbeUnavailable, Detail: nfsdLoadDetail(err)}
	}
	ret, err := l.program(nfsdProgNfsdDispatchReturn)
	if err != nil {
		return model.Probe{Name: probe, Status: model.ProbeUnavailable, Detail: nfsdLoadDetail(err)}
	}
	in, err := link.Kprobe("nfsd_dispatch", entry, nil)
	if err != nil {
		return fail("attach kprobe", err)
	}
	out, err := link.Kretprobe("nfsd_dispatch", ret, nil)
	if err != nil {
		in.Close()
		return fail("attach kretprobe", err)
	}
	l.n.links = append(l.n.links, in, out)
	detail := "kprobe+kretprobe"
	if status == model.ProbeFallback {
		detail += " (no " + ProbeSvcLatency + ")"
	}
	return model.Probe{Name: probe, Status: status, Detail: detail}
}

// nfsdMaxPools is MAX_POOLS of bpf/nfsd.bpf.c.
const nfsdMaxPools = 64

// queuePair attaches the thread-pool queue programs: the enqueue and the
// end of the wait, both or neither (planQueue says which). Where they
// cannot load or attach (no BTF for sunrpc: 5.10), the wait is read from
// the tracepoints' records instead; countNoIdle lets those programs count
// the searches for an idle thread too, where the record tells.
func (l *nfsdLoader) queuePair(countNoIdle bool) model.Probe {
	p := l.queueByBTF()
	if p.Status == model.ProbeAttached {
		return p
	}
	why := "raw_tp: " + p.Detail
	if _, ok := tracepointProto(l.tracepointSpecs(), "svc_xprt_dequeue"); !ok {
		why = "no BTF for sunrpc's tracepoints"
	}
	rec, noIdle := l.queueByRecords(why, countNoIdle)
	l.n.noIdle = noIdle // noIdleProbe reports it
	return rec
}

// queueByBTF attaches the raw_tp queue programs, which read svc_rqst
// through sunrpc's BTF.
func (l *nfsdLoader) queueByBTF() model.Probe {
	plan := planQueue(l.tracepointSpecs())
	end, tp, how := nfsdProgNfsdQueueProcess, "svc_process", "svc_process (no svc_xprt_dequeue with the request as argument)"
	if plan.dequeue {
		end, tp, how = nfsdProgNfsdQueueDequeue, "svc_xprt_dequeue", "svc_xprt_dequeue"
	}
	taken := l.rawTracepoint(ProbeXprtEnqueue, end, tp)
	if taken.Status != model.ProbeAttached {
		return taken
	}
	prog := nfsdProgNfsdXprtEnqueue
	if plan.flags {
		prog, how = nfsdProgNfsdXprtEnqueueFlags, how+", the enqueues that queue (by the transport's flags)"
	}
	enq := l.rawTracepoint(ProbeXprtEnqueue, prog, plan.enqueue)
	if enq.Status == model.ProbeAttached {
		enq.Detail = "raw_tp " + plan.enqueue + ": queue wait for a free thread, paired per transport with " + how
		l.n.qwait = l.n.maps[nfsdMapNfsdQwait]
	}
	return enq
}

// queuePlan is how the queue wait is taken on this kernel.
type queuePlan struct {
	enqueue string // the enqueue tracepoint: svc_xprt_enqueue, or svc_xprt_do_enqueue before 5.11
	// flags: the enqueue tracepoint passes the transport's flags (an
	// integer) and fires on every call, queued or not (6.6 on); where it
	// passes the thread woken (struct svc_rqst *), it fires on transports
	// actually queued.
	flags bool
	// dequeue: svc_xprt_dequeue passes the request whose thread took the
	// transport, where the wait ends; else it ends at svc_process.
	dequeue bool
}

// planQueue reads the queue tracepoints' arguments from the kernel's BTF
// (the btf_trace_<name> typedefs of the sunrpc module, or of vmlinux when
// sunrpc is built in).
func planQueue(specs []*btf.Spec) queuePlan {
	p := queuePlan{enqueue: "svc_xprt_enqueue"}
	for _, name := range []string{"svc_xprt_enqueue", "svc_xprt_do_enqueue"} {
		if fp, ok := tracepointProto(specs, name); ok {
			p.enqueue = name
			if len(fp.Params) >= 3 {
				_, p.flags = btf.UnderlyingType(fp.Params[2].Type).(*btf.Int)
			}
			break
		}
	}
	fp, ok := tracepointProto(specs, "svc_xprt_dequeue")
	p.dequeue = ok && len(fp.Params) >= 2 && isStructPtr(fp.Params[1].Type, "svc_rqst")
	return p
}

// ReadQueue returns the queue wait per pool recorded since the previous call.
func (n *NFSD) ReadQueue() ([]model.PoolQueue, error) {
	if n == nil || n.qwait == nil {
		return nil, nil
	}
	var rows []model.PoolQueue
	for id := range uint32(nfsdMaxPools) {
		var cur nfsdHist
		if err := n.qwait.Lookup(id, &cur); err != nil {
			return nil, fmt.Errorf("read nfsd_qwait: %w", err)
		}
		last := n.lastQ[id]
		n.lastQ[id] = cur
		if cur.Count == last.Count {
			continue
		}
		h := delta((*coreHist)(&cur), (*coreHist)(&last))
		rows = append(rows, model.PoolQueue{Pool: int(id), Wait: h})
	}
	return rows, nil
}

// compoundPair attaches nfsd_compound and nfsd_compound_status, both or
// neither: the first alone would leave thread_op on the first operation.
func (l *nfsdLoader) compoundPair() []model.Probe {
	status := l.rawTracepoint(ProbeCompoundStatus, nfsdProgNfsdCompoundStatus, "nfsd_compound_status")
	if status.Status != model.ProbeAttached {
		return []model.Probe{
			{Name: ProbeCompound, Status: model.ProbeUnavailable, Detail: "needs " + ProbeCompoundStatus + ": " + status.Detail},
			status,
		}
	}
	return []model.Probe{l.rawTracepoint(ProbeCompound, nfsdProgNfsdCompound, "nfsd_compound"), status}
}

// Read returns the RPC latency recorded since the previous call, and
// removes it from the kernel map. Samples go to one of two generations: the
// kernel writes the current one while Collect reads and deletes the other,
// so no sample is lost or counted twice between intervals.
func (n *NFSD) Read() ([]model.RPC, NFSDStats, error) {
	if n == nil {
		return nil, NFSDStats{}, nil
	}
	old := n.gen
	n.gen ^= 1
	if err := n.genMap.Put(uint32(0), n.gen); err != nil {
		return nil, NFSDStats{}, fmt.Errorf("switch nfsd generation: %w", err)
	}
	time.Sleep(nfsdFlipGrace)

	n.entries = n.entries[:0]
	var e rpcEntry
	it := n.rpc.Iterate()
	for it.Next(&e.Key, &e.Hist) {
		if uint32(e.Key.Gen) == old {
			n.entries = append(n.entries, e)
		}
	}
	if err := it.Err(); err != nil {
		return nil, NFSDStats{}, fmt.Errorf("read nfsd_rpc: %w", err)
	}
	for i := range n.entries {
		if err := n.rpc.Delete(&n.entries[i].Key); err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
			return nil, NFSDStats{}, fmt.Errorf("delete from nfsd_rpc: %w", err)
		}
	}
	if n.clients == nil || len(n.clients) > maxClients {
		n.clients = rpcClientCache{}
	}
	rows, err := rpcRows(n.entries, n.clients)
	if err != nil {
		return nil, NFSDStats{}, err
	}
	st, err := n.stats()
	if err != nil {
		return nil, NFSDStats{}, err
	}
	if st.Files, err = n.readFiles(old, st.FilesLost); err != nil {
		return nil, NFSDStats{}, err
	}
	return rows, st, nil
}

// stats reads the per-CPU counters and returns their increase.
func (n *NFSD) stats() (NFSDStats, error) {
	var now [nfsdCntMax]uint64
	var perCPU []uint64
	for i := range now {
		if err := n.counters.Lookup(uint32(i), &perCPU); err != nil {
			return NFSDStats{}, fmt.Errorf("read nfsd_counters: %w", err)
		}
		for _, v := range perCPU {
			now[i] += v
		}
	}
	d := func(i int) uint64 { return now[i] - n.last[i] }
	st := NFSDStats{RPCs: d(nfsdCntRPCs), Ops: d(nfsdCntOps), Dropped: d(nfsdCntFull),
		BusyNs: d(nfsdCntBusyNs), Wakeups: d(nfsdCntWakeups), NoIdle: d(nfsdCntNoIdle), FilesLost: d(nfsdCntFiles)}
	n.last = now
	return st, nil
}

// Close detaches the programs and frees the maps (the shared thread_op map
// is a clone; the caller's stays open).
func (n *NFSD) Close() error {
	if n == nil {
		return nil
	}
	var errs []error
	for _, l := range n.links {
		errs = append(errs, l.Close())
	}
	for _, p := range n.progs {
		errs = append(errs, p.Close())
	}
	for _, m := range n.maps {
		errs = append(errs, m.Close())
	}
	n.links, n.progs, n.maps = nil, nil, nil
	return errors.Join(errs...)
}

// AttachNFSD loads the nfsd programs with t's thread_op map and kernel BTF
// and attaches them to t as an Extension: their probes join t.Backend(), their
// rows t's Collect, and t.Close closes them. Probes that cannot attach are
// reported unavailable; only a failure of the tracer itself is an error.
// opts.ThreadOp and opts.KernelTypes are taken from t.
func AttachNFSD(t *Tracer, opts NFSDOptions) error {
	co := t.CollectionOptions()
	opts.ThreadOp = t.ThreadOpMap()
	opts.KernelTypes = co.Programs.KernelTypes
	n, probes, err := LoadNFSD(opts)
	if err != nil {
		return err
	}
	t.Attach(&nfsdExtension{n: n, probes: probes})
	return nil
}

// nfsdExtension is the Extension AttachNFSD adds; n is nil when no nfsd
// probe attached, and then only the probes' reasons show.
type nfsdExtension struct {
	n      *NFSD
	probes []model.Probe
}

func (e *nfsdExtension) Probes() []model.Probe { return e.probes }

// Collect appends the RPC rows to snap and counts the recorded RPCs and
// operations as events and the samples lost to a full map as lost.
func (e *nfsdExtension) Collect(snap *model.Snapshot) error {
	rows, st, err := e.n.Read()
	if err != nil {
		return err
	}
	snap.RPC = append(snap.RPC, rows...)
	snap.Stats.Events += st.RPCs + st.Ops
	snap.Stats.Lost += st.Dropped
	if e.n != nil {
		n, err := missDelta(&e.n.misses, e.n.progs)
		if err != nil {
			return err
		}
		snap.Stats.Lost += n
	}
	snap.Threads = e.n.threadUse(st)
	snap.Files = st.Files
	q, err := e.n.ReadQueue()
	snap.Queue = append(snap.Queue, q...)
	return err
}

func (e *nfsdExtension) Close() error { return e.n.Close() }

// nfsdModuleLoaded reports whether a module is loaded or built in.
func nfsdModuleLoaded(sysfs, name string) bool {
	_, err := os.Stat(filepath.Join(sysfs, "module", name))
	return err == nil
}

func nfsdUnavailable(reason string, names ...string) []model.Probe {
	probes := make([]model.Probe, len(names))
	for i, name := range names {
		probes[i] = model.Probe{Name: name, Status: model.ProbeUnavailable, Detail: reason}
	}
	return probes
}

// nfsdLoadDetail explains why a program did not load. A CO-RE relocation that
// found no target means the kernel's BTF lacks struct svc_rqst or the nfsd
// types: the module BTF (CONFIG_DEBUG_INFO_BTF_MODULES) is missing.
func nfsdLoadDetail(err error) string {
	if strings.Contains(err.Error(), "bad CO-RE relocation") {
		return "load: no BTF for the sunrpc/nfsd types (module BTF missing?): " + nfsdOneLine(err)
	}
	return "load: " + nfsdOneLine(err)
}

// nfsdOneLine shortens an error to its first line (verifier logs are long).
func nfsdOneLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	const max = 300
	if len(s) > max {
		s = s[:max] + "..."
	}
	return s
}
