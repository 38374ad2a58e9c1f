// Package symbols resolves kernel addresses to function names from
// /proc/kallsyms, including the symbols of loaded modules ([nfsd], [sunrpc]).
//
// A Table is immutable once built and safe for concurrent use. Names are kept
// in one byte slice with offsets, so a table of a full kernel (a few hundred
// thousand symbols) costs about 16 bytes per symbol plus the names.
package symbols

import (
	"bufio"
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
)

// ErrRestricted is returned when every address in kallsyms is zero, which is
// what an unprivileged reader sees under kernel.kptr_restrict.
var ErrRestricted = errors.New("kallsyms addresses are hidden (kernel.kptr_restrict or not root)")

// Symbol is one resolved kernel symbol.
type Symbol struct {
	Addr   uint64
	Name   string
	Module string // "" for the kernel image, else the module name without brackets
}

type entry struct {
	addr    uint64
	nameOff uint32
	nameLen uint16
	module  uint16 // index into Table.modules; 0 is the kernel image ("")
}

// Table maps addresses to the text symbols that contain them.
type Table struct {
	entries []entry
	names   []byte
	modules []string
}

// Load reads procRoot/kallsyms, e.g. Load("/proc").
func Load(procRoot string) (*Table, error) {
	path := filepath.Join(procRoot, "kallsyms")
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	// The root may come from the command line: bound what is read. A real
	// kallsyms is tens of megabytes.
	lr := &io.LimitedReader{R: f, N: MaxKallsyms + 1}
	t, err := Parse(lr)
	if err == nil && lr.N <= 0 {
		err = fmt.Errorf("larger than %d bytes", MaxKallsyms)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return t, nil
}

// MaxKallsyms is the most Load reads of a kallsyms file.
const MaxKallsyms = 256 << 20

// Parse reads kallsyms text ("ADDR TYPE NAME [MODULE]" per line) and keeps the
// text symbols (types t, T, w, W).
func Parse(r io.Reader) (*Table, error) {
	t := &Table{modules: []string{""}}
	modIdx := map[string]uint16{"": 0}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	lineNo := 0
	sawNonZero := false
	for sc.Scan() {
		lineNo++
		line := sc.Bytes()
		if len(line) == 0 {
			continue
		}
		addrField, rest := nextField(line)
		typ, rest := nextField(rest)
		name, rest := nextField(rest)
		modField, _ := nextField(rest)
		if len(name) == 0 {
			return nil, fmt.Errorf("line %d: want ADDR TYPE NAME, got %q", lineNo, line)
		}
		addr, ok := parseHex(addrField)
		if !ok {
			return nil, fmt.Errorf("line %d: bad address %q", lineNo, addrField)
		}
		if addr != 0 {
			sawNonZero = true
		}
		if len(typ) != 1 {
			return nil, fmt.Errorf("line %d: bad symbol type %q", lineNo, typ)
		}
		switch typ[0] {
		case 't', 'T', 'w', 'W':
		default:
			continue
		}
		if sectionMarker(name) {
			continue
		}
		if len(name) > 0xffff {
			return nil, fmt.Errorf("line %d: symbol name too long", lineNo)
		}
		var mod uint16
		if len(modField) > 0 {
			m := bytes.Trim(modField, "[]")
			idx, ok := modIdx[string(m)] // no allocation for the lookup
			if !ok {
				if len(t.modules) > 0xffff {
					return nil, fmt.Errorf("line %d: too many modules", lineNo)
				}
				idx = uint16(len(t.modules))
				t.modules = append(t.modules, string(m))
				modIdx[string(m)] = idx
			}
			mod = idx
		}
		if len(t.names) > 0xffffffff-len(name) {
			return nil, fmt.Errorf("line %d: symbol names exceed 4 GiB", lineNo)
		}
		t.entries = append(t.entries, entry{addr: addr, nameOff: uint32(len(t.names)), nameLen: uint16(len(name)), module: mod})
		t.names = append(t.names, name...)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if lineNo > 0 && !sawNonZero {
		return nil, ErrRestricted
	}
	// Ties (aliases at one address) keep file order through nameOff, so the
	// last alias listed wins, as in the kernel's own order.
	slices.SortFunc(t.entries, func(a, b entry) int {
		if c := cmp.Compare(a.addr, b.addr); c != 0 {
			return c
		}
		return cmp.Compare(a.nameOff, b.nameOff)
	})
	return t, nil
}

// sectionMarker reports whether name marks a section boundary rather than
// naming a function ("__sched_text_start", "_stext"). A marker shares its
// address with the section's first function, which must win: on Debian's 6.1
// stacks through schedule() otherwise read "__sched_text_start".
func sectionMarker(name []byte) bool {
	switch string(name) {
	case "_text", "_stext", "_etext", "_sinittext", "_einittext":
		return true
	}
	return bytes.HasPrefix(name, []byte("__")) &&
		(bytes.HasSuffix(name, []byte("_text_start")) || bytes.HasSuffix(name, []byte("_text_end")))
}

// nextField splits off the first field of b separated by spaces or tabs.
func nextField(b []byte) (field, rest []byte) {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	j := i
	for j < len(b) && b[j] != ' ' && b[j] != '\t' {
		j++
	}
	return b[i:j], b[j:]
}

// parseHex parses up to 16 hex digits.
func parseHex(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 16 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		v = v<<4 | uint64(c)
	}
	return v, true
}

// Len returns the number of text symbols.
func (t *Table) Len() int { return len(t.entries) }

// Lookup returns the symbol containing addr: the one with the highest address
// not above addr. It reports false for addresses below the first symbol.
func (t *Table) Lookup(addr uint64) (Symbol, bool) {
	i := sort.Search(len(t.entries), func(i int) bool { return t.entries[i].addr > addr })
	if i == 0 {
		return Symbol{}, false
	}
	e := t.entries[i-1]
	return Symbol{
		Addr:   e.addr,
		Name:   string(t.names[e.nameOff : e.nameOff+uint32(e.nameLen)]),
		Module: t.modules[e.module],
	}, true
}

// Name returns the function name containing addr, or the address in hex when
// no symbol covers it.
func (t *Table) Name(addr uint64) string {
	if s, ok := t.Lookup(addr); ok {
		return s.Name
	}
	return "0x" + strconv.FormatUint(addr, 16)
}

// Range returns the addresses [start, end) of the kernel image's text symbol
// name: end is where the next symbol starts. It reports false when the image
// has no such symbol or it is the last one.
func (t *Table) Range(name string) (start, end uint64, ok bool) {
	for i, e := range t.entries {
		if e.module != 0 || string(t.names[e.nameOff:e.nameOff+uint32(e.nameLen)]) != name {
			continue
		}
		for _, n := range t.entries[i+1:] {
			if n.module == 0 && n.addr > e.addr {
				return e.addr, n.addr, true
			}
		}
		return 0, 0, false
	}
	return 0, 0, false
}
