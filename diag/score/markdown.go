package score

import (
	"fmt"
	"io"
	"strings"
)

// Markdown writes the scores of every set, their confusion tables and
// each pair's verdict.
func Markdown(w io.Writer, rs []Result, header string) error {
	var b strings.Builder
	b.WriteString(header)
	b.WriteString("\n## Scores\n\n")
	b.WriteString("| set | injected pairs | top-1 correct | effective injections | top-1 correct | too short | null pairs | false alarms | too short | steady null pairs | false alarms | leads naming the change |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, set := range []string{"dev", "heldout", "heldout2", "lab", ""} {
		t := Count(rs, set)
		if set != "" && t.Injected+t.Null == 0 {
			continue
		}
		name := set
		if set == "" {
			name = "all"
		}
		fmt.Fprintf(&b, "| %s | %d | %d (%s) | %d | %d (%s) | %d | %d | %d | %d | %d | %d | %d of %d |\n", name, t.Injected, t.InjectedCorrect,
			pct(t.InjectedCorrect, t.Injected), t.Effective, t.EffectiveCorrect, pct(t.EffectiveCorrect, t.Effective),
			t.InjectedTooShort, t.Null, t.FalseAlarms, t.NullTooShort, t.Steady, t.SteadyFalseAlarms, t.LeadNamed, t.WithChange)
	}
	for _, set := range []string{"dev", "heldout", "heldout2", "lab"} {
		rows, cols, n := Confusion(rs, set)
		if len(rows) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n## Confusion, %s set (rows: true cause; columns: the verdict's top-ranked cause)\n\n", set)
		b.WriteString("| true \\ verdict | " + strings.Join(cols, " | ") + " |\n|---|" + strings.Repeat("---|", len(cols)) + "\n")
		for _, r := range rows {
			cells := make([]string, len(cols))
			for i, c := range cols {
				if k := n[[2]string{r, c}]; k > 0 {
					cells[i] = fmt.Sprint(k)
					if r == c {
						cells[i] = "**" + cells[i] + "**"
					}
				}
			}
			b.WriteString("| " + r + " | " + strings.Join(cells, " | ") + " |\n")
		}
	}
	b.WriteString("\n## Every verdict\n\n| set | pair | truth | workload's latency B/A | verdict | |\n|---|---|---|---|---|---|\n")
	for _, r := range rs {
		mark := "ok"
		if !r.Correct() {
			mark = "**miss**"
		}
		pred := r.Predicted
		if r.Aside != "" {
			pred += " (aside: " + r.Aside + ")"
		}
		effect := "-"
		if r.Effect > 0 {
			effect = fmt.Sprintf("x%.2f", r.Effect)
			switch {
			case !r.Null && !r.Effective():
				effect += " (ineffective)"
			case r.Null && !r.Steady():
				effect += " (moved)"
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", r.Set, r.Name(), r.Truth, effect, pred, mark)
	}
	b.WriteString("\n## The verdicts' sentences\n\n")
	for _, r := range rs {
		fmt.Fprintf(&b, "- `%s %s` (truth %s): %s", r.Set, r.Name(), r.Truth, escape(r.Summary))
		if r.Lead != "" {
			fmt.Fprintf(&b, " LEAD: %s", escape(r.Lead))
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func pct(a, b int) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", 100*float64(a)/float64(b))
}

func escape(s string) string { return strings.ReplaceAll(s, "|", "\\|") }
