// Package outfile creates the files nfstrace writes (captures, profiles)
// safely when run as root in a directory other users can write to: it never
// follows a symbolic link at the last path component, never replaces an
// existing file without force, and with force only truncates a regular file
// owned by the effective user.
package outfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// Mode is the mode of every file nfstrace writes: captures and profiles name
// the host's kernel, clients and wait sites.
const Mode fs.FileMode = 0o600

// ErrExist is wrapped by Create's error when path exists and force is false.
var ErrExist = errors.New("file exists (use --force to overwrite)")

// Create opens path for writing with mode Mode.
//
// A new file is created with O_EXCL, which never follows a symbolic link.
// If path exists, Create fails with ErrExist unless force is set; with force
// it refuses a symbolic link, anything that is not a regular file (a FIFO,
// a device, a directory) and a file owned by another user, and otherwise
// truncates the file and sets its mode to Mode. The file is opened with
// O_NOFOLLOW and checked again through its descriptor, so a file swapped in
// after the first check is refused rather than truncated.
func Create(path string, force bool) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, Mode)
	if err == nil {
		return f, nil
	}
	if !errors.Is(err, fs.ErrExist) {
		return nil, err
	}
	if !force {
		return nil, fmt.Errorf("%s: %w", path, ErrExist)
	}
	st, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if err := replaceable(path, st); err != nil {
		return nil, err
	}
	// O_NONBLOCK: a FIFO swapped in meanwhile makes open fail (ENXIO)
	// instead of blocking until a reader comes; no O_TRUNC until the
	// descriptor is known to be the file checked above.
	f, err = os.OpenFile(path, os.O_WRONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	fst, err := f.Stat()
	if err == nil {
		err = replaceable(path, fst)
	}
	if err == nil && !os.SameFile(st, fst) {
		err = fmt.Errorf("%s: replaced while being opened; not overwriting", path)
	}
	if err == nil {
		err = f.Truncate(0)
	}
	if err == nil {
		// truncating keeps the old file's mode
		err = f.Chmod(Mode)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// Check reports early, before any work is done, the error Create would
// return for path: nil if path does not exist, or exists and force may
// replace it. Create checks again when it opens the file.
func Check(path string, force bool) error {
	st, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case !force:
		return fmt.Errorf("%s: %w", path, ErrExist)
	}
	return replaceable(path, st)
}

// replaceable says why --force may not overwrite the existing file st.
func replaceable(path string, st fs.FileInfo) error {
	switch m := st.Mode(); {
	case m&fs.ModeSymlink != 0:
		return fmt.Errorf("%s is a symbolic link; not following it (remove it or write elsewhere)", path)
	case !m.IsRegular():
		return fmt.Errorf("%s is not a regular file (%s); not overwriting it", path, m.Type())
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return fmt.Errorf("%s: cannot tell its owner; not overwriting it", path)
	}
	if euid := os.Geteuid(); int(sys.Uid) != euid {
		return fmt.Errorf("%s belongs to uid %d, not to uid %d; not overwriting it", path, sys.Uid, euid)
	}
	return nil
}
