package ebpf

import (
	"strconv"
	"strings"
	"sync"
	"time"

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

	mu       sync.Mutex
	syms     *symbols.Table
	symErr   error
	loadedAt time.Time // zero: never loaded
	cache    map[int32]model.WaitSite
	pcs      [stackDepth]uint64
	frames   []string
}

// maxSymbolSpan is how far past a symbol's start an address may lie and
// still be taken as inside it: kallsyms has no sizes, and an address past the
// last symbol of the table (a module loaded after kallsyms was read) would
// otherwise be named after that symbol.
const maxSymbolSpan = 1 << 20

// reloadEvery bounds how often kallsyms is read again for unknown addresses.
const reloadEvery = 10 * time.Second

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
	if s.loadedAt.IsZero() {
		s.load()
	}
	clear(s.pcs[:])
	if err := m.Lookup(uint32(id), &s.pcs); err != nil {
		return UnknownSite // not cached: a later lookup may succeed
	}
	if !s.resolves() && time.Since(s.loadedAt) >= reloadEvery {
		s.load() // a module loaded since kallsyms was read?
	}
	s.frames = s.frames[:0]
	for _, pc := range s.pcs {
		if pc == 0 {
			break
		}
		s.frames = append(s.frames, s.name(pc))
	}
	w := model.NewWaitSite(trimSchedFrames(s.frames))
	if w == "" {
		w = UnknownSite
	}
	s.cache[id] = w
	return w
}

func (s *stackSymbolizer) load() {
	s.syms, s.symErr = symbols.Load(s.proc)
	s.loadedAt = time.Now()
}

// name is the function containing pc, or pc in hex.
func (s *stackSymbolizer) name(pc uint64) string {
	if s.syms != nil {
		if sym, ok := s.syms.Lookup(pc); ok && pc-sym.Addr < maxSymbolSpan {
			return sym.Name
		}
	}
	return "0x" + strconv.FormatUint(pc, 16)
}

// resolves reports whether every address of s.pcs has a symbol.
func (s *stackSymbolizer) resolves() bool {
	for _, pc := range s.pcs {
		if pc == 0 {
			break
		}
		if s.syms == nil {
			return false
		}
		if sym, ok := s.syms.Lookup(pc); !ok || pc-sym.Addr >= maxSymbolSpan {
			return false
		}
	}
	return true
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
