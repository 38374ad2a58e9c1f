package compare

import (
	"math"
	"testing"
)

func TestMoveText(t *testing.T) {
	tests := []struct {
		ratio float64
		want  string
	}{
		{math.Inf(1), "rose from zero"},
		{430.2, "rose 430x"},
		{17.24, "rose 17x"},
		{9.96, "rose 10x"},
		{9.94, "rose 9.9x"},
		{2.1, "rose 2.1x"},
		{1.46, "rose 46%"},
		{1, "rose 0%"},
		{0.8, "fell 20%"},
		{0.5, "fell 2.0x"},
		{0.01, "fell 100x"},
	}
	for _, tt := range tests {
		if got := moveText(tt.ratio); got != tt.want {
			t.Errorf("moveText(%v) = %q, want %q", tt.ratio, got, tt.want)
		}
	}
}
