package capture

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// Magic opens every capture file. As in PNG's signature, the high first byte,
// the CR LF pair and the ^Z catch files mangled by text-mode transfers.
const Magic = "\x8fNFSC\r\n\x1a"

// Version is the format version this package writes and reads.
const Version = 1

const (
	fileHeaderLen  = 16 // magic, version u16, flags u16, reserved u32
	frameHeaderLen = 12 // sync u16, type u8, flags u8, length u32, crc32c u32
	sync0, sync1   = 0xF2, 0x9C
	// maxPayload bounds one frame's stored payload; larger lengths are damage.
	maxPayload = 64 << 20
	// maxDecoded bounds a frame's payload after decompression.
	maxDecoded = 64 << 20
	// endPayloadLen is the End frame's payload: the index frame's offset.
	endPayloadLen = 8
	endFrameLen   = frameHeaderLen + endPayloadLen
)

// FrameType says what a frame holds.
type FrameType uint8

// Frame types. Numbers are never reused; a reader skips types it does not know.
const (
	FrameMeta      FrameType = 1  // JSON: Meta
	FrameStrings   FrameType = 2  // binary: string table additions
	FrameSnapshot  FrameType = 3  // binary: one interval's host view and histogram rows
	FrameEvents    FrameType = 4  // binary, columnar: D-state events of the next snapshot
	FrameSched     FrameType = 5  // binary: IO scheduler changes of the next snapshot
	FrameStats     FrameType = 6  // binary: events processed, lost, tracer CPU of the next snapshot
	FrameIndex     FrameType = 7  // binary: offsets of every frame, written by Close
	FrameEnd       FrameType = 8  // the index frame's offset; always the last frame
	FrameKernelLog FrameType = 9  // binary: kernel messages of the next snapshot, by template
	FrameCgroups   FrameType = 10 // binary: cgroup limits new or changed in the next snapshot
)

func (t FrameType) String() string {
	switch t {
	case FrameMeta:
		return "meta"
	case FrameStrings:
		return "strings"
	case FrameSnapshot:
		return "snapshot"
	case FrameEvents:
		return "events"
	case FrameSched:
		return "sched"
	case FrameStats:
		return "stats"
	case FrameIndex:
		return "index"
	case FrameEnd:
		return "end"
	case FrameKernelLog:
		return "kernel log"
	case FrameCgroups:
		return "cgroups"
	}
	return fmt.Sprintf("type %d", uint8(t))
}

// Frame flags.
const (
	flagZstd   = 1 << 0 // the payload is one zstd frame
	flagsKnown = flagZstd
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// frameHeader is the fixed part before each payload.
type frameHeader struct {
	typ   FrameType
	flags uint8
	len   uint32
	crc   uint32
}

func putFrameHeader(b []byte, h frameHeader) {
	b[0], b[1] = sync0, sync1
	b[2] = byte(h.typ)
	b[3] = h.flags
	binary.LittleEndian.PutUint32(b[4:], h.len)
	binary.LittleEndian.PutUint32(b[8:], h.crc)
}

func parseFrameHeader(b []byte) (frameHeader, bool) {
	if b[0] != sync0 || b[1] != sync1 {
		return frameHeader{}, false
	}
	h := frameHeader{
		typ:   FrameType(b[2]),
		flags: b[3],
		len:   binary.LittleEndian.Uint32(b[4:]),
		crc:   binary.LittleEndian.Uint32(b[8:]),
	}
	if h.typ == 0 || h.flags&^flagsKnown != 0 || h.len > maxPayload {
		return h, false
	}
	return h, true
}

// frameCRC is the CRC-32C of the header's first 8 bytes and the stored payload.
func frameCRC(hdr, payload []byte) uint32 {
	c := crc32.Update(0, castagnoli, hdr[:8])
	return crc32.Update(c, castagnoli, payload)
}

// Errors a reader returns; wrapped with the file name and details.
var (
	ErrNotCapture = errors.New("not an nfstrace capture")
	ErrVersion    = errors.New("unsupported capture format version")
	ErrCorrupt    = errors.New("corrupt capture")
	ErrSizeLimit  = errors.New("capture size limit reached")
	ErrWriterDone = errors.New("capture writer stopped")
)

// CorruptError is a damaged frame in the middle of a file.
type CorruptError struct {
	Offset int64  // where the damaged frame starts
	Reason string // "checksum mismatch", "bad frame header", ...
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("corrupt frame at offset %d: %s", e.Offset, e.Reason)
}

// Is makes errors.Is(err, ErrCorrupt) hold.
func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }
