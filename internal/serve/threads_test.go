package serve

import (
	"strings"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/model"
)

func TestThreadMetrics(t *testing.T) {
	start := time.Unix(1700000000, 0)
	snap := func(u *model.ThreadUse) *model.Snapshot {
		s := &model.Snapshot{Start: start, End: start.Add(2 * time.Second), Threads: u}
		s.Host.NFSD.Threads = 8
		s.Host.NFSD.Pools = []model.Pool{{PacketsArrived: 500, SocketsQueued: 500, ThreadsWoken: 450}}
		return s
	}
	tests := []struct {
		name   string
		snaps  []*model.Snapshot
		ratio  float64 // -1: absent
		counts map[string]float64
	}{
		{"procfs: pool_stats estimate, no busy", []*model.Snapshot{snap(nil), snap(nil)}, -1, map[string]float64{
			"nfstrace_nfsd_requests_no_idle_thread_total/pool_stats": 100,
			"nfstrace_nfsd_requests_arrived_total/pool_stats":        1000,
		}},
		{"eBPF with a no-idle tracepoint", []*model.Snapshot{
			snap(&model.ThreadUse{BusyNs: 4e9, Wakeups: 300, NoIdle: 30, NoIdleFrom: "sunrpc:svc_pool_thread_noidle"}),
			snap(&model.ThreadUse{BusyNs: 12e9, Wakeups: 300, NoIdle: 90, NoIdleFrom: "sunrpc:svc_pool_thread_noidle"}),
		}, 0.75, map[string]float64{
			"nfstrace_nfsd_requests_no_idle_thread_total/tracepoint": 120,
			"nfstrace_nfsd_requests_arrived_total/tracepoint":        600,
			"nfstrace_nfsd_threads_busy_seconds_total/":              16,
		}},
		{"eBPF without one: busy, and the estimate", []*model.Snapshot{snap(&model.ThreadUse{BusyNs: 2e9})}, 0.125, map[string]float64{
			"nfstrace_nfsd_requests_no_idle_thread_total/pool_stats": 50,
			"nfstrace_nfsd_threads_busy_seconds_total/":              2,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewCollector(model.Config{}, "test", 4)
			for _, s := range tt.snaps {
				c.Update(s)
			}
			mfs := gather(t, c)
			m := find(mfs, "nfstrace_nfsd_threads_busy_ratio", nil)
			switch {
			case tt.ratio < 0 && m != nil:
				t.Errorf("busy ratio %v without a measurement", m.GetGauge().GetValue())
			case tt.ratio >= 0 && (m == nil || m.GetGauge().GetValue() != tt.ratio):
				t.Errorf("busy ratio %v, want %v", m, tt.ratio)
			}
			for key, want := range tt.counts {
				name, src, _ := strings.Cut(key, "/")
				labels := map[string]string{}
				if src != "" {
					labels["source"] = src
				}
				m := find(mfs, name, labels)
				if m == nil {
					t.Errorf("%s: missing", key)
					continue
				}
				if got := m.GetCounter().GetValue(); got != want {
					t.Errorf("%s = %v, want %v", key, got, want)
				}
			}
		})
	}
}
