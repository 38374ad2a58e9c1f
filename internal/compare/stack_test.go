package compare

import (
	"strings"
	"testing"

	"github.com/nfstrace/nfstrace/internal/model"
)

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		site, device, want string
	}{
		{siteRwsem, model.NotBlockIO, ClassLock},
		{siteDirty, model.NotBlockIO, ClassWriteback},
		{siteCommit, "sda", ClassBlockIO},
		{siteCommit, model.NotBlockIO, ClassBlockIO},
		{"io_schedule;some_driver_wait", "sdb", ClassBlockIO},
		{"__mutex_lock.constprop.0;mutex_lock;nfsd4_open", model.NotBlockIO, ClassLock},
		{"shrink_folio_list;shrink_lruvec;try_to_free_pages;__alloc_pages_slowpath;nfsd_read", model.NotBlockIO, ClassReclaim},
		{"jbd2_log_wait_commit;ext4_sync_file;nfsd_commit", model.NotBlockIO, ClassJournal},
		{"folio_lock;filemap_fault", model.NotBlockIO, ClassPageLock},
		{"msleep;nfsd4_something", model.NotBlockIO, ClassOther},
	} {
		got := classify(model.WaitSite(tc.site).Norm(), tc.device)
		if got != tc.want {
			t.Errorf("classify(%q, %q) = %q, want %q", tc.site, tc.device, got, tc.want)
		}
	}
	if AboveBlockLayer(ClassBlockIO) || !AboveBlockLayer(ClassLock) || !AboveBlockLayer(ClassWriteback) {
		t.Error("AboveBlockLayer")
	}
}

func TestSiteMatcher(t *testing.T) {
	// 4.4 and 4.9 stacks of the same ext4 write path: renamed rwsem slow
	// path, a helper gone, a clone suffix; and a commit path that differs
	// only in offsets; and a site only the new kernel has.
	old := []model.WaitSite{
		"rwsem_down_write_failed;call_rwsem_down_write_failed;down_write;ext4_file_write_iter+0x4b/0x3f0;nfsd_vfs_write [nfsd];nfsd3_proc_write [nfsd];nfsd;kthread",
		"io_schedule+0x12/0x40;wait_on_page_bit_common+0x100/0x180;__filemap_fdatawait_range;ext4_sync_file;nfsd_commit [nfsd];nfsd;kthread",
	}
	cur := []model.WaitSite{
		"rwsem_down_write_slowpath;down_write;ext4_file_write_iter.isra.0;nfsd_vfs_write [nfsd];nfsd3_proc_write [nfsd];nfsd;kthread",
		"io_schedule+0x22/0x50;wait_on_page_bit_common+0x1c0/0x200;__filemap_fdatawait_range;ext4_sync_file;nfsd_commit [nfsd];nfsd;kthread",
		"balance_dirty_pages;generic_perform_write;ext4_file_write_iter;nfsd_vfs_write [nfsd];nfsd3_proc_write [nfsd];nfsd;kthread",
	}
	m := newSiteMatcher(old, cur)
	if m.key(old[0]) != m.key(cur[0]) {
		t.Errorf("renamed write path not matched: %q vs %q", m.key(old[0]), m.key(cur[0]))
	}
	if m.key(old[1]) != m.key(cur[1]) {
		t.Errorf("commit path not matched: %q vs %q", m.key(old[1]), m.key(cur[1]))
	}
	if m.key(cur[0]) == m.key(cur[1]) || m.key(old[0]) == m.key(old[1]) {
		t.Error("different sites merged")
	}
	if m.key(cur[2]) == m.key(cur[0]) {
		t.Error("the new balance_dirty_pages site merged with the write path")
	}
	// Without down_write in the old kernel's stacks, the new rwsem and
	// balance_dirty_pages sites look alike to it; only one may pair with
	// the old write path, the closer one.
	old2 := []model.WaitSite{"rwsem_down_write_failed;call_rwsem_down_write_failed;ext4_file_write_iter;nfsd_vfs_write [nfsd];nfsd3_proc_write [nfsd]"}
	cur2 := []model.WaitSite{
		"rwsem_down_write_slowpath;call_rwsem_down_write_failed;ext4_file_write_iter;nfsd_vfs_write [nfsd];nfsd3_proc_write [nfsd]",
		"balance_dirty_pages;generic_perform_write;ext4_file_write_iter;nfsd_vfs_write [nfsd];nfsd3_proc_write [nfsd]",
	}
	m2 := newSiteMatcher(old2, cur2)
	if m2.key(old2[0]) != m2.key(cur2[0]) || m2.key(cur2[1]) == m2.key(cur2[0]) {
		t.Errorf("keys old %q, new %q and %q", m2.key(old2[0]), m2.key(cur2[0]), m2.key(cur2[1]))
	}
}

func TestLCS(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"a;b;c", "a;b;c", 3}, {"a;x;b;c", "a;b;y;c", 3}, {"a", "b", 0},
	} {
		if got := lcs(strings.Split(tc.a, ";"), strings.Split(tc.b, ";")); got != tc.want {
			t.Errorf("lcs(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestProfileSite(t *testing.T) {
	got := profileSite("__schedule;rwsem_down_write_slowpath+0x1f/0x80;ext4_file_write_iter.isra.0;nfsd_vfs_write+0x10/0x90 [nfsd];nfsd [nfsd];kthread")
	want := model.WaitSite("rwsem_down_write_slowpath;ext4_file_write_iter;nfsd_vfs_write [nfsd]")
	if got != want {
		t.Errorf("profileSite = %q, want %q", got, want)
	}
}
