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
	snap := func(i int, rows ...model.AsyncLat) *model.Snapshot {
		s := busySnapshot(i)
		s.URing = rows
		return s
	}
	window := []*model.Snapshot{
		snap(0, model.AsyncLat{Kind: model.AsyncWrite, Lat: hist(10, time.Millisecond)}),
		snap(1, model.AsyncLat{Kind: model.AsyncRead, Lat: hist(3000, 100*time.Microsecond)},
			model.AsyncLat{Kind: model.AsyncWrite, Lat: hist(10, 3*time.Millisecond)}),
	}
	f, err := NewFrame(busyConfig(), window, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.URing) != 2 || f.URing[0].Kind != model.AsyncRead || f.URing[1].Kind != model.AsyncWrite {
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

	// libaio's requests: a line of their own, after io_uring's.
	aio := []*model.Snapshot{snap(0), snap(1)}
	aio[0].AIO = []model.AsyncLat{{Kind: model.AsyncRead, Lat: hist(400, 2*time.Millisecond)}}
	aio[1].AIO = []model.AsyncLat{{Kind: model.AsyncRead, Lat: hist(400, 4*time.Millisecond)}}
	aio[1].URing = []model.AsyncLat{{Kind: model.AsyncWrite, Lat: hist(10, time.Millisecond)}}
	if f, err = NewFrame(busyConfig(), aio, Options{}); err != nil {
		t.Fatal(err)
	}
	if len(f.AIO) != 1 || f.AIO[0].Latency.Count != 800 || f.AIO[0].Latency.MeanNs != int64(3*time.Millisecond) {
		t.Fatalf("libaio rows %+v, want 800 reads at a mean of 3ms", f.AIO)
	}
	if l := f.uringLines(0); len(l) != 2 || !strings.HasPrefix(l[0], "io_uring: writes 5/s") || !strings.HasPrefix(l[1], "libaio: reads 400/s took mean 3.0ms, p50 ") {
		t.Errorf("io_uring and libaio lines %q", l)
	}
	f.URing, f.AIO = nil, nil
	if l := f.uringLines(0); l != nil {
		t.Errorf("lines without requests timed: %q", l)
	}
}
