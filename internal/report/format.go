package report

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nfstrace/nfstrace/internal/model"
)

// fmtNs formats nanoseconds held in an int64 (as in the JSON rows).
func fmtNs(ns int64) string { return model.FormatDuration(time.Duration(ns)) }

// fmtSeconds formats a window or interval length: "1s", "10s", "500ms", "2m0s".
func fmtSeconds(s float64) string {
	return time.Duration(s * float64(time.Second)).Round(time.Millisecond).String()
}

// width is the number of terminal columns s takes. Everything nfstrace prints
// is ASCII apart from a few single-column symbols ("←", "…", "µ", "⚠"), so
// runes are columns.
func width(s string) int { return utf8.RuneCountInString(s) }

// truncate cuts s to at most w columns, ending it with "…" when cut.
func truncate(s string, w int) string {
	if w <= 0 || width(s) <= w {
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

// secondsDur converts float seconds to a Duration.
func secondsDur(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// msDur converts float milliseconds to a Duration.
func msDur(ms float64) time.Duration { return time.Duration(ms * float64(time.Millisecond)) }

// fmtWindow says what the rates and percentiles of a frame are: averages
// over its window, "10 s average", "5 min average".
func fmtWindow(sec float64) string {
	switch {
	case sec < 1:
		return fmt.Sprintf("%.1f s average", sec)
	case sec < 120:
		return fmt.Sprintf("%.0f s average", sec)
	}
	return fmt.Sprintf("%.0f min average", sec/60)
}
