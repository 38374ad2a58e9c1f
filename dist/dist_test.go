// Package dist_test checks the files dist/ ships for the fleet: the Grafana
// dashboard and the Prometheus rules must name only metrics serve exports,
// the rules must pass promtool's unit tests, and (fleet_test.go) a real
// Prometheus scraping a real serve must fire them.
package dist_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/nfstrace/nfstrace/internal/model"
	"github.com/nfstrace/nfstrace/internal/serve"
	"github.com/nfstrace/nfstrace/internal/testenv"
)

const (
	dashboardFile = "nfstrace-dashboard.json"
	rulesFile     = "nfstrace-rules.yml"
)

// pending are metrics the dashboard uses before serve exports them (another
// change adds them). A panel using one must say so in its description; once
// serve exports it, the test asks for the note to go.
var pending = map[string]bool{}

const pendingNote = "not yet exported"

// exported returns the names of the metrics serve's registry describes: the
// collector's, plus the process collector serve registers under the
// nfstrace namespace.
func exported(t *testing.T) map[string]bool {
	t.Helper()
	probes := []model.Probe{{Name: "p", Status: model.ProbeAttached}}
	cs := []prometheus.Collector{
		serve.NewCollector(model.Config{Backend: model.Backend{Name: "ebpf", Probes: probes}}, "test", 1),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{Namespace: "nfstrace"}),
	}
	fqName := regexp.MustCompile(`fqName: "([^"]+)"`)
	names := make(map[string]bool)
	for _, c := range cs {
		ch := make(chan *prometheus.Desc, 64)
		go func() { c.Describe(ch); close(ch) }()
		for d := range ch {
			m := fqName.FindStringSubmatch(d.String())
			if m == nil {
				t.Fatalf("no name in descriptor %s", d)
			}
			names[m[1]] = true
		}
	}
	if !names["nfstrace_info"] || !names["nfstrace_process_cpu_seconds_total"] {
		t.Fatalf("descriptors lack nfstrace_info or nfstrace_process_cpu_seconds_total: %v", names)
	}
	return names
}

// identifier matches PromQL metric names, recording-rule names (with
// colons) and label names alike; the callers keep the ones they check.
var identifier = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*`)

// metricNames returns the nfstrace metric names expr uses, with the
// histogram suffixes dropped, and the recording-rule names (level:metric:ops).
func metricNames(expr string) (metrics, recorded []string) {
	for _, id := range identifier.FindAllString(expr, -1) {
		switch {
		case strings.Count(id, ":") == 2 && strings.Contains(id, "nfstrace_"):
			recorded = append(recorded, id)
		case strings.HasPrefix(id, "nfstrace_"):
			for _, suf := range []string{"_bucket", "_sum", "_count"} {
				if base, ok := strings.CutSuffix(id, suf); ok && !strings.HasSuffix(id, "_total") {
					id = base
					break
				}
			}
			metrics = append(metrics, id)
		}
	}
	return metrics, recorded
}

func TestMetricNames(t *testing.T) {
	for _, tc := range []struct {
		expr               string
		metrics, recording string
	}{
		{`histogram_quantile(0.99, sum by (le) (rate(nfstrace_block_latency_seconds_bucket{instance=~"$host"}[5m])))`,
			"nfstrace_block_latency_seconds", ""},
		{`instance:nfstrace_dstate_threads:rate5m / on (instance, job) (nfstrace_nfsd_threads > 0)`,
			"nfstrace_nfsd_threads", "instance:nfstrace_dstate_threads:rate5m"},
		{`rate(nfstrace_tracer_events_total[1m]) + nfstrace_nfsd_ops_total`,
			"nfstrace_tracer_events_total nfstrace_nfsd_ops_total", ""},
		{`up{job="nfstrace"}`, "", ""},
	} {
		m, r := metricNames(tc.expr)
		if got := strings.Join(m, " "); got != tc.metrics {
			t.Errorf("metrics of %s: %q, want %q", tc.expr, got, tc.metrics)
		}
		if got := strings.Join(r, " "); got != tc.recording {
			t.Errorf("recording rules of %s: %q, want %q", tc.expr, got, tc.recording)
		}
	}
}

// dashboard is the part of a Grafana dashboard the tests read.
type dashboard struct {
	Title         string  `json:"title"`
	UID           string  `json:"uid"`
	SchemaVersion int     `json:"schemaVersion"`
	Panels        []panel `json:"panels"`
	Templating    struct {
		List []struct {
			Name       string          `json:"name"`
			Type       string          `json:"type"`
			Query      json.RawMessage `json:"query"`
			Datasource *datasource     `json:"datasource"`
		} `json:"list"`
	} `json:"templating"`
}

type datasource struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type panel struct {
	Type        string      `json:"type"`
	Title       string      `json:"title"`
	Description string      `json:"description"`
	Datasource  *datasource `json:"datasource"`
	Targets     []struct {
		Expr       string      `json:"expr"`
		Datasource *datasource `json:"datasource"`
	} `json:"targets"`
	Panels []panel `json:"panels"` // a collapsed row's
}

// readDashboard parses dist's dashboard and returns it with its panels
// flattened (rows' panels included).
func readDashboard(t *testing.T) (dashboard, []panel) {
	t.Helper()
	b, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	var flat []panel
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			flat = append(flat, p)
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	return d, flat
}

const dsVar = "${datasource}"

// TestDashboard checks that the dashboard imports as is (a schema version,
// the data source a variable, a host variable from a label of a real
// metric) and that every query names metrics serve exports, filtered by
// host.
func TestDashboard(t *testing.T) {
	names := exported(t)
	d, panels := readDashboard(t)
	if d.SchemaVersion < 30 || d.Title == "" || d.UID == "" {
		t.Errorf("schemaVersion %d, title %q, uid %q: want a schema version of Grafana 9 or later, a title and a uid", d.SchemaVersion, d.Title, d.UID)
	}
	vars := make(map[string]int)
	for i, v := range d.Templating.List {
		vars[v.Name] = i
	}
	if i, ok := vars["datasource"]; !ok || d.Templating.List[i].Type != "datasource" || string(d.Templating.List[i].Query) != `"prometheus"` {
		t.Error(`no "datasource" variable of type datasource for prometheus`)
	}
	if i, ok := vars["host"]; !ok {
		t.Error(`no "host" variable`)
	} else {
		v := d.Templating.List[i]
		var q struct {
			Query string `json:"query"`
		}
		if err := json.Unmarshal(v.Query, &q); err != nil {
			t.Fatalf("host variable query: %v", err)
		}
		m := regexp.MustCompile(`^label_values\((\w+), *(\w+)\)$`).FindStringSubmatch(q.Query)
		if v.Type != "query" || m == nil || !names[m[1]] || v.Datasource == nil || v.Datasource.UID != dsVar {
			t.Errorf("host variable: type %q, query %q, data source %v: want label_values of an exported metric from %s", v.Type, q.Query, v.Datasource, dsVar)
		}
	}

	used := make(map[string]bool)
	var queries int
	for _, p := range panels {
		if p.Type == "row" {
			continue
		}
		if len(p.Targets) == 0 || p.Description == "" {
			t.Errorf("panel %q: %d queries, description %q: want queries and a description", p.Title, len(p.Targets), p.Description)
		}
		if p.Datasource == nil || p.Datasource.UID != dsVar {
			t.Errorf("panel %q: data source %v, want %s", p.Title, p.Datasource, dsVar)
		}
		for _, tg := range p.Targets {
			queries++
			if tg.Datasource == nil || tg.Datasource.UID != dsVar {
				t.Errorf("panel %q: query data source %v, want %s", p.Title, tg.Datasource, dsVar)
			}
			if !strings.Contains(tg.Expr, `instance=~"$host"`) {
				t.Errorf("panel %q: %s is not filtered by the host variable", p.Title, tg.Expr)
			}
			metrics, _ := metricNames(tg.Expr)
			if len(metrics) == 0 {
				t.Errorf("panel %q: %s names no nfstrace metric", p.Title, tg.Expr)
			}
			for _, m := range metrics {
				used[m] = true
				switch {
				case pending[m] && names[m] && strings.Contains(p.Description, pendingNote):
					t.Errorf("panel %q: serve now exports %s: drop the %q note from its description", p.Title, m, pendingNote)
				case pending[m] && !names[m] && !strings.Contains(p.Description, pendingNote):
					t.Errorf("panel %q uses %s, which serve does not export yet: its description must say %q", p.Title, m, pendingNote)
				case !pending[m] && !names[m]:
					t.Errorf("panel %q: %s is not a metric serve exports", p.Title, m)
				}
			}
		}
	}
	if queries == 0 {
		t.Fatal("the dashboard has no queries")
	}
	// The signals issue 16 asks the dashboard to show.
	for _, m := range []string{"nfstrace_nfsd_op_latency_seconds", "nfstrace_dstate_seconds_total",
		"nfstrace_block_latency_seconds", "nfstrace_tracer_lost_events_total", "nfstrace_tracer_cpu_seconds_total",
		"nfstrace_info", "nfstrace_probe_status", "nfstrace_nfsd_queue_wait_seconds", "nfstrace_nfsd_threads_busy_ratio"} {
		if !used[m] {
			t.Errorf("no panel shows %s", m)
		}
	}
}

// TestRulesMetricNames checks that the rules use only metrics serve exports
// and recording rules the file defines.
func TestRulesMetricNames(t *testing.T) {
	names := exported(t)
	b, err := os.ReadFile(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	defined := make(map[string]bool)
	for _, m := range regexp.MustCompile(`(?m)^\s*- record: (\S+)$`).FindAllStringSubmatch(string(b), -1) {
		defined[m[1]] = true
	}
	if len(defined) == 0 {
		t.Fatal("no recording rules")
	}
	var alerts int
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "#") || strings.HasPrefix(line, "- record:") {
			continue
		}
		if strings.HasPrefix(line, "- alert:") {
			alerts++
		}
		metrics, recorded := metricNames(line)
		for _, m := range metrics {
			if !names[m] {
				t.Errorf("%s: %s is not a metric serve exports (line %q)", rulesFile, m, line)
			}
		}
		for _, r := range recorded {
			if !defined[r] {
				t.Errorf("%s: %s is not recorded by any rule (line %q)", rulesFile, r, line)
			}
		}
	}
	if alerts == 0 {
		t.Error("no alerting rules")
	}
}

// promtool returns the path of promtool, or skips.
func promtool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err != nil {
		testenv.Skip(t, "promtool not installed (Debian package prometheus)")
	}
	return p
}

// TestRulesPromtool checks the rules file and runs its unit tests
// (tests/rules_test.yml) with promtool.
func TestRulesPromtool(t *testing.T) {
	pt := promtool(t)
	for _, args := range [][]string{
		{"check", "rules", rulesFile},
		{"test", "rules", "tests/rules_test.yml"},
	} {
		out, err := exec.Command(pt, args...).CombinedOutput()
		if err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
			continue
		}
		t.Logf("promtool %s: %s", strings.Join(args, " "), strings.TrimSpace(string(out)))
	}
}
