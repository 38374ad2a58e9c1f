package host

import (
	"os"
	"testing"
)

// BenchmarkSample reads one full sample of this host, alternating between
// two samples like the sampler does.
func BenchmarkSample(b *testing.B) {
	r := liveReader(b)
	var s [2]Sample
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := r.ReadSample(&s[i&1]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(s[0].Threads), "threads")
}

// BenchmarkSampleFixture reads the busy 4.9 NFS server tree: 94 threads,
// 61 of them in D, whose wait channels and stacks are read too.
func BenchmarkSampleFixture(b *testing.B) {
	r, err := NewReader(TreeRoots(fixtures + "/k4.9-nfsd-busy/t1"))
	if err != nil {
		b.Fatal(err)
	}
	var s [2]Sample
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := r.ReadSample(&s[i&1]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkStatic(b *testing.B) {
	r := liveReader(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Static(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseRPC(b *testing.B) {
	in := []byte(rpc612)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseRPC(in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCallCount counts the calls and CPU times of this test process's
// threads (their io and stat files) as the sampler does each interval.
func BenchmarkCallCount(b *testing.B) {
	pid := os.Getpid()
	c, err := NewCallCounter(NewThreadWatch("/proc", Selector{PIDs: map[int]bool{pid: true}}))
	if err != nil {
		b.Fatal(err)
	}
	var n int
	b.ReportAllocs()
	for b.Loop() {
		_, threads, ok, err := c.Count()
		if err != nil || !ok {
			b.Fatalf("Count: ok %v, %v", ok, err)
		}
		n = threads
	}
	b.ReportMetric(float64(n), "threads")
}
