package model

import "strings"

// WaitClass says what a D-state wait was for: the part of the kernel that
// held the thread. Every screen and the comparison use these names.
type WaitClass string

// Wait classes.
const (
	ClassBlockIO   WaitClass = "block IO"             // a block request the thread waits for
	ClassWriteback WaitClass = "writeback throttling" // balance_dirty_pages: too many dirty pages
	ClassJournal   WaitClass = "filesystem journal"   // jbd2 commits and handles
	ClassLock      WaitClass = "lock"                 // rwsem, mutex, semaphore
	ClassPageLock  WaitClass = "page lock"            // folio_lock, lock_page
	ClassReclaim   WaitClass = "memory reclaim"       // direct reclaim, compaction, memcg limits
	ClassNetwork   WaitClass = "network"              // socket and RPC waits
	ClassOther     WaitClass = "other kernel code path"
)

// ClassifyFrames names what a wait waited for from its function names,
// innermost first, without offsets or modules. device is the block device the
// thread's own IO went to (NotBlockIO or "" when none or unknown).
//
// The frames that say why a thread is in the code it waits in come first:
// a wait for page writeback inside direct reclaim is reclaim's doing, one
// inside balance_dirty_pages is writeback throttling, whatever primitive it
// sleeps in. Otherwise the innermost frame that names a wait primitive
// decides (a lock's slow path, a journal commit, a page or buffer wait).
func ClassifyFrames(frames []string, device string) WaitClass {
	for _, f := range frames {
		switch {
		case isReclaimFrame(f):
			return ClassReclaim
		case strings.HasPrefix(f, "balance_dirty_pages"), f == "wb_wait_for_completion":
			return ClassWriteback
		}
	}
	sawIOSchedule := false
	for _, f := range frames {
		switch {
		case f == "io_schedule" || f == "io_schedule_timeout":
			sawIOSchedule = true
		case isLockFrame(f):
			return ClassLock
		case strings.HasPrefix(f, "jbd2"), f == "start_this_handle", f == "wait_transaction_locked",
			strings.HasPrefix(f, "xlog_"), strings.HasPrefix(f, "xfs_log_force"):
			return ClassJournal
		case isBlockFrame(f):
			return ClassBlockIO
		case f == "folio_lock" || f == "__folio_lock" || f == "lock_page" || f == "__lock_page" || f == "__folio_lock_killable":
			return ClassPageLock
		case strings.HasPrefix(f, "sk_wait"), strings.HasPrefix(f, "sk_stream_wait"), strings.HasPrefix(f, "tcp_"),
			strings.HasPrefix(f, "rpc_wait"), strings.HasPrefix(f, "__rpc_"), strings.HasPrefix(f, "xs_"):
			return ClassNetwork
		}
	}
	if device != "" && device != NotBlockIO {
		return ClassBlockIO
	}
	if sawIOSchedule {
		return ClassBlockIO
	}
	return ClassOther
}

func isReclaimFrame(f string) bool {
	switch f {
	case "__alloc_pages_slowpath", "try_to_free_pages", "try_to_free_mem_cgroup_pages", "do_try_to_free_pages",
		"mem_cgroup_handle_over_high", "reclaim_throttle", "throttle_direct_reclaim", "congestion_wait",
		"__perform_reclaim", "__alloc_pages_direct_reclaim", "__alloc_pages_direct_compact", "mempool_alloc":
		return true
	}
	return strings.HasPrefix(f, "shrink_") || strings.HasPrefix(f, "compact_") ||
		(strings.Contains(f, "reclaim") && !strings.HasPrefix(f, "nfs")) // not nfsd4_reclaim_complete
}

func isLockFrame(f string) bool {
	switch f {
	case "__down", "down", "__down_common", "down_killable", "down_interruptible":
		return true
	}
	return strings.HasPrefix(f, "rwsem_down") || strings.HasPrefix(f, "down_read") ||
		strings.HasPrefix(f, "down_write") || strings.Contains(f, "mutex_lock") ||
		strings.HasPrefix(f, "rt_mutex") || strings.HasPrefix(f, "percpu_down") ||
		strings.HasPrefix(f, "percpu_rwsem")
}

// LockCallers drops the lock's own frames from the top of a waiter's stack
// (the lock's kind already says rwsem or mutex), keeping who took the lock:
// rwsem_down_write_slowpath ← down_write ← ext4_file_write_iter is
// ext4_file_write_iter. It keeps the last frame whatever it is.
func LockCallers(frames []string) []string {
	for len(frames) > 1 && isLockPrimitive(frames[0]) {
		frames = frames[1:]
	}
	return frames
}

// isLockPrimitive reports whether a frame is a sleeping lock's own code,
// its slow paths and helpers with it (__down_write_common, __mutex_lock).
func isLockPrimitive(f string) bool {
	if isLockFrame(f) {
		return true
	}
	for _, p := range []string{"rwsem_", "down_", "__down", "mutex_", "__mutex", "__percpu_down"} {
		if strings.HasPrefix(f, p) {
			return true
		}
	}
	return false
}

func isBlockFrame(f string) bool {
	switch f {
	case "submit_bio_wait", "__wait_on_buffer", "wait_on_buffer", "__bread_gfp", "rq_qos_wait", "wbt_wait",
		"blkdev_issue_flush", "blk_mq_get_tag":
		return true
	}
	return strings.HasPrefix(f, "folio_wait_bit") || strings.HasPrefix(f, "wait_on_page_bit") ||
		strings.HasPrefix(f, "folio_wait_writeback") || strings.HasPrefix(f, "wait_on_page_writeback") ||
		strings.Contains(f, "fdatawait") || strings.HasPrefix(f, "blk_") || strings.HasPrefix(f, "bio_") ||
		strings.HasPrefix(f, "iomap_dio") || strings.HasPrefix(f, "__blkdev_direct_IO") ||
		strings.HasPrefix(f, "blkdev_direct_IO")
}
