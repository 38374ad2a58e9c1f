package compare

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/capture"
	"github.com/nfstrace/nfstrace/internal/model"
)

// asyncCapture is n one-second intervals of two libaio threads at a fixed
// rate: each waits for its reads' completions in io_getevents (an
// interruptible sleep, never D) about as long as the device takes per
// request (svc), and makes a few read and write calls of its own.
func asyncCapture(name string, svc time.Duration, n int, seed uint64) *Capture {
	const site = "__schedule;schedule;read_events;do_io_getevents;__x64_sys_io_getevents;do_syscall_64"
	r := rand.New(rand.NewPCG(seed, 7))
	t0 := time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC)
	var snaps []*model.Snapshot
	for i := range n {
		s := &model.Snapshot{Start: t0.Add(time.Duration(i) * time.Second), End: t0.Add(time.Duration(i+1) * time.Second)}
		var wait, service model.Hist
		for range 3000 {
			d := uint64(float64(svc) * (0.7 + 0.6*r.Float64()))
			service.Add(d)
			wait.Add(d)
		}
		// A few waits whose requests were done as the thread went to
		// sleep have no device.
		s.AsyncIO = []model.DState{{Comm: "fio", WaitSite: site, Device: "loop0", Scheduler: "none", Threads: 2, Hist: wait},
			{Comm: "fio", WaitSite: site, Device: model.NotBlockIO, Scheduler: model.NotBlockIO, Threads: 2, Hist: model.Hist{Count: 300, SumNs: 300 * 8000}}}
		// A rare D-state wait for block IO, whose waker is known.
		const dsite = "__schedule;schedule;io_schedule;__wait_on_bit;out_of_line_wait_on_bit;do_get_write_access"
		s.DState = []model.DState{{Comm: "fio", WaitSite: dsite, Device: "loop0", Scheduler: "none", Threads: 1, Hist: model.Hist{Count: 1, SumNs: 50000}}}
		s.Wakers = []model.Waker{{Comm: "fio", WaitSite: dsite, Waker: "kworker", Count: 1, Time: 50 * time.Microsecond}}
		s.Block = []model.Block{{Device: "loop0", Scheduler: "none", Op: "read", Size: "16K", Queue: model.Hist{}, Service: service}}
		var runnable model.Hist
		for range 600 {
			runnable.Add(uint64(5000 + r.IntN(5000)))
		}
		s.Run = []model.Run{{Comm: "fio", Threads: 2, Runnable: runnable, OnCPU: 80 * time.Millisecond}}
		s.Calls = &model.Calls{Reads: 14, Threads: 2}
		s.Host.Devices = []model.Device{{Name: "loop0", ReadIOPS: 3000, ReadBps: 3000 * 16384, AwaitMs: float64(svc) / 1e6}}
		snaps = append(snaps, s)
	}
	cfg := model.Config{Hostname: "vm", KernelRelease: "6.18.0", CPUs: 2, MemTotal: 1 << 30,
		Devices: []model.DeviceConfig{{Name: "loop0", Scheduler: "none"}},
		Backend: model.Backend{Name: "ebpf", Probes: []model.Probe{{Name: "sched_switch", Status: model.ProbeAttached}}},
		Targets: "comm ^fio$"}
	return FromSnapshots(name, capture.Meta{Config: cfg, Interval: time.Second}, snaps)
}

// TestAsyncIODevice: threads whose IO is asynchronous wait for it outside D
// state. A device 2.5 times slower at the same load is still found, through
// their waits for its completions, and a same-against-same pair is not a
// change.
func TestAsyncIODevice(t *testing.T) {
	res, err := Compare(asyncCapture("A", 60*time.Microsecond, 20, 1), asyncCapture("B", 150*time.Microsecond, 20, 2), Options{})
	if err != nil {
		t.Fatal(err)
	}
	d := res.Verdict.Diagnosis
	if d.Outcome != OutcomeWorse || d.Layer == nil || d.Layer.Key != blockPrefix+"loop0" || d.Cause != CauseDevice {
		t.Errorf("slower device: outcome %s, layer %+v, cause %q; want worse, block loop0, device\n%s", d.Outcome, d.Layer, d.Cause, res.Verdict.Summary)
	}
	if d.Waker != nil {
		t.Errorf("waker %+v named for waits whose wakers are not kept", d.Waker)
	}
	if res.Workload.Per != "IO" {
		t.Errorf("unit %q (%s), want the waits for IO", res.Workload.Per, res.Workload.Source)
	}
	// The waits without a device are block IO too, not "other".
	if res.Time == nil || res.DTime == nil {
		t.Fatal("no breakdown of the time")
	}
	if !strings.Contains(res.DTime.Metric, "asynchronous IO") {
		t.Errorf("breakdown of the waits named %q: it holds the waits for asynchronous IO", res.DTime.Metric)
	}
	var unknown bool
	for _, dim := range res.Time.Dimensions {
		for _, r := range dim.Rows {
			if r.Key == ClassOther {
				t.Errorf("a wait for asynchronous IO in layer %q", r.Key)
			}
			unknown = unknown || r.Key == blockPrefix+unknownDevice
		}
	}
	if !unknown {
		t.Errorf("no layer %q for the waits without a device", blockPrefix+unknownDevice)
	}

	res, err = Compare(asyncCapture("A", 60*time.Microsecond, 20, 1), asyncCapture("B", 60*time.Microsecond, 20, 2), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d := res.Verdict.Diagnosis; d.Outcome == OutcomeWorse || d.Outcome == OutcomeBetter {
		t.Errorf("same device: outcome %s, layer %+v\n%s", d.Outcome, d.Layer, res.Verdict.Summary)
	}
}
