package capture

import (
	"fmt"
	"math"
	"unsafe"
)

// Strings (comm names, wait sites, devices, schedulers, operations, clients)
// are stored once in Strings frames and referenced by id. Id 0 is always "".
// Ids are assigned in order of first use over the whole file; a Strings frame
// holds the next run of ids and precedes every frame that uses them.

// strWriter assigns ids and remembers which are not yet written.
type strWriter struct {
	ids     map[string]uint32
	list    []string // id-1 -> string
	written int      // len(list) already in the file
	// recent maps a string's bytes (address and length) to its id: the
	// backends hand over the same interned strings again and again, and
	// comparing an address is cheaper than hashing the bytes. Go strings
	// are immutable, so the same address and length mean the same string.
	recent [256]recentStr
}

type recentStr struct {
	p  *byte
	n  int
	id uint32
}

func newStrWriter() *strWriter { return &strWriter{ids: make(map[string]uint32)} }

func (s *strWriter) id(v string) uint32 {
	if v == "" {
		return 0
	}
	p := unsafe.StringData(v)
	r := &s.recent[(uintptr(unsafe.Pointer(p))>>4^uintptr(len(v)))%uintptr(len(s.recent))]
	if r.p == p && r.n == len(v) {
		return r.id
	}
	id, ok := s.ids[v]
	if !ok {
		s.list = append(s.list, v)
		id = uint32(len(s.list))
		s.ids[v] = id
	}
	*r = recentStr{p: p, n: len(v), id: id}
	return id
}

// pending reports whether new strings wait to be written.
func (s *strWriter) pending() bool { return len(s.list) > s.written }

// appendPending encodes the unwritten strings: first id, count, then each
// string as length and bytes.
func (s *strWriter) appendPending(b []byte) []byte {
	b = appendUvarint(b, uint64(s.written+1))
	b = appendUvarint(b, uint64(len(s.list)-s.written))
	for _, v := range s.list[s.written:] {
		b = appendUvarint(b, uint64(len(v)))
		b = append(b, v...)
	}
	return b
}

func (s *strWriter) commit() { s.written = len(s.list) }

// rollback forgets strings assigned since the last commit, when the frames
// that used them were not written.
func (s *strWriter) rollback() {
	for _, v := range s.list[s.written:] {
		delete(s.ids, v)
	}
	s.list = s.list[:s.written]
	clear(s.recent[:])
}

// strReader resolves ids.
type strReader struct {
	list []string // id -> string; list[0] == ""
	// salvage resolves unknown ids, whose Strings frame was damaged and
	// skipped, to placeholders instead of failing.
	salvage bool
	// lost counts ids resolved to placeholders.
	lost int
	// bud is charged for the strings added.
	bud *budget
}

func newStrReader(salvage bool, bud *budget) *strReader {
	return &strReader{list: []string{""}, salvage: salvage, bud: bud}
}

// add decodes a Strings frame. With salvage, a gap left by a skipped frame
// is filled with placeholders.
func (s *strReader) add(p []byte) error {
	d := decoder{b: p}
	first := d.uvarint()
	n := d.count(1)
	if d.err != nil {
		return fmt.Errorf("strings frame: %w", d.err)
	}
	if first == 0 || first > math.MaxUint32 {
		return fmt.Errorf("strings frame: first id %d", first)
	}
	switch {
	case first < uint64(len(s.list)):
		return fmt.Errorf("strings frame: id %d defined twice", first)
	case first > uint64(len(s.list)):
		if !s.salvage {
			return fmt.Errorf("strings frame: ids %d to %d missing", len(s.list), first-1)
		}
		if first-uint64(len(s.list)) > 1<<20 {
			return fmt.Errorf("strings frame: first id %d too far ahead", first)
		}
		if err := s.bud.take(int(first-uint64(len(s.list))), sizeString+16); err != nil {
			return fmt.Errorf("strings frame: %w", err)
		}
		for uint64(len(s.list)) < first {
			s.list = append(s.list, fmt.Sprintf("?string%d", len(s.list)))
			s.lost++
		}
	}
	if err := s.bud.take(n, sizeString); err != nil {
		return fmt.Errorf("strings frame: %w", err)
	}
	for range n {
		v := d.bytes(d.count(1))
		if d.err == nil {
			if err := s.bud.take(len(v), 1); err != nil {
				d.fail(err)
			}
		}
		if d.err != nil {
			return fmt.Errorf("strings frame: %w", d.err)
		}
		s.list = append(s.list, string(v))
	}
	return nil
}

// get returns the string for an id, recording an error in d when unknown.
func (s *strReader) get(d *decoder, id uint64) string {
	if id < uint64(len(s.list)) {
		return s.list[id]
	}
	if s.salvage && d.err == nil {
		s.lost++
		return fmt.Sprintf("?string%d", id)
	}
	d.fail(fmt.Errorf("unknown string id %d", id))
	return ""
}

func (s *strReader) str(d *decoder) string { return s.get(d, d.uvarint()) }
