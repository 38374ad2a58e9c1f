package ebpf

import (
	"fmt"
	"time"

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
	// warnedAt is when the misses were last reported, unwarned how many
	// came since: a kernel that skips programs does so every interval, and
	// a warning per interval would bury everything else on the terminal.
	warnedAt time.Time
	unwarned uint64
}

// missWarnEvery is how often misses are reported at most.
const missWarnEvery = time.Minute

// warn adds n misses and returns how many to report now (0: not yet): the
// first ones at once, then those of each missWarnEvery together.
func (m *missCounter) warn(n uint64, now time.Time) uint64 {
	m.unwarned += n
	if m.unwarned == 0 || (!m.warnedAt.IsZero() && now.Sub(m.warnedAt) < missWarnEvery) {
		return 0
	}
	out := m.unwarned
	m.unwarned, m.warnedAt = 0, now
	return out
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
