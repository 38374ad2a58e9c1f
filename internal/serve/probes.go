package serve

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/nfstrace/nfstrace/internal/model"
)

// probeStatuses are the states a probe can be in, in the order they are
// exported.
var probeStatuses = [...]string{model.ProbeAttached, model.ProbeFallback, model.ProbeUnavailable}

// newProbeDesc names the per-probe status metric: a state set, as
// node_exporter exports systemd units, so that
// nfstrace_probe_status{status="fallback"} == 1 selects the probes that fell
// back and sum by (status) counts them across a fleet.
func newProbeDesc() *prometheus.Desc {
	return prometheus.NewDesc("nfstrace_probe_status",
		"1 for the state each instrumentation probe is in (attached, fallback: attached another way with less detail, unavailable: not attached), 0 for the others; as nfstrace check prints them.",
		[]string{"probe", "status"}, nil)
}

// collectProbes sends one series per probe and status. A probe listed twice
// (it is not, today) keeps its first status, so that no series is sent twice.
func collectProbes(ch chan<- prometheus.Metric, desc *prometheus.Desc, probes []model.Probe) {
	seen := make(map[string]bool, len(probes))
	for _, p := range probes {
		if seen[p.Name] {
			continue
		}
		seen[p.Name] = true
		for _, s := range probeStatuses {
			v := 0.0
			if p.Status == s {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, v, p.Name, s)
		}
	}
}
