package host

import (
	"bytes"
	"fmt"
	"strconv"
)

// The byte helpers below let the per-interval parsers walk procfs text
// without splitting it into strings: strings.Fields on /proc/diskstats or
// /proc/net/rpc/nfsd would allocate every field of every line each sample.

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// nextLine returns the first line of b (without its newline) and the rest.
func nextLine(b []byte) (line, rest []byte) {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i], b[i+1:]
	}
	return b, nil
}

// nextField returns the first blank-separated field of b and the rest.
// field is empty when b holds only blanks.
func nextField(b []byte) (field, rest []byte) {
	i := 0
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	j := i
	for j < len(b) && !isSpace(b[j]) {
		j++
	}
	return b[i:j], b[j:]
}

// countFields counts the blank-separated fields of b.
func countFields(b []byte) int {
	n := 0
	for {
		var f []byte
		f, b = nextField(b)
		if len(f) == 0 {
			return n
		}
		n++
	}
}

// parseUint parses a decimal unsigned integer without allocating.
func parseUint(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if n > (1<<64-1-d)/10 {
			return 0, false // overflow
		}
		n = n*10 + d
	}
	return n, true
}

// parseInt parses a decimal integer that fits an int, possibly negative.
func parseInt(b []byte) (int, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	u, ok := parseUint(b)
	if !ok || u > 1<<31-1 {
		return 0, false
	}
	if neg {
		return -int(u), true
	}
	return int(u), true
}

// errField builds the one-line error of a field that does not parse.
func errField(what string, field []byte) error {
	if len(field) > 40 {
		field = append(field[:37:37], "..."...)
	}
	return fmt.Errorf("%s: bad number %q", what, field)
}

// uintFields parses up to len(dst) numbers from b into dst and returns how
// many it parsed, or the first field that is not a number. Extra fields are
// ignored.
func uintFields(b []byte, dst []uint64) (n int, bad []byte) {
	for n < len(dst) {
		var f []byte
		f, b = nextField(b)
		if len(f) == 0 {
			break
		}
		v, ok := parseUint(f)
		if !ok {
			return n, f
		}
		dst[n] = v
		n++
	}
	return n, nil
}

// parseFloat parses a decimal number such as a load average.
func parseFloat(b []byte) (float64, bool) {
	if len(b) == 0 || len(b) > 32 {
		return 0, false
	}
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return 0, false
	}
	return v, true
}
