package report

import (
	"strings"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/model"
)

func TestLockLines(t *testing.T) {
	site := model.NewWaitSite([]string{"__schedule", "schedule", "rwsem_down_write_slowpath", "down_write", "ext4_buffered_write_iter", "nfsd_vfs_write [nfsd]"})
	jbd := model.NewWaitSite([]string{"__schedule", "schedule", "jbd2_log_wait_commit", "ext4_sync_file"})
	snap := func(i int, rows ...model.LockWait) *model.Snapshot {
		s := busySnapshot(i)
		s.Locks = rows
		return s
	}
	tests := []struct {
		name   string
		window []*model.Snapshot
		want   []string
	}{
		{"none", []*model.Snapshot{snap(0)}, nil},
		{"owner in D", []*model.Snapshot{
			snap(0, model.LockWait{Comm: "nfsd", WaitSite: site, Lock: "0xffff1", Kind: model.LockRWSemWrite, Waits: 10, Time: time.Second, MaxWaiters: 12,
				Owner: "nfsd", OwnerTID: 4242, OwnerWaits: 8, OwnerState: "D", OwnerSite: jbd}),
			snap(1, model.LockWait{Comm: "nfsd", WaitSite: site, Lock: "0xffff1", Kind: model.LockRWSemWrite, Waits: 10, Time: time.Second, MaxWaiters: 17,
				Owner: "nfsd", OwnerTID: 4242, OwnerWaits: 8, OwnerState: "D", OwnerSite: jbd}),
		}, []string{"lock: 17 nfsd threads wait on an rwsem (to write) at ext4_buffered_write_iter ← nfsd_vfs_write, 1.0s/s, held by nfsd/4242 for 80% of the waits, itself in D at jbd2_log_wait_commit ← ext4_sync_file"}},
		{"a chain two hops past the owner", []*model.Snapshot{snap(0,
			model.LockWait{Comm: "touch", WaitSite: site, Lock: "0xd", Kind: model.LockRWSemWrite, Waits: 1, Time: time.Second, MaxWaiters: 1,
				Owner: "mv", OwnerTID: 20, OwnerWaits: 1, OwnerState: "D", OwnerSite: model.NewWaitSite([]string{"schedule", "rwsem_down_write_slowpath", "vfs_rename"}),
				Chain: []model.LockHop{
					{Lock: "0xf", Kind: model.LockRWSemWrite, Owner: "nfsd", OwnerTID: 21, OwnerState: "D",
						OwnerSite: model.NewWaitSite([]string{"schedule", "mutex_lock", "ext4_sync_file"})},
					{Lock: "0xe", Kind: model.LockMutex, Owner: "jbd2/vda-8", OwnerTID: 22, OwnerState: "D", OwnerSite: jbd},
				}},
		)}, []string{"held by mv/20 for 100% of the waits, itself in D at vfs_rename\n" +
			"  └ mv/20 is waiting on an rwsem (to write) held by nfsd/21 (in D at ext4_sync_file), which waits on a mutex held by jbd2/vda-8/22 (in D at jbd2_log_wait_commit ← ext4_sync_file)"}},
		{"owners in turn, a row each", []*model.Snapshot{snap(0,
			model.LockWait{Comm: "nfsd", WaitSite: site, Lock: "0xffff1", Kind: model.LockRWSemWrite, Waits: 3, Time: 300 * time.Millisecond, MaxWaiters: 6,
				Owner: "nfsd", OwnerTID: 11, OwnerWaits: 3, OwnerState: "D", OwnerSite: jbd},
			model.LockWait{Comm: "nfsd", WaitSite: site, Lock: "0xffff1", Kind: model.LockRWSemWrite, Waits: 3, Time: 300 * time.Millisecond, MaxWaiters: 6,
				Owner: "nfsd", OwnerTID: 12, OwnerWaits: 3, OwnerState: "D", OwnerSite: jbd},
			model.LockWait{Comm: "nfsd", WaitSite: site, Lock: "0xffff1", Kind: model.LockRWSemWrite, Waits: 2, Time: 200 * time.Millisecond, MaxWaiters: 6,
				Owner: "nfsd", OwnerTID: 13, OwnerWaits: 2, OwnerState: "D", OwnerSite: jbd},
			model.LockWait{Comm: "nfsd", WaitSite: site, Lock: "0xffff1", Kind: model.LockRWSemWrite, Waits: 2, Time: 200 * time.Millisecond, MaxWaiters: 6},
		)}, []string{"lock: 6 nfsd threads wait on an rwsem (to write) at ext4_buffered_write_iter ← nfsd_vfs_write, 1.0s/s, held in turn by 3 nfsd threads for 80% of the waits, themselves in D at jbd2_log_wait_commit ← ext4_sync_file"}},
		{"owner unknown and on CPU", []*model.Snapshot{snap(0,
			model.LockWait{Comm: "fio", WaitSite: site, Lock: "0xa", Kind: model.LockMutex, Waits: 1, Time: time.Millisecond, MaxWaiters: 1},
			model.LockWait{Comm: "fio", WaitSite: site, Lock: "0xb", Kind: model.LockMutex, Waits: 1, Time: 2 * time.Millisecond, MaxWaiters: 2,
				Owner: "rsync", OwnerTID: 7, OwnerWaits: 1, OwnerState: "R"},
		)}, []string{
			"lock: 2 fio threads wait on a mutex at ", ", held by rsync/7 for 100% of the waits, itself on CPU or runnable",
			"lock: 1 fio thread wait on a mutex at ", ", owner unknown",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := NewFrame(busyConfig(), tt.window, Options{})
			if err != nil {
				t.Fatal(err)
			}
			lines, err := f.Lines(Layout{Width: 300})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, l := range lines {
				if strings.HasPrefix(l, "lock:") || strings.HasPrefix(l, "  └") {
					got = append(got, l)
				}
			}
			text := strings.Join(got, "\n")
			if len(tt.want) == 0 && len(got) != 0 {
				t.Fatalf("lock lines %q, want none", got)
			}
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("lock lines lack %q:\n%s", w, text)
				}
			}
		})
	}
}
