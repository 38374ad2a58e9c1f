package compare

import (
	"strings"
	"testing"

	"github.com/nfstrace/nfstrace/internal/capture"
)

// TestHeldCause separates IO held above a device that was given more work
// (the workload) from IO held back while the device's load held or fell (a
// throttle), in requests and in bytes, for a rise and for a fall.
func TestHeldCause(t *testing.T) {
	tests := []struct {
		name string
		dev  *DeviceLatency
		dir  float64
		want string
	}{
		{"no device", nil, 1, CauseBio},
		{"8x the requests, rise", &DeviceLatency{RateA: 190, RateB: 1500}, 1, CauseWorkload},
		{"same requests, 4x the bytes, rise", &DeviceLatency{RateA: 360, RateB: 410, BytesA: 23e6, BytesB: 90e6}, 1, CauseWorkload},
		{"throttled: fewer requests and bytes, rise", &DeviceLatency{RateA: 400, RateB: 150, BytesA: 1.6e6, BytesB: 0.6e6}, 1, CauseBio},
		{"1.4x the requests is not enough", &DeviceLatency{RateA: 100, RateB: 140}, 1, CauseBio},
		{"more requests do not explain a fall", &DeviceLatency{RateA: 100, RateB: 800}, -1, CauseBio},
		{"a third of the requests, fall", &DeviceLatency{RateA: 900, RateB: 300}, -1, CauseWorkload},
		{"device unseen in A", &DeviceLatency{RateB: 500}, 1, CauseBio},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, f := heldCause(tt.dev, tt.dir, nil)
			if got != tt.want {
				t.Fatalf("heldCause = %s, want %s", got, tt.want)
			}
			if got == CauseWorkload && (f == nil || f.RateA != tt.dev.RateA || f.BytesB != tt.dev.BytesB) {
				t.Errorf("finding %+v does not carry the device's load", f)
			}
		})
	}
}

// TestWorkUnit picks the unit of work without NFS operations: the threads'
// own block-IO waits when both captures are IO-bound (however many
// requests other processes put on the device), else their CPU time.
func TestWorkUnit(t *testing.T) {
	mk := func(blockNs, waits, runqNs, cpuSec, deviceReqs float64) *Capture {
		c := newCapture("x", capture.Meta{})
		c.secs = []float64{1}
		c.onCPU = []float64{cpuSec}
		c.fams[famLayer][blockPrefix+"loop0"] = &keyData{sum: []float64{blockNs}, cnt: []float64{waits}}
		c.fams[famLayer][LayerCPU] = &keyData{sum: []float64{runqNs}, cnt: []float64{1}}
		c.fams[famDisk]["loop0"] = &keyData{sum: []float64{1e6}, cnt: []float64{deviceReqs}}
		return c
	}
	tests := []struct {
		name    string
		a, b    *Capture
		per     string
		denA    float64
		wantSrc string
	}{
		{"IO-bound, a busy shared device", mk(30e6, 300, 1e6, 0.02, 16000), mk(90e6, 300, 1e6, 0.02, 16000), "IO", 300, "waits for block IO"},
		{"CPU-bound with page-cache misses", mk(4e6, 1200, 600e6, 0.6, 1200), mk(5e6, 1400, 900e6, 0.4, 1400), "CPU-s", 0.6, "CPU time"},
		{"CPU contention in B only", mk(30e6, 300, 1e6, 0.02, 300), mk(30e6, 300, 900e6, 0.02, 300), "CPU-s", 0.02, "CPU time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			denA, _, w := normaliser(tt.a, tt.b)
			if w.Per != tt.per || len(denA) != 1 || denA[0] != tt.denA || !strings.Contains(w.Source, tt.wantSrc) {
				t.Errorf("unit %q (%q), A %v; want %q per unit, A %v", w.Per, w.Source, denA, tt.per, tt.denA)
			}
		})
	}
}
