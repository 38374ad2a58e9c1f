package report

import (
	"time"

	"github.com/nfstrace/nfstrace/internal/model"
)

// hist returns a histogram holding n copies of each value.
func hist(n int, values ...time.Duration) model.Hist {
	var h model.Hist
	for range n {
		for _, v := range values {
			h.Add(uint64(v))
		}
	}
	return h
}

var t0 = time.Date(2017, 6, 29, 18, 40, 0, 0, time.UTC)

// Stacks as the eBPF backend reports them: innermost first, with the generic
// scheduler frames on top and the kthread entry at the bottom.
var (
	stackWrite = model.NewWaitSite([]string{
		"__schedule", "schedule", "rwsem_down_write_failed", "call_rwsem_down_write_failed",
		"ext4_file_write_iter", "do_iter_readv_writev", "vfs_iter_write", "nfsd_vfs_write [nfsd]",
		"nfsd4_write [nfsd]", "nfsd4_proc_compound [nfsd]", "nfsd_dispatch [nfsd]",
		"svc_process [sunrpc]", "nfsd [nfsd]", "kthread", "ret_from_fork",
	})
	stackCommit = model.NewWaitSite([]string{
		"__schedule", "schedule", "io_schedule", "wait_on_page_bit", "__filemap_fdatawait_range",
		"filemap_write_and_wait_range", "ext4_sync_file", "vfs_fsync_range", "nfsd_commit [nfsd]",
		"nfsd4_commit [nfsd]", "nfsd4_proc_compound [nfsd]", "nfsd_dispatch [nfsd]",
		"svc_process [sunrpc]", "nfsd [nfsd]", "kthread", "ret_from_fork",
	})
)

// busyConfig is the incident's primary NFS server.
func busyConfig() model.Config {
	return model.Config{
		Hostname:        "labstore1004",
		KernelRelease:   "4.9.0-0.bpo.3-amd64",
		InstalledKernel: "4.4.0-3-amd64",
		CPUs:            32,
		Backend:         model.Backend{Name: "ebpf", Detail: "ebpf (ring buffer)"},
		Targets:         "nfsd kernel threads",
		NFSDThreads:     64,
	}
}

// busySnapshot is one second of the busy server. i shifts the times.
func busySnapshot(i int) *model.Snapshot {
	start := t0.Add(time.Duration(i) * time.Second)
	return &model.Snapshot{
		Start: start,
		End:   start.Add(time.Second),
		Host: model.Host{
			Load: model.Load{
				Avg1: 87.4, Avg5: 64.1, Avg15: 35.2, Running: 3, InD: 61,
				DGroups: []model.TaskGroup{
					{Comm: "nfsd", WaitChan: "rwsem_down_write_failed", Count: 17},
					{Comm: "nfsd", WaitChan: "io_schedule", Count: 41},
					{Comm: "jbd2/drbd0-8", WaitChan: "jbd2_journal_commit_transaction", Count: 2},
					{Comm: "rsync", WaitChan: "io_schedule", Count: 1},
				},
			},
			NFSD: model.NFSD{
				Running: true, Threads: 64, ThreadsInD: 58, Versions: "+3 +4 +4.1 +4.2",
				Pools: []model.Pool{{ID: 0, PacketsArrived: 12000, SocketsQueued: 1900, ThreadsWoken: 10000}},
				Ops: []model.OpCount{
					{Proto: "v4proc", Op: "compound", Count: 1700},
					{Proto: "v4op", Op: "write", Count: 1200},
					{Proto: "v4op", Op: "commit", Count: 410},
					{Proto: "v4op", Op: "getattr", Count: 90},
				},
				ReadBytes: 2_000_000, WriteBytes: 40_000_000,
			},
			Devices: []model.Device{
				{Name: "drbd0", Scheduler: "none", WriteIOPS: 4100, WriteBps: 40e6, AwaitMs: 3.1, Util: 0.97, InFlight: 31},
				{Name: "sda", Scheduler: "deadline", ReadIOPS: 400, WriteIOPS: 3500, ReadBps: 2e6, WriteBps: 38e6, AwaitMs: 2.2, Util: 0.91, InFlight: 28},
				{Name: "sdb", Scheduler: "deadline"},
			},
			Pressure: &model.Pressure{SomeAvg10: 71, FullAvg10: 64},
		},
		DState: []model.DState{
			{Comm: "nfsd", WaitSite: stackWrite, Device: model.NotBlockIO, Op: "WRITE", Threads: 17,
				Hist: hist(20, 820*time.Millisecond)},
			{Comm: "nfsd", WaitSite: stackCommit, Device: "sda", Scheduler: "deadline", Op: "COMMIT", Threads: 41,
				Hist: hist(27, 690*time.Millisecond, 700*time.Millisecond)},
		},
		Block: []model.Block{
			{Device: "sda", Scheduler: "deadline", Op: "write", Size: "4K", Queue: hist(3500, time.Millisecond), Service: hist(3500, 3800*time.Microsecond)},
			{Device: "drbd0", Scheduler: "none", Op: "write", Size: "4K", Service: hist(4100, 4200*time.Microsecond)},
		},
		RPC: []model.RPC{
			{Version: "v4.1", Op: "WRITE", Client: "10.68.17.21", Status: "ok", Hist: hist(900, 310*time.Millisecond)},
			{Version: "v4.1", Op: "WRITE", Client: "10.68.16.9", Status: "ok", Hist: hist(300, 2900*time.Millisecond)},
			{Version: "v4.1", Op: "COMMIT", Client: "10.68.16.9", Status: "ok", Hist: hist(400, 700*time.Millisecond)},
			{Version: "v4.1", Op: "COMMIT", Client: "10.68.16.9", Status: "NFS4ERR_DELAY", Hist: hist(10, 3400*time.Millisecond)},
		},
		Stats: model.Stats{Events: 120000, Lost: 0, CPU: 8 * time.Millisecond},
	}
}

// busyWindow is n seconds of the busy server.
func busyWindow(n int) []*model.Snapshot {
	w := make([]*model.Snapshot, n)
	for i := range w {
		w[i] = busySnapshot(i)
	}
	return w
}

// idleConfig is a host without nfsd, watched by the procfs sampler.
func idleConfig() model.Config {
	return model.Config{
		Hostname:      "builder",
		KernelRelease: "6.18.0-1-amd64",
		Backend:       model.Backend{Name: "procfs", Detail: "procfs sampler at 100 Hz: eBPF unavailable: operation not permitted"},
		Targets:       "nfsd kernel threads",
	}
}

func idleSnapshot() *model.Snapshot {
	return &model.Snapshot{
		Start: t0, End: t0.Add(time.Second),
		Host: model.Host{
			Load: model.Load{Avg1: 0.42, Avg5: 0.3, Avg15: 0.25, Running: 1, InD: 1,
				DGroups: []model.TaskGroup{{Comm: "fio", WaitChan: "io_schedule",
					Stack: model.NewWaitSite([]string{"__schedule", "schedule", "io_schedule", "blk_mq_get_tag", "blk_mq_submit_bio"}), Count: 1}}},
			Devices: []model.Device{{Name: "vda", Scheduler: "mq-deadline", WriteIOPS: 12, WriteBps: 49152, AwaitMs: 0.4, Util: 0.01}},
		},
	}
}
