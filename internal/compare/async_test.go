package compare

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/capture"
	"github.com/nfstrace/nfstrace/internal/model"
)

// asyncLoad is what asyncCapture records: threads that keep depth
// requests in flight and wait for the first of them to complete, at rate
// requests a second on a device that takes svc for each (and await
// queue included, svc when 0, as /proc/diskstats counts it); runq waits
// for a CPU (600 when 0) of 5-10 µs per interval.
type asyncLoad struct {
	svc   time.Duration
	await time.Duration
	depth int
	rate  int
	runq  int
	// rare is, when set, three waits of that long each in D state in
	// io_destroy (other kernel code) in interval rareAt, as fio's jobs
	// tearing down their contexts at the end of a run.
	rare   time.Duration
	rareAt int
	// held is added to each wait: IO held above the device (a throttle).
	held time.Duration
	// each, when set, is every wait's length in place of svc/depth+held.
	each time.Duration
	// reap, when set, is each request's latency to the reap, timed with
	// the IOs submitted (libaio's, probe libaio_latency).
	reap time.Duration
	// slot, when set, is the length of a D-state wait in io_submit for
	// every other request, at site slotSite (a request slot, by default),
	// on no device the tracer could name.
	slot     time.Duration
	slotSite model.WaitSite
}

// tagSite is a libaio submission waiting for a request slot (a tag).
const tagSite = "__schedule;schedule;io_schedule;blk_mq_get_tag;__blk_mq_alloc_requests;blk_mq_submit_bio;submit_bio_noacct_nocheck;iomap_dio_bio_iter;__iomap_dio_rw;aio_read;io_submit_one;__x64_sys_io_submit"

// asyncCapture is n one-second intervals of two libaio threads at a fixed
// rate: each waits for its reads' completions in io_getevents (an
// interruptible sleep, never D) until the first of its requests in flight
// completes, and makes a few read and write calls of its own.
func asyncCapture(name string, l asyncLoad, n int, seed uint64) *Capture {
	const site = "__schedule;schedule;read_events;do_io_getevents;__x64_sys_io_getevents;do_syscall_64"
	r := rand.New(rand.NewPCG(seed, 7))
	t0 := time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC)
	depth := max(l.depth, 1)
	runq := l.runq
	if runq == 0 {
		runq = 600
	}
	await := l.await
	if await == 0 {
		await = l.svc
	}
	var snaps []*model.Snapshot
	for i := range n {
		s := &model.Snapshot{Start: t0.Add(time.Duration(i) * time.Second), End: t0.Add(time.Duration(i+1) * time.Second)}
		var wait, service model.Hist
		for range l.rate {
			service.Add(uint64(float64(l.svc) * (0.7 + 0.6*r.Float64())))
		}
		each := float64(l.svc)/float64(depth) + float64(l.held)
		if l.each > 0 {
			each = float64(l.each)
		}
		for range l.rate / depth {
			wait.Add(uint64(each * (0.7 + 0.6*r.Float64())))
		}
		// A few waits whose requests were done as the thread went to
		// sleep have no device.
		s.AsyncIO = []model.DState{{Comm: "fio", WaitSite: site, Device: "loop0", Scheduler: "none", Threads: 2, Hist: wait},
			{Comm: "fio", WaitSite: site, Device: model.NotBlockIO, Scheduler: model.NotBlockIO, Threads: 2, Hist: model.Hist{Count: 300, SumNs: 300 * 8000}}}
		// A rare D-state wait for block IO, whose waker is known.
		const dsite = "__schedule;schedule;io_schedule;__wait_on_bit;out_of_line_wait_on_bit;do_get_write_access"
		s.DState = []model.DState{{Comm: "fio", WaitSite: dsite, Device: "loop0", Scheduler: "none", Threads: 1, Hist: model.Hist{Count: 1, SumNs: 50000}}}
		s.Wakers = []model.Waker{{Comm: "fio", WaitSite: dsite, Waker: "kworker", Count: 1, Time: 50 * time.Microsecond}}
		if l.slot > 0 {
			site := l.slotSite
			if site == "" {
				site = tagSite
			}
			var h model.Hist
			for range l.rate / 2 {
				h.Add(uint64(float64(l.slot) * (0.7 + 0.6*r.Float64())))
			}
			s.DState = append(s.DState, model.DState{Comm: "fio", WaitSite: site, Device: model.NotBlockIO, Scheduler: model.NotBlockIO, Threads: 2, Hist: h})
		}
		if l.rare > 0 && i == l.rareAt {
			const rsite = "__schedule;schedule;schedule_timeout;wait_for_completion;__x64_sys_io_destroy;do_syscall_64"
			s.DState = append(s.DState, model.DState{Comm: "fio", WaitSite: rsite, Device: model.NotBlockIO, Scheduler: model.NotBlockIO, Threads: 3,
				Hist: model.Hist{Count: 3, SumNs: 3 * uint64(l.rare), MaxNs: uint64(l.rare)}})
		}
		s.Block = []model.Block{{Device: "loop0", Scheduler: "none", Op: "read", Size: "16K", Queue: model.Hist{}, Service: service}}
		var runnable model.Hist
		for range runq {
			runnable.Add(uint64(5000 + r.IntN(5000)))
		}
		s.Run = []model.Run{{Comm: "fio", Threads: 2, Runnable: runnable, OnCPU: 80 * time.Millisecond}}
		s.Calls = &model.Calls{Reads: 14, Threads: 2}
		if l.reap > 0 {
			var lat model.Hist
			for range l.rate {
				lat.Add(uint64(float64(l.reap) * (0.7 + 0.6*r.Float64())))
			}
			s.AIO = []model.AsyncLat{{Kind: model.AsyncRead, Lat: lat}}
			s.Submits = &model.Submits{AIO: uint64(l.rate)}
		}
		s.Host.Devices = []model.Device{{Name: "loop0", ReadIOPS: float64(l.rate), ReadBps: float64(l.rate) * 16384, AwaitMs: float64(await) / 1e6}}
		snaps = append(snaps, s)
	}
	return fioCapture(name, snaps)
}

// fioCapture is one-second snapshots of fio threads on loop0 (scheduler
// none), traced by --comm with eBPF on a 2-CPU VM.
func fioCapture(name string, snaps []*model.Snapshot) *Capture {
	cfg := model.Config{Hostname: "vm", KernelRelease: "6.18.0", CPUs: 2, MemTotal: 1 << 30,
		Devices: []model.DeviceConfig{{Name: "loop0", Scheduler: "none"}},
		Backend: model.Backend{Name: "ebpf", Probes: []model.Probe{{Name: "sched_switch", Status: model.ProbeAttached}}},
		Targets: "comm ^fio$"}
	return FromSnapshots(name, capture.Meta{Config: cfg, Interval: time.Second}, snaps)
}

// compareLoads compares 20 s of load a with 20 s of load b.
func compareLoads(t *testing.T, a, b asyncLoad) *Result {
	t.Helper()
	res, err := Compare(asyncCapture("A", a, 20, 1), asyncCapture("B", b, 20, 2), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestAsyncIODevice: threads whose IO is asynchronous wait for it outside D
// state. A device 2.5 times slower at the same load is still found, through
// their waits for its completions, and a same-against-same pair is not a
// change.
func TestAsyncIODevice(t *testing.T) {
	res, err := Compare(asyncCapture("A", asyncLoad{svc: 60 * time.Microsecond, rate: 3000}, 20, 1), asyncCapture("B", asyncLoad{svc: 150 * time.Microsecond, rate: 3000}, 20, 2), Options{})
	if err != nil {
		t.Fatal(err)
	}
	d := res.Verdict.Diagnosis
	if d.Outcome != OutcomeWorse || d.Layer == nil || d.Layer.Key != blockPrefix+"loop0" || d.Cause != CauseDevice {
		t.Errorf("slower device: outcome %s, layer %+v, cause %q; want worse, block loop0, device\n%s", d.Outcome, d.Layer, d.Cause, res.Verdict.Summary)
	}
	if d.Waker != nil {
		t.Errorf("waker %+v named for waits whose wakers are not kept", d.Waker)
	}
	if res.Workload.Per != "IO" {
		t.Errorf("unit %q (%s), want the waits for IO", res.Workload.Per, res.Workload.Source)
	}
	// The waits without a device are block IO too, not "other".
	if res.Time == nil || res.DTime == nil {
		t.Fatal("no breakdown of the time")
	}
	if !strings.Contains(res.DTime.Metric, "asynchronous IO") {
		t.Errorf("breakdown of the waits named %q: it holds the waits for asynchronous IO", res.DTime.Metric)
	}
	var unknown bool
	for _, dim := range res.Time.Dimensions {
		for _, r := range dim.Rows {
			if r.Key == ClassOther {
				t.Errorf("a wait for asynchronous IO in layer %q", r.Key)
			}
			unknown = unknown || r.Key == blockPrefix+unknownDevice
		}
	}
	if !unknown {
		t.Errorf("no layer %q for the waits without a device", blockPrefix+unknownDevice)
	}

	res, err = Compare(asyncCapture("A", asyncLoad{svc: 60 * time.Microsecond, rate: 3000}, 20, 1), asyncCapture("B", asyncLoad{svc: 60 * time.Microsecond, rate: 3000}, 20, 2), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d := res.Verdict.Diagnosis; d.Outcome == OutcomeWorse || d.Outcome == OutcomeBetter {
		t.Errorf("same device: outcome %s, layer %+v\n%s", d.Outcome, d.Layer, res.Verdict.Summary)
	}
}

// TestAsyncOverlap: threads that keep several IOs in flight wake at the
// first completion, so the time they wait per IO need not move with the
// latency of their IO. When it did not, the verdict is read off the
// device's latency, its cause from the device's load; when the threads
// waited mostly for a CPU, or nothing moved, it is not. Nor is it when
// only the service time moved: a scheduler that serves each request
// faster while it waits as much longer in its queue did not change what
// the IO took.
func TestAsyncOverlap(t *testing.T) {
	const us = time.Microsecond
	tests := []struct {
		name    string
		a, b    asyncLoad
		outcome string
		cause   string
	}{
		{"more work, queued deeper", asyncLoad{svc: 60 * us, depth: 1, rate: 300}, asyncLoad{svc: 180 * us, depth: 3, rate: 3000}, OutcomeWorse, CauseWorkload},
		{"slower device, the same work", asyncLoad{svc: 60 * us, depth: 1, rate: 3000}, asyncLoad{svc: 180 * us, depth: 3, rate: 3000}, OutcomeWorse, CauseDevice},
		{"faster device, the same work", asyncLoad{svc: 180 * us, depth: 3, rate: 3000}, asyncLoad{svc: 60 * us, depth: 1, rate: 3000}, OutcomeBetter, CauseDevice},
		{"the same", asyncLoad{svc: 60 * us, depth: 1, rate: 3000}, asyncLoad{svc: 60 * us, depth: 1, rate: 3000}, OutcomeNoChange, ""},
		{"served faster, queued as much longer", asyncLoad{svc: 180 * us, depth: 3, rate: 3000}, asyncLoad{svc: 60 * us, await: 180 * us, depth: 1, rate: 3000}, OutcomeNoChange, ""},
		// Each IO held 9 ms above the device: 0.1 ms more on it is a
		// change the workload cannot feel.
		{"a slower device under a throttle", asyncLoad{svc: 100 * us, depth: 3, rate: 900, held: 9 * time.Millisecond},
			asyncLoad{svc: 200 * us, depth: 3, rate: 900, held: 9 * time.Millisecond}, OutcomeNoChange, ""},
		{"mostly waiting for a CPU", asyncLoad{svc: 60 * us, depth: 1, rate: 600, runq: 20000}, asyncLoad{svc: 180 * us, depth: 3, rate: 600, runq: 20000}, OutcomeNoChange, ""},
		// Read as the verdict, the device's latency must move by
		// MinChange itself, as a total must: 25% is not enough, though
		// it is more than 30% of the wait per IO.
		{"a device 25% slower, the waits as long", asyncLoad{svc: 300 * us, depth: 3, rate: 3000},
			asyncLoad{svc: 375 * us, depth: 3, rate: 3000, each: 100 * us}, OutcomeNoChange, ""},
		// libaio's latency to the reap is what the threads felt of each
		// IO: read before the device's, which here did not move.
		{"more work, each request longer to the reap", asyncLoad{svc: 60 * us, depth: 1, rate: 300, reap: 800 * us},
			asyncLoad{svc: 60 * us, depth: 3, rate: 3000, each: 60 * us, reap: 1800 * us}, OutcomeWorse, CauseWorkload},
		{"the same work, each request longer to the reap, the device not", asyncLoad{svc: 60 * us, depth: 1, rate: 3000, reap: 800 * us},
			asyncLoad{svc: 60 * us, depth: 3, rate: 3000, each: 60 * us, reap: 1800 * us}, OutcomeWorse, CauseBio},
		{"a slower device, each request as long to the reap", asyncLoad{svc: 60 * us, depth: 1, rate: 3000, reap: 800 * us},
			asyncLoad{svc: 180 * us, depth: 3, rate: 3000, reap: 800 * us}, OutcomeNoChange, ""},
		// Ten times the work kept six deep: each wait, ended by the
		// first completion, is a third as long, each request three
		// times as long to the reap. The waits fell significantly the
		// other way from what the threads felt.
		{"more work kept deeper, each wait shorter, each request longer", asyncLoad{svc: 600 * us, depth: 1, rate: 300, reap: 900 * us},
			asyncLoad{svc: 600 * us, depth: 6, rate: 3000, each: 200 * us, reap: 2700 * us}, OutcomeWorse, CauseWorkload},
		{"less work kept shallower, each wait longer, each request shorter", asyncLoad{svc: 600 * us, depth: 6, rate: 3000, each: 200 * us, reap: 2700 * us},
			asyncLoad{svc: 600 * us, depth: 1, rate: 300, reap: 900 * us}, OutcomeBetter, CauseWorkload},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := compareLoads(t, tt.a, tt.b)
			d := res.Verdict.Diagnosis
			if d.Outcome != tt.outcome || d.Cause != tt.cause {
				t.Fatalf("outcome %s, cause %q; want %s, %q\n%s", d.Outcome, d.Cause, tt.outcome, tt.cause, res.Verdict.Summary)
			}
			if tt.cause == "" {
				if d.Overlap != nil || d.Subject != SubjectThreads {
					t.Errorf("read off the IO's latency (%s): %s", d.Subject, res.Verdict.Summary)
				}
				return
			}
			if d.Overlap == nil || d.Subject != SubjectAsyncIO || d.Per != "request" || d.Device == nil || d.Device.Device != "loop0" {
				t.Fatalf("subject %s per %s, overlap %+v, device %+v; want the latency of loop0 per request", d.Subject, d.Per, d.Overlap, d.Device)
			}
			// The wait per IO did not change materially, or did the
			// other way from the latency read (the cases kept deeper or
			// shallower): else the usual verdict applies.
			against := strings.Contains(tt.name, "kept")
			if d.Overlap.Against != against {
				t.Errorf("against %v, want %v: %s", d.Overlap.Against, against, res.Verdict.Summary)
			}
			if against && !strings.Contains(res.Verdict.Summary, map[string]string{OutcomeWorse: "fell", OutcomeBetter: "rose"}[tt.outcome]+" (") {
				t.Errorf("summary %q: want the waits' move the other way", res.Verdict.Summary)
			}
			if !against && d.Overlap.Change.Significant {
				t.Errorf("the wait per IO changed significantly (%+v): the usual verdict applies", d.Overlap.Change)
			}
			// Every sentence says which way, and the evidence carries both figures.
			word := map[string]string{OutcomeWorse: "Worse", OutcomeBetter: "Better"}[tt.outcome]
			lines, first := 3, "device loop0"
			if tt.a.reap > 0 {
				lines, first = 4, "each from io_submit to the reap"
				if !d.Overlap.ToReap || !strings.Contains(res.Verdict.Summary, "libaio requests took from io_submit to the reap") {
					t.Errorf("overlap %+v, summary %q: want their requests' time to the reap", d.Overlap, res.Verdict.Summary)
				}
			}
			if !strings.HasPrefix(res.Verdict.Summary, word+": ") || len(res.Verdict.Evidence) != lines || !strings.Contains(res.Verdict.Evidence[0], first) {
				t.Errorf("summary %q, evidence %q", res.Verdict.Summary, res.Verdict.Evidence)
			}
		})
	}
}

// TestRequestSlotWaits: submissions that wait for a request slot (a tag, or
// room under the writeback throttle) have no request of their own on a
// device, so the tracer names none; the
// slots are held by the requests in flight on the device the IO is bound
// for, and when that device took longer per request, enough to account for
// the waits' rise, it is the cause. The same waits held above the queue (a
// cgroup's latency target) with the device as slow are IO held above it.
func TestRequestSlotWaits(t *testing.T) {
	const us = time.Microsecond
	// A cgroup's IO latency target holds the IO above the queue; the
	// queue's own writeback throttle (wbt) holds it for room among the
	// device's writes in flight, as a tag does.
	const throttleSite = "__schedule;schedule;io_schedule;rq_qos_wait;__blkcg_iolatency_throttle;blkcg_iolatency_throttle;__rq_qos_throttle;blk_mq_submit_bio;submit_bio_noacct_nocheck;__iomap_dio_rw;aio_read;io_submit_one;__x64_sys_io_submit"
	const wbtSite = "__schedule;schedule;io_schedule;rq_qos_wait;wbt_wait;__rq_qos_throttle;blk_mq_submit_bio;submit_bio_noacct_nocheck;__iomap_dio_rw;aio_write;io_submit_one;__x64_sys_io_submit"
	tests := []struct {
		name   string
		a, b   asyncLoad
		cause  string
		slot   bool // the layer is named by the device whose slots it waited for
		phrase string
	}{
		{"slots held longer by a slower device", asyncLoad{svc: 60 * us, depth: 8, rate: 3000, slot: 10 * us},
			asyncLoad{svc: 180 * us, depth: 8, rate: 3000, slot: 400 * us}, CauseDevice, true, "of the rise is waiting for a request slot of loop0, which took more time per request"},
		{"room under the writeback throttle held longer by a slower device", asyncLoad{svc: 60 * us, depth: 8, rate: 3000, slot: 10 * us, slotSite: wbtSite},
			asyncLoad{svc: 180 * us, depth: 8, rate: 3000, slot: 400 * us, slotSite: wbtSite}, CauseDevice, true, "of the rise is waiting for a request slot of loop0, which took more time per request"},
		{"held above the queue, the device as slow", asyncLoad{svc: 60 * us, depth: 8, rate: 3000, slot: 10 * us, slotSite: throttleSite},
			asyncLoad{svc: 180 * us, depth: 8, rate: 3000, slot: 400 * us, slotSite: throttleSite}, CauseBio, false, "held above the device"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := compareLoads(t, tt.a, tt.b)
			d := res.Verdict.Diagnosis
			if d.Outcome != OutcomeWorse || d.Layer == nil || d.Layer.Key != blockPrefix+unknownDevice || d.Cause != tt.cause {
				t.Fatalf("outcome %s, layer %+v, cause %q; want worse, %s, %q\n%s", d.Outcome, d.Layer, d.Cause, blockPrefix+unknownDevice, tt.cause, res.Verdict.Summary)
			}
			if !strings.Contains(res.Verdict.Summary, tt.phrase) {
				t.Errorf("summary %q, want %q in it", res.Verdict.Summary, tt.phrase)
			}
			if slot := d.Device != nil && d.Device.Slot; slot != tt.slot {
				t.Errorf("request slot %v, want %v (device %+v)", slot, tt.slot, d.Device)
			}
			if slot := strings.Contains(res.Verdict.Summary, "request slot"); slot != tt.slot {
				t.Errorf("summary %q names a request slot: %v, want %v", res.Verdict.Summary, slot, tt.slot)
			}
		})
	}
}

// TestAsyncDevice: the device of the waits for asynchronous IO is the one
// they waited on longest, never the label of waits without one.
func TestAsyncDevice(t *testing.T) {
	mk := func(devs map[string]float64) *Capture {
		c := newCapture("x", capture.Meta{})
		c.aioDev = devs
		return c
	}
	tests := []struct {
		a, b map[string]float64
		want string
	}{
		{map[string]float64{"loop0": 5, model.NotBlockIO: 100}, map[string]float64{"loop0": 7}, "loop0"},
		{map[string]float64{"": 100, "sdb": 1}, map[string]float64{"sda": 3}, "sda"},
		{map[string]float64{model.NotBlockIO: 100}, map[string]float64{"": 5}, ""},
	}
	for _, tt := range tests {
		if got := asyncDevice(mk(tt.a), mk(tt.b)); got != tt.want {
			t.Errorf("asyncDevice(%v, %v) = %q, want %q", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestHeldRareWaits: a few long waits in one interval of each capture (a
// job's teardown) spread a total's test so wide that a device 2.5 times
// slower is not found. Held as they occurred, they still count in the
// figure and the change is found; waits that only one capture has, or
// whose change matters, are not held, and a same-against-same pair with
// them stays unchanged.
func TestHeldRareWaits(t *testing.T) {
	const us, ms = time.Microsecond, time.Millisecond
	fast := asyncLoad{svc: 60 * us, rate: 3000}
	slow := asyncLoad{svc: 150 * us, rate: 3000}
	with := func(l asyncLoad, rare time.Duration, at int) asyncLoad {
		l.rare, l.rareAt = rare, at
		return l
	}
	tests := []struct {
		name    string
		a, b    asyncLoad
		outcome string
		held    bool
	}{
		{"in both, the same", with(fast, 1500*ms, 4), with(slow, 1500*ms, 13), OutcomeWorse, true},
		{"in both, the same, nothing else moved", with(fast, 1500*ms, 4), with(fast, 1500*ms, 13), OutcomeNoChange, false},
		{"only in B", fast, with(fast, 1500*ms, 13), OutcomeTooShort, false},
		// The rare waits' own change matters, so they are not held; the
		// rise rests on the one block of B's that has its wait, but the
		// slower device leads it and, tested over every block, bears it
		// out.
		{"in both, B's twice as long", with(fast, 1500*ms, 4), with(slow, 3000*ms, 13), OutcomeWorse, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Without the rare waits the slower device is found, and with
			// them the test of the whole total no longer finds it.
			if tt.held {
				a, b := tt.a, tt.b
				a.rare, b.rare = 0, 0
				res, err := Compare(asyncCapture("A", a, 20, 1), asyncCapture("B", b, 20, 2), Options{})
				if err != nil {
					t.Fatal(err)
				}
				if res.Verdict.Diagnosis.Outcome != tt.outcome || res.Time.Held != nil {
					t.Fatalf("without rare waits: %s", res.Verdict.Summary)
				}
			}
			res := compareLoads(t, tt.a, tt.b)
			d := res.Verdict.Diagnosis
			if d.Outcome != tt.outcome || (res.Time.Held != nil) != tt.held {
				t.Fatalf("outcome %s, held %+v; want %s, held %v\n%s", d.Outcome, res.Time.Held, tt.outcome, tt.held, res.Verdict.Summary)
			}
			if tt.outcome == OutcomeWorse && !tt.held && (d.Borne == nil || d.Borne.Key != blockPrefix+"loop0") {
				t.Errorf("borne by %+v, want loop0's block IO\n%s", d.Borne, res.Verdict.Summary)
			}
			if !tt.held {
				return
			}
			h := res.Time.Held
			if h.Whole.Significant || h.WaitsA != 3 || h.WaitsB != 3 || len(h.Keys) != 1 || h.Keys[0] != ClassOther {
				t.Errorf("held %+v: want the 3 and 3 waits in other kernel code, the whole test not significant", h)
			}
			if d.Layer == nil || d.Layer.Key != blockPrefix+"loop0" || !strings.Contains(res.Verdict.Summary, "3 and 3 waiting in other kernel code") {
				t.Errorf("layer %+v\n%s", d.Layer, res.Verdict.Summary)
			}
		})
	}
}
