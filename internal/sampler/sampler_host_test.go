package sampler

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/host"
	"github.com/nfstrace/nfstrace/internal/model"
	"github.com/nfstrace/nfstrace/internal/testenv"
)

const fixtures = "../../testdata/hosts"

func TestDeltas(t *testing.T) {
	tests := []struct {
		name           string
		prev, cur      uint64
		want64, want32 uint64
	}{
		{"growth", 100, 150, 50, 50},
		{"no change", 7, 7, 0, 0},
		{"reset to small", 5000, 12, 12, 12},
		{"32-bit wrap", 4200000000, 55032704, 55032704, 150000000},
		{"32-bit wrap at the edge", math.MaxUint32, 0, 0, 1},
		{"drop too large for a wrap", 3000000000, 5, 5, 5},
		{"64-bit drop", 1 << 40, 3, 3, 3},
	}
	for _, tt := range tests {
		if got := delta64(tt.prev, tt.cur); got != tt.want64 {
			t.Errorf("%s: delta64(%d, %d) = %d, want %d", tt.name, tt.prev, tt.cur, got, tt.want64)
		}
		if got := delta32(tt.prev, tt.cur); got != tt.want32 {
			t.Errorf("%s: delta32(%d, %d) = %d, want %d", tt.name, tt.prev, tt.cur, got, tt.want32)
		}
	}
}

func disk(name string, reads, writes, rticks, wticks, ioticks uint64) host.Disk {
	return host.Disk{Major: 8, Name: name, Fields: 20, ReadIOs: reads, WriteIOs: writes,
		ReadSectors: reads * 8, WriteSectors: writes * 16, ReadTicks: rticks, WriteTicks: wticks, IOTicks: ioticks}
}

func TestHostViewDevices(t *testing.T) {
	end := time.Date(2017, 6, 29, 22, 16, 0, 0, time.UTC)
	prev := &host.Sample{Disks: []host.Disk{
		disk("sda", 1000, 2000, 500, 4294967000, 100),
		disk("sdb", 50, 60, 10, 10, 10),
		disk("sdc", 7000, 9000, 900, 900, 900), // removed and re-added below
		disk("gone", 1, 1, 1, 1, 1),
	}}
	prev.Disks[0].Scheduler = "deadline"
	prev.Disks[1].Scheduler = "mq-deadline"
	cur := &host.Sample{Disks: []host.Disk{
		disk("sda", 1100, 2300, 700, 904, 2100), // write ticks wrapped at 2^32
		disk("sdb", 50, 60, 10, 10, 10),
		disk("sdc", 30, 20, 40, 60, 50),
		disk("new", 10, 0, 5, 0, 5),
	}}
	cur.Disks[0].Scheduler = "cfq"
	cur.Disks[0].InFlight = 12
	cur.Disks[1].Scheduler = "mq-deadline"
	cur.Disks[1].FlushIOs, cur.Disks[1].FlushTicks = 4, 8 // only flushes this interval

	h := HostView(prev, cur, 2*time.Second, end)
	byName := map[string]model.Device{}
	for _, d := range h.Devices {
		byName[d.Name] = d
	}
	if len(h.Devices) != 4 || h.Devices[0].Name != "sda" || h.Devices[3].Name != "new" {
		t.Fatalf("devices %+v", h.Devices)
	}
	sda := byName["sda"]
	// 100 reads, 300 writes in 2 s; ticks 200 + (904 + 2^32 - 4294967000) = 200 + 1200.
	want := model.Device{Name: "sda", Scheduler: "cfq", ReadIOPS: 50, WriteIOPS: 150,
		ReadBps: 100 * 8 * 512 / 2, WriteBps: 300 * 16 * 512 / 2, AwaitMs: 1400.0 / 400, Util: 1, InFlight: 12}
	if sda != want {
		t.Errorf("sda\n got  %+v\n want %+v", sda, want)
	}
	sdb := byName["sdb"]
	if sdb.ReadIOPS != 0 || sdb.WriteIOPS != 0 || sdb.AwaitMs != 2 || sdb.Util != 0 {
		t.Errorf("sdb %+v: flushes count in await", sdb)
	}
	// sdc went back: a new device behind the same name counts from zero.
	sdc := byName["sdc"]
	if sdc.ReadIOPS != 15 || sdc.WriteIOPS != 10 || sdc.AwaitMs != 2 || sdc.Util != 0.025 {
		t.Errorf("sdc %+v", sdc)
	}
	if n := byName["new"]; n.ReadIOPS != 5 || n.Util != 0.0025 {
		t.Errorf("new %+v", n)
	}
	wantChanges := []model.SchedChange{{Time: end, Device: "sda", From: "deadline", To: "cfq"}}
	if !reflect.DeepEqual(h.Changes, wantChanges) {
		t.Errorf("changes %+v", h.Changes)
	}

	// A zero interval gives no rates, not infinities.
	h = HostView(prev, cur, 0, end)
	for _, d := range h.Devices {
		if d.ReadIOPS != 0 || d.Util != 0 || math.IsInf(d.WriteBps, 0) || math.IsNaN(d.AwaitMs) {
			t.Errorf("zero interval: %+v", d)
		}
	}
}

func TestHostViewNFSD(t *testing.T) {
	prev := &host.Sample{NFSD: host.NFSD{Present: true, Threads: 8,
		Pools: []host.Pool{{ID: 0, PacketsArrived: 1000, SocketsQueued: 10, ThreadsWoken: 900}, {ID: 1, PacketsArrived: 5000}},
		RPC: &host.RPC{RCHits: 1, RCMisses: 100, RCNoCache: 4294967000, ReadBytes: 4294967000, WriteBytes: 10,
			Proc3: []uint64{0, 10, 0, 5, 0, 0, 0, 100}, Proc4: []uint64{0, 40}, Proc4Ops: []uint64{0, 0, 0, 7}},
	}}
	cur := &host.Sample{
		NFSD: host.NFSD{Present: true, Threads: 8,
			// Pool 1 restarted (nfsd restart resets pool counters), pool 2 is new.
			Pools: []host.Pool{{ID: 0, PacketsArrived: 1500, SocketsQueued: 10, ThreadsWoken: 1300}, {ID: 1, PacketsArrived: 30}, {ID: 2, PacketsArrived: 4}},
			RPC: &host.RPC{RCHits: 1, RCMisses: 150, RCNoCache: 200, ReadBytes: 704, WriteBytes: 4010,
				// A newer kernel's longer proc3 line: the extra procedure counts too.
				Proc3: []uint64{0, 30, 0, 5, 0, 0, 0, 160, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2},
				Proc4: []uint64{0, 41}, Proc4Ops: []uint64{0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3}},
		},
		DTasks: []host.Task{{Comm: "nfsd"}, {Comm: "nfsd"}, {Comm: "nfsd-like"}},
	}
	h := HostView(prev, cur, 2*time.Second, time.Time{})
	n := h.NFSD
	if !n.Running || n.Threads != 8 || n.ThreadsInD != 2 {
		t.Errorf("running %v threads %d in D %d", n.Running, n.Threads, n.ThreadsInD)
	}
	wantPools := []model.Pool{{ID: 0, PacketsArrived: 500, ThreadsWoken: 400}, {ID: 1, PacketsArrived: 30}, {ID: 2, PacketsArrived: 4}}
	if !reflect.DeepEqual(n.Pools, wantPools) {
		t.Errorf("pools %+v", n.Pools)
	}
	// 32-bit reply cache and byte counters that wrapped.
	if n.RCHits != 0 || n.RCMisses != 50 || n.RCNoCache != 496 || n.ReadBytes != 1000 || n.WriteBytes != 4000 {
		t.Errorf("rc %d %d %d io %d %d", n.RCHits, n.RCMisses, n.RCNoCache, n.ReadBytes, n.WriteBytes)
	}
	wantOps := []model.OpCount{
		{Proto: "v3", Op: "WRITE", Count: 60, Rate: 30},
		{Proto: "v3", Op: "GETATTR", Count: 20, Rate: 10},
		{Proto: "v4op", Op: "WRITE", Count: 3, Rate: 1.5},
		{Proto: "v3", Op: "PROC_22", Count: 2, Rate: 1},
		{Proto: "v4", Op: "COMPOUND", Count: 1, Rate: 0.5},
	}
	if !reflect.DeepEqual(n.Ops, wantOps) {
		t.Errorf("ops\n got  %+v\n want %+v", n.Ops, wantOps)
	}

	// nfsd gone (module unloaded): not running, no counters, no error.
	h = HostView(prev, &host.Sample{}, time.Second, time.Time{})
	if h.NFSD.Running || h.NFSD.Ops != nil || h.NFSD.Pools != nil || h.NFSD.RCMisses != 0 {
		t.Errorf("no nfsd: %+v", h.NFSD)
	}
	// nfsd loaded during the interval: everything counted since is this interval's.
	h = HostView(&host.Sample{}, cur, time.Second, time.Time{})
	if h.NFSD.RCMisses != 150 || len(h.NFSD.Ops) != 7 {
		t.Errorf("nfsd appeared: rc misses %d, %d ops", h.NFSD.RCMisses, len(h.NFSD.Ops))
	}
}

func TestHostViewLoadAndPressure(t *testing.T) {
	prev := &host.Sample{IOPressure: &host.Pressure{Some: host.PressureLine{Total: 1000}, Full: host.PressureLine{Total: 500}, HasFull: true}}
	cur := &host.Sample{
		Load:         host.LoadAvg{Load1: 87.4, Load5: 64.1, Load15: 35.2},
		ProcsRunning: 3,
		DTasks:       []host.Task{{Comm: "nfsd", WChan: "x"}, {Comm: "rsync", WChan: "y"}},
		IOPressure:   &host.Pressure{Some: host.PressureLine{Avg10: 71.2, Total: 711000}, Full: host.PressureLine{Avg10: 64.5, Total: 645500}, HasFull: true},
	}
	h := HostView(prev, cur, time.Second, time.Time{})
	if h.Load.Avg1 != 87.4 || h.Load.Avg15 != 35.2 || h.Load.Running != 3 || h.Load.InD != 2 || len(h.Load.DGroups) != 2 {
		t.Errorf("load %+v", h.Load)
	}
	want := &model.Pressure{SomeAvg10: 71.2, FullAvg10: 64.5, SomeUs: 710000, FullUs: 645000}
	if !reflect.DeepEqual(h.Pressure, want) {
		t.Errorf("pressure %+v", h.Pressure)
	}
	// PSI appearing (first sample without it) gives averages but no deltas.
	h = HostView(&host.Sample{}, cur, time.Second, time.Time{})
	if h.Pressure == nil || h.Pressure.SomeUs != 0 || h.Pressure.SomeAvg10 != 71.2 {
		t.Errorf("pressure without previous %+v", h.Pressure)
	}
	if h := HostView(prev, &host.Sample{}, time.Second, time.Time{}); h.Pressure != nil {
		t.Errorf("no PSI now, got %+v", h.Pressure)
	}
	// No previous sample at all: gauges only.
	if h := HostView(nil, cur, time.Second, time.Time{}); h.Load.InD != 2 || h.Pressure.SomeUs != 0 {
		t.Errorf("nil prev: %+v", h)
	}
}

func TestGroupDTasks(t *testing.T) {
	commit := []string{"wait_on_page_bit", "__filemap_fdatawait_range", "filemap_fdatawait_range",
		"filemap_write_and_wait_range", "ext4_sync_file", "vfs_fsync_range", "nfsd_commit", "nfsd3_proc_commit",
		"nfsd_dispatch", "svc_process_common", "svc_process", "nfsd", "kthread", "ret_from_fork"}
	write := []string{"call_rwsem_down_write_failed", "ext4_file_write_iter", "nfsd_vfs_write", "nfsd", "kthread", "ret_from_fork"}
	long := make([]string, 20)
	for i := range long {
		long[i] = "f" + strings.Repeat("x", i)
	}
	const now = 100 * time.Second
	tasks := []host.Task{
		{Comm: "nfsd", WChan: "call_rwsem_down_write_failed", Stack: write, Since: now}, // first seen now
		{Comm: "nfsd", WChan: "wait_on_page_bit", Stack: commit, Since: 40 * time.Second},
		{Comm: "nfsd", WChan: "wait_on_page_bit", Stack: commit, Since: 97 * time.Second},
		{Comm: "nfsd", WChan: "call_rwsem_down_write_failed", Stack: write},
		{Comm: "nfsd", WChan: "wait_on_page_bit", Stack: commit},
		{Comm: "kworker/u66:2", WChan: "get_request"},
		{Comm: "kworker/u66:7", WChan: "get_request"},
		{Comm: "rsync", WChan: "wait_on_page_bit_killable", Stack: []string{"wait_on_page_bit_killable", "vfs_read", "SyS_read", "entry_SYSCALL_64_fastpath"}},
		{Comm: "deep", Stack: long},
	}
	got := GroupDTasks(tasks, now)
	want := []model.TaskGroup{
		{Comm: "nfsd", WaitChan: "wait_on_page_bit", Stack: model.NewWaitSite(commit[:12]), Count: 3, Longest: 60 * time.Second},
		{Comm: "kworker", WaitChan: "get_request", Count: 2},
		{Comm: "nfsd", WaitChan: "call_rwsem_down_write_failed", Stack: model.NewWaitSite(write[:4]), Count: 2},
		{Comm: "deep", Stack: model.NewWaitSite(long[:MaxStackFrames]), Count: 1},
		{Comm: "rsync", WaitChan: "wait_on_page_bit_killable", Stack: "wait_on_page_bit_killable;vfs_read;SyS_read", Count: 1},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("groups\n got  %+v\n want %+v", got, want)
	}
	if GroupDTasks(nil, now) != nil {
		t.Error("groups of no tasks")
	}
	// The input stacks are not modified.
	if len(commit) != 14 || commit[12] != "kthread" {
		t.Errorf("input stack changed: %q", commit)
	}
}

func TestConfigFrom(t *testing.T) {
	st := &host.Static{
		Hostname: "labstore1004", KernelRelease: "4.9.0-0.bpo.3-amd64", KernelVersion: "#1 SMP Debian 4.9.25-1~bpo8+3",
		Cmdline: "ro quiet", BootID: "b", CPUs: 32, MemTotal: 1 << 36,
		InstalledKernels: []string{"4.4.0-3-amd64", "4.9.0-0.bpo.3-amd64"}, NewestKernel: "4.9.0-0.bpo.3-amd64",
		NextBootKernel: "4.4.0-3-amd64", NextBootFrom: host.FromSaved,
		Devices: []host.DeviceConfig{{Name: "sda", Scheduler: "deadline", Available: []string{"noop", "deadline", "cfq"}, Rotational: true, NrRequests: 128}},
		Sysctls: map[string]string{"vm.dirty_ratio": "20"},
		NFSD:    host.NFSDConfig{Present: true, Threads: 64, Versions: "+3 +4"},
	}
	c := ConfigFrom(st)
	want := model.Config{
		Hostname: "labstore1004", KernelRelease: "4.9.0-0.bpo.3-amd64", KernelVersion: "#1 SMP Debian 4.9.25-1~bpo8+3",
		Cmdline: "ro quiet", InstalledKernel: "4.9.0-0.bpo.3-amd64", NextBootKernel: "4.4.0-3-amd64",
		NextBootFrom: "grub saved_entry", BootID: "b", CPUs: 32, MemTotal: 1 << 36,
		Devices: []model.DeviceConfig{{Name: "sda", Scheduler: "deadline", Available: []string{"noop", "deadline", "cfq"}, Rotational: true, NrRequests: 128}},
		Sysctls: map[string]string{"vm.dirty_ratio": "20"}, NFSDThreads: 64, NFSDVersions: "+3 +4",
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("config\n got  %+v\n want %+v", c, want)
	}
	// The newest kernel runs, but GRUB's saved entry boots 4.4 next: the
	// incident's trap, which the header must warn about.
	if !c.NextBootDiffers() || c.NextBoot() != "4.4.0-3-amd64" {
		t.Errorf("NextBootDiffers() = %v, NextBoot() = %q; want true, 4.4.0-3-amd64", c.NextBootDiffers(), c.NextBoot())
	}
	// The config does not share memory with the static configuration.
	st.Sysctls["vm.dirty_ratio"] = "40"
	st.Devices[0].Available[0] = "none"
	if c.Sysctls["vm.dirty_ratio"] != "20" || c.Devices[0].Available[0] != "noop" {
		t.Error("config aliases the static configuration")
	}
}

func fixtureReader(t *testing.T, name, at string) *host.Reader {
	t.Helper()
	r, err := host.NewReader(host.TreeRoots(filepath.Join(fixtures, name, at)))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func replay(t *testing.T, name string, tr Tracer) (model.Config, *model.Snapshot) {
	t.Helper()
	start := time.Date(2017, 6, 29, 18, 34, 0, 0, time.UTC)
	cfg, snap, err := Replay(fixtureReader(t, name, "t0"), fixtureReader(t, name, "t1"), tr, start, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if !snap.Start.Equal(start) || !snap.End.Equal(start.Add(time.Second)) || !cfg.Start.Equal(start) {
		t.Errorf("times %v %v, config start %v", snap.Start, snap.End, cfg.Start)
	}
	if snap.Stats.CPU != 0 {
		t.Errorf("replay CPU %v, want 0 for determinism", snap.Stats.CPU)
	}
	return cfg, snap
}

func opRate(ops []model.OpCount, proto, op string) float64 {
	for _, o := range ops {
		if o.Proto == proto && o.Op == op {
			return o.Rate
		}
	}
	return -1
}

func TestReplay49Busy(t *testing.T) {
	cfg, snap := replay(t, "k4.9-nfsd-busy", nil)
	if cfg.Hostname != "labstore1004" || cfg.KernelRelease != "4.9.0-0.bpo.3-amd64" || !cfg.NextBootDiffers() ||
		cfg.NextBootKernel != "4.4.0-3-amd64" || cfg.NextBootFrom != "grub saved_entry" ||
		cfg.NFSDThreads != 64 || cfg.Backend.Name != "none" || len(cfg.Devices) != 5 {
		t.Errorf("config %+v", cfg)
	}
	h := snap.Host
	// load 87.6 = 3 running + 61 in D: nfsd 58, jbd2, a flusher, rsync.
	if h.Load.Avg1 != 87.61 || h.Load.Running != 3 || h.Load.InD != 61 {
		t.Errorf("load %+v", h.Load)
	}
	g := h.Load.DGroups
	if len(g) != 5 || g[0].Comm != "nfsd" || g[0].WaitChan != "wait_on_page_bit" || g[0].Count != 41 ||
		g[1].WaitChan != "call_rwsem_down_write_failed" || g[1].Count != 17 {
		t.Fatalf("groups %+v", g)
	}
	if !strings.Contains(string(g[0].Stack), ";nfsd_commit;") || !strings.Contains(string(g[1].Stack), ";nfsd_vfs_write;") {
		t.Errorf("stacks %q %q", g[0].Stack, g[1].Stack)
	}
	n := h.NFSD
	if !n.Running || n.Threads != 64 || n.ThreadsInD != 58 || n.Versions != "-2 +3 +4 +4.1 +4.2" {
		t.Errorf("nfsd running %v threads %d in D %d versions %q", n.Running, n.Threads, n.ThreadsInD, n.Versions)
	}
	// The read byte counter wrapped at 2^32 between t0 and t1.
	if n.ReadBytes != 150000000 || n.WriteBytes != 61000000 || n.RCMisses != 1293 || n.RCNoCache != 11660 {
		t.Errorf("io %d %d rc %d %d", n.ReadBytes, n.WriteBytes, n.RCMisses, n.RCNoCache)
	}
	if len(n.Ops) != 23 || n.Ops[0].Op != "GETATTR" || n.Ops[0].Rate != 5200 ||
		opRate(n.Ops, "v3", "WRITE") != 1210 || opRate(n.Ops, "v3", "COMMIT") != 410 || opRate(n.Ops, "v4op", "SEQUENCE") != 600 {
		t.Errorf("ops %+v", n.Ops)
	}
	if want := []model.Pool{{ID: 0, PacketsArrived: 11830, SocketsQueued: 1100, ThreadsWoken: 10700}}; !reflect.DeepEqual(n.Pools, want) {
		t.Errorf("pools %+v", n.Pools)
	}
	var sdb model.Device
	for _, d := range h.Devices {
		if d.Name == "sdb" {
			sdb = d
		}
	}
	// 3720 writes of 8 KiB and 210 reads of 32 KiB a second, write ticks wrapped.
	want := model.Device{Name: "sdb", Scheduler: "cfq", ReadIOPS: 210, WriteIOPS: 3720, ReadBps: 13440 * 512,
		WriteBps: 59520 * 512, AwaitMs: 15702.0 / 3930, Util: 1, InFlight: 29}
	if sdb != want {
		t.Errorf("sdb\n got  %+v\n want %+v", sdb, want)
	}
	wantChange := []model.SchedChange{{Time: snap.End, Device: "sdb", From: "deadline", To: "cfq"}}
	if !reflect.DeepEqual(h.Changes, wantChange) {
		t.Errorf("changes %+v", h.Changes)
	}
	if h.Pressure != nil {
		t.Errorf("pressure on 4.9: %+v", h.Pressure)
	}
}

func TestReplay612(t *testing.T) {
	cfg, snap := replay(t, "k6.12-nfsd", nil)
	if !cfg.NextBootDiffers() || cfg.InstalledKernel != "6.12.107+deb12-amd64" || cfg.KernelRelease != "6.12.57+deb12-amd64" {
		t.Errorf("installed %q running %q", cfg.InstalledKernel, cfg.KernelRelease)
	}
	h := snap.Host
	if h.Load.InD != 7 || h.NFSD.ThreadsInD != 5 || h.NFSD.Threads != 32 || len(h.Changes) != 0 {
		t.Errorf("in D %d, nfsd in D %d, threads %d, changes %v", h.Load.InD, h.NFSD.ThreadsInD, h.NFSD.Threads, h.Changes)
	}
	want := &model.Pressure{SomeAvg10: 34.12, FullAvg10: 27.03, SomeUs: 341200, FullUs: 270300}
	if !reflect.DeepEqual(h.Pressure, want) {
		t.Errorf("pressure %+v", h.Pressure)
	}
	if len(h.NFSD.Pools) != 2 || h.NFSD.Pools[1].PacketsArrived != 655 || opRate(h.NFSD.Ops, "v4", "COMPOUND") != 940 {
		t.Errorf("pools %+v ops %+v", h.NFSD.Pools, h.NFSD.Ops)
	}
	for _, d := range h.Devices {
		if d.Name == "sda" {
			if d.Scheduler != "mq-deadline" || d.ReadIOPS != 80 || d.WriteIOPS != 310 || d.Util != 0.972 ||
				math.Abs(d.AwaitMs-6682.0/394) > 1e-9 {
				t.Errorf("sda %+v", d)
			}
		}
	}
}

func TestReplayWithoutNFSD(t *testing.T) {
	for _, name := range []string{"k4.9-no-nfsd", "k6.12-no-nfsd"} {
		t.Run(name, func(t *testing.T) {
			cfg, snap := replay(t, name, nil)
			n := snap.Host.NFSD
			if cfg.NFSDThreads != 0 || n.Running || n.Threads != 0 || n.Ops != nil || n.ThreadsInD != 0 {
				t.Errorf("nfsd %+v", n)
			}
			if len(snap.Host.Devices) == 0 || snap.Host.Load.InD != 0 {
				t.Errorf("host %+v", snap.Host)
			}
		})
	}
}

// fakeTracer records its calls and fills what a tracer fills.
type fakeTracer struct {
	collects int
	err      error
}

func (f *fakeTracer) Backend() model.Backend {
	return model.Backend{Name: "fake", Detail: "fake tracer for tests"}
}

func (f *fakeTracer) Collect(s *model.Snapshot) error {
	f.collects++
	if f.err != nil {
		return f.err
	}
	s.Stats.Events += 10
	s.DState = append(s.DState, model.DState{Comm: "nfsd", WaitSite: "io_schedule", Threads: 1})
	return nil
}

func (f *fakeTracer) Close() error { return nil }

func TestReplayWithTracer(t *testing.T) {
	tr := &fakeTracer{}
	cfg, snap := replay(t, "k6.12-nfsd", tr)
	// Two collects: one with the first sample, which starts the tracer's
	// interval with the host's and is not the snapshot's, and the
	// snapshot's (10 events, not 20).
	if tr.collects != 2 || cfg.Backend.Name != "fake" || snap.Stats.Events != 10 || len(snap.DState) != 1 {
		t.Errorf("collects %d backend %+v snapshot stats %+v", tr.collects, cfg.Backend, snap.Stats)
	}
	if snap.Host.NFSD.Threads != 32 {
		t.Error("host view missing next to tracer data")
	}

	tr = &fakeTracer{err: errors.New("ring buffer gone")}
	_, _, err := Replay(fixtureReader(t, "k6.12-nfsd", "t0"), fixtureReader(t, "k6.12-nfsd", "t1"), tr, time.Time{}, time.Second)
	if err == nil || !strings.Contains(err.Error(), "collect from fake: ring buffer gone") {
		t.Errorf("err = %v", err)
	}
}

// fakeClock is a clock whose waits advance it.
type fakeClock struct {
	now   time.Time
	waits []time.Duration
}

func (c *fakeClock) Now() time.Time { return c.now }

func (c *fakeClock) Wait(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.waits = append(c.waits, d)
	c.now = c.now.Add(d)
	return nil
}

func TestSamplerNext(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 11, 25, 5, 0, 0, 0, time.UTC)}
	cpu := time.Duration(0)
	r := fixtureReader(t, "k6.12-nfsd", "t0")
	tr := &fakeTracer{}
	s, err := newSampler(r, tr, 2*time.Second, clock.Now, clock.Wait, func() (time.Duration, error) {
		cpu += 3 * time.Millisecond
		return cpu, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if s.Config().Backend.Name != "fake" || s.Interval() != 2*time.Second || !s.Config().Start.Equal(clock.now) {
		t.Errorf("config %+v", s.Config())
	}
	start := clock.now
	snap, err := s.Next(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !snap.Start.Equal(start) || snap.Interval() != 2*time.Second || snap.Stats.CPU != 3*time.Millisecond || tr.collects != 2 || snap.Stats.Events != 10 {
		t.Errorf("snapshot %v..%v cpu %v collects %d", snap.Start, snap.End, snap.Stats.CPU, tr.collects)
	}
	// Same tree twice: counters did not move.
	if len(snap.Host.NFSD.Ops) != 0 || snap.Host.Devices[1].WriteIOPS != 0 || snap.Host.Load.InD != 7 {
		t.Errorf("host %+v", snap.Host)
	}

	// A caller that comes back 3 s later, 1 s after the interval ended,
	// gets the next snapshot at once, covering 3 s.
	clock.now = clock.now.Add(3 * time.Second)
	snap, err = s.Next(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if snap.Interval() != 3*time.Second || len(clock.waits) != 1 || clock.waits[0] != 2*time.Second {
		t.Errorf("late: interval %v waits %v", snap.Interval(), clock.waits)
	}

	// A caller 0.5 s into an interval waits the remaining 1.5 s.
	clock.now = clock.now.Add(500 * time.Millisecond)
	if _, err := s.Next(context.Background()); err != nil {
		t.Fatal(err)
	}
	if clock.waits[len(clock.waits)-1] != 1500*time.Millisecond {
		t.Errorf("waits %v", clock.waits)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Next(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
}

func TestNewErrors(t *testing.T) {
	if _, err := New(nil, nil, time.Second); err == nil {
		t.Error("nil reader: no error")
	}
	if _, err := New(fixtureReader(t, "k6.12-nfsd", "t0"), nil, 0); err == nil {
		t.Error("zero interval: no error")
	}
}

// TestSamplerLive runs the real loop on this host with a short interval.
func TestSamplerLive(t *testing.T) {
	r, err := host.NewReader(host.DefaultRoots())
	if err != nil {
		testenv.Skip(t, "no procfs at /proc: "+err.Error())
	}
	s, err := New(r, nil, 20*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	cfg := s.Config()
	if cfg.KernelRelease == "" || cfg.CPUs < 1 || cfg.Backend.Name != "none" {
		t.Errorf("config %+v", cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var prevEnd time.Time
	for i := 0; i < 3; i++ {
		snap, err := s.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if snap.Interval() < 20*time.Millisecond || (i > 0 && !snap.Start.Equal(prevEnd)) {
			t.Errorf("snapshot %d: %v..%v", i, snap.Start, snap.End)
		}
		if snap.Stats.CPU < 0 || snap.Host.Load.Running < 1 {
			t.Errorf("snapshot %d: cpu %v running %d", i, snap.Stats.CPU, snap.Host.Load.Running)
		}
		for _, d := range snap.Host.Devices {
			if d.Util < 0 || d.Util > 1 || d.ReadIOPS < 0 || d.AwaitMs < 0 {
				t.Errorf("device %+v", d)
			}
		}
		prevEnd = snap.End
	}
}

// fakeCgroups returns its reads one after the other.
type fakeCgroups struct {
	reads []map[string]string
	errs  []error
}

func (f *fakeCgroups) Limits() (map[string]string, error) {
	m, err := f.reads[0], f.errs[0]
	f.reads, f.errs = f.reads[1:], f.errs[1:]
	return m, err
}

// TestSamplerCgroups: the limits read at the start are the configuration's;
// a snapshot carries only those new or changed since, and a failed read
// carries none and loses nothing.
func TestSamplerCgroups(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 12, 1, 5, 0, 0, 0, time.UTC)}
	s, err := newSampler(fixtureReader(t, "k6.12-nfsd", "t0"), nil, time.Second, clock.Now, clock.Wait,
		func() (time.Duration, error) { return 0, nil })
	if err != nil {
		t.Fatal(err)
	}
	s.SetCgroups(&fakeCgroups{
		reads: []map[string]string{
			nil, // no target yet when the capture starts
			{"/bench cpu.max": "max 100000"},
			nil,
			{"/bench cpu.max": "max 100000"},
			{"/bench cpu.max": "10000 100000", "/bench memory.max": "max"},
		},
		errs: []error{nil, nil, errors.New("proc gone"), nil, nil},
	})
	if s.Config().Cgroups != nil {
		t.Errorf("config cgroups %v, want none", s.Config().Cgroups)
	}
	want := []map[string]string{
		{"/bench cpu.max": "max 100000"},
		nil,
		nil,
		{"/bench cpu.max": "10000 100000", "/bench memory.max": "max"},
	}
	for i, w := range want {
		snap, err := s.Next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(snap.Host.Cgroups, w) {
			t.Errorf("snapshot %d: cgroups %v, want %v", i, snap.Host.Cgroups, w)
		}
	}
}
