package compare

import (
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/capture"
	"github.com/nfstrace/nfstrace/internal/model"
)

// TestCommRowsByRole: io_uring's workers are named after the process they
// work for, so one role has a different name in each capture (as recorded
// before the samplers folded the names). The comm dimension counts them
// as one row, present on both sides.
func TestCommRowsByRole(t *testing.T) {
	withWorkers := func(seed uint64, name string) *Capture {
		sc := baseline()
		sc.seed = seed
		snaps := sc.snapshots()
		for _, s := range snaps {
			var h model.Hist
			h.Add(uint64(300 * time.Microsecond))
			s.DState = append(s.DState, model.DState{Comm: name, WaitSite: model.NewWaitSite(frames(siteDirty)), Hist: h})
		}
		return FromSnapshots("x", capture.Meta{Config: sc.config(), Interval: time.Second}, snaps)
	}
	res, err := Compare(withWorkers(1, "iou-wrk-9632"), withWorkers(2, "iou-wrk-9659"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.DTime == nil {
		t.Fatal("no D-time breakdown")
	}
	var rows []Contribution
	for _, d := range res.DTime.Dimensions {
		if d.Name == "comm" {
			rows = d.Rows
		}
	}
	var found int
	for _, r := range rows {
		switch r.Key {
		case "iou-wrk":
			found++
			if r.A == 0 || r.B == 0 {
				t.Errorf("iou-wrk row A %v B %v, want both sides", r.A, r.B)
			}
		case "iou-wrk-9632", "iou-wrk-9659":
			t.Errorf("comm row %q kept its number", r.Key)
		}
	}
	if found != 1 {
		t.Errorf("comm rows %+v, want one iou-wrk row", rows)
	}
}
