package serve

import (
	"bytes"
	"math"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/nfstrace/nfstrace/internal/model"
	"github.com/nfstrace/nfstrace/internal/testenv"
)

func hist(values ...uint64) model.Hist {
	var h model.Hist
	for _, v := range values {
		h.Add(v)
	}
	return h
}

func dstate(site string, ns ...uint64) model.DState {
	return model.DState{Comm: "nfsd", WaitSite: model.WaitSite(site), Threads: 1, Hist: hist(ns...)}
}

// gather returns the collector's metric families by name.
func gather(t *testing.T, c *Collector) map[string]*dto.MetricFamily {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	m := make(map[string]*dto.MetricFamily, len(mfs))
	for _, mf := range mfs {
		m[mf.GetName()] = mf
	}
	return m
}

// find returns the metric of family name whose labels include want.
func find(mfs map[string]*dto.MetricFamily, name string, want map[string]string) *dto.Metric {
	mf := mfs[name]
	if mf == nil {
		return nil
	}
next:
	for _, m := range mf.GetMetric() {
		got := map[string]string{}
		for _, lp := range m.GetLabel() {
			got[lp.GetName()] = lp.GetValue()
		}
		for k, v := range want {
			if got[k] != v {
				continue next
			}
		}
		return m
	}
	return nil
}

func TestShortSite(t *testing.T) {
	for _, tc := range []struct {
		site model.WaitSite
		want string
	}{
		{"", "unknown"},
		{"__schedule;schedule;io_schedule;folio_wait_bit_common;filemap_fdatawait_range;nfsd_commit",
			"io_schedule;folio_wait_bit_common;filemap_fdatawait_range"},
		{"__schedule+0x2f0/0x9b0;schedule+0x27/0xa0;rwsem_down_write_slowpath+0x1c4/0x4d0;nfsd_setattr+0x4b/0x3d0 [nfsd]",
			"rwsem_down_write_slowpath;nfsd_setattr"},
		{"[<0>] io_schedule+0x42/0x70", "io_schedule"},
		{"finish_task_switch.isra.0;__schedule;schedule", "schedule"},
	} {
		if got := ShortSite(tc.site); got != tc.want {
			t.Errorf("ShortSite(%q) = %q, want %q", tc.site, got, tc.want)
		}
	}
}

func TestCollectorCumulative(t *testing.T) {
	cfg := model.Config{KernelRelease: "6.12.0-test", Backend: model.Backend{Name: "ebpf"}, NFSDThreads: 8}
	c := NewCollector(cfg, "v-test", 2)
	t0 := time.Unix(1_700_000_000, 0)
	snaps := []*model.Snapshot{
		{
			Start: t0, End: t0.Add(time.Second),
			Host: model.Host{NFSD: model.NFSD{Running: true, Threads: 8, ThreadsInD: 3,
				Ops:   []model.OpCount{{Proto: "v4op", Op: "write", Count: 10}},
				Pools: []model.Pool{{ID: 0, PacketsArrived: 100, SocketsQueued: 4, ThreadsWoken: 96}}},
				Load: model.Load{DGroups: []model.TaskGroup{
					{Comm: "nfsd", WaitChan: "folio_wait_bit_common", Count: 3, Longest: 2 * time.Second},
					{Comm: "jbd2", WaitChan: "jbd2_journal_commit_transaction", Count: 1, Longest: 9 * time.Second},
				}}},
			RPC: []model.RPC{
				{Version: "v4.2", Op: "WRITE", Client: "10.0.0.1", Status: "ok", Hist: hist(2000, 3000_000)},
				{Version: "v4.2", Op: "WRITE", Client: "10.0.0.2", Status: "ok", Hist: hist(500)},
			},
			DState: []model.DState{
				dstate("schedule;io_schedule;folio_wait_bit", 1_000_000_000),
				dstate("schedule;rwsem_down_write_slowpath;nfsd_setattr", 3_000_000_000),
				dstate("schedule;mutex_lock;nfsd_lookup", 500_000_000), // third site: other
			},
			Block: []model.Block{{Device: "vdb", Scheduler: "mq-deadline", Op: "write",
				Queue: hist(1000, 2000), Service: hist(100_000)}},
			Stats: model.Stats{Events: 50, Lost: 1, CPU: 20 * time.Millisecond},
		},
		{
			Start: t0.Add(time.Second), End: t0.Add(2 * time.Second),
			Host: model.Host{NFSD: model.NFSD{Running: true, Threads: 8, ThreadsInD: 1,
				Ops:   []model.OpCount{{Proto: "v4op", Op: "write", Count: 5}},
				Pools: []model.Pool{{ID: 0, PacketsArrived: 10, SocketsQueued: 1, ThreadsWoken: 9}}},
				// The longest wait in progress is the last snapshot's:
				// jbd2's ended, nfsd's longest is at its second site.
				Load: model.Load{DGroups: []model.TaskGroup{
					{Comm: "nfsd", WaitChan: "folio_wait_bit_common", Count: 1, Longest: 3 * time.Second},
					{Comm: "nfsd", WaitChan: "rwsem_down_write_slowpath", Count: 1, Longest: 7 * time.Second},
					{Comm: "rsync", WaitChan: "folio_wait_bit_common", Count: 1}, // first seen: no figure
				}}},
			DState: []model.DState{
				// a known site keeps its label; a new one goes to other
				dstate("schedule;io_schedule;folio_wait_bit", 250_000_000),
				dstate("schedule;io_schedule;blk_mq_get_tag", 9_000_000_000),
			},
			Block: []model.Block{{Device: "vdb", Scheduler: "mq-deadline", Op: "read", Service: hist(200_000)}},
			// Waits for asynchronous IO: not D state, counted by device.
			AsyncIO: []model.DState{{Comm: "fio", WaitSite: "schedule;read_events;do_io_getevents", Device: "vdb",
				Hist: hist(400_000_000, 100_000_000)}},
			// Their requests' latency, by interface and kind; a kind
			// the tracer does not make is dropped.
			URing: []model.AsyncLat{{Kind: model.AsyncRead, Lat: hist(50_000, 70_000)}},
			AIO:   []model.AsyncLat{{Kind: model.AsyncWrite, Lat: hist(2_000_000)}, {Kind: "bogus", Lat: hist(1)}},
			Stats: model.Stats{Events: 7, CPU: 5 * time.Millisecond},
		},
	}
	for _, s := range snaps {
		c.Update(s)
	}
	mfs := gather(t, c)

	counter := func(name string, labels map[string]string) float64 {
		t.Helper()
		m := find(mfs, name, labels)
		if m == nil {
			t.Fatalf("no %s%v", name, labels)
		}
		if m.GetCounter() != nil {
			return m.GetCounter().GetValue()
		}
		return m.GetGauge().GetValue()
	}
	for _, tc := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"nfstrace_info", map[string]string{"kernel": "6.12.0-test", "backend": "ebpf", "version": "v-test"}, 1},
		{"nfstrace_nfsd_ops_total", map[string]string{"proto": "v4op", "op": "write"}, 15},
		{"nfstrace_dstate_seconds_total", map[string]string{"site": "rwsem_down_write_slowpath;nfsd_setattr"}, 3},
		{"nfstrace_dstate_seconds_total", map[string]string{"site": "io_schedule;folio_wait_bit"}, 1.25},
		{"nfstrace_dstate_seconds_total", map[string]string{"site": OtherSite}, 9.5},
		{"nfstrace_dstate_waits_total", map[string]string{"site": OtherSite}, 2},
		{"nfstrace_async_io_wait_seconds_total", map[string]string{"device": "vdb"}, 0.5},
		{"nfstrace_async_io_waits_total", map[string]string{"device": "vdb"}, 2},
		{"nfstrace_nfsd_threads", nil, 8},
		{"nfstrace_nfsd_threads_in_dstate", nil, 1},
		{"nfstrace_dstate_longest_wait_seconds", map[string]string{"comm": "nfsd"}, 7},
		{"nfstrace_nfsd_pool_packets_arrived_total", map[string]string{"pool": "0"}, 110},
		{"nfstrace_nfsd_pool_sockets_queued_total", map[string]string{"pool": "0"}, 5},
		{"nfstrace_tracer_events_total", nil, 57},
		{"nfstrace_tracer_lost_events_total", nil, 1},
		{"nfstrace_tracer_cpu_seconds_total", nil, 0.025},
		{"nfstrace_snapshots_total", nil, 2},
		{"nfstrace_last_snapshot_timestamp_seconds", nil, 1_700_000_002},
	} {
		if got := counter(tc.name, tc.labels); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("%s%v = %v, want %v", tc.name, tc.labels, got, tc.want)
		}
	}
	if n := len(mfs["nfstrace_dstate_longest_wait_seconds"].GetMetric()); n != 1 {
		t.Errorf("%d series of the longest wait in progress, want nfsd's alone", n)
	}
	if n := len(mfs["nfstrace_dstate_seconds_total"].GetMetric()); n != 3 {
		t.Errorf("%d wait-site series, want 2 sites + other", n)
	}

	// Two clients of WRITE merge into one series by version and op.
	rpc := find(mfs, "nfstrace_nfsd_op_latency_seconds", map[string]string{"version": "v4.2", "op": "WRITE"})
	if rpc == nil || len(mfs["nfstrace_nfsd_op_latency_seconds"].GetMetric()) != 1 {
		t.Fatalf("want one WRITE latency series, got %v", mfs["nfstrace_nfsd_op_latency_seconds"])
	}
	h := rpc.GetHistogram()
	if h.GetSampleCount() != 3 || math.Abs(h.GetSampleSum()-0.0030025) > 1e-12 {
		t.Errorf("WRITE count %d sum %v, want 3 and 0.0030025", h.GetSampleCount(), h.GetSampleSum())
	}
	// 500 ns is below the first bound (1.024 µs); 2 µs below 2.048 µs; 3 ms below 4.19 ms.
	wantCum := map[float64]uint64{1.024e-6: 1, 2.048e-6: 2, 2.097152e-3: 2, 4.194304e-3: 3}
	for _, b := range h.GetBucket() {
		if w, ok := wantCum[b.GetUpperBound()]; ok && b.GetCumulativeCount() != w {
			t.Errorf("WRITE bucket le=%v: %d, want %d", b.GetUpperBound(), b.GetCumulativeCount(), w)
		}
	}

	for _, tc := range []struct {
		phase string
		count uint64
	}{{"queue", 2}, {"device", 2}} {
		m := find(mfs, "nfstrace_block_latency_seconds", map[string]string{"device": "vdb", "scheduler": "mq-deadline", "phase": tc.phase})
		if m == nil || m.GetHistogram().GetSampleCount() != tc.count {
			t.Errorf("block %s: %v, want count %d", tc.phase, m, tc.count)
		}
	}

	for _, tc := range []struct {
		iface, kind string
		count       uint64
		sum         float64
	}{{"io_uring", model.AsyncRead, 2, 120e-6}, {"libaio", model.AsyncWrite, 1, 2e-3}} {
		m := find(mfs, "nfstrace_async_io_latency_seconds", map[string]string{"interface": tc.iface, "kind": tc.kind})
		if m == nil || m.GetHistogram().GetSampleCount() != tc.count || math.Abs(m.GetHistogram().GetSampleSum()-tc.sum) > 1e-12 {
			t.Errorf("async IO latency %s %s: %v, want count %d sum %v", tc.iface, tc.kind, m, tc.count, tc.sum)
		}
	}
	if n := len(mfs["nfstrace_async_io_latency_seconds"].GetMetric()); n != 2 {
		t.Errorf("%d async IO latency series, want 2 (the bogus kind dropped)", n)
	}

	problems, err := testutil.CollectAndLint(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}

// TestCollectorPromtool runs promtool check metrics on the text exposition
// of a populated collector.
func TestCollectorPromtool(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		testenv.Skip(t, "promtool not installed (Debian package prometheus)")
	}
	c := NewCollector(model.Config{KernelRelease: "6.1.0", Backend: model.Backend{Name: "procfs",
		Probes: []model.Probe{{Name: "stack", Status: model.ProbeAttached}}}}, "dev", 20)
	c.Update(&model.Snapshot{
		Start: time.Unix(1, 0), End: time.Unix(2, 0),
		RPC:    []model.RPC{{Version: "v3", Op: "READ", Hist: hist(10_000)}},
		DState: []model.DState{dstate("schedule;io_schedule", 1000)},
		Block:  []model.Block{{Device: "sda", Scheduler: "bfq", Queue: hist(1), Service: hist(10)}},
		Host:   model.Host{NFSD: model.NFSD{Ops: []model.OpCount{{Proto: "v3", Op: "read", Count: 1}}, Pools: []model.Pool{{ID: 0}}}},
	})
	out := promtoolCheck(t, promtool, expose(t, c))
	t.Logf("promtool: %s", out)
}

// expose renders a collector in the Prometheus text format.
func expose(t *testing.T, c prometheus.Collector) []byte {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// promtoolCheck fails t unless promtool accepts text.
func promtoolCheck(t *testing.T, promtool string, text []byte) string {
	t.Helper()
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = bytes.NewReader(text)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check metrics: %v\n%s\ninput:\n%s", err, out, text)
	}
	return strings.TrimSpace(string(out))
}
