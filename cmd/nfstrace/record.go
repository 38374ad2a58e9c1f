package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/nfstrace/nfstrace/internal/capture"
	"github.com/nfstrace/nfstrace/internal/host"
	"github.com/nfstrace/nfstrace/internal/model"
	"github.com/nfstrace/nfstrace/internal/outfile"
)

// recordInterval is record's default interval.
const recordInterval = 250 * time.Millisecond

// snapshotSource is what record consumes: one snapshot per interval.
// *sampler.Sampler satisfies it.
type snapshotSource interface {
	Config() model.Config
	Next(ctx context.Context) (*model.Snapshot, error)
}

// recordOptions are record's own settings besides the source's.
type recordOptions struct {
	path     string
	duration time.Duration // 0: until the context ends
	interval time.Duration
	// progressEvery is how often a progress line is printed when stderr is
	// not a terminal; on a terminal the line is redrawn every snapshot.
	progressEvery time.Duration
	terminal      bool
}

// runRecord samples the host like top and writes every snapshot to a
// capture file until --duration ends, a signal arrives or --max-size is reached.
func runRecord(ctx context.Context, io stdio, args []string) error {
	fs := newFlagSet(io, "record")
	var sf sourceFlags
	sf.register(fs)
	// compare tests a change over blocks of intervals and needs at least
	// ten in each capture: at 250 ms a recording of a few seconds has them.
	if f := fs.Lookup("interval"); f != nil {
		f.DefValue = recordInterval.String()
		sf.interval = recordInterval
	}
	out := fs.String("o", "", "capture file to write (required)")
	duration := fs.Duration("duration", 0, "stop after this long (default: until SIGINT or SIGTERM)")
	maxSize := fs.String("max-size", "", "stop before the file grows past this size, e.g. 500M or 2G (default: no limit)")
	force := fs.Bool("force", false, "overwrite an existing file")
	if err := parseFlags(io, fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usageError{"record: -o FILE is required"}
	}
	if *duration < 0 {
		return usageError{fmt.Sprintf("record: --duration %v is negative", *duration)}
	}
	limit, err := parseSize(*maxSize)
	if err != nil {
		return usageError{fmt.Sprintf("record: --max-size: %v", err)}
	}
	tg, err := sf.validate(io.err)
	if err != nil {
		return err
	}
	if err := checkOutputDir("-o", *out); err != nil {
		return err
	}
	// fail before loading any probe; outfile.Create checks again, atomically
	if err := outfile.Check(*out, *force); err != nil {
		return fmt.Errorf("record: %w", err)
	}

	src, closeSrc, err := openRecordSource(io, &sf, tg)
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	defer closeSrc()

	cfg := src.Config()
	if cfg.Targets == "" {
		cfg.Targets = tg.String()
	}
	meta := capture.Meta{
		ToolVersion: version,
		Start:       cfg.Start,
		BootID:      cfg.BootID,
		Interval:    sf.interval,
		MinDState:   sf.minDState,
		Args:        append([]string{"record"}, args...),
		Config:      cfg,
	}
	f, err := outfile.Create(*out, *force)
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	w, err := capture.NewWriter(f, meta, capture.Options{MaxSize: limit})
	if err != nil {
		// not even the metadata fit: leave no half-written file behind
		f.Close()
		os.Remove(*out)
		return fmt.Errorf("record: %s: %w", *out, err)
	}
	err = record(ctx, io, src, w, recordOptions{
		path:          *out,
		duration:      *duration,
		interval:      sf.interval,
		progressEvery: 10 * time.Second,
		terminal:      isTerminal(io.err),
	})
	if cerr := f.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("record: close %s: %w", *out, cerr)
	}
	return err
}

// record writes src's snapshots to w until ctx ends, the duration passes or
// the size limit is reached, then closes w. Stopping for any of those is not
// an error; a failed read or write is, and leaves a readable file.
func record(ctx context.Context, io stdio, src snapshotSource, w *capture.Writer, o recordOptions) error {
	start := time.Now()
	if o.duration > 0 {
		// The last interval ends at about start+duration: allow it half an
		// interval of lateness before cutting it off.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.duration+o.interval/2)
		defer cancel()
	}
	p := progress{w: io.err, path: o.path, terminal: o.terminal, every: o.progressEvery, start: start}
	lastFlush := start
	// stored is what the writer held at its last successful flush: after a
	// failed write, only that is known to be in the file.
	var stored capture.WriterStats
	var stopErr error
	why := "interrupted"
	for {
		snap, err := src.Next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				if errors.Is(ctx.Err(), context.DeadlineExceeded) {
					why = "duration reached"
				}
				break
			}
			stopErr = fmt.Errorf("record: %w", err)
			why = "failed"
			break
		}
		if err := w.WriteSnapshot(snap); err != nil {
			if errors.Is(err, capture.ErrSizeLimit) {
				why = "size limit reached"
				break
			}
			stopErr = fmt.Errorf("record: %w", err)
			why = "failed"
			break
		}
		// Flush so that nothing waits in memory for more than a second:
		// the next chance comes one interval from now.
		if now := time.Now(); now.Sub(lastFlush)+o.interval >= time.Second {
			if err := w.Flush(); err != nil {
				stopErr = fmt.Errorf("record: %w", err)
				why = "failed"
				break
			}
			lastFlush, stored = now, w.Stats()
		}
		p.update(w.Stats(), false)
		if o.duration > 0 && time.Since(start) >= o.duration-o.interval/2 {
			why = "duration reached"
			break
		}
	}
	writeFailed := w.Err() != nil && !errors.Is(w.Err(), capture.ErrSizeLimit)
	if err := w.Close(); err != nil {
		writeFailed = true
		if stopErr == nil {
			stopErr = fmt.Errorf("record: %w", err)
		}
	}
	if !writeFailed {
		stored = w.Stats() // Close wrote everything accepted
	}
	p.done(stored, why)
	return stopErr
}

// progress prints elapsed time, snapshots, events, bytes and lost events on
// stderr: one line redrawn in place on a terminal, a line every so often otherwise.
type progress struct {
	w        io.Writer
	path     string
	terminal bool
	every    time.Duration
	start    time.Time
	last     time.Time
	drawn    bool
}

func (p *progress) line(st capture.WriterStats) string {
	return fmt.Sprintf("%s  %s  %d snapshots  %d events  %s  lost %d",
		p.path, time.Since(p.start).Round(time.Second), st.Snapshots, st.Events, model.FormatBytes(uint64(max(st.Bytes, 0))), st.Lost)
}

func (p *progress) update(st capture.WriterStats, force bool) {
	if p.terminal {
		fmt.Fprintf(p.w, "\r\x1b[Krecording %s", p.line(st))
		p.drawn = true
		return
	}
	if now := time.Now(); force || now.Sub(p.last) >= p.every {
		fmt.Fprintf(p.w, "recording %s\n", p.line(st))
		p.last = now
	}
}

func (p *progress) done(st capture.WriterStats, why string) {
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
	fmt.Fprintf(p.w, "recorded %s (%s)\n", p.line(st), why)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// parseSize reads a byte count with an optional K, M, G or T suffix (powers
// of 1024, an optional trailing "B" or "iB"). "" and "0" mean no limit.
func parseSize(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	t := strings.TrimSuffix(strings.TrimSuffix(strings.ToUpper(strings.TrimSpace(s)), "B"), "I")
	mult := int64(1)
	if n := len(t); n > 0 {
		switch t[n-1] {
		case 'K':
			mult = 1 << 10
		case 'M':
			mult = 1 << 20
		case 'G':
			mult = 1 << 30
		case 'T':
			mult = 1 << 40
		}
		if mult > 1 {
			t = t[:n-1]
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || v < 0 || v*float64(mult) > 1<<62 {
		return 0, fmt.Errorf("%q is not a size (want bytes or a number with K, M, G or T)", s)
	}
	return int64(v * float64(mult)), nil
}

// openRecordSource opens the live source every live command uses; record
// needs only a snapshotSource and a close function.
func openRecordSource(io stdio, sf *sourceFlags, tg host.Targets) (snapshotSource, func(), error) {
	s, err := sf.open(tg, newLogger(io.err, false))
	if err != nil {
		return nil, nil, err
	}
	return s, func() { s.Close() }, nil
}
