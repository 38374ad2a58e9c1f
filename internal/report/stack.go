package report

import (
	"strings"

	"github.com/nfstrace/nfstrace/internal/model"
)

// StackSep joins frames in the short, readable form of a stack, innermost first.
const StackSep = " ← "

// elision stands for frames left out of a short stack.
const elision = "…"

// parseFrame splits the text of one symbolized kernel frame into its function
// name and module. It accepts the forms the backends and /proc/PID/stack use:
// "io_schedule", "nfsd_vfs_write [nfsd]", "nfsd_vfs_write+0x1f/0x80 [nfsd]" and
// "[<0>] io_schedule+0x42/0x70". The module is "" for the core kernel.
func parseFrame(s string) (fn, module string) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "[<") {
		if i := strings.Index(s, "] "); i >= 0 {
			s = strings.TrimSpace(s[i+2:])
		}
	}
	if i := strings.LastIndexByte(s, '['); i > 0 && strings.HasSuffix(s, "]") {
		module = s[i+1 : len(s)-1]
		s = strings.TrimSpace(s[:i])
	}
	if i := strings.IndexByte(s, '+'); i > 0 {
		s = s[:i]
	}
	return s, module
}

// baseName strips the suffixes the compiler adds to cloned functions
// ("finish_task_switch.isra.0") so that they match their generic name.
func baseName(fn string) string {
	if i := strings.IndexByte(fn, '.'); i > 0 {
		return fn[:i]
	}
	return fn
}

// innerGeneric are the frames every sleeping task has on top of its stack:
// they say that the task slept, not why, so a short stack skips them.
var innerGeneric = map[string]bool{
	"__schedule":                     true,
	"schedule":                       true,
	"schedule_timeout":               true,
	"schedule_preempt_disabled":      true,
	"schedule_hrtimeout":             true,
	"schedule_hrtimeout_range":       true,
	"schedule_hrtimeout_range_clock": true,
	"__switch_to":                    true,
	"__switch_to_asm":                true,
	"context_switch":                 true,
	"finish_task_switch":             true,
	"preempt_schedule_common":        true,
}

// outerGeneric are the frames at the bottom of kernel-thread and syscall
// stacks: the same for every nfsd wait, so a short stack drops them from
// its outer end.
var outerGeneric = map[string]bool{
	"ret_from_fork":                  true,
	"ret_from_fork_asm":              true,
	"kthread":                        true,
	"nfsd":                           true,
	"svc_recv":                       true,
	"svc_process":                    true,
	"svc_process_common":             true,
	"svc_handle_xprt":                true,
	"svc_process_bc":                 true,
	"nfsd_dispatch":                  true,
	"nfsd4_proc_compound":            true,
	"entry_SYSCALL_64_after_hwframe": true,
	"entry_SYSCALL_64":               true,
	"do_syscall_64":                  true,
	"x64_sys_call":                   true,
	"process_one_work":               true,
	"worker_thread":                  true,
}

// textMaxFrames is how many frames a stack shows in text without a width
// limit (a file or a pipe); JSON keeps them all.
const textMaxFrames = 6

// ShortFrames returns the frames of a wait site worth reading: function
// names without offsets or modules, with the generic scheduler frames at the
// inner end and the thread-entry frames at the outer end removed. It never
// returns an empty list for a non-empty site.
func ShortFrames(site model.WaitSite) []string {
	raw := site.Frames()
	fns := make([]string, 0, len(raw))
	for _, f := range raw {
		fn, _ := parseFrame(f)
		if fn != "" {
			fns = append(fns, fn)
		}
	}
	lo, hi := 0, len(fns)
	for lo < hi-1 && innerGeneric[baseName(fns[lo])] {
		lo++
	}
	for hi-1 > lo && outerGeneric[baseName(fns[hi-1])] {
		hi--
	}
	return fns[lo:hi]
}

// shortStack renders frames innermost first joined by StackSep, fitting
// maxWidth columns (0: no width limit) and showing at most maxFrames frames
// (0: no limit). When frames must go, the innermost ones and the outermost
// one stay, with "…" in between ("io_schedule ← folio_wait_bit ← … ←
// nfsd_commit"): the innermost say what the thread waits for, the outermost
// which request made it wait.
func shortStack(frames []string, maxWidth, maxFrames int) string {
	n := len(frames)
	if n == 0 {
		return ""
	}
	fits := func(s string) bool { return maxWidth <= 0 || width(s) <= maxWidth }
	full := strings.Join(frames, StackSep)
	if (maxFrames <= 0 || n <= maxFrames) && fits(full) {
		return full
	}
	if n >= 3 {
		last := frames[n-1]
		// Keep k innermost frames, the elision and the outermost frame.
		kmax := n - 2
		if maxFrames > 0 && maxFrames-1 < kmax {
			kmax = maxFrames - 1
		}
		for k := kmax; k >= 1; k-- {
			s := strings.Join(frames[:k], StackSep) + StackSep + elision + StackSep + last
			if fits(s) {
				return s
			}
		}
	}
	// Not even "first ← … ← last" fits: keep as many innermost frames as fit.
	kstart := n
	if maxFrames > 0 && maxFrames < n {
		kstart = maxFrames
	}
	for k := kstart; k >= 1; k-- {
		s := strings.Join(frames[:k], StackSep)
		if k < n {
			s += StackSep + elision
		}
		if fits(s) {
			return s
		}
	}
	return truncate(frames[0], maxWidth)
}

// stackCells renders the stack cells of one table so that different stacks
// never look alike: when leaving frames out makes two stacks render the
// same, each shows the first frame where it differs from the other.
type stackCells struct {
	frames [][]string
	cache  map[[2]int][]string // (width, frames) -> cells
}

func newStackCells(frames [][]string) *stackCells {
	return &stackCells{frames: frames, cache: make(map[[2]int][]string)}
}

// text is row i's cell at its natural size: all frames when the table must
// fit a width (the table shrinks it later), at most textMaxFrames without.
func (c *stackCells) text(i, maxWidth int) string {
	if maxWidth > 0 {
		return c.cells(0, 0)[i]
	}
	return c.cells(0, textMaxFrames)[i]
}

// shrink is row i's cell in at most w columns.
func (c *stackCells) shrink(i, w int) string { return c.cells(w, 0)[i] }

func (c *stackCells) cells(maxWidth, maxFrames int) []string {
	key := [2]int{maxWidth, maxFrames}
	if out, ok := c.cache[key]; ok {
		return out
	}
	out := make([]string, len(c.frames))
	same := make(map[string][]int)
	for i, fr := range c.frames {
		out[i] = shortStack(fr, maxWidth, maxFrames)
		same[out[i]] = append(same[out[i]], i)
	}
	for _, rows := range same {
		for _, i := range rows {
			for _, j := range rows {
				d := firstDiff(c.frames[i], c.frames[j])
				if d < 0 || d >= len(c.frames[i]) {
					continue
				}
				if s := stackShowing(c.frames[i], d, maxWidth); s != "" {
					out[i] = s
					break
				}
			}
		}
	}
	c.cache[key] = out
	return out
}

// firstDiff returns the first index where a and b differ (len of the
// shorter when one is a prefix of the other), -1 when they are equal.
func firstDiff(a, b []string) int {
	for k := range min(len(a), len(b)) {
		if a[k] != b[k] {
			return k
		}
	}
	if len(a) == len(b) {
		return -1
	}
	return min(len(a), len(b))
}

// stackShowing renders frames with frame d shown: as many innermost frames
// as fit, frame d, and the outermost frame, with "…" for the gaps
// ("io_schedule ← … ← ext4_sync_file ← … ← nfsd_commit"). It returns ""
// when that does not fit maxWidth (0: no limit).
func stackShowing(frames []string, d, maxWidth int) string {
	n := len(frames)
	for k := min(d, n-1); k >= 1; k-- {
		parts := append([]string(nil), frames[:k]...)
		if d > k {
			parts = append(parts, elision)
		}
		if d >= k {
			parts = append(parts, frames[d])
		}
		if d < n-1 {
			if d+1 < n-1 {
				parts = append(parts, elision)
			}
			parts = append(parts, frames[n-1])
		}
		if s := strings.Join(parts, StackSep); maxWidth <= 0 || width(s) <= maxWidth {
			return s
		}
	}
	return ""
}

// blockWaitLabel names a D-state wait that the backend tied to no block
// request of the waiting thread. Such a wait can still be block IO: a cache
// flush (flush requests do not pass the scheduler's insert), a bio-based
// device (device-mapper, md: they make no request of their own) or a wait
// for a request tag. Those are labelled by what they are, the device being
// unknown; the rest is "not block IO".
func blockWaitLabel(frames []string) string {
	var block bool
	for _, f := range frames {
		fn := strings.TrimLeft(baseName(f), "_")
		isBlock := strings.HasPrefix(fn, "blk") || strings.HasPrefix(fn, "bio_") ||
			strings.HasPrefix(fn, "submit_bio") || strings.HasPrefix(fn, "iomap_dio")
		if isBlock && strings.Contains(fn, "flush") {
			return "block flush"
		}
		block = block || isBlock
	}
	if block {
		return "block IO (bio)"
	}
	return "not block IO"
}
