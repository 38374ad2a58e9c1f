package model

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// The formatters below are the one way every screen writes a figure, so
// that the same value reads the same in top, report, compare and serve.

// FormatDuration formats a duration compactly: "850ns", "12µs", "4.2ms",
// "820ms", "2.9s"; one decimal below 10 of a unit and none above. Zero is
// "0"; a negative duration is its magnitude after "-".
func FormatDuration(d time.Duration) string { return FormatNs(float64(d)) }

// FormatNs is FormatDuration for a number of nanoseconds held in a float (a
// mean or a per-second figure).
func FormatNs(ns float64) string {
	a := math.Abs(ns)
	var s string
	switch {
	case a == 0 || math.IsNaN(a):
		return "0"
	case a < 999.5:
		s = fmt.Sprintf("%.0fns", a)
	case a < 999.5e3:
		s = scaled(a/1e3, "µs")
	case a < 999.5e6:
		s = scaled(a/1e6, "ms")
	default:
		s = scaled(a/1e9, "s")
	}
	if ns < 0 {
		return "-" + s
	}
	return s
}

// scaled prints v with one decimal below 10 and none above: "9.9ms",
// "10ms" (for 9.97 too, never "10.0ms").
func scaled(v float64, unit string) string {
	if v < 9.95 {
		return fmt.Sprintf("%.1f%s", v, unit)
	}
	return fmt.Sprintf("%.0f%s", v, unit)
}

// FormatCount formats a count or a rate of events with k/M/G suffixes:
// "7", "0.5", "4.1k", "39M".
func FormatCount(v float64) string {
	a := math.Abs(v)
	switch {
	case a == 0 || math.IsNaN(a):
		return "0"
	case a < 9.95 && v != math.Trunc(v):
		return fmt.Sprintf("%.1f", v)
	case a < 999.5:
		return fmt.Sprintf("%.0f", v)
	case a < 999.5e3:
		return scaled(v/1e3, "k")
	case a < 999.5e6:
		return scaled(v/1e6, "M")
	default:
		return scaled(v/1e9, "G")
	}
}

// FormatRate formats a rate of rare events per second: FormatCount from
// one a second up, two significant digits below in plain decimals ("0.25",
// "0.0031"), and "<0.0001" below that, never an exponent.
func FormatRate(perSec float64) string {
	if perSec >= 1 || perSec <= 0 || math.IsNaN(perSec) {
		return FormatCount(perSec)
	}
	if perSec < 0.0001 {
		return "<0.0001"
	}
	v, _ := strconv.ParseFloat(fmt.Sprintf("%.2g", perSec), 64)
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// FormatBytes formats a size in binary units: "512 B", "3.5 KiB",
// "1.2 MiB", "15.6 GiB".
func FormatBytes(n uint64) string {
	switch {
	case n >= 1<<40:
		return fmt.Sprintf("%.1f TiB", float64(n)/(1<<40))
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// FormatMBps formats a byte rate in MB/s (10^6 bytes), the unit iostat
// users expect: "0", "<0.1", "4.2", "120".
func FormatMBps(bytesPerSec float64) string {
	if bytesPerSec == 0 {
		return "0"
	}
	mb := bytesPerSec / 1e6
	if mb < 0.05 {
		return "<0.1"
	}
	if mb < 99.95 {
		return fmt.Sprintf("%.1f", mb)
	}
	return fmt.Sprintf("%.0f", mb)
}

// FormatPct formats a 0..1 fraction as a percentage, with one decimal
// below 10% either way: "0%", "4.5%", "-0.2%", "37%".
func FormatPct(f float64) string {
	p := f * 100
	if a := math.Abs(p); a > 0 && a < 9.95 {
		return fmt.Sprintf("%.1f%%", p)
	}
	return fmt.Sprintf("%.0f%%", p)
}
