package compare

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/nfstrace/nfstrace/internal/model"
)

// rankMannWhitney is the textbook test on raw values, ties being values in
// the same log2 bucket: mid-ranks, U from B's rank sum, tie-corrected
// variance. It checks the bucket-wise computation.
func rankMannWhitney(a, b []uint64) (a12, p float64) {
	type v struct {
		bucket int
		fromB  bool
	}
	var all []v
	for _, x := range a {
		all = append(all, v{model.Bucket(x), false})
	}
	for _, x := range b {
		all = append(all, v{model.Bucket(x), true})
	}
	slices.SortFunc(all, func(x, y v) int { return x.bucket - y.bucket })
	var rb, ties float64
	for i := 0; i < len(all); {
		j := i
		for j < len(all) && all[j].bucket == all[i].bucket {
			j++
		}
		mid := float64(i+j+1) / 2 // ranks i+1..j
		for k := i; k < j; k++ {
			if all[k].fromB {
				rb += mid
			}
		}
		t := float64(j - i)
		ties += t*t*t - t
		i = j
	}
	na, nb := float64(len(a)), float64(len(b))
	n := na + nb
	u := rb - nb*(nb+1)/2
	sd := math.Sqrt(na * nb / 12 * ((n + 1) - ties/(n*(n-1))))
	z := math.Max(0, math.Abs(u-na*nb/2)-0.5) / sd
	return u / (na * nb), math.Erfc(z / math.Sqrt2)
}

func TestMannWhitneyMatchesRanks(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		name         string
		na, nb       int
		medA, medB   float64
		wantShift    bool
		wantA12Above bool
	}{
		{"same", 300, 400, 1e6, 1e6, false, false},
		{"b slower", 300, 400, 1e6, 8e6, true, true},
		{"b faster", 500, 200, 1e6, 1e5, true, false},
		{"small samples", 5, 7, 1e4, 1e4, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ha, hb model.Hist
			var va, vb []uint64
			for range tc.na {
				x := uint64(tc.medA * math.Exp(r.NormFloat64()))
				va = append(va, x)
				ha.Add(x)
			}
			for range tc.nb {
				x := uint64(tc.medB * math.Exp(r.NormFloat64()))
				vb = append(vb, x)
				hb.Add(x)
			}
			s := mannWhitney(&ha, &hb, 0.01)
			a12, p := rankMannWhitney(va, vb)
			if math.Abs(s.A12-a12) > 1e-9 || math.Abs(s.P-p) > 1e-9 {
				t.Errorf("binned A12 %v p %v, rank-based A12 %v p %v", s.A12, s.P, a12, p)
			}
			if s.Significant != tc.wantShift {
				t.Errorf("significant = %v (A12 %.3f, p %.3g)", s.Significant, s.A12, s.P)
			}
			if tc.wantShift && (s.A12 > 0.5) != tc.wantA12Above {
				t.Errorf("A12 %.3f on the wrong side", s.A12)
			}
		})
	}
	if mannWhitney(&model.Hist{}, &model.Hist{}, 0.01) != nil {
		t.Error("empty histograms compared")
	}
}

// TestQuantileCIHoldsTrueQuantile: the range shown with a quantile holds
// the exact quantile of the raw values.
func TestQuantileCIHoldsTrueQuantile(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 10, 1000, 100000} {
		for _, sigma := range []float64{0.1, 1, 3} {
			var h model.Hist
			vals := make([]uint64, n)
			for i := range vals {
				vals[i] = uint64(1e6*math.Exp(sigma*r.NormFloat64())) + 1
				h.Add(vals[i])
			}
			slices.Sort(vals)
			for _, q := range []float64{0.5, 0.9, 0.99} {
				exact := vals[int(math.Ceil(q*float64(n)))-1]
				ci := quantileCI(&h, q)
				if uint64(ci.Lo) > exact || uint64(ci.Hi) < exact || ci.Lo > ci.Ns || ci.Ns > ci.Hi {
					t.Errorf("n %d sigma %v q %v: exact %d outside [%d, %d] (estimate %d)", n, sigma, q, exact, ci.Lo, ci.Hi, ci.Ns)
				}
			}
		}
	}
}

func TestBootstrapRatio(t *testing.T) {
	// Per-block D-time and operations: B doubles the D-time per operation
	// with noise; C is A again with other noise.
	r := rand.New(rand.NewPCG(5, 6))
	series := func(perOp float64) ratioSeries {
		num, den := make([]float64, 30), make([]float64, 30)
		for i := range num {
			den[i] = 1000 * (1 + 0.2*r.Float64())
			num[i] = den[i] * perOp * (1 + 0.3*(r.Float64()-0.5))
		}
		return ratioSeries{num: [][]float64{num}, den: [][]float64{den}}
	}
	a, b, c := series(100), series(200), series(100)
	obs := func(x, y ratioSeries) float64 {
		return sum(y.num[0])/sum(y.den[0]) - sum(x.num[0])/sum(x.den[0])
	}
	bs := newBootstrap(30, 30, 2000, 1, 0.01)
	up := bs.ratioChanges(a, b, []float64{obs(a, b)})[0]
	if !up.Tested || up.P > 0.001 || up.CI[0] <= 0 || up.CI[1] < obs(a, b) {
		t.Errorf("doubling: %+v (observed %v)", up, obs(a, b))
	}
	same := bs.ratioChanges(a, c, []float64{obs(a, c)})[0]
	if same.P < 0.05 || same.CI[0] > 0 || same.CI[1] < 0 {
		t.Errorf("same level: %+v (observed %v)", same, obs(a, c))
	}
	if same.Level[0] > same.CI[0] || same.Level[1] < same.CI[1] {
		t.Errorf("the interval at 1%% is narrower than the 95%% one: %+v", same)
	}
	var nilBS *bootstrap
	if got := nilBS.ratioChanges(a, b, []float64{1}); got[0].Tested {
		t.Error("a nil bootstrap tested")
	}
}

func TestBlocking(t *testing.T) {
	for _, tc := range []struct{ n, blocks int }{
		{1, 1}, {5, 5}, {10, 10}, {30, 15}, {64, 32}, {65, 32}, {1000, 62},
	} {
		n := tc.n
		b := newBlocking(0, n)
		if b.count() != tc.blocks {
			t.Errorf("n %d: %d blocks, want %d", n, b.count(), tc.blocks)
		}
		s := make([]float64, n)
		for i := range s {
			s[i] = float64(i + 1)
		}
		if got, want := sum(b.sum(s)), float64(n*(n+1)/2); got != want {
			t.Errorf("n %d: blocks sum to %v, want %v", n, got, want)
		}
	}
}

// TestSpan: a figure is tested over the intervals from the first to the
// last with data, its units of work or any of its values; idle intervals
// between them stay.
func TestSpan(t *testing.T) {
	tests := []struct {
		name   string
		n      int
		den    []float64
		series [][]float64
		lo, hi int
	}{
		{"work throughout", 4, []float64{1, 2, 3, 4}, nil, 0, 4},
		{"started late, ended early", 6, []float64{0, 0, 5, 0, 5, 0}, nil, 2, 5},
		{"waits before the first unit and after the last", 6, []float64{0, 0, 5, 5, 0, 0}, [][]float64{{0, 7, 0, 0, 0, 0}, {0, 0, 0, 0, 9, 0}}, 1, 5},
		{"a shorter series", 5, []float64{0, 1}, nil, 1, 2},
		{"no data: every interval", 3, []float64{0, 0, 0}, [][]float64{{0}}, 0, 3},
	}
	for _, tt := range tests {
		lo, hi := span(tt.n, tt.den, tt.series...)
		if lo != tt.lo || hi != tt.hi {
			t.Errorf("%s: span = [%d, %d), want [%d, %d)", tt.name, lo, hi, tt.lo, tt.hi)
		}
	}
	b := newBlocking(2, 22)
	if b.count() != 10 || b.intervals() != 20 || b.bounds[0] != 2 {
		t.Errorf("blocking of [2, 22): %d blocks over %d intervals from %d, want 10 over 20 from 2", b.count(), b.intervals(), b.bounds[0])
	}
	s := make([]float64, 30)
	for i := range s {
		s[i] = 1
	}
	if got := sum(b.sum(s)); got != 20 {
		t.Errorf("blocks of [2, 22) sum to %v, want 20", got)
	}
}

// TestNoFalsePositives compares pairs of simulated recordings of one
// scenario: none may come out significant.
func TestNoFalsePositives(t *testing.T) {
	for seed := uint64(10); seed < 30; seed += 2 {
		a, b := baseline(), baseline()
		a.seed, b.seed = seed, seed+1
		a.n, b.n = 20, 25
		res, err := Compare(a.capture("A"), b.capture("B"), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Verdict.Significant {
			t.Errorf("seeds %d/%d: %s", seed, seed+1, res.Verdict.Summary)
		}
	}
}

// TestCarriedBy: a change that sits in a few blocks beyond anything the
// other capture had is untestable at the length; one spread over the
// capture, or carried by enough blocks for the test, is not.
func TestCarriedBy(t *testing.T) {
	flat := func(n int, v float64) []float64 {
		s := make([]float64, n)
		for i := range s {
			s[i] = v
		}
		return s
	}
	with := func(s []float64, at map[int]float64) []float64 {
		s = slices.Clone(s)
		for k, v := range at {
			s[k] = v
		}
		return s
	}
	ratio := func(num, den []float64) float64 { return sum(num) / sum(den) }
	den := flat(60, 200)
	base := flat(60, 200*10) // 10 per unit in every block
	wobble := slices.Clone(base)
	for k := range wobble {
		wobble[k] += float64(k%3) * 200 // 10, 11, 12 per unit
	}
	tests := []struct {
		name       string
		numA, numB []float64
		want       *Carriers
	}{
		{"two stalls in B", base, with(base, map[int]float64{7: 1e6, 31: 5e5}), &Carriers{Capture: "B", Blocks: 2, Of: 60, Need: 6}},
		{"one stall in A, a fall", with(wobble, map[int]float64{3: 1e6}), wobble, &Carriers{Capture: "A", Blocks: 1, Of: 60, Need: 6}},
		{"stalls in six blocks: testable", base, with(base, map[int]float64{1: 1e5, 9: 1e5, 19: 1e5, 29: 1e5, 39: 1e5, 49: 1e5}), nil},
		{"a rise in every block", base, flat(60, 200*14), nil},
		{"a rise spread over B with a few blocks beyond A", wobble, with(flat(60, 200*14), map[int]float64{5: 200 * 20}), nil},
		{"no change", base, base, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := carriedBy(tt.numA, den, tt.numB, den, ratio(tt.numA, den), ratio(tt.numB, den), 0.01, matter{min: 0.2})
			if (got == nil) != (tt.want == nil) || got != nil && *got != *tt.want {
				t.Errorf("carriedBy = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestNeedBlocks: the fewest of n blocks a change must sit in for twice
// the share of resamples without them, the two-sided p value, to be below
// alpha.
func TestNeedBlocks(t *testing.T) {
	for _, tt := range []struct {
		n     int
		alpha float64
		want  int
	}{{10, 0.01, 5}, {59, 0.01, 6}, {64, 0.01, 6}, {64, 0.05, 4}, {2, 0.01, 2}} {
		got := needBlocks(tt.n, tt.alpha)
		if got != tt.want {
			t.Errorf("needBlocks(%d, %v) = %d, want %d", tt.n, tt.alpha, got, tt.want)
		}
		if got < tt.n && 2*math.Pow(1-float64(got)/float64(tt.n), float64(tt.n)) >= tt.alpha {
			t.Errorf("needBlocks(%d, %v) = %d does not reach alpha", tt.n, tt.alpha, got)
		}
	}
}

// TestMatter: a change matters at 20% of the smaller side's time per unit,
// the time the threads ran counted with it where known.
func TestMatter(t *testing.T) {
	tests := []struct {
		name string
		m    matter
		a, b float64
		want bool
	}{
		{"waits alone, +25%", matter{min: 0.2}, 10, 12.5, true},
		{"waits alone, -26%", matter{min: 0.2}, 10, 7.4, true},
		{"with 8 per unit on CPU, 2.6 less waiting is 17% of the smaller time", matter{min: 0.2, ran: [2]float64{8, 8}}, 10, 7.4, false},
		{"with 8 per unit on CPU, a doubling still matters", matter{min: 0.2, ran: [2]float64{8, 8}}, 10, 20, true},
		{"the smaller side's time is the base", matter{min: 0.2, ran: [2]float64{0, 40}}, 10, 12.5, true},
	}
	for _, tt := range tests {
		if got := tt.m.enough(tt.a, tt.b); got != tt.want {
			t.Errorf("%s: enough(%v, %v) = %v, want %v", tt.name, tt.a, tt.b, got, tt.want)
		}
	}
}

// TestNewWait: a significant change of the total short of MinChange
// matters when a wait the side before it hardly had carries it, by
// MinChange of the whole itself; a wait that only stretched, a total
// under half the floor, a row whose own test fails, or a total under the
// absolute floor stays too small to matter.
func TestNewWait(t *testing.T) {
	row := func(key string, a, b float64, sig bool) Contribution {
		return Contribution{Key: key, A: a, B: b, Change: Change{Delta: b - a, Significant: sig}}
	}
	small := func(a, b float64, why string, rows ...Contribution) Breakdown {
		return Breakdown{A: a, B: b, Change: Change{Delta: b - a, Tested: true, P: 0.001, Outcome: TestSmall}, Small: why,
			Dimensions: []Dimension{{Name: "layer", Rows: rows}}}
	}
	m := matter{min: 0.3}
	tests := []struct {
		name string
		bd   Breakdown
		want *NewWait
	}{
		{"a lock new in B, the device faster", small(1000, 1280, SmallShare, row("lock", 0.3, 1000, true), row("block loop0", 700, 0, true)),
			&NewWait{Key: "lock", From: "A", Share: 0.0003, Min: 0.3}},
		{"a wait gone in B", small(1280, 1000, SmallShare, row("lock", 1000, 2, true), row("block loop0", 0, 720, true)),
			&NewWait{Key: "lock", From: "B", Share: 0.002, Min: 0.3}},
		{"a wait A had stretched", small(1000, 1280, SmallShare, row("lock", 100, 1000, true), row("block loop0", 700, 80, true)), nil},
		{"its own change not significant", small(1000, 1280, SmallShare, row("lock", 0.3, 1000, false), row("block loop0", 700, 0, true)), nil},
		{"the new wait under MinChange of the whole", small(1000, 1280, SmallShare, row("lock", 0.3, 250, true), row("cpu", 300, 330, true)), nil},
		{"the total under half the floor", small(1000, 1140, SmallShare, row("lock", 0.3, 1000, true), row("block loop0", 860, 0, true)), nil},
		{"under the absolute floor", small(1000, 1280, SmallFloor, row("lock", 0.3, 1000, true), row("block loop0", 700, 0, true)), nil},
	}
	for _, tt := range tests {
		bd := tt.bd
		bd.newWait(m)
		if (bd.NewWait == nil) != (tt.want == nil) || bd.NewWait != nil && (bd.NewWait.Key != tt.want.Key || bd.NewWait.From != tt.want.From ||
			math.Abs(bd.NewWait.Share-tt.want.Share) > 1e-6 || bd.NewWait.Min != tt.want.Min) {
			t.Errorf("%s: newWait = %+v, want %+v", tt.name, bd.NewWait, tt.want)
		}
		if got := bd.Change.Significant; got != (tt.want != nil) {
			t.Errorf("%s: significant = %v, want %v", tt.name, got, tt.want != nil)
		}
	}
}

// TestLevelInterval: the interval at the test's level holds no change
// whenever the test is not significant, and leaves it out when it is, over
// changes from none to twice the noise: what a sentence that gives a
// change that is not significant with its interval relies on. The 95%
// interval leaves no change out of some that are not significant at 1%.
func TestLevelInterval(t *testing.T) {
	const alpha = 0.01
	r := rand.New(rand.NewPCG(7, 8))
	bs := newBootstrap(20, 20, 999, 3, alpha)
	series := func(perOp float64) ratioSeries {
		num, den := make([]float64, 20), make([]float64, 20)
		for i := range num {
			den[i] = 100 * (1 + r.Float64())
			num[i] = den[i] * perOp * (1 + (r.Float64() - 0.5))
		}
		return ratioSeries{num: [][]float64{num}, den: [][]float64{den}}
	}
	var between int
	for i := range 400 {
		a, b := series(100), series(100+float64(i%40))
		obs := sum(b.num[0])/sum(b.den[0]) - sum(a.num[0])/sum(a.den[0])
		got := bs.ratioChanges(a, b, []float64{obs})[0]
		holds := got.Level[0] <= 0 && got.Level[1] >= 0
		if sig := got.P < alpha; sig == holds {
			t.Errorf("p=%.3f and the 99%% interval %v", got.P, got.Level)
		}
		if got.P >= alpha && (got.CI[0] > 0 || got.CI[1] < 0) {
			between++
		}
	}
	if between == 0 {
		t.Error("no change between 1% and 5%: the cases do not test the difference")
	}
}
