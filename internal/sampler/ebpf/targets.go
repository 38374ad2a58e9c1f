package ebpf

import (
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/cilium/ebpf"

	"github.com/nfstrace/nfstrace/internal/host"
)

// scanTargets brings the kernel's targets map up to date with /proc.
func (t *Tracer) scanTargets() error {
	want, err := host.FindThreads(t.opts.Proc, t.opts.Targets.Selector())
	if err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil
	}
	var one uint8 = 1
	var zero coreRunstate
	var errs int
	for tid := range want {
		if !t.current[tid] {
			if err := t.targets.Put(tid, one); err != nil {
				errs++
				continue
			}
			// An entry in runs makes the thread a target of the
			// run-queue programs; an existing one keeps its state.
			if t.runs != nil {
				if err := t.runs.Update(tid, &zero, ebpf.UpdateNoExist); err != nil && !errors.Is(err, ebpf.ErrKeyExist) {
					errs++
				}
			}
			t.current[tid] = true
		}
	}
	for tid := range t.current {
		if !want[tid] {
			t.untarget(tid)
		}
	}
	// The kernel adds the new threads of traced processes itself
	// (inherit, bpf/core.bpf.c). One this walk did not want is kept once,
	// as it may have begun after the walk, and dropped at the next: it
	// has ended, or no longer matches.
	var tid uint32
	var v uint8
	var extra []uint32
	it := t.targets.Iterate()
	for it.Next(&tid, &v) {
		if !want[tid] {
			extra = append(extra, tid)
		}
	}
	if err := it.Err(); err != nil {
		return fmt.Errorf("read targets map: %w", err)
	}
	seen := make(map[uint32]bool, len(extra))
	for _, tid := range extra {
		if t.inherited[tid] {
			t.untarget(tid)
			continue
		}
		seen[tid] = true
	}
	t.inherited = seen
	t.targetN = len(t.current)
	if v := t.coll.Variables["nr_targets"]; v != nil {
		if err := v.Set(uint32(len(t.current))); err != nil {
			return fmt.Errorf("set nr_targets: %w", err)
		}
	}
	if errs > 0 {
		return fmt.Errorf("targets map: %d threads could not be added (map full?)", errs)
	}
	return nil
}

// untarget removes tid from the kernel's targets; t.mu is held.
func (t *Tracer) untarget(tid uint32) {
	_ = t.targets.Delete(tid)
	if t.runs != nil {
		_ = t.runs.Delete(tid)
	}
	delete(t.current, tid)
}

// scanLoop rescans the targets until Close.
func (t *Tracer) scanLoop() {
	defer close(t.scanDone)
	tick := time.NewTicker(t.opts.Rescan)
	defer tick.Stop()
	for {
		select {
		case <-t.stop:
			return
		case <-tick.C:
			if err := t.scanTargets(); err != nil {
				t.log.Warn("ebpf target scan", "err", err)
			}
		}
	}
}

// Threads returns a copy of the threads the kernel programs trace now, the
// set the last scan put in the targets map; ok is false when the tracer
// does not follow targets (--all, or the D-state probes disabled). Those
// who count per thread (read and write calls) count what the probes see,
// from the moment they see it, without walking /proc again.
func (t *Tracer) Threads() (tids map[uint32]bool, ok bool) {
	if t.opts.All || t.disabled("dstate") {
		return nil, false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return maps.Clone(t.current), true
}
