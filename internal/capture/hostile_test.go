package capture

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/nfstrace/nfstrace/internal/model"
)

// The hostile files: crafted captures that are well-formed where a reader
// looks first (magic, checksums, frame headers) and lie where it trusts the
// file: sizes, counts, compressed payloads and the footer index. They are
// kept in testdata/hostile as a regression corpus (NFSTRACE_WRITE_CORPUS=1
// rewrites them) and read by the tests here and by cmd/nfstrace's report
// tests.

// rawFrame encodes one frame with a good checksum around payload.
func rawFrame(typ FrameType, flags uint8, payload []byte) []byte {
	var hdr [frameHeaderLen]byte
	h := frameHeader{typ: typ, flags: flags, len: uint32(len(payload))}
	putFrameHeader(hdr[:], h)
	h.crc = frameCRC(hdr[:], payload)
	putFrameHeader(hdr[:], h)
	return append(hdr[:], payload...)
}

// zstdFrame encodes one frame whose payload is compressed, however well.
func zstdFrame(t testing.TB, typ FrameType, payload []byte) []byte {
	t.Helper()
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderCRC(false))
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	return rawFrame(typ, flagZstd, enc.EncodeAll(payload, nil))
}

// indexEntry is one entry of a crafted index, its offset a delta as stored.
type indexEntry struct {
	typ   FrameType
	delta uint64
	seq   uint64
	value int64
}

// withFooter appends an Index frame of entries and the End frame.
func withFooter(data []byte, entries []indexEntry) []byte {
	p := appendUvarint(nil, uint64(len(entries)))
	for _, e := range entries {
		p = append(p, byte(e.typ))
		p = appendUvarint(p, e.delta)
		p = appendUvarint(p, e.seq)
		p = appendVarint(p, e.value)
	}
	idxOff := len(data)
	data = append(data, rawFrame(FrameIndex, 0, p)...)
	return append(data, rawFrame(FrameEnd, 0, binary.LittleEndian.AppendUint64(nil, uint64(idxOff)))...)
}

// withoutFooter cuts a cleanly closed file's Index and End frames.
func withoutFooter(t testing.TB, data []byte) []byte {
	t.Helper()
	fs := frames(t, data)
	if len(fs) < 2 || fs[len(fs)-1].typ != FrameEnd || fs[len(fs)-2].typ != FrameIndex {
		t.Fatal("not a cleanly closed file")
	}
	return bytes.Clone(data[:fs[len(fs)-2].off])
}

// hostileFiles are the crafted captures, by name, and what each holds.
func hostileFiles(t testing.TB) map[string][]byte {
	head := writeCapture(t, nil, false) // file header and metadata only
	out := map[string][]byte{}

	// Six Strings frames of one 16 MiB string each: a few KB on disk.
	b := bytes.Clone(head)
	big := bytes.Repeat([]byte{'a'}, 16<<20)
	for i := range 6 {
		p := appendUvarint(nil, uint64(1+i))
		p = appendUvarint(p, 1)
		p = appendUvarint(p, uint64(len(big)))
		b = append(b, zstdFrame(t, FrameStrings, append(p, big...))...)
	}
	out["strings-bomb"] = b

	// One Snapshot frame of 8 MiB of block rows, the smallest each can be
	// (12 bytes: four empty strings and two empty histograms); in memory
	// each row is about a kilobyte.
	const rowLen = 12
	rows := (8 << 20) / rowLen
	sec := appendUvarint(nil, uint64(rows))
	sec = append(sec, make([]byte, rows*rowLen)...)
	p := appendUvarint(nil, 0) // seq
	p = appendUvarint(p, secBlock)
	p = appendUvarint(p, uint64(len(sec)))
	p = append(p, sec...)
	out["block-rows"] = append(bytes.Clone(head), zstdFrame(t, FrameSnapshot, p)...)

	// Four Snapshot frames, each of 64 Ki empty block rows (768 KiB) and an
	// unknown section of 4 KiB of noise that zstd cannot shrink: each frame
	// stays under the expansion limit, and takes over 70 MiB in memory.
	noise := make([]byte, 4<<10)
	x := uint32(2463534242)
	for i := range noise {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		noise[i] = byte(x)
	}
	// budget is four snapshot frames, each of 64 Ki rows of rowLen bytes
	// in section sec and the noise.
	budget := func(sec uint64, rowLen int) []byte {
		b := bytes.Clone(head)
		for i := range 4 {
			const n = 1 << 16
			rows := appendUvarint(nil, n)
			rows = append(rows, make([]byte, n*rowLen)...)
			p := appendUvarint(nil, uint64(i))
			p = appendUvarint(p, sec)
			p = appendUvarint(p, uint64(len(rows)))
			p = append(p, rows...)
			p = appendUvarint(p, 99) // a section this reader does not know
			p = appendUvarint(p, uint64(len(noise)))
			p = append(p, noise...)
			b = append(b, zstdFrame(t, FrameSnapshot, p)...)
		}
		return b
	}
	out["budget-rows"] = budget(secBlock, rowLen)
	// The same with rows of waits for asynchronous IO, the smallest each
	// can be (a D-state row of 10 bytes: five empty strings, no threads,
	// an empty histogram; then its client, 1 byte).
	out["budget-async-rows"] = budget(secAsyncIO, 11)

	// A clean file whose index lists its first snapshot 100000 times,
	// every entry after the first at offset delta 0.
	clean := writeCapture(t, []*model.Snapshot{fullSnapshot(0), fullSnapshot(1)}, true)
	body := withoutFooter(t, clean)
	var snapOff int64
	for _, f := range frames(t, clean) {
		if f.typ == FrameSnapshot {
			snapOff = f.off
			break
		}
	}
	loop := []indexEntry{{typ: FrameSnapshot, delta: uint64(snapOff)}}
	for range 100000 {
		loop = append(loop, indexEntry{typ: FrameSnapshot})
	}
	out["index-loop"] = withFooter(bytes.Clone(body), loop)

	// The same file with an index entry far past the end of the file.
	out["index-past-eof"] = withFooter(bytes.Clone(body), []indexEntry{
		{typ: FrameSnapshot, delta: uint64(snapOff)},
		{typ: FrameSnapshot, delta: 1 << 30},
	})

	// The same file with an index whose every offset is one byte late:
	// in order, but at no frame.
	var late []indexEntry
	for i, f := range frames(t, body) {
		delta := f.off
		if i > 0 {
			delta -= frames(t, body)[i-1].off
		}
		if i == 0 {
			delta++
		}
		late = append(late, indexEntry{typ: f.typ, delta: uint64(delta)})
	}
	out["index-misaligned"] = withFooter(bytes.Clone(body), late)

	// A file cut without its footer followed by a damaged 1 MiB tail: fake
	// frame headers every 12 bytes, each claiming a payload that runs to
	// the end of the file, none with a good checksum.
	b = bytes.Clone(body)
	end := len(b) + 1<<20
	for len(b)+frameHeaderLen <= end {
		var hdr [frameHeaderLen]byte
		putFrameHeader(hdr[:], frameHeader{typ: FrameSnapshot, len: uint32(end - len(b) - frameHeaderLen), crc: 0xdeadbeef})
		b = append(b, hdr[:]...)
	}
	out["damaged-tail"] = append(b, make([]byte, end-len(b))...)

	// Load averages, rates and pressure that are not numbers.
	nan := fullSnapshot(0)
	nan.Host.Load.Avg1 = math.NaN()
	nan.Host.Load.Avg15 = math.Inf(1)
	nan.Host.Devices[0].WriteIOPS = math.Inf(-1)
	nan.Host.Devices[0].AwaitMs = math.NaN()
	nan.Host.NFSD.Ops[0].Rate = math.NaN()
	nan.Host.Pressure.SomeAvg10 = math.Inf(1)
	out["nan-values"] = writeCapture(t, []*model.Snapshot{nan, fullSnapshot(1)}, true)

	// An Events frame that claims one more event than a batch may hold,
	// each one byte in each of 10 columns.
	const n = maxBatch + 1
	p = appendUvarint(nil, 0)
	p = appendUvarint(p, n)
	p = appendUvarint(p, minColumns)
	for range minColumns {
		p = appendUvarint(p, n)
		p = append(p, make([]byte, n)...)
	}
	b = append(bytes.Clone(head), zstdFrame(t, FrameEvents, p)...)
	out["events-overbatch"] = append(b, withoutFooter(t, writeCapture(t, []*model.Snapshot{{}}, true))[len(head):]...)
	return out
}

// hostileDir holds the committed corpus.
var hostileDir = filepath.Join("testdata", "hostile")

// TestWriteHostileCorpus refreshes testdata/hostile when
// NFSTRACE_WRITE_CORPUS=1; otherwise it checks that the corpus holds
// every crafted file.
func TestWriteHostileCorpus(t *testing.T) {
	for name, data := range hostileFiles(t) {
		path := filepath.Join(hostileDir, name+".nft")
		if os.Getenv("NFSTRACE_WRITE_CORPUS") == "1" {
			if err := os.MkdirAll(hostileDir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if _, err := os.Stat(path); err != nil {
			t.Errorf("hostile corpus lacks %s (run with NFSTRACE_WRITE_CORPUS=1): %v", path, err)
		}
	}
}

// countingReader counts the bytes read through it and refuses to read
// more than limit, so that a reader that would do quadratic work fails
// fast instead of taking minutes.
type countingReader struct {
	r     io.ReaderAt
	limit int64
	read  atomic.Int64
}

var errReadLimit = errors.New("read limit of the test reached")

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	if c.read.Add(int64(len(p))) > c.limit {
		return 0, errReadLimit
	}
	return c.r.ReadAt(p, off)
}

// hostileRead is what reading one file cost and gave.
type hostileRead struct {
	snaps     int
	err       error
	notes     []string
	read      int64  // bytes read from the file
	allocated uint64 // bytes allocated while reading: an upper bound of the peak heap growth
}

// readHostile reads data to the end or the first error, at most maxSnaps
// snapshots (more means the reader loops).
func readHostile(data []byte, opts ReadOptions, maxSnaps int) (res hostileRead) {
	cr := &countingReader{r: bytes.NewReader(data), limit: 16 * int64(len(data))}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	defer func() {
		runtime.ReadMemStats(&after)
		res.allocated = after.TotalAlloc - before.TotalAlloc
		res.read = cr.read.Load()
	}()
	r, err := NewReader(cr, int64(len(data)), opts)
	if err != nil {
		res.err = err
		return
	}
	defer r.Close()
	for {
		if res.snaps > maxSnaps {
			res.err = fmt.Errorf("%d snapshots: the reader loops", res.snaps)
			break
		}
		_, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			res.err = err
			break
		}
		res.snaps++
	}
	res.notes = r.Notes()
	return
}

// negative matches a negative figure in a note.
var negative = regexp.MustCompile(`(^|[^0-9A-Za-z])-[0-9]`)

// hostileMaxHeap bounds what reading any one crafted file may allocate.
const hostileMaxHeap = 160 << 20

// TestHostileFiles reads each crafted file of the corpus with each reading
// mode: it must end, with snapshots or a one-line error, having allocated
// less than hostileMaxHeap and read at most 16 times the file's size.
func TestHostileFiles(t *testing.T) {
	tests := []struct {
		name string
		// snaps is how many snapshots the file holds (more: the reader loops).
		snaps int
		// wantErr is a piece of the error every mode must give; "" means
		// the file must read without error, all its snapshots.
		wantErr string
		// wantNote is a piece of a note a successful read must give;
		// with noteSkipping only when it skips events (and follows the index).
		wantNote     string
		noteSkipping bool
	}{
		{name: "strings-bomb", snaps: 0, wantErr: "over the reading limit"},
		{name: "block-rows", snaps: 1, wantErr: "over the reading limit"},
		{name: "budget-async-rows", snaps: 4, wantErr: "over the reading limit"},
		{name: "budget-rows", snaps: 4, wantErr: "over the reading limit"},
		{name: "index-loop", snaps: 2, wantNote: "ignored the footer index"},
		{name: "index-past-eof", snaps: 2, wantNote: "ignored the footer index"},
		{name: "index-misaligned", snaps: 2, wantNote: "ignored the footer index", noteSkipping: true},
		{name: "damaged-tail", snaps: 2, wantNote: "the last 1048576 bytes are damaged"},
		{name: "nan-values", snaps: 2, wantNote: "6 values that were not finite numbers"},
		{name: "events-overbatch", snaps: 1, wantErr: "more than the 65536 of a batch"},
	}
	for _, tt := range tests {
		data, err := os.ReadFile(filepath.Join(hostileDir, tt.name+".nft"))
		if err != nil {
			t.Fatal(err)
		}
		for _, opts := range []ReadOptions{{}, {Salvage: true}, {SkipEvents: true}, {Salvage: true, SkipEvents: true}} {
			t.Run(fmt.Sprintf("%s/%+v", tt.name, opts), func(t *testing.T) {
				res := readHostile(data, opts, tt.snaps)
				t.Logf("%d bytes: %d snapshots, read %d bytes, allocated %d bytes, notes %q, error %v",
					len(data), res.snaps, res.read, res.allocated, res.notes, res.err)
				if res.allocated > hostileMaxHeap {
					t.Errorf("allocated %d MiB, more than %d MiB", res.allocated>>20, hostileMaxHeap>>20)
				}
				if res.read > 16*int64(len(data)) || errors.Is(res.err, errReadLimit) {
					t.Errorf("read %d bytes of a %d-byte file", res.read, len(data))
				}
				if res.err != nil && strings.Contains(res.err.Error(), "\n") {
					t.Errorf("multi-line error %q", res.err)
				}
				if res.err != nil && strings.Contains(res.err.Error(), "loops") {
					t.Error(res.err)
				}
				for _, n := range res.notes {
					if negative.MatchString(n) {
						t.Errorf("note with a negative figure: %q", n)
					}
				}
				// an events frame is skipped unread, or salvaged past
				skipsBad := tt.name == "events-overbatch" && (opts.SkipEvents || opts.Salvage)
				switch {
				case tt.wantErr != "" && !skipsBad:
					if res.err == nil || !strings.Contains(res.err.Error(), tt.wantErr) {
						t.Errorf("error %v, want one with %q", res.err, tt.wantErr)
					}
				case res.err != nil:
					t.Errorf("error %v, want none", res.err)
				case tt.wantNote != "" && (opts.SkipEvents || !tt.noteSkipping) && !slices.ContainsFunc(res.notes, func(n string) bool { return strings.Contains(n, tt.wantNote) }):
					t.Errorf("notes %q, want one with %q", res.notes, tt.wantNote)
				}
			})
		}
	}
}

// TestWriterStaysUnderExpansionLimit writes a payload that zstd shrinks
// far more than a reader accepts: the writer must store it so that the
// file reads back.
func TestWriterStaysUnderExpansionLimit(t *testing.T) {
	s := fullSnapshot(0)
	s.DState[0].Comm = strings.Repeat("a", 4<<20)
	data := writeCapture(t, []*model.Snapshot{s}, true)
	got, _, err := readAll(data, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].DState[0].Comm != s.DState[0].Comm {
		t.Fatalf("read %d snapshots, want the one written", len(got))
	}
}

// cancelAt cancels a context when a read reaches offset at.
type cancelAt struct {
	r      io.ReaderAt
	at     int64
	cancel context.CancelFunc
}

func (c *cancelAt) ReadAt(p []byte, off int64) (int, error) {
	if off >= c.at {
		c.cancel()
	}
	return c.r.ReadAt(p, off)
}

// TestResyncCancelled stops the search for a valid frame after damage
// with the context: a damaged frame followed by 4 MiB without a frame
// header, the context cancelled when the search is half way through.
func TestResyncCancelled(t *testing.T) {
	body := withoutFooter(t, writeCapture(t, []*model.Snapshot{fullSnapshot(0)}, true))
	damaged := len(body)
	data := append(body, rawFrame(FrameSnapshot, 0, []byte{1, 2, 3})...)
	data[damaged+frameHeaderLen] ^= 0xff // checksum mismatch
	data = append(data, make([]byte, 4<<20)...)
	for _, salvage := range []bool{false, true} {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		ra := &cancelAt{r: bytes.NewReader(data), at: math.MaxInt64, cancel: cancel}
		r, err := NewReader(ra, int64(len(data)), ReadOptions{Salvage: salvage})
		if err != nil {
			t.Fatal(err)
		}
		ra.at = int64(damaged + 2<<20)
		snaps := 0
		for err == nil {
			if _, err = r.NextContext(ctx); err == nil {
				snaps++
			}
		}
		if !errors.Is(err, context.Canceled) || snaps != 1 {
			t.Errorf("salvage %v: %d snapshots, then %v; want 1, then %v (notes %q)", salvage, snaps, err, context.Canceled, r.Notes())
		}
		r.Close()
	}
}

func TestCheckIndex(t *testing.T) {
	const idxOff = 1000
	at := func(offs ...int64) *Index {
		idx := &Index{}
		for _, o := range offs {
			idx.Entries = append(idx.Entries, IndexEntry{Type: FrameSnapshot, Offset: o})
		}
		return idx
	}
	tests := []struct {
		name    string
		idx     *Index
		wantErr string
	}{
		{"in order", at(16, 100, 988), ""},
		{"empty", at(), ""},
		{"inside the file header", at(4), "does not follow"},
		{"same offset twice", at(16, 100, 100), "does not follow"},
		{"backwards", at(16, 200, 100), "does not follow"},
		{"overlapping headers", at(16, 20), "does not follow"},
		{"past the index", at(16, 989), "past the index"},
		{"past the end of the file", at(16, 1<<40), "past the index"},
		{"events over a batch", &Index{Entries: []IndexEntry{{Type: FrameEvents, Offset: 16, Count: maxBatch + 1}}}, "more than the 65536"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkIndex(tt.idx, idxOff)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("got %v, want %q", err, tt.wantErr)
			}
		})
	}
}
