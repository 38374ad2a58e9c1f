package capture

import (
	"fmt"
	"time"

	"github.com/nfstrace/nfstrace/internal/model"
)

// An Events frame holds a batch of D-state events column by column, so that
// zstd sees long runs of similar values: the snapshot sequence number, the
// event count n, then n values of each column in this order:
//
//	start      zigzag varint: the first event's Unix ns, then the difference from the previous event
//	dur        uvarint ns
//	tid        uvarint
//	pid        zigzag varint: pid - tid (0 for single-threaded processes and kernel threads)
//	comm       uvarint string id
//	site       uvarint string id
//	waker tid  uvarint (0: unknown)
//	waker comm uvarint string id
//	device     uvarint string id
//	op         uvarint string id
//
// Columns may be appended in later versions; readers ignore bytes after the
// columns they know.

// maxBatch bounds the events of one frame, and so the frame's size.
const maxBatch = 1 << 16

// strCache returns the id of v, checking the previous value first: columns
// repeat the same strings, and a string comparison is cheaper than a map lookup.
type strCache struct {
	last   string
	lastID uint32
	ok     bool
}

func (c *strCache) id(st *strWriter, v string) uint32 {
	if c.ok && v == c.last {
		return c.lastID
	}
	c.last, c.lastID, c.ok = v, st.id(v), true
	return c.lastID
}

func appendEvents(b []byte, seq uint64, evs []model.DEvent, st *strWriter) []byte {
	b = appendUvarint(b, seq)
	b = appendUvarint(b, uint64(len(evs)))
	var prev int64
	for i := range evs {
		b = appendVarint(b, evs[i].Start-prev)
		prev = evs[i].Start
	}
	for i := range evs {
		b = appendUvarint(b, evs[i].Dur)
	}
	for i := range evs {
		b = appendUvarint(b, uint64(evs[i].TID))
	}
	for i := range evs {
		b = appendVarint(b, int64(evs[i].PID)-int64(evs[i].TID))
	}
	var cComm, cSite, cWaker, cDev, cOp strCache
	for i := range evs {
		b = appendUvarint(b, uint64(cComm.id(st, evs[i].Comm)))
	}
	for i := range evs {
		b = appendUvarint(b, uint64(cSite.id(st, string(evs[i].Site))))
	}
	for i := range evs {
		b = appendUvarint(b, uint64(evs[i].WakerTID))
	}
	for i := range evs {
		b = appendUvarint(b, uint64(cWaker.id(st, evs[i].WakerComm)))
	}
	for i := range evs {
		b = appendUvarint(b, uint64(cDev.id(st, evs[i].Device)))
	}
	for i := range evs {
		b = appendUvarint(b, uint64(cOp.id(st, evs[i].Op)))
	}
	return b
}

// decodeEvents appends the events of an Events frame payload to dst.
func decodeEvents(p []byte, st *strReader, dst []model.DEvent) (uint64, []model.DEvent, error) {
	d := decoder{b: p}
	seq := d.uvarint()
	// each event takes at least one byte in each of the ten columns
	n := d.count(10)
	if d.err != nil {
		return 0, dst, fmt.Errorf("events frame: %w", d.err)
	}
	base := len(dst)
	dst = append(dst, make([]model.DEvent, n)...)
	evs := dst[base:]
	var prev int64
	for i := range evs {
		prev += d.varint()
		evs[i].Start = prev
	}
	for i := range evs {
		evs[i].Dur = d.uvarint()
	}
	for i := range evs {
		evs[i].TID = d.u32()
	}
	for i := range evs {
		evs[i].PID = uint32(int64(evs[i].TID) + d.varint())
	}
	for i := range evs {
		evs[i].Comm = st.str(&d)
	}
	for i := range evs {
		evs[i].Site = model.WaitSite(st.str(&d))
	}
	for i := range evs {
		evs[i].WakerTID = d.u32()
	}
	for i := range evs {
		evs[i].WakerComm = st.str(&d)
	}
	for i := range evs {
		evs[i].Device = st.str(&d)
	}
	for i := range evs {
		evs[i].Op = st.str(&d)
	}
	if d.err != nil {
		return 0, dst[:base], fmt.Errorf("events frame: %w", d.err)
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

func decodeSched(p []byte, st *strReader) (uint64, []model.SchedChange, error) {
	d := decoder{b: p}
	seq := d.uvarint()
	n := d.count(4)
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
