package compare

import "math"

// Unsure says that a total's change, not significant, is not shown to be
// absent either: its interval at the test's level (99% by default: it
// holds no change, as the test found) still reaches a change that matters (the
// larger of Options.MinChange of the whole and the floor per unit), so the
// recordings cannot tell better from worse. Short recordings of a noisy
// load are the case: a few seconds hold too few time blocks to narrow the
// interval, and "neither better nor worse" would then read as a finding
// that nothing changed.
type Unsure struct {
	// Seen is the change, Lo and Hi its interval's ends, and Matters the
	// least change that matters, as parts of the whole (the smaller side's
	// time per unit, with the time on CPU where it is counted; see matter).
	Seen    float64 `json:"seen"`
	Lo      float64 `json:"lo"`
	Hi      float64 `json:"hi"`
	Matters float64 `json:"matters"`
	// Level is the interval's confidence, 1 - Options.Alpha.
	Level float64 `json:"level"`
	// Seconds is the time the test spanned in the shorter capture, and
	// NeedSeconds about the time each capture would need for the interval
	// either to leave out no change or to leave out every change that
	// matters, the spread falling with the square root of the time, each
	// side of the interval as far from the change as it is now (an
	// estimate: a load that changes as it runs needs more).
	Seconds     float64 `json:"seconds"`
	NeedSeconds float64 `json:"need_seconds"`
}

// unsure returns the Unsure of a total's change that is not significant,
// nil when the change is significant or its interval leaves out every
// change that matters. a and b are the total per unit, floor the least
// change per unit that matters, seconds the time the test spanned in the
// shorter capture.
func unsure(ch Change, a, b, floor float64, m matter, seconds, alpha float64) *Unsure {
	if !ch.Tested || ch.Outcome != TestNotSignificant || seconds <= 0 {
		return nil
	}
	whole := math.Min(a+m.ran[0], b+m.ran[1])
	if whole <= 0 {
		return nil
	}
	least := math.Max(m.min*whole, floor)
	lo, hi := ch.Interval[0], ch.Interval[1]
	if hi < least && -lo < least {
		return nil
	}
	// Either leaving out no change or leaving out every change that
	// matters tells; each asks the interval's far side, toward what it
	// must leave out, to shrink to the distance from the change seen to
	// that bound, the spread falling with the square root of the time.
	s := ch.Delta
	need := math.Inf(1)
	switch {
	case s > 0:
		need = sq((s - lo) / s)
	case s < 0:
		need = sq((hi - s) / -s)
	}
	var matters float64
	if hi >= least {
		matters = math.Max(matters, sq((hi-s)/(least-s)))
		if s >= least {
			matters = math.Inf(1)
		}
	}
	if -lo >= least {
		matters = math.Max(matters, sq((s-lo)/(s+least)))
		if s <= -least {
			matters = math.Inf(1)
		}
	}
	need = seconds * math.Min(need, matters)
	return &Unsure{
		Seen: ch.Delta / whole, Lo: lo / whole, Hi: hi / whole, Matters: least / whole, Level: 1 - alpha,
		Seconds: seconds, NeedSeconds: math.Ceil(math.Max(need, seconds+1)),
	}
}

func sq(x float64) float64 { return x * x }
