// Package procfs is the D-state sampler for hosts where eBPF cannot load: it
// samples the state of target threads from /proc at a fixed rate, estimates
// their D-state (uninterruptible, not TASK_IDLE) intervals, labels each with
// its wait site (wait channel and the top of the kernel stack) and aggregates
// them per command name and wait site into log2 histograms.
//
// It satisfies the sampler.Tracer interface without importing it. See
// interval.go for the estimator and its error, and sampleTarget for how
// schedstat spares most stat reads.
//
// TASK_IDLE threads show as 'I' from Linux 4.14 and are never counted. On
// 4.2-4.13 the kernel prints them as 'D' and /proc cannot tell them apart;
// nfsd threads on those kernels sleep in TASK_INTERRUPTIBLE ('S'), so the
// default targets are not affected.
package procfs

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nfstrace/nfstrace/internal/host"
	"github.com/nfstrace/nfstrace/internal/model"
)

// Defaults for the zero Options.
const (
	DefaultRate   = 100
	DefaultRescan = time.Second
	DefaultFrames = 6
	maxRate       = 10000
)

// UnknownSite labels a D-state interval whose wait channel could not be read
// (the thread woke before it was read, or the caller may not see it).
const UnknownSite model.WaitSite = "unknown"

// Options select the target threads and the sampling rate. With no Comm, PIDs
// or All, the targets are the nfsd kernel threads: comm ^nfsd$ with PF_KTHREAD.
// Several selectors add up: a thread is a target if any of them selects it.
type Options struct {
	Proc string // procfs root; default "/proc"
	host.Targets
	Rate   int           // samples per second per thread; default 100
	Rescan time.Duration // how often to look for new and exited threads; default 1s
	Frames int           // stack frames kept per wait site, innermost first; default 6
}

// Tracer samples the target threads from a goroutine until Close.
type Tracer struct {
	proc        string
	sel         host.Selector
	rate        int
	period      int64 // ns
	rescanEvery time.Duration
	frames      int
	base        time.Time
	clock       func() int64 // ns since base; tests substitute it
	probes      []model.Probe
	fastPath    bool // schedstat's switch-in count works: see sampleTarget

	mu       sync.Mutex
	targets  []*target
	agg      *agg
	aagg     *agg      // waits for asynchronous IO
	aioCalls [3]uint64 // io_getevents, io_pgetevents, io_uring_enter on this architecture
	aioOK    bool      // /proc/PID/task/TID/syscall is readable here
	events   uint64    // thread-samples since the previous Collect
	statRead uint64    // stat reads since New (the rest took the schedstat shortcut)
	lost     uint64    // thread-samples not taken because ticks were missed
	missed   atomic.Uint64
	lastPass int64
	scanErr  error
	buf      sampleBufs

	known map[int32]*target // owned by the rescan goroutine (and newTracer)

	stop      chan struct{}
	wg        sync.WaitGroup
	closeOnce sync.Once
}

// target is one sampled thread.
type target struct {
	pid, tid int32
	comm     string
	dir      string // <proc>/PID/task/TID
	fd       int    // open stat file; -1 once retired
	ssfd     int    // open schedstat file; -1 if not open
	state    byte   // state at the latest stat read
	noStack  bool
	tr       track
	run      runTrack // schedstat at the previous Collect
	site     model.WaitSite
	retired  atomic.Bool
	// user: a user thread, which may wait in a system call for its
	// asynchronous IO (see observeAsync); atr tracks those waits as tr
	// tracks D state, asite is the ongoing one's wait site, inAIO the
	// latest sample's finding.
	user  bool
	atr   track
	asite model.WaitSite
	inAIO bool
}

// New validates opts, finds the first targets and starts sampling. A host
// without any target yet (nfsd not running) is not an error: targets are
// looked for again every Rescan.
func New(opts Options) (*Tracer, error) {
	t, err := newTracer(opts)
	if err != nil {
		return nil, err
	}
	t.start()
	return t, nil
}

func newTracer(opts Options) (*Tracer, error) {
	t := &Tracer{
		proc:        opts.Proc,
		sel:         opts.Targets.Selector(),
		rate:        opts.Rate,
		rescanEvery: opts.Rescan,
		frames:      opts.Frames,
		base:        time.Now(),
		agg:         newAgg(),
		aagg:        newAgg(),
		aioCalls:    [3]uint64{unix.SYS_IO_GETEVENTS, unix.SYS_IO_PGETEVENTS, unix.SYS_IO_URING_ENTER},
		known:       make(map[int32]*target),
		stop:        make(chan struct{}),
	}
	t.clock = func() int64 { return int64(time.Since(t.base)) }
	t.buf.sites = make(map[string]model.WaitSite)
	if t.proc == "" {
		t.proc = "/proc"
	}
	switch {
	case t.rate == 0:
		t.rate = DefaultRate
	case t.rate < 0 || t.rate > maxRate:
		return nil, fmt.Errorf("sampling rate %d Hz out of range 1-%d", t.rate, maxRate)
	}
	t.period = int64(time.Second) / int64(t.rate)
	switch {
	case t.rescanEvery == 0:
		t.rescanEvery = DefaultRescan
	case t.rescanEvery < 0:
		return nil, fmt.Errorf("rescan interval %v is negative", t.rescanEvery)
	}
	switch {
	case t.frames == 0:
		t.frames = DefaultFrames
	case t.frames < 0:
		return nil, fmt.Errorf("stack frames %d is negative", t.frames)
	}
	for _, p := range opts.PIDs {
		if p <= 0 {
			return nil, fmt.Errorf("pid %d: not a process id", p)
		}
		dir := t.proc + "/" + strconv.Itoa(p) + "/task"
		if err := unix.Access(dir, unix.R_OK|unix.X_OK); err != nil {
			if errors.Is(err, unix.ENOENT) {
				return nil, fmt.Errorf("pid %d: no such process in %s", p, t.proc)
			}
			return nil, fmt.Errorf("pid %d: %s: %w", p, dir, err)
		}
	}
	t.fastPath = pcountCounts(t.proc)
	t.probes = t.probe()
	t.aioOK = slices.ContainsFunc(t.probes, func(p model.Probe) bool {
		return strings.HasSuffix(p.Name, "/syscall") && p.Status == model.ProbeAttached
	})
	if err := t.rescan(); err != nil {
		t.closeTargets()
		return nil, err
	}
	return t, nil
}

func (t *Tracer) start() {
	t.wg.Add(2)
	go t.sampleLoop()
	go t.rescanLoop()
}

func (t *Tracer) sampleLoop() {
	defer t.wg.Done()
	tick := time.NewTicker(time.Duration(t.period))
	defer tick.Stop()
	for {
		select {
		case <-t.stop:
			return
		case <-tick.C:
			t.pass()
		}
	}
}

func (t *Tracer) rescanLoop() {
	defer t.wg.Done()
	tick := time.NewTicker(t.rescanEvery)
	defer tick.Stop()
	for {
		select {
		case <-t.stop:
			return
		case <-tick.C:
			if err := t.rescan(); err != nil {
				t.mu.Lock()
				t.scanErr = err
				t.mu.Unlock()
			}
		}
	}
}

// Backend describes the sampler. Its Detail is "procfs sampler at N Hz"; the
// caller may append why eBPF was not used.
func (t *Tracer) Backend() model.Backend {
	return model.Backend{
		Name:   model.BackendProcfs,
		Detail: fmt.Sprintf("procfs sampler at %d Hz", t.rate),
		Probes: slices.Clone(t.probes),
	}
}

// NumTargets returns how many threads are being sampled now.
func (t *Tracer) NumTargets() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	var n int
	for _, tg := range t.targets {
		if tg.fd >= 0 {
			n++
		}
	}
	return n
}

// Missed returns how many sampling ticks were missed since New because a pass
// took longer than the period (or the process was not scheduled in time).
func (t *Tracer) Missed() uint64 { return t.missed.Load() }

// Collect hands over the D-state and the waits for asynchronous IO measured
// since the previous call: intervals that ended, plus the part of ongoing ones
// up to their latest sample (the rest goes to the next call, so no time is
// counted twice). It appends to snap.DState, snap.AsyncIO and snap.Run (from
// schedstat) and adds to snap.Stats.Events (thread-samples taken) and
// snap.Stats.Lost (thread-samples not taken because ticks were missed). It
// returns the latest error of the background target scan, if any.
func (t *Tracer) Collect(snap *model.Snapshot) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, tg := range t.targets {
		if p := tg.tr.flush(); p > 0 {
			t.agg.add(tg.comm, tg.site, tg.tid, p)
		}
		if p := tg.atr.flush(); p > 0 {
			t.aagg.add(tg.comm, tg.asite, tg.tid, p)
		}
	}
	snap.DState = t.agg.drain(snap.DState)
	snap.AsyncIO = t.aagg.drain(snap.AsyncIO)
	t.collectRun(snap)
	snap.Stats.Events += t.events
	snap.Stats.Lost += t.lost
	t.events, t.lost = 0, 0
	err := t.scanErr
	t.scanErr = nil
	return err
}

// Close stops sampling and closes every file. It is safe to call twice.
func (t *Tracer) Close() error {
	t.closeOnce.Do(func() {
		close(t.stop)
		t.wg.Wait()
		t.closeTargets()
	})
	return nil
}

func (t *Tracer) closeTargets() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, tg := range t.targets {
		tg.closeFiles()
	}
}

func (tg *target) closeFiles() {
	if tg.fd >= 0 {
		unix.Close(tg.fd)
		tg.fd = -1
	}
	if tg.ssfd >= 0 {
		unix.Close(tg.ssfd)
		tg.ssfd = -1
	}
}

// probe reports which per-thread files this host and these privileges allow,
// trying them on the sampler's own thread.
func (t *Tracer) probe() []model.Probe {
	self := t.proc + "/thread-self"
	if unix.Access(self, unix.F_OK) != nil {
		self = t.proc + "/self"
	}
	try := func(name, detail string) model.Probe {
		p := model.Probe{Name: "/proc/PID/task/TID/" + name, Status: model.ProbeAttached, Detail: detail}
		var b [4096]byte
		if _, err := readInto(self+"/"+name, b[:]); err != nil {
			p.Status = model.ProbeUnavailable
			p.Detail = err.Error()
		}
		return p
	}
	ps := []model.Probe{
		try("stat", fmt.Sprintf("thread state at %d Hz", t.rate)),
		try("schedstat", "splits back-to-back D intervals; skips stat reads of threads asleep since the last one; run-queue wait and on-CPU time (an estimate: totals per interval, no distribution)"),
		try("wchan", "wait channel of D intervals"),
		try("stack", "top kernel frames of D intervals"),
		try("syscall", "waits of user threads for asynchronous IO (asleep in io_getevents, io_pgetevents or io_uring_enter), sampled as D state is, with no device"),
	}
	if ps[1].Status == model.ProbeAttached && !t.fastPath {
		ps[1].Status = model.ProbeUnavailable
		ps[1].Detail = "switch-in count does not change (sched_info off)"
	}
	if ps[3].Status != model.ProbeAttached {
		ps[3].Detail += ": wait sites are the wait channel only"
	}
	return ps
}

// pcountCounts reports whether schedstat's switch-in count works here: the
// kernel prints "0 0 0" when sched_info is off. It sleeps a millisecond on a
// locked thread and checks that its own count went up.
func pcountCounts(proc string) bool {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	path := proc + "/thread-self/schedstat"
	var buf [128]byte
	read := func() (uint64, bool) {
		b, err := readInto(path, buf[:])
		if err != nil {
			return 0, false
		}
		return parsePcount(b)
	}
	before, ok := read()
	if !ok {
		return false
	}
	time.Sleep(time.Millisecond)
	after, ok := read()
	return ok && after > before
}

// readInto reads a small file with one read into buf.
func readInto(path string, buf []byte) ([]byte, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer unix.Close(fd)
	n, err := unix.Read(fd, buf)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return buf[:n], nil
}
