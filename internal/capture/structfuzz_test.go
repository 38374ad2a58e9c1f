package capture

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/nfstrace/nfstrace/internal/model"
)

// The structure-aware fuzzer: where FuzzReader flips bytes, which the
// checksums catch, this one rewrites well-formed captures frame by frame
// and checksums the result, so that the reader meets valid frames whose
// lengths, counts, string ids and compressed payloads lie, and footers
// whose indexes lie.

// hostileValues are the lengths and counts a hostile file tries.
var hostileValues = []uint64{0, 1, 2, 11, 255, maxBatch, maxBatch + 1, 1 << 20, 1<<31 - 1, 1 << 32, 1 << 62, math.MaxUint64}

// rawFrameOf is one frame of a file with its payload decompressed.
type rawFrameOf struct {
	typ     FrameType
	payload []byte
	zstd    bool
}

// mutator builds hostile variants of well-formed captures.
type mutator struct {
	rnd *rand.Rand
	enc *zstd.Encoder
	dec *zstd.Decoder
}

func newMutator(t testing.TB, seed uint64) *mutator {
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderCRC(false))
	if err != nil {
		t.Fatal(err)
	}
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { enc.Close(); dec.Close() })
	return &mutator{rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), enc: enc, dec: dec}
}

// split parses a well-formed file into its header and frames, the footer
// left out.
func (m *mutator) split(t testing.TB, data []byte) ([]byte, []rawFrameOf) {
	var out []rawFrameOf
	for _, f := range frames(t, data) {
		if f.typ == FrameIndex || f.typ == FrameEnd {
			continue
		}
		h, _ := parseFrameHeader(data[f.off:])
		p := data[f.off+frameHeaderLen : f.end]
		rf := rawFrameOf{typ: f.typ, payload: bytes.Clone(p)}
		if h.flags&flagZstd != 0 {
			d, err := m.dec.DecodeAll(p, nil)
			if err != nil {
				t.Fatal(err)
			}
			rf.payload, rf.zstd = d, true
		}
		out = append(out, rf)
	}
	return bytes.Clone(data[:fileHeaderLen]), out
}

// varintAt rewrites the uvarint at a random position of p to a hostile value.
func (m *mutator) varintAt(p []byte) []byte {
	if len(p) == 0 {
		return appendUvarint(nil, hostileValues[m.rnd.IntN(len(hostileValues))])
	}
	i := m.rnd.IntN(len(p))
	_, n := binary.Uvarint(p[i:])
	if n <= 0 {
		n = 1
	}
	out := append(bytes.Clone(p[:i]), appendUvarint(nil, hostileValues[m.rnd.IntN(len(hostileValues))])...)
	return append(out, p[i+n:]...)
}

// inflate inserts a long run that compresses to almost nothing: zeros
// (empty rows, ids 0) or a repeat of the payload's own start.
func (m *mutator) inflate(p []byte) []byte {
	n := 1 << (16 + m.rnd.IntN(7)) // 64 KiB to 4 MiB
	run := make([]byte, n)
	if len(p) > 0 && m.rnd.IntN(2) == 0 {
		for i := range run {
			run[i] = p[i%min(len(p), 64)]
		}
	}
	i := m.rnd.IntN(len(p) + 1)
	return append(append(bytes.Clone(p[:i]), run...), p[i:]...)
}

// variant returns a hostile variant of a well-formed file.
func (m *mutator) variant(t testing.TB, data []byte) []byte {
	head, fs := m.split(t, data)
	for range 1 + m.rnd.IntN(3) {
		if len(fs) == 0 {
			break
		}
		k := m.rnd.IntN(len(fs))
		f := &fs[k]
		switch m.rnd.IntN(6) {
		case 0, 1: // a length, count or string id
			f.payload = m.varintAt(f.payload)
		case 2: // a compressed bomb
			f.payload, f.zstd = m.inflate(f.payload), true
		case 3: // stored the other way
			f.zstd = !f.zstd
		case 4: // a frame again
			fs = append(fs[:k+1], fs[k:]...)
		case 5: // a frame lost
			fs = append(fs[:k], fs[k+1:]...)
		}
	}
	out := head
	var entries []indexEntry
	prev := int64(0)
	for _, f := range fs {
		off := int64(len(out))
		if f.zstd {
			out = append(out, rawFrame(f.typ, flagZstd, m.enc.EncodeAll(f.payload, nil))...)
		} else {
			out = append(out, rawFrame(f.typ, 0, f.payload)...)
		}
		e := indexEntry{typ: f.typ, delta: uint64(off - prev)}
		prev = off
		entries = append(entries, e)
	}
	switch m.rnd.IntN(4) {
	case 0: // no footer
		return out
	case 1: // a lying index: deltas and counts
		for range 1 + m.rnd.IntN(4) {
			if len(entries) == 0 {
				break
			}
			e := &entries[m.rnd.IntN(len(entries))]
			v := hostileValues[m.rnd.IntN(len(hostileValues))]
			if m.rnd.IntN(2) == 0 {
				e.delta = v
			} else {
				e.typ, e.value = FrameEvents, int64(v)
			}
		}
	case 2: // a damaged tail of false frame headers
		for range m.rnd.IntN(2000) {
			var hdr [frameHeaderLen]byte
			putFrameHeader(hdr[:], frameHeader{typ: FrameSnapshot, len: uint32(m.rnd.IntN(1 << 16)), crc: m.rnd.Uint32()})
			out = append(out, hdr[:]...)
		}
		return out
	}
	return withFooter(out, entries)
}

// fuzzBases are the well-formed captures the variants start from.
func fuzzBases(t testing.TB) [][]byte {
	var out [][]byte
	for _, data := range seedCaptures(t) {
		out = append(out, data)
	}
	many := make([]*model.Snapshot, 6)
	for i := range many {
		many[i] = fullSnapshot(i)
		many[i].Events = events(50*i, int64(i)*1e9)
	}
	return append(out, writeCapture(t, many, true))
}

// checkHostile reads data in every mode and fails t on a loop, an error of
// more than one line, or more memory or reading than the limits allow.
func checkHostile(t *testing.T, data []byte) {
	t.Helper()
	for _, opts := range []ReadOptions{{}, {Salvage: true}, {SkipEvents: true}, {Salvage: true, SkipEvents: true, ReuseEvents: true}} {
		res := readHostile(data, opts, len(data)/frameHeaderLen)
		switch {
		case res.err != nil && strings.Contains(res.err.Error(), "loops"):
			t.Fatalf("%+v: %v", opts, res.err)
		case res.err != nil && strings.Contains(res.err.Error(), "\n"):
			t.Fatalf("%+v: multi-line error %q", opts, res.err)
		case res.allocated > hostileMaxHeap:
			t.Fatalf("%+v: allocated %d MiB reading %d bytes", opts, res.allocated>>20, len(data))
		case res.read > 16*int64(len(data)):
			t.Fatalf("%+v: read %d bytes of a %d-byte file", opts, res.read, len(data))
		}
		for _, n := range res.notes {
			if strings.Contains(n, "\n") || negative.MatchString(n) {
				t.Fatalf("%+v: note %q", opts, n)
			}
		}
	}
}

// TestStructuredFuzz reads a fixed set of generated hostile variants: the
// bounded run that `make test` does. FuzzStructured explores further.
func TestStructuredFuzz(t *testing.T) {
	n := 120
	if testing.Short() {
		n = 20
	}
	bases := fuzzBases(t)
	m := newMutator(t, 15)
	for i := range n {
		data := m.variant(t, bases[i%len(bases)])
		checkHostile(t, data)
		if t.Failed() {
			t.Logf("variant %d, %d bytes", i, len(data))
			return
		}
	}
}

// FuzzStructured builds a hostile variant from each fuzzed seed:
// go test -fuzz FuzzStructured ./internal/capture
func FuzzStructured(f *testing.F) {
	for _, seed := range []uint64{0, 1, 15, 1 << 40, math.MaxUint64} {
		f.Add(seed)
	}
	bases := fuzzBases(f)
	f.Fuzz(func(t *testing.T, seed uint64) {
		m := newMutator(t, seed)
		checkHostile(t, m.variant(t, bases[seed%uint64(len(bases))]))
	})
}
