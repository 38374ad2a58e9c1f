package compare

import (
	"maps"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/nfstrace/nfstrace/internal/capture"
	"github.com/nfstrace/nfstrace/internal/model"
)

// TestHeldCause separates IO held above a device that was given more work
// (the workload) from IO held back while the device's load held or fell (a
// throttle), in requests and in bytes, for a rise and for a fall. Where both
// captures count bytes, they are the load: the same bytes in more or fewer
// requests are the same work cut another way. More threads waiting on a
// device whose throughput did not fall (crowdedOn) queued behind each
// other's requests: the workload, at the same load.
func TestHeldCause(t *testing.T) {
	crowd := &Crowd{A: 3.9, B: 6.9, Waiting: true}
	tests := []struct {
		name  string
		dev   *DeviceLatency
		dir   float64
		want  string
		crowd *Crowd
	}{
		{"no device", nil, 1, CauseBio, nil},
		{"8x the requests, rise", &DeviceLatency{RateA: 190, RateB: 1500}, 1, CauseWorkload, nil},
		{"same requests, 4x the bytes, rise", &DeviceLatency{RateA: 360, RateB: 410, BytesA: 23e6, BytesB: 90e6}, 1, CauseWorkload, nil},
		{"throttled: fewer requests and bytes, rise", &DeviceLatency{RateA: 400, RateB: 150, BytesA: 1.6e6, BytesB: 0.6e6}, 1, CauseBio, nil},
		{"1.4x the requests is not enough", &DeviceLatency{RateA: 100, RateB: 140}, 1, CauseBio, nil},
		{"more requests do not explain a fall", &DeviceLatency{RateA: 100, RateB: 800}, -1, CauseBio, nil},
		{"a third of the requests, fall", &DeviceLatency{RateA: 900, RateB: 300}, -1, CauseWorkload, nil},
		{"device unseen in A", &DeviceLatency{RateB: 500}, 1, CauseBio, nil},
		{"the same bytes split into twice the requests", &DeviceLatency{RateA: 57, RateB: 113, BytesA: 59.4e6, BytesB: 58.8e6}, 1, CauseBio, nil},
		{"the same bytes merged into a third of the requests, fall", &DeviceLatency{RateA: 900, RateB: 300, BytesA: 4e6, BytesB: 4e6}, -1, CauseBio, nil},
		{"twice the requests and the bytes", &DeviceLatency{RateA: 200, RateB: 400, BytesA: 0.8e6, BytesB: 1.6e6}, 1, CauseWorkload, nil},
		{"the same load, more threads waiting on it", &DeviceLatency{RateA: 40, RateB: 41, BytesA: 3.9e6, BytesB: 4.7e6}, 1, CauseWorkload, crowd},
		{"a crowd without a device", nil, 1, CauseBio, crowd},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, f := heldCause(tt.dev, tt.dir, nil, tt.crowd)
			if got != tt.want {
				t.Fatalf("heldCause = %s, want %s", got, tt.want)
			}
			if tt.crowd != nil && got == CauseWorkload && f.Crowd != tt.crowd {
				t.Errorf("finding %+v does not carry the crowd", f)
			}
			if got == CauseWorkload && (f == nil || f.RateA != tt.dev.RateA || f.BytesB != tt.dev.BytesB) {
				t.Errorf("finding %+v does not carry the device's load", f)
			}
		})
	}
}

// TestCrowdedText: IO held above a device no slower, queued behind more
// threads' requests, says what the device's throughput did: "did not fall"
// where it did not, "fell too little to matter" where it fell by less than
// a change that matters (crowded); the same the other way for a fall.
func TestCrowdedText(t *testing.T) {
	tests := []struct {
		name           string
		outcome        string
		bytesA, bytesB float64
		crowdA, crowdB float64
		want           string
	}{
		{"rise, more done", OutcomeWorse, 1.2e6, 1.5e6, 3.1, 8.2, "more of the threads kept nullb0 busy (3.1 → 8.2 waiting on it per interval) while its throughput did not fall (49 → 43 requests/s, 1.2 → 1.5 MB/s)"},
		{"rise, a little less done", OutcomeWorse, 1.43e6, 1.35e6, 3.1, 8.2, "while its throughput fell too little to matter (49 → 43 requests/s, 1.4 → 1.4 MB/s)"},
		{"fall, less done", OutcomeBetter, 1.5e6, 1.2e6, 8.2, 3.1, "fewer of the threads kept nullb0 busy (8.2 → 3.1 waiting on it per interval) while its throughput did not rise"},
		{"fall, a little more done", OutcomeBetter, 1.35e6, 1.43e6, 8.2, 3.1, "while its throughput rose too little to matter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &DeviceFinding{Device: "nullb0", RateA: 49, RateB: 43, BytesA: tt.bytesA, BytesB: tt.bytesB,
				Crowd: &Crowd{A: tt.crowdA, B: tt.crowdB, Waiting: true}}
			l := &LayerShare{Key: blockPrefix + "nullb0", Kind: "block", Device: "nullb0", WaitA: 38e6, WaitB: 127e6}
			d := &Diagnosis{Outcome: tt.outcome, Cause: CauseWorkload, Per: "op", Layer: l, Device: f}
			if got := causeText(d, &Result{}); !strings.Contains(got, tt.want) {
				t.Errorf("%q, want %q in it", got, tt.want)
			}
		})
	}
}

// TestLoadTexts: the load a device's latency moved at, by its bytes where
// both sides count them, else its requests (loadWord), and the figures
// given for it, the requests beside the bytes only where they moved on
// their own (sameLoadText).
func TestLoadTexts(t *testing.T) {
	tests := []struct {
		f          DeviceFinding
		word, text string
	}{
		{DeviceFinding{RateA: 57, RateB: 113, BytesA: 59.4e6, BytesB: 58.8e6}, "the same load", "59.4 → 58.8 MB/s in 57 → 113 requests/s"},
		{DeviceFinding{RateA: 300, RateB: 310, BytesA: 1.2e6, BytesB: 1.3e6}, "the same load", "1.2 → 1.3 MB/s"},
		{DeviceFinding{RateA: 7.8e3, RateB: 12e3, BytesA: 1019e6, BytesB: 1541e6}, "a higher load", "1019 → 1541 MB/s in 7.8k → 12k requests/s"},
		{DeviceFinding{RateA: 900, RateB: 300, BytesA: 9e6, BytesB: 3e6}, "a lower load", "9.0 → 3.0 MB/s in 900 → 300 requests/s"},
		{DeviceFinding{RateA: 900, RateB: 300}, "a lower load", "900 → 300 requests/s"},
		{DeviceFinding{RateA: 300, RateB: 310}, "the same load", "300 → 310 requests/s"},
		// Short of loadRatio, a load that moved is not called the same (lab-heldout1's
		// 8 clients for 3, 6.12: dm-0's bytes +34%).
		{DeviceFinding{RateA: 193, RateB: 254, BytesA: 21.1e6, BytesB: 28.2e6}, "a 34% higher load", "21.1 → 28.2 MB/s"},
		{DeviceFinding{RateA: 96, RateB: 71}, "a 26% lower load", "96 → 71 requests/s"},
	}
	for _, tt := range tests {
		if got := loadWord(&tt.f); got != tt.word {
			t.Errorf("loadWord(%+v) = %q, want %q", tt.f, got, tt.word)
		}
		if got := sameLoadText(&tt.f); got != tt.text {
			t.Errorf("sameLoadText(%+v) = %q, want %q", tt.f, got, tt.text)
		}
	}
}

// others adds n waits for block IO on a device the backend could not name:
// the threads had no request of their own in flight.
func others(c *Capture, n float64) *Capture {
	c.fams[famLayer][blockPrefix+unknownDevice] = &keyData{sum: []float64{n * 1e5}, cnt: []float64{n}}
	return c
}

// TestWorkUnit picks the unit of work without NFS operations: the threads'
// read and write calls when both captures counted them in every interval,
// else their own block-IO waits when both captures are IO-bound (however
// many requests other processes put on the device, and without the waits
// for IO they had not submitted, where both have waits of their own), else
// the IOs they submitted, else their calls where each was one IO, else
// their CPU time.
func TestWorkUnit(t *testing.T) {
	mk := func(blockNs, waits, runqNs, cpuSec, deviceReqs float64) *Capture {
		c := newCapture("x", capture.Meta{})
		c.secs = []float64{1}
		c.onCPU = []float64{cpuSec}
		c.fams[famLayer][blockPrefix+"loop0"] = &keyData{sum: []float64{blockNs}, cnt: []float64{waits}}
		c.fams[famLayer][LayerCPU] = &keyData{sum: []float64{runqNs}, cnt: []float64{1}}
		c.fams[famDisk]["loop0"] = &keyData{sum: []float64{1e6}, cnt: []float64{deviceReqs}}
		return c
	}
	tests := []struct {
		name    string
		a, b    *Capture
		per     string
		denA    float64
		wantSrc string
	}{
		{"IO-bound, a busy shared device", mk(30e6, 300, 1e6, 0.02, 16000), mk(90e6, 300, 1e6, 0.02, 16000), "IO", 300, "waits for block IO"},
		{"CPU-bound with page-cache misses", mk(4e6, 1200, 600e6, 0.6, 1200), mk(5e6, 1400, 900e6, 0.4, 1400), "CPU-s", 0.6, "CPU time"},
		{"CPU contention in B only", mk(30e6, 300, 1e6, 0.02, 300), mk(30e6, 300, 900e6, 0.02, 300), "CPU-s", 0.02, "CPU time"},
		{"read and write calls in both", calls(mk(4e6, 1200, 600e6, 0.6, 1200), 9000, 0), calls(mk(5e6, 1400, 900e6, 0.4, 1400), 700, 0), "call", 9000, "system calls"},
		// Direct IO: each call one IO. Not IO-bound (waiting for a CPU
		// or a lock as much), the calls are still the work.
		{"each call one IO, CPU-bound: the calls", calls(mk(4e6, 1200, 600e6, 0.6, 1200), 1200, 0),
			calls(mk(5e6, 1400, 900e6, 0.4, 1400), 1400, 0), "call", 1200, "system calls"},
		{"each call one IO, IO-bound: the waits", calls(mk(30e6, 300, 1e6, 0.02, 16000), 300, 0),
			calls(mk(90e6, 300, 1e6, 0.02, 16000), 300, 0), "IO", 300, "waits for block IO"},
		{"calls in A only", calls(mk(30e6, 300, 1e6, 0.02, 300), 300, 0), mk(90e6, 300, 1e6, 0.02, 300), "IO", 300, "waits for block IO"},
		{"an interval of B without calls", calls(mk(30e6, 300, 1e6, 0.02, 300), 300, 0), calls(mk(90e6, 300, 1e6, 0.02, 300), 300, 1), "IO", 300, "waits for block IO"},
		// fio's libaio jobs writing through the page cache read a status
		// pipe: 19 calls a second of 34 bytes each, none with the data.
		// Their waits are for dirty pages, rarely for block IO.
		{"calls of a few bytes each: IO another way", small(calls(mk(1e6, 2, 1e6, 0.02, 300), 19, 0), 34),
			small(calls(mk(1e6, 2, 1e6, 0.02, 300), 19, 0), 34), "CPU-s", 0.02, "CPU time"},
		{"calls of a sector each are the work", small(calls(mk(4e6, 1200, 600e6, 0.6, 1200), 9000, 0), 512),
			small(calls(mk(5e6, 1400, 900e6, 0.4, 1400), 700, 0), 512), "call", 9000, "system calls"},
		{"a call in a second and a half: IO another way", calls(mk(30e6, 300, 1e6, 0.02, 300), 0.5, 0), calls(mk(90e6, 300, 1e6, 0.02, 300), 300, 0), "IO", 300, "waits for block IO"},
		{"waits for others' IO are not the threads' work", others(mk(30e6, 300, 1e6, 0.02, 300), 100), mk(90e6, 300, 1e6, 0.02, 300), "IO", 300, "waits for block IO"},
		{"no own IO in A: every block wait counts", others(mk(0, 0, 1e6, 0.02, 300), 250), others(mk(90e6, 300, 1e6, 0.02, 300), 100), "IO", 250, "waits for block IO"},
		// libaio jobs make a few read and write calls besides their IO;
		// throttled in B, their waits for it have no device and are
		// still their own.
		{"asynchronous IO held above the device in B", calls(aio(mk(30e6, 300, 1e6, 0.02, 300), 300, 300), 15, 0),
			calls(aio(others(mk(0.1e6, 2, 1e6, 0.02, 300), 60), 62, 2), 15, 0), "IO", 300, "waits for block IO"},
		// Where the threads submitted asynchronous IO, counted, the IOs
		// they asked for replace their CPU time, never their waits: per
		// IO submitted a thread's time falls as it keeps more in flight.
		{"CPU-bound, IO submitted", submitted(small(calls(mk(4e6, 1200, 600e6, 0.6, 1200), 19, 0), 34), 150e3, 0),
			submitted(small(calls(mk(5e6, 1400, 900e6, 0.1, 1400), 19, 0), 34), 15e3, 0), "IO", 150e3, "IOs the traced threads asked for"},
		{"CPU-bound, IO submitted and data-carrying calls", submitted(calls(mk(4e6, 1200, 600e6, 0.6, 1200), 100, 0), 150e3, 0),
			submitted(calls(mk(5e6, 1400, 900e6, 0.1, 1400), 100, 0), 15e3, 0), "IO", 150100, "IOs the traced threads asked for"},
		{"IO-bound, IO submitted: the waits", submitted(aio(mk(30e6, 300, 1e6, 0.02, 300), 300, 300), 2400, 0),
			submitted(aio(mk(30e6, 90, 1e6, 0.02, 300), 90, 90), 800, 0), "IO", 300, "waits for block IO"},
		{"CPU-bound, the submissions not counted in one interval", submitted(mk(4e6, 1200, 600e6, 0.6, 1200), 150e3, 1),
			submitted(mk(5e6, 1400, 900e6, 0.1, 1400), 15e3, 0), "CPU-s", 0.6, "CPU time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			denA, _, w := normaliser(tt.a, tt.b)
			if w.Per != tt.per || len(denA) != 1 || denA[0] != tt.denA || !strings.Contains(w.Source, tt.wantSrc) {
				t.Errorf("unit %q (%q), A %v; want %q per unit, A %v", w.Per, w.Source, denA, tt.per, tt.denA)
			}
		})
	}
}

// aio marks n of c's block-IO waits per interval as waits for
// asynchronous IO, named of them on a device.
func aio(c *Capture, n, named float64) *Capture {
	c.aioWaits, c.aioNamed = []float64{n}, []float64{named}
	return c
}

// calls gives c n read and write calls per interval of 4 KiB each,
// uncounted intervals without a count.
func calls(c *Capture, n float64, uncounted int) *Capture {
	c.calls = make([]float64, len(c.secs))
	for i := range c.calls {
		c.calls[i] = n
	}
	c.callBytes = 4096 * n * float64(len(c.secs))
	c.uncounted = uncounted
	return c
}

// submitted gives c n IOs submitted through io_submit or io_uring per
// interval, unsubmitted intervals without a count.
func submitted(c *Capture, n float64, unsubmitted int) *Capture {
	c.submits = make([]float64, len(c.secs))
	for i := range c.submits {
		c.submits[i] = n
	}
	c.unsubmitted = unsubmitted
	return c
}

// small makes c's calls move size bytes each on average.
func small(c *Capture, size float64) *Capture {
	c.callBytes = size * sum(c.calls)
	return c
}

// TestCPUCause separates waits for a CPU that grew longer (a quota, other
// runnable tasks: the CPU) from more waits of the old length per unit (the
// threads slept and woke more often: the workload), for a rise and a fall.
func TestCPUCause(t *testing.T) {
	tests := []struct {
		name           string
		waitsA, waitsB float64 // waits per unit
		meanA, meanB   float64 // ns
		want           string
	}{
		{"longer waits, same number (quota)", 250, 260, 500e3, 40e6, CauseCPU},
		{"preempted by a busy loop: some more waits, each much longer", 10, 330, 50e3, 3e6, CauseCPU},
		{"twice the wakeups at the same wait", 300, 600, 200e3, 210e3, CauseWorkload},
		{"shorter waits, same number (fall)", 260, 250, 40e6, 500e3, CauseCPU},
		{"half the wakeups at the same wait (fall)", 600, 300, 200e3, 190e3, CauseWorkload},
		{"a third more wakeups, waits a third longer", 300, 400, 200e3, 266e3, CauseCPU},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := &LayerShare{Key: LayerCPU, Kind: LayerCPU, A: tt.waitsA * tt.meanA, B: tt.waitsB * tt.meanB,
				WaitsA: tt.waitsA, WaitsB: tt.waitsB, WaitA: tt.meanA, WaitB: tt.meanB}
			l.CountShare = (l.WaitsB - l.WaitsA) * l.WaitA / (l.B - l.A)
			if got := cpuCause(l); got != tt.want {
				t.Errorf("cpuCause = %s (count share %.2f), want %s", got, l.CountShare, tt.want)
			}
		})
	}
}

// TestSplitPreempts: more waits for a CPU that began with a preemption are
// the CPU taken from the threads (the CPU), more that began at wakeups the
// threads' own pattern (the workload), whatever the mean wait did; and
// more preemptions per unit at the old rate per second run are the
// threads running longer per unit (the workload), not the CPU taken more
// often.
func TestSplitPreempts(t *testing.T) {
	type side struct{ wake, pre, wakeMean, preMean, ran float64 }
	mk := func(s side) *Capture {
		c := newCapture("x", capture.Meta{})
		c.secs = []float64{1}
		c.fams[famLayer][LayerCPU] = &keyData{sum: []float64{s.wake*s.wakeMean + s.pre*s.preMean}, cnt: []float64{s.wake + s.pre}}
		c.preempts, c.preemptNs = []float64{s.pre}, []float64{s.pre * s.preMean}
		return c
	}
	tests := []struct {
		name         string
		a, b         side
		want         string
		preemptLeads bool
	}{
		{"busy loops preempt a CPU-bound reader 3x as often, each wait shorter", side{0, 1500, 0, 2.4e6, 0}, side{0, 4200, 0, 1.5e6, 0}, CauseCPU, true},
		{"twice the wakeups at the same wait", side{300, 0, 200e3, 0, 0}, side{600, 0, 210e3, 0, 0}, CauseWorkload, false},
		{"twice the wakeups, preemptions the same", side{300, 100, 200e3, 1e6, 0}, side{600, 100, 200e3, 1e6, 0}, CauseWorkload, false},
		{"a quota's throttling: as many wakeups, more preemptions", side{300, 10, 100e3, 5e6, 0}, side{300, 200, 100e3, 40e6, 0}, CauseCPU, false},
		{"a few fewer preemptions, each wait much shorter", side{100, 38, 20e3, 21e3, 0}, side{100, 34, 15e3, 15e3, 0}, CauseCPU, false},
		// Threads behind each other, each call running 30% longer: 30%
		// more preemptions per call at the same rate per second run.
		{"longer running, preempted in proportion", side{0, 17, 0, 7.2e6, 48e6}, side{0, 22.1, 0, 7.3e6, 62.4e6}, CauseWorkload, true},
		{"shorter running, preempted in proportion (fall)", side{0, 22.1, 0, 7.3e6, 62.4e6}, side{0, 17, 0, 7.2e6, 48e6}, CauseWorkload, true},
		// Busy loops: a fifth longer running per call, preempted 3x as
		// often per second run.
		{"busy loops: running a little longer, preempted far more often", side{0, 1500, 0, 2.4e6, 1e9}, side{0, 5400, 0, 2.4e6, 1.2e9}, CauseCPU, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &comparison{a: mk(tt.a), b: mk(tt.b)}
			ka, kb := c.a.fams[famLayer][LayerCPU], c.b.fams[famLayer][LayerCPU]
			l := &LayerShare{Key: LayerCPU, Kind: LayerCPU, A: ka.sum[0], B: kb.sum[0],
				WaitsA: ka.cnt[0], WaitsB: kb.cnt[0], WaitA: ka.sum[0] / ka.cnt[0], WaitB: kb.sum[0] / kb.cnt[0]}
			c.splitPreempts(l, 1, 1)
			l.splitRun(tt.a.ran, tt.b.ran)
			if !l.Preempts || l.PreemptsA != tt.a.pre || l.PreemptsB != tt.b.pre {
				t.Errorf("preempts %v %v → %v, want %v → %v", l.Preempts, l.PreemptsA, l.PreemptsB, tt.a.pre, tt.b.pre)
			}
			if got := cpuCause(l); got != tt.want {
				t.Errorf("cpuCause = %s (count share of wakeups %.2f, run share %.2f), want %s", got, l.CountShare, l.RunShare, tt.want)
			}
			if tt.preemptLeads != (l.PreemptShare >= countLeads) {
				t.Errorf("preempt share %.2f, want it to carry the change: %v", l.PreemptShare, tt.preemptLeads)
			}
		})
	}
}

// TestSplitHeld: the run-queue layer's change is split by who had the CPU
// when each wait ended; the part that carries half of it or more is the
// holder the LEAD names.
func TestSplitHeld(t *testing.T) {
	type side [5]float64 // wake, idle, traced, kernel, other: ns per unit
	mk := func(s side) *Capture {
		c := newCapture("x", capture.Meta{})
		c.secs = []float64{1}
		total := 0.0
		for k, v := range s {
			c.held[k] = []float64{v}
			total += v
		}
		c.fams[famLayer][LayerCPU] = &keyData{sum: []float64{total}, cnt: []float64{1}}
		return c
	}
	tests := []struct {
		name   string
		a, b   side
		holder string // "" when none carries half
		advice string
	}{
		{"busy loops of another process", side{5, 0, 100, 20, 0}, side{5, 0, 100, 20, 900}, model.HeldOther, "the other processes on the threads' CPUs: the threads waited behind them (100% of the rise)"},
		{"a quota", side{5, 0, 50, 0, 0}, side{5, 800, 50, 0, 0}, model.HeldIdle, "CPU limits: the threads were held off a CPU that then idled"},
		{"writeback workers", side{0, 10, 40, 30, 20}, side{0, 10, 40, 630, 120}, model.HeldKernel, "(86% of the rise)"},
		{"more threads than CPUs", side{0, 0, 100, 0, 0}, side{0, 0, 700, 0, 30}, model.HeldTraced, "they waited behind each other"},
		{"slower wakeups of an idle CPU", side{50, 0, 10, 0, 0}, side{400, 0, 10, 0, 0}, model.HeldWake, "nothing held the CPU"},
		{"spread evenly", side{}, side{0, 300, 0, 300, 300}, "", "cgroup CPU limits (cpu.max, CFS quota) and the other runnable tasks"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &comparison{a: mk(tt.a), b: mk(tt.b)}
			ka, kb := c.a.fams[famLayer][LayerCPU], c.b.fams[famLayer][LayerCPU]
			l := &LayerShare{Key: LayerCPU, Kind: LayerCPU, A: ka.sum[0], B: kb.sum[0], Share: 1}
			l.Held = c.splitHeld(l, 1, 1)
			var sum float64
			for _, h := range l.Held {
				sum += h.Share
			}
			if math.Abs(sum-1) > 1e-9 {
				t.Errorf("shares %+v add up to %v, want 1", l.Held, sum)
			}
			d := &Diagnosis{Outcome: OutcomeWorse, Cause: CauseCPU, Layer: l, Holder: leadHolder(l)}
			got := ""
			if d.Holder != nil {
				got = d.Holder.Holder
			}
			if got != tt.holder {
				t.Errorf("holder %q, want %q: %+v", got, tt.holder, l.Held)
			}
			if a := adviceText(d); !strings.Contains(a, tt.advice) {
				t.Errorf("advice %q, want it to contain %q", a, tt.advice)
			}
		})
	}
}

// TestExplainer: a device's latency change explains a block layer's when it
// is significant, goes the same way and, times the device's requests per
// unit, comes to a quarter of the layer's change, even when it is below
// the device's own floor for a line of its own (too small to matter alone).
func TestExplainer(t *testing.T) {
	c := &comparison{opt: Options{}.withDefaults()}
	layer := &LayerShare{A: 66e3, B: 84e3}           // +18 µs per IO
	dev := &DeviceLatency{AwaitB: 93e3, BusyB: 93e3} // one request per IO
	lat := func(delta, p float64, outcome string) *Latency {
		return &Latency{MeanA: 75e3, MeanB: 75e3 + delta, Change: Change{Delta: delta, Tested: true, P: p, Outcome: outcome, Significant: outcome == TestSignificant}}
	}
	tests := []struct {
		name string
		lat  *Latency
		dir  float64
		want bool
	}{
		{"significant and material", lat(25e3, 0.001, TestSignificant), 1, true},
		{"significant, below the device's floor, all of the layer's change", lat(19e3, 0.001, TestSmall), 1, true},
		{"not significant", lat(19e3, 0.2, TestNotSignificant), 1, false},
		{"untested", &Latency{Change: Change{Delta: 19e3}}, 1, false},
		{"the other way", lat(-19e3, 0.001, TestSmall), 1, false},
		{"significant but a tenth of the layer's change", lat(1.8e3, 0.001, TestSmall), 1, false},
		{"a fall explained by a faster device", lat(-19e3, 0.001, TestSmall), -1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.explainer(layer, tt.dir)(dev, tt.lat); got != tt.want {
				t.Errorf("explains = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestBlockCauseBelowFloor: a device latency change under the device's own
// floor that is all of the layer's change makes the device the cause, and
// the finding calls it significant, so that the verdict does not name a
// cause "too small to matter"; the device table keeps its own judgement.
func TestBlockCauseBelowFloor(t *testing.T) {
	c := &comparison{a: newCapture("a", capture.Meta{}), b: newCapture("b", capture.Meta{}), opt: Options{}.withDefaults()}
	small := &Latency{MeanA: 75e3, MeanB: 93e3, Change: Change{Delta: 18e3, Tested: true, P: 0.001, Outcome: TestSmall}}
	res := &Result{Devices: []DeviceLatency{{Device: "loop0", Service: small, RateA: 95, RateB: 94, AwaitB: 93e3, BusyB: 93e3}}}
	l := &LayerShare{Key: blockPrefix + "loop0", Kind: "block", Device: "loop0", A: 66e3, B: 83e3, WaitsA: 1, WaitsB: 1, WaitA: 66e3, WaitB: 83e3}
	cause, f := c.blockCause(res, l, 1)
	if cause != CauseDevice || f == nil || f.Lat == nil {
		t.Fatalf("blockCause = %s, %+v; want the device", cause, f)
	}
	if !f.Lat.Significant || f.Lat.Outcome != TestSignificant || changeText(f.Lat.Change) != "p=0.001" {
		t.Errorf("finding's latency %+v (%q): want it significant for the layer", f.Lat.Change, changeText(f.Lat.Change))
	}
	if res.Devices[0].Service.Outcome != TestSmall {
		t.Errorf("the device table's own judgement changed to %q", res.Devices[0].Service.Outcome)
	}
}

// TestCPUPerUnit: the threads' time on CPU per call or IO where both
// captures measured it, nothing per operation, per CPU-second or per
// second; and its kernel part, by the share of the threads' CPU time in the
// kernel, where both captures read it in every interval.
func TestCPUPerUnit(t *testing.T) {
	mk := func(cpu, userMs, sysMs float64, unsplit int) *Capture {
		c := newCapture("x", capture.Meta{})
		c.onCPU = []float64{cpu, cpu}
		c.userNs, c.sysNs, c.unsplit = 2*userMs*1e6, 2*sysMs*1e6, unsplit
		return c
	}
	den := []float64{1000, 1000}
	tests := []struct {
		name string
		per  string
		a, b *Capture
		want ranCPU
		base [2]float64
	}{
		{"per call, not split", "call", mk(0.01, 0, 0, 2), mk(0.02, 0, 0, 2), ranCPU{all: [2]float64{10000, 20000}}, [2]float64{10000, 20000}},
		{"per IO, not split", "IO", mk(0.01, 0, 0, 2), mk(0.01, 0, 0, 2), ranCPU{all: [2]float64{10000, 10000}}, [2]float64{10000, 10000}},
		{"a quarter in the kernel, then half", "call", mk(0.04, 30, 10, 0), mk(0.04, 20, 20, 0), ranCPU{all: [2]float64{40000, 40000}, kernel: [2]float64{10000, 20000}}, [2]float64{10000, 20000}},
		{"split in A only", "call", mk(0.04, 30, 10, 0), mk(0.04, 0, 0, 1), ranCPU{all: [2]float64{40000, 40000}}, [2]float64{40000, 40000}},
		{"all in user mode", "call", mk(0.04, 40, 0, 0), mk(0.04, 30, 10, 0), ranCPU{all: [2]float64{40000, 40000}}, [2]float64{40000, 40000}},
		{"per op", "op", mk(0.01, 5, 5, 0), mk(0.01, 5, 5, 0), ranCPU{}, [2]float64{}},
		{"per CPU-s", "CPU-s", mk(0.01, 5, 5, 0), mk(0.01, 5, 5, 0), ranCPU{}, [2]float64{}},
		{"no CPU time in A", "call", mk(0, 0, 0, 0), mk(0.01, 5, 5, 0), ranCPU{}, [2]float64{}},
	}
	for _, tt := range tests {
		got := cpuPerUnit(tt.a, tt.b, tt.per, den, den)
		if got != tt.want || got.base() != tt.base {
			t.Errorf("%s: cpuPerUnit = %+v (base %v), want %+v (base %v)", tt.name, got, got.base(), tt.want, tt.base)
		}
	}
}

// TestWokeFrom: more waits for a CPU after wakeups follow the layer whose
// sleeps per unit grew by enough to end in them (half of the new wakeup
// waits or more), whichever way the time moved; sleeps that did not grow
// so much, or a layer that moved against the change, explain nothing.
func TestWokeFrom(t *testing.T) {
	const block = "block loop0"
	type side struct{ wake, pre, sleeps float64 } // per second, 10µs each
	mk := func(s side) *Capture {
		c := newCapture("x", capture.Meta{})
		c.secs = []float64{1}
		c.fams[famLayer][LayerCPU] = &keyData{sum: []float64{(s.wake + s.pre) * 10e3}, cnt: []float64{s.wake + s.pre}}
		c.fams[famLayer][block] = &keyData{sum: []float64{s.sleeps * 10e3}, cnt: []float64{s.sleeps}}
		c.preempts, c.preemptNs = []float64{s.pre}, []float64{s.pre * 10e3}
		return c
	}
	tests := []struct {
		name string
		a, b side
		want string // the layer woken from, "" for none
	}{
		{"each new wakeup wait after a new wait for IO", side{100, 5, 10}, side{1000, 5, 1000}, block},
		{"half the new wakeup waits after new waits for IO", side{100, 5, 10}, side{1000, 5, 460}, block},
		{"too few new waits for IO", side{100, 5, 10}, side{1000, 5, 300}, ""},
		{"more preemptions, not wakeups", side{100, 5, 10}, side{100, 900, 1000}, ""},
		{"fewer wakeup waits after fewer waits for IO (fall)", side{1000, 5, 1000}, side{100, 5, 10}, block},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &comparison{a: mk(tt.a), b: mk(tt.b)}
			res := &Result{Workload: Workload{Per: "s"}}
			cpuA, cpuB := (tt.a.wake+tt.a.pre)*10e3, (tt.b.wake+tt.b.pre)*10e3
			dir := 1.0
			if cpuB < cpuA {
				dir = -1
			}
			rows := []Contribution{
				{Key: LayerCPU, A: cpuA, B: cpuB, Change: Change{Delta: cpuB - cpuA}},
				{Key: block, A: tt.a.sleeps * 10e3, B: tt.b.sleeps * 10e3, Change: Change{Delta: (tt.b.sleeps - tt.a.sleeps) * 10e3}},
			}
			cpu := c.layerShare(rows[0], res)
			got := ""
			if w := c.wokeFrom(res, rows, cpu, dir); w != nil {
				got = w.Key
			}
			if got != tt.want {
				t.Errorf("woke from %q, want %q (wakeup waits %.0f → %.0f)", got, tt.want, cpu.WaitsA-cpu.PreemptsA, cpu.WaitsB-cpu.PreemptsB)
			}
		})
	}
}

// TestMemoryWork: threads whose calls ran longer on a CPU (the run queue
// led by longer running, the workload's) while their memory shrank did
// the memory's work: reclaim and page-cache refills run in the calls. The
// cause is reclaim, and the LEAD names the memory change for that layer;
// without a memory change against the rise, it stays the workload's.
func TestMemoryWork(t *testing.T) {
	shrank := ConfigChange{Item: "cgroup /bench memory.max", A: "max", B: "67108864", Memory: cgroupMemory("/bench memory.max", "max", "67108864")}
	grew := ConfigChange{Item: "cgroup /bench memory.max", A: "67108864", B: "max", Memory: cgroupMemory("/bench memory.max", "67108864", "max")}
	quota := ConfigChange{Item: "cgroup /bench cpu.max", A: "max 100000", B: "50000 100000"}
	tests := []struct {
		name    string
		changes []ConfigChange
		dir     float64
		reclaim bool
	}{
		{"memory limit set, calls ran longer", []ConfigChange{shrank}, 1, true},
		{"memory limit set and a CPU quota", []ConfigChange{quota, shrank}, 1, true},
		{"memory limit lifted, calls ran shorter", []ConfigChange{grew}, -1, true},
		{"memory limit lifted, calls ran longer", []ConfigChange{grew}, 1, false},
		{"only a CPU quota", []ConfigChange{quota}, 1, false},
		{"nothing changed", nil, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := &LayerShare{Key: LayerCPU, Kind: LayerCPU, A: 14e3, B: 219e3, Share: 0.51, RanA: 2.6e3, RanB: 48e3, RunShare: 0.9, CountShare: 0.1}
			outcome := OutcomeWorse
			if tt.dir < 0 {
				outcome = OutcomeBetter
				l.A, l.B, l.RanA, l.RanB = l.B, l.A, l.RanB, l.RanA
			}
			res := &Result{Config: tt.changes}
			d := &Diagnosis{Outcome: outcome, Per: "call", Layer: l, Cause: CauseWorkload, Match: matchChanges(tt.changes, LayerCPU, tt.dir)}
			d.byCallWork(res, tt.dir)
			lead := leadText(d, res)
			if !tt.reclaim {
				if d.Cause != CauseWorkload || d.WorkOf != "" {
					t.Fatalf("cause %s (work of %q), want the workload's", d.Cause, d.WorkOf)
				}
				return
			}
			if d.Cause != CauseReclaim || d.WorkOf != ClassReclaim || d.Match.Kind != MatchDirect {
				t.Fatalf("cause %s, work of %q, match %s; want reclaim through the memory", d.Cause, d.WorkOf, d.Match.Kind)
			}
			if !strings.Contains(lead, "memory reclaim: "+tt.changes[len(tt.changes)-1].Item) {
				t.Errorf("lead %q does not name the memory change for memory reclaim", lead)
			}
			if slices.ContainsFunc(d.Match.Changes, func(ch ConfigChange) bool { return ch.Item == quota.Item }) {
				t.Errorf("lead names the CPU quota for memory reclaim: %q", lead)
			}
			if why := causeText(d, res); !strings.Contains(why, "on a CPU (") || !strings.Contains(why, "memory (cgroup /bench memory.max") {
				t.Errorf("cause text %q", why)
			}
		})
	}
}

// TestServedLoad: waits for a CPU held by the kernel's own work are the
// workload's when the device the threads' IO went to was given loadRatio
// times the work with them (the kernel's work served that IO), in the
// direction of the change; behind other holders, or at the same load, they
// are not. Where no one holder leads, the threads' own part and the
// kernel's count together when they carry leadShare between them.
func TestServedLoad(t *testing.T) {
	b := newCapture("b", capture.Meta{})
	b.fams[famLayer][blockPrefix+"loop0"] = &keyData{sum: []float64{1e6}, cnt: []float64{10}}
	c := &comparison{b: b}
	kernel := HeldPart{Holder: model.HeldKernel, Share: 0.79}
	more := DeviceLatency{Device: "loop0", RateA: 944, RateB: 67e3, BytesA: 7.8e6, BytesB: 550e6}
	split := []HeldPart{{Holder: model.HeldKernel, Share: 0.48}, {Holder: model.HeldTraced, Share: 0.47}, {Holder: model.HeldOther, Share: 0.04}}
	tests := []struct {
		name   string
		h      *HeldPart
		held   []HeldPart
		dev    DeviceLatency
		dir    float64
		want   bool
		served int
	}{
		{"kernel work, 70x the bytes", &kernel, []HeldPart{kernel}, more, 1, true, 0},
		{"kernel work, the same bytes", &kernel, []HeldPart{kernel}, DeviceLatency{Device: "loop0", RateA: 944, RateB: 950, BytesA: 7.8e6, BytesB: 8e6}, 1, false, 0},
		{"kernel work, less IO with a rise", &kernel, []HeldPart{kernel}, DeviceLatency{Device: "loop0", RateA: 944, RateB: 300, BytesA: 7.8e6, BytesB: 2e6}, 1, false, 0},
		{"kernel work, less IO with a fall", &kernel, []HeldPart{kernel}, DeviceLatency{Device: "loop0", RateA: 944, RateB: 300, BytesA: 7.8e6, BytesB: 2e6}, -1, true, 0},
		{"other processes, 70x the bytes", &HeldPart{Holder: model.HeldOther, Share: 0.9}, nil, more, 1, false, 0},
		{"no holder leads, kernel and threads together do", nil, split, more, 1, true, 2},
		{"no holder leads, kernel and threads together do, same load", nil, split, DeviceLatency{Device: "loop0", RateA: 944, RateB: 950, BytesA: 7.8e6, BytesB: 8e6}, 1, false, 0},
		{"no holder leads, kernel and threads short of half", nil, []HeldPart{{Holder: model.HeldOther, Share: 0.45}, {Holder: model.HeldKernel, Share: 0.3}, {Holder: model.HeldTraced, Share: 0.15}}, more, 1, false, 0},
		{"no holder leads, no kernel part", nil, []HeldPart{{Holder: model.HeldTraced, Share: 0.45}, {Holder: model.HeldIdle, Share: 0.4}}, more, 1, false, 0},
		{"no holder leads, a small kernel part with the change", nil, []HeldPart{{Holder: model.HeldTraced, Share: 0.49}, {Holder: model.HeldIdle, Share: 0.45}, {Holder: model.HeldKernel, Share: 0.06}}, more, 1, true, 2},
		{"no holder leads, the kernel's part against the change", nil, []HeldPart{{Holder: model.HeldTraced, Share: 0.48}, {Holder: model.HeldIdle, Share: 0.45}, {Holder: model.HeldOther, Share: 0.17}, {Holder: model.HeldKernel, Share: -0.1}}, more, 1, false, 0},
		{"no holder leads, kernel and threads together, less IO with a fall", nil, split, DeviceLatency{Device: "loop0", RateA: 944, RateB: 300, BytesA: 7.8e6, BytesB: 2e6}, -1, true, 2},
		{"another device given the work", &kernel, []HeldPart{kernel}, DeviceLatency{Device: "vda", RateA: 944, RateB: 67e3, BytesA: 7.8e6, BytesB: 550e6}, 1, false, 0},
	}
	for _, tt := range tests {
		res := &Result{Devices: []DeviceLatency{tt.dev}}
		f, served := c.servedLoad(res, &LayerShare{Key: LayerCPU, Kind: LayerCPU, Held: tt.held}, tt.h, tt.dir)
		if (f != nil) != tt.want || len(served) != tt.served {
			t.Errorf("%s: servedLoad = %+v, %d holders; want found %v, %d holders", tt.name, f, len(served), tt.want, tt.served)
		}
		if f != nil && (f.Device != "loop0" || f.BytesB != tt.dev.BytesB) {
			t.Errorf("%s: finding %+v does not carry the device's load", tt.name, f)
		}
		if len(served) == 2 && (served[0].Holder != model.HeldTraced || served[1].Holder != model.HeldKernel) {
			t.Errorf("%s: served %+v, want the traced threads, then the kernel", tt.name, served)
		}
	}
	// The verdict names both holders, in the order of their shares.
	f, served := c.servedLoad(&Result{Devices: []DeviceLatency{more}}, &LayerShare{Held: split}, nil, 1)
	d := &Diagnosis{Outcome: OutcomeWorse, Cause: CauseWorkload, Device: f, Served: served,
		Layer: &LayerShare{Key: LayerCPU, Kind: LayerCPU, A: 12e3, B: 84e3, Share: 0.69}}
	want := ": the threads waited behind each other and the kernel's own work on their CPU, which serves their IO (47% and 48% of the rise in waiting for a CPU), and loop0 was given more work ("
	if got := causeText(d, &Result{}); !strings.HasPrefix(got, want) {
		t.Errorf("cause text %q, want it to begin %q", got, want)
	}
}

// TestHeldAboveTracedDevice: the threads' longer waits for IO the tracer
// could not name, under a throttle that released their writes to loop0 in
// bursts (loop0's await 0.17 → 2.0 ms at a quarter of the load). loop0's
// requests are timed by the tracer (Service), so a request of the threads'
// own there would have carried its name: the IO was held above it (bio).
// Only a device the tracer does not time (bio-based, dm-0) can be the one
// above the requests whose await explains such waits.
func TestHeldAboveTracedDevice(t *testing.T) {
	lat := func(a, b float64) *Latency {
		return &Latency{MeanA: a, MeanB: b, Change: Change{Delta: b - a, Tested: true, P: 0.001, Significant: true}}
	}
	loop0 := DeviceLatency{Device: "loop0", RateA: 1900, RateB: 542, BytesA: 7.7e6, BytesB: 2.3e6,
		Service: lat(150e3, 160e3), Await: lat(166e3, 2.0e6)}
	dm := DeviceLatency{Device: "dm-0", RateA: 1900, RateB: 542, Await: lat(200e3, 2.1e6)}
	c := &comparison{a: newCapture("a", capture.Meta{}), b: newCapture("b", capture.Meta{}), opt: Options{Alpha: 0.01}}
	l := &LayerShare{Key: blockPrefix + unknownDevice, Kind: "block", A: 1e3, B: 1.8e6, WaitsA: 0.004, WaitsB: 0.02, WaitA: 20e3, WaitB: 90e6}
	for _, tt := range []struct {
		name    string
		devices []DeviceLatency
		cause   string
		device  string
	}{
		{"a traced device whose await rose", []DeviceLatency{loop0}, CauseBio, ""},
		{"a bio-based device above it", []DeviceLatency{loop0, dm}, CauseDevice, "dm-0"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cause, f := c.blockCause(&Result{Devices: tt.devices}, l, 1)
			got := ""
			if f != nil && cause == CauseDevice {
				got = f.Device
			}
			if cause != tt.cause || got != tt.device {
				t.Errorf("blockCause = %s (%s), want %s (%s)", cause, got, tt.cause, tt.device)
			}
		})
	}
}

// TestAsyncWaitCount: more waits per IO at the old mean wait are more IO
// asked for (workload) when the threads waited for their own synchronous
// IO; when they mostly waited to reap asynchronous IO, a slower device
// makes them wait more often too, so the device's latency and load decide
// (3 libaio readers on loop1, tmpfs- then disk-backed: 0.1 → 0.47 waits
// per IO, service 21 → 191 µs at a third of the requests).
func TestAsyncWaitCount(t *testing.T) {
	lat := func(a, b float64) *Latency {
		return &Latency{MeanA: a, MeanB: b, Change: Change{Delta: b - a, Tested: true, P: 0.001, Significant: true}}
	}
	slower := DeviceLatency{Device: "loop1", RateA: 34e3, RateB: 11e3, BytesA: 417e6, BytesB: 135e6,
		Service: lat(21e3, 191e3), Await: lat(22e3, 193e3)}
	busier := DeviceLatency{Device: "loop1", RateA: 11e3, RateB: 34e3, BytesA: 135e6, BytesB: 417e6,
		Service: lat(21e3, 191e3), Await: lat(22e3, 193e3)}
	mk := func(key string, asyncNs float64) *Capture {
		c := newCapture("x", capture.Meta{})
		c.fams[famLayer][key] = &keyData{sum: []float64{1e9, 1e9}, cnt: []float64{100, 100}}
		c.aioDev = map[string]float64{}
		if asyncNs > 0 {
			c.aioDev[LayerDevice(key)] = asyncNs
		}
		return c
	}
	const loop1 = blockPrefix + "loop1"
	for _, tt := range []struct {
		name  string
		a, b  *Capture
		dev   DeviceLatency
		moved string // the device A waited on, when the IO moved
		cause string
	}{
		{"synchronous waits", mk(loop1, 0), mk(loop1, 0), slower, "", CauseWorkload},
		{"asynchronous waits, a slower device", mk(loop1, 1.8e9), mk(loop1, 1.9e9), slower, "", CauseDevice},
		{"asynchronous waits, a device given more work", mk(loop1, 1.8e9), mk(loop1, 1.9e9), busier, "", CauseWorkload},
		{"asynchronous in B only", mk(loop1, 0.2e9), mk(loop1, 1.9e9), slower, "", CauseWorkload},
		{"synchronous waits on the device the IO left", mk(blockPrefix+"vda", 0), mk(loop1, 1.9e9), slower, "vda", CauseWorkload},
		// No latency of the device left to compare with: the IO was
		// held above the devices, not more work.
		{"asynchronous waits on both devices", mk(blockPrefix+"vda", 1.8e9), mk(loop1, 1.9e9), slower, "vda", CauseBio},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := &comparison{a: tt.a, b: tt.b, opt: Options{Alpha: 0.01}}
			l := &LayerShare{Key: loop1, Kind: "block", Device: "loop1", A: 12e3, B: 75e3,
				WaitsA: 0.1, WaitsB: 0.47, WaitA: 121e3, WaitB: 160e3}
			l.CountShare = (l.WaitsB - l.WaitsA) * l.WaitA / (l.B - l.A)
			res := &Result{Devices: []DeviceLatency{tt.dev}}
			if tt.moved != "" {
				// What movedCause sets from A's waits on the old device.
				if cause, _ := c.movedCause(res, l, tt.moved, 1); cause != tt.cause {
					t.Errorf("movedCause = %s, want %s", cause, tt.cause)
				}
				return
			}
			if cause, _ := c.blockCause(res, l, 1); cause != tt.cause {
				t.Errorf("blockCause = %s, want %s (count share %.2f)", cause, tt.cause, l.CountShare)
			}
		})
	}
}

// TestSubmitRates: the IOs submitted through io_submit and io_uring are
// shown per second where both captures counted them in every interval and
// either submitted some; they never change the unit.
func TestSubmitRates(t *testing.T) {
	mk := func(n float64, unsubmitted int) *Capture {
		c := newCapture("x", capture.Meta{})
		c.secs = []float64{1, 1}
		c.fams[famLayer][blockPrefix+"loop0"] = &keyData{sum: []float64{30e6, 30e6}, cnt: []float64{300, 300}}
		c.submits, c.unsubmitted = []float64{n, n}, unsubmitted
		return c
	}
	tests := []struct {
		name         string
		a, b         *Capture
		rateA, rateB float64
	}{
		{"both counted", mk(2400, 0), mk(800, 0), 2400, 800},
		{"none submitted in A", mk(0, 0), mk(800, 0), 0, 800},
		{"none in either", mk(0, 0), mk(0, 0), 0, 0},
		{"an interval of B not counted", mk(2400, 0), mk(800, 1), 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, w := normaliser(tt.a, tt.b)
			if w.SubmitA != tt.rateA || w.SubmitB != tt.rateB {
				t.Errorf("submitted %v vs %v IOs/s, want %v vs %v", w.SubmitA, w.SubmitB, tt.rateA, tt.rateB)
			}
			if w.Per != "IO" || w.OpsA != 600 {
				t.Errorf("unit %q with %v in A, want IO (the waits, 600)", w.Per, w.OpsA)
			}
		})
	}
}

// TestSubmittedIOsAlike: the read and write calls join the IOs submitted in
// both captures or in neither, so that both count the same things.
func TestSubmittedIOsAlike(t *testing.T) {
	mk := func(uncounted int) *Capture {
		c := newCapture("x", capture.Meta{})
		c.secs = []float64{1}
		return submitted(calls(c, 100, uncounted), 1000, 0)
	}
	for _, tt := range []struct {
		name         string
		a, b         *Capture
		wantA, wantB float64
	}{
		{"both counted", mk(0), mk(0), 1100, 1100},
		{"A not counted", mk(1), mk(0), 1000, 1000},
		{"B not counted", mk(0), mk(1), 1000, 1000},
		{"B's calls without data", mk(0), small(mk(0), 34), 1000, 1000},
	} {
		ioA, ioB := submittedIOs(tt.a, tt.b)
		if ioA[0] != tt.wantA || ioB[0] != tt.wantB {
			t.Errorf("%s: %v and %v IOs, want %v and %v", tt.name, ioA[0], ioB[0], tt.wantA, tt.wantB)
		}
	}
}

// TestCallWork: calls that ran longer, preempted in proportion, with the
// kernel's part of their CPU time carrying the rise and the dirty-page
// limits changed, are the limits' doing (the kernel enforces them in the
// writers' calls); with the rise in the program between the calls, or no
// split by mode, they stay the workload's.
func TestCallWork(t *testing.T) {
	dirty := []ConfigChange{{Item: "sysctl vm.dirty_bytes", A: "0", B: "92274688"}}
	tests := []struct {
		name      string
		changes   []ConfigChange
		kernel    [2]float64 // the kernel's part of the CPU time per call, 0: not split
		writeback bool
	}{
		{"dirty limits, the kernel did more in each call", dirty, [2]float64{25e3, 32e3}, true},
		{"dirty limits, the program did more between calls", dirty, [2]float64{25e3, 26e3}, false},
		{"dirty limits, no split by mode", dirty, [2]float64{0, 0}, false},
		{"the kernel did more, nothing changed", nil, [2]float64{25e3, 32e3}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := &LayerShare{Key: LayerCPU, Kind: LayerCPU, A: 56e3, B: 80e3, Share: 0.75, RanA: 27e3, RanB: 35e3, RunShare: 0.66}
			res := &Result{Config: tt.changes, Time: &Breakdown{RanA: 27e3, RanB: 35e3, KernelA: tt.kernel[0], KernelB: tt.kernel[1]}}
			d := &Diagnosis{Outcome: OutcomeWorse, Per: "IO", Layer: l, Cause: CauseWorkload, Match: matchChanges(tt.changes, LayerCPU, 1)}
			d.byCallWork(res, 1)
			if !tt.writeback {
				if d.Cause != CauseWorkload || d.WorkOf != "" {
					t.Fatalf("cause %s (work of %q), want the workload's", d.Cause, d.WorkOf)
				}
				return
			}
			if d.Cause != CauseWriteback || d.WorkOf != ClassWriteback || d.Match.Kind != MatchDirect {
				t.Fatalf("cause %s, work of %q, match %s; want writeback through the dirty limits", d.Cause, d.WorkOf, d.Match.Kind)
			}
			if lead := leadText(d, res); !strings.Contains(lead, "sysctl vm.dirty_bytes 0 → 92274688") {
				t.Errorf("lead %q does not name the dirty limit", lead)
			}
			if why := causeText(d, res); !strings.Contains(why, "in the kernel (25µs → 32µs; on a CPU in all 27µs → 35µs)") {
				t.Errorf("cause text %q", why)
			}
		})
	}
}

// TestHolderNames: the part behind kernel threads or other processes is
// split by the tasks the tracer named, in proportion to each capture's
// named time; the LEAD names those that carry a tenth of the change or
// more, and nothing where the captures named no task of the kind.
func TestHolderNames(t *testing.T) {
	type named map[holderKey]float64
	loop := holderKey{name: "loop1", kernel: true, work: true}
	kswapd := holderKey{name: "kswapd0", kernel: true}
	soft := holderKey{name: "ksoftirqd/1", kernel: true}
	hog := holderKey{name: "stress-ng-cpu"}
	tests := []struct {
		name   string
		kernel bool
		a, b   named
		part   HeldPart // A and B of the part, per unit
		delta  float64  // the layer's change
		want   []string // names, first first
		shares []float64
		lead   string // holderNamesText
	}{
		{"a device's workers took the CPU", true, named{loop: 10, kswapd: 10}, named{loop: 90, kswapd: 10},
			HeldPart{A: 20, B: 100}, 100, []string{"loop1", "kswapd0"}, []float64{0.8, 0}, "; the largest: kworker loop1 80%"},
		{"two kernel threads share it", true, named{soft: 5, kswapd: 5}, named{soft: 60, kswapd: 40},
			HeldPart{A: 10, B: 110}, 100, []string{"ksoftirqd/1", "kswapd0"}, []float64{0.61, 0.39}, "; the largest: ksoftirqd/1 61%, kswapd0 39%"},
		{"other processes are not kernel threads", false, named{loop: 50, hog: 1}, named{loop: 50, hog: 99},
			HeldPart{A: 1, B: 99}, 100, []string{"stress-ng-cpu"}, []float64{0.98}, "; the largest: stress-ng-cpu 98%"},
		{"new in B only", false, named{}, named{hog: 10},
			HeldPart{A: 0, B: 50}, 60, []string{"stress-ng-cpu"}, []float64{50.0 / 60}, "; the largest: stress-ng-cpu 83%"},
		{"a fall", true, named{loop: 90, kswapd: 10}, named{loop: 10, kswapd: 10},
			HeldPart{A: 100, B: 20}, -100, []string{"loop1", "kswapd0"}, []float64{0.8, 0}, "; the largest: kworker loop1 80%"},
		{"too small a part to name", true, named{loop: 50, kswapd: 50}, named{loop: 52, kswapd: 48},
			HeldPart{A: 100, B: 110}, 100, []string{"loop1", "kswapd0"}, []float64{0.072, 0.028}, ""},
		{"not named: older captures", true, named{hog: 3}, named{hog: 4},
			HeldPart{A: 20, B: 100}, 100, nil, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &comparison{a: newCapture("a", capture.Meta{}), b: newCapture("b", capture.Meta{})}
			maps.Copy(c.a.holders, tt.a)
			maps.Copy(c.b.holders, tt.b)
			h := tt.part
			h.Names = c.holderNames(&h, tt.kernel, tt.delta)
			if len(h.Names) != len(tt.want) {
				t.Fatalf("names %+v, want %v", h.Names, tt.want)
			}
			for i, n := range h.Names {
				if n.Name != tt.want[i] || math.Abs(n.Share-tt.shares[i]) > 0.01 {
					t.Errorf("name %d = %s %.3f, want %s %.3f", i, n.Name, n.Share, tt.want[i], tt.shares[i])
				}
			}
			if got := holderNamesText(&h); got != tt.lead {
				t.Errorf("holderNamesText = %q, want %q", got, tt.lead)
			}
			h.Holder, h.Share = model.HeldOther, 1
			if tt.kernel {
				h.Holder = model.HeldKernel
			}
			d := &Diagnosis{Outcome: OutcomeWorse, Cause: CauseCPU, Layer: &LayerShare{Kind: LayerCPU, Share: 1}, Holder: &h}
			if a := adviceText(d); !strings.HasSuffix(a, "(100% of the rise)"+tt.lead) {
				t.Errorf("advice %q, want it to end in the names %q", a, tt.lead)
			}
		})
	}
}

// TestByDeviceWorkers: waits for a CPU behind a device's own workers go one
// step up the chain to a change that acts directly on that device's IO,
// whose cause they take; not where the workers carry too little of the
// change, are no device's, or no change acts on that device.
func TestByDeviceWorkers(t *testing.T) {
	loop0 := HolderName{Name: "loop0", Work: true, A: 0.1, B: 41, Share: 0.63}
	soft := HolderName{Name: "ksoftirqd", A: 10, B: 90, Share: 1.19}
	throttle := func(dev string) ConfigChange {
		devs := map[string]string{"7:0": "loop0", "7:1": "loop1"}
		num := map[string]string{"loop0": "7:0", "loop1": "7:1"}[dev]
		return ConfigChange{Item: "cgroup /x blkio.throttle.read_bps_device", A: "", B: num + " 251658240", Devices: map[string]string{num: devs[num]}}
	}
	tests := []struct {
		name   string
		holder string
		names  []HolderName
		config []ConfigChange
		cause  string // "" when the step is not taken
	}{
		{"a throttle on the device", model.HeldKernel, []HolderName{soft, loop0}, []ConfigChange{throttle("loop0")}, CauseBio},
		{"a throttle on another device", model.HeldKernel, []HolderName{soft, loop0}, []ConfigChange{throttle("loop1")}, ""},
		{"its queue depth", model.HeldKernel, []HolderName{loop0}, []ConfigChange{{Item: "nr_requests loop0", A: "128", B: "4"}}, CauseScheduler},
		{"its backing", model.HeldKernel, []HolderName{loop0}, []ConfigChange{{Item: "rotational loop0", A: "0", B: "1"}}, CauseDevice},
		{"dirty limits reach the device only through writeback", model.HeldKernel, []HolderName{loop0}, []ConfigChange{{Item: "sysctl vm.dirty_bytes", A: "0", B: "33554432"}}, ""},
		{"the workers carry too little", model.HeldKernel, []HolderName{soft, {Name: "loop0", Work: true, Share: 0.2}}, []ConfigChange{throttle("loop0")}, ""},
		{"no device's workers", model.HeldKernel, []HolderName{soft}, []ConfigChange{throttle("loop0")}, ""},
		{"other processes", model.HeldOther, []HolderName{loop0}, []ConfigChange{throttle("loop0")}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := &Result{Devices: []DeviceLatency{{Device: "loop0"}, {Device: "loop1"}}, Config: tt.config}
			h := &HeldPart{Holder: tt.holder, A: 20, B: 140, Share: 1.8, Names: tt.names}
			d := &Diagnosis{Outcome: OutcomeWorse, Cause: CauseCPU, Holder: h, Layer: &LayerShare{Key: LayerCPU, Kind: LayerCPU, A: 65, B: 130, Share: 0.68}}
			took := d.byDeviceWorkers(res, 1)
			if took != (tt.cause != "") {
				t.Fatalf("byDeviceWorkers = %v, want %v", took, tt.cause != "")
			}
			if !took {
				if d.Cause != CauseCPU || d.DeviceWork != nil {
					t.Errorf("cause %s, device work %+v: want the diagnosis as it was", d.Cause, d.DeviceWork)
				}
				return
			}
			if d.Cause != tt.cause || d.Device == nil || d.Device.Device != "loop0" || d.Match.Kind != MatchDirect {
				t.Errorf("cause %s, device %+v, match %+v; want %s on loop0", d.Cause, d.Device, d.Match, tt.cause)
			}
			if got := causeText(d, res); !strings.Contains(got, "among them kworker loop0, loop0's own work (63%), after a change to its IO") {
				t.Errorf("cause text %q", got)
			}
		})
	}
}

// TestCrowdedOn: IO held above a device is the crowd's only where the
// threads counted waited on that device and its throughput did not fall;
// more threads on a CPU say nothing of its queue.
func TestCrowdedOn(t *testing.T) {
	same := &DeviceLatency{Device: "nullb0", RateA: 40, RateB: 41, BytesA: 3.9e6, BytesB: 4.7e6}
	fell := &DeviceLatency{Device: "nullb0", RateA: 40, RateB: 20, BytesA: 3.9e6, BytesB: 1.9e6}
	tests := []struct {
		name   string
		dev    *DeviceLatency
		wa, wb []float64
		ra, rb []float64
		want   bool
	}{
		{"more threads waiting on it", same, []float64{4, 4}, []float64{7, 7}, nil, nil, true},
		{"as many waiting on it", same, []float64{4, 4}, []float64{4, 5}, nil, nil, false},
		{"its throughput fell", fell, []float64{4, 4}, []float64{7, 7}, nil, nil, false},
		{"only more threads on a CPU", same, nil, nil, []float64{4, 4}, []float64{8, 8}, false},
		{"no device", nil, []float64{4, 4}, []float64{7, 7}, nil, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &comparison{
				a: &Capture{waiters: map[string][]float64{"nullb0": tt.wa}, running: tt.ra},
				b: &Capture{waiters: map[string][]float64{"nullb0": tt.wb}, running: tt.rb},
			}
			if got := c.crowdedOn(tt.dev, 1); (got != nil) != tt.want {
				t.Errorf("crowdedOn = %+v, want crowd %v", got, tt.want)
			}
		})
	}
}

// TestQueuedAhead: a device whose await carried the change while its own
// time per request (Service) did not change significantly that way, at a
// throughput that did not move against the change by one that matters,
// kept more requests in flight (Little's law, by loadRatio): the work
// offered to it, not a slower device. Not where the service rose with the
// await, where the throughput fell by a change that matters (a slower
// device does less), where the tracer did not time the device, nor where
// the latency that explains is the service itself; the same the other way
// for a fall.
func TestQueuedAhead(t *testing.T) {
	lat := func(a, b, p float64) *Latency {
		return &Latency{MeanA: a, MeanB: b, Change: Change{Delta: b - a, Ratio: b / a, Tested: true, P: p}}
	}
	tests := []struct {
		name           string
		service        *Latency
		await          *Latency
		rateA, rateB   float64
		bytesA, bytesB float64
		useService     bool
		dir            float64
		want           *InFlight
	}{
		// lab-heldout11 6.1, 9 mounts for 3 on a 4 MiB/s null_blk.
		{"service held, await 3x, same bytes", lat(404e3, 415e3, 0.62), lat(91e6, 288e6, 0.001), 45, 39, 2.5e6, 2.4e6, false, 1, &InFlight{A: 45 * 0.091, B: 39 * 0.288}},
		{"service rose with it", lat(404e3, 1.2e6, 0.001), lat(91e6, 288e6, 0.001), 45, 39, 2.5e6, 2.4e6, false, 1, nil},
		{"service fell, await rose", lat(404e3, 300e3, 0.001), lat(91e6, 288e6, 0.001), 45, 39, 2.5e6, 2.4e6, false, 1, &InFlight{A: 45 * 0.091, B: 39 * 0.288}},
		{"throughput fell by a third", lat(404e3, 415e3, 0.62), lat(91e6, 288e6, 0.001), 45, 30, 2.5e6, 1.6e6, false, 1, nil},
		{"no service timed", nil, lat(91e6, 288e6, 0.001), 45, 39, 2.5e6, 2.4e6, false, 1, nil},
		{"the service explains", lat(404e3, 415e3, 0.62), lat(91e6, 288e6, 0.001), 45, 39, 2.5e6, 2.4e6, true, 1, nil},
		{"in flight short of loadRatio", lat(404e3, 415e3, 0.62), lat(91e6, 120e6, 0.001), 45, 44, 2.5e6, 2.45e6, false, 1, nil},
		{"a fall, fewer in flight", lat(415e3, 404e3, 0.62), lat(288e6, 91e6, 0.001), 39, 45, 2.4e6, 2.5e6, false, -1, &InFlight{A: 39 * 0.288, B: 45 * 0.091}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &comparison{opt: Options{}.withDefaults()}
			d := &DeviceLatency{Device: "nullb0", Service: tt.service, Await: tt.await, RateA: tt.rateA, RateB: tt.rateB, BytesA: tt.bytesA, BytesB: tt.bytesB}
			l := d.Await
			if tt.useService {
				l = d.Service
			}
			got := c.queuedAhead(d, l, tt.dir)
			if (got == nil) != (tt.want == nil) || got != nil && (math.Abs(got.A-tt.want.A) > 1e-9 || math.Abs(got.B-tt.want.B) > 1e-9) {
				t.Fatalf("queuedAhead = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestQueuedAheadText: the device served each request no slower, by its
// own time per request, while more of them waited in its queue, with the
// requests in flight and the await that carried the change.
func TestQueuedAheadText(t *testing.T) {
	svc := &Latency{MeanA: 404e3, MeanB: 415e3, Change: Change{Delta: 11e3, Ratio: 1.03, Tested: true, P: 0.62}}
	aw := &Latency{MeanA: 91e6, MeanB: 288e6, Change: Change{Delta: 197e6, Ratio: 3.16, Tested: true, P: 0.001, Significant: true, Outcome: TestSignificant}}
	res := &Result{Devices: []DeviceLatency{{Device: "nullb0", Service: svc, Await: aw}}}
	f := &DeviceFinding{Device: "nullb0", Latency: "await", Lat: aw, RateA: 45, RateB: 39, BytesA: 2.5e6, BytesB: 2.4e6,
		Queued: &InFlight{A: 4.1, B: 11.2}}
	l := &LayerShare{Key: blockPrefix + "nullb0", Kind: "block", Device: "nullb0", WaitA: 130e6, WaitB: 347e6}
	d := &Diagnosis{Outcome: OutcomeWorse, Cause: CauseWorkload, Per: "op", Layer: l, Device: f}
	want := ": nullb0 served each request no slower (service mean 404µs → 415µs, p=0.62) while more of them waited in its queue at the same load (2.5 → 2.4 MB/s; about 4.1 → 11.2 in flight; await mean 91ms → 288ms, p=0.001)"
	if got := causeText(d, res); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	// The other way: fewer of them, and no faster.
	d.Outcome = OutcomeBetter
	for _, w := range []string{"served each request no faster", "while fewer of them waited in its queue"} {
		if got := causeText(d, res); !strings.Contains(got, w) {
			t.Errorf("a fall: %q, want %q in it", got, w)
		}
	}
}
