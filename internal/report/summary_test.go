package report

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/model"
)

// switchCapture is 30 s of the busy server; at 15 s sda switches from
// deadline to cfq (the incident's experiment) and the commit wait shrinks.
func switchCapture() []*model.Snapshot {
	snaps := busyWindow(30)
	for i, s := range snaps[15:] {
		s.Host.Devices[1].Scheduler = "cfq"
		s.Block[0].Scheduler = "cfq"
		s.DState[1].Scheduler = "cfq"
		s.DState[1].Hist = hist(27, 69*time.Millisecond, 70*time.Millisecond)
		if i == 0 {
			s.Host.Changes = []model.SchedChange{{Time: s.Start, Device: "sda", From: "deadline", To: "cfq"}}
		}
	}
	return snaps
}

func TestSummarize(t *testing.T) {
	snaps := switchCapture()
	// Out of order on purpose: Summarize sorts by time.
	shuffled := append([]*model.Snapshot(nil), snaps...)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })

	tests := []struct {
		name     string
		opt      SummaryOptions
		rows     int
		switchAt int // series row holding the scheduler change
	}{
		{"per snapshot", SummaryOptions{}, 30, 15},
		{"10 s steps", SummaryOptions{Step: 10 * time.Second}, 3, 1},
		{"at most 4 rows", SummaryOptions{MaxRows: 4}, 4, 1}, // 30 s / 4 rows -> 8 s steps
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Summarize(busyConfig(), shuffled, tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Series) != tt.rows {
				t.Fatalf("%d series rows, want %d", len(s.Series), tt.rows)
			}
			for i, r := range s.Series {
				if (len(r.SchedChanges) > 0) != (i == tt.switchAt) {
					t.Errorf("row %d (%s): changes %+v, want the switch only in row %d", i, r.Start.Format("15:04:05"), r.SchedChanges, tt.switchAt)
				}
				if i > 0 && !r.Start.After(s.Series[i-1].Start) {
					t.Errorf("row %d starts %v, not after row %d", i, r.Start, i-1)
				}
			}
			first, last := s.Series[0], s.Series[len(s.Series)-1]
			if last.NFSDDTimePerSec >= first.NFSDDTimePerSec {
				t.Errorf("nfsd D-time/s %v at the end, %v at the start; want it lower after the switch", last.NFSDDTimePerSec, first.NFSDDTimePerSec)
			}
			if got := schedulerOf(last.Devices, "sda"); got != "cfq" {
				t.Errorf("sda scheduler at the end = %q, want cfq", got)
			}
			if got := schedulerOf(first.Devices, "sda"); got != "deadline" {
				t.Errorf("sda scheduler at the start = %q, want deadline", got)
			}
			// 900 + 300 + 400 + 10 RPCs per snapshot.
			if first.OpLatency == nil || first.OpLatency.Count != 1610*uint64(first.Snapshots) {
				t.Errorf("first row op latency %+v, want the RPC count of one snapshot times its length", first.OpLatency)
			}
		})
	}

	s, err := Summarize(busyConfig(), snaps, SummaryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The overall frame merges the whole capture: both schedulers' rows for sda.
	var scheds []string
	for _, d := range s.Overall.Devices {
		if d.Name == "sda" {
			scheds = append(scheds, d.Scheduler)
		}
	}
	if len(scheds) != 2 || s.Overall.WindowSec != 30 {
		t.Errorf("overall: sda rows %q over %v s, want cfq and deadline over 30 s", scheds, s.Overall.WindowSec)
	}

	if _, err := Summarize(busyConfig(), nil, SummaryOptions{}); err == nil {
		t.Error("no snapshots: no error")
	}
}

func schedulerOf(devs []SeriesDevice, name string) string {
	for _, d := range devs {
		if d.Name == name && d.IOPS > 0 {
			return d.Scheduler
		}
	}
	return ""
}

func TestSummaryRender(t *testing.T) {
	s, err := Summarize(busyConfig(), switchCapture(), SummaryOptions{Step: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := s.Render(&buf, Layout{Width: 160}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"nfstrace report — labstore1004",
		"30 s average",
		"scheduler change: sda deadline → cfq at 18:40:15",
		"TIME SERIES (one row per 5s)",
		"TIME (UTC)  NFSD D-TIME/s",
		"18:40:00",
		"18:40:25",
		"deadline 3.8ms",
		"cfq 3.8ms",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q", want)
		}
	}
	checkFits(t, out, Layout{Width: 160})
	if t.Failed() {
		t.Logf("report:\n%s", out)
	}

	buf.Reset()
	if err := s.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Version int     `json:"version"`
		Step    float64 `json:"step_s"`
		Overall struct {
			WindowSec float64 `json:"window_s"`
		} `json:"overall"`
		Series []struct {
			DTime   float64 `json:"nfsd_d_time_per_s"`
			Devices []struct {
				Name      string `json:"name"`
				Scheduler string `json:"scheduler"`
			} `json:"devices"`
		} `json:"series"`
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Version != FrameVersion || got.Step != 5 || got.Overall.WindowSec != 30 || len(got.Series) != 6 {
		t.Errorf("decoded %+v", got)
	}
}

// TestSummaryWithoutNFSD: a capture of threads chosen by --comm, on a host
// without nfsd, shows the traced threads' D-time in the time series in
// place of nfsd's columns, which would all be zero.
func TestSummaryWithoutNFSD(t *testing.T) {
	snaps := busyWindow(10)
	var want float64 // D-time per second of every row, all the same
	for _, s := range snaps {
		s.Host.NFSD = model.NFSD{}
		s.RPC, s.Threads, s.Queue = nil, nil, nil
		var ns uint64
		for i := range s.DState {
			s.DState[i].Comm, s.DState[i].Op, s.DState[i].Client = "fio", "", ""
			ns += s.DState[i].Hist.SumNs
		}
		want = float64(ns) / 1e9
	}
	cfg := busyConfig()
	cfg.Targets = "comm ~ ^fio$"
	s, err := Summarize(cfg, snaps, SummaryOptions{Step: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range s.Series {
		if math.Abs(r.DTimePerSec-want) > 1e-6*want {
			t.Errorf("row %d: D-time %v/s, want %v/s", i, r.DTimePerSec, want)
		}
	}
	var buf bytes.Buffer
	if err := s.Render(&buf, Layout{Width: 160}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	head := "TIME (UTC)  D-TIME/s  "
	if !strings.Contains(out, head) || strings.Contains(out, "NFSD D-TIME/s") || strings.Contains(out, "OPS/s") {
		t.Errorf("series header: want %q and no nfsd columns in\n%s", head, out)
	}
	if cell := model.FormatDuration(secondsDur(want)); !strings.Contains(out, "  "+cell+"  ") {
		t.Errorf("no row shows the D-time %s in\n%s", cell, out)
	}
}
