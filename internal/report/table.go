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

// colGap is the space between columns.
const colGap = texttable.Gap

// minFlex is the narrowest a flexible column gets before other columns are
// dropped: 40% of the width, at least 24 columns.
func minFlex(maxWidth int) int { return max(24, maxWidth*2/5) }

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
	nat := make([]int, len(t.cols))
	for c, col := range t.cols {
		nat[c] = width(col.header)
		for _, r := range t.rows {
			nat[c] = max(nat[c], width(r[c]))
		}
	}
	keep := make([]bool, len(t.cols))
	for c := range keep {
		keep[c] = true
	}
	flex, flexW := -1, 0
	for c, col := range t.cols {
		if col.flex {
			flex = c
		}
	}
	for maxWidth > 0 {
		total, others, n := 0, 0, 0
		for c := range t.cols {
			if keep[c] {
				total += nat[c]
				if c != flex {
					others += nat[c]
				}
				n++
			}
		}
		total += colGap * (n - 1)
		if total <= maxWidth {
			break
		}
		if flex >= 0 {
			avail := maxWidth - others - colGap*(n-1)
			if avail >= minFlex(maxWidth) || avail >= nat[flex] {
				flexW = avail
				break
			}
		}
		// Drop the most expendable column still shown.
		drop := -1
		for c, col := range t.cols {
			if keep[c] && col.drop > 0 && (drop < 0 || col.drop > t.cols[drop].drop) {
				drop = c
			}
		}
		if drop < 0 {
			if flex >= 0 {
				flexW = max(maxWidth-others-colGap*(n-1), 8)
			}
			break
		}
		keep[drop] = false
	}

	var header []string
	var right []bool
	for c, col := range t.cols {
		if !keep[c] {
			continue
		}
		h := col.header
		if c == flex && flexW > 0 {
			h = truncate(h, flexW)
		}
		header = append(header, h)
		right = append(right, col.right)
	}
	rows := make([][]string, len(t.rows))
	for i, r := range t.rows {
		for c := range t.cols {
			if !keep[c] {
				continue
			}
			cell := r[c]
			if c == flex && flexW > 0 && width(cell) > flexW {
				if t.shrink != nil {
					cell = model.TermSafe(t.shrink(i, flexW))
				}
				cell = truncate(cell, flexW)
			}
			rows[i] = append(rows[i], cell)
		}
	}
	out, err := texttable.Lines(header, rows, right)
	if err != nil {
		return nil, err
	}
	for i, l := range out {
		out[i] = truncate(l, maxWidth)
	}
	return out, nil
}
