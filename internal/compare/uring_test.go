package compare

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/capture"
	"github.com/nfstrace/nfstrace/internal/model"
)

// withURing is the baseline scenario's capture with io_uring reads of the
// given mean latency in every interval, and fsyncs in A's intervals only
// when syncs is set.
func withURing(seed uint64, mean time.Duration, perSec int, syncs bool) *Capture {
	sc := baseline()
	sc.seed = seed
	snaps := sc.snapshots()
	r := rand.New(rand.NewPCG(seed, 7))
	for _, s := range snaps {
		var h model.Hist
		for range perSec {
			h.Add(lognormal(r, mean, 0.5))
		}
		s.URing = []model.AsyncLat{{Kind: model.AsyncRead, Lat: h}}
		if syncs {
			var f model.Hist
			f.Add(uint64(2 * time.Millisecond))
			s.URing = append(s.URing, model.AsyncLat{Kind: model.AsyncSync, Lat: f})
		}
	}
	return FromSnapshots("x", capture.Meta{Config: sc.config(), Interval: time.Second}, snaps)
}

// TestAsyncLatency: the io_uring requests' latency of a kind both captures
// timed is compared and worded (worse, better, no change); a kind only one
// timed is not.
func TestAsyncLatency(t *testing.T) {
	tests := []struct {
		name  string
		a, b  *Capture
		words string
	}{
		{"slower", withURing(1, 100*time.Microsecond, 500, true), withURing(2, 300*time.Microsecond, 500, false),
			"their io_uring reads took 113µs → 339µs each in the kernel, worse (3.0x, p=0.001); 500 → 500 a second"},
		{"a little slower", withURing(1, 100*time.Microsecond, 500, false), withURing(2, 150*time.Microsecond, 500, false),
			"each in the kernel, worse (+"},
		{"faster", withURing(1, 300*time.Microsecond, 500, false), withURing(2, 100*time.Microsecond, 200, false),
			"each in the kernel, better (-"},
		{"the same", withURing(1, 100*time.Microsecond, 500, false), withURing(2, 100*time.Microsecond, 500, false),
			"each in the kernel, no significant change ("},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Compare(tt.a, tt.b, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.URing) != 1 || res.URing[0].Kind != model.AsyncRead {
				t.Fatalf("io_uring rows %+v, want the reads only", res.URing)
			}
			var b strings.Builder
			if err := res.Render(&b, RenderOptions{Width: 200}); err != nil {
				t.Fatal(err)
			}
			var line string
			for l := range strings.SplitSeq(b.String(), "\n") {
				if strings.HasPrefix(l, "IO ") {
					line = l
				}
			}
			if !strings.Contains(line, tt.words) {
				t.Errorf("IO line %q, want %q in it", line, tt.words)
			}
		})
	}
	res, err := Compare(withURing(1, time.Millisecond, 10, false).withoutURing(), withURing(2, time.Millisecond, 10, false), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.URing) != 0 {
		t.Errorf("io_uring rows %+v where A timed none", res.URing)
	}

	// libaio's requests: their own rows and line.
	res, err = Compare(withURing(1, 100*time.Microsecond, 500, false).asAIO(), withURing(2, 300*time.Microsecond, 500, false).asAIO(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.URing) != 0 || len(res.AIO) != 1 || res.AIO[0].Kind != model.AsyncRead {
		t.Fatalf("io_uring rows %+v, libaio rows %+v: want libaio reads only", res.URing, res.AIO)
	}
	var b strings.Builder
	if err := res.Render(&b, RenderOptions{Width: 200}); err != nil {
		t.Fatal(err)
	}
	if want := "their libaio reads took 113µs → 339µs each from io_submit to the reap, worse (3.0x, p=0.001)"; !strings.Contains(b.String(), want) {
		t.Errorf("no %q in\n%s", want, b.String())
	}
}

// asAIO makes the io_uring requests' latency libaio's.
func (c *Capture) asAIO() *Capture {
	c.fams[famAIO], c.fams[famURing] = c.fams[famURing], family{}
	return c
}

// withAIO adds libaio requests, n an interval taking latNs each.
func (c *Capture) withAIO(n, latNs float64) *Capture {
	u := &keyData{}
	for range c.secs {
		u.sum = append(u.sum, n*latNs)
		u.cnt = append(u.cnt, n)
	}
	c.fams[famAIO][model.AsyncRead] = u
	return c
}

// withoutURing drops the io_uring latency, as a capture that did not time it.
func (c *Capture) withoutURing() *Capture {
	c.fams[famURing] = family{}
	return c
}

// TestUnfelt: a change of the time the traced threads waited per unit is
// not felt when they mostly wait for asynchronous IO that took as long (or
// whatever they wait for, where only libaio's IO, timed to the reap, was
// timed), and they asked for as many IOs; it is when either moved, or when
// the requests timed are too few of their IOs to stand for them. A latency
// so noisy that its interval reaches a change that matters is not "as
// long": unsure.
func TestUnfelt(t *testing.T) {
	const n = 20
	noise := 0.1
	mk := func(seed uint64, latNs, timed, asyncNs float64) *Capture {
		c := newCapture("x", capture.Meta{})
		r := rand.New(rand.NewPCG(seed, 3))
		c.secs = make([]float64, n)
		layer := &keyData{}
		u := &keyData{}
		for i := range n {
			c.secs[i] = 1
			layer.sum = append(layer.sum, 0.9e9)
			layer.cnt = append(layer.cnt, 100)
			u.sum = append(u.sum, timed*latNs*(1+noise*(2*r.Float64()-1)))
			u.cnt = append(u.cnt, timed)
		}
		c.fams[famLayer][blockPrefix+"loop0"] = layer
		c.fams[famURing][model.AsyncRead] = u
		c.aioDev = map[string]float64{"loop0": asyncNs * n}
		c.Snapshots = n
		return c
	}
	tests := []struct {
		name         string
		a, b         *Capture
		rateA, rateB float64
		want         bool
	}{
		{"the same latency and rate", mk(1, 100e3, 1000, 0.9e9), mk(2, 100e3, 1000, 0.9e9), 1000, 1000, true},
		{"slower IO", mk(1, 100e3, 1000, 0.9e9), mk(2, 300e3, 1000, 0.9e9), 1000, 1000, false},
		{"half the IOs asked for", mk(1, 100e3, 1000, 0.9e9), mk(2, 100e3, 500, 0.9e9), 1000, 500, false},
		{"few of the IOs timed", mk(1, 100e3, 300, 0.9e9), mk(2, 100e3, 300, 0.9e9), 1000, 1000, false},
		{"not mostly waits for asynchronous IO", mk(1, 100e3, 1000, 0.2e9), mk(2, 100e3, 1000, 0.2e9), 1000, 1000, false},
		{"libaio's, the same latency and rate", mk(1, 100e3, 1000, 0.9e9).asAIO(), mk(2, 100e3, 1000, 0.9e9).asAIO(), 1000, 1000, true},
		{"libaio's, slower IO", mk(1, 100e3, 1000, 0.9e9).asAIO(), mk(2, 300e3, 1000, 0.9e9).asAIO(), 1000, 1000, false},
		{"half io_uring's, half libaio's, the same", mk(1, 100e3, 500, 0.9e9).withAIO(500, 100e3), mk(2, 100e3, 500, 0.9e9).withAIO(500, 100e3), 1000, 1000, true},
		// libaio's latency runs to the reap: it stands for their IO
		// whatever else they waited for; io_uring's does not.
		{"libaio's, not mostly waits for asynchronous IO", mk(1, 100e3, 1000, 0.2e9).asAIO(), mk(2, 100e3, 1000, 0.2e9).asAIO(), 1000, 1000, true},
		{"libaio's, not mostly waits, slower IO", mk(1, 100e3, 1000, 0.2e9).asAIO(), mk(2, 300e3, 1000, 0.2e9).asAIO(), 1000, 1000, false},
		{"half io_uring's, half libaio's, not mostly waits", mk(1, 100e3, 500, 0.2e9).withAIO(500, 100e3), mk(2, 100e3, 500, 0.2e9).withAIO(500, 100e3), 1000, 1000, false},
		{"half io_uring's, half libaio's, few timed", mk(1, 100e3, 250, 0.9e9).withAIO(200, 100e3), mk(2, 100e3, 250, 0.9e9).withAIO(200, 100e3), 1000, 1000, false},
	}
	noise = 0.95
	noisyA, noisyB := mk(1, 100e3, 1000, 0.9e9), mk(2, 100e3, 1000, 0.9e9)
	noise = 0.1
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &comparison{a: tt.a, b: tt.b, opt: Options{}.withDefaults(), draws: map[[2]int]*bootstrap{}}
			res := &Result{Workload: Workload{SubmitA: tt.rateA, SubmitB: tt.rateB, SecA: n, SecB: n}}
			u, un := c.unfelt(res)
			if (u != nil) != tt.want || un != nil {
				t.Errorf("unfelt = %+v, unsure %+v, want set %v and not unsure", u, un, tt.want)
			}
		})
	}
	t.Run("too noisy to tell", func(t *testing.T) {
		c := &comparison{a: noisyA, b: noisyB, opt: Options{}.withDefaults(), draws: map[[2]int]*bootstrap{}}
		res := &Result{Workload: Workload{SubmitA: 1000, SubmitB: 1000, SecA: n, SecB: n}}
		u, un := c.unfelt(res)
		if u == nil || un == nil || un.Hi < un.Matters && -un.Lo < un.Matters {
			t.Errorf("unfelt = %+v, unsure %+v, want both, the interval reaching %v", u, un, Options{}.withDefaults().MinChange)
		}
	})
}

// TestUnfeltText: the verdict says neither better nor worse, with what
// the IO took, the IOs asked for, and the wait that moved.
func TestUnfeltText(t *testing.T) {
	d := &Diagnosis{Outcome: OutcomeNoChange, Subject: SubjectThreads, Per: "IO", A: 16e6, B: 11e6,
		Change: Change{Delta: -5e6, Ratio: 11.0 / 16, Tested: true, P: 0.001, Significant: true, Outcome: TestSignificant},
		Unfelt: &Unfelt{LatA: 15.9e6, LatB: 16e6, Lat: Change{Delta: 0.1e6, Ratio: 1.006, Tested: true, P: 0.6, Outcome: TestNotSignificant},
			RateA: 946, RateB: 937}}
	got := summaryText(d, &Result{})
	want := "Neither better nor worse: the traced threads' asynchronous IO took as long (16ms → 16ms, p=0.6, not significant) and they asked for as many IOs (946 vs 937 a second); the time they waited per IO moved -31% (16ms → 11ms, p=0.001) with how their completions were gathered into waits, not with what their IO took."
	if got != want {
		t.Errorf("summary\n got %q\nwant %q", got, want)
	}
	// Not significant, but the interval reaches a change that matters:
	// what the IO took, too short to tell, its interval in time (the
	// resamples of a noisy mean may fall by more than the whole).
	d = &Diagnosis{Outcome: OutcomeTooShort, Subject: SubjectAsyncIO, Per: "request", A: 415e3, B: 630e3,
		Change: Change{Delta: 215e3, Ratio: 630.0 / 415, Tested: true, P: 0.45, Outcome: TestNotSignificant},
		Unsure: &Unsure{Seen: 215.0 / 415, Lo: -449.0 / 415, Hi: 999.0 / 415, Matters: 0.3, Level: 0.99, Seconds: 3, NeedSeconds: 25}}
	res := &Result{Workload: Workload{Per: "IO"}, Time: &Breakdown{Dimensions: []Dimension{{Name: "layer", Rows: []Contribution{
		{Key: ClassLock, Label: ClassLock, A: 0, B: 286e3, Change: Change{Delta: 286e3, Tested: true, P: 0.005, Significant: true, Outcome: TestSignificant}}}}}}}
	got = summaryText(d, res)
	want = "Too short to tell better from worse: time the traced threads' asynchronous IO took per request +52% (415µs → 630µs, p=0.45, not significant), whose 99% interval, a change of -449µs … +999µs per request, reaches a change that matters (30% or more) while the test cannot tell it from no change; record about 25s of load in each (these held 3s)."
	if got != want {
		t.Errorf("summary\n got %q\nwant %q", got, want)
	}
	// The layers stay per the workload's unit beside it.
	if ev := evidenceText(d, res); len(ev) < 2 || !strings.HasSuffix(ev[1], "per IO (p=0.005)") {
		t.Errorf("evidence %q: want the layer per IO", ev)
	}
}

// TestLatencyUnit: threads that keep IOs in flight are counted per IO
// asked for, not per wait, where the two units move apart and what they
// felt sides with the IOs asked for: their libaio IO's latency (timed to
// the reap), else the IOs they got done falling. Not where the units agree
// (a slower device), the IOs asked for held, they got more done (more kept
// in flight, each slower), or libaio's latency moved against the IOs asked
// for.
func TestLatencyUnit(t *testing.T) {
	const n = 20
	// mk is a capture whose threads waited 0.9 s a second on loop0, in
	// waits a second, asking for submits IOs a second, timed requests
	// of them (libaio's, or io_uring's with uring) taking latNs.
	mk := func(seed uint64, waits, submits, timed, latNs, busy float64, uring bool) (*Capture, []float64) {
		c := newCapture("x", capture.Meta{})
		r := rand.New(rand.NewPCG(seed, 5))
		layer, u := &keyData{}, &keyData{}
		den := make([]float64, n)
		for i := range n {
			c.secs = append(c.secs, 1)
			c.submits = append(c.submits, submits)
			layer.sum = append(layer.sum, busy*1e9*(1+0.02*(2*r.Float64()-1)))
			layer.cnt = append(layer.cnt, waits)
			den[i] = waits
			u.sum = append(u.sum, timed*latNs*(1+0.1*(2*r.Float64()-1)))
			u.cnt = append(u.cnt, timed)
		}
		c.fams[famLayer][blockPrefix+"loop0"] = layer
		fam := famAIO
		if uring {
			fam = famURing
		}
		c.fams[fam][model.AsyncRead] = u
		c.aioDev = map[string]float64{"loop0": busy * 1e9 * n}
		c.Snapshots = n
		return c, den
	}
	tests := []struct {
		name               string
		waitsA, subA, latA float64
		waitsB, subB, latB float64
		timed              float64 // share of the IOs asked for that were timed
		uring              bool
		by                 string  // "": the waits stay the unit
		busyB              float64 // B's time waited a second, 0.9 s unless set (A's)
	}{
		{"fewer in the queue: more waits, each shorter, IO slower", 1.7e3, 59e3, 1e6, 5.5e3, 22e3, 2.7e6, 1, false, "latency", 0},
		{"a slower device: fewer waits, each longer, as many IOs in each", 1.7e3, 59e3, 1e6, 0.65e3, 22e3, 2.7e6, 1, false, "", 0},
		{"as many waits, each as long, each reaping fewer slower IOs", 1.7e3, 59e3, 1e6, 1.7e3, 22e3, 2.7e6, 1, false, "latency", 0},
		// Only the time per wait moved: per IO asked for where nothing
		// the threads felt moved as far (the completions were gathered
		// into more waits) or their IO's latency moved with the IOs
		// asked for; per wait where it was not timed.
		{"as many IOs asked for, as fast", 1.7e3, 59e3, 1e6, 5.5e3, 59e3, 1e6, 1, false, "steady", 0},
		{"as many IOs asked for, +10%", 1.7e3, 59e3, 1e6, 5.5e3, 59e3, 1.1e6, 1, false, "steady", 0},
		{"as many io_uring IOs asked for, as fast", 1.7e3, 59e3, 1e6, 5.5e3, 59e3, 1e6, 1, true, "steady", 0},
		{"as many IOs asked for, IO 1.5x slower", 1.7e3, 59e3, 1e6, 5.5e3, 59e3, 1.5e6, 1, false, "latency", 0},
		{"as many io_uring IOs asked for, IO 1.5x slower", 1.7e3, 59e3, 1e6, 5.5e3, 59e3, 1.5e6, 1, true, "latency", 0},
		{"as many IOs asked for, few timed", 1.7e3, 59e3, 1e6, 5.5e3, 59e3, 1e6, 0.3, false, "", 0},
		{"more kept in flight: more IOs, each slower", 1.7e3, 20e3, 1e6, 5.5e3, 59e3, 2.7e6, 1, false, "", 0},
		{"libaio's latency against the IOs asked for", 1.7e3, 59e3, 2.7e6, 5.5e3, 22e3, 1e6, 1, false, "", 0},
		// The same direction, one further: each wait reaped fewer IOs.
		{"per wait +27%, per IO asked for 1.8x, IO slower", 1.7e3, 59e3, 1e6, 1.34e3, 32e3, 2.5e6, 1, false, "latency", 0},
		{"per wait +27%, per IO asked for 1.5x: not apart", 1.7e3, 59e3, 1e6, 1.34e3, 39e3, 2.5e6, 1, false, "", 0},
		{"per wait 1.8x, per IO asked for +27%: not by enough itself", 1.7e3, 59e3, 1e6, 0.94e3, 46.5e3, 2.5e6, 1, false, "", 0},
		// Opposite ways, each by less than MinChange: the waits would read
		// as better, the IOs asked for as worse, and the latency decides.
		{"per wait -21%, per IO asked for +23%, IO slower", 1.7e3, 59e3, 1e6, 2.15e3, 48e3, 1.22e6, 1, false, "latency", 0},
		{"per wait -21%, per IO asked for +23%, IO faster", 1.7e3, 59e3, 1e6, 2.15e3, 48e3, 0.8e6, 1, false, "", 0},
		{"per wait -21%, per IO asked for +23%, few timed, as many done", 1.7e3, 59e3, 1e6, 2.15e3, 48e3, 1.22e6, 0.3, false, "", 0},
		{"few of the IOs timed: fewer done", 1.7e3, 59e3, 1e6, 5.5e3, 22e3, 2.7e6, 0.3, false, "rate", 0},
		// io_uring's ends at the kernel's completion: IO waiting to be
		// consumed from the ring is not in it, and it can fall while
		// the threads get fewer done.
		{"io_uring's latency fell, fewer done", 3.9e3, 43e3, 2.6e6, 7e3, 11e3, 0.9e6, 1, true, "rate", 0},
		// At a set rate as many get done either way: io_uring's time in
		// the kernel, moving as far with the IOs asked for, confirms
		// them.
		{"io_uring's latency rose with the IOs asked for, at a set rate", 2.1e3, 4.7e3, 74e3, 4.4e3, 4.7e3, 183e3, 1, true, "latency", 2.5},
		{"io_uring's latency rose +20%, at a set rate", 2.1e3, 4.7e3, 74e3, 4.4e3, 4.7e3, 89e3, 1, true, "", 2.5},
		{"io_uring's latency fell, at a set rate", 2.1e3, 4.7e3, 183e3, 4.4e3, 4.7e3, 74e3, 1, true, "", 2.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			busyB := tt.busyB
			if busyB == 0 {
				busyB = 0.9
			}
			a, denA := mk(1, tt.waitsA, tt.subA, tt.timed*tt.subA, tt.latA, 0.9, tt.uring)
			b, denB := mk(2, tt.waitsB, tt.subB, tt.timed*tt.subB, tt.latB, busyB, tt.uring)
			c := &comparison{a: a, b: b, opt: Options{}.withDefaults(), draws: map[[2]int]*bootstrap{}}
			w := Workload{Per: "IO", SubmitA: tt.subA, SubmitB: tt.subB, SecA: n, SecB: n}
			subA, subB, why := c.latencyUnit(w, denA, denB)
			by := ""
			if why != nil {
				by = why.By
			}
			if by != tt.by {
				t.Fatalf("latencyUnit: %+v, want by %q", why, tt.by)
			}
			if why == nil {
				return
			}
			if sum(subA) != n*tt.subA || sum(subB) != n*tt.subB {
				t.Errorf("unit %v, %v IOs, want the IOs asked for", sum(subA), sum(subB))
			}
			if why.SubmitRatio/why.WaitRatio < 1.3 || why.SubmitRatio < 1.3 && why.WaitRatio > 1 {
				t.Errorf("ratios %+v: want per IO asked for up, beyond per wait, and by 30%% or against it", why)
			}
			if why.By == "rate" && why.RateRatio >= 1 || why.By == "latency" && why.LatRatio <= 1 {
				t.Errorf("ratios %+v: want fewer done, or the latency up", why)
			}
			if why.By == "steady" && (math.Abs(why.SubmitRatio-1) >= 0.3 || math.Abs(why.LatRatio-1) >= 0.3 || math.Abs(why.RateRatio-1) >= 0.3) {
				t.Errorf("ratios %+v: want the IOs asked for, their latency and their rate within 30%%", why)
			}
			if why.InKernel != ((why.By == "latency" || why.By == "steady") && tt.uring) {
				t.Errorf("in kernel %v, want it for io_uring's latency", why.InKernel)
			}
		})
	}
	w := Workload{Per: "IO", Submitted: true, RateA: 59e3, RateB: 22e3,
		AgainstLatency: &AgainstLatency{WaitRatio: 1 / 3.2, SubmitRatio: 2.7, LatRatio: 2.7, RateRatio: 22.0 / 59, By: "latency"}}
	want := "the traced threads asked for 59k vs 22k IOs/s; figures are per IO asked for, as all their waiting per wait for block IO fell 3.2x while their IO's latency rose 2.7x"
	if got := rateText(w); got != want {
		t.Errorf("workload\n got %q\nwant %q", got, want)
	}
	w.AgainstLatency.WaitRatio = 1.27
	want = "the traced threads asked for 59k vs 22k IOs/s; figures are per IO asked for, as all their waiting per wait for block IO rose 27% while their IO's latency rose 2.7x"
	if got := rateText(w); got != want {
		t.Errorf("workload\n got %q\nwant %q", got, want)
	}
	w.AgainstLatency.InKernel = true
	want = "the traced threads asked for 59k vs 22k IOs/s; figures are per IO asked for, as all their waiting per wait for block IO rose 27% while their IO's time in the kernel rose 2.7x"
	if got := rateText(w); got != want {
		t.Errorf("workload\n got %q\nwant %q", got, want)
	}
	w.AgainstLatency.WaitRatio, w.AgainstLatency.InKernel = 1/3.2, false
	w.AgainstLatency.By, w.AgainstLatency.LatRatio = "rate", 0
	want = "the traced threads asked for 59k vs 22k IOs/s; figures are per IO asked for, as all their waiting per wait for block IO fell 3.2x while the IOs they got done a second fell 2.7x"
	if got := rateText(w); got != want {
		t.Errorf("workload\n got %q\nwant %q", got, want)
	}
	w = Workload{Per: "IO", Submitted: true, RateA: 50e3, RateB: 51e3,
		AgainstLatency: &AgainstLatency{WaitRatio: 1 / 2.1, SubmitRatio: 0.92, LatRatio: 1.05, InKernel: true, RateRatio: 1.03, By: "steady"}}
	want = "the traced threads asked for 50k vs 51k IOs/s; figures are per IO asked for, as all their waiting per wait for block IO fell 2.1x while neither their IO's time in the kernel (+5%) nor the IOs they got done a second (+3%) moved as far"
	if got := rateText(w); got != want {
		t.Errorf("workload\n got %q\nwant %q", got, want)
	}
}

// TestAIOInSubmit: a libaio request's time holds the threads' waits inside
// io_submit, shared among the iocbs the interval's calls queued: three
// writers given 4 requests in place of 64 wait ~660 µs an iocb for one,
// which the probe's span from io_submit's return leaves out.
func TestAIOInSubmit(t *testing.T) {
	inSubmit := model.NewWaitSite([]string{"io_schedule", "blk_mq_get_tag", "__blk_mq_alloc_requests", "blk_mq_submit_bio",
		"iomap_dio_rw", "ext4_file_write_iter", "aio_write", "io_submit_one", "__x64_sys_io_submit", "do_syscall_64"})
	reap := model.NewWaitSite([]string{"schedule", "read_events", "do_io_getevents", "__x64_sys_io_getevents", "do_syscall_64"})
	mk := func(seed uint64, waitNs uint64) *Capture {
		sc := baseline()
		sc.seed = seed
		snaps := sc.snapshots()
		for _, s := range snaps {
			var lat model.Hist
			for range 400 {
				lat.Add(uint64(2700 * time.Microsecond))
			}
			s.AIO = []model.AsyncLat{{Kind: model.AsyncWrite, Lat: lat}}
			s.Submits = &model.Submits{AIO: 400}
			var in, out model.Hist
			for range 40 {
				in.Add(waitNs * 10) // 40 waits of 10 iocbs' share each
				out.Add(uint64(time.Millisecond))
			}
			s.DState = append(s.DState,
				model.DState{Comm: "fio", WaitSite: inSubmit, Device: "loop0", Hist: in},
				model.DState{Comm: "fio", WaitSite: reap, Device: model.NotBlockIO, Hist: out})
		}
		return FromSnapshots("x", capture.Meta{Config: sc.config(), Interval: time.Second}, snaps)
	}
	res, err := Compare(mk(1, 1000), mk(2, uint64(660*time.Microsecond)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.AIO) != 1 {
		t.Fatalf("libaio rows %+v, want the writes", res.AIO)
	}
	l := res.AIO[0].Lat
	// 2.7 ms from io_submit's return, and the waits inside it: 1 µs, 660 µs an iocb.
	for _, c := range []struct{ got, want float64 }{{l.MeanA, 2701e3}, {l.MeanB, 3360e3}} {
		if math.Abs(c.got-c.want) > 0.01*c.want {
			t.Errorf("libaio writes' mean %.0f ns, want %.0f (io_submit's waits per iocb added)", c.got, c.want)
		}
	}
}

// TestAsyncLinesAgainstVerdict: an io_uring line whose significant change
// goes the other way from the verdict says what its time leaves out; one
// that agrees, is not significant, or has no verdict to go against does
// not.
func TestAsyncLinesAgainstVerdict(t *testing.T) {
	const note = "timed from the kernel taking each request, not before"
	row := func(delta float64, significant bool) []AsyncLatency {
		return []AsyncLatency{{Kind: model.AsyncRead, RateA: 100, RateB: 100,
			Lat: Latency{MeanA: 200e3, MeanB: 200e3 + delta, Change: Change{Delta: delta, Ratio: (200e3 + delta) / 200e3, Tested: true, P: 0.001, Significant: significant}}}}
	}
	tests := []struct {
		name string
		rows []AsyncLatency
		dir  float64
		want bool
	}{
		{"faster under a worse verdict", row(-100e3, true), 1, true},
		{"slower under a better verdict", row(100e3, true), -1, true},
		{"slower under a worse verdict", row(100e3, true), 1, false},
		{"faster, no verdict", row(-100e3, true), 0, false},
		{"faster, not significant", row(-100e3, false), 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines := asyncLines("io_uring", "in the kernel", tt.rows, tt.dir)
			if len(lines) != 1 {
				t.Fatalf("lines %q, want one", lines)
			}
			if got := strings.Contains(lines[0], note); got != tt.want {
				t.Errorf("line %q: note %v, want %v", lines[0], got, tt.want)
			}
		})
	}
}
