package serve

import (
	"fmt"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/model"
)

func TestWaitMetrics(t *testing.T) {
	c := NewCollector(model.Config{}, "test", 1)
	s := &model.Snapshot{
		DState: []model.DState{dstate("jbd2_log_wait_commit;ext4_sync_file", 3e6, 5e6), dstate("io_schedule;folio_wait_bit", 1e6)},
		Wakers: []model.Waker{
			{Comm: "nfsd", WaitSite: "jbd2_log_wait_commit;ext4_sync_file", Waker: "jbd2/vda-8", Count: 2, Time: 8 * time.Millisecond},
			{Comm: "nfsd", WaitSite: "io_schedule;folio_wait_bit", Waker: model.WakerIRQ, Count: 1, Time: time.Millisecond},
		},
		Run: []model.Run{{Comm: "nfsd", Threads: 8, Runnable: model.Hist{Count: 4, SumNs: 2e9}, OnCPU: 3 * time.Second,
			HeldBy: &model.HeldBy{Kernel: model.Waits{Count: 3, SumNs: 1.5e9}, Traced: model.Waits{Count: 1, SumNs: 5e8}}},
			{Comm: "fio", Threads: 2, Runnable: model.Hist{Count: 1, SumNs: 1e9}, Outside: &model.Waits{Count: 2, SumNs: 5e8}}},
		Locks: []model.LockWait{
			{Comm: "nfsd", WaitSite: "jbd2_log_wait_commit;ext4_sync_file", Lock: "0x1", Kind: model.LockRWSemWrite, Waits: 3, Time: 500 * time.Millisecond, Owner: "jbd2/vda-8", OwnerTID: 9},
			{Comm: "nfsd", WaitSite: "io_schedule;folio_wait_bit", Lock: "0x2", Kind: model.LockMutex, Waits: 1, Time: time.Millisecond},
		},
	}
	s.Queue = []model.PoolQueue{{Pool: 0, Wait: hist(2e6, 4e6)}}
	s.Holders = []model.CPUHolder{
		{Name: "loop0", Kernel: true, Work: true, Waits: model.Waits{Count: 2, SumNs: 1e9}},
		{Name: "sh", Waits: model.Waits{Count: 1, SumNs: 5e8}},
	}
	c.Update(s)
	c.Update(s)
	// More tasks than labels: the rest share "other", by holder kind.
	var tasks []model.CPUHolder
	for i := range maxLabelValues + 2 {
		tasks = append(tasks, model.CPUHolder{Name: fmt.Sprintf("hog%d", i), Waits: model.Waits{Count: 1, SumNs: 1e9}})
	}
	c.Update(&model.Snapshot{Holders: tasks})
	// More wakers than labels: the rest share "other".
	var many []model.Waker
	for i := range maxLabelValues + 3 {
		many = append(many, model.Waker{Comm: "nfsd", WaitSite: "io_schedule;folio_wait_bit", Waker: fmt.Sprintf("w%d", i), Count: 1})
	}
	c.Update(&model.Snapshot{Wakers: many})
	mfs := gather(t, c)
	tests := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		// One site label allowed: the larger site has it, the other is "other".
		{"nfstrace_dstate_wakeups_total", map[string]string{"site": "jbd2_log_wait_commit;ext4_sync_file", "waker": "jbd2/vda-8"}, 4},
		{"nfstrace_dstate_woken_seconds_total", map[string]string{"site": "jbd2_log_wait_commit;ext4_sync_file", "waker": "jbd2/vda-8"}, 0.016},
		{"nfstrace_dstate_wakeups_total", map[string]string{"site": OtherSite, "waker": model.WakerIRQ}, 2},
		{"nfstrace_dstate_wakeups_total", map[string]string{"site": OtherSite, "waker": OtherLabel}, 5},
		{"nfstrace_runnable_seconds_total", map[string]string{"comm": "nfsd"}, 4},
		{"nfstrace_on_cpu_seconds_total", map[string]string{"comm": "nfsd"}, 6},
		// The waits outside calls are part of the run-queue time.
		{"nfstrace_runnable_seconds_total", map[string]string{"comm": "fio"}, 3},
		{"nfstrace_runnable_outside_calls_seconds_total", map[string]string{"comm": "fio"}, 1},
		{"nfstrace_runnable_behind_seconds_total", map[string]string{"comm": "nfsd", "holder": model.HeldKernel}, 3},
		{"nfstrace_runnable_behind_seconds_total", map[string]string{"comm": "nfsd", "holder": model.HeldTraced}, 1},
		{"nfstrace_runnable_behind_seconds_total", map[string]string{"comm": "nfsd", "holder": model.HeldIdle}, 0},
		{"nfstrace_runnable_behind_task_seconds_total", map[string]string{"task": "kworker loop0", "holder": model.HeldKernel}, 2},
		{"nfstrace_runnable_behind_task_seconds_total", map[string]string{"task": "sh", "holder": model.HeldOther}, 1},
		{"nfstrace_runnable_behind_task_seconds_total", map[string]string{"task": "hog0", "holder": model.HeldOther}, 1},
		// kworker loop0, sh and hog0..hog13 have labels: hog14..hog17 are "other".
		{"nfstrace_runnable_behind_task_seconds_total", map[string]string{"task": OtherLabel, "holder": model.HeldOther}, 4},
		{"nfstrace_lock_wait_seconds_total", map[string]string{"site": "jbd2_log_wait_commit;ext4_sync_file", "kind": model.LockRWSemWrite, "owner": "jbd2/vda-8"}, 1},
		{"nfstrace_lock_waits_total", map[string]string{"site": "jbd2_log_wait_commit;ext4_sync_file", "kind": model.LockRWSemWrite, "owner": "jbd2/vda-8"}, 6},
		{"nfstrace_lock_waits_total", map[string]string{"site": OtherSite, "kind": model.LockMutex, "owner": "unknown"}, 2},
	}
	for _, tt := range tests {
		m := find(mfs, tt.name, tt.labels)
		if m == nil {
			t.Errorf("%s%v: missing", tt.name, tt.labels)
			continue
		}
		if got := m.GetCounter().GetValue(); got != tt.want {
			t.Errorf("%s%v = %v, want %v", tt.name, tt.labels, got, tt.want)
		}
	}
	if m := find(mfs, "nfstrace_nfsd_queue_wait_seconds", map[string]string{"pool": "0"}); m == nil ||
		m.GetHistogram().GetSampleCount() != 4 || m.GetHistogram().GetSampleSum() != 0.012 {
		t.Errorf("queue wait histogram of pool 0: %v, want 4 samples summing to 12ms", m)
	}
	// maxLabelValues wakers with a label of their own (jbd2, irq, w0...),
	// and the rest in one "other" series.
	if n := len(mfs["nfstrace_dstate_wakeups_total"].GetMetric()); n != maxLabelValues+1 {
		t.Errorf("%d waker series, want %d", n, maxLabelValues+1)
	}
}
