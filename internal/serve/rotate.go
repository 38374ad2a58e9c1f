package serve

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nfstrace/nfstrace/internal/capture"
	"github.com/nfstrace/nfstrace/internal/model"
	"github.com/nfstrace/nfstrace/internal/outfile"
)

// RotateOptions configure a Rotator.
type RotateOptions struct {
	Dir string
	// Period is how long one file covers; 0 means one hour.
	Period time.Duration
	// Keep deletes files that ended longer ago than this; 0 keeps them.
	Keep time.Duration
	// MaxTotal bounds the bytes of all captures in Dir, the open one
	// included: a file is cut at a quarter of it, and the oldest files go
	// while the closed ones take more than the rest. 0: no bound.
	MaxTotal int64
	// Meta is the metadata every file starts with; Start is set per file.
	// Meta.BootID names the files.
	Meta   capture.Meta
	Logger *slog.Logger
	// Now is the clock for the age limit; nil means time.Now.
	Now func() time.Time
}

// Rotator writes snapshots to a capture file per boot and period in a
// directory, and deletes the oldest captures beyond the age and size
// limits. It is not safe for concurrent use.
type Rotator struct {
	o         RotateOptions
	w         *capture.Writer
	f         *os.File // the open file, under w
	path      string
	start     time.Time // first snapshot's start in the open file
	lastPrune time.Time
	// stored counts the snapshots known to be in the files: those of
	// closed files, and flushed those of the open file.
	stored, flushed uint64
}

// NewRotator checks the directory (creating it if needed) and prunes it.
// No file is created before the first snapshot.
func NewRotator(o RotateOptions) (*Rotator, error) {
	if o.Dir == "" {
		return nil, errors.New("rotate: no capture directory")
	}
	if o.Meta.BootID == "" {
		return nil, errors.New("rotate: boot ID unknown")
	}
	if strings.ContainsAny(o.Meta.BootID, "/\x00") {
		return nil, fmt.Errorf("rotate: boot ID %q cannot be part of a file name", o.Meta.BootID)
	}
	if o.Period <= 0 {
		o.Period = time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(o.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("rotate: %w", err)
	}
	r := &Rotator{o: o}
	if err := r.prune(); err != nil {
		return nil, err
	}
	return r, nil
}

// Path returns the open file, "" if none is open.
func (r *Rotator) Path() string { return r.path }

// Write appends a snapshot, opening a new file first when none is open, the
// open one covers a full period, or the open one reached its size share.
func (r *Rotator) Write(s *model.Snapshot) error {
	if r.w != nil && s.End.Sub(r.start) > r.o.Period {
		if err := r.Reopen(); err != nil {
			return err
		}
	}
	for try := 0; ; try++ {
		if r.w == nil {
			if err := r.open(s.Start); err != nil {
				return err
			}
		}
		err := r.w.WriteSnapshot(s)
		if err == nil {
			break
		}
		if !errors.Is(err, capture.ErrSizeLimit) || try > 0 {
			return fmt.Errorf("rotate: write %s: %w", r.path, err)
		}
		if err := r.Reopen(); err != nil {
			return err
		}
	}
	if now := r.o.Now(); now.Sub(r.lastPrune) >= time.Minute {
		// the snapshot is written: a file that cannot be deleted is
		// worth a warning, not a failed write
		if err := r.prune(); err != nil {
			r.o.Logger.Warn("capture pruning failed", "err", err)
		}
	}
	return nil
}

// Flush makes what was written durable.
func (r *Rotator) Flush() error {
	if r.w == nil {
		return nil
	}
	if err := r.w.Flush(); err != nil {
		return fmt.Errorf("rotate: flush %s: %w", r.path, err)
	}
	r.flushed = r.w.Stats().Snapshots
	return nil
}

// Stored is the number of snapshots in the capture files: written, flushed
// and, in closed files, followed by their footer. Snapshots accepted but
// lost to a failed write (a full disk) are not counted.
func (r *Rotator) Stored() uint64 { return r.stored + r.flushed }

// Reopen closes the open file with its footer; the next Write starts a new one.
func (r *Rotator) Reopen() error {
	if r.w == nil {
		return nil
	}
	err := r.w.Close()
	if cerr := r.f.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("close %s: %w", r.path, cerr)
	}
	if err == nil {
		r.stored += r.w.Stats().Snapshots
		r.o.Logger.Info("capture closed", "path", r.path, "snapshots", r.w.Stats().Snapshots, "bytes", r.w.Stats().Bytes)
	} else {
		// only what was flushed before the failure is known to be there
		r.stored += r.flushed
	}
	r.w, r.f, r.path, r.flushed = nil, nil, "", 0
	if err != nil {
		return fmt.Errorf("rotate: close: %w", err)
	}
	return r.prune()
}

// Close closes the open file with its footer.
func (r *Rotator) Close() error { return r.Reopen() }

func (r *Rotator) open(start time.Time) error {
	if start.IsZero() {
		start = r.o.Now()
	}
	meta := r.o.Meta
	meta.Start = start
	opts := capture.Options{MaxSize: r.fileLimit()}
	for seq := 0; ; seq++ {
		path := filepath.Join(r.o.Dir, capture.FileName(meta.BootID, start, seq))
		f, err := outfile.Create(path, false)
		if err != nil {
			if errors.Is(err, outfile.ErrExist) && seq < 1000 {
				continue // a file of this boot started in the same second
			}
			return fmt.Errorf("rotate: %w", err)
		}
		w, err := capture.NewWriter(f, meta, opts)
		if err != nil {
			// not even the header fit (a full disk): leave no empty file
			f.Close()
			os.Remove(path)
			return fmt.Errorf("rotate: %s: %w", path, err)
		}
		r.w, r.f, r.path, r.start, r.flushed = w, f, path, start, 0
		r.o.Logger.Info("capture opened", "path", path)
		return nil
	}
}

// fileLimit is the size at which a file is cut: a quarter of MaxTotal.
func (r *Rotator) fileLimit() int64 {
	if r.o.MaxTotal <= 0 {
		return 0
	}
	return r.o.MaxTotal / 4
}

// prune deletes the captures older than Keep, then the oldest ones while
// all of them together exceed MaxTotal. The open file is never deleted.
func (r *Rotator) prune() error {
	now := r.o.Now()
	r.lastPrune = now
	if r.o.Keep <= 0 && r.o.MaxTotal <= 0 {
		return nil
	}
	files, err := capture.ListCaptures(r.o.Dir)
	if err != nil {
		return fmt.Errorf("rotate: %w", err)
	}
	var total int64
	for _, f := range files {
		total += f.Size
	}
	// Leave room for the open file to grow to its limit (MaxTotal/4), so
	// that all the files together stay within MaxTotal.
	limit := r.o.MaxTotal - r.fileLimit()
	if r.path != "" {
		for _, f := range files {
			if f.Path == r.path {
				limit += f.Size
			}
		}
	}
	var errs []error
	for _, f := range files {
		if f.Path == r.path {
			continue
		}
		old := r.o.Keep > 0 && now.Sub(f.Mod) > r.o.Keep
		big := r.o.MaxTotal > 0 && total > limit
		if !old && !big {
			continue
		}
		if err := os.Remove(f.Path); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, fmt.Errorf("rotate: %w", err))
			continue
		}
		total -= f.Size
		why := "older than --keep"
		if !old {
			why = "over --max-total"
		}
		r.o.Logger.Info("capture deleted", "path", f.Path, "reason", why)
	}
	return errors.Join(errs...)
}
