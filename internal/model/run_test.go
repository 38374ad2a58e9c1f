package model

import "testing"

func TestSumOnly(t *testing.T) {
	full := Hist{}
	full.Add(1000)
	for _, tc := range []struct {
		name string
		h    Hist
		want bool
	}{
		{"empty", Hist{}, false},
		{"buckets", full, false},
		{"total and count only", Hist{Count: 3, SumNs: 3000}, true},
	} {
		if got := tc.h.SumOnly(); got != tc.want {
			t.Errorf("%s: SumOnly = %v, want %v", tc.name, got, tc.want)
		}
	}
}
