package compare

import (
	"cmp"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/capture"
	"github.com/nfstrace/nfstrace/internal/model"
)

// The synthetic server below is a small simulation, not recorded data: each
// NFS request of an interval is drawn one by one, waits at the wait sites
// of its operation with some probability, and its latency is a base time
// plus those waits; block requests draw service and queue times. Durations
// are log-normal around a median; the load varies by +-10% between
// intervals, so that two captures of one scenario differ as two recordings
// would.

// siteSpec is a wait site of the simulation.
type siteSpec struct {
	frames []string
	op     string  // the NFS operation (v3 procedure) that waits there
	prob   float64 // chance that a request of op waits here
	median time.Duration
	block  bool // waits for a block request on the export's device
	// perIO makes the wait as long as the device's requests (service +
	// queue), like a wait for one's own IO.
	perIO bool
	// client limits the site to the requests of one client ("": all).
	client string
}

type scenario struct {
	kernel  string
	sched   string
	sysctls map[string]string
	sites   []siteSpec
	dev     string        // the export's device
	svc     time.Duration // device service time median
	// dm puts a bio-based device (dm-0, as dm-delay) over dev that adds
	// this delay to every IO: invisible to block request tracing, seen
	// in D-state and /proc/diskstats.
	dm        time.Duration
	queue     time.Duration // scheduler queue time median
	nrReqs    int           // the device's nr_requests (default 256)
	runq      time.Duration // run-queue wait median of each request
	cpus      int           // the host's CPUs (default 2)
	mem       uint64        // the host's memory (default 1 GiB)
	opsPerSec float64
	mix       map[string]float64 // v3 procedure -> share
	base      map[string]time.Duration
	n         int // intervals
	seed      uint64
	// clients, when set, spread the requests evenly over these addresses
	// and label the D-state rows with them; unset, the rows carry no
	// client, as captures from before the D-state client did.
	clients []string
	// files, when set, spread the READs and WRITEs over files by these
	// weights, counted in Snapshot.Files; unset, no file was counted.
	files []float64
}

const (
	siteCommit = "io_schedule;folio_wait_bit_common;folio_wait_writeback;__filemap_fdatawait_range;file_write_and_wait_range;ext4_sync_file;nfsd_commit [nfsd];nfsd3_proc_commit [nfsd];nfsd_dispatch [nfsd];svc_process;nfsd [nfsd];kthread;ret_from_fork"
	siteRwsem  = "__schedule;schedule;rwsem_down_write_slowpath;down_write;ext4_buffered_write_iter;ext4_file_write_iter;do_iter_readv_writev;vfs_iter_write;nfsd_vfs_write [nfsd];nfsd3_proc_write [nfsd];nfsd_dispatch [nfsd];svc_process;nfsd [nfsd];kthread;ret_from_fork"
	siteRead   = "io_schedule;folio_wait_bit_common;filemap_get_pages;filemap_read;ext4_file_read_iter;nfsd_iter_read [nfsd];nfsd_read [nfsd];nfsd3_proc_read [nfsd];nfsd_dispatch [nfsd];svc_process;nfsd [nfsd];kthread;ret_from_fork"
	siteDirty  = "io_schedule_timeout;balance_dirty_pages;balance_dirty_pages_ratelimited_flags;generic_perform_write;ext4_buffered_write_iter;ext4_file_write_iter;do_iter_readv_writev;vfs_iter_write;nfsd_vfs_write [nfsd];nfsd3_proc_write [nfsd];nfsd_dispatch [nfsd];svc_process;nfsd [nfsd];kthread;ret_from_fork"
)

func frames(s string) []string { return model.WaitSite(s).Frames() }

func baseline() scenario {
	return scenario{
		kernel:    "6.1.0-27-cloud-amd64",
		sched:     "mq-deadline",
		sysctls:   map[string]string{"vm.dirty_ratio": "20", "vm.dirty_background_ratio": "10"},
		dev:       "sda",
		svc:       400 * time.Microsecond,
		queue:     30 * time.Microsecond,
		runq:      20 * time.Microsecond,
		opsPerSec: 1500,
		mix:       map[string]float64{"WRITE": 0.35, "READ": 0.35, "COMMIT": 0.1, "GETATTR": 0.2},
		base:      map[string]time.Duration{"WRITE": 150 * time.Microsecond, "READ": 120 * time.Microsecond, "COMMIT": 80 * time.Microsecond, "GETATTR": 40 * time.Microsecond},
		sites: []siteSpec{
			{frames: frames(siteCommit), op: "COMMIT", prob: 0.9, block: true, perIO: true},
			{frames: frames(siteRead), op: "READ", prob: 0.3, block: true, perIO: true},
			{frames: frames(siteRwsem), op: "WRITE", prob: 0.05, median: 200 * time.Microsecond},
		},
		n:    30,
		seed: 1,
	}
}

// pick draws an index by the weights w.
func pick(r *rand.Rand, w []float64) int {
	x := r.Float64() * sum(w)
	for i, v := range w {
		if x < v {
			return i
		}
		x -= v
	}
	return len(w) - 1
}

// filesOf sums an interval's reads and writes per file (fh = index + 1)
// into Snapshot.Files.
func filesOf(ops []model.FileIO) *model.Files {
	f := &model.Files{}
	for i := range ops {
		ops[i].FH = uint32(i + 1)
		if n := ops[i].Ops(); n > 0 {
			f.Count++
			f.Ops += n
			f.Top = append(f.Top, ops[i])
		}
	}
	model.SortBusiest(f.Top)
	if len(f.Top) > model.MaxTopFiles {
		f.Top = f.Top[:model.MaxTopFiles]
	}
	return f
}

func lognormal(r *rand.Rand, median time.Duration, sigma float64) uint64 {
	return uint64(float64(median) * math.Exp(sigma*r.NormFloat64()))
}

// snapshots simulates the scenario.
func (sc scenario) snapshots() []*model.Snapshot {
	r := rand.New(rand.NewPCG(sc.seed, 99))
	start := time.Unix(1_764_000_000, 0).UTC()
	ops := []string{"WRITE", "READ", "COMMIT", "GETATTR"}
	var out []*model.Snapshot
	for i := range sc.n {
		load := 1 + 0.1*(2*r.Float64()-1)
		s := &model.Snapshot{
			Start: start.Add(time.Duration(i) * time.Second),
			End:   start.Add(time.Duration(i+1) * time.Second),
			Stats: model.Stats{Events: 1000},
		}
		nc := max(len(sc.clients), 1)
		dh := make([][]model.Hist, len(sc.sites)) // site, client
		for si := range dh {
			dh[si] = make([]model.Hist, nc)
		}
		rpc := map[string][]model.Hist{} // op -> per client
		runq := map[string]*model.Hist{}
		var svcH, qH model.Hist
		var nops uint64
		fileOps := make([]model.FileIO, len(sc.files))
		for _, op := range ops {
			n := int(sc.opsPerSec * sc.mix[op] * load)
			if n == 0 {
				continue
			}
			s.Host.NFSD.Ops = append(s.Host.NFSD.Ops, model.OpCount{Proto: "v3", Op: op, Count: uint64(n), Rate: float64(n)})
			nops += uint64(n)
			hs := make([]model.Hist, nc)
			rpc[op] = hs
			runq[op] = &model.Hist{}
			for range n {
				ci := 0
				if nc > 1 {
					ci = r.IntN(nc)
				}
				lat := lognormal(r, sc.base[op], 0.3)
				if sc.runq > 0 {
					w := lognormal(r, sc.runq, 0.5)
					runq[op].Add(w)
					lat += w
				}
				for si, st := range sc.sites {
					if st.op != op || (st.client != "" && st.client != sc.clients[ci]) || r.Float64() >= st.prob {
						continue
					}
					var w uint64
					if st.perIO {
						sv, q := lognormal(r, sc.svc, 0.4), lognormal(r, sc.queue, 0.5)
						svcH.Add(sv)
						qH.Add(q)
						w = sv + q
						if sc.dm > 0 {
							w += lognormal(r, sc.dm, 0.1)
						}
					} else {
						w = lognormal(r, st.median, 0.6)
					}
					dh[si][ci].Add(w)
					lat += w
				}
				hs[ci].Add(lat)
				if (op == "READ" || op == "WRITE") && len(sc.files) > 0 {
					f := &fileOps[pick(r, sc.files)]
					if op == "READ" {
						f.Reads++
					} else {
						f.Writes++
					}
				}
			}
			// Background IO: writeback of written data.
			if op == "WRITE" {
				for range n / 2 {
					svcH.Add(lognormal(r, sc.svc, 0.4))
					qH.Add(lognormal(r, sc.queue, 0.5))
				}
			}
		}
		for si, st := range sc.sites {
			for ci := range nc {
				if dh[si][ci].Count == 0 {
					continue
				}
				dev, sched := model.NotBlockIO, model.NotBlockIO
				if st.block && sc.dm == 0 {
					dev, sched = sc.dev, sc.sched
				}
				s.DState = append(s.DState, model.DState{Comm: "nfsd", WaitSite: model.NewWaitSite(st.frames), Device: dev, Scheduler: sched,
					Op: "v3 " + st.op, Client: sc.client(ci, ""), Threads: 4, Hist: dh[si][ci]})
			}
		}
		for _, op := range ops {
			if h := runq[op]; h != nil && h.Count > 0 {
				s.Run = append(s.Run, model.Run{Comm: "nfsd", Op: "v3 " + op, Threads: 8, Runnable: *h, OnCPU: 100 * time.Millisecond})
			}
			for ci, h := range rpc[op] {
				if h.Count > 0 {
					s.RPC = append(s.RPC, model.RPC{Version: "v3", Op: op, Client: sc.client(ci, "10.0.0.7"), Status: "ok", Hist: h})
				}
			}
		}
		s.Block = []model.Block{{Device: sc.dev, Scheduler: sc.sched, Op: "write", Size: "64K", Queue: qH, Service: svcH}}
		iops := float64(svcH.Count)
		await := (float64(svcH.SumNs) + float64(qH.SumNs)) / float64(max(svcH.Count, 1)) / 1e6
		s.Host.Devices = []model.Device{{Name: sc.dev, Scheduler: sc.sched, WriteIOPS: iops, AwaitMs: await, Util: 0.5}}
		if sc.dm > 0 {
			s.Host.Devices = append(s.Host.Devices, model.Device{Name: "dm-0", WriteIOPS: iops, AwaitMs: await + float64(sc.dm)/1e6, Util: 0.9})
		}
		s.Host.NFSD.Running, s.Host.NFSD.Threads = true, 8
		if len(sc.files) > 0 {
			s.Files = filesOf(fileOps)
		}
		out = append(out, s)
	}
	return out
}

// client names client ci, or def when the scenario has no clients.
func (sc scenario) client(ci int, def string) string {
	if len(sc.clients) == 0 {
		return def
	}
	return sc.clients[ci]
}

func (sc scenario) config() model.Config {
	return model.Config{
		Hostname: "lab", KernelRelease: sc.kernel, Cmdline: "root=/dev/vda console=ttyS0",
		CPUs: max(sc.cpus, 2), MemTotal: cmp.Or(sc.mem, 1<<30), NFSDThreads: 8, NFSDVersions: "+3 +4.2",
		Devices: []model.DeviceConfig{{Name: sc.dev, Scheduler: sc.sched, Available: []string{"none", "mq-deadline", "bfq"}, NrRequests: cmp.Or(sc.nrReqs, 256)}},
		Sysctls: sc.sysctls,
		Backend: model.Backend{Name: "ebpf", Detail: "ebpf (ring buffer)", Probes: []model.Probe{{Name: "sched_switch", Status: model.ProbeAttached}}},
		Targets: "comm ^nfsd$",
	}
}

func (sc scenario) capture(name string) *Capture {
	return FromSnapshots(name, capture.Meta{Config: sc.config(), Interval: time.Second}, sc.snapshots())
}

// writeCapture writes the scenario as a capture file.
func (sc scenario) writeFile(t testing.TB, path string) {
	t.Helper()
	w, err := capture.Create(path, capture.Meta{ToolVersion: "test", Config: sc.config(), Interval: time.Second}, capture.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sc.snapshots() {
		if err := w.WriteSnapshot(s); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}
