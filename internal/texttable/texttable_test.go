package texttable

import (
	"slices"
	"testing"
)

func TestLines(t *testing.T) {
	tests := []struct {
		name   string
		header []string
		rows   [][]string
		right  []bool
		want   []string
	}{
		{
			name:   "numbers right, text left",
			header: []string{"OP", "COUNT", "SITE"},
			rows:   [][]string{{"READ", "7", "io_schedule"}, {"GETATTR", "4.1k", "-"}},
			right:  []bool{false, true, false},
			want: []string{
				"OP       COUNT  SITE",
				"READ         7  io_schedule",
				"GETATTR   4.1k  -",
			},
		},
		{
			name:   "short row padded",
			header: []string{"A", "B"},
			rows:   [][]string{{"x"}},
			want:   []string{"A  B", "x"},
		},
		{
			name:   "multi-byte cells keep their width",
			header: []string{"STACK", "N"},
			rows:   [][]string{{"a ← b", "1"}, {"abcdefg", "2"}},
			right:  []bool{false, true},
			want:   []string{"STACK    N", "a ← b    1", "abcdefg  2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Lines(tt.header, tt.rows, tt.right)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Lines =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}
