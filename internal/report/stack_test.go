package report

import (
	"slices"
	"testing"

	"github.com/nfstrace/nfstrace/internal/model"
)

func TestParseFrame(t *testing.T) {
	tests := []struct {
		in, fn, mod string
	}{
		{"io_schedule", "io_schedule", ""},
		{"nfsd_vfs_write [nfsd]", "nfsd_vfs_write", "nfsd"},
		{"nfsd_vfs_write+0x1f/0x80 [nfsd]", "nfsd_vfs_write", "nfsd"},
		{"[<0>] io_schedule+0x42/0x70", "io_schedule", ""},
		{"[<0>] svc_recv+0x8a/0x120 [sunrpc]", "svc_recv", "sunrpc"},
		{"  finish_task_switch.isra.0  ", "finish_task_switch.isra.0", ""},
	}
	for _, tt := range tests {
		fn, mod := parseFrame(tt.in)
		if fn != tt.fn || mod != tt.mod {
			t.Errorf("parseFrame(%q) = %q, %q; want %q, %q", tt.in, fn, mod, tt.fn, tt.mod)
		}
	}
}

func TestShortFrames(t *testing.T) {
	tests := []struct {
		name string
		site model.WaitSite
		want []string
	}{
		{"eBPF nfsd stack", stackCommit, []string{"io_schedule", "wait_on_page_bit", "__filemap_fdatawait_range",
			"filemap_write_and_wait_range", "ext4_sync_file", "vfs_fsync_range", "nfsd_commit", "nfsd4_commit"}},
		{"kernel thread", stackJBD, []string{"io_schedule", "bit_wait_io", "__wait_on_bit",
			"out_of_line_wait_on_bit", "jbd2_journal_commit_transaction", "kjournald2"}},
		{"procfs wait channel", "io_schedule", []string{"io_schedule"}},
		// A stack of nothing but generic frames keeps one rather than none.
		{"only generic", "__schedule;schedule;kthread", []string{"kthread"}},
		{"compiler suffix", "finish_task_switch.isra.0;__schedule;schedule;msleep", []string{"msleep"}},
		{"empty", "", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ShortFrames(tt.site)
			if !slices.Equal(got, tt.want) {
				t.Errorf("ShortFrames = %q, want %q", got, tt.want)
			}
		})
	}
}

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

func TestFormat(t *testing.T) {
	tests := []struct{ got, want string }{
		{fmtDur(0), "0"},
		{fmtDur(850), "850ns"},
		{fmtDur(12_400), "12µs"},
		{fmtDur(4_200_000), "4.2ms"},
		{fmtDur(820_000_000), "820ms"},
		{fmtDur(2_900_000_000), "2.9s"},
		{fmtDur(16_200_000_000), "16s"},
		{fmtCount(0), "0"},
		{fmtCount(7), "7"},
		{fmtCount(2.5), "2.5"},
		{fmtCount(410), "410"},
		{fmtCount(4100), "4.1k"},
		{fmtCount(38_900_000), "39M"},
		{fmtCount(1_900_000), "1.9M"},
		{fmtMBps(40e6), "40.0"},
		{fmtMBps(49152), "<0.1"},
		{fmtPct(0.91), "91%"},
		{fmtPct(0.008), "0.8%"},
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
