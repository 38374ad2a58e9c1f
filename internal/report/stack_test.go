package report

import (
	"strings"
	"testing"
)

func TestShortStack(t *testing.T) {
	frames := []string{"io_schedule", "wait_on_page_bit", "filemap_write_and_wait_range", "ext4_sync_file", "nfsd_commit"}
	tests := []struct {
		name      string
		frames    []string
		width     int
		maxFrames int
		want      string
	}{
		{"no limit", frames, 0, 0, "io_schedule ← wait_on_page_bit ← filemap_write_and_wait_range ← ext4_sync_file ← nfsd_commit"},
		{"frame limit keeps the outermost", frames, 0, 3, "io_schedule ← wait_on_page_bit ← … ← nfsd_commit"},
		{"width keeps as many inner frames as fit", frames, 60, 0, "io_schedule ← wait_on_page_bit ← … ← nfsd_commit"},
		{"narrow", frames, 30, 0, "io_schedule ← … ← nfsd_commit"},
		{"too narrow for the outermost", frames, 20, 0, "io_schedule ← …"},
		{"truncated single frame", frames, 8, 0, "io_sche…"},
		{"one frame", []string{"io_schedule"}, 0, 0, "io_schedule"},
		{"two frames, narrow", []string{"rwsem_down_write_failed", "nfsd_vfs_write"}, 30, 0, "rwsem_down_write_failed ← …"},
		{"none", nil, 10, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := shortStack(tt.frames, tt.width, tt.maxFrames)
			if got != tt.want {
				t.Errorf("shortStack = %q, want %q", got, tt.want)
			}
			if tt.width > 0 && width(got) > tt.width {
				t.Errorf("shortStack = %q is %d columns, limit %d", got, width(got), tt.width)
			}
		})
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct{ got, want string }{
		{truncate("abcdef", 4), "abc…"},
		{truncate("abc", 4), "abc"},
		{truncate("abc", 0), "abc"},
	}
	for i, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("case %d: got %q, want %q", i, tt.got, tt.want)
		}
	}
}

func TestBlockWaitLabel(t *testing.T) {
	for _, tc := range []struct {
		frames []string
		want   string
	}{
		{[]string{"io_schedule", "wait_for_completion_io", "submit_bio_wait", "blkdev_issue_flush", "ext4_sync_file", "nfsd_commit"}, "block flush"},
		{[]string{"io_schedule_timeout", "wait_for_completion_io_timeout", "submit_bio_wait", "__blkdev_direct_IO_simple"}, "block IO (bio)"},
		{[]string{"io_schedule", "blk_mq_get_tag", "__blk_mq_alloc_requests", "blk_mq_submit_bio"}, "block IO (bio)"},
		{[]string{"io_schedule", "__iomap_dio_rw", "iomap_dio_rw", "xfs_file_dio_write"}, "block IO (bio)"},
		{[]string{"rwsem_down_write_slowpath", "ext4_buffered_write_iter", "nfsd_vfs_write"}, "not block IO"},
		{[]string{"jbd2_log_wait_commit", "jbd2_journal_flush", "ext4_sync_fs"}, "not block IO"},
		{nil, "not block IO"},
	} {
		if got := blockWaitLabel(tc.frames); got != tc.want {
			t.Errorf("blockWaitLabel(%v) = %q, want %q", tc.frames, got, tc.want)
		}
	}
}

// TestStackCellsShowTheFrameThatDiffers: two stacks that read alike once
// middle frames are left out show the frame where they differ.
func TestStackCellsShowTheFrameThatDiffers(t *testing.T) {
	a := []string{"io_schedule", "folio_wait_bit_common", "filemap_fdatawait_range", "ext4_sync_file", "vfs_fsync_range", "nfsd_commit"}
	b := []string{"io_schedule", "folio_wait_bit_common", "filemap_fdatawait_range", "xfs_file_fsync", "vfs_fsync_range", "nfsd_commit"}
	c := []string{"rwsem_down_write_slowpath", "nfsd_setattr"}
	const w = 50
	if shortStack(a, w, 0) != shortStack(b, w, 0) {
		t.Fatalf("the fixture's stacks do not collide at width %d: %q, %q", w, shortStack(a, w, 0), shortStack(b, w, 0))
	}
	cells := newStackCells([][]string{a, b, c})
	for _, tc := range []struct {
		i    int
		want string
	}{
		{0, "io_schedule ← … ← ext4_sync_file ← … ← nfsd_commit"},
		{1, "io_schedule ← … ← xfs_file_fsync ← … ← nfsd_commit"},
		{2, "rwsem_down_write_slowpath ← nfsd_setattr"},
	} {
		got := cells.shrink(tc.i, w)
		if got != tc.want {
			t.Errorf("row %d at width %d: %q, want %q", tc.i, w, got, tc.want)
		}
		if width(got) > w {
			t.Errorf("row %d: %q is wider than %d", tc.i, got, w)
		}
	}
	// Without a width limit, at most textMaxFrames frames: the same.
	long := append([]string{"io_schedule", "f1", "f2", "f3", "f4", "f5"}, "g", "nfsd_commit")
	other := append([]string{"io_schedule", "f1", "f2", "f3", "f4", "f5"}, "h", "nfsd_commit")
	text := newStackCells([][]string{long, other})
	if x, y := text.text(0, 0), text.text(1, 0); x == y || !strings.Contains(x, "← g ←") || !strings.Contains(y, "← h ←") {
		t.Errorf("text cells %q and %q: want g and h shown", x, y)
	}
	// Identical stacks stay as they are.
	same := newStackCells([][]string{a, a})
	if x := same.shrink(0, w); x != shortStack(a, w, 0) {
		t.Errorf("identical stacks: %q, want %q", x, shortStack(a, w, 0))
	}
}
