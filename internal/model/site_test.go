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
		{"system_call_fastpath", false, true}, // kernels before 4.2
		{"x64_sys_call", false, true},
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

func TestTrimSchedFrames(t *testing.T) {
	deep := "f1;f2;f3;f4;f5;f6;f7;f8;f9;f10;f11;f12;__schedule;schedule;io_schedule"
	tests := []struct {
		name   string
		in     string
		sched  string // TrimSchedFrames
		tracer string // TrimTracerFrames
	}{
		{"sched_switch stack from BPF",
			"bpf_prog_x;bpf_trace_run3;__bpf_trace_sched_switch;__traceiter_sched_switch;__schedule;schedule;io_schedule;folio_wait_bit_common",
			"io_schedule;folio_wait_bit_common", "io_schedule;folio_wait_bit_common"},
		{"schedule_timeout stays", "__schedule;schedule;schedule_timeout;io_schedule_timeout",
			"schedule_timeout;io_schedule_timeout", "schedule_timeout;io_schedule_timeout"},
		{"tracer frames without __schedule", "bpf_prog_x;bpf_trace_run3;some_wait",
			"bpf_prog_x;bpf_trace_run3;some_wait", "some_wait"},
		{"tracepoint frames without __schedule", "trace_event_raw_event_x;__traceiter_x;some_wait",
			"trace_event_raw_event_x;__traceiter_x;some_wait", "some_wait"},
		{"already trimmed", "io_schedule;folio_wait_bit_common", "io_schedule;folio_wait_bit_common", "io_schedule;folio_wait_bit_common"},
		{"hung task", "__schedule;schedule;percpu_rwsem_wait;__percpu_down_read;mnt_want_write",
			"percpu_rwsem_wait;__percpu_down_read;mnt_want_write", "percpu_rwsem_wait;__percpu_down_read;mnt_want_write"},
		{"older kernel: schedule on top", "schedule;schedule_timeout;wait_for_common", "schedule_timeout;wait_for_common", "schedule_timeout;wait_for_common"},
		{"idle", "__schedule;schedule_idle;do_idle", "do_idle", "do_idle"},
		{"__schedule too deep to be the top", deep, deep, deep},
		{"at least one frame", "__schedule;schedule", "schedule", "schedule"},
		{"only tracer frames", "bpf_prog_x;bpf_trace_run3", "bpf_prog_x;bpf_trace_run3", ""},
		{"empty", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frames := WaitSite(tt.in).Frames()
			if got := NewWaitSite(TrimSchedFrames(frames)); string(got) != tt.sched {
				t.Errorf("TrimSchedFrames(%s) = %s, want %s", tt.in, got, tt.sched)
			}
			if got := NewWaitSite(TrimTracerFrames(frames)); string(got) != tt.tracer {
				t.Errorf("TrimTracerFrames(%s) = %s, want %s", tt.in, got, tt.tracer)
			}
		})
	}
}

func TestTrimEntryFrames(t *testing.T) {
	tests := []struct{ in, want string }{
		{"io_schedule;folio_wait_bit_common;__x64_sys_fsync;x64_sys_call;do_syscall_64;entry_SYSCALL_64_after_hwframe",
			"io_schedule;folio_wait_bit_common;__x64_sys_fsync"},
		{"jbd2_journal_commit_transaction;kjournald2;kthread;ret_from_fork;ret_from_fork_asm", "jbd2_journal_commit_transaction;kjournald2"},
		// Cut at the first entry frame, wherever it stands; service loops stay.
		{"svc_recv;nfsd;kthread.cold;io_schedule", "svc_recv;nfsd"},
		{"kthread", ""},
		{"io_schedule;nfsd_commit", "io_schedule;nfsd_commit"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := NewWaitSite(TrimEntryFrames(WaitSite(tt.in).Frames())); string(got) != tt.want {
			t.Errorf("TrimEntryFrames(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestAsyncIOWait(t *testing.T) {
	tests := []struct {
		site WaitSite
		want bool
	}{
		{"__schedule;schedule;read_events;do_io_getevents;__x64_sys_io_getevents;do_syscall_64", true},
		{"schedule;schedule_hrtimeout_range;read_events;do_io_getevents;__x64_sys_io_pgetevents", true},
		{"__schedule;schedule;io_cqring_wait;__do_sys_io_uring_enter;do_syscall_64", true},
		{"schedule;io_cqring_wait_schedule.isra.0;io_cqring_wait;__do_sys_io_uring_enter", true},
		{"__schedule;schedule;do_nanosleep;hrtimer_nanosleep;common_nsleep", false},
		{"__schedule;schedule;futex_do_wait;__futex_wait;futex_wait", false},
		{"schedule;svc_recv;nfsd;kthread", false},
		// A completion wait far below the sleep is not this sleep's.
		{"schedule;pipe_read;vfs_read;ksys_read;io_cqring_wait", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := tt.site.AsyncIOWait(); got != tt.want {
			t.Errorf("%q: AsyncIOWait() = %v, want %v", tt.site, got, tt.want)
		}
	}
}

func TestSlotWait(t *testing.T) {
	tests := []struct {
		frames []string
		want   bool
	}{
		{[]string{"__schedule", "schedule", "io_schedule", "blk_mq_get_tag", "__blk_mq_alloc_requests", "blk_mq_submit_bio", "io_submit_one"}, true},
		{[]string{"io_schedule", "blk_mq_get_tag", "blk_mq_submit_bio", "ext4_file_write_iter", "vfs_write", "__x64_sys_pwrite64"}, true},
		// Room under the device's writeback throttle.
		{[]string{"io_schedule", "rq_qos_wait", "wbt_wait", "__rq_qos_throttle", "blk_mq_submit_bio"}, true},
		// Waiting for the request itself, or held by a cgroup's latency target above the queue.
		{[]string{"io_schedule", "folio_wait_bit_common", "filemap_fault"}, false},
		{[]string{"io_schedule", "rq_qos_wait", "__blkcg_iolatency_throttle", "blkcg_iolatency_throttle", "__rq_qos_throttle"}, false},
		// A tag wait far below the sleep is not this sleep's.
		{[]string{"schedule", "rwsem_down_write_slowpath", "down_write", "blk_mq_freeze_queue", "blk_mq_get_tag"}, false},
	}
	for _, tt := range tests {
		if got := NewWaitSite(tt.frames).SlotWait(); got != tt.want {
			t.Errorf("%v: SlotWait = %v, want %v", tt.frames, got, tt.want)
		}
	}
}

func TestInAIOSubmit(t *testing.T) {
	tests := []struct {
		frames []string
		want   bool
	}{
		{[]string{"io_schedule", "blk_mq_get_tag", "blk_mq_submit_bio", "aio_write", "io_submit_one", "__x64_sys_io_submit"}, true},
		{[]string{"rwsem_down_write_slowpath", "down_write", "ext4_dio_write_iter", "aio_write", "io_submit_one", "__arm64_sys_io_submit"}, true},
		{[]string{"schedule", "read_events", "do_io_getevents", "__x64_sys_io_getevents"}, false},
		{[]string{"io_schedule", "blk_mq_get_tag", "blk_mq_submit_bio", "ext4_file_write_iter", "vfs_write", "__x64_sys_pwrite64"}, false},
	}
	for _, tt := range tests {
		if got := NewWaitSite(tt.frames).InAIOSubmit(); got != tt.want {
			t.Errorf("%v: InAIOSubmit = %v, want %v", tt.frames, got, tt.want)
		}
	}
}
