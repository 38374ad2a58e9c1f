// Command nfstrace profiles the Linux kernel NFS server: where nfsd threads
// block, for how long, and what differs between two kernels or schedulers.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set by the linker (-ldflags "-X main.version=...").
var version = "dev"

// stdio is what a command reads and writes; tests substitute buffers.
type stdio struct {
	in       *os.File
	out, err io.Writer
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, io stdio, args []string) error
}

func commands() []command {
	return []command{
		{"top", "live view of nfsd threads, wait sites, operations and devices", runTop},
		{"record", "record a capture file for later report and compare", runRecord},
		{"report", "summarize a capture as tables, a time series, JSON or a pprof profile", runReport},
		{"compare", "compare two captures: what changed and where the time went", runCompare},
		{"serve", "daemon: Prometheus metrics and rolling captures across reboots", runServe},
		{"check", "load the eBPF probes and say which attached and why", runCheck},
		{"version", "print the version", runVersion},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, stdio{in: os.Stdin, out: os.Stdout, err: os.Stderr}, os.Args[1:])
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(os.Stderr, "nfstrace: %v\n", err)
		}
		os.Exit(exitCode(err))
	}
}

// exitCode maps an error to the process exit status: 2 for usage errors, 1 otherwise.
func exitCode(err error) int {
	var u usageError
	if errors.As(err, &u) || errors.Is(err, flag.ErrHelp) {
		return 2
	}
	return 1
}

// usageError marks bad command lines.
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func run(ctx context.Context, io stdio, args []string) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(io.err)
		if len(args) == 0 {
			return usageError{"no command given"}
		}
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, io, args[1:])
		}
	}
	return usageError{fmt.Sprintf("unknown command %q (see nfstrace help)", args[0])}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: nfstrace <command> [flags]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nrun 'nfstrace <command> -h' for a command's flags")
}

// newFlagSet returns a flag set whose errors are returned, not printed and exited on.
func newFlagSet(io stdio, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("nfstrace "+name, flag.ContinueOnError)
	fs.SetOutput(io.err)
	return fs
}

// parseFlags parses args and rejects stray positional arguments.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("%s: unexpected argument %q", fs.Name(), fs.Arg(0))}
	}
	return nil
}

func runVersion(_ context.Context, io stdio, args []string) error {
	fs := newFlagSet(io, "version")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	fmt.Fprintf(io.out, "nfstrace %s\n", version)
	return nil
}
