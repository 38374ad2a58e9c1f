package main

import (
	"context"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/capture"
	"github.com/nfstrace/nfstrace/internal/model"
)

// longCaptureSnapshots is the length of the synthetic capture of
// TestReportMemoryLongCapture: 5.5 hours of 1 s snapshots.
const longCaptureSnapshots = 20_000

// reportLongMaxHeap bounds the peak heap in use while report reads that
// capture, above what was in use before. Holding every snapshot (each
// about 4 KiB in memory: six histograms of 64 buckets and their rows) takes
// about 80 MiB; a report that keeps one series step at a time takes a few.
const reportLongMaxHeap = 24 << 20

// longSnapshot is second i of a busy server: two wait sites, two traced
// operations, one device.
func longSnapshot(base time.Time, i int) *model.Snapshot {
	h := func(n int, ns time.Duration) model.Hist {
		var h model.Hist
		for k := range n {
			h.Add(uint64(ns) + uint64(k*i%1000)*1000)
		}
		return h
	}
	return &model.Snapshot{
		Start: base.Add(time.Duration(i) * time.Second),
		End:   base.Add(time.Duration(i+1) * time.Second),
		Host: model.Host{
			Load:    model.Load{Avg1: 12, Running: 2, InD: 10},
			NFSD:    model.NFSD{Running: true, Threads: 64, ThreadsInD: 10 + i%5},
			Devices: []model.Device{{Name: "sda", Scheduler: "mq-deadline", WriteIOPS: float64(3000 + i%900), AwaitMs: 3.8, Util: 0.7}},
		},
		DState: []model.DState{
			{Comm: "nfsd", WaitSite: reportSite, Device: model.NotBlockIO, Op: "WRITE", Threads: 7, Hist: h(10, 80*time.Millisecond)},
			{Comm: "nfsd", WaitSite: "io_schedule;folio_wait_bit_common;nfsd_commit", Device: "sda", Scheduler: "mq-deadline", Op: "COMMIT", Threads: 3, Hist: h(5, 4*time.Millisecond)},
		},
		RPC: []model.RPC{
			{Version: "v3", Op: "WRITE", Client: "10.0.0.7", Status: "ok", Hist: h(30, 90*time.Millisecond)},
			{Version: "v3", Op: "COMMIT", Client: "10.0.0.7", Status: "ok", Hist: h(6, 20*time.Millisecond)},
		},
		Block: []model.Block{{Device: "sda", Scheduler: "mq-deadline", Op: "write", Size: "4K", Queue: h(40, time.Millisecond), Service: h(40, 4*time.Millisecond)}},
	}
}

// writeLongCapture writes longCaptureSnapshots snapshots, one at a time.
func writeLongCapture(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "long.nft")
	base := time.Unix(1_764_000_000, 0)
	cfg := model.Config{Hostname: "labstore1004", KernelRelease: "6.12.9", Backend: model.Backend{Name: "ebpf", Detail: "ebpf (ring buffer)"}, Targets: "nfsd", Start: base}
	w, err := capture.Create(path, capture.Meta{ToolVersion: "test", Config: cfg}, capture.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := range longCaptureSnapshots {
		if err := w.WriteSnapshot(longSnapshot(base, i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// peakHeap runs fn while a goroutine samples the heap in use, and returns
// the largest sample above the heap in use before fn. Sampling can miss a
// short peak, never invent one: the figure is a lower bound of the peak.
func peakHeap(fn func()) uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	base := m.HeapInuse
	stop, done := make(chan struct{}), make(chan uint64)
	go func() {
		var peak uint64
		var s runtime.MemStats
		for {
			runtime.ReadMemStats(&s)
			peak = max(peak, s.HeapInuse)
			select {
			case <-stop:
				done <- peak
				return
			default:
				runtime.Gosched()
			}
		}
	}()
	fn()
	close(stop)
	peak := <-done
	runtime.ReadMemStats(&m)
	peak = max(peak, m.HeapInuse)
	if peak < base {
		return 0
	}
	return peak - base
}

// TestReportMemoryLongCapture runs report (table, then with --pprof) on a
// capture of 20,000 snapshots and bounds the peak heap: report must not
// hold every snapshot of the capture.
func TestReportMemoryLongCapture(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and reads a capture of 20,000 snapshots")
	}
	path := writeLongCapture(t)
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"table", []string{path}},
		{"json-pprof", []string{"--format", "json", "--step", "10m", "--pprof", filepath.Join(t.TempDir(), "off.pb.gz"), path}},
	} {
		args := tc.args
		t.Run(tc.name, func(t *testing.T) {
			io, out, errb := testStdio()
			var err error
			peak := peakHeap(func() { err = runReport(context.Background(), io, args) })
			if err != nil {
				t.Fatalf("report: %v (stderr %q)", err, errb.String())
			}
			if out.Len() == 0 {
				t.Fatal("no report")
			}
			t.Logf("report %s: peak heap in use %.1f MiB above the start", strings.Join(args, " "), float64(peak)/(1<<20))
			if peak > reportLongMaxHeap {
				t.Errorf("peak heap in use %d MiB, want at most %d MiB", peak>>20, reportLongMaxHeap>>20)
			}
		})
	}
}
