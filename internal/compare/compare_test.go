package compare

import (
	"bytes"
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
