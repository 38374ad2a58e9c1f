package report

import (
	"github.com/nfstrace/nfstrace/internal/model"
	"github.com/nfstrace/nfstrace/internal/texttable"
)

// column describes one column of a text table.
type column struct {
	header string
	right  bool // numbers align right
	// drop orders the columns left out when the terminal is too narrow:
	// the highest drop goes first; 0 is never dropped.
	drop int
	// flex marks the one column that shrinks to fit (stacks), rendering its
	// cells again with shrink.
	flex bool
}

// table is a borderless text table in the style of top(1) and iostat(1).
type table struct {
	cols []column
	rows [][]string
	// shrink renders the flexible cell of row i in at most w columns.
	shrink func(i, w int) string
}

// lines renders the table in at most maxWidth columns (0: no limit): the
// header line first, then one line per row.
func (t *table) lines(maxWidth int) ([]string, error) {
	// Cells hold strings from captures and the host: escape their control
	// characters before measuring them.
	for _, r := range t.rows {
		for c := range r {
			r[c] = model.TermSafe(r[c])
		}
	}
	tt := texttable.Table{Cols: make([]texttable.Column, len(t.cols)), Rows: t.rows}
	for c, col := range t.cols {
		tt.Cols[c] = texttable.Column{Header: col.header, Right: col.right, Drop: col.drop, Flex: col.flex}
	}
	if t.shrink != nil {
		tt.Shrink = func(i, w int) string { return model.TermSafe(t.shrink(i, w)) }
	}
	return tt.Lines(maxWidth)
}
