// Package clidoc writes shell completion scripts (bash, zsh, fish) and man
// pages from a program's command descriptions and their flag sets, so that
// neither can drift from the flags the program really parses.
package clidoc

import (
	"flag"
	"sort"
	"strings"
)

// Command describes one subcommand.
type Command struct {
	Name     string
	Summary  string   // one line
	Synopsis []string // argument lines after "PROG NAME"
	Notes    string   // further help text; lines are kept
	Flags    *flag.FlagSet
	// Args are the words the positional arguments complete to, if fixed
	// (e.g. shell names); otherwise FileArgs says whether they are files.
	Args     []string
	FileArgs bool
}

// Program is what the generators describe.
type Program struct {
	Name     string // the binary's name
	Summary  string // one line
	Version  string // printed in the man page footer
	Date     string // the man pages' date, e.g. 2026-11-30; may be empty
	Commands []Command
}

// flagInfo is what the generators need of one flag.
type flagInfo struct {
	name    string // without dashes
	usage   string
	arg     string // the value's name ("duration", "string"); empty for a boolean
	def     string // default value as the flag package prints it; empty if zero
	isFiles bool   // the value completes to file names
}

func (f flagInfo) option() string { return Option(f.name) }

// Option returns flag name as written on a command line: -x for one-letter
// flags, --name for the others (the Go flag package accepts both).
func Option(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// flags lists fs's flags in lexical order.
func flags(fs *flag.FlagSet) []flagInfo {
	if fs == nil {
		return nil
	}
	var out []flagInfo
	fs.VisitAll(func(f *flag.Flag) {
		arg, usage := flag.UnquoteUsage(f)
		fi := flagInfo{name: f.Name, usage: oneLine(usage), arg: arg, isFiles: arg == "string"}
		if HasDefault(f) {
			fi.def = f.DefValue
		}
		out = append(out, fi)
	})
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// HasDefault reports whether f's default is worth saying: not its type's
// zero value, which the flag package does not print either.
func HasDefault(f *flag.Flag) bool {
	switch f.DefValue {
	case "", "0", "false", "0s":
		return false
	}
	return true
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// names returns the commands' names in order.
func (p Program) names() []string {
	var n []string
	for _, c := range p.Commands {
		n = append(n, c.Name)
	}
	return n
}
