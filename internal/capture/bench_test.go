package capture

import (
	"bytes"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/model"
)

// eventGen makes D-state events shaped like a busy NFS server's: 64 nfsd
// threads, arrivals about 10 us apart (100 k/s), durations log-uniform from
// 1 ms to 1 s at nanosecond resolution, 24 wait sites of skewed popularity,
// half the wakers known, a few devices and operations.
type eventGen struct {
	rng   *rand.Rand
	now   int64
	sites []model.WaitSite
	ops   []string
	comms []string
}

func newEventGen(seed uint64) *eventGen {
	g := &eventGen{rng: rand.New(rand.NewPCG(seed, 1)), now: t0.UnixNano()}
	frames := []string{"io_schedule", "folio_wait_bit", "rwsem_down_write_slowpath", "ext4_file_write_iter",
		"nfsd_vfs_write", "nfsd_commit", "jbd2_log_wait_commit", "ext4_sync_file", "blk_mq_get_tag", "mutex_lock"}
	for i := range 24 {
		g.sites = append(g.sites, model.NewWaitSite([]string{frames[i%10], frames[(i+3)%10], frames[(i+7)%10], "nfsd_dispatch", "svc_process"}))
	}
	g.ops = []string{"WRITE", "COMMIT", "READ", "GETATTR", "SETATTR", "CREATE"}
	g.comms = []string{"jbd2/vda1-8", "kworker/u4:2", "kworker/1:1H", "nfsd"}
	return g
}

func (g *eventGen) fill(evs []model.DEvent) {
	for i := range evs {
		g.now += int64(g.rng.ExpFloat64() * 10_000)
		tid := uint32(2000 + g.rng.IntN(64))
		e := model.DEvent{
			Start: g.now,
			Dur:   uint64(math.Exp(math.Log(1e6) + g.rng.Float64()*math.Log(1000))),
			TID:   tid,
			PID:   tid,
			Comm:  "nfsd",
			Site:  g.sites[min(g.rng.IntN(24), g.rng.IntN(24))],
			Op:    g.ops[min(g.rng.IntN(6), g.rng.IntN(6))],
		}
		if g.rng.IntN(2) == 0 {
			w := g.rng.IntN(4)
			e.WakerComm, e.WakerTID = g.comms[w], uint32(100+w)
			e.Device = "vda"
		} else {
			e.Device = model.NotBlockIO
		}
		evs[i] = e
	}
}

// countWriter counts bytes and keeps none.
type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

const perSnapshot = 100_000 // events per one-second snapshot at 100 k/s

// BenchmarkWriteEvents writes events in one-second snapshots of 100 k
// events with a full host view; it reports events/s and bytes/event on disk.
func BenchmarkWriteEvents(b *testing.B) {
	g := newEventGen(1)
	snap := fullSnapshot(0)
	snap.Events = make([]model.DEvent, perSnapshot)
	g.fill(snap.Events)
	var cw countWriter
	w, err := NewWriter(&cw, testMeta(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; done += perSnapshot {
		snap.Events = snap.Events[:min(perSnapshot, b.N-done)]
		if err := w.WriteSnapshot(snap); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(cw.n)/float64(b.N), "bytes/event")
}

// BenchmarkWriteEventsCopies is BenchmarkWriteEvents with every event's
// strings in memory of their own, as from a producer that does not intern
// them: each string costs a hash lookup.
func BenchmarkWriteEventsCopies(b *testing.B) {
	g := newEventGen(1)
	snap := fullSnapshot(0)
	snap.Events = make([]model.DEvent, perSnapshot)
	g.fill(snap.Events)
	for i := range snap.Events {
		e := &snap.Events[i]
		e.Comm, e.Site, e.WakerComm = strings.Clone(e.Comm), model.WaitSite(strings.Clone(string(e.Site))), strings.Clone(e.WakerComm)
		e.Device, e.Op = strings.Clone(e.Device), strings.Clone(e.Op)
	}
	var cw countWriter
	w, err := NewWriter(&cw, testMeta(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for done := 0; done < b.N; done += perSnapshot {
		snap.Events = snap.Events[:min(perSnapshot, b.N-done)]
		if err := w.WriteSnapshot(snap); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// writeBenchCapture writes n events in 100 k-event snapshots to a file.
func writeBenchCapture(b *testing.B, path string, n int) {
	b.Helper()
	g := newEventGen(2)
	w, err := Create(path, testMeta(), Options{Force: true, NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	evs := make([]model.DEvent, perSnapshot)
	for i := 0; n > 0; i++ {
		s := fullSnapshot(i)
		s.Events = evs[:min(n, perSnapshot)]
		g.fill(s.Events)
		if err := w.WriteSnapshot(s); err != nil {
			b.Fatal(err)
		}
		n -= len(s.Events)
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
}

func readFile(b *testing.B, path string, opts ReadOptions) (snaps, events int) {
	r, err := Open(path, opts)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	for {
		s, err := r.Next()
		if errors.Is(err, io.EOF) {
			return snaps, events
		}
		if err != nil {
			b.Fatal(err)
		}
		snaps++
		events += len(s.Events)
	}
}

// BenchmarkReadEvents reads a 2 M-event capture with every event decoded,
// into fresh slices and into reused ones.
func BenchmarkReadEvents(b *testing.B) {
	const n = 2_000_000
	path := filepath.Join(b.TempDir(), "read.cap")
	writeBenchCapture(b, path, n)
	for _, c := range []struct {
		name string
		opts ReadOptions
	}{{"fresh", ReadOptions{}}, {"reuse", ReadOptions{ReuseEvents: true}}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				if _, got := readFile(b, path, c.opts); got != n {
					b.Fatalf("read %d events, want %d", got, n)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkReport10M reads a 10 M-event capture as report does: every
// snapshot (histograms, host view, stats), events skipped through the
// index; and, for comparison, with every event decoded into fresh or
// reused slices.
func BenchmarkReport10M(b *testing.B) {
	const n = 10_000_000
	path := filepath.Join(b.TempDir(), "10m.cap")
	writeBenchCapture(b, path, n)
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		opts ReadOptions
	}{
		{"summary", ReadOptions{SkipEvents: true}},
		{"events-fresh", ReadOptions{}},
		{"events-reuse", ReadOptions{ReuseEvents: true}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for range b.N {
				snaps, _ := readFile(b, path, c.opts)
				if snaps != n/perSnapshot {
					b.Fatalf("%d snapshots", snaps)
				}
			}
			b.ReportMetric(float64(fi.Size())/n, "bytes/event")
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkRecordHour simulates an hour of recording at 100 k events/s (360
// M events in 3600 one-second snapshots, flushed every second) into a
// byte-counting writer, and reports the peak live heap. Run it with
// -benchtime=1x.
func BenchmarkRecordHour(b *testing.B) {
	seconds := 3600
	if testing.Short() {
		seconds = 60
	}
	for range b.N {
		g := newEventGen(3)
		var cw countWriter
		w, err := NewWriter(&cw, testMeta(), Options{})
		if err != nil {
			b.Fatal(err)
		}
		evs := make([]model.DEvent, perSnapshot)
		var peak uint64
		var ms runtime.MemStats
		for i := range seconds {
			s := fullSnapshot(i)
			s.Events = evs
			g.fill(evs)
			if err := w.WriteSnapshot(s); err != nil {
				b.Fatal(err)
			}
			if err := w.Flush(); err != nil {
				b.Fatal(err)
			}
			if i%60 == 0 || i == seconds-1 {
				runtime.GC()
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapAlloc)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(peak)/(1<<20), "MiB-peak-live-heap")
		b.ReportMetric(float64(cw.n)/(1<<20), "MiB-file")
		b.ReportMetric(float64(cw.n)/float64(seconds*perSnapshot), "bytes/event")
	}
}

// TestBenchGeneratorShape checks that the benchmark's events look as
// described, so that the bytes/event figure means what it says.
func TestBenchGeneratorShape(t *testing.T) {
	g := newEventGen(1)
	evs := make([]model.DEvent, 100_000)
	g.fill(evs)
	span := time.Duration(evs[len(evs)-1].Start - evs[0].Start)
	if span < 900*time.Millisecond || span > 1100*time.Millisecond {
		t.Errorf("100 k events span %v, want about 1 s", span)
	}
	var lo, hi int
	for _, e := range evs {
		if e.Dur < 1e6 || e.Dur > 1e9 {
			t.Fatalf("duration %d outside 1 ms to 1 s", e.Dur)
		}
		if e.Dur < 1e7 {
			lo++
		}
		if e.Dur >= 1e8 {
			hi++
		}
	}
	if lo < 30_000 || hi < 30_000 {
		t.Errorf("durations not log-uniform: %d under 10 ms, %d over 100 ms", lo, hi)
	}
	_ = bytes.MinRead
}
