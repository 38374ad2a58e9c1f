package report

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// fmtDur formats a duration compactly for a table cell: "850ns", "12µs",
// "4.2ms", "820ms", "2.9s". Zero is "0".
func fmtDur(d time.Duration) string {
	ns := float64(d)
	switch {
	case d <= 0:
		return "0"
	case d < time.Microsecond:
		return fmt.Sprintf("%dns", int64(d))
	case d < time.Millisecond:
		return trimUnit(ns/1e3, "µs")
	case d < time.Second:
		return trimUnit(ns/1e6, "ms")
	default:
		return trimUnit(ns/1e9, "s")
	}
}

// trimUnit prints v with one decimal below 10 and none above.
func trimUnit(v float64, unit string) string {
	if v < 9.95 {
		return fmt.Sprintf("%.1f%s", v, unit)
	}
	return fmt.Sprintf("%.0f%s", v, unit)
}

// fmtNs formats nanoseconds held in an int64 (as in the JSON rows).
func fmtNs(ns int64) string { return fmtDur(time.Duration(ns)) }

// fmtCount formats a count or rate with k/M/G suffixes: "7", "4.1k", "38.9M".
func fmtCount(v float64) string {
	a := math.Abs(v)
	switch {
	case a == 0:
		return "0"
	case a < 9.95 && v != math.Trunc(v):
		return fmt.Sprintf("%.1f", v)
	case a < 999.5:
		return fmt.Sprintf("%.0f", v)
	case a < 999.5e3:
		return trimUnit(v/1e3, "k")
	case a < 999.5e6:
		return trimUnit(v/1e6, "M")
	default:
		return trimUnit(v/1e9, "G")
	}
}

// fmtBytes formats a byte rate in MB/s (10^6), the unit iostat users expect.
func fmtMBps(bps float64) string {
	if bps == 0 {
		return "0"
	}
	mb := bps / 1e6
	if mb < 0.05 {
		return "<0.1"
	}
	if mb < 99.95 {
		return fmt.Sprintf("%.1f", mb)
	}
	return fmt.Sprintf("%.0f", mb)
}

// fmtPct formats a 0..1 fraction as a percentage.
func fmtPct(f float64) string {
	p := f * 100
	if p > 0 && p < 9.95 {
		return fmt.Sprintf("%.1f%%", p)
	}
	return fmt.Sprintf("%.0f%%", p)
}

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
