package ebpf

import (
	"errors"
	"testing"

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
