// Command nfstrace-diag records the host part of the diagnosis benchmark:
// for each scenario of diag/scenarios, captures of a fio workload under a
// baseline and an injected condition, with the ground truth in truth.json.
//
//	nfstrace-diag list
//	nfstrace-diag record [-scenarios a,b|dev|heldout|heldout2|all] [-lengths 5s,30s] [-seeds 1,2]
//	                     [-bin ./bin/nfstrace] [-out testdata/diagnosis/host] [-set long]
//	nfstrace-diag summary [-out testdata/diagnosis/host]
//	nfstrace-diag score [-host testdata/diagnosis/host] [-lab 'testdata/diagnosis/lab*/pairs.json'] [-o docs/diagnosis.md]
//
// Run as root from the repository root. See diag/README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/nfstrace/nfstrace/diag"
	"github.com/nfstrace/nfstrace/diag/score"
	"github.com/nfstrace/nfstrace/internal/compare"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Stdout, os.Args[1:])
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(os.Stderr, "nfstrace-diag: %v\n", err)
		}
		os.Exit(1)
	}
}

const usage = `usage: nfstrace-diag <command> [flags]

commands:
  list    list the scenarios (name, set, cause, change, description)
  record  record the captures and truth.json of the chosen scenarios (root)
  summary fio's inj/base ratios from every truth.json under -out
  score   compare every pair, write the scores and confusion tables into -o

run from the repository root; see diag/README.md`

func run(ctx context.Context, out io.Writer, args []string) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(out, usage)
		if len(args) == 0 {
			return errors.New("no command given")
		}
		return nil
	}
	switch args[0] {
	case "list":
		return cmdList(out, args[1:])
	case "record":
		return cmdRecord(ctx, out, args[1:])
	case "summary":
		return cmdSummary(out, args[1:])
	case "score":
		return cmdScore(ctx, out, args[1:])
	}
	return fmt.Errorf("unknown command %q (see nfstrace-diag help)", args[0])
}

func cmdList(out io.Writer, args []string) error {
	fs := flag.NewFlagSet("list", flag.ContinueOnError)
	dir := fs.String("dir", "diag/scenarios", "directory of the scenario files")
	if err := fs.Parse(args); err != nil {
		return err
	}
	all, err := diag.LoadScenarios(*dir)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSET\tCAUSE\tCHANGE\tDESCRIPTION")
	for _, s := range all {
		change := s.Change
		if change == "" {
			change = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.Name, s.Set, s.Cause, change, s.Description)
	}
	return tw.Flush()
}

func cmdRecord(ctx context.Context, out io.Writer, args []string) error {
	fs := flag.NewFlagSet("record", flag.ContinueOnError)
	dir := fs.String("dir", "diag/scenarios", "directory of the scenario files")
	names := fs.String("scenarios", "all", "comma-separated scenario names, or dev, heldout, heldout2, all")
	lengths := fs.String("lengths", "5s,30s", "comma-separated recording lengths")
	seeds := fs.String("seeds", "1,2", "comma-separated seeds; each records a base and an inj capture")
	bin := fs.String("bin", "", "nfstrace binary (default: built from this tree)")
	outDir := fs.String("out", "testdata/diagnosis/host", "output directory")
	minD := fs.Duration("min-dstate", 10*time.Millisecond, "nfstrace record --min-dstate: shorter D-state intervals are counted but not kept as events")
	force := fs.Bool("force", false, "re-record groups that already have a truth.json")
	set := fs.String("set", "", "store the recordings as this set instead of each scenario's own (a held-out length of dev scenarios: -set long)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("record: unexpected argument %q", fs.Arg(0))
	}
	all, err := diag.LoadScenarios(*dir)
	if err != nil {
		return err
	}
	chosen, err := diag.Select(all, *names)
	if err != nil {
		return err
	}
	if *set != "" {
		if err := diag.CheckSetName(*set); err != nil {
			return fmt.Errorf("record: -set: %w", err)
		}
		for i := range chosen {
			chosen[i].Set = *set
		}
	}
	ls, err := diag.ParseLengths(*lengths)
	if err != nil {
		return err
	}
	ss, err := diag.ParseSeeds(*seeds)
	if err != nil {
		return err
	}
	if os.Geteuid() != 0 {
		return errors.New("record: needs root (loop devices, cgroups, sysctls, eBPF)")
	}
	host := diag.DefaultHost()
	unlock, err := host.Lock()
	if err != nil {
		return err
	}
	defer unlock()
	if pid, args := host.OtherRecording(); pid != 0 {
		return fmt.Errorf("another recording is running (pid %d: %s): one recording at a time", pid, args)
	}
	if err := host.Recover(ctx); err != nil {
		return err
	}

	if *bin == "" {
		tmp, err := os.MkdirTemp("", "nfstrace-diag-bin")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		*bin = filepath.Join(tmp, "nfstrace")
		fmt.Fprintf(out, "building nfstrace from this tree\n")
		cmd := exec.CommandContext(ctx, "go", "build", "-o", *bin, "./cmd/nfstrace")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("build nfstrace (run from the repository root, or give -bin): %w", err)
		}
	}
	ver, err := exec.CommandContext(ctx, *bin, "version").Output()
	if err != nil {
		return fmt.Errorf("%s version: %w", *bin, err)
	}

	groups := diag.Plan(chosen, ls, ss, *outDir)
	n := 0
	for _, g := range groups {
		n += len(g.Captures)
	}
	fmt.Fprintf(out, "%d scenarios x %d lengths: %d captures with %s\n", len(chosen), len(ls), n, strings.TrimSpace(string(ver)))
	start := time.Now()
	rec := diag.Recorder{
		Host: host, Bin: *bin, Version: strings.TrimSpace(string(ver)),
		MinDState: *minD, Force: *force, Log: out,
	}
	err = rec.Record(ctx, groups)
	size, serr := treeSize(*outDir)
	fmt.Fprintf(out, "took %v; %s holds %.1f MiB\n", time.Since(start).Round(time.Second), *outDir, float64(size)/(1<<20))
	return errors.Join(err, serr)
}

func cmdSummary(out io.Writer, args []string) error {
	fs := flag.NewFlagSet("summary", flag.ContinueOnError)
	dir := fs.String("out", "testdata/diagnosis/host", "directory of the recordings")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ts, err := diag.LoadTruths(*dir)
	if err != nil {
		return err
	}
	return diag.WriteSummary(out, ts)
}

func treeSize(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			fi, err := d.Info()
			if err != nil {
				return err
			}
			n += fi.Size()
		}
		return nil
	})
	return n, err
}

// cmdScore compares every recorded pair and rewrites the generated part of
// the document (below score.Marker), keeping its prose.
func cmdScore(ctx context.Context, out io.Writer, args []string) error {
	fs := flag.NewFlagSet("score", flag.ContinueOnError)
	host := fs.String("host", "testdata/diagnosis/host", "the host pairs (nfstrace-diag record -out)")
	lab := fs.String("lab", "testdata/diagnosis/lab*/pairs.json", "the lab pairs: comma-separated pairs.json files or globs")
	doc := fs.String("o", "docs/diagnosis.md", "document whose generated part is rewritten")
	var opt compare.Options
	fs.Float64Var(&opt.MinChange, "min-change", 0, "the least change of a total that counts, as a fraction of the smaller side (0: compare's default); to calibrate it, with -o elsewhere")
	if err := fs.Parse(args); err != nil {
		return err
	}
	labs, err := score.LabFiles(*lab)
	if err != nil {
		return err
	}
	rs, err := score.Benchmark(ctx, *host, labs, opt)
	if err != nil {
		return err
	}
	old, err := os.ReadFile(*doc)
	if err != nil {
		return err
	}
	prose, _, ok := strings.Cut(string(old), score.Marker)
	if !ok {
		return fmt.Errorf("%s lacks the line %q", *doc, score.Marker)
	}
	var b strings.Builder
	if err := score.Markdown(&b, rs, prose+score.Marker+"\n"); err != nil {
		return err
	}
	if err := os.WriteFile(*doc, []byte(b.String()), 0o644); err != nil {
		return err
	}
	for _, set := range append(score.Sets(rs), "") {
		t := score.Count(rs, set)
		if set != "" && t.Injected+t.Null == 0 {
			continue
		}
		if set == "" {
			set = "all"
		}
		fmt.Fprintf(out, "%-8s injected %d, top-1 correct %d (effective %d, correct %d); null %d, false alarms %d (steady %d, false alarms %d); too short %d+%d\n",
			set, t.Injected, t.InjectedCorrect, t.Effective, t.EffectiveCorrect, t.Null, t.FalseAlarms, t.Steady, t.SteadyFalseAlarms, t.InjectedTooShort, t.NullTooShort)
	}
	return nil
}
