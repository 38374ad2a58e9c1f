package ebpf

import (
	"fmt"
	"os"
	"path/filepath"
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

// stackSymbolizer turns stack ids into wait sites, each id once. The tracer
// reads kallsyms once its programs are loaded (preload), so that their own
// frames resolve; it is read again only when an address does not resolve and
// the set of modules changed since. Parsing kallsyms is not cheap (0.1 s
// natively, 2 s of CPU and 7 s of wall time in the lab's emulated guest), and
// doing it in Collect at the first stack, or again every few seconds for a
// frame that never resolves, stretched an interval just when the server got
// busy.
type stackSymbolizer struct {
	proc string

	mu        sync.Mutex
	syms      *symbols.Table
	symErr    error
	modules   string    // module names when kallsyms was read
	loadedAt  time.Time // zero: never loaded
	checkedAt time.Time // last look at the modules for an unknown address
	cache     map[int32]model.WaitSite
	pcs       [stackDepth]uint64
	frames    []string
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
	if !s.resolves() && time.Since(s.checkedAt) >= reloadEvery {
		s.checkedAt = time.Now()
		if s.modulesChanged() {
			s.load() // a module loaded since kallsyms was read
		}
	}
	s.frames = s.frames[:0]
	for _, pc := range s.pcs {
		if pc == 0 {
			break
		}
		s.frames = append(s.frames, s.name(pc))
	}
	w := model.NewWaitSite(model.TrimTracerFrames(s.frames))
	if w == "" {
		w = UnknownSite
	}
	s.cache[id] = w
	return w
}

// preload reads kallsyms ahead of the first stack and reports why it could
// not.
func (s *stackSymbolizer) preload() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	if s.symErr != nil {
		return fmt.Errorf("read kallsyms: %w", s.symErr)
	}
	return nil
}

func (s *stackSymbolizer) load() {
	s.modules = s.moduleNames()
	s.syms, s.symErr = symbols.Load(s.proc)
	s.loadedAt = time.Now()
	s.checkedAt = s.loadedAt
}

// moduleNames returns the first field of each line of proc/modules, "" when
// it cannot be read (no modules support): a few hundred bytes, unlike
// kallsyms.
func (s *stackSymbolizer) moduleNames() string {
	b, err := os.ReadFile(filepath.Join(s.proc, "modules"))
	if err != nil {
		return ""
	}
	var names []string
	for _, line := range strings.Split(string(b), "\n") {
		if name, _, _ := strings.Cut(line, " "); name != "" {
			names = append(names, name)
		}
	}
	return strings.Join(names, " ")
}

// modulesChanged reports whether modules were loaded or unloaded since
// kallsyms was read.
func (s *stackSymbolizer) modulesChanged() bool {
	return s.moduleNames() != s.modules
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
