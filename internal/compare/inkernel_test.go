package compare

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/model"
)

// busyURingCapture is n one-second intervals of two threads that keep
// io_uring reads in flight while they run, 20k a second, each lat in the
// kernel, and hardly wait: a few short waits for a CPU and one for block
// IO. Their requests put devRate requests a second on loop0, 30 µs each.
func busyURingCapture(name string, lat time.Duration, devRate, n int, seed uint64) *Capture {
	const rate = 20000
	r := rand.New(rand.NewPCG(seed, 11))
	t0 := time.Date(2026, 12, 5, 3, 0, 0, 0, time.UTC)
	var snaps []*model.Snapshot
	for i := range n {
		s := &model.Snapshot{Start: t0.Add(time.Duration(i) * time.Second), End: t0.Add(time.Duration(i+1) * time.Second)}
		var l, service, runnable model.Hist
		for range rate {
			l.Add(uint64(float64(lat) * (0.7 + 0.6*r.Float64())))
		}
		for range devRate {
			service.Add(uint64(30000 * (0.7 + 0.6*r.Float64())))
		}
		for range 50 {
			runnable.Add(uint64(5000 + r.IntN(5000)))
		}
		s.URing = []model.AsyncLat{{Kind: model.AsyncRead, Lat: l}}
		s.Submits = &model.Submits{URing: rate}
		const dsite = "__schedule;schedule;io_schedule;folio_wait_bit_common;filemap_fault;__do_fault"
		s.DState = []model.DState{{Comm: "fio", WaitSite: dsite, Device: "loop0", Scheduler: "none", Threads: 1, Hist: model.Hist{Count: 1, SumNs: uint64(40000 + r.IntN(1000))}}}
		s.Block = []model.Block{{Device: "loop0", Scheduler: "none", Op: "read", Size: "32K", Service: service}}
		s.Run = []model.Run{{Comm: "fio", Threads: 2, Runnable: runnable, OnCPU: 950 * time.Millisecond}}
		s.Host.Devices = []model.Device{{Name: "loop0", ReadIOPS: float64(devRate), ReadBps: float64(devRate) * 32768, AwaitMs: 0.03}}
		snaps = append(snaps, s)
	}
	return fioCapture(name, snaps)
}

// TestInKernelLatency: threads that keep io_uring requests in flight while
// they run hardly wait for them, so the time they waited does not move when
// their IO takes three times as long in the kernel. The verdict is read off
// that latency, and its cause off the device the requests went to: given
// more work, or not.
func TestInKernelLatency(t *testing.T) {
	tests := []struct {
		name             string
		latA, latB       time.Duration
		devRateA, devRtB int
		outcome, cause   string
	}{
		{"the device given more work", 7 * time.Microsecond, 21 * time.Microsecond, 100, 5000, OutcomeWorse, CauseWorkload},
		{"held above the device", 7 * time.Microsecond, 21 * time.Microsecond, 100, 100, OutcomeWorse, CauseBio},
		{"the same", 7 * time.Microsecond, 7 * time.Microsecond, 100, 100, OutcomeNoChange, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Compare(busyURingCapture("A", tt.latA, tt.devRateA, 20, 1), busyURingCapture("B", tt.latB, tt.devRtB, 20, 2), Options{})
			if err != nil {
				t.Fatal(err)
			}
			d := res.Verdict.Diagnosis
			if d.Outcome != tt.outcome || d.Cause != tt.cause {
				t.Fatalf("outcome %q cause %q, want %q %q: %s", d.Outcome, d.Cause, tt.outcome, tt.cause, res.Verdict.Summary)
			}
			if tt.outcome == OutcomeNoChange {
				return
			}
			if d.Overlap == nil || !d.Overlap.InKernel || d.Subject != SubjectAsyncIO {
				t.Errorf("not read off the io_uring requests' latency in the kernel: %+v, subject %q", d.Overlap, d.Subject)
			}
			if d.Device == nil || d.Device.Device != "loop0" {
				t.Errorf("device %+v, want loop0", d.Device)
			}
		})
	}
}
