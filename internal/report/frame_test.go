package report

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/model"
)

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func TestNewFrameBusyServer(t *testing.T) {
	const n = 10
	f, err := NewFrame(busyConfig(), busyWindow(n), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if f.WindowSec != n || f.Snapshots != n || f.IntervalSec != 1 {
		t.Errorf("window %v s over %d snapshots, interval %v s; want %d s, %d, 1 s", f.WindowSec, f.Snapshots, f.IntervalSec, n, n)
	}
	if !f.Header.NextBootDiffers || f.Header.InstalledKernel != "4.4.0-3-amd64" {
		t.Errorf("header = %+v, want the next-boot warning for 4.4.0-3-amd64", f.Header)
	}
	if want := 8 * time.Millisecond * n; !near(f.Header.TracerCPU, want.Seconds()/n) {
		t.Errorf("tracer cpu = %v, want %v", f.Header.TracerCPU, want.Seconds()/n)
	}

	// One snapshot's D-state per wait site, from the fixture's histograms.
	commit := busySnapshot(0).DState[1].Hist
	write := busySnapshot(0).DState[0].Hist
	if len(f.WaitSites) != 2 {
		t.Fatalf("%d wait sites, want 2: %+v", len(f.WaitSites), f.WaitSites)
	}
	top := f.WaitSites[0]
	if top.Site != stackCommit || top.Device != "sda" || top.Scheduler != "deadline" || top.Threads != 41 {
		t.Errorf("top wait site = %+v, want the commit stack on sda/deadline with 41 threads", top)
	}
	if !near(top.DTimePerSec, commit.Sum().Seconds()) {
		t.Errorf("top D-time/s = %v, want %v", top.DTimePerSec, commit.Sum().Seconds())
	}
	var merged model.Hist
	for range n {
		merged.Merge(&commit)
	}
	if top.Latency.Count != merged.Count || top.Latency.P99Ns != int64(merged.Quantile(0.99)) || top.Latency.MaxNs != int64(700*time.Millisecond) {
		t.Errorf("top latency = %+v, want count %d p99 %d max 700ms", top.Latency, merged.Count, int64(merged.Quantile(0.99)))
	}
	if want := "io_schedule ← wait_on_page_bit ← __filemap_fdatawait_range ← filemap_write_and_wait_range ← ext4_sync_file ← vfs_fsync_range ← nfsd_commit ← nfsd4_commit"; top.Short != want {
		t.Errorf("short stack = %q, want %q", top.Short, want)
	}
	if !slices.Equal(top.Ops, []string{"COMMIT"}) || !slices.Equal(top.Comms, []string{"nfsd"}) {
		t.Errorf("ops %q comms %q, want COMMIT, nfsd", top.Ops, top.Comms)
	}

	// nfsd: share of thread time in D = D-time / (threads x window).
	wantShare := (commit.Sum().Seconds() + write.Sum().Seconds()) / 64
	if f.NFSD.DShare == nil || !near(*f.NFSD.DShare, wantShare) {
		t.Errorf("nfsd D share = %v, want %v", f.NFSD.DShare, wantShare)
	}
	if f.NFSD.Threads != 64 || f.NFSD.InD != 58 {
		t.Errorf("nfsd threads %d in D %d, want 64 and 58", f.NFSD.Threads, f.NFSD.InD)
	}
	// COMPOUND carries the v4 operations and is not counted twice.
	if !near(f.NFSD.OpsPerSec, 1200+410+90) {
		t.Errorf("ops/s = %v, want 1700", f.NFSD.OpsPerSec)
	}
	if len(f.NFSD.Pools) != 1 || !near(f.NFSD.Pools[0].QueuedPerSec, 1900) {
		t.Errorf("pools = %+v, want pool 0 with 1900 sockets queued/s", f.NFSD.Pools)
	}

	ops := map[string]OpRow{}
	for _, o := range f.Ops {
		ops[o.Proto+" "+o.Op] = o
	}
	w := ops["v4 WRITE"]
	if !near(w.PerSec, 1200) || w.Latency == nil || w.Latency.Count != 1200*n || w.TopClient != "10.68.17.21" || !near(w.TopClientShare, 0.75) {
		t.Errorf("v4 WRITE = %+v (latency %+v), want 1200/s, %d RPCs, top client 10.68.17.21 at 75%%", w, w.Latency, 1200*n)
	}
	if c := ops["v4 COMMIT"]; c.Errors != 10*n {
		t.Errorf("v4 COMMIT errors = %d, want %d", c.Errors, 10*n)
	}
	if g := ops["v4 GETATTR"]; g.Latency != nil || !near(g.PerSec, 90) {
		t.Errorf("v4 GETATTR = %+v, want 90/s and no latency (no RPC rows)", g)
	}

	var names []string
	for _, d := range f.Devices {
		names = append(names, d.Name)
	}
	if !slices.Equal(names, []string{"drbd0", "sda", "sdb"}) {
		t.Errorf("devices by utilization = %q, want drbd0 sda sdb", names)
	}
	sda := f.Devices[1]
	if sda.Stats == nil || !near(sda.Stats.ReadIOPS+sda.Stats.WriteIOPS, 3900) || sda.Queue == nil || sda.Service == nil {
		t.Fatalf("sda = %+v, want diskstats and block histograms", sda)
	}
	if sda.Service.MaxNs != int64(3800*time.Microsecond) {
		t.Errorf("sda device max = %v, want 3.8ms", time.Duration(sda.Service.MaxNs))
	}
	if got := f.Load.DByComm; len(got) != 3 || got[0] != (CommCount{"nfsd", 58}) {
		t.Errorf("D by comm = %+v, want nfsd 58 first of 3", got)
	}
}

func TestNewFrameErrors(t *testing.T) {
	if _, err := NewFrame(busyConfig(), nil, Options{}); err == nil {
		t.Error("empty window: no error")
	}
	if _, err := NewFrame(busyConfig(), []*model.Snapshot{busySnapshot(0), nil}, Options{}); err == nil {
		t.Error("nil snapshot: no error")
	}
}

// A scheduler switch inside the window splits devices and wait sites by
// scheduler, keeps the diskstats on the current one, and is listed.
func TestNewFrameSchedulerSwitch(t *testing.T) {
	a, b := busySnapshot(0), busySnapshot(1)
	b.Host.Devices[1].Scheduler = "bfq"
	b.Block[0].Scheduler = "bfq"
	b.DState[1].Scheduler = "bfq"
	b.Host.Changes = []model.SchedChange{{Time: b.Start, Device: "sda", From: "deadline", To: "bfq"}}
	f, err := NewFrame(busyConfig(), []*model.Snapshot{a, b}, Options{Sort: SortDevice})
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, d := range f.Devices {
		if d.Name == "sda" {
			rows = append(rows, d.Scheduler)
			if (d.Stats != nil) != (d.Scheduler == "bfq") {
				t.Errorf("sda/%s: diskstats %v, want them only on the current scheduler", d.Scheduler, d.Stats != nil)
			}
			if d.Service == nil || d.Service.Count != 3500 {
				t.Errorf("sda/%s: service %+v, want one snapshot's 3500 requests", d.Scheduler, d.Service)
			}
		}
	}
	if !slices.Contains(rows, "bfq") || !slices.Contains(rows, "deadline") || len(rows) != 2 {
		t.Errorf("sda rows = %q, want bfq and deadline", rows)
	}
	var scheds []string
	for _, w := range f.WaitSites {
		if w.Site == stackCommit {
			scheds = append(scheds, w.Scheduler)
		}
	}
	slices.Sort(scheds)
	if !slices.Equal(scheds, []string{"bfq", "deadline"}) {
		t.Errorf("commit wait site schedulers = %q, want bfq and deadline", scheds)
	}
	if len(f.Changes) != 1 || f.Changes[0].To != "bfq" {
		t.Errorf("changes = %+v, want deadline → bfq", f.Changes)
	}
}

// Rates are averaged over the window weighted by interval length.
func TestNewFrameWeightedRates(t *testing.T) {
	a := idleSnapshot()
	b := idleSnapshot()
	b.Start, b.End = a.End, a.End.Add(3*time.Second)
	a.Host.Devices[0].WriteIOPS, a.Host.Devices[0].AwaitMs = 100, 1
	b.Host.Devices[0].WriteIOPS, b.Host.Devices[0].AwaitMs = 20, 11
	f, err := NewFrame(idleConfig(), []*model.Snapshot{a, b}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	st := f.Devices[0].Stats
	// (100*1 + 20*3) / 4 = 40 IOPS; await weighted by requests: (100*1 + 60*11) / 160 = 4.75.
	if !near(st.WriteIOPS, 40) || !near(st.AwaitMs, 4.75) {
		t.Errorf("write IOPS %v await %v, want 40 and 4.75", st.WriteIOPS, st.AwaitMs)
	}
}

func TestSortModes(t *testing.T) {
	tests := []struct {
		mode  SortMode
		first model.WaitSite
	}{
		{SortDTime, stackCommit},    // 37.5 s/s beats 16.4 s/s
		{SortWaitSite, stackCommit}, // "io_schedule ..." < "rwsem_down_write_failed ..."
		{SortDevice, stackCommit},   // block IO on sda before waits not on block IO
	}
	for _, tt := range tests {
		t.Run(tt.mode.String(), func(t *testing.T) {
			f, err := NewFrame(busyConfig(), busyWindow(2), Options{Sort: tt.mode})
			if err != nil {
				t.Fatal(err)
			}
			if f.WaitSites[0].Site != tt.first {
				t.Errorf("first wait site = %q, want %q", f.WaitSites[0].Short, tt.first)
			}
			m, err := ParseSortMode(tt.mode.String())
			if err != nil || m != tt.mode {
				t.Errorf("ParseSortMode(%q) = %v, %v", tt.mode.String(), m, err)
			}
		})
	}
	// When the wait not on block IO dominates, D-time order puts it first
	// and device order still puts the wait on sda first.
	heavy := busyWindow(2)
	for _, s := range heavy {
		s.DState[0].Hist = hist(100, 900*time.Millisecond)
	}
	for mode, want := range map[SortMode]model.WaitSite{SortDTime: stackWrite, SortDevice: stackCommit} {
		f, err := NewFrame(busyConfig(), heavy, Options{Sort: mode})
		if err != nil {
			t.Fatal(err)
		}
		if f.WaitSites[0].Site != want {
			t.Errorf("%v with a heavy non-block wait: first %q, want %q", mode, f.WaitSites[0].Short, want)
		}
	}

	f, err := NewFrame(busyConfig(), busyWindow(2), Options{Sort: SortDevice})
	if err != nil {
		t.Fatal(err)
	}
	// By device latency: drbd0's device p99 (4.2ms) above sda's (3.8ms).
	if f.Devices[0].Name != "drbd0" || f.Devices[1].Name != "sda" {
		t.Errorf("devices by latency: %s, %s; want drbd0, sda", f.Devices[0].Name, f.Devices[1].Name)
	}
	if _, err := ParseSortMode("bogus"); err == nil {
		t.Error("ParseSortMode(bogus): no error")
	}
}
