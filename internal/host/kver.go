package host

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
)

// InstalledKernels returns the kernel releases installed in the boot
// directory dir (files vmlinuz-RELEASE), oldest first by
// CompareKernelReleases. A missing or unreadable directory holds no kernel.
func InstalledKernels(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if absent(err) || errors.Is(err, fs.ErrPermission) {
			return nil, nil // unknown, which is not worth failing for
		}
		return nil, fmt.Errorf("list installed kernels: %w", err)
	}
	var rels []string
	for _, e := range entries {
		rel, ok := strings.CutPrefix(e.Name(), "vmlinuz-")
		if !ok || rel == "" {
			continue // vmlinuz, vmlinuz.old: symlinks to a release listed anyway
		}
		// Ubuntu signs kernels as vmlinuz-RELEASE.efi.signed; Fedora keeps a
		// rescue image that is not a release.
		rel = strings.TrimSuffix(rel, ".efi.signed")
		if strings.Contains(rel, "rescue") || strings.HasSuffix(rel, ".old") {
			continue
		}
		if !slices.Contains(rels, rel) {
			rels = append(rels, rel)
		}
	}
	slices.SortStableFunc(rels, CompareKernelReleases)
	return rels, nil
}

// CompareKernelReleases orders kernel release strings the way Debian orders
// package versions: runs of digits compare as numbers and the text between
// them compares character by character, with '~' before everything and
// letters before other characters. So 4.9.0-0.bpo.3-amd64 is newer than
// 4.4.0-3-amd64, 6.12.107+deb12-amd64 newer than 6.1.0-56-amd64, and
// 4.9.0-0.bpo.3-amd64 older than 4.9.0-3-amd64 (a backport precedes the
// release). It returns -1, 0 or +1.
func CompareKernelReleases(a, b string) int {
	for a != "" || b != "" {
		var ta, tb string
		ta, a = splitRun(a, false)
		tb, b = splitRun(b, false)
		if c := compareText(ta, tb); c != 0 {
			return c
		}
		ta, a = splitRun(a, true)
		tb, b = splitRun(b, true)
		if c := compareDigits(ta, tb); c != 0 {
			return c
		}
	}
	return 0
}

// splitRun splits off the leading run of digits (digits true) or non-digits.
func splitRun(s string, digits bool) (run, rest string) {
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9') == digits {
		i++
	}
	return s[:i], s[i:]
}

// compareDigits compares two runs of digits as numbers of any length.
func compareDigits(a, b string) int {
	a = strings.TrimLeft(a, "0")
	b = strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

// compareText compares non-digit runs with Debian's character order.
func compareText(a, b string) int {
	for i := 0; i < len(a) || i < len(b); i++ {
		oa, ob := charOrder(a, i), charOrder(b, i)
		if oa != ob {
			if oa < ob {
				return -1
			}
			return 1
		}
	}
	return 0
}

// charOrder is the weight of s[i]: '~' sorts before the end of the string,
// which sorts before letters, which sort before other characters.
func charOrder(s string, i int) int {
	if i >= len(s) {
		return 0
	}
	c := s[i]
	switch {
	case c == '~':
		return -1
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		return int(c)
	default:
		return int(c) + 256
	}
}
