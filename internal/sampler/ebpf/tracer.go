// Package ebpf is the eBPF backend: exact D-state intervals of target threads
// with their kernel stacks, and block request latency per device, IO
// scheduler, operation and size class, aggregated in the kernel into log2
// histograms (bpf/core.bpf.c). D-state intervals above a threshold also come
// as events through the BPF ring buffer (a perf buffer where the kernel has no
// ring buffer), read without allocating per event.
//
// It satisfies the sampler.Tracer interface without importing it. Other
// programs (the nfsd probes) join through ThreadOpMap, CollectionOptions and
// Attach.
package ebpf

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"
	"github.com/cilium/ebpf/features"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/rlimit"

	"golang.org/x/sys/unix"

	"github.com/nfstrace/nfstrace/internal/host"
	"github.com/nfstrace/nfstrace/internal/model"
)

// Options select what to trace. With no Comm, PIDs or All the targets are the
// nfsd kernel threads (host.Targets).
type Options struct {
	Proc         string        // procfs root; default "/proc"
	Sys          string        // sysfs root; default "/sys"
	host.Targets               // All: every thread, no target lookup
	MinDState    time.Duration // D-state intervals at least this long become events; default 1ms
	KernelBTF    string        // kernel BTF file when /sys/kernel/btf/vmlinux is missing
	Logger       *slog.Logger  // default slog.Default()
	// Disable skips groups of probes: "dstate", "block", "submits",
	// "uring", "aio" (the timing of libaio requests, which needs
	// "submits").
	Disable []string
	// Rescan is how often the targets are looked up again; default 1s.
	Rescan time.Duration
	// MaxEvents bounds the events kept per Collect; default 10000. Events
	// beyond it are still counted in the histograms and in Stats.Events.
	MaxEvents int
	// BlockHists picks how the block latency histograms are kept
	// (BlockHists*; "" auto).
	BlockHists string

	// Tests force the fallbacks this kernel does not need.
	forceRawTP       bool
	forcePerf        bool
	forceLockKprobes bool
}

// Extension is a further set of programs (the nfsd probes) whose rows and
// probes join the tracer's and which is closed with it.
type Extension interface {
	Probes() []model.Probe
	Collect(snap *model.Snapshot) error
	Close() error
}

// Tracer owns the loaded programs, their links and the event reader.
type Tracer struct {
	opts Options
	log  *slog.Logger
	coll *ebpf.Collection
	// lockColl holds the lock slow-path kprobes where the kernel lacks the
	// lock tracepoints; it shares coll's maps.
	lockColl *ebpf.Collection
	lockWhy  string // why the kprobes replace the tracepoints, "" when not needed
	// btfTasks: the programs attached as tp_btf, which read a woken
	// thread's registers and so tell run-queue waits outside its calls.
	btfTasks bool
	links    []link.Link
	probes   []model.Probe
	detail   string

	kernelTypes  *btf.Spec // only with Options.KernelBTF
	runningTypes *btf.Spec // the running kernel's BTF, loaded once
	runningErr   error

	counters  *ebpf.Map
	dhists    *ebpf.Map
	dthreads  *ebpf.Map
	bhists    *ebpf.Map
	rqs       *ebpf.Map
	stacks    *ebpf.Map
	targets   *ebpf.Map
	threadOps *ebpf.Map
	runs      *ebpf.Map
	rvals     *ebpf.Map
	rthreads  *ebpf.Map
	wakers    *ebpf.Map
	lhists    *ebpf.Map
	// holders names the tasks run-queue waits ended behind; nil when
	// sched_switch is not attached (Snapshot.Holders stays nil: unknown).
	holders *ebpf.Map

	reader   eventSource
	readDone chan struct{}
	stop     chan struct{}
	scanDone chan struct{}

	// mu guards the fields below, shared by the target scanner, Collect and
	// Close; agg, devs and stackSym have their own locks (the reader uses them).
	mu          sync.Mutex
	agg         *aggregator
	prevD       map[coreDkey]*kstate[coreHist]
	dclients    rpcClientCache // clients of D-state keys and events
	prevB       map[coreBkey]*kstate[coreBval]
	blockPerCPU bool // bhists is a per-CPU hash (planBlockHists)
	prevR       map[coreRkey]*kstate[coreRval]
	prevW       map[coreWkey]*kstate[coreWval]
	prevL       map[coreLkey]*kstate[coreLval]
	prevH       map[coreHkey]*kstate[coreHval]
	runGen      uint32
	prevCnt     [cntMax]uint64
	submits     bool                   // sys_exit attached: IOs submitted are counted
	uring       *latState[uint64]      // io_uring requests timed; nil when not
	aio         *latState[coreAreqKey] // libaio requests timed; nil when not
	misses      missCounter
	devs        *devNamer
	lastPrune   time.Time
	stackSym    *stackSymbolizer
	exts        []Extension
	closed      bool
	targetN     int
	current     map[uint32]bool // tids in the targets map
	// inherited are the tids the kernel added (new threads of targets)
	// that the last walk of /proc did not want: the next drops them.
	inherited map[uint32]bool
}

// counter indexes, mirroring enum counter in bpf/core.bpf.c.
const (
	cntEvents = iota
	cntLost
	cntDStateFull
	cntBlockFull
	cntStackErr
	cntRunFull
	cntWakerFull
	cntLockFull
	cntKpOpen
	cntKpSlept
	cntKpSpun
	cntAIOSubmitted
	cntURingSubmitted
	cntURingFull
	cntAIOFull
	cntHolderFull
	cntMax
)

// New loads and attaches the programs. It fails only when nothing could be
// attached; probes that could not attach are reported by Backend.
func New(opts Options) (*Tracer, error) {
	if opts.Proc == "" {
		opts.Proc = "/proc"
	}
	if opts.Sys == "" {
		opts.Sys = "/sys"
	}
	if opts.MinDState <= 0 {
		opts.MinDState = time.Millisecond
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Rescan <= 0 {
		opts.Rescan = time.Second
	}
	if opts.MaxEvents <= 0 {
		opts.MaxEvents = 10000
	}
	for _, d := range opts.Disable {
		if !slices.Contains([]string{"dstate", "block", "submits", "uring", "aio"}, d) {
			return nil, fmt.Errorf("disable %q: want dstate, block, submits, uring or aio", d)
		}
	}
	t := &Tracer{
		opts:     opts,
		log:      opts.Logger,
		prevD:    make(map[coreDkey]*kstate[coreHist]),
		dclients: rpcClientCache{},
		prevB:    make(map[coreBkey]*kstate[coreBval]),
		prevR:    make(map[coreRkey]*kstate[coreRval]),
		prevW:    make(map[coreWkey]*kstate[coreWval]),
		prevL:    make(map[coreLkey]*kstate[coreLval]),
		prevH:    make(map[coreHkey]*kstate[coreHval]),
		current:  make(map[uint32]bool),
		devs:     newDevNamer(opts.Sys),
		stop:     make(chan struct{}),
		scanDone: make(chan struct{}),
		readDone: make(chan struct{}),
	}
	t.stackSym = newStackSymbolizer(opts.Proc)
	if err := t.load(); err != nil {
		t.closeAll()
		return nil, err
	}
	// After the programs are loaded, so that their frames are in kallsyms.
	if err := t.stackSym.preload(); err != nil {
		t.log.Warn("wait sites will show addresses, not function names", "err", err)
	}
	t.agg = newAggregator(t, opts.MaxEvents)
	go t.readLoop()
	if !opts.All && !t.disabled("dstate") {
		if err := t.scanTargets(); err != nil {
			t.closeAll()
			return nil, err
		}
		go t.scanLoop()
	} else {
		close(t.scanDone)
	}
	for _, p := range t.probes {
		t.log.Debug("ebpf probe", "name", p.Name, "status", p.Status, "detail", p.Detail)
	}
	return t, nil
}

func (t *Tracer) disabled(group string) bool {
	for _, d := range t.opts.Disable {
		if d == group {
			return true
		}
	}
	return false
}

// probe records one probe's status.
func (t *Tracer) probe(name, status, detail string) {
	t.probes = append(t.probes, model.Probe{Name: name, Status: status, Detail: detail})
}

// kernelBTFPath is where the running kernel exposes its BTF.
func (t *Tracer) kernelBTFPath() string {
	return filepath.Join(t.opts.Sys, "kernel", "btf", "vmlinux")
}

// load chooses program variants by probing, loads the collection and attaches.
func (t *Tracer) load() error {
	if err := rlimit.RemoveMemlock(); err != nil {
		if errors.Is(err, unix.EPERM) {
			return fmt.Errorf("eBPF needs root (or CAP_BPF, CAP_PERFMON and CAP_SYS_RESOURCE): %w", err)
		}
		return fmt.Errorf("remove memlock limit: %w", err)
	}
	spec, err := loadCore()
	if err != nil {
		return fmt.Errorf("load embedded eBPF objects: %w", err)
	}
	hasKernelBTF := fileExists(t.kernelBTFPath())
	if t.opts.KernelBTF != "" {
		ks, err := btf.LoadSpec(t.opts.KernelBTF)
		if err != nil {
			// A vmlinux extracted from vmlinuz has .BTF but no symbol table,
			// which the ELF reader needs; the raw section loads fine.
			return fmt.Errorf("read kernel BTF %s: %w (for a vmlinux ELF file, give its raw .BTF section: objcopy -O binary --only-section=.BTF vmlinux vmlinux.btf)", t.opts.KernelBTF, err)
		}
		t.kernelTypes = ks
	} else if !hasKernelBTF {
		return fmt.Errorf("no kernel BTF at %s: give --kernel-btf FILE", t.kernelBTFPath())
	}

	useRing := true
	ringErr := features.HaveMapType(ebpf.RingBuf)
	if t.opts.forcePerf {
		ringErr = errors.New("forced by test")
	}
	if err := ringErr; err != nil {
		useRing = false
		// The ring buffer map cannot be created; the programs' ring buffer
		// branch is dead code under use_ringbuf=false, so any map will do.
		spec.Maps["events"] = &ebpf.MapSpec{Name: "events", Type: ebpf.Array, KeySize: 4, ValueSize: 4, MaxEntries: 1}
		t.probe("events", model.ProbeFallback, "perf buffer: BPF ring buffer unavailable: "+err.Error())
		t.detail = "ebpf (perf buffer)"
	} else {
		t.probe("events", model.ProbeAttached, "BPF ring buffer")
		t.detail = "ebpf (ring buffer)"
	}
	percpu, err := t.planBlockHists(spec)
	if err != nil {
		return err
	}
	if err := setVars(spec, map[string]any{
		"min_dstate_ns": uint64(t.opts.MinDState.Nanoseconds()),
		"trace_all":     t.opts.All,
		"use_ringbuf":   useRing,
		"block_percpu":  percpu,
		// The waits for asynchronous IO's completions, by the
		// system call numbers of this build's architecture.
		"nr_io_getevents":   uint32(unix.SYS_IO_GETEVENTS),
		"nr_io_pgetevents":  uint32(unix.SYS_IO_PGETEVENTS),
		"nr_io_uring_enter": uint32(unix.SYS_IO_URING_ENTER),
		// The IOs they submit through io_submit (io_uring_enter's are
		// counted by the number above).
		"nr_io_submit": uint32(unix.SYS_IO_SUBMIT),
		// With them, the latency of their libaio requests.
		"time_aio": !t.disabled("aio"),
		// The sleeps whose threads' waits for a CPU are kept apart.
		"nr_sleeps": sleepCalls(),
	}); err != nil {
		return err
	}

	plan := t.planPrograms()
	err = t.loadAttach(spec, plan, hasKernelBTF)
	// The io_uring programs read a structure of io_uring's (the
	// request's opcode) and are optional: where the plan does not load
	// with them, the rest without.
	if rest := slices.DeleteFunc(slices.Clone(plan), func(tp tracepoint) bool { return tp.group == "uring" }); err != nil && len(rest) < len(plan) {
		if t.coll != nil { // loaded, but nothing attached
			t.coll.Close()
			t.coll = nil
		}
		if t.loadAttach(spec, rest, hasKernelBTF) == nil {
			t.probe(ProbeURing, model.ProbeUnavailable, "io_uring requests not timed: the programs did not load: "+err.Error())
			return nil
		}
	}
	return err
}

// loadAttach loads the plan's programs, as tp_btf where the kernel has
// BTF, else or failing that as raw_tp, and attaches them.
func (t *Tracer) loadAttach(spec *ebpf.CollectionSpec, plan []tracepoint, hasKernelBTF bool) error {
	// tp_btf needs the kernel's own BTF; without it only raw_tp can work.
	preferBTF := hasKernelBTF && !t.opts.forceRawTP
	var btfErr error
	if preferBTF {
		btfErr = t.loadPlan(spec, plan, "tp_btf")
		if btfErr == nil {
			return t.attachAll(spec, plan, "tp_btf", nil)
		}
		t.log.Warn("tp_btf programs did not load, falling back to raw_tp", "err", btfErr)
	} else {
		btfErr = errors.New("no kernel BTF in sysfs")
		if hasKernelBTF {
			btfErr = errors.New("forced by test")
		}
	}
	if err := t.loadPlan(spec, plan, "raw_tp"); err != nil {
		return fmt.Errorf("load eBPF programs: tp_btf: %v; raw_tp: %w", btfErr, err)
	}
	return t.attachAll(spec, plan, "raw_tp", btfErr)
}

// attachAll attaches the plan, then the lock slow-path kprobes where the
// lock tracepoints are missing.
func (t *Tracer) attachAll(spec *ebpf.CollectionSpec, plan []tracepoint, variant string, fallbackWhy error) error {
	if err := t.attach(plan, variant, fallbackWhy); err != nil {
		return err
	}
	if t.lockWhy != "" {
		t.attachLockKprobes(spec, t.lockWhy)
	}
	return nil
}

// tracepoint is one program to attach, with its probe name.
type tracepoint struct {
	group string // "dstate", "submits", "uring" or "block"
	name  string // tracepoint name
	why   string // for alternatives: why this one was chosen
}

// progName is the program of tp in variant.
func (tp tracepoint) progName(variant string) string { return variant + "_" + tp.name }

// planPrograms decides which tracepoints to use: requests are first seen at
// block_rq_insert when a traced thread submits them (so that its waits know
// the device), else at issue, and end at block_io_done where the kernel has
// it, block_rq_complete otherwise.
func (t *Tracer) planPrograms() []tracepoint {
	var plan []tracepoint
	if t.disabled("dstate") {
		t.probe("sched_switch", model.ProbeUnavailable, "disabled")
	} else {
		plan = append(plan,
			tracepoint{group: "dstate", name: "sched_switch"},
			tracepoint{group: "dstate", name: "sched_wakeup_new"})
		// One program per wakeup ends the D-state interval, names its waker
		// and starts the run-queue wait. The waker is who runs sched_waking;
		// without it, whoever runs sched_wakeup (remote wakeups then show
		// the interrupt that delivered them). sched_wakeup fires for the
		// same wakeups, so it is not attached beside sched_waking.
		if t.haveTracepoint("sched", "sched_waking") {
			plan = append(plan, tracepoint{group: "dstate", name: "sched_waking"})
		} else {
			plan = append(plan, tracepoint{group: "dstate", name: "sched_wakeup"})
			t.probe("sched_waking", model.ProbeUnavailable, "not in this kernel: wakers are read at sched_wakeup")
		}
		// Lock owners need the lock contention tracepoints (5.19+).
		switch {
		case t.opts.forceLockKprobes:
			t.lockWhy = "lock tracepoints not used: forced by test"
		case t.haveTracepoint("lock", "contention_begin") && t.haveTracepoint("lock", "contention_end"):
			plan = append(plan,
				tracepoint{group: "dstate", name: "contention_begin"},
				tracepoint{group: "dstate", name: "contention_end"})
		default:
			t.lockWhy = "lock:contention_begin/end not in this kernel (5.19+)"
		}
	}
	// The IOs selected threads submit through io_submit and io_uring_enter
	// are counted as those calls return: a program on every system call's
	// end, so only where threads were selected. nfsd's threads make no
	// system calls, and with every thread traced the count would be the
	// host's.
	switch {
	case t.disabled("submits"):
		t.probe("sys_exit", model.ProbeUnavailable, "disabled")
	case t.opts.All || t.opts.Targets.Default():
		t.probe("sys_exit", model.ProbeUnavailable, "not attached: IOs submitted are counted for selected threads (--comm, --pid)")
	case !t.haveTracepoint("raw_syscalls", "sys_exit"):
		t.probe("sys_exit", model.ProbeUnavailable, "not in this kernel (CONFIG_FTRACE_SYSCALLS): IOs submitted through io_submit and io_uring are not counted")
	default:
		plan = append(plan, tracepoint{group: "submits", name: "sys_exit"})
	}
	// The latency of the selected threads' io_uring requests, for the
	// same threads as the IOs submitted. The completion is attached
	// first, so that no request is timed without it.
	switch {
	case t.disabled("uring"):
		t.probe(ProbeURing, model.ProbeUnavailable, "disabled")
	case t.opts.All || t.opts.Targets.Default():
		t.probe(ProbeURing, model.ProbeUnavailable, "not attached: io_uring requests are timed for selected threads (--comm, --pid)")
	default:
		specs := []*btf.Spec{t.btfSpec()}
		sub, _ := tracepointProto(specs, "io_uring_submit_req")
		cmp, _ := tracepointProto(specs, "io_uring_complete")
		if err := planURing(sub, cmp); err != nil {
			t.probe(ProbeURing, model.ProbeUnavailable, "io_uring requests not timed: "+err.Error())
			break
		}
		plan = append(plan,
			tracepoint{group: "uring", name: "io_uring_complete"},
			tracepoint{group: "uring", name: "io_uring_submit_req"})
	}
	if t.disabled("block") {
		t.probe("block", model.ProbeUnavailable, "disabled")
		return plan
	}
	plan = append(plan,
		tracepoint{group: "block", name: "block_rq_insert"},
		tracepoint{group: "block", name: "block_rq_issue"},
		tracepoint{group: "block", name: "block_rq_merge"})
	// block_io_done fires once per request; block_rq_complete once per
	// completed part (a request completes in one part almost always).
	if t.haveTracepoint("block", "block_io_done") {
		plan = append(plan, tracepoint{group: "block", name: "block_io_done"})
	} else {
		plan = append(plan, tracepoint{group: "block", name: "block_rq_complete", why: "block_io_done not in this kernel"})
	}
	return plan
}

// btfSpec is the kernel's BTF: the file given, else the running kernel's
// (parsed once); nil when there is none.
func (t *Tracer) btfSpec() *btf.Spec {
	if t.kernelTypes != nil {
		return t.kernelTypes
	}
	if t.runningTypes == nil && t.runningErr == nil {
		t.runningTypes, t.runningErr = btf.LoadKernelSpec()
	}
	return t.runningTypes
}

// haveTracepoint looks for a tracepoint in the kernel BTF (btf_trace_NAME)
// or, without BTF, in tracefs.
func (t *Tracer) haveTracepoint(system, name string) bool {
	if spec := t.btfSpec(); spec != nil {
		var typ *btf.Typedef
		return spec.TypeByName("btf_trace_"+name, &typ) == nil
	}
	for _, dir := range tracefsDirs(t.opts.Sys) {
		if fileExists(filepath.Join(dir, "events", system, name)) {
			return true
		}
	}
	return false
}

// loadPlan loads the collection with the programs of plan in one variant.
func (t *Tracer) loadPlan(spec *ebpf.CollectionSpec, plan []tracepoint, variant string) error {
	s := spec.Copy()
	keep := make(map[string]bool, len(plan))
	for _, tp := range plan {
		keep[tp.progName(variant)] = true
	}
	for name := range s.Programs {
		if !keep[name] {
			delete(s.Programs, name)
		}
	}
	kt := t.kernelTypes
	if kt == nil {
		kt = t.runningTypes // parsed once already: do not let the loader parse it again
	}
	opts := ebpf.CollectionOptions{Programs: ebpf.ProgramOptions{KernelTypes: kt}}
	coll, err := ebpf.NewCollectionWithOptions(s, opts)
	if err != nil {
		return err
	}
	t.coll = coll
	return nil
}

// attach attaches every loaded program; fallbackWhy is why raw_tp replaced tp_btf.
func (t *Tracer) attach(plan []tracepoint, variant string, fallbackWhy error) error {
	attached, uringLinks := 0, 0
	switched := false
	t.btfTasks = variant == "tp_btf"
	for _, tp := range plan {
		prog := t.coll.Programs[tp.progName(variant)]
		var l link.Link
		var err error
		switch {
		case variant == "tp_btf":
			l, err = link.AttachTracing(link.TracingOptions{Program: prog})
		default:
			l, err = link.AttachRawTracepoint(link.RawTracepointOptions{Name: tp.name, Program: prog})
		}
		if err != nil {
			t.probe(tp.name, model.ProbeUnavailable, fmt.Sprintf("attach %s: %v", variant, err))
			continue
		}
		t.links = append(t.links, l)
		attached++
		if tp.name == "sys_exit" {
			t.submits = true
		}
		if tp.name == "sched_switch" {
			switched = true
		}
		if tp.group == "uring" {
			// Reported once, as ProbeURing, when both are attached.
			uringLinks++
			continue
		}
		status, detail := model.ProbeAttached, variant
		if fallbackWhy != nil {
			status, detail = model.ProbeFallback, "raw_tp: tp_btf unavailable: "+fallbackWhy.Error()
		}
		if tp.why != "" {
			status, detail = model.ProbeFallback, detail+": "+tp.why
		}
		t.probe(tp.name, status, detail)
	}
	switch {
	case uringLinks == 2:
		t.uring = &latState[uint64]{name: "uring", lat: t.coll.Maps["uring_lat"], reqs: t.coll.Maps["uring_reqs"]}
		t.probe(ProbeURing, model.ProbeAttached, variant+" io_uring_submit_req and io_uring_complete: latency of the selected threads' io_uring reads, writes and syncs")
	case uringLinks == 1:
		t.probe(ProbeURing, model.ProbeUnavailable, "io_uring requests not timed: only one of the submission and completion tracepoints attached")
	}
	switch {
	case t.disabled("aio"):
		t.probe(ProbeAIO, model.ProbeUnavailable, "disabled")
	case t.submits:
		t.aio = &latState[coreAreqKey]{name: "aio", lat: t.coll.Maps["aio_lat"], reqs: t.coll.Maps["aio_reqs"]}
		t.probe(ProbeAIO, model.ProbeAttached, "sys_exit of io_submit and io_getevents: latency of the selected threads' libaio reads, writes and syncs")
	default:
		t.probe(ProbeAIO, model.ProbeUnavailable, "libaio requests not timed: they are timed at the end of the system calls (sys_exit), not attached")
	}
	if attached == 0 {
		return errors.New("no eBPF program attached")
	}
	m := t.coll.Maps
	t.counters, t.dhists, t.dthreads = m["counters"], m["dhists"], m["dthreads"]
	t.bhists, t.stacks, t.targets, t.threadOps = m["bhists"], m["stacks"], m["targets"], m["thread_op"]
	t.rqs = m["rqs"]
	t.runs, t.rvals, t.rthreads, t.wakers = m["runs"], m["rvals"], m["rthreads"], m["wakers"]
	if t.coll.Programs[variant+"_contention_begin"] != nil {
		t.lhists = m["lhists"]
	}
	t.planHolders(variant, switched)
	src, err := newEventSource(m["events"], m["perf_events"], strings.Contains(t.detail, "ring"))
	if err != nil {
		return fmt.Errorf("open event reader: %w", err)
	}
	t.reader = src
	return nil
}

func setVars(spec *ebpf.CollectionSpec, vals map[string]any) error {
	for name, v := range vals {
		vs, ok := spec.Variables[name]
		if !ok {
			return fmt.Errorf("eBPF object has no variable %s", name)
		}
		if err := vs.Set(v); err != nil {
			return fmt.Errorf("set %s: %w", name, err)
		}
	}
	return nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// Backend describes the tracer and each probe's status.
func (t *Tracer) Backend() model.Backend {
	t.mu.Lock()
	defer t.mu.Unlock()
	probes := append([]model.Probe(nil), t.probes...)
	for _, e := range t.exts {
		probes = append(probes, e.Probes()...)
	}
	return model.Backend{Name: model.BackendEBPF, Detail: t.detail, Probes: probes}
}

// ThreadOpMap is the tid -> operation map the nfsd programs share with the
// D-state program (see bpf/common.h).
func (t *Tracer) ThreadOpMap() *ebpf.Map { return t.threadOps }

// CollectionOptions are the options another collection (the nfsd programs)
// loads with: the kernel BTF given by --kernel-btf, and thread_op replaced by
// this tracer's map.
func (t *Tracer) CollectionOptions() ebpf.CollectionOptions {
	return ebpf.CollectionOptions{
		Programs:        ebpf.ProgramOptions{KernelTypes: t.kernelTypes},
		MapReplacements: map[string]*ebpf.Map{"thread_op": t.threadOps},
	}
}

// Attach adds an extension: its probes join Backend, its Collect runs before
// this tracer's, and Close closes it.
func (t *Tracer) Attach(e Extension) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.exts = append(t.exts, e)
}

// Targets returns how many threads the last target scan selected (-1 with All).
func (t *Tracer) Targets() int {
	if t.opts.All {
		return -1
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.targetN
}

// Close detaches and frees everything, extensions included.
func (t *Tracer) Close() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil
	}
	t.closed = true
	exts := t.exts
	t.mu.Unlock()
	var errs []error
	for _, e := range exts {
		errs = append(errs, e.Close())
	}
	close(t.stop)
	<-t.scanDone
	errs = append(errs, t.closeAll())
	return errors.Join(errs...)
}

// closeAll releases links, the reader and the collection.
func (t *Tracer) closeAll() error {
	var errs []error
	for _, l := range t.links {
		errs = append(errs, l.Close())
	}
	t.links = nil
	if t.reader != nil {
		errs = append(errs, t.reader.Close())
		<-t.readDone
		t.reader = nil
	}
	if t.lockColl != nil {
		t.lockColl.Close()
		t.lockColl = nil
	}
	if t.coll != nil {
		t.coll.Close()
		t.coll = nil
	}
	return errors.Join(errs...)
}

var _ io.Closer = (*Tracer)(nil)
