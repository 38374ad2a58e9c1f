package report

import (
	"strings"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/model"
)

// TestURingLines: the io_uring requests' latency is summed per kind over
// the window, most requests first, and gets a line of its own.
func TestURingLines(t *testing.T) {
	snap := func(i int, rows ...model.URingLat) *model.Snapshot {
		s := busySnapshot(i)
		s.URing = rows
		return s
	}
	window := []*model.Snapshot{
		snap(0, model.URingLat{Kind: model.URingWrite, Lat: hist(10, time.Millisecond)}),
		snap(1, model.URingLat{Kind: model.URingRead, Lat: hist(3000, 100*time.Microsecond)},
			model.URingLat{Kind: model.URingWrite, Lat: hist(10, 3*time.Millisecond)}),
	}
	f, err := NewFrame(busyConfig(), window, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.URing) != 2 || f.URing[0].Kind != model.URingRead || f.URing[1].Kind != model.URingWrite {
		t.Fatalf("rows %+v, want reads then writes", f.URing)
	}
	if w := f.URing[1]; w.Latency.Count != 20 || w.Latency.MeanNs != int64(2*time.Millisecond) || w.PerSec != 10 {
		t.Errorf("writes %+v: want 20 requests over 2 s, mean 2ms", w)
	}
	lines, err := f.Lines(Layout{Width: 200})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range lines {
		if strings.HasPrefix(l, "io_uring: ") {
			got = append(got, l)
		}
	}
	if len(got) != 1 || !strings.HasPrefix(got[0], "io_uring: reads 1.5k/s took mean 100µs, p50 ") || !strings.Contains(got[0], "; writes 10/s took mean 2.0ms, p50 ") {
		t.Errorf("io_uring lines %q", got)
	}
	if l := f.uringLines(40); len(l) != 2 || !strings.HasPrefix(l[1], "  writes ") {
		t.Errorf("wrapped at 40 columns: %q", l)
	}
	f.URing = nil
	if l := f.uringLines(0); l != nil {
		t.Errorf("lines without requests timed: %q", l)
	}
}
