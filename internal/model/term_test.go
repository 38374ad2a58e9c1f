package model

import (
	"testing"
	"unicode/utf8"
)

func TestTermSafe(t *testing.T) {
	tests := []struct {
		in, want, wantLines string
	}{
		{"nfsd", "nfsd", "nfsd"},
		{"rwsem_down_write_slowpath;ext4_file_write_iter", "rwsem_down_write_slowpath;ext4_file_write_iter", "rwsem_down_write_slowpath;ext4_file_write_iter"},
		{"café ← µs", "café ← µs", "café ← µs"},
		{"\x1b]0;pwn\x07", `\x1b]0;pwn\x07`, `\x1b]0;pwn\x07`},
		{"\x1b[2J\x1b[H", `\x1b[2J\x1b[H`, `\x1b[2J\x1b[H`},
		{"a\tb\r\nc", `a\x09b\x0d\x0ac`, "a\\x09b\\x0d\nc"},
		{"\x00\x7f", `\x00\x7f`, `\x00\x7f`},
		{"csi\u009b31m", `csi\u009b31m`, `csi\u009b31m`}, // C1 CSI as a character
		{"raw\x9b31m", `raw\x9b31m`, `raw\x9b31m`},       // C1 CSI as a raw byte (not UTF-8)
		{"bad\xff\xfe", `bad\xff\xfe`, `bad\xff\xfe`},
		{"line\n", `line\x0a`, "line\n"},
	}
	for _, tt := range tests {
		if got := TermSafe(tt.in); got != tt.want {
			t.Errorf("TermSafe(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := TermSafeLines(tt.in); got != tt.wantLines {
			t.Errorf("TermSafeLines(%q) = %q, want %q", tt.in, got, tt.wantLines)
		}
		// escaping is idempotent: a rendered string renders the same again
		if got := TermSafe(TermSafe(tt.in)); got != tt.want {
			t.Errorf("TermSafe twice on %q = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzTermSafe(f *testing.F) {
	for _, s := range []string{"nfsd", "\x1b]0;pwn\x07", "\u009b", "\xff", "a\nb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, out := range []string{TermSafe(s), TermSafeLines(s)} {
			if !utf8.ValidString(out) {
				t.Fatalf("%q: output %q is not UTF-8", s, out)
			}
			for _, r := range out {
				if r < 0x20 && r != '\n' || r == 0x7f || r >= 0x80 && r <= 0x9f {
					t.Fatalf("%q: output %q holds control %U", s, out, r)
				}
			}
		}
		for _, r := range TermSafe(s) {
			if r == '\n' {
				t.Fatalf("TermSafe(%q) kept a newline", s)
			}
		}
	})
}
