package hostile

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

type inner struct {
	F float64
	U uint8
}

type sample struct {
	I      int32
	U      uint64
	F      float64
	T      time.Time
	P      *inner
	S      []inner
	M      map[string]inner
	hidden int
}

// TestPerturb: with p=1 every exported number, through pointers, slices
// and maps, holds one of the hostile values (fitted to its type) and the
// unexported field is left alone; with p=0 nothing changes.
func TestPerturb(t *testing.T) {
	fresh := func() *sample {
		return &sample{I: 7, U: 7, F: 7, T: time.Unix(7, 0), P: &inner{7, 7}, S: []inner{{7, 7}}, M: map[string]inner{"k": {7, 7}}, hidden: 7}
	}
	r := rand.New(rand.NewPCG(1, 2))
	s := fresh()
	Perturb(r, reflect.ValueOf(s), 0)
	if !reflect.DeepEqual(s, fresh()) {
		t.Errorf("p=0 changed %+v", s)
	}
	isHostile := func(x float64) bool {
		if math.IsNaN(x) {
			return true
		}
		for _, n := range numbers {
			if x == n {
				return true
			}
		}
		return false
	}
	for range 50 {
		s := fresh()
		Perturb(r, reflect.ValueOf(s), 1)
		for name, x := range map[string]float64{"I": float64(s.I), "F": s.F, "P.F": s.P.F, "S.F": s.S[0].F, "M.F": s.M["k"].F} {
			if !isHostile(x) && x != math.MaxInt32 {
				t.Errorf("%s = %v, not a hostile value", name, x)
			}
		}
		for name, u := range map[string]uint64{"U": s.U, "P.U": uint64(s.P.U), "S.U": uint64(s.S[0].U), "M.U": uint64(s.M["k"].U)} {
			if u != 0 && u != 1 && u != math.MaxInt32 && u != 1<<53 && u != math.MaxUint64 && u != math.MaxUint8 {
				t.Errorf("%s = %d, not a hostile value", name, u)
			}
		}
		if s.T.Equal(time.Unix(7, 0)) {
			t.Errorf("time left at %v", s.T)
		}
		if s.hidden != 7 {
			t.Errorf("unexported field changed to %d", s.hidden)
		}
	}
}
