package procfs

import (
	"math/rand/v2"
	"testing"

	"github.com/nfstrace/nfstrace/internal/model"
)

// obs is one synthetic sample: time in ns, state letter, switch-in count
// (negative: unknown). state 'F' is not a sample but a Collect (flush), and
// 'G' the thread exiting.
type obs struct {
	t     int64
	state byte
	pc    int64
}

// run feeds a sequence to a track the way the sampler does and returns the
// pieces accounted, in order, and how many intervals began.
func run(seq []obs) (pieces []int64, began int) {
	var tr track
	for _, o := range seq {
		switch o.state {
		case 'F':
			if p := tr.flush(); p > 0 {
				pieces = append(pieces, p)
			}
			continue
		case 'G':
			if s := tr.gone(o.t); s.Ended {
				pieces = append(pieces, s.Piece)
			}
			continue
		}
		s := tr.observe(o.t, o.state == 'D', uint64(max(o.pc, 0)), o.pc >= 0)
		if s.Ended {
			pieces = append(pieces, s.Piece)
		}
		if s.Began {
			began++
		}
	}
	return pieces, began
}

// seq builds samples one period (10) apart from a string of states; switch-in
// counts unknown.
func seq(states string) []obs {
	var out []obs
	for i := range len(states) {
		out = append(out, obs{int64(i) * 10, states[i], -1})
	}
	return out
}

func TestTrack(t *testing.T) {
	tests := []struct {
		name   string
		seq    []obs
		pieces []int64
		began  int
	}{
		{"never D", seq("SSRSS"), nil, 0},
		{"TASK_IDLE is not D", seq("SIIIIS"), nil, 0},
		{"one sample in D is one period", seq("SDS"), []int64{10}, 1},
		{"n samples in D are n periods", seq("SSDDDS"), []int64{30}, 1},
		{"two intervals", seq("SDDSDS"), []int64{20, 10}, 2},
		{"first sample already in D counts from it", seq("DDS"), []int64{15}, 1},
		{"ongoing at the end is not ended", seq("SDD"), nil, 1},
		{"late sample widens the gap", []obs{{0, 'S', -1}, {10, 'D', -1}, {40, 'D', -1}, {50, 'S', -1}},
			[]int64{40}, 1},
		{"switch-in count unchanged: one interval",
			[]obs{{0, 'S', -1}, {10, 'D', 5}, {20, 'D', 5}, {30, 'D', 5}, {40, 'S', -1}}, []int64{30}, 1},
		{"switch-in count changed: two intervals split mid-gap",
			[]obs{{0, 'S', -1}, {10, 'D', 5}, {20, 'D', 5}, {30, 'D', 7}, {40, 'S', -1}}, []int64{20, 10}, 2},
		{"switch-in count lost: no split",
			[]obs{{0, 'S', -1}, {10, 'D', 5}, {20, 'D', -1}, {30, 'D', 7}, {40, 'S', -1}}, []int64{30}, 1},
		{"exit in D ends the interval",
			[]obs{{0, 'S', -1}, {10, 'D', -1}, {20, 'G', -1}}, []int64{10}, 1},
		{"exit out of D ends nothing",
			[]obs{{0, 'S', -1}, {10, 'D', -1}, {20, 'S', -1}, {30, 'G', -1}}, []int64{10}, 1},
		{"collect splits an ongoing interval without double counting",
			[]obs{{0, 'S', -1}, {10, 'D', -1}, {20, 'D', -1}, {25, 'F', -1}, {30, 'D', -1}, {35, 'F', -1},
				{36, 'F', -1}, {40, 'S', -1}},
			[]int64{15, 10, 5}, 1},
		{"collect with nothing ongoing", []obs{{0, 'S', -1}, {5, 'F', -1}, {10, 'D', -1}, {20, 'S', -1}, {25, 'F', -1}},
			[]int64{10}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pieces, began := run(tc.seq)
			if !equal(pieces, tc.pieces) || began != tc.began {
				t.Errorf("pieces %v began %d, want %v began %d", pieces, began, tc.pieces, tc.began)
			}
		})
	}
}

func equal(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func sum(a []int64) int64 {
	var s int64
	for _, v := range a {
		s += v
	}
	return s
}

// TestTrackFlushConserves checks on random sequences that Collects in the
// middle of intervals change how D time is cut into pieces but not its total,
// and that no piece is negative.
func TestTrackFlushConserves(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 500 {
		var plain, flushed []obs
		now := int64(0)
		for range 200 {
			now += 1 + r.Int64N(20)
			st := "SDDRI"[r.IntN(5)]
			o := obs{now, st, int64(r.IntN(3))}
			plain = append(plain, o)
			flushed = append(flushed, o)
			if r.IntN(4) == 0 {
				flushed = append(flushed, obs{now, 'F', -1})
			}
		}
		end := obs{now + 10, 'S', -1}
		plain, flushed = append(plain, end), append(flushed, end)
		p1, b1 := run(plain)
		p2, b2 := run(flushed)
		if sum(p1) != sum(p2) || b1 != b2 {
			t.Fatalf("sequence %d: total %d (%d intervals) without collects, %d (%d) with", i, sum(p1), b1, sum(p2), b2)
		}
		if len(p1) != b1 {
			t.Fatalf("sequence %d: %d intervals began, %d ended", i, b1, len(p1))
		}
		for _, p := range p2 {
			if p < 0 {
				t.Fatalf("sequence %d: negative piece %d", i, p)
			}
		}
	}
}

// TestTrackEstimateError checks the estimator's error bound on synthetic
// truth: intervals of known length sampled every period with a random phase
// are estimated within one period.
func TestTrackEstimateError(t *testing.T) {
	const period = 10_000_000 // 10 ms
	r := rand.New(rand.NewPCG(3, 4))
	for range 1000 {
		start := r.Int64N(period) + 5*period
		length := period + r.Int64N(50*period)
		var tr track
		var got int64
		for now := int64(0); now < start+length+2*period; now += period {
			inD := now >= start && now < start+length
			if s := tr.observe(now, inD, 0, false); s.Ended {
				got = s.Piece
			}
		}
		if d := got - length; d < -period || d > period {
			t.Fatalf("interval of %d ns estimated %d ns: error %d ns exceeds one period", length, got, d)
		}
	}
}

func TestAgg(t *testing.T) {
	a := newAgg()
	a.add("nfsd", "submit_bio_wait", 1, 100)
	a.add("nfsd", "submit_bio_wait", 2, 300)
	a.add("nfsd", "submit_bio_wait", 1, 1000)
	a.add("dd", "io_schedule", 7, 50)
	a.add("nfsd", "folio_wait_bit_common", 3, -5) // clamped
	rows := a.drain(nil)
	want := []struct {
		comm    string
		site    model.WaitSite
		threads int
		count   uint64
		sum     uint64
		max     uint64
	}{
		{"dd", "io_schedule", 1, 1, 50, 50},
		{"nfsd", "folio_wait_bit_common", 1, 1, 0, 0},
		{"nfsd", "submit_bio_wait", 2, 3, 1400, 1000},
	}
	if len(rows) != len(want) {
		t.Fatalf("got %d rows, want %d: %+v", len(rows), len(want), rows)
	}
	for i, w := range want {
		r := rows[i]
		if r.Comm != w.comm || r.WaitSite != w.site || r.Threads != w.threads ||
			r.Hist.Count != w.count || r.Hist.SumNs != w.sum || r.Hist.MaxNs != w.max {
			t.Errorf("row %d = %s %s threads %d count %d sum %d max %d, want %+v",
				i, r.Comm, r.WaitSite, r.Threads, r.Hist.Count, r.Hist.SumNs, r.Hist.MaxNs, w)
		}
		if r.Device != "" || r.Scheduler != "" {
			t.Errorf("row %d: procfs cannot tell device or scheduler, got %q %q", i, r.Device, r.Scheduler)
		}
	}
	// The next window starts empty; a thread counted before is not counted again.
	a.add("nfsd", "submit_bio_wait", 1, 10)
	rows = a.drain(nil)
	if len(rows) != 1 || rows[0].Threads != 1 || rows[0].Hist.Count != 1 || rows[0].Hist.SumNs != 10 {
		t.Errorf("second window = %+v, want one row with one thread and one piece of 10", rows)
	}
	if rows = a.drain(nil); len(rows) != 0 {
		t.Errorf("empty window gave %d rows", len(rows))
	}
}
