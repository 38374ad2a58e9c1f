// Package compare compares two nfstrace captures (two kernels, two
// schedulers, before and after a change) and says what differs and where the
// time went: the configuration first, then whether the workloads are
// comparable, then the change of nfsd D-time per operation, NFS operation
// latency and block latency broken down by wait site, device, IO scheduler,
// NFS operation and client, ranked by the share of the change each explains
// and tested for significance, and a verdict on top.
//
// It reads captures only (internal/capture and internal/model): everything
// it compares was recorded in the files.
package compare

import (
	"cmp"
	"errors"
	"math"
	"slices"
	"strings"

	"github.com/nfstrace/nfstrace/internal/model"
)

// Options tune a comparison. The zero value uses the defaults.
type Options struct {
	// Alpha is the significance level; default 0.01.
	Alpha float64
	// MinChange is the smallest change of a total that counts, however
	// significant, relative to the smaller of A and B; default 0.3 (30%):
	// two recordings of one condition differ by more than their intervals
	// vary (the files' layout, the cache, where the threads ran), and a
	// test within each capture cannot see that. The default is the least
	// floor at which the diagnosis benchmark's same-condition pairs stop
	// giving fewer false alarms (docs/diagnosis.md).
	MinChange float64
	// Resamples is the number of bootstrap resamples; default 2000.
	Resamples int
	// Seed seeds the bootstrap, so that a comparison is reproducible.
	Seed uint64
}

func (o Options) withDefaults() Options {
	if o.Alpha <= 0 {
		o.Alpha = 0.01
	}
	if o.MinChange <= 0 {
		o.MinChange = 0.3
	}
	if o.Resamples <= 0 {
		o.Resamples = 2000
	}
	return o
}

// minShare is the smallest share of a total a contribution must move to be
// called significant on its own.
const minShare = 0.05

// Side describes one capture.
type Side struct {
	Name      string  `json:"name"`
	Host      string  `json:"host"`
	Kernel    string  `json:"kernel"`
	Backend   string  `json:"backend"`
	Snapshots int     `json:"snapshots"`
	Seconds   float64 `json:"seconds"`
	Start     string  `json:"start"`
}

// Result is a whole comparison, the unit of `--format json`. Durations are
// nanoseconds; "per" figures are per NFS operation or per second as
// Workload.Per says.
type Result struct {
	// Version is the JSON schema's version (ResultVersion).
	Version  int            `json:"version"`
	A        Side           `json:"a"`
	B        Side           `json:"b"`
	Verdict  Verdict        `json:"verdict"`
	Config   []ConfigChange `json:"config_changes"`
	Caveats  []string       `json:"caveats,omitempty"`
	Workload Workload       `json:"workload"`
	// Time is the time users feel split into layers that add up (see
	// layers.go): what the verdict is read off.
	Time *Breakdown `json:"time,omitempty"`
	// DTime is the D-state time of the traced (nfsd) threads per operation,
	// with their waits for asynchronous IO where they had some.
	DTime *Breakdown `json:"dstate,omitempty"`
	// RPC is the NFS request latency (time from request to reply) per
	// operation, by operation and by client.
	RPC *Breakdown `json:"rpc,omitempty"`
	// Block is the block-layer time (scheduler queue + device) per operation.
	Block *Breakdown `json:"block,omitempty"`
	// Devices compares each device's latency per request.
	Devices []DeviceLatency `json:"devices,omitempty"`
	// URing is the latency of the traced threads' io_uring requests per
	// kind that both captures timed, most requests first.
	URing []AsyncLatency `json:"io_uring,omitempty"`
	// AIO is the same for their libaio requests.
	AIO []AsyncLatency `json:"libaio,omitempty"`
	// LockOwners are who held the locks the traced threads waited on.
	LockOwners []LockOwnerRow `json:"lock_owners,omitempty"`
	// Kernel compares the kernel's messages (kmsg.go); nil when neither
	// capture read the kernel log.
	Kernel *KernelLog `json:"kernel_log,omitempty"`
	// Stuck are the tasks stuck in D in either capture (stuck.go): waits
	// that had not ended, which no other figure holds.
	Stuck *StuckTasks `json:"stuck,omitempty"`
}

// ResultVersion is the version of the Result JSON schema. Fields are only
// ever added; a removal or a change of meaning bumps it.
const ResultVersion = 3

// Change is a change B - A of one figure and its test.
type Change struct {
	Delta float64 `json:"delta"`
	// Ratio is B / A, +Inf when A is 0 and B is not.
	Ratio  float64    `json:"ratio"`
	Tested bool       `json:"tested"`
	P      float64    `json:"p"`
	CI     [2]float64 `json:"ci95"`
	// Interval is the percentile interval at the test's level, 1 -
	// Options.Alpha (99% by default): unlike the 95% one, it holds no
	// change whenever the change is not significant at that level.
	Interval [2]float64 `json:"interval"`
	// Significant: tested, P below the level and the change large enough
	// to matter (see Options.MinChange and minShare).
	Significant bool `json:"significant"`
	// Outcome is the one word for the test: TestSignificant, TestSmall,
	// TestNotSignificant or TestUntested.
	Outcome string `json:"outcome"`
}

// Why a total's significant change is too small to matter (Breakdown.Small).
const (
	SmallFloor = "floor" // under the least change per unit that matters
	SmallShare = "share" // under Options.MinChange of the smaller side's time per unit
)

// Test outcomes: a change is significant and large enough to matter,
// significant but too small to matter, not significant, or not testable.
const (
	TestSignificant    = "significant"
	TestSmall          = "too small to matter"
	TestNotSignificant = "not significant"
	TestUntested       = "untested"
)

// judge sets a change's Significant and Outcome from its test and whether
// it is large enough to matter.
func (ch *Change) judge(alpha float64, large bool) {
	switch {
	case !ch.Tested:
		ch.Outcome = TestUntested
	case ch.P >= alpha:
		ch.Outcome = TestNotSignificant
	case !large:
		ch.Outcome = TestSmall
	default:
		ch.Outcome = TestSignificant
	}
	ch.Significant = ch.Outcome == TestSignificant
}

// Breakdown is one figure compared in total and broken down by dimension.
type Breakdown struct {
	Metric string  `json:"metric"`
	Unit   string  `json:"unit"` // "ns/op" or "ns/s"
	A      float64 `json:"a"`
	B      float64 `json:"b"`
	// APerSec and BPerSec are the same totals per second of capture, for
	// reference: they grow with the load, the per-operation figures do not.
	APerSec float64 `json:"a_per_s"`
	BPerSec float64 `json:"b_per_s"`
	Change  Change  `json:"change"`
	// RanA and RanB are, for the traced threads' time per call or IO,
	// the time they ran on a CPU per unit in A and B: a change of the
	// total matters against the time they ran and waited (see matter).
	RanA float64 `json:"ran_a,omitempty"`
	RanB float64 `json:"ran_b,omitempty"`
	// KernelA and KernelB are the part of RanA and RanB in the kernel,
	// where both captures split the threads' CPU time by mode (see
	// cpuPerUnit): then a change matters against the time they waited
	// and ran in the kernel, the calls' own, not the program's work
	// between its calls.
	KernelA float64 `json:"kernel_a,omitempty"`
	KernelB float64 `json:"kernel_b,omitempty"`
	// Small says, when the total's change is significant but too small
	// to matter, why: SmallFloor (under the least change per unit that
	// matters, Floor) or SmallShare (under MinChange of the smaller
	// side's time per unit, with KernelA or KernelB, else RanA or RanB,
	// where known).
	Small string  `json:"small,omitempty"`
	Floor float64 `json:"floor_ns,omitempty"`
	// Held is set when the total's change was tested with a few rare
	// waits held as they occurred (see Held): Change is that test.
	Held *Held `json:"held,omitempty"`
	// NewWait is set when the total's significant change, short of
	// Options.MinChange, matters all the same: a wait one side hardly
	// had carries it (see newWait).
	NewWait *NewWait `json:"new_wait,omitempty"`
	// SettingWait is set when the total's significant change, short of
	// Options.MinChange, matters all the same: waits a changed setting
	// acts on carry it (see settingWait).
	SettingWait *SettingWait `json:"setting_wait,omitempty"`
	// Carriers is set when the total's change is large enough to matter
	// but sits in too few time blocks to be tested (see Carriers).
	Carriers *Carriers `json:"carriers,omitempty"`
	// Unsure is set when the total's change is not significant but its
	// interval still reaches a change that matters (see Unsure).
	Unsure *Unsure `json:"unsure,omitempty"`
	// Intervals are the intervals of A and B the total was tested over:
	// from the first to the last with data of its own (see span).
	Intervals  [2]int      `json:"intervals"`
	Dimensions []Dimension `json:"dimensions"`
}

// Dimension is the breakdown of a figure along one dimension, the biggest
// contributors to its change first.
type Dimension struct {
	Name string         `json:"name"` // "wait site", "device", "scheduler", "op", "client", "comm"
	Rows []Contribution `json:"rows"`
}

// Contribution is one key's part of a figure and of its change.
type Contribution struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	// LabelA is the key's label in A when it differs (a wait site whose
	// frames were renamed between kernels).
	LabelA string `json:"label_a,omitempty"`
	// Class says where a wait site's time goes (ClassBlockIO, ClassLock, ...).
	Class string  `json:"class,omitempty"`
	A     float64 `json:"a"`
	B     float64 `json:"b"`
	Change
	// Share is Delta over the total's Delta: the part of the change this key
	// explains (negative when it moved against the total).
	Share float64 `json:"share"`
	DistA *Dist   `json:"dist_a,omitempty"`
	DistB *Dist   `json:"dist_b,omitempty"`
	Shift *Shift  `json:"shift,omitempty"`
}

// Latency compares one latency of a device per request.
type Latency struct {
	MeanA float64 `json:"mean_a_ns"`
	MeanB float64 `json:"mean_b_ns"`
	Change
	DistA *Dist  `json:"dist_a,omitempty"`
	DistB *Dist  `json:"dist_b,omitempty"`
	Shift *Shift `json:"shift,omitempty"`
	// span is the time the test spanned in the shorter capture.
	span float64
}

// DeviceLatency compares one block device in A and B.
type DeviceLatency struct {
	Device     string `json:"device"`
	SchedulerA string `json:"scheduler_a"`
	SchedulerB string `json:"scheduler_b"`
	// Service is issue to completion (the device), Queue insert to issue
	// (the IO scheduler), from the tracer; Await is /proc/diskstats' mean
	// time per request, which also sees bio-based devices (dm, drbd).
	Service *Latency `json:"service,omitempty"`
	Queue   *Latency `json:"queue,omitempty"`
	Await   *Latency `json:"await,omitempty"`
	// BusyA and BusyB are the device's request time per operation (or per
	// second) from /proc/diskstats: how much the workload waited on it.
	BusyA float64 `json:"busy_a"`
	BusyB float64 `json:"busy_b"`
	// AwaitA and AwaitB are the mean await in nanoseconds on each side,
	// also for a device only one capture has (0: not seen).
	AwaitA float64 `json:"await_a_ns"`
	AwaitB float64 `json:"await_b_ns"`
	// RateA and RateB are the device's completed requests per second
	// (/proc/diskstats): its load.
	RateA float64 `json:"rate_a"`
	RateB float64 `json:"rate_b"`
	// BytesA and BytesB are the bytes it read and wrote per second: its
	// load in the other measure (larger requests are more work).
	BytesA float64 `json:"bytes_per_s_a,omitempty"`
	BytesB float64 `json:"bytes_per_s_b,omitempty"`
	// Changed: a latency of this device changed significantly.
	Changed bool `json:"changed"`
}

// Compare compares capture a (before, the baseline) with b (after).
func Compare(a, b *Capture, opt Options) (*Result, error) {
	if a == nil || b == nil || a.Snapshots == 0 || b.Snapshots == 0 {
		return nil, errors.New("compare: both captures need at least one snapshot")
	}
	opt = opt.withDefaults()
	c := &comparison{a: a, b: b, opt: opt, draws: map[[2]int]*bootstrap{}}
	res := &Result{
		Version: ResultVersion,
		A:       side(a),
		B:       side(b),
		Config:  diffConfig(a.Config(), b.Config()),
	}
	denA, denB, w := normaliser(a, b)
	if subA, subB, why := c.latencyUnit(w, denA, denB); why != nil {
		denA, denB = subA, subB
		w.Submitted, w.AgainstLatency = true, why
		w.Source = submittedSource + ", not their waits for block IO, which did not move with what they felt (against_latency)"
		w.count(denA, denB)
	}
	res.Workload = w
	res.Caveats = caveats(a, b, w.Per)
	unit := "ns/" + w.Per
	// The least change of a total that matters, by unit: an NFS
	// operation or a synchronous IO costs a client 100 µs or more, so 10 µs
	// is a tenth of the least of them; a read or write call served from
	// the page cache costs a few µs, so 1 µs, as does an IO submitted
	// among many in flight (the thread waits its latency shared by the
	// others); 10 ms a second is 1% of a thread's time.
	floor := 10e3
	switch {
	case w.Per == "call" || w.Submitted:
		floor = 1e3
	case w.Per == "s":
		floor = 10e6
	}

	sites := c.matchSites()
	if len(a.fams[famSite]) > 0 || len(b.fams[famSite]) > 0 {
		dims := []dimSpec{
			{"wait site", sites.a, sites.b, sites.label},
			{"device", a.fams[famDevice], b.fams[famDevice], nil},
			{"scheduler", a.fams[famScheduler], b.fams[famScheduler], nil},
			{"op", a.fams[famOp], b.fams[famOp], nil},
		}
		// Captures from before D-state rows carried the client, and the
		// procfs backend, know no client: no dimension of one "-" row.
		if labelled(a.fams[famDClient]) || labelled(b.fams[famDClient]) {
			dims = append(dims, dimSpec{"client", a.fams[famDClient], b.fams[famDClient], nil})
		}
		dims = append(dims, dimSpec{"comm", a.fams[famComm], b.fams[famComm], nil})
		metric := "D-state time of traced threads"
		if sum(a.aioWaits) > 0 || sum(b.aioWaits) > 0 {
			// The waits for asynchronous IO are in the same families.
			metric = "D-state time and waits for asynchronous IO of traced threads"
		}
		res.DTime = c.breakdown(metric, unit, denA, denB, floor, ranCPU{}, dims)
	}
	if len(a.fams[famRPCOp]) > 0 || len(b.fams[famRPCOp]) > 0 {
		res.RPC = c.breakdown("NFS request latency", unit, denA, denB, floor, ranCPU{}, []dimSpec{
			{"op", a.fams[famRPCOp], b.fams[famRPCOp], nil},
			{"client", a.fams[famRPCClient], b.fams[famRPCClient], nil},
		})
	}
	if len(a.fams[famBlockDev]) > 0 || len(b.fams[famBlockDev]) > 0 {
		res.Block = c.breakdown("block time (queue + device)", unit, denA, denB, floor, ranCPU{}, []dimSpec{
			{"device", a.fams[famBlockDev], b.fams[famBlockDev], nil},
			{"scheduler", a.fams[famBlockSched], b.fams[famBlockSched], nil},
			{"op", a.fams[famBlockOp], b.fams[famBlockOp], nil},
		})
	}
	if len(a.fams[famLayer]) > 0 || len(b.fams[famLayer]) > 0 {
		ran := cpuPerUnit(a, b, w.Per, denA, denB)
		res.Time = c.breakdown(timeMetric(a, b), unit, denA, denB, floor, ran, []dimSpec{
			{"layer", a.fams[famLayer], b.fams[famLayer], nil},
		})
		m := matter{min: c.opt.MinChange, ran: ran.base()}
		res.Time.newWait(m)
		c.settingWait(res, m)
	}
	res.Devices = c.devices(denA, denB)
	res.URing = c.asyncRows(famURing)
	res.AIO = c.asyncRows(famAIO)
	res.LockOwners = lockOwners(a, b, sum(denA), sum(denB))
	res.Stuck = c.stuckTasks()
	res.Verdict.Diagnosis = c.diagnose(res)
	res.Caveats = append(res.Caveats, stuckCaveats(res.Stuck, &res.Verdict.Diagnosis)...)
	res.Verdict.fill(res)
	res.Kernel = c.kernelLog()
	res.Verdict.Evidence = append(res.Verdict.Evidence, res.Kernel.evidence(res.DTime)...)
	return res, nil
}

func side(c *Capture) Side {
	cfg := c.Config()
	s := Side{Name: c.Name, Host: cfg.Hostname, Kernel: cfg.KernelRelease, Backend: cfg.Backend.Name,
		Snapshots: c.Snapshots, Seconds: c.Seconds()}
	if !c.Start.IsZero() {
		s.Start = c.Start.UTC().Format("2006-01-02 15:04:05Z")
	}
	return s
}

type comparison struct {
	a, b *Capture
	opt  Options
	// draws holds the resamples by the two captures' block counts: with
	// a fixed seed they depend on nothing else, so that figures with the
	// same blocks share them.
	draws map[[2]int]*bootstrap
}

// frame is how one figure is tested: each capture's blocks over the span
// in which the figure has data (see span), and the resamples of those
// blocks, nil when a span has fewer than minIntervals intervals.
type frame struct {
	a, b blocking
	bs   *bootstrap
}

// frame returns the frame of a figure with denominators denA and denB and
// numerators seriesA and seriesB, all per interval.
func (c *comparison) frame(denA, denB []float64, seriesA, seriesB [][]float64) frame {
	f := frame{a: newBlocking(span(c.a.Snapshots, denA, seriesA...)), b: newBlocking(span(c.b.Snapshots, denB, seriesB...))}
	if f.a.intervals() < minIntervals || f.b.intervals() < minIntervals {
		return f
	}
	k := [2]int{f.a.count(), f.b.count()}
	if c.draws[k] == nil {
		c.draws[k] = newBootstrap(k[0], k[1], c.opt.Resamples, c.opt.Seed, c.opt.Alpha)
	}
	f.bs = c.draws[k]
	return f
}

// blockRatio is one ratio's numerator and denominator summed per block of
// a frame, in A and B.
type blockRatio struct{ na, da, nb, db []float64 }

// ratio sums a ratio's per-interval numerators and denominators into the
// frame's blocks.
func (f frame) ratio(numA, denA, numB, denB []float64) blockRatio {
	return blockRatio{na: f.a.sum(numA), da: f.a.sum(denA), nb: f.b.sum(numB), db: f.b.sum(denB)}
}

// values returns the ratio over every block of A and of B.
func (r blockRatio) values() (a, b float64) {
	return safeDiv(sum(r.na), sum(r.da)), safeDiv(sum(r.nb), sum(r.db))
}

// test tests the ratio's change from A to B by the frame's bootstrap.
func (f frame) test(r blockRatio) test {
	a, b := r.values()
	return f.bs.ratioChanges(ratioSeries{num: [][]float64{r.na}, den: [][]float64{r.da}},
		ratioSeries{num: [][]float64{r.nb}, den: [][]float64{r.db}}, []float64{b - a})[0]
}

// seconds returns the time the blocks of capture ("A" or "B") span.
func (f frame) seconds(c *comparison, capture string) float64 {
	if capture == "A" {
		return sum(f.a.sum(c.a.secs))
	}
	return sum(f.b.sum(c.b.secs))
}

// sums returns a family's per-interval numerators.
func (f family) sums() [][]float64 {
	out := make([][]float64, 0, len(f))
	for _, d := range f {
		out = append(out, d.sum)
	}
	return out
}

// labelled reports whether a family has a key other than "-" (unknown).
func labelled(f family) bool {
	for k := range f {
		if k != "-" {
			return true
		}
	}
	return false
}

// dimSpec is one dimension to break a figure down by.
type dimSpec struct {
	name  string
	a, b  family
	label func(key string) (label, labelA, class string)
}

// breakdown compares the figure sum(num)/sum(den) in total and per key of
// each dimension; ran is the threads' time on CPU per unit that a change of
// the total is weighed against with it (zero: the total alone).
func (c *comparison) breakdown(metric, unit string, denA, denB []float64, floor float64, ran ranCPU, dims []dimSpec) *Breakdown {
	bd := &Breakdown{Metric: metric, Unit: unit, RanA: ran.all[0], RanB: ran.all[1], KernelA: ran.kernel[0], KernelB: ran.kernel[1]}
	m := matter{min: c.opt.MinChange, ran: ran.base()}
	totA, totB := sum(denA), sum(denB)
	for di, d := range dims {
		keys := unionKeys(d.a, d.b)
		fr := c.frame(denA, denB, d.a.sums(), d.b.sums())
		dA, dB := fr.a.sum(denA), fr.b.sum(denB)
		sa := ratioSeries{}
		sb := ratioSeries{}
		observed := make([]float64, 0, len(keys)+1)
		var allA, allB []float64
		rows := make([]Contribution, len(keys))
		for i, k := range keys {
			ka, kb := d.a[k], d.b[k]
			var numA, numB []float64
			if ka != nil {
				numA = fr.a.sum(ka.sum)
			} else {
				numA = make([]float64, fr.a.count())
			}
			if kb != nil {
				numB = fr.b.sum(kb.sum)
			} else {
				numB = make([]float64, fr.b.count())
			}
			allA, allB = addVec(allA, numA), addVec(allB, numB)
			sa.num, sa.den = append(sa.num, numA), append(sa.den, dA)
			sb.num, sb.den = append(sb.num, numB), append(sb.den, dB)
			r := Contribution{Key: k, Label: k, A: safeDiv(sum(numA), totA), B: safeDiv(sum(numB), totB)}
			if d.label != nil {
				r.Label, r.LabelA, r.Class = d.label(k)
			}
			var ha, hb *model.Hist
			if ka != nil {
				ha = &ka.hist
				r.DistA = newDist(ha)
			}
			if kb != nil {
				hb = &kb.hist
				r.DistB = newDist(hb)
			}
			if ha != nil && hb != nil {
				r.Shift = mannWhitney(ha, hb, c.opt.Alpha)
			}
			observed = append(observed, r.B-r.A)
			rows[i] = r
		}
		sa.num, sa.den = append(sa.num, allA), append(sa.den, dA)
		sb.num, sb.den = append(sb.num, allB), append(sb.den, dB)
		tA, tB := safeDiv(sum(allA), totA), safeDiv(sum(allB), totB)
		observed = append(observed, tB-tA)
		tests := fr.bs.ratioChanges(sa, sb, observed)

		total := newChange(tA, tB, tests[len(tests)-1])
		large := m.enough(tA, tB) && math.Abs(total.Delta) >= floor
		total.judge(c.opt.Alpha, large)
		adjustBH(tests[:len(tests)-1])
		if di == 0 {
			bd.A, bd.B, bd.Change, bd.Floor = tA, tB, total, floor
			bd.Intervals = [2]int{fr.a.intervals(), fr.b.intervals()}
			if total.Outcome == TestSmall {
				bd.Small = SmallShare
				if math.Abs(total.Delta) < floor {
					bd.Small = SmallFloor
				}
			}
			if !total.Significant {
				// The rare waits held as they occurred (see held),
				// tested once for the three readings of a change that
				// is not significant: a significant change that
				// matters with them held (hold), one in too few blocks
				// to test (Carriers), one whose interval still reaches
				// a change that matters (Unsure), judged with them held
				// too, as they widen the interval as much as any change.
				h, hc := c.held(fr, keys, d, sa, sb, tA, tB, floor, m)
				if large && total.Outcome == TestNotSignificant {
					if h, ch := c.hold(h, hc, tA, tB, floor, m); h != nil {
						h.Whole, total = total, ch
						bd.Change, bd.Held = total, h
					}
				}
				if large && total.Outcome == TestNotSignificant {
					bd.Carriers = carriedBy(allA, dA, allB, dB, tA, tB, c.opt.Alpha, m)
					if k := bd.Carriers; k != nil {
						k.Seconds = fr.seconds(c, k.Capture)
					}
				}
				if bd.Carriers == nil && bd.Held == nil {
					ch := total
					if hc.Tested {
						hc.judge(c.opt.Alpha, large)
						ch = hc
					}
					bd.Unsure = unsure(ch, tA, tB, floor, m, math.Min(fr.seconds(c, "A"), fr.seconds(c, "B")), c.opt.Alpha)
				}
			}
			bd.APerSec, bd.BPerSec = safeDiv(sum(allA), c.a.Seconds()), safeDiv(sum(allB), c.b.Seconds())
		}
		scale := math.Max(tA, tB)
		for i := range rows {
			r := &rows[i]
			r.Change = newChange(r.A, r.B, tests[i])
			r.judge(c.opt.Alpha, math.Abs(r.Delta) >= minShare*scale && math.Abs(r.Delta) >= floor)
			if total.Delta != 0 {
				r.Share = r.Delta / total.Delta
			}
		}
		sign := 1.0
		if total.Delta < 0 {
			sign = -1
		}
		slices.SortStableFunc(rows, func(x, y Contribution) int {
			return cmp.Or(cmp.Compare(sign*y.Delta, sign*x.Delta), cmp.Compare(y.B+y.A, x.B+x.A), strings.Compare(x.Key, y.Key))
		})
		bd.Dimensions = append(bd.Dimensions, Dimension{Name: d.name, Rows: rows})
	}
	return bd
}

// hold reads the total of a breakdown tested with its rare keys held as
// they occurred (h and ch, from held): those with time in fewer blocks of
// each capture than a test needs, and in at least one of each, whose
// change together is too small to matter while the rest's matters. It
// returns them and the total's change so tested when there are any and
// the change is then significant, else nil.
func (c *comparison) hold(h *Held, ch Change, tA, tB, floor float64, m matter) (*Held, Change) {
	if h == nil {
		return nil, Change{}
	}
	rest := tB - tA - (h.B - h.A)
	if rest*(tB-tA) <= 0 || !m.part(rest, tA, tB) || math.Abs(rest) < floor {
		return nil, Change{}
	}
	ch.judge(c.opt.Alpha, true)
	if !ch.Significant {
		return nil, Change{}
	}
	return h, ch
}

// held returns hold's rare keys and the total's change tested with them
// held as they occurred, before judging it; nil when there are none or
// their change matters.
func (c *comparison) held(fr frame, keys []string, d dimSpec, sa, sb ratioSeries, tA, tB, floor float64, m matter) (*Held, Change) {
	if fr.bs == nil {
		return nil, Change{}
	}
	n := len(keys)
	needA, needB := needBlocks(fr.a.count(), c.opt.Alpha), needBlocks(fr.b.count(), c.opt.Alpha)
	restA, restB := slices.Clone(sa.num[n]), slices.Clone(sb.num[n])
	var h Held
	var heldA, heldB float64
	for i, k := range keys {
		oa, ob := occupied(sa.num[i]), occupied(sb.num[i])
		if oa == 0 || ob == 0 || oa >= needA || ob >= needB {
			continue
		}
		h.Keys = append(h.Keys, k)
		for j, x := range sa.num[i] {
			restA[j] -= x
			heldA += x
		}
		for j, x := range sb.num[i] {
			restB[j] -= x
			heldB += x
		}
		if x := d.a[k]; x != nil {
			h.WaitsA += int64(x.hist.Count)
		}
		if x := d.b[k]; x != nil {
			h.WaitsB += int64(x.hist.Count)
		}
	}
	if len(h.Keys) == 0 {
		return nil, Change{}
	}
	denA, denB := sa.den[n], sb.den[n]
	h.A, h.B = safeDiv(heldA, sum(denA)), safeDiv(heldB, sum(denB))
	// Held waits must not carry the change: theirs is too small to matter.
	held := h.B - h.A
	if m.part(held, tA, tB) && math.Abs(held) >= floor {
		return nil, Change{}
	}
	return &h, newChange(tA, tB, fr.bs.heldChange(restA, denA, restB, denB, held, tB-tA))
}

// ranCPU is the traced threads' time on a CPU per unit of work in A and B
// (all), and the part of it in the kernel (kernel; zero where the captures
// did not split it).
type ranCPU struct {
	all, kernel [2]float64
}

// base is the time on a CPU a change of the time waited per unit is
// weighed against: the kernel's part where known, else all of it.
func (r ranCPU) base() [2]float64 {
	if r.kernel[0] > 0 && r.kernel[1] > 0 {
		return r.kernel
	}
	return r.all
}

// cpuPerUnit is the traced threads' time on a CPU per unit of work in A and
// B, where the unit is a call or an IO and both captures measured it: the
// rest of their time per unit, with the time they waited. Per operation
// the request time already holds it; per CPU-second it is the unit itself.
// Where both captures read the threads' CPU time by mode in every
// interval, the kernel's part is their time on a CPU times its share: the
// time the kernel ran for the calls, which a layer of the kernel can move,
// apart from the program's own work between calls (filling buffers,
// checking data), which none can and a workload's latency figures leave out.
func cpuPerUnit(a, b *Capture, per string, denA, denB []float64) ranCPU {
	if per != "call" && per != "IO" || sum(a.onCPU) == 0 || sum(b.onCPU) == 0 {
		return ranCPU{}
	}
	r := ranCPU{all: [2]float64{safeDiv(sum(a.onCPU)*1e9, sum(denA)), safeDiv(sum(b.onCPU)*1e9, sum(denB))}}
	if ka, kb := a.kernelShare(), b.kernelShare(); ka > 0 && kb > 0 {
		r.kernel = [2]float64{r.all[0] * ka, r.all[1] * kb}
	}
	return r
}

// kernelShare is the share of the counted threads' CPU time in the kernel
// over the capture, 0 when some interval did not read it or none ran.
func (c *Capture) kernelShare() float64 {
	if c.unsplit > 0 {
		return 0
	}
	return safeDiv(c.sysNs, c.userNs+c.sysNs)
}

func newChange(a, b float64, t test) Change {
	ch := Change{Delta: b - a, Tested: t.Tested, P: t.P, CI: t.CI, Interval: t.Level}
	switch {
	case a != 0:
		ch.Ratio = b / a
	case b != 0:
		ch.Ratio = math.Inf(1)
	default:
		ch.Ratio = 1
	}
	if !t.Tested {
		ch.P = 1
	}
	return ch
}

func addVec(acc, v []float64) []float64 {
	if acc == nil {
		acc = make([]float64, len(v))
	}
	for i, x := range v {
		acc[i] += x
	}
	return acc
}

// matchedSites are the wait sites of both captures under their common keys.
type matchedSites struct {
	a, b  family
	label func(key string) (label, labelA, class string)
}

// matchSites merges each capture's wait sites by matching key (see
// siteMatcher); a key's label is its costliest site in B (else A).
func (c *comparison) matchSites() matchedSites {
	var rawA, rawB []model.WaitSite
	for s := range c.a.sites {
		rawA = append(rawA, s)
	}
	for s := range c.b.sites {
		rawB = append(rawB, s)
	}
	m := newSiteMatcher(rawA, rawB)
	type rep struct {
		site model.WaitSite
		ns   float64
		info *siteInfo
	}
	repA, repB := map[string]rep{}, map[string]rep{}
	merge := func(src family, infos map[model.WaitSite]*siteInfo, reps map[string]rep) family {
		out := family{}
		for raw, d := range src {
			k := m.key(model.WaitSite(raw))
			o := out.get(k)
			o.sum = addSeries(o.sum, d.sum)
			o.cnt = addSeries(o.cnt, d.cnt)
			o.hist.Merge(&d.hist)
			info := infos[model.WaitSite(raw)]
			if r, ok := reps[k]; !ok || info.ns > r.ns || (info.ns == r.ns && raw < string(r.site)) {
				reps[k] = rep{model.WaitSite(raw), info.ns, info}
			}
		}
		return out
	}
	ms := matchedSites{
		a: merge(c.a.fams[famSite], c.a.sites, repA),
		b: merge(c.b.fams[famSite], c.b.sites, repB),
	}
	ms.label = func(k string) (string, string, string) {
		ra, okA := repA[k]
		rb, okB := repB[k]
		r := rb
		if !okB {
			r = ra
		}
		label := shortSite(r.site, 5)
		var labelA string
		if okA && okB {
			if la := shortSite(ra.site, 5); la != label {
				labelA = la
			}
		}
		return label, labelA, classify(r.site.Norm(), dominantDevice(r.info))
	}
	return ms
}

func dominantDevice(si *siteInfo) string {
	if si == nil {
		return ""
	}
	best, bestNs := "", -1.0
	for d, ns := range si.devTime {
		if ns > bestNs || (ns == bestNs && d < best) {
			best, bestNs = d, ns
		}
	}
	return best
}

func addSeries(acc, v []float64) []float64 {
	for len(acc) < len(v) {
		acc = append(acc, 0)
	}
	for i, x := range v {
		acc[i] += x
	}
	return acc
}

// devices compares every device's latency per request: service and queue
// time from the tracer's block histograms, await from /proc/diskstats.
func (c *comparison) devices(denA, denB []float64) []DeviceLatency {
	names := unionKeys(unionMap(c.a.fams[famDevLat], c.a.fams[famDisk]), unionMap(c.b.fams[famDevLat], c.b.fams[famDisk]))
	var out []DeviceLatency
	totA, totB := sum(denA), sum(denB)
	for _, n := range names {
		dl := DeviceLatency{Device: n}
		la, lb := c.a.fams[famDevLat][n], c.b.fams[famDevLat][n]
		ka, kb := c.a.fams[famDisk][n], c.b.fams[famDisk][n]
		dl.SchedulerA = schedulers(la, ka)
		dl.SchedulerB = schedulers(lb, kb)
		if la != nil && lb != nil {
			dl.Service = c.latency(la.sum, la.cnt, lb.sum, lb.cnt, &la.hist, &lb.hist)
			if la.queue.Count > 0 || lb.queue.Count > 0 {
				dl.Queue = c.latency(la.qsum, la.qcnt, lb.qsum, lb.qcnt, &la.queue, &lb.queue)
			}
		}
		if ka != nil && kb != nil {
			dl.Await = c.latency(ka.sum, ka.cnt, kb.sum, kb.cnt, nil, nil)
		}
		if ka != nil {
			dl.RateA = safeDiv(sum(ka.cnt), c.a.Seconds())
			dl.BytesA = safeDiv(sum(ka.bytes), c.a.Seconds())
			dl.BusyA = safeDiv(sum(ka.sum), totA)
			dl.AwaitA = safeDiv(sum(ka.sum), sum(ka.cnt))
		}
		if kb != nil {
			dl.RateB = safeDiv(sum(kb.cnt), c.b.Seconds())
			dl.BytesB = safeDiv(sum(kb.bytes), c.b.Seconds())
			dl.BusyB = safeDiv(sum(kb.sum), totB)
			dl.AwaitB = safeDiv(sum(kb.sum), sum(kb.cnt))
		}
		for _, l := range []*Latency{dl.Service, dl.Queue, dl.Await} {
			if l != nil && l.Significant {
				dl.Changed = true
			}
		}
		out = append(out, dl)
	}
	slices.SortStableFunc(out, func(x, y DeviceLatency) int {
		return cmp.Or(cmp.Compare(math.Max(y.BusyA, y.BusyB), math.Max(x.BusyA, x.BusyB)), strings.Compare(x.Device, y.Device))
	})
	return out
}

// AsyncLatency compares the latency of one kind of io_uring or libaio
// request (model.AsyncRead, AsyncWrite, AsyncSync): submission to
// completion (io_uring), or io_submit's call to io_getevents' return
// (libaio: the probe's span from io_submit's return, and the threads'
// waits inside io_submit per iocb queued; see Load). The distributions
// are the probes' own.
type AsyncLatency struct {
	Kind string `json:"kind"`
	// RateA and RateB are the requests completed per second.
	RateA float64 `json:"rate_a"`
	RateB float64 `json:"rate_b"`
	Lat   Latency `json:"latency"`
}

// asyncRows compares the request latency of each kind both captures timed
// in family fam (famURing, famAIO).
func (c *comparison) asyncRows(fam int) []AsyncLatency {
	var out []AsyncLatency
	for _, k := range unionKeys(c.a.fams[fam], c.b.fams[fam]) {
		a, b := c.a.fams[fam][k], c.b.fams[fam][k]
		if a == nil || b == nil {
			continue
		}
		l := c.latencyOver(requestFloor(fam), a.sum, a.cnt, b.sum, b.cnt, &a.hist, &b.hist)
		if l == nil {
			continue
		}
		out = append(out, AsyncLatency{Kind: k, RateA: safeDiv(sum(a.cnt), c.a.Seconds()), RateB: safeDiv(sum(b.cnt), c.b.Seconds()), Lat: *l})
	}
	slices.SortStableFunc(out, func(x, y AsyncLatency) int {
		return cmp.Or(cmp.Compare(y.RateA+y.RateB, x.RateA+x.RateB), strings.Compare(x.Kind, y.Kind))
	})
	return out
}

// minLatencyChange is the smallest mean latency change per request that
// counts for a device: 20 µs, well below a disk's and above timer noise.
const minLatencyChange = 20e3

// minFigureChange is the smallest change, relative to the smaller side,
// of a figure read beside the total (a device's latency per request, a
// kernel message's rate) that counts, however significant. It is below
// Options.MinChange: such a figure explains a change of the total or says
// what moved under an unchanged one, and the floor against the run-to-run
// difference of two recordings is the total's.
const minFigureChange = 0.2

// latency compares a device's mean latency per request (latencyOver, from
// minLatencyChange).
func (c *comparison) latency(sumA, cntA, sumB, cntB []float64, ha, hb *model.Hist) *Latency {
	return c.latencyOver(minLatencyChange, sumA, cntA, sumB, cntB, ha, hb)
}

// minRequestChange is the smallest mean latency change of the traced
// threads' own io_uring requests that counts: 1 µs, as for a call (see the
// floor of a total per unit). io_uring completes a buffered request from
// the page cache in a few µs, so a device's floor (minLatencyChange) would
// hide one that took three times as long. libaio's requests are
// asynchronous only with O_DIRECT, each of them a device's request: theirs
// is the device's floor (requestFloor).
const minRequestChange = 1e3

// requestFloor is the least latency change of requests of family fam
// (famURing, famAIO) that counts.
func requestFloor(fam int) float64 {
	if fam == famURing {
		return minRequestChange
	}
	return minLatencyChange
}

// latencyOver compares a mean latency per request whose change counts from
// least (ns) and minFigureChange of the smaller side.
func (c *comparison) latencyOver(least float64, sumA, cntA, sumB, cntB []float64, ha, hb *model.Hist) *Latency {
	fr := c.frame(cntA, cntB, [][]float64{sumA}, [][]float64{sumB})
	r := fr.ratio(sumA, cntA, sumB, cntB)
	l := &Latency{}
	l.MeanA, l.MeanB = r.values()
	if sum(r.da) == 0 || sum(r.db) == 0 {
		return nil
	}
	l.Change = newChange(l.MeanA, l.MeanB, fr.test(r))
	l.span = math.Min(fr.seconds(c, "A"), fr.seconds(c, "B"))
	l.judge(c.opt.Alpha, math.Abs(l.Delta) >= least && math.Abs(l.Delta) >= minFigureChange*math.Min(l.MeanA, l.MeanB))
	if ha != nil && hb != nil {
		l.DistA, l.DistB = newDist(ha), newDist(hb)
		l.Shift = mannWhitney(ha, hb, c.opt.Alpha)
	}
	return l
}

func unionMap(a, b family) family {
	out := family{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if _, ok := out[k]; !ok {
			out[k] = v
		}
	}
	return out
}

func schedulers(ds ...*keyData) string {
	set := map[string]bool{}
	for _, d := range ds {
		if d == nil {
			continue
		}
		for s := range d.sched {
			set[s] = true
		}
	}
	var out []string
	for s := range set {
		out = append(out, s)
	}
	slices.Sort(out)
	return strings.Join(out, ",")
}
