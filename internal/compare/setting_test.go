package compare

import (
	"math"
	"testing"

	"github.com/nfstrace/nfstrace/internal/model"
)

// TestSettingWait: a total short of MinChange, by no more than half of
// it, matters when the waits a changed setting acts on directly carry
// half of its change or more, net; the run queue counts by the part
// behind kernel threads when the setting drives their work.
func TestSettingWait(t *testing.T) {
	row := func(key string, a, b float64, sig bool) Contribution {
		return Contribution{Key: key, A: a, B: b, Change: Change{Delta: b - a, Significant: sig}}
	}
	small := func(a, b float64, why string, rows ...Contribution) *Breakdown {
		return &Breakdown{A: a, B: b, Change: Change{Delta: b - a, Tested: true, P: 0.001, Outcome: TestSmall}, Small: why,
			Dimensions: []Dimension{{Name: "layer", Rows: rows}}}
	}
	dirty := []ConfigChange{{Item: "sysctl vm.dirty_bytes", A: "0", B: "41943040"}}
	nr := []ConfigChange{{Item: "nr_requests loop0", A: "128", B: "4"}}
	quota := []ConfigChange{{Item: "cgroup /x cpu.max", A: "max 100000", B: "30000 100000"}}
	// held is the run-queue time behind kernel threads in A and B, per
	// second over one second each: the unit is the second.
	tests := []struct {
		name   string
		bd     *Breakdown
		config []ConfigChange
		held   [2]float64
		want   float64 // SettingWait.Share, 0: none
	}{
		{"writeback throttling new with the dirty limits", small(8000, 10000, SmallShare, row("writeback throttling", 0, 1100, true), row(LayerCPU, 8000, 8900, true)),
			dirty, [2]float64{0, 0}, 0.55},
		{"and the run queue behind kernel threads", small(8000, 10000, SmallShare, row(LayerCPU, 8000, 9000, true), row("writeback throttling", 0, 1000, true)),
			dirty, [2]float64{100, 900}, 0.9},
		{"the run queue behind the threads themselves", small(8000, 10000, SmallShare, row(LayerCPU, 8000, 9400, true), row("writeback throttling", 0, 600, true)),
			dirty, [2]float64{100, 150}, 0},
		{"a quota acts on the whole run queue", small(8000, 10000, SmallShare, row(LayerCPU, 8000, 9400, true), row("block loop0", 0, 600, true)),
			quota, [2]float64{0, 0}, 0.7},
		{"no setting changed", small(8000, 10000, SmallShare, row("writeback throttling", 0, 1100, true), row(LayerCPU, 8000, 8900, true)),
			nil, [2]float64{0, 0}, 0},
		{"the setting's layer not significant", small(8000, 10000, SmallShare, row("writeback throttling", 0, 1100, false), row(LayerCPU, 8000, 8900, true)),
			dirty, [2]float64{0, 0}, 0},
		{"time moved between the setting's layers", small(10000, 12000, SmallShare, row("block ?", 0, 3000, true), row("block loop0", 9000, 6400, true), row(LayerCPU, 1000, 2600, true)),
			nr, [2]float64{0, 0}, 0},
		{"the total under half the floor", small(8000, 9000, SmallShare, row("writeback throttling", 0, 1000, true)),
			dirty, [2]float64{0, 0}, 0},
		{"under the absolute floor", small(8000, 10000, SmallFloor, row("writeback throttling", 0, 1100, true)),
			dirty, [2]float64{0, 0}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a, b Capture
			a.secs, b.secs = []float64{1}, []float64{1}
			a.preemptUnknown, b.preemptUnknown = true, true
			for k, key := range model.HeldKeys() {
				a.held[k], b.held[k] = []float64{0}, []float64{0}
				if key == model.HeldKernel {
					a.held[k], b.held[k] = []float64{tt.held[0]}, []float64{tt.held[1]}
				}
			}
			c := &comparison{a: &a, b: &b}
			res := &Result{Time: tt.bd, Config: tt.config, Workload: Workload{Per: "s"}}
			c.settingWait(res, matter{min: 0.3})
			got := 0.0
			if s := res.Time.SettingWait; s != nil {
				got = s.Share
			}
			if math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("share = %v, want %v (%+v)", got, tt.want, res.Time.SettingWait)
			}
			if res.Time.Change.Significant != (tt.want > 0) {
				t.Errorf("significant = %v, want %v", res.Time.Change.Significant, tt.want > 0)
			}
		})
	}
}
