package report

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/model"
)

// TestStuckLines: task groups whose longest wait had lasted
// model.StuckAfter without ending get a header line each, longest first,
// from the latest snapshot; shorter or unknown waits get none, and the
// first line says that such waits are in no D-time figure.
func TestStuckLines(t *testing.T) {
	const commit = "folio_wait_bit_common;folio_wait_writeback;__filemap_fdatawait_range;file_write_and_wait_range;ext4_sync_file;nfsd_commit;nfsd4_commit"
	groups := func(g ...model.TaskGroup) *model.Snapshot {
		s := busySnapshot(1)
		s.Host.Load.DGroups = g
		s.Host.Load.InD = 0
		for _, x := range g {
			s.Host.Load.InD += x.Count
		}
		return s
	}
	procfs := busyConfig()
	procfs.Backend = model.Backend{Name: "procfs", Detail: "procfs sampler at 100 Hz"}
	for _, tt := range []struct {
		name string
		cfg  model.Config
		last *model.Snapshot
		want []string
	}{
		{"none stuck", model.Config{}, groups(
			model.TaskGroup{Comm: "nfsd", Stack: commit, Count: 4, Longest: model.StuckAfter - time.Millisecond},
			model.TaskGroup{Comm: "jbd2", WaitChan: "jbd2_journal_commit_transaction", Count: 1}), nil},
		{"two groups", model.Config{}, groups(
			model.TaskGroup{Comm: "jbd2", WaitChan: "jbd2_journal_commit_transaction", Count: 1, Longest: 12 * time.Second},
			model.TaskGroup{Comm: "nfsd", Stack: commit, Count: 4, Longest: 169 * time.Second},
			model.TaskGroup{Comm: "nfsd", WaitChan: "rwsem_down_write_slowpath", Count: 2, Longest: time.Second}),
			[]string{
				"stuck: 4 nfsd in D at folio_wait_bit_common ← folio_wait_writeback ← … ← nfsd4_commit, the longest for 169s without running; waits not yet ended are in no D-time figure",
				"stuck: jbd2 in D at jbd2_journal_commit_transaction for 12s without running",
			}},
		// The procfs backend's samples count a wait in progress.
		{"sampled", procfs, groups(model.TaskGroup{Comm: "nfsd", Stack: commit, Count: 1, Longest: 9 * time.Second}),
			[]string{"stuck: nfsd in D at folio_wait_bit_common ← folio_wait_writeback ← … ← nfsd4_commit for 9.0s without running"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			if cfg.Backend.Name == "" {
				cfg = busyConfig()
			}
			f, err := NewFrame(cfg, []*model.Snapshot{busySnapshot(0), tt.last}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			lines, err := f.Lines(Layout{Width: 200})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, l := range lines {
				if strings.HasPrefix(l, "stuck: ") {
					got = append(got, l)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("stuck lines\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}
