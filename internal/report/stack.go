package report

import (
	"strings"

	"github.com/nfstrace/nfstrace/internal/model"
)

// elision stands for frames left out of a short stack.
const elision = "…"

// textMaxFrames is how many frames a stack shows in text without a width
// limit (a file or a pipe); JSON keeps them all.
const textMaxFrames = 6

// shortStack renders frames innermost first joined by model.StackSep, fitting
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
	full := strings.Join(frames, model.StackSep)
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
			s := strings.Join(frames[:k], model.StackSep) + model.StackSep + elision + model.StackSep + last
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
		s := strings.Join(frames[:k], model.StackSep)
		if k < n {
			s += model.StackSep + elision
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
		if s := strings.Join(parts, model.StackSep); maxWidth <= 0 || width(s) <= maxWidth {
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
		fn := strings.TrimLeft(model.FuncName(f), "_")
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
