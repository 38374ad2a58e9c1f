package model

import (
	"math"
	"testing"
	"time"
)

func TestFormatNs(t *testing.T) {
	for _, tc := range []struct {
		ns   float64
		want string
	}{
		{0, "0"},
		{math.NaN(), "0"},
		{850, "850ns"},
		{999.4, "999ns"},
		{999.7, "1.0µs"},
		{12_000, "12µs"},
		{999_700, "1.0ms"},
		{4_200_000, "4.2ms"},
		{9_940_000, "9.9ms"},
		{9_970_000, "10ms"}, // not "10.0ms"
		{820e6, "820ms"},
		{2.9e9, "2.9s"},
		{125e9, "125s"},
		{-3_800_000, "-3.8ms"},
	} {
		if got := FormatNs(tc.ns); got != tc.want {
			t.Errorf("FormatNs(%v) = %q, want %q", tc.ns, got, tc.want)
		}
	}
	if got := FormatDuration(4200 * time.Microsecond); got != "4.2ms" {
		t.Errorf("FormatDuration(4.2ms) = %q", got)
	}
}

func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{FormatCount(0), "0"},
		{FormatCount(7), "7"},
		{FormatCount(0.5), "0.5"},
		{FormatCount(12.4), "12"},
		{FormatCount(999), "999"},
		{FormatCount(999.6), "1.0k"},
		{FormatCount(4100), "4.1k"},
		{FormatCount(5000), "5.0k"},
		{FormatCount(12_345), "12k"},
		{FormatCount(3.89e6), "3.9M"},
		{FormatCount(38.9e6), "39M"},
		{FormatCount(2.5e9), "2.5G"},
		{FormatCount(-4100), "-4.1k"},
		{FormatRate(0), "0"},
		{FormatRate(0.25), "0.25"},
		{FormatRate(0.0031), "0.0031"},
		{FormatRate(1.5), "1.5"},
		{FormatRate(0.00005), "<0.0001"},
		{FormatRate(0.000123), "0.00012"},
		{FormatRate(0.999), "1"},
		{FormatRate(2300), "2.3k"},
		{FormatBytes(0), "0 B"},
		{FormatBytes(512), "512 B"},
		{FormatBytes(3584), "3.5 KiB"},
		{FormatBytes(1 << 20), "1.0 MiB"},
		{FormatBytes(16 << 30), "16.0 GiB"},
		{FormatBytes(3 << 40), "3.0 TiB"},
		{FormatMBps(0), "0"},
		{FormatMBps(40e3), "<0.1"},
		{FormatMBps(4.2e6), "4.2"},
		{FormatMBps(120e6), "120"},
		{FormatPct(0), "0%"},
		{FormatPct(0.045), "4.5%"},
		{FormatPct(0.37), "37%"},
		{FormatPct(0.008), "0.8%"},
		{FormatPct(-0.002), "-0.2%"},
		{FormatMBps(40e6), "40.0"},
		{FormatDuration(16_200_000_000), "16s"},
		{FormatCount(2.5), "2.5"},
		{FormatCount(410), "410"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
