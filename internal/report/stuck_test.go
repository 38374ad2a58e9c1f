package report

import (
	"fmt"
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
	stuckThenWoke := groups(model.TaskGroup{Comm: "nfsd", Stack: commit, Count: 2, Longest: 30 * time.Second})
	stuckThenWoke.Start, stuckThenWoke.End = busySnapshot(0).Start, busySnapshot(0).End
	for _, tt := range []struct {
		name   string
		cfg    model.Config
		before *model.Snapshot // busySnapshot(0) when nil
		last   *model.Snapshot
		want   []string
	}{
		{"none stuck", model.Config{}, nil, groups(
			model.TaskGroup{Comm: "nfsd", Stack: commit, Count: 4, Longest: model.StuckAfter - time.Millisecond},
			model.TaskGroup{Comm: "jbd2", WaitChan: "jbd2_journal_commit_transaction", Count: 1}), nil},
		{"two groups", model.Config{}, nil, groups(
			model.TaskGroup{Comm: "jbd2", WaitChan: "jbd2_journal_commit_transaction", Count: 1, Longest: 12 * time.Second},
			model.TaskGroup{Comm: "nfsd", Stack: commit, Count: 4, Longest: 169 * time.Second},
			model.TaskGroup{Comm: "nfsd", WaitChan: "rwsem_down_write_slowpath", Count: 2, Longest: time.Second}),
			[]string{
				"stuck: 4 nfsd in D at folio_wait_bit_common ← folio_wait_writeback ← … ← nfsd4_commit, the longest for 169s without running; waits not yet ended are in no D-time figure",
				"stuck: jbd2 in D at jbd2_journal_commit_transaction for 12s without running",
			}},
		// A group stuck earlier in the window, no longer at its end.
		{"over by the end", model.Config{}, stuckThenWoke, busySnapshot(1),
			[]string{"stuck: 2 nfsd in D at folio_wait_bit_common ← folio_wait_writeback ← … ← nfsd4_commit, the longest for 30s without running (over by the end); waits not yet ended are in no D-time figure"}},
		// The procfs backend's samples count a wait in progress.
		{"sampled", procfs, nil, groups(model.TaskGroup{Comm: "nfsd", Stack: commit, Count: 1, Longest: 9 * time.Second}),
			[]string{"stuck: nfsd in D at folio_wait_bit_common ← folio_wait_writeback ← … ← nfsd4_commit for 9.0s without running"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			if cfg.Backend.Name == "" {
				cfg = busyConfig()
			}
			before := tt.before
			if before == nil {
				before = busySnapshot(0)
			}
			f, err := NewFrame(cfg, []*model.Snapshot{before, tt.last}, Options{})
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

// A window of any number of stuck groups keeps at most maxStuckGroups.
func TestStuckBounded(t *testing.T) {
	s := busySnapshot(1)
	for i := range 3 * maxStuckGroups {
		s.Host.Load.DGroups = append(s.Host.Load.DGroups,
			model.TaskGroup{Comm: "t", WaitChan: fmt.Sprint("w", i), Count: 1, Longest: model.StuckAfter + time.Duration(i)})
	}
	f, err := NewFrame(busyConfig(), []*model.Snapshot{busySnapshot(0), s}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Stuck) != maxStuckGroups || !f.Stuck[0].Open {
		t.Errorf("%d stuck rows (want %d), first %+v", len(f.Stuck), maxStuckGroups, f.Stuck[0])
	}
}
