package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/nfstrace/nfstrace/internal/capture"
	"github.com/nfstrace/nfstrace/internal/compare"
	"github.com/nfstrace/nfstrace/internal/model"
	"github.com/nfstrace/nfstrace/internal/outfile"
)

// runCompare compares two captures, A (the baseline) and B, and says what
// changed and where the time went: as tables or JSON, and optionally as
// two off-CPU profiles for `go tool pprof -diff_base A.pb.gz B.pb.gz`.
func runCompare(ctx context.Context, io stdio, args []string) error {
	fs := newFlagSet(io, "compare")
	format := fs.String("format", "table", "output format: table or json")
	pprofBase := fs.String("pprof-base", "", "write A's off-CPU profile (pprof) to this file, for go tool pprof -diff_base")
	pprofOut := fs.String("pprof", "", "write B's off-CPU profile (pprof) to this file")
	force := fs.Bool("force", false, "overwrite existing --pprof-base and --pprof files")
	salvage := fs.Bool("salvage", false, "skip damaged frames instead of stopping at the first one")
	alpha := fs.Float64("alpha", 0.01, "significance level of the tests")
	rows := fs.Int("rows", 8, "rows per breakdown table (with --details)")
	details := fs.Bool("details", false, "add the breakdown tables (by layer, wait site, device, scheduler, operation, client) and their legend")
	lb := registerLastBoot(fs)
	paths, err := lb.files(io, fs, args)
	if err != nil {
		return err
	}
	if *format != "table" && *format != "json" {
		return usageError{fmt.Sprintf("compare: --format %q: want table or json", *format)}
	}
	if *alpha <= 0 || *alpha >= 1 {
		return usageError{fmt.Sprintf("compare: --alpha %v: want a level between 0 and 1", *alpha)}
	}
	if *rows <= 0 {
		return usageError{fmt.Sprintf("compare: --rows %d: want at least 1", *rows)}
	}
	if *pprofBase != "" && *pprofBase == *pprofOut {
		return usageError{fmt.Sprintf("compare: --pprof-base and --pprof are both %s", *pprofOut)}
	}
	for opt, path := range map[string]string{"--pprof-base": *pprofBase, "--pprof": *pprofOut} {
		if err := checkOutputDir(opt, path); err != nil {
			return err
		}
		if path == "" {
			continue
		}
		if err := outfile.Check(path, *force); err != nil {
			return fmt.Errorf("compare: %w", err)
		}
	}

	var caps [2]*compare.Capture
	for i, p := range paths {
		c, err := compare.Load(ctx, p, *salvage)
		if err != nil {
			return fmt.Errorf("compare: %w", salvageHint(err, *salvage))
		}
		caps[i] = c
	}
	res, err := compare.Compare(caps[0], caps[1], compare.Options{Alpha: *alpha})
	if err != nil {
		return err
	}
	switch *format {
	case "json":
		err = res.WriteJSON(io.out)
	default:
		err = res.Render(io.out, compare.RenderOptions{MaxRows: *rows, Details: *details, Width: terminalWidth(io.out)})
	}
	if err != nil {
		return fmt.Errorf("compare: %w", err)
	}
	for i, out := range []string{*pprofBase, *pprofOut} {
		if out == "" {
			continue
		}
		c := caps[i]
		if err := writePprofFile(out, *force, c.Config(), []*model.Snapshot{c.ProfileSnapshot()}); err != nil {
			return fmt.Errorf("compare: %w", err)
		}
	}
	return nil
}

// checkFileCount wants exactly n positional arguments.
func checkFileCount(fs *flag.FlagSet, files []string, n int) ([]string, error) {
	if len(files) < n {
		return nil, usageError{fmt.Sprintf("%s: %d capture files are required, got %d", fs.Name(), n, len(files))}
	}
	if len(files) > n {
		return nil, usageError{fmt.Sprintf("%s: unexpected argument %q", fs.Name(), files[n])}
	}
	return files, nil
}

// lastBootFlags are compare's --last-boot and --capture-dir.
type lastBootFlags struct {
	on  *bool
	dir *string
}

func registerLastBoot(fs *flag.FlagSet) *lastBootFlags {
	return &lastBootFlags{
		on:  fs.Bool("last-boot", false, "compare the last capture of the previous boot with this boot's newest, from serve's --capture-dir; no files"),
		dir: fs.String("capture-dir", capture.DefaultDir, "with --last-boot: the directory serve keeps its captures in"),
	}
}

// files parses compare's flags and returns the two captures to compare:
// the two given, or with --last-boot the ones serve wrote before and after
// the last reboot.
func (lb *lastBootFlags) files(io stdio, fs *flag.FlagSet, args []string) ([]string, error) {
	files, err := parseArgs(io, fs, args)
	if err != nil {
		return nil, err
	}
	if !*lb.on {
		return checkFileCount(fs, files, 2)
	}
	if len(files) > 0 {
		return nil, usageError{fmt.Sprintf("%s: --last-boot takes no capture files, got %q", fs.Name(), files[0])}
	}
	b, err := os.ReadFile(capture.BootIDPath)
	if err != nil {
		return nil, fmt.Errorf("compare: current boot: %w", err)
	}
	prev, cur, err := capture.LastBoot(*lb.dir, strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("compare: %w", err)
	}
	fmt.Fprintf(io.err, "comparing the previous boot's last capture %s\n     with this boot's newest capture %s\n", model.TermSafe(prev.Path), model.TermSafe(cur.Path))
	return []string{prev.Path, cur.Path}, nil
}
