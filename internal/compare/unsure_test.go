package compare

import (
	"math"
	"testing"
)

// TestUnsure: a change that is not significant reads as unsure when its
// interval still reaches the least change that matters, in either
// direction, and as no change when the interval leaves every such change
// out; the time asked for shrinks the interval to what would tell. The
// interval is the one at the test's level (Change.Interval), not the
// narrower 95% one, which may leave out no change at p = 0.02.
func TestUnsure(t *testing.T) {
	m := matter{min: 0.3, ran: [2]float64{20, 20}} // whole: min(a, b) + 20
	notSig := func(delta, lo, hi float64) Change {
		// The 95% interval, narrower, must play no part.
		ci := [2]float64{delta + (lo-delta)/2, delta + (hi-delta)/2}
		return Change{Delta: delta, Tested: true, P: 0.2, CI: ci, Interval: [2]float64{lo, hi}, Outcome: TestNotSignificant}
	}
	tests := []struct {
		name    string
		ch      Change
		floor   float64
		want    bool
		seen    float64
		need    float64 // NeedSeconds, when want
		matters float64
	}{
		// whole 100, least 30: the interval reaches +40.
		{"reaches a rise that matters", notSig(10, -20, 40), 0, true, 0.1, 10 * (30.0 / 20) * (30.0 / 20), 0.3},
		// reaches -35: a fall that matters.
		{"reaches a fall that matters", notSig(-5, -35, 25), 0, true, -0.05, 10 * (30.0 / 25) * (30.0 / 25), 0.3},
		{"leaves out every change that matters", notSig(5, -10, 20), 0, false, 0, 0, 0},
		// the floor, 50 per unit, is more than 30% of the whole.
		{"under the floor", notSig(10, -20, 40), 50, false, 0, 0, 0},
		// the far side, 50 above the change, must come within 40 of it.
		{"over the floor", notSig(10, -20, 60), 50, true, 0.1, 10 * (50.0 / 40) * (50.0 / 40), 0.5},
		// lopsided: the lower end, 22 below the change, must come within
		// 20 to leave out -30; the upper, 13 above, within 10 to leave
		// out no change. The first asks less.
		{"lopsided", notSig(-10, -32, 3), 0, true, -0.1, 10 * (22.0 / 20) * (22.0 / 20), 0.3},
		// both ends reach a change that matters: both must come in.
		{"both ways", notSig(0, -40, 40), 0, true, 0, 10 * (40.0 / 30) * (40.0 / 30), 0.3},
		// p = 0.02: the 95% interval leaves out no change and stays
		// under 30; the one at the test's level reaches both.
		{"between the levels", Change{Delta: 15, Tested: true, P: 0.02, CI: [2]float64{2, 28}, Interval: [2]float64{-3, 33}, Outcome: TestNotSignificant},
			0, true, 0.15, 10 * (18.0 / 15) * (18.0 / 15), 0.3},
		{"significant", Change{Delta: 40, Tested: true, P: 0.001, CI: [2]float64{10, 70}, Outcome: TestSignificant}, 0, false, 0, 0, 0},
		{"untested", Change{}, 0, false, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := unsure(tt.ch, 80, 90, tt.floor, m, 10, 0.01)
			if (u != nil) != tt.want {
				t.Fatalf("unsure = %+v, want set %v", u, tt.want)
			}
			if u == nil {
				return
			}
			if math.Abs(u.Seen-tt.seen) > 1e-9 || math.Abs(u.Matters-tt.matters) > 1e-9 {
				t.Errorf("seen %.3f matters %.3f, want %.3f %.3f", u.Seen, u.Matters, tt.seen, tt.matters)
			}
			if u.Level != 0.99 {
				t.Errorf("level %v, want 0.99", u.Level)
			}
			if want := math.Ceil(math.Max(tt.need, 11)); u.NeedSeconds != want {
				t.Errorf("need %.0f s, want %.0f", u.NeedSeconds, want)
			}
		})
	}
}
