package compare

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestVerdicts(t *testing.T) {
	tests := []struct {
		name   string
		change func(sc *scenario)
		// want: significant, cause dimension and key (key "" = any), layer
		significant bool
		dimension   string
		key         string
		layer       string
		lead        string // substring of the lead
	}{
		{
			name:        "same scenario, other seed",
			change:      func(sc *scenario) { sc.seed = 7 },
			significant: false,
		},
		{
			name: "slow device",
			change: func(sc *scenario) {
				sc.seed = 2
				sc.svc = 8 * time.Millisecond
			},
			significant: true, dimension: "device", key: "sda", layer: LayerDevice, lead: "sda",
		},
		{
			name: "scheduler change",
			change: func(sc *scenario) {
				sc.seed = 3
				sc.sched = "bfq"
				sc.queue = 3 * time.Millisecond
			},
			significant: true, dimension: "scheduler", key: "sda", layer: LayerScheduler, lead: "mq-deadline → bfq",
		},
		{
			name: "lock above the block layer after a kernel upgrade",
			change: func(sc *scenario) {
				sc.seed = 4
				sc.kernel = "6.12.9-cloud-amd64"
				sc.sites[2].prob = 0.6
				sc.sites[2].median = 15 * time.Millisecond
			},
			significant: true, dimension: "wait site", key: "rwsem_down_write_slowpath", layer: LayerAboveBlock, lead: "kernel",
		},
		{
			name: "writeback throttling after a sysctl change",
			change: func(sc *scenario) {
				sc.seed = 5
				sc.sysctls = map[string]string{"vm.dirty_ratio": "20", "vm.dirty_background_ratio": "10", "vm.dirty_bytes": "524288"}
				sc.sites = append(sc.sites, siteSpec{frames: frames(siteDirty), op: "WRITE", prob: 0.5, median: 8 * time.Millisecond})
			},
			significant: true, dimension: "wait site", key: "balance_dirty_pages", layer: LayerAboveBlock, lead: "vm.dirty_bytes",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			base := baseline()
			other := baseline()
			tc.change(&other)
			res, err := Compare(base.capture("A"), other.capture("B"), Options{})
			if err != nil {
				t.Fatal(err)
			}
			v := res.Verdict
			var out bytes.Buffer
			if err := res.Render(&out, RenderOptions{}); err != nil {
				t.Fatal(err)
			}
			if v.Significant != tc.significant {
				t.Fatalf("significant = %v, want %v\n%s", v.Significant, tc.significant, out.String())
			}
			if !tc.significant {
				if !strings.HasPrefix(v.Summary, "No significant change") {
					t.Errorf("summary %q", v.Summary)
				}
				return
			}
			if v.Cause == nil || v.Cause.Dimension != tc.dimension || !strings.Contains(v.Cause.Key+" "+v.Cause.Label, tc.key) {
				t.Fatalf("cause %+v, want %s %s\n%s", v.Cause, tc.dimension, tc.key, out.String())
			}
			if v.Layer != tc.layer {
				t.Errorf("layer %q, want %q\n%s", v.Layer, tc.layer, out.String())
			}
			if !strings.Contains(v.Lead, tc.lead) {
				t.Errorf("lead %q does not mention %q", v.Lead, tc.lead)
			}
			t.Log("\n" + out.String())
		})
	}
}

// TestLoadFile: a capture read back from its file compares exactly as the
// snapshots it was written from.
func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	a, b := baseline(), baseline()
	b.seed, b.svc = 2, 8*time.Millisecond
	pa, pb := filepath.Join(dir, "a.cap"), filepath.Join(dir, "b.cap")
	a.writeFile(t, pa)
	b.writeFile(t, pb)
	ca, err := Load(context.Background(), pa, false)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := Load(context.Background(), pb, false)
	if err != nil {
		t.Fatal(err)
	}
	fromFile, err := Compare(ca, cb, Options{})
	if err != nil {
		t.Fatal(err)
	}
	inMemory, err := Compare(a.capture(pa), b.capture(pb), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var jf, jm bytes.Buffer
	if err := fromFile.WriteJSON(&jf); err != nil {
		t.Fatal(err)
	}
	if err := inMemory.WriteJSON(&jm); err != nil {
		t.Fatal(err)
	}
	if jf.String() != jm.String() {
		t.Errorf("file and memory differ:\n%s\n---\n%s", jf.String(), jm.String())
	}
	if ca.Snapshots != a.n || ca.Config().KernelRelease != a.kernel {
		t.Errorf("loaded %d snapshots of kernel %q", ca.Snapshots, ca.Config().KernelRelease)
	}
	if _, err := Load(context.Background(), filepath.Join(dir, "missing.cap"), false); err == nil {
		t.Error("missing file loaded")
	}
}
