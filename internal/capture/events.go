package capture

import (
	"encoding/binary"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/nfstrace/nfstrace/internal/model"
)

// An Events frame holds a batch of D-state events column by column, so that
// zstd sees long runs of similar values: the snapshot sequence number, the
// event count n, the number of columns, then each column as its byte length
// and n values:
//
//	0 start      zigzag varint: the first event's Unix ns, then the difference from the previous event
//	1 dur        uvarint ns
//	2 tid        uvarint
//	3 pid        zigzag varint: pid - tid (0 for single-threaded processes and kernel threads)
//	4 comm       uvarint string id
//	5 site       uvarint string id
//	6 waker tid  uvarint (0: unknown)
//	7 waker comm uvarint string id
//	8 device     uvarint string id
//	9 op         uvarint string id
//	10 client    uvarint string id (appended after the first release: files
//	             with 10 columns have no client, read as "")
//
// Later versions may append columns; readers skip the columns they do not
// know. The lengths let a reader decode row by row, touching each event once.

// maxBatch bounds the events of one frame, and so the frame's size.
const maxBatch = 1 << 16

// numColumns is the number of columns written; minColumns the fewest a
// reader accepts (the first release's).
const (
	numColumns = 11
	minColumns = 10
)

// appendEvents encodes a batch; col is scratch for one column.
func appendEvents(b []byte, col *[]byte, seq uint64, evs []model.DEvent, st *strWriter) []byte {
	b = appendUvarint(b, seq)
	b = appendUvarint(b, uint64(len(evs)))
	b = appendUvarint(b, numColumns)
	c := (*col)[:0]
	flush := func() {
		b = appendUvarint(b, uint64(len(c)))
		b = append(b, c...)
		c = c[:0]
	}
	var prev int64
	for i := range evs {
		c = appendVarint(c, evs[i].Start-prev)
		prev = evs[i].Start
	}
	flush()
	for i := range evs {
		c = appendUvarint(c, evs[i].Dur)
	}
	flush()
	for i := range evs {
		c = appendUvarint(c, uint64(evs[i].TID))
	}
	flush()
	for i := range evs {
		c = appendVarint(c, int64(evs[i].PID)-int64(evs[i].TID))
	}
	flush()
	for i := range evs {
		c = appendUvarint(c, uint64(st.id(evs[i].Comm)))
	}
	flush()
	for i := range evs {
		c = appendUvarint(c, uint64(st.id(string(evs[i].Site))))
	}
	flush()
	for i := range evs {
		c = appendUvarint(c, uint64(evs[i].WakerTID))
	}
	flush()
	for i := range evs {
		c = appendUvarint(c, uint64(st.id(evs[i].WakerComm)))
	}
	flush()
	for i := range evs {
		c = appendUvarint(c, uint64(st.id(evs[i].Device)))
	}
	flush()
	for i := range evs {
		c = appendUvarint(c, uint64(st.id(evs[i].Op)))
	}
	flush()
	for i := range evs {
		c = appendUvarint(c, uint64(st.id(evs[i].Client)))
	}
	flush()
	*col = c
	return b
}

// column reads the values of one column from position i on; damage sets
// bad.
type column struct {
	b   []byte
	i   int
	bad bool
}

// fill decodes len(dst) values in a tight loop: the one-byte case stays
// in the loop, longer values go through uSlow. It reports false on damage.
func (c *column) fill(dst []uint64) bool {
	b, i := c.b, c.i
	for k := range dst {
		if i < len(b) && b[i] < 0x80 {
			dst[k] = uint64(b[i])
			i++
			continue
		}
		if i+5 <= len(b) {
			// two to five bytes, unrolled: durations and time deltas
			x := uint64(b[i] & 0x7f)
			if b[i+1] < 0x80 {
				dst[k] = x | uint64(b[i+1])<<7
				i += 2
				continue
			}
			x |= uint64(b[i+1]&0x7f) << 7
			if b[i+2] < 0x80 {
				dst[k] = x | uint64(b[i+2])<<14
				i += 3
				continue
			}
			x |= uint64(b[i+2]&0x7f) << 14
			if b[i+3] < 0x80 {
				dst[k] = x | uint64(b[i+3])<<21
				i += 4
				continue
			}
			x |= uint64(b[i+3]&0x7f) << 21
			if b[i+4] < 0x80 {
				dst[k] = x | uint64(b[i+4])<<28
				i += 5
				continue
			}
		}
		c.i = i
		dst[k] = c.uSlow()
		if c.bad {
			return false
		}
		i = c.i
	}
	c.i = i
	return true
}

// uSlow decodes one value near the column's end or longer than five bytes.
func (c *column) uSlow() uint64 {
	v, k := binary.Uvarint(c.b[min(c.i, len(c.b)):])
	if k <= 0 {
		c.bad = true
		c.i = len(c.b)
		return 0
	}
	c.i += k
	return v
}

func unzigzag(u uint64) int64 { return int64(u>>1) ^ -int64(u&1) }

// decodeChunk is how many events decodeEvents decodes column by column
// before assembling them: small enough for its scratch to stay in cache.
const decodeChunk = 256

// decodeEvents appends the events of an Events frame payload to dst. It is
// the reader's hot path: it walks the columns side by side and writes each
// event once.
func decodeEvents(p []byte, st *strReader, dst []model.DEvent, bud *budget) (uint64, []model.DEvent, error) {
	d := decoder{b: p}
	seq := d.uvarint()
	n := d.uvarint()
	ncol := d.uvarint()
	if d.err == nil && ncol < minColumns {
		d.fail(fmt.Errorf("%d columns, want at least %d", ncol, minColumns))
	}
	if d.err == nil && n > maxBatch {
		d.fail(fmt.Errorf("%d events, more than the %d of a batch", n, maxBatch))
	}
	// each event takes at least one byte in each column
	if d.err == nil && n > uint64(len(d.b)/minColumns) {
		d.fail(fmt.Errorf("%d events in %d bytes", n, len(d.b)))
	}
	have := int(min(ncol, numColumns)) // columns present that this reader knows
	var cols [numColumns]column
	for i := range have {
		cols[i].b = d.bytes(d.count(1))
	}
	// a reader that reuses its slice pays only for growing it
	if d.err == nil && uint64(cap(dst)-len(dst)) < n {
		if err := bud.take(int(n), sizeEvent); err != nil {
			d.fail(err)
		}
	}
	if d.err != nil {
		return 0, dst, fmt.Errorf("events frame: %w", d.err)
	}
	base := len(dst)
	if cap(dst)-base >= int(n) {
		dst = dst[:base+int(n)]
	} else {
		dst = append(dst, make([]model.DEvent, n)...)
	}
	evs := dst[base:]
	list := st.list
	m := uint64(len(list))
	var vals [numColumns][decodeChunk]uint64
	var prev int64
	for start := 0; start < len(evs); start += decodeChunk {
		chunk := evs[start:min(start+decodeChunk, len(evs))]
		for c := range cols {
			if c >= have { // an older file: string id 0, ""
				clear(vals[c][:len(chunk)])
				continue
			}
			if !cols[c].fill(vals[c][:len(chunk)]) {
				return 0, dst[:base], fmt.Errorf("events frame: column %d: %w", c, errShort)
			}
		}
		for k := range chunk {
			e := &chunk[k]
			prev += unzigzag(vals[0][k])
			e.Start = prev
			e.Dur = vals[1][k]
			tid, wtid := vals[2][k], vals[6][k]
			if tid > math.MaxUint32 || wtid > math.MaxUint32 {
				return 0, dst[:base], fmt.Errorf("events frame: event %d: thread id out of range", start+k)
			}
			e.TID = uint32(tid)
			e.PID = uint32(int64(tid) + unzigzag(vals[3][k]))
			e.WakerTID = uint32(wtid)
			comm, site, wcomm, dev, op, client := vals[4][k], vals[5][k], vals[7][k], vals[8][k], vals[9][k], vals[10][k]
			if comm < m && site < m && wcomm < m && dev < m && op < m && client < m {
				e.Comm = list[comm]
				e.Site = model.WaitSite(list[site])
				e.WakerComm = list[wcomm]
				e.Device = list[dev]
				e.Op = list[op]
				e.Client = list[client]
				continue
			}
			var sd decoder
			e.Comm = st.get(&sd, comm)
			e.Site = model.WaitSite(st.get(&sd, site))
			e.WakerComm = st.get(&sd, wcomm)
			e.Device = st.get(&sd, dev)
			e.Op = st.get(&sd, op)
			e.Client = st.get(&sd, client)
			if sd.err != nil {
				return 0, dst[:base], fmt.Errorf("events frame: event %d: %w", start+k, sd.err)
			}
		}
	}
	return seq, dst, nil
}

// Sched frame: sequence number, count, then per change: time (zigzag Unix
// ns), device, from, to (string ids).
func appendSched(b []byte, seq uint64, cs []model.SchedChange, st *strWriter) []byte {
	b = appendUvarint(b, seq)
	b = appendUvarint(b, uint64(len(cs)))
	for i := range cs {
		b = appendVarint(b, unixNano(cs[i].Time))
		b = appendUvarint(b, uint64(st.id(cs[i].Device)))
		b = appendUvarint(b, uint64(st.id(cs[i].From)))
		b = appendUvarint(b, uint64(st.id(cs[i].To)))
	}
	return b
}

func decodeSched(p []byte, st *strReader, bud *budget) (uint64, []model.SchedChange, error) {
	d := decoder{b: p, bud: bud}
	seq := d.uvarint()
	n := d.rows(4, sizeChange)
	cs := make([]model.SchedChange, n)
	for i := range cs {
		cs[i].Time = fromUnixNano(d.varint())
		cs[i].Device = st.str(&d)
		cs[i].From = st.str(&d)
		cs[i].To = st.str(&d)
	}
	if d.err != nil {
		return 0, nil, fmt.Errorf("sched frame: %w", d.err)
	}
	return seq, cs, nil
}

// Cgroups frame: sequence number, count, then per limit: key and value
// (string ids), keys in order.
func appendCgroups(b []byte, seq uint64, m map[string]string, st *strWriter) []byte {
	b = appendUvarint(b, seq)
	b = appendUvarint(b, uint64(len(m)))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		b = appendUvarint(b, uint64(st.id(k)))
		b = appendUvarint(b, uint64(st.id(m[k])))
	}
	return b
}

func decodeCgroups(p []byte, st *strReader, bud *budget) (uint64, map[string]string, error) {
	d := decoder{b: p, bud: bud}
	seq := d.uvarint()
	n := d.rows(2, 2*sizeString)
	m := make(map[string]string, n)
	for range n {
		k := st.str(&d)
		m[k] = st.str(&d)
	}
	if d.err != nil {
		return 0, nil, fmt.Errorf("cgroups frame: %w", d.err)
	}
	return seq, m, nil
}

// Stats frame: sequence number, events processed, events lost, tracer CPU ns.
func appendStats(b []byte, seq uint64, s *model.Stats) []byte {
	b = appendUvarint(b, seq)
	b = appendUvarint(b, s.Events)
	b = appendUvarint(b, s.Lost)
	return appendVarint(b, int64(s.CPU))
}

func decodeStats(p []byte) (uint64, model.Stats, error) {
	d := decoder{b: p}
	seq := d.uvarint()
	var s model.Stats
	s.Events = d.uvarint()
	s.Lost = d.uvarint()
	s.CPU = time.Duration(d.varint())
	if d.err != nil {
		return 0, s, fmt.Errorf("stats frame: %w", d.err)
	}
	return seq, s, nil
}
