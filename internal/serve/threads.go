package serve

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/nfstrace/nfstrace/internal/model"
)

// Values of the source label of the no-idle-thread series.
const (
	SourceTracepoint = "tracepoint" // counted by a sunrpc tracepoint (eBPF)
	SourcePoolStats  = "pool_stats" // estimated from /proc/fs/nfsd/pool_stats
)

// threadMetrics are the nfsd thread-use series: how busy the threads are
// and how often an arriving request found none idle (saturation).
type threadMetrics struct {
	busyRatio, busySec *prometheus.Desc
	noIdle, arrivals   *prometheus.Desc

	busy      float64 // share of the last interval, when measured
	hasBusy   bool
	busyNs    uint64
	noIdleN   map[string]uint64 // by source
	arrivalsN map[string]uint64
}

func newThreadMetrics() threadMetrics {
	return threadMetrics{
		busyRatio: prometheus.NewDesc("nfstrace_nfsd_threads_busy_ratio",
			"Share of the nfsd threads' time spent serving requests over the last interval (eBPF: the service times of the requests that ended, over threads x interval, at most 1): saturation near 1.", nil, nil),
		busySec: prometheus.NewDesc("nfstrace_nfsd_threads_busy_seconds_total",
			"nfsd thread time spent serving requests (eBPF), as nfstrace_nfsd_threads_busy_ratio.", nil, nil),
		noIdle: prometheus.NewDesc("nfstrace_nfsd_requests_no_idle_thread_total",
			"Arriving nfsd requests that found no idle thread and had to queue, by source: \"tracepoint\" (counted by sunrpc tracepoints) or \"pool_stats\" (estimated from /proc/fs/nfsd/pool_stats where no tracepoint counts them).",
			[]string{"source"}, nil),
		arrivals: prometheus.NewDesc("nfstrace_nfsd_requests_arrived_total",
			"Arriving nfsd requests that looked for an idle thread, by source (as nfstrace_nfsd_requests_no_idle_thread_total, whose denominator it is).",
			[]string{"source"}, nil),
		noIdleN:   make(map[string]uint64),
		arrivalsN: make(map[string]uint64),
	}
}

func (m *threadMetrics) update(s *model.Snapshot) {
	m.busy, m.hasBusy = s.BusyRatio()
	if s.Threads != nil {
		m.busyNs += s.Threads.BusyNs
	}
	if u := s.Threads; u != nil && u.NoIdleFrom != "" {
		m.noIdleN[SourceTracepoint] += u.NoIdle
		m.arrivalsN[SourceTracepoint] += u.Wakeups
		return
	}
	if len(s.Host.NFSD.Pools) > 0 {
		n, a := model.PoolsNoIdle(s.Host.NFSD.Pools)
		m.noIdleN[SourcePoolStats] += n
		m.arrivalsN[SourcePoolStats] += a
	}
}

func (m *threadMetrics) describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{m.busyRatio, m.busySec, m.noIdle, m.arrivals} {
		ch <- d
	}
}

func (m *threadMetrics) collect(ch chan<- prometheus.Metric) {
	if m.hasBusy {
		ch <- prometheus.MustNewConstMetric(m.busyRatio, prometheus.GaugeValue, m.busy)
	}
	if m.busyNs > 0 || m.hasBusy {
		ch <- prometheus.MustNewConstMetric(m.busySec, prometheus.CounterValue, float64(m.busyNs)/1e9)
	}
	for src, n := range m.noIdleN {
		ch <- prometheus.MustNewConstMetric(m.noIdle, prometheus.CounterValue, float64(n), src)
		ch <- prometheus.MustNewConstMetric(m.arrivals, prometheus.CounterValue, float64(m.arrivalsN[src]), src)
	}
}
