package ebpf

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"

	"github.com/nfstrace/nfstrace/internal/model"
	"github.com/nfstrace/nfstrace/internal/symbols"
)

// lockSlowPath is a sleeping lock's slow path and the program that opens a
// wait on its entry. The kprobe fallback for kernels without
// lock:contention_begin/end (before 5.19) attaches them; a wait ends when
// the waiter, having slept in D inside one of these functions, sleeps
// anywhere else (bpf/core.bpf.c: in_lock_slowpath).
type lockSlowPath struct {
	fn   string
	prog string
}

// lockSlowPaths lists the slow paths nfsd's locks go through: the inode's
// rwsem (i_rwsem) for writes and reads, and mutexes, in their variants that
// sleep in D. A function the kernel lacks or inlined is skipped.
func lockSlowPaths() []lockSlowPath {
	return []lockSlowPath{
		{"rwsem_down_write_slowpath", "kp_lock_rwsem_write"},
		{"rwsem_down_read_slowpath", "kp_lock_rwsem_read"},
		{"__mutex_lock_slowpath", "kp_lock_mutex"},
		{"__mutex_lock_killable_slowpath", "kp_lock_mutex"},
	}
}

const lockProbe = "contention_begin"

// attachLockKprobes loads the slow-path programs as a second collection that
// shares every map of the first (the same object, so the same layout), so
// that a kernel refusing kprobes loses only the lock owners. It records the
// probe's status either way.
func (t *Tracer) attachLockKprobes(spec *ebpf.CollectionSpec, why string) {
	fail := func(err error) {
		t.probe(lockProbe, model.ProbeUnavailable, why+"; kprobe fallback: "+nfsdOneLine(err)+": no lock owners")
	}
	s := spec.Copy()
	for name := range s.Programs {
		if !strings.HasPrefix(name, "kp_lock_") {
			delete(s.Programs, name)
		}
	}
	repl := make(map[string]*ebpf.Map, len(s.Maps))
	for name := range s.Maps {
		if m := t.coll.Maps[name]; m != nil {
			repl[name] = m
		}
	}
	kt := t.kernelTypes
	if kt == nil {
		kt = t.runningTypes
	}
	coll, err := ebpf.NewCollectionWithOptions(s, ebpf.CollectionOptions{
		Programs:        ebpf.ProgramOptions{KernelTypes: kt},
		MapReplacements: repl,
	})
	if err != nil {
		fail(fmt.Errorf("load: %w", err))
		return
	}
	syms, err := symbols.Load(t.opts.Proc)
	if err != nil {
		coll.Close()
		fail(err)
		return
	}
	// The programs read the ranges: set them before any probe fires. A
	// function that then fails to attach leaves a range no wait matches.
	var found []lockSlowPath
	var ranges []coreLockRange
	var errs []error
	for _, sp := range lockSlowPaths() {
		start, end, ok := syms.Range(sp.fn)
		if !ok {
			errs = append(errs, fmt.Errorf("%s: not in kallsyms", sp.fn))
			continue
		}
		found = append(found, sp)
		ranges = append(ranges, coreLockRange{Start: start, End: end})
	}
	if err := setLockRanges(coll, ranges); err != nil {
		coll.Close()
		fail(err)
		return
	}
	var attached []string
	for _, sp := range found {
		l, err := link.Kprobe(sp.fn, coll.Programs[sp.prog], nil)
		if err != nil {
			errs = append(errs, fmt.Errorf("kprobe %s: %w", sp.fn, err))
			continue
		}
		t.links = append(t.links, l)
		attached = append(attached, sp.fn)
	}
	if len(attached) == 0 {
		coll.Close()
		fail(errors.Join(errs...))
		return
	}
	for _, err := range errs {
		t.log.Debug("lock slow path not probed", "err", err)
	}
	t.lockColl = coll
	t.lhists = t.coll.Maps["lhists"]
	t.probe(lockProbe, model.ProbeFallback, "kprobe on "+strings.Join(attached, ", ")+": "+why+"; a wait that only spun is not seen")
}

// setLockRanges gives the programs the probed slow paths' addresses.
func setLockRanges(coll *ebpf.Collection, ranges []coreLockRange) error {
	var all [4]coreLockRange // LOCK_RANGES
	if len(ranges) > len(all) {
		return fmt.Errorf("set lock_ranges: %d slow paths for %d slots", len(ranges), len(all))
	}
	copy(all[:], ranges)
	if err := coll.Variables["lock_ranges"].Set(all); err != nil {
		return fmt.Errorf("set lock_ranges: %w", err)
	}
	return nil
}
