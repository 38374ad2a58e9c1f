package report

import (
	"fmt"
	"time"

	"github.com/nfstrace/nfstrace/internal/model"
	"github.com/nfstrace/nfstrace/internal/texttable"
)

// fmtNs formats nanoseconds held in an int64 (as in the JSON rows).
func fmtNs(ns int64) string { return model.FormatDuration(time.Duration(ns)) }

// fmtSeconds formats a window or interval length: "1s", "10s", "500ms", "2m0s".
func fmtSeconds(s float64) string {
	return time.Duration(s * float64(time.Second)).Round(time.Millisecond).String()
}

// width is the number of terminal columns s takes (texttable.Width).
func width(s string) int { return texttable.Width(s) }

// truncate cuts s to at most w columns, ending it with "…" when cut.
func truncate(s string, w int) string { return texttable.Truncate(s, w) }

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
