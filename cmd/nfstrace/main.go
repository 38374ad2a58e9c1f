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
	"strings"
	"syscall"

	"github.com/nfstrace/nfstrace/internal/capture"
	"github.com/nfstrace/nfstrace/internal/clidoc"
)

// stdio is what a command reads and writes; tests substitute buffers.
type stdio struct {
	in       *os.File
	out, err io.Writer
	// inspect, when set, is handed every flag set a command creates; the
	// completion and man page generators use it to read a command's flags.
	inspect func(*flag.FlagSet)
}

type command struct {
	name     string
	summary  string   // one line: what the command does
	synopsis []string // argument lines after "nfstrace NAME"
	notes    string   // more help text, printed before the flags
	hidden   bool     // not listed in usage, completion or man pages
	run      func(ctx context.Context, io stdio, args []string) error
}

func commands() []command {
	return []command{
		{name: "top", summary: "live view of nfsd threads, wait sites, operations and devices",
			synopsis: []string{"[flags]"}, run: runTop,
			notes: "Without a terminal, use --once for one frame or --format json for a stream."},
		{name: "record", summary: "record a capture file for later report and compare",
			synopsis: []string{"-o FILE [flags]"}, run: runRecord,
			notes: "Capture files conventionally end in " + capture.Ext + "."},
		{name: "report", summary: "summarize a capture as tables, a time series, JSON or a pprof profile",
			synopsis: []string{"FILE [flags]"}, run: runReport},
		{name: "compare", summary: "compare two captures: what changed and where the time went",
			synopsis: []string{"A B [flags]", "--last-boot [--capture-dir DIR] [flags]"}, run: runCompare,
			notes: "A is the baseline (before), B the capture to explain (after)."},
		{name: "serve", summary: "daemon: Prometheus metrics and rolling captures across reboots",
			synopsis: []string{"[flags]"}, run: runServe,
			notes: "SIGHUP starts a new capture file; SIGINT and SIGTERM close the current one and exit."},
		{name: "check", summary: "load the eBPF probes and say which attached and why",
			synopsis: []string{"[flags]"}, run: runCheck},
		{name: "completion", summary: "print a shell completion script for bash, zsh or fish",
			synopsis: []string{"bash|zsh|fish"}, run: runCompletion,
			notes: "bash: nfstrace completion bash > /etc/bash_completion.d/nfstrace\n" +
				"zsh:  nfstrace completion zsh > \"${fpath[1]}/_nfstrace\"\n" +
				"fish: nfstrace completion fish > ~/.config/fish/completions/nfstrace.fish"},
		{name: "help", summary: "show the commands, or a command's help",
			synopsis: []string{"[COMMAND]"}, run: runHelp},
		{name: "version", summary: "print the version, commit and build date",
			synopsis: []string{""}, run: runVersion},
		{name: "man", summary: "write a man page per command into DIR",
			synopsis: []string{"DIR"}, run: runMan, hidden: true},
	}
}

func findCommand(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, stdio{in: os.Stdin, out: os.Stdout, err: os.Stderr}, os.Args[1:])
	stop()
	os.Exit(code)
}

// Exit statuses.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// usageError marks bad command lines; run adds a pointer to the command's help.
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

// run runs the command args name, prints its error, if any, on one line
// and returns the exit status: 0 for success and help, 2 for a bad command
// line, 1 for other failures.
func run(ctx context.Context, io stdio, args []string) int {
	if len(args) == 0 {
		usage(io.err)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help":
		usage(io.out)
		return exitOK
	case "-version", "--version":
		args = []string{"version"}
	}
	c, ok := findCommand(args[0])
	if !ok {
		fmt.Fprintf(io.err, "nfstrace: unknown command %q\nsee 'nfstrace help'\n", args[0])
		return exitUsage
	}
	err := c.run(ctx, io, args[1:])
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return exitOK
	}
	// Name the command once: most errors already start with it.
	msg := err.Error()
	if !strings.HasPrefix(msg, c.name+":") && !strings.HasPrefix(msg, c.name+" ") {
		msg = c.name + ": " + msg
	}
	fmt.Fprintf(io.err, "nfstrace: %s\n", msg)
	var u usageError
	if errors.As(err, &u) {
		fmt.Fprintf(io.err, "see 'nfstrace %s -h'\n", c.name)
		return exitUsage
	}
	return exitError
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "nfstrace profiles the Linux kernel NFS server: where nfsd threads wait, for how long, and why.\n\nusage: nfstrace COMMAND [flags]\n\ncommands:")
	for _, c := range commands() {
		if !c.hidden {
			fmt.Fprintf(w, "  %-11s %s\n", c.name, c.summary)
		}
	}
	fmt.Fprintln(w, "\nrun 'nfstrace help COMMAND' or 'nfstrace COMMAND -h' for a command's flags")
}

// commandHelp writes c's help: its one-line description, synopsis, notes
// and flags.
func commandHelp(w io.Writer, c command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "nfstrace %s: %s\n\n", c.name, c.summary)
	for i, s := range c.synopsis {
		lead := "usage:"
		if i > 0 {
			lead = "      "
		}
		fmt.Fprintln(w, strings.TrimRight(lead+" nfstrace "+c.name+" "+s, " "))
	}
	if c.notes != "" {
		fmt.Fprintf(w, "\n%s\n", c.notes)
	}
	if fs == nil || !hasFlags(fs) {
		return
	}
	fmt.Fprintln(w, "\nflags (one or two dashes):")
	fs.VisitAll(func(f *flag.Flag) {
		arg, text := flag.UnquoteUsage(f)
		opt := clidoc.Option(f.Name)
		if arg != "" {
			opt += " " + arg
		}
		if clidoc.HasDefault(f) {
			text += fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintf(w, "  %s\n    \t%s\n", opt, text)
	})
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// newFlagSet returns the flag set of command name. It prints nothing itself:
// parseArgs prints the help and turns parse errors into usage errors.
func newFlagSet(std stdio, name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	if std.inspect != nil {
		std.inspect(fs)
	}
	return fs
}

// parseArgs parses flags before, between and after positional arguments,
// which it returns. -h and --help print the command's help to io.out and
// return flag.ErrHelp.
func parseArgs(io stdio, fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				c, _ := findCommand(fs.Name())
				commandHelp(io.out, c, fs)
				return nil, err
			}
			return nil, usageError{fs.Name() + ": " + err.Error()}
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// parseFlags parses args and rejects positional arguments.
func parseFlags(io stdio, fs *flag.FlagSet, args []string) error {
	pos, err := parseArgs(io, fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError{fmt.Sprintf("%s: unexpected argument %q", fs.Name(), pos[0])}
	}
	return nil
}

// runHelp prints the usage, or with a command name that command's help.
func runHelp(ctx context.Context, io stdio, args []string) error {
	fs := newFlagSet(io, "help")
	pos, err := parseArgs(io, fs, args)
	if err != nil {
		return err
	}
	switch len(pos) {
	case 0:
		usage(io.out)
		return nil
	case 1:
	default:
		return usageError{fmt.Sprintf("help: unexpected argument %q", pos[1])}
	}
	c, ok := findCommand(pos[0])
	if !ok {
		return usageError{fmt.Sprintf("help: unknown command %q", pos[0])}
	}
	if c.name == "help" {
		commandHelp(io.out, c, nil)
		return nil
	}
	return c.run(ctx, io, []string{"-h"})
}
