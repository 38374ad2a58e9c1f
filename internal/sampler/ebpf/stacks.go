package ebpf

import (
	"strconv"
	"strings"
	"sync"

	"github.com/cilium/ebpf"

	"github.com/nfstrace/nfstrace/internal/model"
	"github.com/nfstrace/nfstrace/internal/symbols"
)

// UnknownSite labels an interval whose kernel stack could not be taken (a
// stack map collision or a full stack map; counted in the kernel).
const UnknownSite model.WaitSite = "unknown"

// stackDepth is STACK_DEPTH in bpf/core.bpf.c.
const stackDepth = 64

// stackSymbolizer turns stack ids into wait sites, each id once. Kallsyms is
// read at the first stack, not at load, to keep start-up fast.
type stackSymbolizer struct {
	proc string

	mu     sync.Mutex
	syms   *symbols.Table
	symErr error
	loaded bool
	cache  map[int32]model.WaitSite
	pcs    [stackDepth]uint64
	frames []string
}

func newStackSymbolizer(proc string) *stackSymbolizer {
	return &stackSymbolizer{proc: proc, cache: make(map[int32]model.WaitSite)}
}

// site returns the wait site of stack id in m.
func (s *stackSymbolizer) site(m *ebpf.Map, id int32) model.WaitSite {
	if id < 0 || m == nil {
		return UnknownSite
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if w, ok := s.cache[id]; ok {
		return w
	}
	if !s.loaded {
		s.syms, s.symErr = symbols.Load(s.proc)
		s.loaded = true
	}
	clear(s.pcs[:])
	if err := m.Lookup(uint32(id), &s.pcs); err != nil {
		return UnknownSite // not cached: a later lookup may succeed
	}
	s.frames = s.frames[:0]
	for _, pc := range s.pcs {
		if pc == 0 {
			break
		}
		if s.syms != nil {
			s.frames = append(s.frames, s.syms.Name(pc))
		} else {
			s.frames = append(s.frames, "0x"+strconv.FormatUint(pc, 16))
		}
	}
	w := model.NewWaitSite(trimSchedFrames(s.frames))
	if w == "" {
		w = UnknownSite
	}
	s.cache[id] = w
	return w
}

// trimSchedFrames drops the frames of the tracing machinery and of the
// scheduler itself from a stack taken in sched_switch (bpf_trace_run,
// __traceiter, __schedule, schedule), so the first frame is the wait site
// (io_schedule, folio_wait_bit_common, ...).
func trimSchedFrames(frames []string) []string {
	const look = 12
	cut := -1
	for i := 0; i < len(frames) && i < look; i++ {
		if frames[i] == "__schedule" {
			cut = i
			break
		}
	}
	if cut < 0 {
		for cut+1 < len(frames) && isTraceFrame(frames[cut+1]) {
			cut++
		}
	}
	frames = frames[cut+1:]
	for len(frames) > 1 && (frames[0] == "schedule" || frames[0] == "schedule_idle") {
		frames = frames[1:]
	}
	return frames
}

func isTraceFrame(f string) bool {
	return strings.HasPrefix(f, "bpf_") || strings.HasPrefix(f, "__bpf_") ||
		strings.HasPrefix(f, "__traceiter_") || strings.HasPrefix(f, "trace_")
}
