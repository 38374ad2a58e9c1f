package texttable

import (
	"strings"
	"unicode/utf8"
)

// Column describes one column of a Table.
type Column struct {
	Header string
	Right  bool // numbers align right
	// Drop orders the columns left out when the table is too wide: the
	// highest Drop goes first; 0 is never dropped.
	Drop int
	// Flex marks the one column that shrinks to fit (a stack), its cells
	// rendered again by Table.Shrink.
	Flex bool
}

// Table is a table that fits a width by leaving out its most expendable
// columns, then shrinking its flexible one, then cutting what is left.
type Table struct {
	Cols []Column
	// Rows may be shorter than Cols: missing cells are empty.
	Rows [][]string
	// Shrink renders the flexible cell of row i in at most w columns; nil
	// cuts it.
	Shrink func(i, w int) string
}

// minFlex is the narrowest a flexible column gets before other columns are
// dropped: 40% of the width, at least 24 columns.
func minFlex(maxWidth int) int { return max(24, maxWidth*2/5) }

// Fit says which columns stay in at most maxWidth columns (0: no limit),
// and the width of the flexible column (0: its own).
func (t *Table) Fit(maxWidth int) (keep []bool, flexW int) {
	nat := make([]int, len(t.Cols))
	for c, col := range t.Cols {
		nat[c] = Width(col.Header)
		for _, r := range t.Rows {
			if c < len(r) && !t.note(r) {
				nat[c] = max(nat[c], Width(r[c]))
			}
		}
	}
	keep = make([]bool, len(t.Cols))
	flex := -1
	for c, col := range t.Cols {
		keep[c] = true
		if col.Flex {
			flex = c
		}
	}
	for maxWidth > 0 {
		total, others, n := 0, 0, 0
		for c := range t.Cols {
			if keep[c] {
				total += nat[c]
				if c != flex {
					others += nat[c]
				}
				n++
			}
		}
		total += Gap * (n - 1)
		if total <= maxWidth {
			break
		}
		if flex >= 0 {
			avail := maxWidth - others - Gap*(n-1)
			if avail >= minFlex(maxWidth) || avail >= nat[flex] {
				flexW = avail
				break
			}
		}
		drop := -1
		for c, col := range t.Cols {
			if keep[c] && col.Drop > 0 && (drop < 0 || col.Drop > t.Cols[drop].Drop) {
				drop = c
			}
		}
		if drop < 0 {
			if flex >= 0 {
				flexW = max(maxWidth-others-Gap*(n-1), 8)
			}
			break
		}
		keep[drop] = false
	}
	return keep, flexW
}

// note says that r is a note among the rows: one cell in a table of more.
func (t *Table) note(r []string) bool { return len(r) == 1 && len(t.Cols) > 1 }

// Lines renders the table in at most maxWidth columns (0: no limit): the
// header line first, then a line a row. A row of one cell (a note such as
// "… 3 more") is printed as it is, and does not widen the first column.
func (t *Table) Lines(maxWidth int) ([]string, error) {
	keep, flexW := t.Fit(maxWidth)
	var header []string
	var right []bool
	for c, col := range t.Cols {
		if !keep[c] {
			continue
		}
		h := col.Header
		if col.Flex && flexW > 0 {
			h = Truncate(h, flexW)
		}
		header = append(header, h)
		right = append(right, col.Right)
	}
	var rows [][]string
	notes := map[int]string{}
	for i, r := range t.Rows {
		if t.note(r) {
			notes[len(rows)] = r[0]
			continue
		}
		var row []string
		for c, col := range t.Cols {
			if !keep[c] {
				continue
			}
			var cell string
			if c < len(r) {
				cell = r[c]
			}
			if col.Flex && flexW > 0 && Width(cell) > flexW {
				if t.Shrink != nil {
					cell = t.Shrink(i, flexW)
				}
				cell = Truncate(cell, flexW)
			}
			row = append(row, cell)
		}
		rows = append(rows, row)
	}
	out, err := Lines(header, rows, right)
	if err != nil {
		return nil, err
	}
	if len(notes) > 0 {
		// Put each note back before the row it came before.
		withNotes := []string{out[0]}
		for i, l := range out[1:] {
			if n, ok := notes[i]; ok {
				withNotes = append(withNotes, n)
			}
			withNotes = append(withNotes, l)
		}
		if n, ok := notes[len(rows)]; ok {
			withNotes = append(withNotes, n)
		}
		out = withNotes
	}
	for i, l := range out {
		out[i] = Truncate(l, maxWidth)
	}
	return out, nil
}

// JoinParts joins parts with sep into lines of at most maxWidth columns
// (0: one line), breaking only between parts; continuation lines start
// with prefix.
func JoinParts(parts []string, sep string, maxWidth int, prefix string) []string {
	var lines []string
	cur := ""
	for i, p := range parts {
		switch {
		case i == 0:
			cur = p
		case maxWidth <= 0 || Width(cur)+Width(sep)+Width(p) <= maxWidth:
			cur += sep + p
		default:
			lines = append(lines, cur)
			cur = prefix + p
		}
	}
	return append(lines, cur)
}

// Width is the number of terminal columns s takes. Everything nfstrace
// prints is ASCII apart from a few single-column symbols ("←", "…", "µ",
// "⚠"), so runes are columns.
func Width(s string) int { return utf8.RuneCountInString(s) }

// Truncate cuts s to at most w columns (0: no limit), ending it with "…"
// when cut.
func Truncate(s string, w int) string {
	if w <= 0 || Width(s) <= w {
		return s
	}
	if w == 1 {
		return "…"
	}
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == w-1 {
			break
		}
		b.WriteRune(r)
		n++
	}
	b.WriteString("…")
	return b.String()
}
