package capture

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/nfstrace/nfstrace/internal/model"
)

// Binary payloads are sequences of unsigned LEB128 varints (encoding/binary's
// Uvarint), zigzag varints for signed values, little-endian IEEE 754 float64s
// and string ids. Decoding never panics: it records the first error and
// returns zero values from then on.

func appendUvarint(b []byte, v uint64) []byte { return binary.AppendUvarint(b, v) }
func appendVarint(b []byte, v int64) []byte   { return binary.AppendVarint(b, v) }

// appendInt writes a count or an id as decoder.int reads it, within
// [0, MaxInt32]: a figure beyond (a parser's slip, a counter run wild)
// would make the reader reject the whole frame, and with it the rest of
// what was recorded in the interval.
func appendInt(b []byte, v int) []byte {
	return appendUvarint(b, uint64(min(max(v, 0), math.MaxInt32)))
}

func appendFloat(b []byte, f float64) []byte {
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

// appendHist writes a histogram sparsely: count, sum, max, the number of
// non-zero buckets, then for each the gap from the previous non-zero bucket
// and its count.
func appendHist(b []byte, h *model.Hist) []byte {
	b = appendUvarint(b, h.Count)
	b = appendUvarint(b, h.SumNs)
	b = appendUvarint(b, h.MaxNs)
	n := 0
	for _, c := range h.Buckets {
		if c != 0 {
			n++
		}
	}
	b = appendUvarint(b, uint64(n))
	prev := -1
	for i, c := range h.Buckets {
		if c == 0 {
			continue
		}
		b = appendUvarint(b, uint64(i-prev-1))
		b = appendUvarint(b, c)
		prev = i
	}
	return b
}

var errShort = errors.New("payload ends early")

// decoder reads a binary payload.
type decoder struct {
	b   []byte
	err error
	// bud, when set, is charged for the rows that rows allocates.
	bud *budget
}

func (d *decoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
	d.b = nil
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail(errShort)
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail(errShort)
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) int() int {
	v := d.uvarint()
	if v > math.MaxInt32 {
		d.fail(fmt.Errorf("value %d out of range", v))
		return 0
	}
	return int(v)
}

func (d *decoder) float() float64 {
	if d.err != nil {
		return 0
	}
	if len(d.b) < 8 {
		d.fail(errShort)
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(d.b))
	d.b = d.b[8:]
	return v
}

func (d *decoder) bool() bool { return d.byte() != 0 }

func (d *decoder) byte() byte {
	if d.err != nil {
		return 0
	}
	if len(d.b) < 1 {
		d.fail(errShort)
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *decoder) bytes(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || n > len(d.b) {
		d.fail(errShort)
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

// count reads an element count and checks it against the bytes left, each
// element taking at least min bytes, so that damage cannot ask for a huge
// allocation.
func (d *decoder) count(min int) int {
	v := d.uvarint()
	if d.err != nil {
		return 0
	}
	if v > uint64(len(d.b)/min) {
		d.fail(fmt.Errorf("count %d exceeds the %d bytes left", v, len(d.b)))
		return 0
	}
	return int(v)
}

// countOf reads the count of a section that adds a field to the rows of an
// earlier one, which must be theirs (n): what and of name both kinds of
// row in the error. It reports whether the count matched.
func (d *decoder) countOf(n int, what, of string) bool {
	c := d.count(1)
	if d.err == nil && c != n {
		d.fail(fmt.Errorf("%d %s for %d %s", c, what, n, of))
	}
	return d.err == nil
}

// rows reads a count of rows, each taking at least min bytes in the payload
// and size bytes in memory, and charges them to the budget.
func (d *decoder) rows(min int, size uintptr) int {
	n := d.count(min)
	if d.err == nil {
		if err := d.bud.take(n, size); err != nil {
			d.fail(err)
			return 0
		}
	}
	return n
}

func (d *decoder) hist(h *model.Hist) {
	h.Count = d.uvarint()
	h.SumNs = d.uvarint()
	h.MaxNs = d.uvarint()
	n := d.uvarint()
	if n > model.NumBuckets {
		d.fail(fmt.Errorf("histogram with %d buckets", n))
		return
	}
	i := -1
	for range n {
		gap := d.uvarint()
		if gap >= model.NumBuckets {
			d.fail(fmt.Errorf("histogram bucket gap %d", gap))
			return
		}
		i += int(gap) + 1
		if i >= model.NumBuckets {
			d.fail(fmt.Errorf("histogram bucket %d out of range", i))
			return
		}
		h.Buckets[i] = d.uvarint()
	}
}
