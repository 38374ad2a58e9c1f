// Package capture reads and writes nfstrace capture files: a header with magic
// and version, then self-delimiting, checksummed frames (metadata, string
// table, per-interval snapshots, D-state event batches, scheduler changes,
// tracer statistics), and on a clean close an index and an end marker.
// docs/capture-format.md describes the layout byte by byte.
//
// A file is valid after every write of the Writer: each frame is complete on
// its own, so a file cut short by kill -9 or a power loss reads up to its last
// complete frame, with a note saying where it was cut.
//
// A file read may come from anyone: the Reader trusts none of its sizes,
// counts or offsets, and reading costs memory and time bounded by the file's
// size (limits.go), or fails with ErrLimit naming the offset.
package capture
