// Command nfstrace-lab builds and boots the real-nfsd lab: Debian's 6.1 and
// 6.12 cloud kernels in a QEMU guest running nfs-kernel-server, with client
// load over NFSv3 and NFSv4.2 on localhost and nfstrace inside.
//
//	nfstrace-lab build                       # build the cache (rootfs, kernels)
//	nfstrace-lab run                         # every scenario on every kernel
//	nfstrace-lab run -kernels 6.12 -scenarios baseline
//	nfstrace-lab run -kernels 6.1 -scenarios none -script probe.sh -bin ./nfstrace
//	nfstrace-lab list                        # the scenarios
//
// Run as root (debootstrap, depmod). See docs/lab.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/nfstrace/nfstrace/lab"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Stdout, os.Args[1:])
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(os.Stderr, "nfstrace-lab: %v\n", err)
		}
		os.Exit(1)
	}
}

const usage = `usage: nfstrace-lab <command> [flags]

commands:
  build   build (or check) the cached guest: rootfs, kernels
  run     build if needed, boot each kernel, run scenarios and/or a script
  list    list the built-in scenarios

the cache is NFSTRACE_LAB_CACHE or ~/.cache/nfstrace/lab`

func run(ctx context.Context, out io.Writer, args []string) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(out, usage)
		if len(args) == 0 {
			return errors.New("no command given")
		}
		return nil
	}
	switch args[0] {
	case "build":
		return cmdBuild(ctx, out, args[1:])
	case "run":
		return cmdRun(ctx, out, args[1:])
	case "list":
		return cmdList(out)
	}
	return fmt.Errorf("unknown command %q (see nfstrace-lab help)", args[0])
}

func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
}

func cmdList(out io.Writer) error {
	for _, n := range lab.ScenarioNames() {
		s, err := lab.LoadScenario(n)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%-20s %s\n", n, s.Description)
	}
	return nil
}

func cmdBuild(ctx context.Context, out io.Writer, args []string) error {
	fs := flag.NewFlagSet("nfstrace-lab build", flag.ContinueOnError)
	kernels := fs.String("kernels", strings.Join(lab.DefaultKernels, ","), "kernel series to build")
	if err := fs.Parse(args); err != nil {
		return err
	}
	p, err := lab.DefaultPaths()
	if err != nil {
		return err
	}
	start := time.Now()
	b := lab.NewBuilder(p, out)
	ks, err := b.Build(ctx, splitList(*kernels))
	if err != nil {
		return err
	}
	for _, k := range ks {
		fmt.Fprintf(out, "kernel %s: %s (%s)\n", k.Series, k.Release, k.Package)
	}
	fmt.Fprintf(out, "build: %.1fs, cache %s\n", time.Since(start).Seconds(), p.Cache)
	return nil
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func cmdRun(ctx context.Context, out io.Writer, args []string) error {
	fs := flag.NewFlagSet("nfstrace-lab run", flag.ContinueOnError)
	kernels := fs.String("kernels", strings.Join(lab.DefaultKernels, ","), "kernel series to boot, in turn")
	scen := fs.String("scenarios", "all", "comma-separated scenario names or .conf files, \"all\" or \"none\"")
	script := fs.String("script", "", "bash script to run in the guest after the scenarios (see docs/lab.md)")
	scriptTimeout := fs.Duration("script-timeout", 10*time.Minute, "timeout of -script inside the guest")
	bin := fs.String("bin", "", "static nfstrace binary for the guest (default: build ./cmd/nfstrace)")
	var files multiFlag
	fs.Var(&files, "file", "extra file copied to /lab/files/ in the guest (repeatable)")
	outDir := fs.String("out", "", "directory for the runs (default: CACHE/runs/TIME-KERNEL)")
	deadline := fs.Duration("deadline", 0, "kill the guest after this long (default: from the scenarios' budgets)")
	parallel := fs.Bool("parallel", false, "boot the kernels at the same time")
	keep := fs.Bool("keep", false, "keep the initrd and disk images of each run")
	quiet := fs.Bool("q", false, "do not echo the guest's progress")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var scenarios []lab.Scenario
	names := splitList(*scen)
	if *scen == "all" {
		names = lab.ScenarioNames()
	} else if *scen == "none" {
		names = nil
	}
	for _, n := range names {
		s, err := lab.LoadScenario(n)
		if err != nil {
			return err
		}
		scenarios = append(scenarios, s)
	}
	if len(scenarios) == 0 && *script == "" {
		return errors.New("nothing to run: give -scenarios or -script")
	}
	p, err := lab.DefaultPaths()
	if err != nil {
		return err
	}
	b := lab.NewBuilder(p, out)
	ks, err := b.Build(ctx, splitList(*kernels))
	if err != nil {
		return err
	}
	stamp := time.Now().Format("20060102-150405")
	base := *outDir
	if base == "" {
		base = p.Runs()
	}
	binDir := filepath.Join(base, stamp+"-bin")
	repo, rerr := lab.RepoRoot(".")
	nfstrace := *bin
	if nfstrace == "" {
		if rerr != nil {
			return fmt.Errorf("%w (or give -bin)", rerr)
		}
		nfstrace = filepath.Join(binDir, "nfstrace")
		if err := b.BuildGo(ctx, repo, "./cmd/nfstrace", nfstrace); err != nil {
			return err
		}
	}
	if rerr != nil {
		return rerr
	}
	nfsload := filepath.Join(binDir, "nfsload")
	if err := b.BuildGo(ctx, repo, "./lab/cmd/nfsload", nfsload); err != nil {
		return err
	}

	var progress io.Writer = out
	if *quiet {
		progress = nil
	}
	var mu sync.Mutex
	results := make([]*lab.Result, len(ks))
	errs := make([]error, len(ks))
	var wg sync.WaitGroup
	for i, k := range ks {
		cfg := lab.RunConfig{
			Kernel: k, Base: b.BaseCpio(), Scenarios: scenarios, NFSTrace: nfstrace, NFSLoad: nfsload,
			Script: *script, ScriptTimeout: *scriptTimeout, Files: files,
			Dir: filepath.Join(base, stamp+"-"+k.Series), Deadline: *deadline, Keep: *keep,
			Progress: lockedWriter{&mu, progress},
		}
		mu.Lock()
		fmt.Fprintf(out, "lab: booting %s (%s), %d scenario(s), run dir %s\n", k.Series, k.Release, len(scenarios), cfg.Dir)
		mu.Unlock()
		one := func() { results[i], errs[i] = lab.Run(ctx, cfg) }
		if *parallel {
			wg.Add(1)
			go func() { defer wg.Done(); one() }()
		} else {
			one()
		}
	}
	wg.Wait()
	var failed bool
	for i, r := range results {
		if errs[i] != nil {
			fmt.Fprintf(out, "lab: %s: %v\n", ks[i].Series, errs[i])
			failed = true
		}
		if r == nil {
			continue
		}
		fmt.Fprintf(out, "lab: %s\nlab: results in %s\n", r.Summary(), r.Results)
		if !r.Done || len(r.Failed()) > 0 {
			failed = true
		}
	}
	fmt.Fprintln(out, "lab: timings:")
	for _, t := range b.Timings {
		fmt.Fprintf(out, "  %s\n", t)
	}
	for _, r := range results {
		if r != nil {
			fmt.Fprintf(out, "  %-28s %8.1fs\n", "boot "+r.Kernel.Series, r.Took.Seconds())
		}
	}
	if failed {
		return errors.New("the lab run had failures (see above)")
	}
	return nil
}

// lockedWriter serialises progress lines of kernels booted in parallel.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	if l.w == nil {
		return len(p), nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
