// Package host reads what procfs and sysfs say about a Linux host: its static
// configuration (kernel, installed kernels, block devices, sysctls, nfsd) once,
// and a cheap Sample of its changing counters (load, D-state tasks, nfsd
// statistics, diskstats, IO schedulers, IO pressure) every interval.
//
// The package returns raw, cumulative values as the kernel prints them; rates
// and deltas are computed by its caller. It imports nothing else of nfstrace.
// Parsers take bytes and are separate from the thin I/O around them, and the
// procfs, sysfs and boot roots are parameters, so fixture trees can stand in
// for a host.
package host

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/prometheus/procfs"
)

// Roots are the directories a Reader reads: procfs, sysfs and the directory
// holding installed kernels.
type Roots struct {
	Proc string // default /proc
	Sys  string // default /sys
	Boot string // default /boot
}

// DefaultRoots are the roots of the running host.
func DefaultRoots() Roots { return Roots{Proc: "/proc", Sys: "/sys", Boot: "/boot"} }

// TreeRoots are the roots of a fixture tree laid out as dir/proc, dir/sys, dir/boot.
func TreeRoots(dir string) Roots {
	return Roots{
		Proc: filepath.Join(dir, "proc"),
		Sys:  filepath.Join(dir, "sys"),
		Boot: filepath.Join(dir, "boot"),
	}
}

// Reader reads one host through its roots. It keeps buffers between calls, so
// a Reader is not safe for concurrent use.
type Reader struct {
	roots Roots
	pfs   procfs.FS

	buf   []byte            // read buffer, reused by every small file read
	names map[string]string // interned device names, comms and schedulers
}

// NewReader returns a Reader for roots; empty fields take their defaults.
// It fails if the procfs root is not a directory with a stat file or the
// sysfs root is not a directory. The boot directory may be missing.
func NewReader(roots Roots) (*Reader, error) {
	def := DefaultRoots()
	if roots.Proc == "" {
		roots.Proc = def.Proc
	}
	if roots.Sys == "" {
		roots.Sys = def.Sys
	}
	if roots.Boot == "" {
		roots.Boot = def.Boot
	}
	for _, dir := range []string{roots.Proc, roots.Sys} {
		st, err := os.Stat(dir)
		if err != nil {
			return nil, fmt.Errorf("host root: %w", err)
		}
		if !st.IsDir() {
			return nil, fmt.Errorf("host root %s: not a directory", dir)
		}
	}
	// procfs.NewFS only checks that the mount point is a directory.
	pfs, err := procfs.NewFS(roots.Proc)
	if err != nil {
		return nil, fmt.Errorf("procfs %s: %w", roots.Proc, err)
	}
	if _, err := os.Stat(filepath.Join(roots.Proc, "stat")); err != nil {
		return nil, fmt.Errorf("procfs root %s: no stat file: %w", roots.Proc, err)
	}
	return &Reader{
		roots: roots,
		pfs:   pfs,
		buf:   make([]byte, 0, 64<<10),
		names: make(map[string]string),
	}, nil
}

// Roots returns the roots the Reader reads.
func (r *Reader) Roots() Roots { return r.roots }

func (r *Reader) proc(elem ...string) string {
	return filepath.Join(append([]string{r.roots.Proc}, elem...)...)
}

func (r *Reader) sys(elem ...string) string {
	return filepath.Join(append([]string{r.roots.Sys}, elem...)...)
}

// read reads a whole file into the Reader's buffer and returns it. The result
// is valid until the next read. procfs files report size 0, so the buffer
// grows until a read returns 0. It uses the system calls directly: an
// *os.File per file would cost two allocations and a finalizer for each of
// the thousands of small files a task scan reads.
func (r *Reader) read(path string) ([]byte, error) { return r.readFile(path, false, MaxFileSize) }

// readSmall reads a small procfs file that the kernel produces in one go
// (see readFile).
func (r *Reader) readSmall(path string) ([]byte, error) { return r.readFile(path, true, MaxFileSize) }

// readLarge reads a file that grows with the host (diskstats: a line per
// block device and partition).
func (r *Reader) readLarge(path string) ([]byte, error) {
	return r.readFile(path, false, MaxLargeFileSize)
}

// Size limits of the files read below a root: the roots may come from the
// command line (a tree copied from another host), and a file there can be
// anything. The largest real ones are far below: /proc/diskstats of a host
// with 10 000 block devices is about 1.5 MB.
const (
	MaxFileSize      = 1 << 20
	MaxLargeFileSize = 16 << 20
)

// errTooLarge is wrapped by the error for a file over its size limit.
var errTooLarge = errors.New("file too large")

// readFile reads path into the Reader's buffer, at most limit bytes; with
// once, a read that does not fill the buffer is taken as the whole file.
// O_NONBLOCK keeps a FIFO planted in a tree from blocking the read.
func (r *Reader) readFile(path string, once bool, limit int) ([]byte, error) {
	const flags = syscall.O_RDONLY | syscall.O_CLOEXEC | syscall.O_NONBLOCK
	fd, err := syscall.Open(path, flags, 0)
	for err == syscall.EINTR {
		fd, err = syscall.Open(path, flags, 0)
	}
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	b := r.buf[:cap(r.buf)]
	n := 0
	if once {
		// One read: procfs produces a single_open file such as
		// /proc/PID/stat whole on the first read, and a second read to see
		// EOF would cost a system call per thread in a task scan.
		m, err := syscall.Read(fd, b)
		for err == syscall.EINTR {
			m, err = syscall.Read(fd, b)
		}
		if err != nil {
			return nil, &fs.PathError{Op: "read", Path: path, Err: err}
		}
		if m < len(b) {
			return b[:m], nil
		}
		n = m
	}
	for {
		if n > limit {
			r.buf = b[:0]
			return nil, &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("%w: over %d bytes", errTooLarge, limit)}
		}
		if n == len(b) {
			b = append(b, make([]byte, len(b)+4096)...)
			b = b[:cap(b)]
		}
		m, err := syscall.Read(fd, b[n:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			r.buf = b[:0]
			return nil, &fs.PathError{Op: "read", Path: path, Err: err}
		}
		if m <= 0 {
			break
		}
		n += m
	}
	r.buf = b[:0]
	return b[:n], nil
}

// readString reads a small file and returns its content without surrounding
// whitespace, as a new string.
func (r *Reader) readString(path string) (string, error) {
	b, err := r.read(path)
	if err != nil {
		return "", err
	}
	return string(trimSpace(b)), nil
}

// readInt reads a file holding one decimal integer.
func (r *Reader) readInt(path string) (int, error) {
	b, err := r.read(path)
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(string(trimSpace(b)))
	if err != nil {
		return 0, fmt.Errorf("parse %s: %w", path, err)
	}
	return n, nil
}

// intern returns b as a string, sharing the string with earlier calls for the
// same bytes so that device names and comms do not allocate every sample.
func (r *Reader) intern(b []byte) string {
	if s, ok := r.names[string(b)]; ok {
		return s
	}
	if len(r.names) > 4096 { // bound the table on hosts with churning names
		clear(r.names)
	}
	s := string(b)
	r.names[s] = s
	return s
}

// optionalMissing reports whether err, from reading a file the views can do
// without, means that it is not there to read (missing, or hidden from this
// user or container), rather than that it is there but broken.
func optionalMissing(err error) bool {
	return absent(err) || errors.Is(err, fs.ErrPermission)
}

// readCapped reads a file with os.Open, at most limit bytes: for files
// outside procfs and sysfs (the boot loader's), which the Reader's buffer
// does not hold.
func readCapped(path string, limit int64) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("%w: over %d bytes", errTooLarge, limit)}
	}
	return b, nil
}

// absent reports whether err means that a file or feature does not exist on
// this host, as opposed to a failure to read something that exists.
func absent(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.EOPNOTSUPP)
}
