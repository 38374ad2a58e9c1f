// Package texttable renders the borderless text tables of nfstrace's
// screens, in the style of top(1) and iostat(1): a header line, one line a
// row, two spaces between columns, numbers aligned right. Fitting a table
// to a terminal's width is the caller's business.
package texttable

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// Gap is the space between columns.
const Gap = 2

// Lines renders header and rows, right[c] aligning column c to the right,
// and returns the lines without trailing blanks. Rows shorter than the
// header are padded with empty cells. The cells are printed as they are:
// the caller escapes what came from a capture or the host.
func Lines(header []string, rows [][]string, right []bool) ([]string, error) {
	aligns := make([]tw.Align, len(header))
	for c := range aligns {
		aligns[c] = tw.AlignLeft
		if c < len(right) && right[c] {
			aligns[c] = tw.AlignRight
		}
	}
	for i, r := range rows {
		for len(r) < len(header) {
			r = append(r, "")
		}
		rows[i] = r
	}
	pad := tw.CellPadding{Global: tw.Padding{Left: "", Right: strings.Repeat(" ", Gap), Overwrite: true}}
	cell := func() tw.CellConfig {
		return tw.CellConfig{
			Formatting: tw.CellFormatting{AutoWrap: tw.WrapNone, AutoFormat: tw.Off},
			Alignment:  tw.CellAlignment{Global: tw.AlignLeft, PerColumn: aligns},
			Padding:    pad,
		}
	}
	var buf bytes.Buffer
	t := tablewriter.NewTable(&buf,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Borders:  tw.BorderNone,
			Symbols:  tw.NewSymbols(tw.StyleNone),
			Settings: tw.Settings{Separators: tw.SeparatorsNone, Lines: tw.LinesNone},
		})),
		tablewriter.WithConfig(tablewriter.Config{Header: cell(), Row: cell()}),
		tablewriter.WithTrimSpace(tw.Off),
	)
	t.Header(header)
	if err := t.Bulk(rows); err != nil {
		return nil, fmt.Errorf("render table: %w", err)
	}
	if err := t.Render(); err != nil {
		return nil, fmt.Errorf("render table: %w", err)
	}
	out := strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
	for i, l := range out {
		out[i] = strings.TrimRight(l, " ")
	}
	return out, nil
}
