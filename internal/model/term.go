package model

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// TermSafe returns s with every byte or character a terminal could act on
// written as a visible Go-style escape: C0 controls (ESC, BEL, CR, LF, TAB
// included) and DEL as \xNN, C1 controls as \u0080..\u009f, and bytes that
// are not UTF-8 as \xNN. An escape sequence thus prints as text instead of
// retitling, clearing or reprogramming root's terminal. Every other
// character, multi-byte ones included, is kept; a string without controls is
// returned as it is, without allocating.
//
// Text views apply it at the rendering edge to every string that comes from
// a capture or from the host (comm, wait sites, devices, clients, ops,
// sysctl values, hostnames); JSON output keeps the exact strings.
func TermSafe(s string) string { return termEscape(s, false) }

// TermSafeLines is TermSafe for text made of lines: it keeps the newlines
// and escapes everything else TermSafe does.
func TermSafeLines(s string) string { return termEscape(s, true) }

func termEscape(s string, keepNewline bool) string {
	i := firstUnsafe(s, keepNewline)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n' && keepNewline:
			b.WriteByte('\n')
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r >= 0x80 && r <= 0x9f:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// firstUnsafe is the offset of the first byte termEscape changes, -1 if none.
func firstUnsafe(s string, keepNewline bool) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if (c < 0x20 && !(keepNewline && c == '\n')) || c == 0x7f {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || (r >= 0x80 && r <= 0x9f) {
			return i
		}
		i += size
	}
	return -1
}
