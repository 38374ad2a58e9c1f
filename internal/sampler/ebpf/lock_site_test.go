package ebpf

import (
	"testing"

	"github.com/nfstrace/nfstrace/internal/model"
)

// A lock wait that slept has its site from the switch into D, one that did
// not from contention_end: both name the same site.
func TestLockSite(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"schedule_preempt_disabled;rwsem_down_write_slowpath;down_write;ext4_file_write_iter", "rwsem_down_write_slowpath;down_write;ext4_file_write_iter"},
		{"rwsem_down_write_slowpath;down_write;ext4_file_write_iter", "rwsem_down_write_slowpath;down_write;ext4_file_write_iter"},
		{"schedule;schedule_preempt_disabled;__mutex_lock;do_unlinkat", "__mutex_lock;do_unlinkat"},
		{"schedule", "schedule"},
		{"", ""},
	} {
		if got := lockSite(model.WaitSite(tc.in)); got != tc.want {
			t.Errorf("lockSite(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
