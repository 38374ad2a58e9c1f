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

	cfg, snaps, notes, err := loadCapture(ctx, path, *salvage)
	for _, n := range notes {
		fmt.Fprintf(io.err, "nfstrace: %s: %s\n", model.TermSafe(path), model.TermSafe(n))
	}
	if err != nil {
		return err
	}
	if len(snaps) == 0 {
		return fmt.Errorf("report: %s holds no complete snapshot", path)
	}
	sum, err := report.Summarize(cfg, snaps, report.SummaryOptions{Sort: sortMode, Step: *step, MaxRows: 60})
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
		if err := writePprofFile(*pprofOut, *force, cfg, snaps); err != nil {
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

// loadCapture reads every snapshot of a capture, without its events, which
// the report does not use. Notes (a cut-off file, skipped frames) come back
// even with an error.
func loadCapture(ctx context.Context, path string, salvage bool) (model.Config, []*model.Snapshot, []string, error) {
	r, err := capture.Open(path, capture.ReadOptions{Salvage: salvage, SkipEvents: true})
	if err != nil {
		return model.Config{}, nil, nil, err
	}
	defer r.Close()
	var snaps []*model.Snapshot
	for {
		// ctx (SIGINT) also stops the search for valid frames in a damaged file
		s, err := r.NextContext(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if errors.Is(err, capture.ErrCorrupt) && !salvage {
				err = fmt.Errorf("%w (--salvage skips damaged frames)", err)
			}
			return r.Config(), nil, r.Notes(), err
		}
		snaps = append(snaps, s)
	}
	return r.Config(), snaps, r.Notes(), nil
}

// writePprofFile writes an off-CPU profile to path under the same rules as a
// capture: mode 0600, no symbolic link followed, no overwrite without force.
func writePprofFile(path string, force bool, cfg model.Config, snaps []*model.Snapshot) error {
	f, err := outfile.Create(path, force)
	if err != nil {
		return err
	}
	if err := report.WritePprof(f, cfg, snaps); err != nil {
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
