package ebpf

import (
	"errors"
	"testing"
	"time"

	"github.com/cilium/ebpf"
)

type fakeProg struct {
	misses uint64
	err    error
}

func (f *fakeProg) Stats() (*ebpf.ProgramStats, error) {
	return &ebpf.ProgramStats{RecursionMisses: f.misses}, f.err
}

func TestMissDelta(t *testing.T) {
	a, b := &fakeProg{misses: 3}, &fakeProg{misses: 4}
	var m missCounter
	steps := []struct {
		name       string
		setA, setB uint64
		want       uint64
	}{
		{"first read: every miss since load", 3, 4, 7},
		{"no new miss", 3, 4, 0},
		{"misses of both programs add up", 5, 10, 8},
		{"a program reloaded (total fell): nothing, not a wrap-around", 0, 1, 0},
		{"counting resumes from the new total", 2, 1, 2},
	}
	for _, s := range steps {
		a.misses, b.misses = s.setA, s.setB
		got, err := missDelta(&m, []*fakeProg{a, b})
		if err != nil || got != s.want {
			t.Errorf("%s: missDelta = %d, %v; want %d", s.name, got, err, s.want)
		}
	}
	b.err = errors.New("bad fd")
	if _, err := missDelta(&m, []*fakeProg{a, b}); err == nil {
		t.Error("a program whose stats cannot be read: no error")
	}
}

// TestMissWarn: the first misses are reported at once, later ones together
// at most once every missWarnEvery, and none is dropped from the reports.
func TestMissWarn(t *testing.T) {
	var m missCounter
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	steps := []struct {
		n    uint64
		at   time.Duration
		want uint64
	}{
		{0, 0, 0},
		{5, time.Second, 5},
		{7, 2 * time.Second, 0},
		{0, 30 * time.Second, 0},
		{1, 61 * time.Second, 8},
		{0, 200 * time.Second, 0},
		{2, 201 * time.Second, 2},
	}
	for i, s := range steps {
		if got := m.warn(s.n, t0.Add(s.at)); got != s.want {
			t.Errorf("step %d (%d misses at %v): report %d, want %d", i, s.n, s.at, got, s.want)
		}
	}
}
