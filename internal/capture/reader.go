package capture

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/nfstrace/nfstrace/internal/model"
)

// ReadOptions tune a Reader.
type ReadOptions struct {
	// Salvage skips damaged frames in the middle of a file, resuming at the
	// next valid frame, instead of failing; each skip is noted.
	Salvage bool
	// SkipEvents leaves Snapshot.Events empty and does not read Events
	// frames at all: the fast path for summaries over long captures. With an
	// index the reader goes straight from one wanted frame to the next.
	SkipEvents bool
	// ReuseEvents lets Next decode each snapshot's events into the slice it
	// returned the time before: Snapshot.Events is then valid only until
	// the next call. It spares the allocation and garbage collection of
	// every event, for readers that aggregate as they go.
	ReuseEvents bool

	// skipKernelLog reads KernelLog frames as a type it does not know, as
	// readers before that frame type do: for the test that they still read
	// the files.
	skipKernelLog bool
}

// IndexEntry is one frame as listed in the footer.
type IndexEntry struct {
	Type   FrameType
	Offset int64
	// Seq is the snapshot the frame belongs to (Snapshot, Events, Sched, Stats).
	Seq uint64
	// End is a Snapshot frame's interval end.
	End time.Time
	// Count is the number of events of an Events frame, of changes of a
	// Sched frame, and the lost events of a Stats frame.
	Count uint64
}

// Index is the footer of a cleanly closed capture.
type Index struct {
	Entries   []IndexEntry
	Snapshots int
	Events    uint64
	Lost      uint64
	First     time.Time // first snapshot's end
	Last      time.Time // last snapshot's end
}

// Reader reads a capture's snapshots in order. It is not safe for concurrent use.
type Reader struct {
	r      io.ReaderAt
	size   int64
	name   string
	opts   ReadOptions
	closer io.Closer

	dec  *zstd.Decoder
	meta Meta
	st   *strReader

	off    int64 // next frame
	frames int   // complete frames read
	raw    []byte
	dbuf   []byte

	// satellites of the snapshot being assembled
	pend       model.Snapshot
	pendSeq    uint64
	hasPend    bool
	spare      []model.DEvent // the previous snapshot's events, with ReuseEvents
	evCount    map[uint64]int // events per snapshot, from the index, to size slices once
	index      *Index
	indexOff   int64 // offset of the index frame; 0 without footer
	wanted     []int64
	wantedPos  int
	notes      []string
	unknown    map[FrameType]int
	wantedType []FrameType // the index's type of each wanted frame
	bud        budget      // what decoding may still allocate
	resyncLeft int64       // bytes resync may still checksum
	nonFinite  int         // NaN and infinite values read as 0
	done       bool
	err        error
	truncNoted bool
}

var (
	errTruncated = errors.New("frame runs past the end of the file")
	errBadHeader = errors.New("bad frame header")
	// errGaveUp is a resync that ran out of its work budget.
	errGaveUp = errors.New("too many false frame headers")
)

// Open opens a capture file and reads its header, metadata and footer.
func Open(path string, opts ReadOptions) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open capture: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open capture: %w", err)
	}
	r, err := newReader(f, fi.Size(), path, opts)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.closer = f
	return r, nil
}

// NewReader reads a capture of size bytes from r.
func NewReader(r io.ReaderAt, size int64, opts ReadOptions) (*Reader, error) {
	return newReader(r, size, "capture", opts)
}

func newReader(ra io.ReaderAt, size int64, name string, opts ReadOptions) (*Reader, error) {
	r := &Reader{r: ra, size: size, name: name, opts: opts}
	r.bud = budget{limit: readBudget(size)}
	r.st = newStrReader(opts.Salvage, &r.bud)
	r.resyncLeft = resyncPerByte * min(size, math.MaxInt64/(2*resyncPerByte))
	var hdr [fileHeaderLen]byte
	n, err := ra.ReadAt(hdr[:min(int64(len(hdr)), size)], 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	m := min(n, len(Magic))
	switch {
	case n == 0:
		return nil, fmt.Errorf("%s: %w (empty file)", name, ErrNotCapture)
	case string(hdr[:m]) != Magic[:m]:
		return nil, fmt.Errorf("%s: %w (bad magic)", name, ErrNotCapture)
	case n < fileHeaderLen:
		return nil, fmt.Errorf("%s: truncated inside the %d-byte file header (%d bytes)", name, fileHeaderLen, n)
	}
	if v := binary.LittleEndian.Uint16(hdr[8:]); v != Version {
		return nil, fmt.Errorf("%s: %w %d (this nfstrace reads version %d)", name, ErrVersion, v, Version)
	}
	r.readFooter()

	r.off = fileHeaderLen
	h, p, next, err := r.frameAt(r.off, true)
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, errTruncated):
		r.Close()
		return nil, fmt.Errorf("%s: truncated before the end of the metadata frame (%d bytes)", name, size)
	case err != nil:
		r.Close()
		return nil, fmt.Errorf("%s: metadata: %w", name, err)
	case h.typ != FrameMeta:
		r.Close()
		return nil, fmt.Errorf("%s: %w: first frame is %v, not metadata", name, ErrCorrupt, h.typ)
	}
	if err := json.Unmarshal(p, &r.meta); err != nil {
		r.Close()
		return nil, fmt.Errorf("%s: %w: metadata: %v", name, ErrCorrupt, err)
	}
	r.frames = 1
	r.off = next
	if r.index != nil && opts.SkipEvents {
		for _, e := range r.index.Entries {
			if e.Type != FrameEvents && e.Offset >= r.off {
				r.wanted = append(r.wanted, e.Offset)
				r.wantedType = append(r.wantedType, e.Type)
			}
		}
		r.wanted = append(r.wanted, r.indexOff)
		r.wantedType = append(r.wantedType, FrameIndex)
	}
	return r, nil
}

// Meta returns the capture's metadata.
func (r *Reader) Meta() Meta { return r.meta }

// Config returns the host configuration recorded at the start.
func (r *Reader) Config() model.Config { return r.meta.Config }

// Index returns the footer's index, or nil when the file has none (it was
// not closed cleanly) or it is damaged.
func (r *Reader) Index() *Index { return r.index }

// Size is the file's size in bytes.
func (r *Reader) Size() int64 { return r.size }

// Notes says what the reader met besides snapshots: truncation, skipped
// unknown or damaged frames, incomplete intervals.
func (r *Reader) Notes() []string {
	notes := append([]string(nil), r.notes...)
	types := make([]int, 0, len(r.unknown))
	for t := range r.unknown {
		types = append(types, int(t))
	}
	sort.Ints(types)
	for _, t := range types {
		notes = append(notes, fmt.Sprintf("skipped %d frames of unknown type %d (written by a newer nfstrace?)", r.unknown[FrameType(t)], t))
	}
	if r.nonFinite > 0 {
		notes = append(notes, fmt.Sprintf("%d values that were not finite numbers (NaN, infinite, or beyond 1e15, which no rate or average reaches) read as 0", r.nonFinite))
	}
	if r.st.lost > 0 {
		notes = append(notes, fmt.Sprintf("%d strings were lost with damaged frames and read as placeholders", r.st.lost))
	}
	return notes
}

// Close releases the reader and closes the file opened by Open.
func (r *Reader) Close() error {
	if r.dec != nil {
		r.dec.Close()
		r.dec = nil
	}
	if r.closer != nil {
		c := r.closer
		r.closer = nil
		return c.Close()
	}
	return nil
}

func (r *Reader) note(format string, args ...any) {
	r.notes = append(r.notes, fmt.Sprintf(format, args...))
}

// headerAt reads and checks the frame header at off.
func (r *Reader) headerAt(off int64) (frameHeader, []byte, error) {
	if off == r.size {
		return frameHeader{}, nil, io.EOF
	}
	if r.size-off < frameHeaderLen {
		return frameHeader{}, nil, errTruncated
	}
	var b [frameHeaderLen]byte
	if _, err := r.r.ReadAt(b[:], off); err != nil {
		return frameHeader{}, nil, fmt.Errorf("read %s: %w", r.name, err)
	}
	h, ok := parseFrameHeader(b[:])
	if !ok {
		return h, nil, &CorruptError{Offset: off, Reason: errBadHeader.Error()}
	}
	if int64(h.len) > r.size-off-frameHeaderLen {
		return h, nil, errTruncated
	}
	return h, b[:], nil
}

// frameAt reads, checks and decompresses the frame at off. With load false
// it only checks the header. It returns the offset after the frame.
func (r *Reader) frameAt(off int64, load bool) (frameHeader, []byte, int64, error) {
	h, hb, err := r.headerAt(off)
	if err != nil {
		return h, nil, 0, err
	}
	next := off + frameHeaderLen + int64(h.len)
	if !load {
		return h, nil, next, nil
	}
	if cap(r.raw) < int(h.len) {
		r.raw = make([]byte, h.len)
	}
	p := r.raw[:h.len]
	if _, err := r.r.ReadAt(p, off+frameHeaderLen); err != nil {
		return h, nil, 0, fmt.Errorf("read %s: %w", r.name, err)
	}
	if frameCRC(hb, p) != h.crc {
		return h, nil, 0, &CorruptError{Offset: off, Reason: "checksum mismatch"}
	}
	if h.flags&flagZstd != 0 {
		if r.dec == nil {
			// made on first use: it costs more than reading a small file
			dec, err := zstd.NewReader(nil,
				zstd.WithDecoderConcurrency(1),
				zstd.WithDecoderMaxMemory(maxDecoded),
				zstd.WithDecodeAllCapLimit(true))
			if err != nil {
				return h, nil, 0, fmt.Errorf("zstd decoder: %w", err)
			}
			r.dec = dec
		}
		d, err := r.decompress(p)
		if err != nil {
			var ce *CorruptError
			if errors.As(err, &ce) {
				ce.Offset = off
				return h, nil, 0, ce
			}
			return h, nil, 0, fmt.Errorf("frame at offset %d: %w", off, err)
		}
		p = d
	}
	return h, p, next, nil
}

// decompress decodes a zstd payload of at most decodeLimit(len(p)) bytes
// into r.dbuf. The zstd frame's declared content size sizes the buffer; a
// frame without one gets the limit, and the decoder stops at the buffer's
// capacity either way.
func (r *Reader) decompress(p []byte) ([]byte, error) {
	limit := decodeLimit(len(p))
	var zh zstd.Header
	if err := zh.Decode(p); err != nil {
		return nil, &CorruptError{Reason: "decompress: " + err.Error()}
	}
	want := limit
	if zh.HasFCS {
		if zh.FrameContentSize > uint64(limit) {
			return nil, fmt.Errorf("%w: %d compressed bytes claim to decompress to %d, more than %d times as many",
				ErrLimit, len(p), zh.FrameContentSize, maxExpansion)
		}
		want = int(zh.FrameContentSize)
	}
	if cap(r.dbuf) < want {
		r.dbuf = make([]byte, 0, want)
	}
	d, err := r.dec.DecodeAll(p, r.dbuf[:0:want])
	switch {
	case errors.Is(err, zstd.ErrDecoderSizeExceeded):
		return nil, fmt.Errorf("%w: %d compressed bytes decompress to more than %d", ErrLimit, len(p), want)
	case err != nil:
		return nil, &CorruptError{Reason: "decompress: " + err.Error()}
	}
	return d, nil
}

// valid reports whether a complete frame with a good checksum starts at off.
// It charges the bytes it checksums to the resync budget and reports
// errGaveUp once that is spent.
func (r *Reader) valid(off int64) (bool, error) {
	h, hb, err := r.headerAt(off)
	if err != nil {
		return false, nil
	}
	if int64(h.len) > r.resyncLeft {
		r.resyncLeft = 0
		return false, errGaveUp
	}
	r.resyncLeft -= int64(h.len)
	return r.checkCRC(off, h, hb), nil
}

func (r *Reader) checkCRC(off int64, h frameHeader, hb []byte) bool {
	if cap(r.raw) < int(h.len) {
		r.raw = make([]byte, h.len)
	}
	p := r.raw[:h.len]
	if _, err := r.r.ReadAt(p, off+frameHeaderLen); err != nil {
		return false
	}
	return frameCRC(hb, p) == h.crc
}

// resync finds the next offset after from where a valid frame starts, or
// -1. Its work is bounded: it reads each byte once and checksums candidate
// frames only within r.resyncLeft (errGaveUp after that), so a file full of
// false frame headers costs time linear in its size. It stops with ctx.
func (r *Reader) resync(ctx context.Context, from int64) (int64, error) {
	const chunk = 1 << 16
	buf := make([]byte, chunk+1)
	for base := from; base+frameHeaderLen <= r.size; base += chunk {
		if err := ctx.Err(); err != nil {
			return -1, err
		}
		n, err := r.r.ReadAt(buf[:min(int64(len(buf)), r.size-base)], base)
		if err != nil && !errors.Is(err, io.EOF) {
			return -1, fmt.Errorf("read %s: %w", r.name, err)
		}
		b := buf[:n]
		for i := 0; i+1 < len(b); i++ {
			if b[i] != sync0 || b[i+1] != sync1 {
				continue
			}
			if i >= chunk {
				break
			}
			off := base + int64(i)
			ok, err := r.valid(off)
			if err != nil {
				return -1, err
			}
			if ok {
				return off, nil
			}
		}
	}
	return -1, nil
}

// Each reads the snapshots that are left and passes each to fn, until the
// end of the capture, limit snapshots (limit > 0) or an error of fn, of the
// file (ErrCorrupt for a damaged frame without Salvage) or of ctx. A
// cut-off file ends at its intact part; Notes says so.
func (r *Reader) Each(ctx context.Context, limit int, fn func(*model.Snapshot) error) error {
	for n := 0; limit <= 0 || n < limit; n++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		// ctx also stops the search for valid frames in a damaged file.
		s, err := r.NextContext(ctx)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(s); err != nil {
			return err
		}
	}
	return nil
}

// Next returns the next snapshot, with its events, scheduler changes and
// tracer statistics, or io.EOF after the last one. A file cut short ends
// with io.EOF and a note. A damaged frame in the middle is an error naming
// its offset, unless salvaging. A file over the reading limits is an error
// (ErrLimit) naming the offset, salvaging or not.
func (r *Reader) Next() (*model.Snapshot, error) {
	return r.NextContext(context.Background())
}

// NextContext is Next, stopping with ctx's error when ctx is done, also in
// the middle of a search for the next valid frame after damage.
func (r *Reader) NextContext(ctx context.Context) (*model.Snapshot, error) {
	for {
		if r.err != nil {
			return nil, r.err
		}
		if r.done {
			return nil, io.EOF
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		off := r.off
		if r.wanted != nil {
			if r.wantedPos >= len(r.wanted) {
				r.done = true
				continue
			}
			off = r.wanted[r.wantedPos]
		}
		load := true
		if r.opts.SkipEvents {
			if h, _, err := r.headerAt(off); err == nil && h.typ == FrameEvents {
				load = false
			}
		}
		h, p, next, err := r.frameAt(off, load)
		if err == nil && r.wanted != nil && h.typ != r.wantedType[r.wantedPos] {
			// the footer lied about this frame: read on without it
			r.note("ignored the footer index from offset %d on: it lists a %v frame where the file has a %v frame",
				off, r.wantedType[r.wantedPos], h.typ)
			r.wanted, r.wantedType = nil, nil
			continue
		}
		if err != nil && r.wanted != nil && !errors.Is(err, ErrLimit) {
			// no valid frame where the footer says: read on without it,
			// meeting any damage in its place
			r.note("ignored the footer index from offset %d on: no valid frame where it lists one (%v)", off, err)
			r.wanted, r.wantedType = nil, nil
			continue
		}
		if err != nil {
			if err := r.bad(ctx, off, err); err != nil {
				r.err = err
			}
			continue
		}
		r.frames++
		r.off = next
		if r.wanted != nil {
			r.wantedPos++
		}
		s, err := r.apply(off, h, p, load)
		if errors.Is(err, ErrLimit) {
			r.err = fmt.Errorf("%s: frame at offset %d: %w", r.name, off, err)
			continue
		}
		if err != nil {
			if !r.opts.Salvage {
				r.err = fmt.Errorf("%s: %w", r.name, &CorruptError{Offset: off, Reason: err.Error()})
				continue
			}
			r.note("skipped %v frame at offset %d: %v", h.typ, off, err)
			continue
		}
		if s != nil {
			return s, nil
		}
	}
}

// bad handles a frame that could not be read at off: the end of the file,
// a cut, or damage.
func (r *Reader) bad(ctx context.Context, off int64, err error) error {
	var ce *CorruptError
	switch {
	case errors.Is(err, ErrLimit):
		return fmt.Errorf("%s: %w", r.name, err)
	case errors.Is(err, io.EOF):
		r.done = true
		if r.index == nil {
			r.noteTrunc(off, "no footer: the writer did not close the file")
		}
		r.dropPending("after the last snapshot")
		return nil
	case errors.Is(err, errTruncated), errors.As(err, &ce):
		// Damage followed by a valid frame is damage in the middle; damage
		// with nothing valid after it is where the file was cut.
		nextOK, err := r.resync(ctx, off+1)
		if err != nil && !errors.Is(err, errGaveUp) {
			return err
		}
		if nextOK < 0 {
			r.done = true
			detail := fmt.Sprintf("the last %d bytes are incomplete", max(r.size-off, 0))
			if ce != nil {
				detail = fmt.Sprintf("the last %d bytes are damaged: %s", max(r.size-off, 0), ce.Reason)
			}
			if err != nil {
				detail += "; not searched further: " + err.Error()
			}
			r.noteTrunc(off, detail)
			r.dropPending("after the last snapshot")
			return nil
		}
		if ce == nil {
			ce = &CorruptError{Offset: off, Reason: errTruncated.Error()}
		}
		if !r.opts.Salvage {
			return fmt.Errorf("%s: %w", r.name, ce)
		}
		r.note("salvage: skipped %d damaged bytes at offset %d (%s)", nextOK-off, off, ce.Reason)
		r.off = nextOK
		if r.wanted != nil {
			// the index no longer describes what follows: read on sequentially
			r.wanted, r.wantedType = nil, nil
		}
		return nil
	default:
		return err
	}
}

func (r *Reader) noteTrunc(off int64, detail string) {
	if r.truncNoted {
		return
	}
	r.truncNoted = true
	r.note("truncated after %d frames at offset %d (%s)", r.frames, off, detail)
}

func (r *Reader) dropPending(why string) {
	if !r.hasPend {
		return
	}
	r.note("dropped %d events %s: the snapshot they belong to is missing", len(r.pend.Events), why)
	r.pend = model.Snapshot{}
	r.hasPend = false
}

// group starts or continues the satellites of snapshot seq.
func (r *Reader) group(seq uint64) {
	if r.hasPend && r.pendSeq != seq {
		r.dropPending(fmt.Sprintf("of snapshot %d", r.pendSeq))
	}
	if !r.hasPend {
		r.hasPend, r.pendSeq = true, seq
		if r.opts.ReuseEvents {
			r.pend.Events = r.spare[:0]
		}
		if n := min(r.evCount[seq], 4*maxBatch); n > cap(r.pend.Events) && !r.opts.SkipEvents && r.bud.take(n, sizeEvent) == nil {
			r.pend.Events = make([]model.DEvent, 0, n)
		}
	}
}

// apply handles one frame; it returns a snapshot when one is complete.
func (r *Reader) apply(off int64, h frameHeader, p []byte, loaded bool) (*model.Snapshot, error) {
	switch h.typ {
	case FrameStrings:
		return nil, r.st.add(p)
	case FrameEvents:
		if !loaded {
			return nil, nil
		}
		d := decoder{b: p}
		r.group(d.uvarint())
		_, evs, err := decodeEvents(p, r.st, r.pend.Events, &r.bud)
		r.pend.Events = evs
		if err != nil {
			return nil, err
		}
	case FrameSched:
		seq, cs, err := decodeSched(p, r.st, &r.bud)
		if err != nil {
			return nil, err
		}
		r.group(seq)
		r.pend.Host.Changes = append(r.pend.Host.Changes, cs...)
	case FrameCgroups:
		seq, m, err := decodeCgroups(p, r.st, &r.bud)
		if err != nil {
			return nil, err
		}
		r.group(seq)
		r.pend.Host.Cgroups = m
	case FrameStats:
		seq, s, err := decodeStats(p)
		if err != nil {
			return nil, err
		}
		r.group(seq)
		r.pend.Stats = s
	case FrameKernelLog:
		if r.opts.skipKernelLog {
			r.countUnknown(h.typ)
			return nil, nil
		}
		seq, k, err := decodeKernelLog(p, r.st, &r.bud)
		if err != nil {
			return nil, err
		}
		r.group(seq)
		r.pend.Kernel = k
	case FrameSnapshot:
		s := new(model.Snapshot)
		seq, err := decodeSnapshot(p, r.st, s, &r.bud)
		if err != nil {
			return nil, err
		}
		r.nonFinite += finite(s)
		if r.hasPend && r.pendSeq == seq {
			s.Host.Changes = r.pend.Host.Changes
			s.Host.Cgroups = r.pend.Host.Cgroups
			s.Stats = r.pend.Stats
			s.Events = r.pend.Events
			s.Kernel = r.pend.Kernel
			if r.opts.ReuseEvents {
				r.spare = s.Events
			}
			r.pend = model.Snapshot{}
			r.hasPend = false
		} else {
			r.dropPending(fmt.Sprintf("of snapshot %d", r.pendSeq))
		}
		return s, nil
	case FrameMeta, FrameIndex:
		// the metadata was read first and the index from the footer
	case FrameEnd:
		r.done = true
		if rest := r.size - r.off; rest > 0 {
			r.note("ignored %d bytes after the end marker at offset %d", rest, off)
		}
		r.dropPending("before the end marker")
	default:
		r.countUnknown(h.typ)
	}
	return nil, nil
}

// countUnknown counts a frame of a type this reader skips.
func (r *Reader) countUnknown(t FrameType) {
	if r.unknown == nil {
		r.unknown = make(map[FrameType]int)
	}
	r.unknown[t]++
}

// readFooter loads the index if the file ends with a valid end marker
// pointing at a valid index frame. Anything else means no footer.
func (r *Reader) readFooter() {
	endOff := r.size - endFrameLen
	if endOff < fileHeaderLen {
		return
	}
	h, p, _, err := r.frameAt(endOff, true)
	if err != nil || h.typ != FrameEnd || len(p) != endPayloadLen {
		return
	}
	idxOff := int64(binary.LittleEndian.Uint64(p))
	if idxOff < fileHeaderLen || idxOff >= endOff {
		return
	}
	h, p, next, err := r.frameAt(idxOff, true)
	if err != nil || h.typ != FrameIndex || next != endOff {
		return
	}
	idx, err := decodeIndex(p)
	if err == nil {
		err = checkIndex(idx, idxOff)
	}
	if err != nil {
		r.note("ignored the footer index (%v): read the whole file instead", err)
		return
	}
	r.index, r.indexOff = idx, idxOff
	for _, e := range idx.Entries {
		if e.Type == FrameEvents && e.Count <= maxBatch {
			if r.evCount == nil {
				r.evCount = make(map[uint64]int)
			}
			r.evCount[e.Seq] += int(e.Count)
		}
	}
}

// checkIndex checks what a reader relies on in an index that ends at
// idxOff: frames in file order, each at least a frame header apart, inside
// the file, and event counts no batch exceeds. So a reader that follows it
// reads each frame at most once and sizes nothing past a batch.
func checkIndex(idx *Index, idxOff int64) error {
	prev := int64(fileHeaderLen - frameHeaderLen)
	for i, e := range idx.Entries {
		switch {
		case e.Offset < prev+frameHeaderLen:
			return fmt.Errorf("entry %d at offset %d does not follow the previous frame at %d", i, e.Offset, prev)
		case e.Offset > idxOff-frameHeaderLen:
			return fmt.Errorf("entry %d at offset %d is past the index at %d", i, e.Offset, idxOff)
		case e.Type == FrameEvents && e.Count > maxBatch:
			return fmt.Errorf("entry %d lists %d events, more than the %d of a batch", i, e.Count, maxBatch)
		}
		prev = e.Offset
	}
	return nil
}

func decodeIndex(p []byte) (*Index, error) {
	d := decoder{b: p}
	n := d.count(4)
	idx := &Index{Entries: make([]IndexEntry, n)}
	var off, end int64
	for i := range idx.Entries {
		e := &idx.Entries[i]
		if d.err != nil {
			break
		}
		e.Type = FrameType(d.byte())
		delta := d.uvarint()
		if delta > uint64(math.MaxInt64-off) {
			return nil, fmt.Errorf("entry %d: offset delta %d out of range", i, delta)
		}
		off += int64(delta)
		e.Offset = off
		e.Seq = d.uvarint()
		v := d.varint()
		switch e.Type {
		case FrameSnapshot:
			end += v
			e.End = fromUnixNano(end)
			idx.Snapshots++
			if idx.First.IsZero() {
				idx.First = e.End
			}
			idx.Last = e.End
		case FrameEvents, FrameSched, FrameStats, FrameKernelLog, FrameCgroups:
			e.Count = uint64(v)
			switch e.Type {
			case FrameEvents:
				idx.Events += e.Count
			case FrameStats:
				idx.Lost += e.Count
			}
		}
	}
	if d.err != nil {
		return nil, d.err
	}
	return idx, nil
}
