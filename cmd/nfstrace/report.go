package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"

	"github.com/nfstrace/nfstrace/internal/capture"
	"github.com/nfstrace/nfstrace/internal/model"
	"github.com/nfstrace/nfstrace/internal/outfile"
	"github.com/nfstrace/nfstrace/internal/report"
)

// runReport reads a capture and prints the top views over the whole of it
// and as a time series, as a table or JSON, and optionally writes an
// off-CPU profile in pprof format.
func runReport(ctx context.Context, io stdio, args []string) error {
	fs := newFlagSet(io, "report")
	format := fs.String("format", "table", "output format: table or json")
	pprofOut := fs.String("pprof", "", "also write an off-CPU profile (pprof protobuf) of the D-state waits to this file")
	force := fs.Bool("force", false, "overwrite an existing --pprof file")
	salvage := fs.Bool("salvage", false, "skip damaged frames instead of stopping at the first one")
	step := fs.Duration("step", 0, "length of one time-series row (default: one per snapshot, at most about 60 rows)")
	sortBy := fs.String("sort", "d-time", "order of the wait sites: d-time, wait-site or device")
	path, err := parseWithFile(io, fs, args)
	if err != nil {
		return err
	}
	if *format != "table" && *format != "json" {
		return usageError{fmt.Sprintf("report: --format %q: want table or json", *format)}
	}
	sortMode, err := report.ParseSortMode(*sortBy)
	if err != nil {
		return usageError{"report: --" + err.Error()}
	}
	if *step < 0 {
		return usageError{fmt.Sprintf("report: --step %v is negative", *step)}
	}
	if err := checkOutputDir("--pprof", *pprofOut); err != nil {
		return err
	}
	if *pprofOut != "" {
		if err := outfile.Check(*pprofOut, *force); err != nil {
			return fmt.Errorf("report: --pprof: %w", err)
		}
	}

	// The first pass counts the snapshots and finds the capture's start
	// and end, which the default series step depends on, and merges the
	// D-state rows of the profile; the second feeds the summary one series
	// step at a time. Neither holds the capture.
	var span report.Span
	var prof *report.ProfileBuilder
	if *pprofOut != "" {
		prof = report.NewProfileBuilder()
	}
	cfg, notes, err := readSnapshots(ctx, path, *salvage, 0, func(s *model.Snapshot) error {
		span.Add(s)
		if prof != nil {
			return prof.Add(s)
		}
		return nil
	})
	for _, n := range notes {
		fmt.Fprintf(io.err, "nfstrace: %s: %s\n", model.TermSafe(path), model.TermSafe(n))
	}
	if err != nil {
		return err
	}
	if span.Snapshots == 0 {
		return fmt.Errorf("report: %s holds no complete snapshot", path)
	}
	sum, err := summarizeCapture(ctx, path, *salvage, cfg, span, report.SummaryOptions{Sort: sortMode, Step: *step, MaxRows: 60})
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	switch *format {
	case "json":
		err = sum.WriteJSON(io.out)
	default:
		err = sum.Render(io.out, report.Layout{Width: terminalWidth(io.out), Title: "nfstrace report " + path})
	}
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if *pprofOut != "" {
		if err := writeProfileFile(*pprofOut, *force, cfg, prof); err != nil {
			return fmt.Errorf("report: %w", err)
		}
	}
	return nil
}

// parseWithFile parses flags before and after the one positional argument,
// so that both "report FILE --format json" and "report --format json FILE" work.
func parseWithFile(io stdio, fs *flag.FlagSet, args []string) (string, error) {
	files, err := parseArgs(io, fs, args)
	if err != nil {
		return "", err
	}
	switch len(files) {
	case 0:
		return "", usageError{fs.Name() + ": a capture FILE is required"}
	case 1:
		return files[0], nil
	}
	return "", usageError{fmt.Sprintf("%s: unexpected argument %q", fs.Name(), files[1])}
}

// readSnapshots reads a capture's snapshots, without their events, which
// the report does not use, and passes each to fn; with limit > 0 it stops
// after limit snapshots. Notes (a cut-off file, skipped frames) come back
// even with an error.
func readSnapshots(ctx context.Context, path string, salvage bool, limit int, fn func(*model.Snapshot) error) (model.Config, []string, error) {
	r, err := capture.Open(path, capture.ReadOptions{Salvage: salvage, SkipEvents: true})
	if err != nil {
		return model.Config{}, nil, err
	}
	defer r.Close()
	err = r.Each(ctx, limit, fn)
	return r.Config(), r.Notes(), salvageHint(err, salvage)
}

// salvageHint adds to a damaged-frame error the flag that reads past it.
func salvageHint(err error, salvage bool) error {
	if errors.Is(err, capture.ErrCorrupt) && !salvage {
		return fmt.Errorf("%w (--salvage skips damaged frames)", err)
	}
	return err
}

// summarizeCapture reads the capture at path a second time, the span.Snapshots
// snapshots the first reading found, into a summary. Snapshots in time order
// (what record writes) are summarized as they are read; a capture whose
// clock went back is held whole and sorted, as the summary needs.
func summarizeCapture(ctx context.Context, path string, salvage bool, cfg model.Config, span report.Span, opt report.SummaryOptions) (*report.Summary, error) {
	var add func(*model.Snapshot) error
	var z *report.Summarizer
	var snaps []*model.Snapshot
	if span.Unordered {
		add = func(s *model.Snapshot) error { snaps = append(snaps, s); return nil }
	} else {
		z = report.NewSummarizer(cfg, span, opt)
		add = z.Add
	}
	n := 0
	_, _, err := readSnapshots(ctx, path, salvage, span.Snapshots, func(s *model.Snapshot) error {
		n++
		return add(s)
	})
	if err != nil {
		return nil, err
	}
	if n != span.Snapshots {
		return nil, fmt.Errorf("%s changed while being read: %d snapshots, then %d", path, span.Snapshots, n)
	}
	if z != nil {
		return z.Summary()
	}
	return report.Summarize(cfg, snaps, opt)
}

// writePprofFile writes the off-CPU profile of snaps to path as
// writeProfileFile does.
func writePprofFile(path string, force bool, cfg model.Config, snaps []*model.Snapshot) error {
	prof := report.NewProfileBuilder()
	for _, s := range snaps {
		if err := prof.Add(s); err != nil {
			return err
		}
	}
	return writeProfileFile(path, force, cfg, prof)
}

// writeProfileFile writes an off-CPU profile to path under the same rules as
// a capture: mode 0600, no symbolic link followed, no overwrite without force.
func writeProfileFile(path string, force bool, cfg model.Config, prof *report.ProfileBuilder) error {
	f, err := outfile.Create(path, force)
	if err != nil {
		return err
	}
	if err := prof.Write(f, cfg); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", path, err)
	}
	return nil
}

// terminalWidth is w's width in columns if it is a terminal, else 0 (no limit).
func terminalWidth(w io.Writer) int {
	f, ok := w.(*os.File)
	if !ok {
		return 0
	}
	width, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return 0
	}
	return width
}
