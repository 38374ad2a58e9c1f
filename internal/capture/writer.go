package capture

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/nfstrace/nfstrace/internal/model"
)

// Meta is the capture-level metadata, the first frame of every file (JSON).
type Meta struct {
	ToolVersion string        `json:"tool_version"`
	Start       time.Time     `json:"start"`
	BootID      string        `json:"boot_id"`
	Interval    time.Duration `json:"interval_ns,omitempty"`
	MinDState   time.Duration `json:"min_dstate_ns,omitempty"`
	// Args is the command line that recorded the capture.
	Args   []string     `json:"args,omitempty"`
	Config model.Config `json:"config"`
}

// Options tune a Writer.
type Options struct {
	// Force lets Create replace an existing file.
	Force bool
	// MaxSize, when positive, bounds the file, footer included: a write that
	// would cross it is refused with ErrSizeLimit and the file stays valid.
	MaxSize int64
	// NoSync makes Flush write through to the file without fsync.
	NoSync bool
}

// WriterStats counts what a Writer has accepted.
type WriterStats struct {
	Snapshots uint64
	Events    uint64
	Lost      uint64 // sum of the snapshots' Stats.Lost
	Frames    uint64
	Bytes     int64 // in the file or buffered for it
}

// flushAt is how many buffered bytes trigger a write between Flushes.
const flushAt = 1 << 20

// Writer appends frames to a capture. It is not safe for concurrent use.
//
// After every write the underlying file ends on a frame boundary: frames are
// buffered whole and written whole, and a failed write is cut back to the
// last complete frame. Call Flush at least once a second and Close at the end.
type Writer struct {
	w    io.Writer
	file *os.File // set by Create; closed by Close
	name string
	opts Options

	enc     *zstd.Encoder
	st      *strWriter
	snapEnc snapEncoder

	buf       []byte // complete frames not yet written
	zbuf      []byte
	col       []byte // scratch for one column of an Events frame
	payloads  [][]byte
	ptypes    []FrameType
	committed int64 // bytes written to w

	// index holds one entry per frame: type, offset delta, sequence
	// number, and a value: for snapshots the end time delta, for events and
	// scheduler changes the count, for stats the lost events.
	index          []byte
	nIndex         int
	lastOff        int64
	lastEnd        int64
	indexCommitted struct {
		len, n  int
		off, ts int64
		snaps   uint64
	}

	seq   uint64 // sequence number of the next snapshot
	stats WriterStats
	err   error // sticky: set by a failed write, ErrSizeLimit or Close
}

// Create creates a capture file with mode 0600 and writes its header and
// metadata. It refuses to replace an existing file unless opts.Force.
func Create(path string, meta Meta, opts Options) (*Writer, error) {
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if opts.Force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("create %s: file exists (force to overwrite)", path)
		}
		return nil, fmt.Errorf("create capture: %w", err)
	}
	if opts.Force {
		// O_TRUNC keeps the old file's mode.
		if err := f.Chmod(0o600); err != nil {
			f.Close()
			return nil, fmt.Errorf("create %s: %w", path, err)
		}
	}
	w, err := newWriter(f, path, meta, opts)
	if err != nil {
		// not even the metadata fit: leave no half-written file behind
		f.Close()
		os.Remove(path)
		return nil, err
	}
	w.file = f
	return w, nil
}

// NewWriter writes a capture to w. If w has Truncate(int64) error and
// io.Seeker (as *os.File does), a failed write is cut back to the last
// complete frame; if it has Sync() error, Flush calls it.
func NewWriter(w io.Writer, meta Meta, opts Options) (*Writer, error) {
	return newWriter(w, "capture", meta, opts)
}

func newWriter(w io.Writer, name string, meta Meta, opts Options) (*Writer, error) {
	enc, err := zstd.NewWriter(nil,
		zstd.WithEncoderLevel(zstd.SpeedFastest),
		zstd.WithEncoderConcurrency(1),
		zstd.WithEncoderCRC(false))
	if err != nil {
		return nil, fmt.Errorf("zstd encoder: %w", err)
	}
	cw := &Writer{w: w, name: name, opts: opts, enc: enc, st: newStrWriter()}
	js, err := json.Marshal(&meta)
	if err != nil {
		return nil, fmt.Errorf("encode capture metadata: %w", err)
	}
	cw.buf = append(cw.buf, Magic...)
	cw.buf = binary.LittleEndian.AppendUint16(cw.buf, Version)
	cw.buf = binary.LittleEndian.AppendUint16(cw.buf, 0) // flags
	cw.buf = binary.LittleEndian.AppendUint32(cw.buf, 0) // reserved
	cw.appendFrame(FrameMeta, js, 0)
	if cw.opts.MaxSize > 0 && int64(len(cw.buf))+cw.footerSize() > cw.opts.MaxSize {
		return nil, fmt.Errorf("%s: size limit %d bytes is smaller than the metadata", name, opts.MaxSize)
	}
	if err := cw.Flush(); err != nil {
		return nil, err
	}
	return cw, nil
}

// appendFrame appends one frame to w.buf, compressing payloads where it pays,
// and records it in the index.
func (w *Writer) appendFrame(t FrameType, payload []byte, extra uint64) {
	off := w.committed + int64(len(w.buf))
	var flags uint8
	stored := payload
	if len(payload) >= 64 && t != FrameIndex && t != FrameEnd {
		w.zbuf = w.enc.EncodeAll(payload, w.zbuf[:0])
		// a payload that compresses better than readers accept (decodeLimit)
		// is stored as it is
		if len(w.zbuf) < len(payload) && len(payload) <= decodeLimit(len(w.zbuf)) {
			stored, flags = w.zbuf, flagZstd
		}
	}
	var hdr [frameHeaderLen]byte
	h := frameHeader{typ: t, flags: flags, len: uint32(len(stored))}
	putFrameHeader(hdr[:], h)
	h.crc = frameCRC(hdr[:], stored)
	putFrameHeader(hdr[:], h)
	w.buf = append(w.buf, hdr[:]...)
	w.buf = append(w.buf, stored...)
	w.stats.Frames++

	if t == FrameIndex || t == FrameEnd {
		return
	}
	// Every entry has the same shape, so that a reader can list frames of
	// types it does not know: type, offset delta, sequence number, value.
	var seq uint64
	var v int64
	switch t {
	case FrameSnapshot:
		seq, v = w.seq, int64(extra)-w.lastEnd
		w.lastEnd = int64(extra)
	case FrameEvents, FrameSched, FrameStats, FrameKernelLog, FrameCgroups:
		seq, v = w.seq, int64(extra)
	}
	w.index = append(w.index, byte(t))
	w.index = appendUvarint(w.index, uint64(off-w.lastOff))
	w.index = appendUvarint(w.index, seq)
	w.index = appendVarint(w.index, v)
	w.lastOff = off
	w.nIndex++
}

// footerSize is the size of the index and end frames if written now.
func (w *Writer) footerSize() int64 {
	return frameHeaderLen + int64(binary.MaxVarintLen64+len(w.index)) + endFrameLen
}

// WriteSnapshot appends a snapshot with its events, scheduler changes and
// tracer statistics. Events already handed to WriteEvents belong to it too.
func (w *Writer) WriteSnapshot(s *model.Snapshot) error {
	return w.writeGroup(s.Events, s)
}

// WriteEvents appends events ahead of the snapshot they belong to (the next
// one written), for producers that hand over events as they come.
func (w *Writer) WriteEvents(evs []model.DEvent) error {
	if len(evs) == 0 {
		return w.err
	}
	return w.writeGroup(evs, nil)
}

func (w *Writer) writeGroup(evs []model.DEvent, s *model.Snapshot) error {
	if w.err != nil {
		return w.err
	}
	// Encode payloads first: they assign string ids, and the Strings frame
	// that defines them must come first.
	w.ptypes = w.ptypes[:0]
	np := 0
	next := func(t FrameType) *[]byte {
		if np == len(w.payloads) {
			w.payloads = append(w.payloads, nil)
		}
		w.ptypes = append(w.ptypes, t)
		np++
		p := &w.payloads[np-1]
		*p = (*p)[:0]
		return p
	}
	var extras [64]uint64
	ext := extras[:0]
	for len(evs) > 0 {
		n := min(len(evs), maxBatch)
		p := next(FrameEvents)
		*p = appendEvents(*p, &w.col, w.seq, evs[:n], w.st)
		ext = append(ext, uint64(n))
		evs = evs[n:]
	}
	var nev uint64
	for _, e := range ext {
		nev += e
	}
	if s != nil {
		if len(s.Host.Changes) > 0 {
			p := next(FrameSched)
			*p = appendSched(*p, w.seq, s.Host.Changes, w.st)
			ext = append(ext, uint64(len(s.Host.Changes)))
		}
		if len(s.Host.Cgroups) > 0 {
			p := next(FrameCgroups)
			*p = appendCgroups(*p, w.seq, s.Host.Cgroups, w.st)
			ext = append(ext, uint64(len(s.Host.Cgroups)))
		}
		if !s.Kernel.Empty() {
			p := next(FrameKernelLog)
			*p = appendKernelLog(*p, w.seq, s.Kernel, w.st)
			ext = append(ext, uint64(len(s.Kernel.Templates)))
		}
		p := next(FrameStats)
		*p = appendStats(*p, w.seq, &s.Stats)
		ext = append(ext, s.Stats.Lost)
		p = next(FrameSnapshot)
		*p = w.snapEnc.append(*p, w.seq, s, w.st)
		ext = append(ext, uint64(unixNano(s.End)))
	}

	start := len(w.buf)
	idxLen, idxN, idxOff, idxEnd, frames := len(w.index), w.nIndex, w.lastOff, w.lastEnd, w.stats.Frames
	if w.st.pending() {
		var sp []byte
		sp = w.st.appendPending(sp)
		w.appendFrame(FrameStrings, sp, 0)
	}
	for i := range np {
		w.appendFrame(w.ptypes[i], w.payloads[i], ext[i])
	}
	if w.opts.MaxSize > 0 && w.committed+int64(len(w.buf))+w.footerSize() > w.opts.MaxSize {
		w.buf = w.buf[:start]
		w.index, w.nIndex, w.lastOff, w.lastEnd, w.stats.Frames = w.index[:idxLen], idxN, idxOff, idxEnd, frames
		w.st.rollback()
		w.err = fmt.Errorf("%s: %w (%d bytes)", w.name, ErrSizeLimit, w.opts.MaxSize)
		return w.err
	}
	w.st.commit()
	w.stats.Events += nev
	if s != nil {
		w.stats.Snapshots++
		w.stats.Lost += s.Stats.Lost
		w.seq++
	}
	if len(w.buf) >= flushAt {
		return w.writeOut()
	}
	return nil
}

// writeOut writes the buffered frames. On failure it cuts the file back to
// the last complete frame and stops the writer.
func (w *Writer) writeOut() error {
	if len(w.buf) == 0 {
		return nil
	}
	n, err := w.w.Write(w.buf)
	if err == nil && n < len(w.buf) {
		err = io.ErrShortWrite
	}
	if err != nil {
		cause := err
		var pe *fs.PathError
		if errors.As(err, &pe) {
			cause = pe.Err
		}
		msg := fmt.Sprintf("write %s: %v: recording stopped", w.name, cause)
		if n > 0 {
			if terr := w.cutBack(); terr != nil {
				msg += fmt.Sprintf("; cutting back to offset %d failed: %v", w.committed, terr)
			}
		}
		msg += fmt.Sprintf("; the file is valid up to offset %d (%d snapshots)", w.committed, w.indexCommitted.snaps)
		w.err = wrapped{msg: msg, err: err}
		w.buf = w.buf[:0]
		ic := w.indexCommitted
		w.index, w.nIndex, w.lastOff, w.lastEnd = w.index[:ic.len], ic.n, ic.off, ic.ts
		return w.err
	}
	w.committed += int64(n)
	w.buf = w.buf[:0]
	w.indexCommitted.len, w.indexCommitted.n = len(w.index), w.nIndex
	w.indexCommitted.off, w.indexCommitted.ts = w.lastOff, w.lastEnd
	w.indexCommitted.snaps = w.stats.Snapshots
	return nil
}

// wrapped carries a message of its own and the cause for errors.Is.
type wrapped struct {
	msg string
	err error
}

func (e wrapped) Error() string { return e.msg }
func (e wrapped) Unwrap() error { return e.err }

// cutBack truncates the file to the last complete frame and moves the write
// position there.
func (w *Writer) cutBack() error {
	t, ok := w.w.(interface{ Truncate(int64) error })
	if !ok {
		return errors.New("the writer cannot truncate")
	}
	if err := t.Truncate(w.committed); err != nil {
		return err
	}
	if s, ok := w.w.(io.Seeker); ok {
		if _, err := s.Seek(w.committed, io.SeekStart); err != nil {
			return err
		}
	}
	return nil
}

// Flush writes the buffered frames through to the file and syncs it.
func (w *Writer) Flush() error {
	if w.err != nil && !errors.Is(w.err, ErrSizeLimit) {
		return w.err
	}
	if err := w.writeOut(); err != nil {
		return err
	}
	if s, ok := w.w.(interface{ Sync() error }); ok && !w.opts.NoSync {
		if err := s.Sync(); err != nil {
			w.err = fmt.Errorf("sync %s: %w", w.name, err)
			return w.err
		}
	}
	return nil
}

// Stats returns what the writer has accepted so far.
func (w *Writer) Stats() WriterStats {
	s := w.stats
	s.Bytes = w.committed + int64(len(w.buf))
	return s
}

// Err returns the error that stopped the writer, if any.
func (w *Writer) Err() error { return w.err }

// Close writes the buffered frames, the index and the end marker, syncs, and
// closes the file opened by Create. After a failed write it still tries to
// add the index after the last complete frame; if that fails too the file
// ends without a footer and reads as truncated. Close returns the error that
// stopped the writer, if any, other than ErrSizeLimit.
func (w *Writer) Close() error {
	if errors.Is(w.err, errClosed) {
		return nil
	}
	stopErr := w.err
	if errors.Is(stopErr, ErrSizeLimit) {
		stopErr = nil
	}
	if w.err == nil || errors.Is(w.err, ErrSizeLimit) {
		w.writeOut()
	}
	if w.err == nil || errors.Is(w.err, ErrSizeLimit) || len(w.buf) == 0 {
		w.err = nil
		w.writeFooter()
		if err := w.Flush(); err != nil && stopErr == nil {
			stopErr = err
		}
	}
	w.enc.Close()
	if w.file != nil {
		if err := w.file.Close(); err != nil && stopErr == nil {
			stopErr = fmt.Errorf("close %s: %w", w.name, err)
		}
	}
	w.err = errClosed
	return stopErr
}

var errClosed = fmt.Errorf("%w: closed", ErrWriterDone)

func (w *Writer) writeFooter() {
	idxOff := w.committed + int64(len(w.buf))
	p := make([]byte, 0, binary.MaxVarintLen64+len(w.index))
	p = appendUvarint(p, uint64(w.nIndex))
	p = append(p, w.index...)
	w.appendFrame(FrameIndex, p, 0)
	var e [endPayloadLen]byte
	binary.LittleEndian.PutUint64(e[:], uint64(idxOff))
	w.appendFrame(FrameEnd, e[:], 0)
}
