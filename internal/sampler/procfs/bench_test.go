package procfs

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nfstrace/nfstrace/internal/host"
)

// BenchmarkThreadSample is the cost of one thread-sample of a sleeping thread,
// the common case: with the schedstat shortcut (one pread of schedstat, see
// sampleTarget) and without it (preads of schedstat and stat, parse of the
// state). Each includes the estimator step.
func BenchmarkThreadSample(b *testing.B) {
	pid := startHelper(b, "sleepers", "1")
	for _, fast := range []bool{true, false} {
		name := "schedstat-shortcut"
		if !fast {
			name = "stat"
		}
		b.Run(name, func(b *testing.B) {
			tr, err := newTracer(Options{Targets: host.Targets{PIDs: []int{pid}}})
			if err != nil {
				b.Fatal(err)
			}
			defer tr.closeTargets()
			if fast && !tr.fastPath {
				b.Skip("schedstat switch-in count does not work here")
			}
			tr.fastPath = fast
			// The last thread is the helper's locked sleeper.
			tg := tr.targets[len(tr.targets)-1]
			tr.sampleTarget(tg)
			b.ReportAllocs()
			cpu0 := cpuTime(b)
			for b.Loop() {
				tr.sampleTarget(tg)
			}
			b.ReportMetric(float64((cpuTime(b)-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
			if tr.events != uint64(b.N)+1 || tg.fd < 0 {
				b.Fatalf("%d samples counted for %d runs (fd %d)", tr.events, b.N+1, tg.fd)
			}
		})
	}
}

// BenchmarkPass1000 samples 1000 sleeping threads of a helper process (plus
// its runtime threads) once per op, and reports the cost per thread-sample and
// the share of one core that 100 passes per second would take.
func BenchmarkPass1000(b *testing.B) {
	pid := startHelper(b, "sleepers", "1000")
	tr, err := newTracer(Options{Targets: host.Targets{PIDs: []int{pid}}})
	if err != nil {
		b.Fatal(err)
	}
	defer tr.closeTargets()
	n := len(tr.targets)
	if n < 1000 {
		b.Fatalf("%d targets, want at least 1000", n)
	}
	tr.pass()
	ev0, st0 := tr.events, tr.statRead
	b.ReportAllocs()
	start, cpu0 := time.Now(), cpuTime(b)
	for b.Loop() {
		tr.pass()
	}
	perPass := time.Since(start) / time.Duration(b.N)
	cpuPerPass := (cpuTime(b) - cpu0) / time.Duration(b.N)
	b.ReportMetric(float64(cpuPerPass.Nanoseconds())/float64(n), "cpu-ns/thread-sample")
	b.ReportMetric(float64(tr.statRead-st0)/float64(tr.events-ev0), "stat-reads/sample")
	b.ReportMetric(float64(n), "threads")
	b.ReportMetric(float64(perPass.Nanoseconds())/float64(n), "ns/thread-sample")
	b.ReportMetric(100*float64(perPass.Nanoseconds())*100/1e9, "%core@100Hz")
}

// BenchmarkRealtime1000At100Hz runs the real sampler (ticker, goroutines,
// rescans every second) on 1000 sleeping threads at 100 Hz for one second per
// op and reports this process's CPU time as a share of one core, from
// getrusage. Run it with -benchtime=Nx to average N seconds.
func BenchmarkRealtime1000At100Hz(b *testing.B) {
	pid := startHelper(b, "sleepers", "1000")
	tr, err := New(Options{Targets: host.Targets{PIDs: []int{pid}}, Rate: 100})
	if err != nil {
		b.Fatal(err)
	}
	defer tr.Close()
	cpu := func() time.Duration { return cpuTime(b) }
	time.Sleep(100 * time.Millisecond) // let the first passes settle
	missed0 := tr.Missed()
	c0, w0 := cpu(), time.Now()
	for b.Loop() {
		time.Sleep(time.Second)
	}
	c1, w1 := cpu(), time.Now()
	b.ReportMetric(float64(tr.NumTargets()), "threads")
	b.ReportMetric(100*float64(c1-c0)/float64(w1.Sub(w0)), "%core")
	b.ReportMetric(float64(tr.Missed()-missed0)/w1.Sub(w0).Seconds(), "missed-ticks/s")
}

// cpuTime is this process's user and system CPU time: on a shared machine it
// is steadier than wall time, which counts time other processes ran.
func cpuTime(b *testing.B) time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
