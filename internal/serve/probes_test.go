package serve

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/nfstrace/nfstrace/internal/model"
)

func TestCollectorProbeStatus(t *testing.T) {
	probes := []model.Probe{
		{Name: "sched_switch", Status: model.ProbeAttached, Detail: "tp_btf"},
		{Name: "block_rq_issue", Status: model.ProbeFallback, Detail: "raw_tp"},
		{Name: "nfsd:nfsd_compound", Status: model.ProbeUnavailable, Detail: "module nfsd not loaded"},
		{Name: "sched_switch", Status: model.ProbeUnavailable}, // a repeat keeps the first status
	}
	c := NewCollector(model.Config{KernelRelease: "6.18", Backend: model.Backend{Name: "ebpf", Probes: probes}}, "v", 20)
	mfs := gather(t, c)
	for _, tc := range []struct {
		probe, status string
		want          float64
	}{
		{"sched_switch", "attached", 1},
		{"sched_switch", "fallback", 0},
		{"sched_switch", "unavailable", 0},
		{"block_rq_issue", "attached", 0},
		{"block_rq_issue", "fallback", 1},
		{"nfsd:nfsd_compound", "unavailable", 1},
		{"nfsd:nfsd_compound", "attached", 0},
	} {
		m := find(mfs, "nfstrace_probe_status", map[string]string{"probe": tc.probe, "status": tc.status})
		if m == nil {
			t.Errorf("no nfstrace_probe_status{probe=%q,status=%q}", tc.probe, tc.status)
			continue
		}
		if got := m.GetGauge().GetValue(); got != tc.want {
			t.Errorf("nfstrace_probe_status{probe=%q,status=%q} = %v, want %v", tc.probe, tc.status, got, tc.want)
		}
	}
	if n := len(mfs["nfstrace_probe_status"].GetMetric()); n != 3*3 {
		t.Errorf("%d probe status series, want 3 probes × 3 statuses", n)
	}
	problems, err := testutil.CollectAndLint(c, "nfstrace_probe_status")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}

	// A backend without probes (procfs before it lists any) sends none.
	none := gather(t, NewCollector(model.Config{Backend: model.Backend{Name: "procfs"}}, "v", 20))
	if mf := none["nfstrace_probe_status"]; mf != nil {
		t.Errorf("probe status without probes: %v", mf)
	}
}
