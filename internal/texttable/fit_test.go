package texttable

import (
	"slices"
	"strings"
	"testing"
)

// TestTableLines: a table fits its width by shrinking its flexible column
// while it keeps 40% of the width (24 columns at least), else by leaving
// out the column with the highest Drop, and cuts each line when nothing is
// left to drop; a one-cell row is a note that widens no column.
func TestTableLines(t *testing.T) {
	cols := func() []Column {
		return []Column{{Header: "KEY"}, {Header: "N", Right: true}, {Header: "P50", Right: true, Drop: 1},
			{Header: "RANGE", Drop: 2}, {Header: "SITE", Flex: true}}
	}
	rows := func() [][]string {
		return [][]string{
			{"a", "12", "3ms", "(2ms–4ms)", "io_schedule ← blk_mq_get_tag ← submit_bio"},
			{"… 2 more rows than shown"},
		}
	}
	tests := []struct {
		name   string
		width  int
		shrink func(i, w int) string
		want   []string
	}{
		{name: "no limit", width: 0, want: []string{
			"KEY   N  P50  RANGE      SITE",
			"a    12  3ms  (2ms–4ms)  io_schedule ← blk_mq_get_tag ← submit_bio",
			"… 2 more rows than shown",
		}},
		{name: "the flexible column shrinks while it keeps 40% of the width", width: 60, want: []string{
			"KEY   N  P50  RANGE      SITE",
			"a    12  3ms  (2ms–4ms)  io_schedule ← blk_mq_get_tag ← sub…",
			"… 2 more rows than shown",
		}},
		{name: "then the highest Drop goes", width: 45, want: []string{
			"KEY   N  P50  SITE",
			"a    12  3ms  io_schedule ← blk_mq_get_tag ←…",
			"… 2 more rows than shown",
		}},
		{name: "a cell shrunk by its function", width: 45, shrink: func(int, int) string { return "io_schedule ← … ← submit_bio" }, want: []string{
			"KEY   N  P50  SITE",
			"a    12  3ms  io_schedule ← … ← submit_bio",
			"… 2 more rows than shown",
		}},
		{name: "with nothing left to drop, lines are cut", width: 20, want: []string{
			"KEY   N  SITE",
			"a    12  io_schedul…",
			"… 2 more rows than …",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := Table{Cols: cols(), Rows: rows(), Shrink: tt.shrink}
			got, err := tb.Lines(tt.width)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Lines(%d) =\n%s\nwant\n%s", tt.width, strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			for _, l := range got {
				if tt.width > 0 && Width(l) > tt.width {
					t.Errorf("line %q is wider than %d", l, tt.width)
				}
			}
		})
	}
}

func TestTruncate(t *testing.T) {
	for _, tt := range []struct {
		s    string
		w    int
		want string
	}{
		{"abc", 0, "abc"}, {"abc", 3, "abc"}, {"abcd", 3, "ab…"}, {"a ← b ← c", 5, "a ← …"}, {"abc", 1, "…"},
	} {
		if got := Truncate(tt.s, tt.w); got != tt.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tt.s, tt.w, got, tt.want)
		}
	}
}

func TestJoinParts(t *testing.T) {
	parts := []string{"host lab", "kernel 6.12.118", "backend ebpf"}
	for _, tt := range []struct {
		width int
		want  []string
	}{
		{0, []string{"host lab  kernel 6.12.118  backend ebpf"}},
		{40, []string{"host lab  kernel 6.12.118  backend ebpf"}},
		{30, []string{"host lab  kernel 6.12.118", "   backend ebpf"}},
		{5, []string{"host lab", "   kernel 6.12.118", "   backend ebpf"}},
	} {
		if got := JoinParts(parts, "  ", tt.width, "   "); !slices.Equal(got, tt.want) {
			t.Errorf("JoinParts(%d) = %q, want %q", tt.width, got, tt.want)
		}
	}
}
