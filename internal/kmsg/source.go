package kmsg

import (
	"errors"
	"fmt"
	"io/fs"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nfstrace/nfstrace/internal/model"
)

// DefaultPath is the kernel's structured log device.
const DefaultPath = "/dev/kmsg"

// maxRecordsPerCollect bounds the time one Collect reads: a ring buffer
// holds far fewer records, so only a storm faster than the read reaches it;
// the rest is read by the next Collect.
const maxRecordsPerCollect = 200000

// Source reads the kernel's log from /dev/kmsg without blocking. It reads
// the records already in the ring buffer when opened as logged before the
// run, and follows the log from there.
type Source struct {
	path    string
	fd      int
	readFn  func([]byte) (int, error) // unix.Read of fd; a seam for tests
	buf     []byte
	agg     *Aggregator
	lastSeq uint64
	started bool                 // a record was read: lastSeq is valid
	uptime  func() time.Duration // the kernel's time now; a seam for tests
}

// Open opens path (DefaultPath on a live host) and reads the records the
// ring buffer still holds. The error of a log that cannot be read says why
// in one line, e.g. that kernel.dmesg_restrict=1 wants CAP_SYSLOG.
func Open(path string) (*Source, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		if errors.Is(err, fs.ErrPermission) {
			return nil, fmt.Errorf("open %s: %w (reading the kernel log needs CAP_SYSLOG when kernel.dmesg_restrict=1)", path, err)
		}
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	boot, err := bootTime()
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	// A read wants room for a whole record (about 1 KiB of text and its
	// dictionary), or fails with EINVAL.
	s := newSource(path, func(b []byte) (int, error) { return unix.Read(fd, b) }, boot)
	s.fd = fd
	if err := s.read(true); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return s, nil
}

func newSource(path string, read func([]byte) (int, error), boot time.Time) *Source {
	return &Source{path: path, fd: -1, readFn: read, buf: make([]byte, 16<<10), agg: NewAggregator(boot),
		uptime: monotonic}
}

// monotonic is the time since boot as the kernel's log counts it, 0 if the
// clock cannot be read.
func monotonic() time.Duration {
	var ts unix.Timespec
	if unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts) != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}

// bootTime is the wall time of the kernel's time 0, CLOCK_MONOTONIC's
// origin, which /dev/kmsg time stamps count from.
func bootTime() (time.Time, error) {
	var ts unix.Timespec
	now := time.Now()
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return time.Time{}, fmt.Errorf("clock_gettime(CLOCK_MONOTONIC): %w", err)
	}
	return now.Add(-time.Duration(ts.Nano())), nil
}

// Collect reads the records logged since the previous call and returns them
// grouped by template, nil if there were none of interest.
func (s *Source) Collect() (*model.KernelLog, error) {
	if err := s.read(false); err != nil {
		return nil, err
	}
	s.agg.FlushIdle(s.uptime())
	return s.agg.Take(), nil
}

// read reads what the log holds now.
func (s *Source) read(earlier bool) error {
	for range maxRecordsPerCollect {
		n, err := s.readFn(s.buf)
		switch {
		case errors.Is(err, unix.EAGAIN):
			if earlier {
				s.agg.Flush()
			}
			return nil
		case errors.Is(err, unix.EPIPE):
			// The record at our position was overwritten; the next read
			// returns the oldest one left, and the gap in sequence numbers
			// counts what was lost.
			continue
		case errors.Is(err, unix.EINTR):
			continue
		case err != nil:
			return fmt.Errorf("read %s: %w", s.path, err)
		case n == 0:
			return nil
		}
		r, err := ParseRecord(s.buf[:n])
		if err != nil {
			continue // not a record of the format this reads
		}
		if s.started && r.Seq > s.lastSeq+1 {
			s.agg.Lost(r.Seq - s.lastSeq - 1)
		}
		s.lastSeq, s.started = r.Seq, true
		s.agg.Add(r, earlier)
	}
	return nil
}

// Close closes the device.
func (s *Source) Close() error {
	if s.fd < 0 {
		return nil
	}
	if err := unix.Close(s.fd); err != nil {
		return fmt.Errorf("close %s: %w", s.path, err)
	}
	return nil
}
