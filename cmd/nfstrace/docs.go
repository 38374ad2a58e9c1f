package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/nfstrace/nfstrace/internal/clidoc"
)

// program describes nfstrace's visible commands with the flag sets they
// really parse: each command runs with -h and hands over its flag set, so
// the completion scripts and man pages cannot drift from the flags.
func program(ctx context.Context) (clidoc.Program, error) {
	p := clidoc.Program{
		Name:    "nfstrace",
		Summary: "profile the Linux kernel NFS server: where nfsd threads wait, for how long, and why",
		Version: version,
		Date:    manDate(),
	}
	var names []string
	for _, c := range commands() {
		if !c.hidden {
			names = append(names, c.name)
		}
	}
	for _, c := range commands() {
		if c.hidden {
			continue
		}
		fs, err := flagSetOf(ctx, c)
		if err != nil {
			return p, err
		}
		dc := clidoc.Command{Name: c.name, Summary: c.summary, Synopsis: c.synopsis, Notes: c.notes, Flags: fs}
		switch c.name {
		case "report", "compare":
			dc.FileArgs = true
		case "completion":
			dc.Args = completionShells
		case "help":
			dc.Args = names
		}
		p.Commands = append(p.Commands, dc)
	}
	return p, nil
}

// flagSetOf runs c with -h, output discarded, and returns the flag set it
// parsed.
func flagSetOf(ctx context.Context, c command) (*flag.FlagSet, error) {
	var fs *flag.FlagSet
	std := stdio{out: io.Discard, err: io.Discard, inspect: func(f *flag.FlagSet) {
		if fs == nil {
			fs = f
		}
	}}
	if err := c.run(ctx, std, []string{"-h"}); !errors.Is(err, flag.ErrHelp) && c.name != "help" {
		return nil, fmt.Errorf("%s -h: want help, got %v", c.name, err)
	}
	return fs, nil
}

// manDate is the release build's date, else the commit's, else today's, as
// YYYY-MM-DD.
func manDate() string {
	d := buildDate
	if d == "" {
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, s := range bi.Settings {
				if s.Key == "vcs.time" {
					d = s.Value
				}
			}
		}
	}
	if len(d) >= 10 {
		return d[:10]
	}
	return time.Now().UTC().Format(time.DateOnly)
}

var completionShells = []string{"bash", "zsh", "fish"}

func runCompletion(ctx context.Context, std stdio, args []string) error {
	fs := newFlagSet(std, "completion")
	pos, err := parseArgs(std, fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"completion: name one shell: bash, zsh or fish"}
	}
	gen := map[string]func(io.Writer, clidoc.Program) error{
		"bash": clidoc.Bash, "zsh": clidoc.Zsh, "fish": clidoc.Fish,
	}[pos[0]]
	if gen == nil {
		return usageError{fmt.Sprintf("completion: unknown shell %q: want bash, zsh or fish", pos[0])}
	}
	p, err := program(ctx)
	if err != nil {
		return err
	}
	return gen(std.out, p)
}

// runMan writes nfstrace.1 and nfstrace-COMMAND.1 into a directory (for
// the package build).
func runMan(ctx context.Context, std stdio, args []string) error {
	fs := newFlagSet(std, "man")
	pos, err := parseArgs(std, fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"man: name one output directory"}
	}
	dir := pos[0]
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return usageError{fmt.Sprintf("man: %s is not a directory", dir)}
	}
	p, err := program(ctx)
	if err != nil {
		return err
	}
	write := func(name string, gen func(io.Writer) error) error {
		var b strings.Builder
		if err := gen(&b); err != nil {
			return err
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			return err
		}
		fmt.Fprintln(std.out, path)
		return nil
	}
	if err := write(p.Name+".1", func(w io.Writer) error { return clidoc.Overview(w, p) }); err != nil {
		return err
	}
	for _, c := range p.Commands {
		if err := write(p.Name+"-"+c.Name+".1", func(w io.Writer) error { return clidoc.ManPage(w, p, c) }); err != nil {
			return err
		}
	}
	return nil
}
