package compare

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/nfstrace/nfstrace/internal/model"
)

// Two tests, for two kinds of question.
//
// The additive figures (D-time per NFS operation, RPC time per request, block
// time per operation, mean latency per request of a device) are ratios of
// sums over the capture. Their change is tested with a block bootstrap over
// time: each capture's intervals are cut into at most maxBlocks runs of
// consecutive intervals, a resample draws that many runs with replacement
// from each capture independently, and the figure is recomputed. The
// resampling unit is a run of intervals, not an individual wait or request,
// because waits are not independent: one slow lock holder or one slow
// device stalls many threads in the same second, and a test that treated
// each wait as independent would call every run-to-run wobble significant.
// Resampling whole intervals keeps that correlation and measures the
// variation the engineer would see between two recordings of the same load.
// The two-sided p value is twice the share of resamples whose change has
// the opposite sign to the observed one (never below 1/resamples).
//
// Latency distributions (the p50/p90/p99 columns) are compared with a
// Mann-Whitney U test on the log2-binned values: all values in one bucket
// are ties and get the bucket's mid-rank, and the variance carries the tie
// correction. It needs nothing but the histograms, costs one pass over 64
// buckets, and its effect size (A12, the probability that a value of B
// exceeds one of A, ties counting half) says how far the distribution moved,
// whatever its shape. It treats values as independent, so with many
// thousands of values it finds tiny shifts significant: a shift counts only
// when A12 also moves at least minA12 from 0.5. Quantiles are shown with the
// range the log2 buckets and the sampling error allow (see quantileCI).

// maxBlocks bounds the number of time blocks a capture is cut into for the
// bootstrap: enough for stable percentiles, few enough to keep the cost
// independent of the capture's length.
const maxBlocks = 64

// minA12 is the smallest distance of A12 from 0.5 that counts as a shift of
// a latency distribution (0.06 is a "small" effect in Vargha and Delaney's
// terms; 0.1 is in between small and medium).
const minA12 = 0.1

// blocking sums per-interval values into at most maxBlocks consecutive
// runs of the intervals [lo, hi). Every series of one figure of a capture
// is cut at the same interval boundaries.
type blocking struct {
	bounds []int // start index of each block, plus hi at the end
}

func newBlocking(lo, hi int) blocking {
	n := max(hi-lo, 0)
	nb := min(n, maxBlocks, max(n/blockLen(n), minIntervals))
	b := blocking{bounds: make([]int, nb+1)}
	for i := 0; i <= nb; i++ {
		b.bounds[i] = lo + i*n/max(nb, 1)
	}
	return b
}

// intervals is the number of intervals the blocks hold.
func (b blocking) intervals() int { return b.bounds[len(b.bounds)-1] - b.bounds[0] }

// span returns the intervals [lo, hi) from the first to the last of n in
// which a figure has data: a unit of work in den or a value in any of the
// series. A block outside them has neither numerator nor denominator and
// says nothing of the figure; drawn into a resample, it only leaves fewer
// blocks that do, so that a capture whose workload started late or ended
// early would resample mostly empty blocks, and a resample drawing none of
// its working blocks would show no change or any. The blocks in between,
// idle or not, are the workload's pattern and stay. With no data at all
// the span is every interval.
func span(n int, den []float64, series ...[]float64) (lo, hi int) {
	lo, hi = n, 0
	mark := func(s []float64) {
		for i, v := range s[:min(len(s), n)] {
			if v != 0 {
				lo, hi = min(lo, i), max(hi, i+1)
			}
		}
	}
	mark(den)
	for _, s := range series {
		mark(s)
	}
	if lo >= hi {
		return 0, n
	}
	return lo, hi
}

// blockLen is the number of consecutive intervals a bootstrap block holds.
// Neighbouring intervals are correlated (a wait that spans an interval
// boundary counts in both, a flush or a lock convoy spans several), so
// single intervals would understate the spread and call run-to-run wobble
// significant; long blocks leave a short capture too few blocks to find a
// large change. Pairs of intervals keep each interval with the neighbour a
// boundary-spanning wait also counts in, the shortest block that does. The
// length was first chosen on the lab's captures; the held-out diagnosis
// pairs, scored once after it was fixed, are its check (docs/diagnosis.md).
// Beyond maxBlocks pairs the blocks grow so that their number stays at
// maxBlocks.
func blockLen(n int) int {
	return max(2, (n+maxBlocks-1)/maxBlocks)
}

func (b blocking) count() int { return len(b.bounds) - 1 }

// sum returns the per-block sums of a per-interval series (shorter series are
// zero-padded).
func (b blocking) sum(s []float64) []float64 {
	out := make([]float64, b.count())
	for k := range out {
		for i := b.bounds[k]; i < b.bounds[k+1] && i < len(s); i++ {
			out[k] += s[i]
		}
	}
	return out
}

// ratioSeries is one figure of one capture cut into blocks: per-block
// numerator per key and a per-block denominator per key.
type ratioSeries struct {
	num [][]float64 // [key][block]
	den [][]float64 // [key][block]
}

// draw holds the block multiplicities of one resample of each capture.
type draw struct{ a, b []float64 }

// bootstrap runs the resamples of two blockings with a fixed seed, so that
// a comparison is reproducible.
type bootstrap struct {
	draws []draw
	alpha float64 // the test's level, for the interval at it (test.Level)
}

func newBootstrap(na, nb, resamples int, seed uint64, alpha float64) *bootstrap {
	rng := rand.New(rand.NewPCG(seed, 0x6e667374726163))
	bs := &bootstrap{draws: make([]draw, resamples), alpha: alpha}
	for r := range bs.draws {
		d := draw{a: make([]float64, na), b: make([]float64, nb)}
		for range na {
			d.a[rng.IntN(na)]++
		}
		for range nb {
			d.b[rng.IntN(nb)]++
		}
		bs.draws[r] = d
	}
	return bs
}

// test is the outcome of a bootstrap test of one change B - A.
type test struct {
	Tested bool       // false when a capture has too few intervals
	P      float64    // two-sided
	CI     [2]float64 // 95% percentile interval of B - A
	// Level is the percentile interval of B - A at the test's level,
	// 1-alpha (99% at the default 0.01): it holds no change whenever P
	// is not below alpha, where the 95% interval may leave it out.
	Level [2]float64
}

func weighted(w, v []float64) float64 {
	var s float64
	for i, x := range v {
		s += w[i] * x
	}
	return s
}

func safeDiv(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// ratioChanges tests, for each key k, the change
// sum(numB[k])/sum(denB[k]) - sum(numA[k])/sum(denA[k]).
func (bs *bootstrap) ratioChanges(a, b ratioSeries, observed []float64) []test {
	out := make([]test, len(observed))
	if bs == nil {
		return out
	}
	deltas := make([]float64, len(bs.draws))
	for k := range observed {
		bs.deltas(deltas, a.num[k], a.den[k], b.num[k], b.den[k], 0)
		out[k] = summarize(deltas, observed[k], bs.alpha)
	}
	return out
}

// deltas fills out with each resample's change of the ratio
// sum(numB)/sum(denB) - sum(numA)/sum(denA), plus held.
func (bs *bootstrap) deltas(out, numA, denA, numB, denB []float64, held float64) {
	for r, d := range bs.draws {
		ra := safeDiv(weighted(d.a, numA), weighted(d.a, denA))
		rb := safeDiv(weighted(d.b, numB), weighted(d.b, denB))
		out[r] = rb - ra + held
	}
}

// heldChange tests the change observed of a total whose part held is not
// resampled: each resample's change is that of the rest (numA/denA to
// numB/denB) plus the held part's observed change. It tests the total
// given the held waits as they occurred (see Held).
func (bs *bootstrap) heldChange(numA, denA, numB, denB []float64, held, observed float64) test {
	if bs == nil {
		return test{}
	}
	deltas := make([]float64, len(bs.draws))
	bs.deltas(deltas, numA, denA, numB, denB, held)
	return summarize(deltas, observed, bs.alpha)
}

// Held is the part of a total's time that its test holds as it occurred
// instead of resampling: the keys (wait sites, layers) whose waits sit in
// fewer of each capture's time blocks than a test needs (see needBlocks),
// in at least one of each, whose change is too small to matter while the
// rest's, in the total's direction, matters on its own: held waits never
// carry the change. A few long waits that both
// captures have (a job's teardown, a daemon's periodic flush) land in one
// or two blocks each; a resample draws them twice or not at all, and the
// spread that gives the total hides any change of the rest, while the
// waits themselves changed too little to matter and no test at this
// length could say more of them. Held, they still count in the figure and
// its change; only their chance placement is left out of its spread.
// Waits that one capture has and the other has not, or whose change
// matters, are never held: that change is untestable (see Carriers), not
// noise.
type Held struct {
	Keys []string `json:"keys"`
	// WaitsA and WaitsB are their waits in each capture, A and B their
	// time per unit.
	WaitsA int64   `json:"waits_a"`
	WaitsB int64   `json:"waits_b"`
	A      float64 `json:"a"`
	B      float64 `json:"b"`
	// Whole is the test of the total that resampled them too.
	Whole Change `json:"whole"`
}

// occupied counts the blocks with time in them.
func occupied(num []float64) int {
	n := 0
	for _, x := range num {
		if x > 0 {
			n++
		}
	}
	return n
}

// summarize turns resampled changes into a p value and the intervals at
// 95% and at the test's level alpha.
func summarize(deltas []float64, observed, alpha float64) test {
	n := len(deltas)
	var below, above int
	for _, d := range deltas {
		if d <= 0 {
			below++
		}
		if d >= 0 {
			above++
		}
	}
	var opposite int
	switch {
	case observed > 0:
		opposite = below
	case observed < 0:
		opposite = above
	default:
		opposite = n
	}
	p := min(1, 2*float64(max(opposite, 1))/float64(n))
	s := slices.Clone(deltas)
	slices.Sort(s)
	return test{Tested: true, P: p, CI: percentiles(s, 0.05), Level: percentiles(s, alpha)}
}

// percentiles returns the central 1-alpha interval of sorted s.
func percentiles(s []float64, alpha float64) [2]float64 {
	n := float64(len(s) - 1)
	return [2]float64{s[int(alpha/2*n)], s[int(math.Ceil((1-alpha/2)*n))]}
}

// Carriers says that a change sits in too few of one capture's time blocks
// for the block bootstrap to tell it from chance, however large it is: a
// few stalls that the other capture has nothing like. A resample draws none
// of m given blocks out of n with probability (1-m/n)^n, and such a
// resample shows no change or the opposite one, so the test's two-sided p
// value cannot fall much below twice that: a rise carried by two long
// stalls in a 30 s capture (two of its 59 blocks) cannot reach p<0.01,
// which takes six.
// Such a change is untestable at this length, not absent.
type Carriers struct {
	Capture string `json:"capture"` // "B" for a rise, "A" for a fall
	Blocks  int    `json:"blocks"`  // its blocks beyond every block of the other capture
	Of      int    `json:"of"`      // its blocks
	Need    int    `json:"need"`    // the fewest that can reach the significance level
	// Seconds is the time its Of blocks span in Capture.
	Seconds float64 `json:"seconds"`
}

// carriedBy returns the Carriers of the change from ratio tA to tB when it
// sits in fewer blocks than the test needs at level alpha, nil otherwise.
// For a rise, the carriers are the fewest of B's blocks whose figure
// (num/den) is above every one of A's, the stalls A has nothing like,
// without which B is not above A by enough to matter (m, as for the
// total); the largest excesses over A's figure are taken first. A small change spread over many blocks
// has few blocks beyond A's range and is not carried by them: it is not
// significant, not untestable. A fall is the same with the captures' roles
// swapped.
func carriedBy(numA, denA, numB, denB []float64, tA, tB, alpha float64, m matter) *Carriers {
	capture, num, den, ref := "B", numB, denB, tA
	otherNum, otherDen := numA, denA
	if tB < tA {
		capture, num, den, ref = "A", numA, denA, tB
		otherNum, otherDen = numB, denB
	}
	if len(num) == 0 || tA == tB {
		return nil
	}
	// The other capture's highest block figure, over its blocks with a
	// unit of work (the edges of a capture can have waits before the
	// first unit or after the last).
	top := 0.0
	for k := range otherNum {
		if otherDen[k] > 0 {
			top = max(top, otherNum[k]/otherDen[k])
		}
	}
	// B's blocks beyond A's range, the largest excess first: the fewest
	// of them without which B is no longer above A by enough to matter
	// are the carriers. n/d is B's own figure, above A's (tA != tB).
	var beyond []int
	var n, d float64
	for k := range num {
		n += num[k]
		d += den[k]
		if num[k] > 0 && (den[k] <= 0 || num[k]/den[k] > top) {
			beyond = append(beyond, k)
		}
	}
	slices.SortFunc(beyond, func(x, y int) int {
		return cmp.Compare(num[y]-ref*den[y], num[x]-ref*den[x])
	})
	var cn, cd float64 // the carriers' num and den
	for i, k := range beyond {
		cn += num[k]
		cd += den[k]
		if !m.beyond(safeDiv(n-cn, d-cd), ref, capture == "A") {
			need := needBlocks(len(num), alpha)
			if i+1 >= need {
				return nil
			}
			return &Carriers{Capture: capture, Blocks: i + 1, Of: len(num), Need: need}
		}
	}
	return nil
}

// matter judges whether a change of a total per unit of work is large
// enough to matter: at least min of the smaller side's time per unit. That
// time is what the total measures plus, where known (ran), the time the
// traced threads ran per unit: threads that run 8 µs per call and wait 10
// µs, then 7.4 µs, spend 18 and 15.4 µs on each call; 2.6 µs less waiting
// is 17% of the smaller, too small to matter, where it is 35% of the
// smaller waiting alone.
type matter struct {
	min float64
	ran [2]float64 // A's and B's time on CPU per unit, 0 where not counted
}

// enough reports whether the change from a to b matters.
func (m matter) enough(a, b float64) bool {
	return m.part(b-a, a, b)
}

// part reports whether a change delta of a part of the total matters
// against the total's a and b.
func (m matter) part(delta, a, b float64) bool {
	return math.Abs(delta) >= m.min*math.Min(a+m.ran[0], b+m.ran[1])
}

// NewWait is a wait, a row of a breakdown's first dimension, that one
// capture hardly had and the other has enough of to matter.
type NewWait struct {
	Key string `json:"key"`
	// From is the side that hardly had it ("A" for a rise, "B" for a
	// fall) and Share its part of that side's total.
	From  string  `json:"from"`
	Share float64 `json:"share"`
	// Min is Options.MinChange, which the total fell short of.
	Min float64 `json:"min_change"`
}

// newWait reads a total's significant change that is short of
// Options.MinChange (SmallShare) as mattering when one wait carries it
// that the side before the change hardly had: under minShare of A's total
// for a rise (of B's for a fall), whose own change is significant, the
// total's way, and Options.MinChange of the whole by itself. The floor
// on the total stands for the drift between two recordings of one load
// on a shared machine, which stretches or shrinks the waits a load
// already has (its device, its CPU); a wait that appears is not that
// drift, so the total need only move by half the floor. The rest of the
// total may move the other way (writers queued on a lock leave the device
// less to do at once), which is why the total alone fell short.
func (bd *Breakdown) newWait(m matter) {
	if bd == nil || bd.Change.Outcome != TestSmall || bd.Small != SmallShare || len(bd.Dimensions) == 0 {
		return
	}
	if !(matter{min: m.min / 2, ran: m.ran}).enough(bd.A, bd.B) {
		return
	}
	dir := dirOf(bd.Change.Delta)
	for _, r := range bd.Dimensions[0].Rows {
		if !r.Significant || dirOf(r.Delta) != dir || !m.part(r.Delta, bd.A, bd.B) {
			continue
		}
		from, side, of := r.A, "A", bd.A
		if dir < 0 {
			from, side, of = r.B, "B", bd.B
		}
		if from >= minShare*of {
			continue
		}
		bd.NewWait = &NewWait{Key: r.Key, From: side, Share: from / of, Min: m.min}
		bd.Change.Outcome, bd.Change.Significant = TestSignificant, true
		bd.Small = ""
		return
	}
}

// beyond reports whether rest, the carrying capture's figure without the
// carriers, is still above ref, the other capture's, by enough to matter
// (isA: the carrying capture is A, whose time falls to B's).
func (m matter) beyond(rest, ref float64, isA bool) bool {
	if rest <= ref {
		return false
	}
	if isA {
		return m.enough(rest, ref)
	}
	return m.enough(ref, rest)
}

// needBlocks is the fewest of n blocks a change must sit in for the test
// to reach alpha when every resample that draws none of them shows the
// opposite change: the two-sided p value is twice the share of such
// resamples (see summarize), so 2(1-m/n)^n < alpha. Ten blocks need five:
// a change in four of them cannot fall below p=0.012.
func needBlocks(n int, alpha float64) int {
	for m := 1; m < n; m++ {
		if 2*math.Pow(1-float64(m)/float64(n), float64(n)) < alpha {
			return m
		}
	}
	return n
}

// Shift is the Mann-Whitney comparison of two latency distributions.
type Shift struct {
	// A12 is the probability that a value of B exceeds one of A (ties count
	// half): 0.5 means no shift, 1 means every value of B is larger.
	A12 float64 `json:"a12"`
	P   float64 `json:"p"`
	// Significant is P below the level and |A12 - 0.5| at least 0.1.
	Significant bool `json:"significant"`
}

// mannWhitney compares two log2 histograms: U counts, for each value of B,
// the values of A below it plus half of those tied with it (same bucket).
func mannWhitney(a, b *model.Hist, alpha float64) *Shift {
	na, nb := float64(a.Count), float64(b.Count)
	if na == 0 || nb == 0 {
		return nil
	}
	var u, belowA, ties float64
	for i := range model.NumBuckets {
		ca, cb := float64(a.Buckets[i]), float64(b.Buckets[i])
		u += cb * (belowA + ca/2)
		belowA += ca
		t := ca + cb
		ties += t*t*t - t
	}
	n := na + nb
	mean := na * nb / 2
	v := na * nb / 12 * ((n + 1) - ties/(n*(n-1)))
	s := &Shift{A12: u / (na * nb), P: 1}
	if v > 0 {
		z := (math.Abs(u-mean) - 0.5) / math.Sqrt(v) // continuity correction
		if z < 0 {
			z = 0
		}
		s.P = math.Erfc(z / math.Sqrt2)
	}
	s.Significant = s.P < alpha && math.Abs(s.A12-0.5) >= minA12
	return s
}

// Quantile is one quantile of a histogram with its uncertainty.
type Quantile struct {
	Ns int64 `json:"ns"`
	// Lo and Hi bound the quantile: the bucket bounds of the 95%
	// order-statistic interval (the ranks n*q -+ 1.96*sqrt(n*q*(1-q))),
	// clamped to the exact maximum. They hold both the sampling error and
	// the factor-of-two resolution of log2 buckets.
	Lo int64 `json:"lo_ns"`
	Hi int64 `json:"hi_ns"`
}

// Dist summarises a latency histogram: count, mean, p50/p90/p99 with their
// ranges, and the exact maximum.
type Dist struct {
	Count  uint64   `json:"count"`
	MeanNs int64    `json:"mean_ns"`
	P50    Quantile `json:"p50"`
	P90    Quantile `json:"p90"`
	P99    Quantile `json:"p99"`
	MaxNs  int64    `json:"max_ns"`
}

func newDist(h *model.Hist) *Dist {
	if h == nil || h.Count == 0 {
		return nil
	}
	return &Dist{
		Count:  h.Count,
		MeanNs: int64(h.Mean()),
		P50:    quantileCI(h, 0.5),
		P90:    quantileCI(h, 0.9),
		P99:    quantileCI(h, 0.99),
		MaxNs:  int64(h.MaxNs),
	}
}

// quantileCI estimates the q-quantile of h with its range.
func quantileCI(h *model.Hist, q float64) Quantile {
	n := float64(h.Count)
	half := 1.96 * math.Sqrt(n*q*(1-q))
	lo := bucketAtRank(h, math.Max(1, math.Floor(n*q-half)))
	hi := bucketAtRank(h, math.Min(n, math.Ceil(n*q+half)))
	loNs, _ := model.BucketBounds(lo)
	_, hiNs := model.BucketBounds(hi)
	if hiNs > h.MaxNs || hiNs == 0 {
		hiNs = h.MaxNs
	}
	return Quantile{Ns: int64(h.Quantile(q)), Lo: int64(min(loNs, h.MaxNs)), Hi: int64(hiNs)}
}

// bucketAtRank returns the bucket that holds the value of rank r (1-based).
func bucketAtRank(h *model.Hist, r float64) int {
	var seen float64
	last := 0
	for i, c := range h.Buckets {
		if c == 0 {
			continue
		}
		seen += float64(c)
		last = i
		if seen >= r {
			return i
		}
	}
	return last
}

// adjustBH replaces the p values of a family of tests by the
// Benjamini-Hochberg adjusted ones, which keep the expected share of false
// discoveries among the rows called significant at the level: with many
// rows (wait sites, clients, devices) tested at once, some would pass by
// chance otherwise. Untested entries are left out of the family.
func adjustBH(ts []test) {
	idx := make([]int, 0, len(ts))
	for i, t := range ts {
		if t.Tested {
			idx = append(idx, i)
		}
	}
	m := float64(len(idx))
	slices.SortFunc(idx, func(x, y int) int { return cmpFloat(ts[y].P, ts[x].P) }) // largest p first
	prev := 1.0
	for rank, i := range idx {
		k := m - float64(rank) // rank of ts[i] from the smallest p, 1-based
		p := math.Min(prev, ts[i].P*m/k)
		ts[i].P = p
		prev = p
	}
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
