// Package kvconf reads the `key = value` files the lab's and the diagnosis
// benchmark's scenarios are written in: one pair a line, `#` starts a
// comment, blank lines are skipped, and errors name the file and line.
package kvconf

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
)

// Each calls fn with every key and value of b in order, and the line they
// are on; src names the file in errors ("src:line: ..."). An error from fn
// stops the scan and is returned with the position prefixed.
func Each(src string, b []byte, fn func(line int, key, val string) error) error {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if i := strings.IndexByte(text, '#'); i >= 0 {
			text = text[:i]
		}
		text = strings.TrimSpace(text)
		if text == "" {
			continue
		}
		key, val, ok := strings.Cut(text, "=")
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		if !ok || key == "" {
			return fmt.Errorf("%s:%d: want key = value, got %q", src, line, text)
		}
		if err := fn(line, key, val); err != nil {
			return fmt.Errorf("%s:%d: %w", src, line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", src, err)
	}
	return nil
}
