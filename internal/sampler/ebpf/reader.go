package ebpf

import (
	"encoding/binary"
	"errors"
	"os"
	"sync"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/perf"
	"github.com/cilium/ebpf/ringbuf"
	"golang.org/x/sys/unix"

	"github.com/nfstrace/nfstrace/internal/model"
)

// eventSize is sizeof(struct dstate_event) in bpf/core.bpf.c.
const eventSize = 120

// dEvent is struct dstate_event decoded.
type dEvent struct {
	StartNs   uint64
	DurNs     uint64
	TID       uint32
	PID       uint32
	WakerTID  uint32
	StackID   int32
	Dev       uint32
	Proto     uint32
	Op        uint32
	Family    uint16 // of the client the thread served, 0 when unknown
	Addr      [16]byte
	Comm      [16]byte
	WakerComm [16]byte
}

// decodeEvent decodes a struct dstate_event at fixed offsets into e. It
// reports false when b is too short.
func decodeEvent(b []byte, e *dEvent) bool {
	if len(b) < eventSize {
		return false
	}
	le := binary.LittleEndian
	e.StartNs = le.Uint64(b[0:])
	e.DurNs = le.Uint64(b[8:])
	e.TID = le.Uint32(b[16:])
	e.PID = le.Uint32(b[20:])
	e.WakerTID = le.Uint32(b[24:])
	copy(e.Comm[:], b[32:48])
	// b[48:64] is the scheduler of the dkey: the histograms carry it, the
	// event does not need it.
	e.StackID = int32(le.Uint32(b[64:]))
	e.Dev = le.Uint32(b[68:])
	e.Proto = le.Uint32(b[72:])
	e.Op = le.Uint32(b[76:])
	copy(e.Addr[:], b[80:96])
	e.Family = le.Uint16(b[96:])
	// b[98:104] is the dkey's padding.
	copy(e.WakerComm[:], b[104:120])
	return true
}

// eventSource is the ring buffer or the perf buffer.
type eventSource interface {
	// next returns the next raw event, blocking; lost counts records the
	// kernel dropped before it (perf buffer only). The slice is valid until
	// the next call.
	next() (raw []byte, lost uint64, err error)
	Close() error
}

type ringSource struct {
	rd  *ringbuf.Reader
	rec ringbuf.Record
}

func (r *ringSource) next() ([]byte, uint64, error) {
	if err := r.rd.ReadInto(&r.rec); err != nil {
		return nil, 0, err
	}
	return r.rec.RawSample, 0, nil
}

func (r *ringSource) Close() error { return r.rd.Close() }

type perfSource struct {
	rd  *perf.Reader
	rec perf.Record
}

func (p *perfSource) next() ([]byte, uint64, error) {
	if err := p.rd.ReadInto(&p.rec); err != nil {
		return nil, 0, err
	}
	return p.rec.RawSample, p.rec.LostSamples, nil
}

func (p *perfSource) Close() error { return p.rd.Close() }

func newEventSource(ring, perfMap *ebpf.Map, useRing bool) (eventSource, error) {
	if useRing {
		rd, err := ringbuf.NewReader(ring)
		if err != nil {
			return nil, err
		}
		return &ringSource{rd: rd}, nil
	}
	rd, err := perf.NewReader(perfMap, 16*os.Getpagesize())
	if err != nil {
		return nil, err
	}
	return &perfSource{rd: rd}, nil
}

// readLoop feeds events to the aggregator until the reader is closed.
func (t *Tracer) readLoop() {
	defer close(t.readDone)
	var ev dEvent
	for {
		raw, lost, err := t.reader.next()
		if err != nil {
			if errors.Is(err, ringbuf.ErrClosed) || errors.Is(err, perf.ErrClosed) || errors.Is(err, os.ErrClosed) {
				return
			}
			t.log.Warn("ebpf event reader", "err", err)
			time.Sleep(100 * time.Millisecond) // do not spin on a persistent error
			continue
		}
		if lost > 0 {
			t.agg.lost(lost)
		}
		if len(raw) == 0 {
			continue
		}
		if !decodeEvent(raw, &ev) {
			t.agg.bad()
			continue
		}
		t.agg.add(&ev)
	}
}

// labeler turns kernel ids into model labels. Answers are cached, so
// labelling allocates only for new values.
type labeler interface {
	site(stackID int32) model.WaitSite
	device(dev uint32) string
	op(proto, op uint32) string
	client(family uint16, addr [16]byte) string
}

// aggregator keeps the events of the current interval. The hot path copies
// each decoded event into one of two preallocated buffers; Collect swaps them
// and turns the full one into model.DEvents, so per event nothing is
// allocated and strings are made once per interval.
type aggregator struct {
	lab       labeler
	monoToUTC int64 // add to a CLOCK_MONOTONIC ns value for Unix ns

	mu      sync.Mutex
	bufs    [2][]dEvent
	cur     int
	nread   uint64
	nlost   uint64
	nbad    uint64
	dropped uint64 // events beyond the buffer in this interval

	comms map[[16]byte]string // only used by take
}

func newAggregator(lab labeler, max int) *aggregator {
	a := &aggregator{lab: lab, comms: make(map[[16]byte]string)}
	a.bufs[0] = make([]dEvent, 0, max)
	a.bufs[1] = make([]dEvent, 0, max)
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err == nil {
		a.monoToUTC = time.Now().UnixNano() - ts.Nano()
	}
	return a
}

func (a *aggregator) add(e *dEvent) {
	a.mu.Lock()
	a.nread++
	b := a.bufs[a.cur]
	if len(b) < cap(b) {
		a.bufs[a.cur] = append(b, *e)
	} else {
		a.dropped++
	}
	a.mu.Unlock()
}

func (a *aggregator) lost(n uint64) {
	a.mu.Lock()
	a.nlost += n
	a.mu.Unlock()
}

func (a *aggregator) bad() {
	a.mu.Lock()
	a.nbad++
	a.mu.Unlock()
}

// comm interns a NUL-padded name.
func (a *aggregator) comm(b *[16]byte) string {
	if s, ok := a.comms[*b]; ok {
		return s
	}
	s := string(cString(b[:]))
	a.comms[*b] = s
	return s
}

// take hands over the events and counts since the last call. Only one
// goroutine (Collect) may call it.
func (a *aggregator) take() (events []model.DEvent, read, lost, dropped, bad uint64) {
	a.mu.Lock()
	full := a.bufs[a.cur]
	a.cur ^= 1
	a.bufs[a.cur] = a.bufs[a.cur][:0]
	read, lost, dropped, bad = a.nread, a.nlost, a.dropped, a.nbad
	a.nread, a.nlost, a.dropped, a.nbad = 0, 0, 0, 0
	a.mu.Unlock()

	if len(full) == 0 {
		return nil, read, lost, dropped, bad
	}
	events = make([]model.DEvent, len(full))
	// Most events of an interval come from a few clients, often one after
	// another: remember the last one rendered before hashing the address.
	var lastFam uint16
	var lastAddr [16]byte
	lastClient := ""
	for i := range full {
		e := &full[i]
		if e.Family != lastFam || e.Addr != lastAddr {
			lastFam, lastAddr, lastClient = e.Family, e.Addr, a.lab.client(e.Family, e.Addr)
		}
		waker := ""
		if e.WakerTID != 0 { // 0: woken from interrupt on an idle CPU, or not woken at all
			waker = a.comm(&e.WakerComm)
		}
		events[i] = model.DEvent{
			Start:     int64(e.StartNs) + a.monoToUTC,
			Dur:       e.DurNs,
			TID:       e.TID,
			PID:       e.PID,
			Comm:      a.comm(&e.Comm),
			Site:      a.lab.site(e.StackID),
			WakerTID:  e.WakerTID,
			WakerComm: waker,
			Device:    a.lab.device(e.Dev),
			Op:        a.lab.op(e.Proto, e.Op),
			Client:    lastClient,
		}
	}
	return events, read, lost, dropped, bad
}
