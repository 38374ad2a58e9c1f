package compare

import (
	"strings"

	"github.com/nfstrace/nfstrace/internal/model"
)

// funcName reduces one symbolized frame to the function name the same code
// has on every kernel build: without the "[<addr>] " prefix of
// /proc/PID/stack, the "+0x1f/0x80" offset, the " [nfsd]" module, and the
// suffixes the compiler gives clones and split-off parts
// (".isra.0", ".constprop.0", ".part.0", ".cold", ".llvm.123"): kernel
// function names have no dots of their own.
func funcName(frame string) string {
	s := strings.TrimSpace(frame)
	if strings.HasPrefix(s, "[<") {
		if i := strings.Index(s, "] "); i >= 0 {
			s = strings.TrimSpace(s[i+2:])
		}
	}
	if i := strings.IndexByte(s, ' '); i >= 0 {
		s = s[:i]
	}
	if i := strings.IndexByte(s, '+'); i >= 0 {
		s = s[:i]
	}
	if i := strings.IndexByte(s, '.'); i > 0 {
		s = s[:i]
	}
	return s
}

// schedFrames are the frames on top of every sleeping task's stack: they say
// that it slept, not why.
var schedFrames = map[string]bool{
	"__schedule": true, "schedule": true, "schedule_timeout": true,
	"schedule_preempt_disabled": true, "schedule_hrtimeout": true,
	"schedule_hrtimeout_range": true, "schedule_hrtimeout_range_clock": true,
	"__switch_to": true, "__switch_to_asm": true, "context_switch": true,
	"finish_task_switch": true, "preempt_schedule_common": true,
}

// entryFrames are the frames at the bottom of every nfsd or syscall stack.
var entryFrames = map[string]bool{
	"ret_from_fork": true, "ret_from_fork_asm": true, "kthread": true,
	"nfsd": true, "svc_recv": true, "svc_process": true, "svc_process_common": true,
	"svc_handle_xprt": true, "nfsd_dispatch": true, "nfsd4_proc_compound": true,
	"entry_SYSCALL_64_after_hwframe": true, "entry_SYSCALL_64": true,
	"do_syscall_64": true, "x64_sys_call": true,
}

// normFrames returns a wait site's function names, innermost first, without
// the scheduler frames on top and the thread-entry frames at the bottom. A
// site made only of those keeps them.
func normFrames(site model.WaitSite) []string {
	raw := site.Frames()
	fns := make([]string, 0, len(raw))
	for _, f := range raw {
		if fn := funcName(f); fn != "" {
			fns = append(fns, fn)
		}
	}
	lo, hi := 0, len(fns)
	for lo < hi-1 && schedFrames[fns[lo]] {
		lo++
	}
	for hi-1 > lo && entryFrames[fns[hi-1]] {
		hi--
	}
	return fns[lo:hi]
}

// Wait-site classes: where in the kernel the time went.
const (
	ClassBlockIO   = "block IO"             // waiting for a block request
	ClassWriteback = "writeback throttling" // balance_dirty_pages
	ClassLock      = "lock"                 // rwsem, mutex, semaphore
	ClassReclaim   = "memory reclaim"       // direct reclaim, compaction
	ClassJournal   = "filesystem journal"   // jbd2 commit and handle waits
	ClassPageLock  = "page lock"            // folio_lock, lock_page
	ClassOther     = "other kernel code path"
)

// AboveBlockLayer reports whether time in a class is spent in kernel code
// above the block layer rather than waiting for a device.
func AboveBlockLayer(class string) bool { return class != ClassBlockIO && class != "" }

// classify names what a wait site waits for from its innermost recognisable
// frame. device is the D-state row's block device label: a device means the
// thread waited on a block request it submitted.
func classify(frames []string, device string) string {
	sawIOSchedule := false
	for _, f := range frames {
		switch {
		case f == "io_schedule" || f == "io_schedule_timeout":
			sawIOSchedule = true
		case strings.HasPrefix(f, "balance_dirty_pages"), f == "wb_wait_for_completion":
			return ClassWriteback
		case strings.HasPrefix(f, "rwsem_down"), strings.HasPrefix(f, "down_read"),
			strings.HasPrefix(f, "down_write"), strings.Contains(f, "mutex_lock"),
			strings.HasPrefix(f, "rt_mutex"), strings.HasPrefix(f, "percpu_down"),
			f == "__down" || f == "down" || f == "__down_common" || f == "down_killable":
			return ClassLock
		case strings.HasPrefix(f, "shrink_"), strings.HasPrefix(f, "try_to_free"),
			strings.Contains(f, "reclaim"), f == "__alloc_pages_slowpath",
			strings.HasPrefix(f, "compact_"), f == "congestion_wait", f == "mempool_alloc":
			return ClassReclaim
		case strings.HasPrefix(f, "jbd2"), f == "start_this_handle", f == "wait_transaction_locked":
			return ClassJournal
		case strings.HasPrefix(f, "folio_wait_bit"), strings.HasPrefix(f, "wait_on_page_bit"),
			strings.HasPrefix(f, "folio_wait_writeback"), strings.HasPrefix(f, "wait_on_page_writeback"),
			strings.Contains(f, "fdatawait"), f == "submit_bio_wait", f == "__wait_on_buffer",
			strings.HasPrefix(f, "blk_"), strings.HasPrefix(f, "bio_"), f == "blkdev_issue_flush",
			f == "wait_on_buffer", f == "__bread_gfp", f == "rq_qos_wait", f == "wbt_wait":
			return ClassBlockIO
		case f == "folio_lock" || f == "__folio_lock" || f == "lock_page" || f == "__lock_page" || f == "__folio_lock_killable":
			return ClassPageLock
		}
	}
	if device != "" && device != model.NotBlockIO {
		return ClassBlockIO
	}
	if sawIOSchedule {
		return ClassBlockIO
	}
	return ClassOther
}

// matchK is how many common frames, innermost first, identify a wait site
// across two captures.
const matchK = 5

// siteMatcher maps the wait sites of two captures onto common keys. The same
// code path can differ between kernels in more than offsets and compiler
// suffixes: functions get renamed (rwsem_down_write_failed became
// rwsem_down_write_slowpath, wait_on_page_bit became folio_wait_bit) or
// inlined. A site's key is therefore made of its normalised frames that
// occur in both captures' stacks, the innermost matchK of them; frames only
// one kernel has say nothing about which site of the other it matches.
type siteMatcher struct {
	common map[string]bool
}

func newSiteMatcher(a, b []model.WaitSite) *siteMatcher {
	vocab := func(sites []model.WaitSite) map[string]bool {
		m := map[string]bool{}
		for _, s := range sites {
			for _, f := range normFrames(s) {
				m[f] = true
			}
		}
		return m
	}
	va, vb := vocab(a), vocab(b)
	common := map[string]bool{}
	for f := range va {
		if vb[f] {
			common[f] = true
		}
	}
	return &siteMatcher{common: common}
}

// key returns the matching key of a site: its innermost matchK common
// frames, or its whole normalised stack when it shares none (then it can
// only match itself).
func (m *siteMatcher) key(site model.WaitSite) string {
	fns := normFrames(site)
	var k []string
	for _, f := range fns {
		if m.common[f] {
			k = append(k, f)
			if len(k) == matchK {
				break
			}
		}
	}
	if len(k) == 0 {
		return strings.Join(fns, model.FrameSep)
	}
	return strings.Join(k, model.FrameSep)
}

// StackSep joins frames in the readable form of a stack, innermost first.
const StackSep = " ← "

// shortSite renders a site readably: normalised frames, at most maxFrames of
// them (the innermost ones and the outermost one, "…" between).
func shortSite(site model.WaitSite, maxFrames int) string {
	fns := normFrames(site)
	if maxFrames > 2 && len(fns) > maxFrames {
		keep := append(append([]string{}, fns[:maxFrames-1]...), "…", fns[len(fns)-1])
		return strings.Join(keep, StackSep)
	}
	return strings.Join(fns, StackSep)
}
