package serve

import (
	"fmt"
	"io"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/nfstrace/nfstrace/internal/model"
)

// busySnapshot is an interval of a busy server: 30 wait sites, 4 devices
// with 2 ops each, 20 nfsd operations from 5 clients.
func busySnapshot(t0 time.Time) *model.Snapshot {
	s := &model.Snapshot{Start: t0, End: t0.Add(time.Second)}
	for i := 0; i < 30; i++ {
		s.DState = append(s.DState, dstate(fmt.Sprintf("schedule;io_schedule;site_%d;nfsd_vfs_write", i), 1000, 200_000, 3_000_000))
	}
	for d := 0; d < 4; d++ {
		for _, op := range []string{"read", "write"} {
			s.Block = append(s.Block, model.Block{Device: fmt.Sprintf("sd%c", 'a'+d), Scheduler: "mq-deadline", Op: op,
				Queue: hist(1000, 5000, 70_000), Service: hist(100_000, 300_000, 4_000_000)})
		}
	}
	for op := 0; op < 20; op++ {
		for c := 0; c < 5; c++ {
			s.RPC = append(s.RPC, model.RPC{Version: "v4.2", Op: fmt.Sprintf("OP%d", op), Client: fmt.Sprintf("10.0.0.%d", c),
				Status: "ok", Hist: hist(20_000, 150_000, 900_000)})
		}
		s.Host.NFSD.Ops = append(s.Host.NFSD.Ops, model.OpCount{Proto: "v4op", Op: fmt.Sprintf("op%d", op), Count: 1000})
	}
	s.Host.NFSD.Pools = []model.Pool{{ID: 0, PacketsArrived: 10000, SocketsQueued: 10, ThreadsWoken: 9990}}
	return s
}

// BenchmarkCollectorUpdate is the per-interval cost of feeding a busy snapshot.
func BenchmarkCollectorUpdate(b *testing.B) {
	c := NewCollector(model.Config{KernelRelease: "6.12", Backend: model.Backend{Name: "ebpf"}}, "bench", 20)
	s := busySnapshot(time.Unix(1_700_000_000, 0))
	b.ReportAllocs()
	for b.Loop() {
		c.Update(s)
	}
}

// BenchmarkScrape is one /metrics request (text format) after a busy snapshot.
func BenchmarkScrape(b *testing.B) {
	c := NewCollector(model.Config{KernelRelease: "6.12", Backend: model.Backend{Name: "ebpf"}}, "bench", 20)
	c.Update(busySnapshot(time.Unix(1_700_000_000, 0)))
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	h := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	req := httptest.NewRequest("GET", "/metrics", nil)
	b.ReportAllocs()
	var n int
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		n = w.Body.Len()
		io.Copy(io.Discard, w.Body)
	}
	b.ReportMetric(float64(n), "bytes/scrape")
}
