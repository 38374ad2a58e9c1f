package report

import "testing"

// BenchmarkTopFrame is the work of one `top` refresh: build the frame from
// a 10 s window of the busy server and render it for a 160x50 terminal.
func BenchmarkTopFrame(b *testing.B) {
	cfg, window := busyConfig(), busyWindow(10)
	l := Layout{Width: 160, Height: 50}
	b.ReportAllocs()
	for b.Loop() {
		f, err := NewFrame(cfg, window, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := f.Lines(l); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNewFrame is the model-to-frame step alone.
func BenchmarkNewFrame(b *testing.B) {
	cfg, window := busyConfig(), busyWindow(10)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewFrame(cfg, window, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderLines is the text rendering alone (tablewriter included).
func BenchmarkRenderLines(b *testing.B) {
	f, err := NewFrame(busyConfig(), busyWindow(10), Options{})
	if err != nil {
		b.Fatal(err)
	}
	l := Layout{Width: 160, Height: 50}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.Lines(l); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSummarize is `report` on one hour of 1 s snapshots with 1 min steps.
func BenchmarkSummarize(b *testing.B) {
	cfg, snaps := busyConfig(), busyWindow(3600)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Summarize(cfg, snaps, SummaryOptions{MaxRows: 60}); err != nil {
			b.Fatal(err)
		}
	}
}
