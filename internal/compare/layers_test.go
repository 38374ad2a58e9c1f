package compare

import (
	"math"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/capture"
	"github.com/nfstrace/nfstrace/internal/model"
)

// TestRequestPath checks the rest of a request's time when the request spans
// intervals: its waits are counted in the intervals they end, its latency in
// the one it completes, and the rest must be what the latency holds beyond
// the waits, not the waits counted a second time.
func TestRequestPath(t *testing.T) {
	const ms = uint64(time.Millisecond)
	type interval struct {
		reqs  []uint64 // latencies of the requests completed
		waits []uint64 // D-state waits ended
	}
	tests := []struct {
		name      string
		intervals []interval
		want      []float64 // the rest per interval, ns
	}{
		{
			name: "one long request, all of it waits",
			intervals: []interval{
				{waits: []uint64{300 * ms}},
				{waits: []uint64{300 * ms}},
				{waits: []uint64{300 * ms}},
				{reqs: []uint64{1000 * ms}, waits: []uint64{100 * ms}},
			},
			want: []float64{0, 0, 0, 0},
		},
		{
			name: "one long request, part of it waits",
			intervals: []interval{
				{waits: []uint64{200 * ms}},
				{waits: []uint64{200 * ms}},
				{reqs: []uint64{1000 * ms}, waits: []uint64{100 * ms}},
			},
			want: []float64{0, 0, float64(500 * ms)},
		},
		{
			name: "short requests in every interval",
			intervals: []interval{
				{reqs: []uint64{10 * ms, 10 * ms}, waits: []uint64{4 * ms}},
				{reqs: []uint64{10 * ms}, waits: []uint64{4 * ms}},
			},
			want: []float64{float64(16 * ms), float64(6 * ms)},
		},
		{
			name: "long requests among short ones",
			intervals: []interval{
				{reqs: []uint64{10 * ms}, waits: []uint64{5 * ms, 400 * ms}},
				{reqs: []uint64{10 * ms, 600 * ms}, waits: []uint64{5 * ms, 100 * ms}},
			},
			// The short requests' 5 ms each and the long one's 100 ms:
			// an interval's sums cannot tell whose waits are whose, so
			// the first short request's rest pays toward the long
			// one's waits, and all of it shows when that completes.
			want: []float64{0, float64(110 * ms)},
		},
	}
	start := time.Unix(1_764_000_000, 0).UTC()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var snaps []*model.Snapshot
			for i, iv := range tt.intervals {
				s := &model.Snapshot{
					Start: start.Add(time.Duration(i) * time.Second),
					End:   start.Add(time.Duration(i+1) * time.Second),
				}
				if len(iv.reqs) > 0 {
					r := model.RPC{Version: "v3", Op: "COMMIT", Client: "10.0.0.1", Status: "ok"}
					for _, ns := range iv.reqs {
						r.Hist.Add(ns)
					}
					s.RPC = append(s.RPC, r)
				}
				if len(iv.waits) > 0 {
					d := model.DState{Comm: "nfsd", WaitSite: siteCommit, Device: "sda", Threads: 1}
					for _, ns := range iv.waits {
						d.Hist.Add(ns)
					}
					s.DState = append(s.DState, d)
				}
				snaps = append(snaps, s)
			}
			c := FromSnapshots(tt.name, capture.Meta{Interval: time.Second}, snaps)
			var got []float64
			if k := c.fams[famLayer][LayerRest]; k != nil {
				got = k.sum
			}
			for i, w := range tt.want {
				var g float64
				if i < len(got) {
					g = got[i]
				}
				if math.Abs(g-w) > 1 {
					t.Errorf("interval %d: rest %v, want %v (all: %v)", i, time.Duration(g), time.Duration(w), got)
				}
			}
		})
	}
}
