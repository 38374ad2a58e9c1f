package model

import (
	"slices"
	"testing"
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
		fn, mod := ParseFrame(tt.in)
		if fn != tt.fn || mod != tt.mod {
			t.Errorf("ParseFrame(%q) = %q, %q; want %q, %q", tt.in, fn, mod, tt.fn, tt.mod)
		}
	}
}

func TestFuncName(t *testing.T) {
	for in, want := range map[string]string{
		"io_schedule":                           "io_schedule",
		"nfsd_vfs_write [nfsd]":                 "nfsd_vfs_write",
		"nfsd_vfs_write+0x1f/0x80 [nfsd]":       "nfsd_vfs_write",
		"[<0>] io_schedule+0x42/0x70":           "io_schedule",
		"finish_task_switch.isra.0":             "finish_task_switch",
		"ext4_writepages.constprop.0+0x10/0x20": "ext4_writepages",
		"shrink_folio_list.cold":                "shrink_folio_list",
		"  down_write  ":                        "down_write",
	} {
		if got := FuncName(in); got != want {
			t.Errorf("FuncName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWaitSiteShort(t *testing.T) {
	commit := NewWaitSite([]string{"__schedule", "schedule", "io_schedule", "wait_on_page_bit+0x12/0x40",
		"__filemap_fdatawait_range", "ext4_sync_file.isra.0", "nfsd_commit [nfsd]", "nfsd4_commit [nfsd]",
		"nfsd4_proc_compound [nfsd]", "nfsd_dispatch [nfsd]", "svc_process [sunrpc]", "nfsd [nfsd]", "kthread",
		"ret_from_fork"})
	tests := []struct {
		name        string
		site        WaitSite
		short, norm []string
	}{
		{"nfsd stack", commit,
			[]string{"io_schedule", "wait_on_page_bit", "__filemap_fdatawait_range", "ext4_sync_file.isra.0", "nfsd_commit", "nfsd4_commit"},
			[]string{"io_schedule", "wait_on_page_bit", "__filemap_fdatawait_range", "ext4_sync_file", "nfsd_commit", "nfsd4_commit"}},
		{"kernel thread", "io_schedule;jbd2_journal_commit_transaction;kjournald2;kthread;ret_from_fork_asm",
			[]string{"io_schedule", "jbd2_journal_commit_transaction", "kjournald2"},
			[]string{"io_schedule", "jbd2_journal_commit_transaction", "kjournald2"}},
		{"procfs wait channel", "io_schedule", []string{"io_schedule"}, []string{"io_schedule"}},
		// A stack of nothing but generic frames keeps one rather than none.
		{"only generic", "__schedule;schedule;kthread", []string{"kthread"}, []string{"kthread"}},
		{"compiler suffix", "finish_task_switch.isra.0;__schedule;schedule;msleep", []string{"msleep"}, []string{"msleep"}},
		{"empty", "", []string{}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.site.Short(); !slices.Equal(got, tt.short) {
				t.Errorf("Short = %q, want %q", got, tt.short)
			}
			if got := tt.site.Norm(); !slices.Equal(got, tt.norm) {
				t.Errorf("Norm = %q, want %q", got, tt.norm)
			}
		})
	}
}

func TestFrameSets(t *testing.T) {
	for _, tc := range []struct {
		fn           string
		sched, entry bool
	}{
		{"__schedule", true, false},
		{"finish_task_switch.isra.0", true, false},
		{"kthread", false, true},
		{"entry_SYSCALL_64_fastpath", false, true},
		{"nfsd", false, false}, // a service loop: generic for Short, not an entry
		{"io_schedule", false, false},
	} {
		if got := IsSchedFrame(tc.fn); got != tc.sched {
			t.Errorf("IsSchedFrame(%q) = %v", tc.fn, got)
		}
		if got := IsEntryFrame(tc.fn); got != tc.entry {
			t.Errorf("IsEntryFrame(%q) = %v", tc.fn, got)
		}
	}
}
