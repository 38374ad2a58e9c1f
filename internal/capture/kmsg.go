package capture

import (
	"fmt"
	"time"
	"unsafe"

	"github.com/nfstrace/nfstrace/internal/model"
)

// sizeKlog is the size in memory of one decoded template row.
const sizeKlog = unsafe.Sizeof(model.KlogTemplate{})

// KernelLog frame: what the kernel logged in one snapshot's interval.
//
//	uvarint seq, uvarint lost,
//	uvarint n, n x (str class, uvarint count)                     other
//	uvarint n, n x (uvarint row length, row)                      templates
//
// A row is: str class, str template, uvarint count, uvarint earlier, varint
// first, varint last (Unix ns), uvarint example length, example bytes, str
// wait site, uvarint blocked ns. A later version appends fields to a row;
// the row length lets a reader skip them.
func appendKernelLog(b []byte, seq uint64, k *model.KernelLog, st *strWriter) []byte {
	b = appendUvarint(b, seq)
	b = appendUvarint(b, k.Lost)
	b = appendUvarint(b, uint64(len(k.Other)))
	for _, c := range model.KlogClasses() {
		if n, ok := k.Other[c]; ok {
			b = appendUvarint(b, uint64(st.id(c)))
			b = appendUvarint(b, n)
		}
	}
	for c, n := range k.Other {
		if model.KlogRank(c) == len(model.KlogClasses()) {
			b = appendUvarint(b, uint64(st.id(c)))
			b = appendUvarint(b, n)
		}
	}
	b = appendUvarint(b, uint64(len(k.Templates)))
	var row []byte
	for i := range k.Templates {
		t := &k.Templates[i]
		row = row[:0]
		row = appendUvarint(row, uint64(st.id(t.Class)))
		row = appendUvarint(row, uint64(st.id(t.Template)))
		row = appendUvarint(row, t.Count)
		row = appendUvarint(row, t.Earlier)
		row = appendVarint(row, unixNano(t.First))
		row = appendVarint(row, unixNano(t.Last))
		row = appendUvarint(row, uint64(len(t.Example)))
		row = append(row, t.Example...)
		row = appendUvarint(row, uint64(st.id(string(t.WaitSite))))
		row = appendUvarint(row, uint64(max(t.Blocked, 0)))
		b = appendUvarint(b, uint64(len(row)))
		b = append(b, row...)
	}
	return b
}

func decodeKernelLog(p []byte, st *strReader, bud *budget) (uint64, *model.KernelLog, error) {
	d := decoder{b: p, bud: bud}
	seq := d.uvarint()
	k := &model.KernelLog{Lost: d.uvarint()}
	if n := d.rows(2, sizeString+8); n > 0 {
		k.Other = make(map[string]uint64, n)
		for range n {
			c := st.str(&d)
			k.Other[c] += d.uvarint()
		}
	}
	n := d.rows(1, sizeKlog)
	if n > 0 {
		k.Templates = make([]model.KlogTemplate, 0, n)
	}
	for range n {
		rd := decoder{b: d.bytes(d.int()), bud: bud}
		if d.err != nil {
			break
		}
		var t model.KlogTemplate
		t.Class = st.str(&rd)
		t.Template = st.str(&rd)
		t.Count = rd.uvarint()
		t.Earlier = rd.uvarint()
		t.First = fromUnixNano(rd.varint())
		t.Last = fromUnixNano(rd.varint())
		ex := rd.bytes(rd.int())
		if err := bud.take(len(ex), 1); err != nil {
			rd.fail(err)
		}
		t.Example = string(ex)
		t.WaitSite = model.WaitSite(st.str(&rd))
		if b := rd.uvarint(); b <= uint64(1<<63-1) {
			t.Blocked = time.Duration(b)
		}
		if rd.err != nil {
			d.fail(rd.err)
			break
		}
		k.Templates = append(k.Templates, t)
	}
	if d.err != nil {
		return 0, nil, fmt.Errorf("kernel log frame: %w", d.err)
	}
	return seq, k, nil
}
