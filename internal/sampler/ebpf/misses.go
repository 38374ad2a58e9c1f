package ebpf

import (
	"fmt"

	"github.com/cilium/ebpf"
)

// missCounter follows how often the kernel skipped programs because one was
// already running on the CPU (bpf_prog_info.recursion_misses, 5.12+). Where
// tracepoints run their programs preemptibly (7.x with lazy preemption), a
// thread preempted inside a program makes the next thread on that CPU skip
// the same tracepoint; each skip is a sample lost, which must be counted,
// not silent.
type missCounter struct {
	last uint64
}

// statser is what missDelta reads of a program (*ebpf.Program).
type statser interface {
	Stats() (*ebpf.ProgramStats, error)
}

// missDelta returns the misses of progs since the previous call with m.
func missDelta[P statser](m *missCounter, progs []P) (uint64, error) {
	var total uint64
	for _, p := range progs {
		st, err := p.Stats()
		if err != nil {
			return 0, fmt.Errorf("read program %v stats: %w", p, err)
		}
		total += st.RecursionMisses
	}
	d := uint64(0)
	if total > m.last {
		d = total - m.last
	}
	m.last = total
	return d, nil
}
