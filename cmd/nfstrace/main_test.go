package main

import (
	"context"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

// TestRunCommandLine runs the command line as the binary does and checks
// the exit status and what lands on stdout and stderr.
func TestRunCommandLine(t *testing.T) {
	emptyProc := t.TempDir()
	notDir := filepath.Join(emptyProc, "file")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    []string
		code    int
		out     []string // substrings of stdout
		err     []string // substrings of stderr
		errLine int      // stderr's line count, when it matters (-1: don't check)
	}{
		{"no command", nil, 2, nil, []string{"usage: nfstrace COMMAND"}, -1},
		{"--help", []string{"--help"}, 0, []string{"usage: nfstrace COMMAND", "top ", "compare ", "completion "}, nil, 0},
		{"-h", []string{"-h"}, 0, []string{"usage: nfstrace COMMAND"}, nil, 0},
		{"help", []string{"help"}, 0, []string{"usage: nfstrace COMMAND"}, nil, 0},
		{"help top", []string{"help", "top"}, 0, []string{"nfstrace top: live view", "--interval duration", "--backend string"}, nil, 0},
		{"top -h", []string{"top", "-h"}, 0, []string{"nfstrace top: live view", "--once"}, nil, 0},
		{"record --help", []string{"record", "--help"}, 0, []string{"usage: nfstrace record -o FILE [flags]", "-o string"}, nil, 0},
		{"compare -help", []string{"compare", "-help"}, 0, []string{"usage: nfstrace compare A B [flags]", "--last-boot"}, nil, 0},
		{"help help", []string{"help", "help"}, 0, []string{"nfstrace help: show the commands"}, nil, 0},
		{"help unknown", []string{"help", "frobnicate"}, 2, nil, []string{`nfstrace: help: unknown command "frobnicate"`}, 2},
		{"unknown command", []string{"frobnicate"}, 2, nil, []string{`nfstrace: unknown command "frobnicate"`, "see 'nfstrace help'"}, 2},
		{"version", []string{"version"}, 0, []string{"nfstrace dev ("}, nil, 0},
		{"--version", []string{"--version"}, 0, []string{"nfstrace dev ("}, nil, 0},
		{"version stray", []string{"version", "x"}, 2, nil, []string{`nfstrace: version: unexpected argument "x"`}, 2},
		{"bad flag", []string{"top", "--bogus"}, 2, nil,
			[]string{"nfstrace: top: flag provided but not defined: -bogus", "see 'nfstrace top -h'"}, 2},
		{"bad value", []string{"record", "--interval", "soon"}, 2, nil,
			[]string{`nfstrace: record: invalid value "soon" for flag -interval`, "see 'nfstrace record -h'"}, 2},
		{"bad validated value", []string{"top", "--backend", "dtrace"}, 2, nil,
			[]string{`nfstrace: top: --backend "dtrace": want auto, ebpf or procfs`, "see 'nfstrace top -h'"}, 2},
		{"compare one file", []string{"compare", "a.nft"}, 2, nil,
			[]string{"nfstrace: compare: 2 capture files are required, got 1"}, 2},
		{"report missing file", []string{"report", "/nonexistent/x.nft"}, 1, nil,
			[]string{"nfstrace: report: "}, 1},
		{"top without a terminal", []string{"top"}, 1, nil, []string{"nfstrace: top needs a terminal; use --once"}, 1},
		{"completion without shell", []string{"completion"}, 2, nil, []string{"nfstrace: completion: name one shell"}, 2},
		{"completion bash", []string{"completion", "bash"}, 0, []string{"complete -o filenames -F _nfstrace nfstrace"}, nil, 0},
		// Flags are checked before any probe is loaded: one line and the pointer
		// to the help, no loader log.
		{"serve bad listen", []string{"serve", "--listen", "bogus"}, 2, nil,
			[]string{`nfstrace: serve: --listen "bogus": want HOST:PORT`}, 2},
		{"serve bad port", []string{"serve", "--listen", "127.0.0.1:70000"}, 2, nil, []string{`bad port "70000"`}, 2},
		{"serve bad host", []string{"serve", "--listen", "no_such host:80"}, 2, nil, []string{`bad host "no_such host"`}, 2},
		{"serve missing web config", []string{"serve", "--web.config.file", filepath.Join(emptyProc, "web.yml")}, 2, nil,
			[]string{"nfstrace: serve: --web.config.file ", "no such file"}, 2},
		{"serve capture dir is a file", []string{"serve", "--capture-dir", notDir}, 2, nil,
			[]string{"--capture-dir: " + notDir + " is not a directory"}, 2},
		{"bad procfs", []string{"check", "--procfs", notDir}, 2, nil, []string{"nfstrace: check: --procfs: " + notDir + " is not a directory"}, 2},
		{"missing kernel BTF", []string{"record", "-o", "x.nft", "--kernel-btf", filepath.Join(emptyProc, "vmlinux")}, 2, nil,
			[]string{"nfstrace: record: --kernel-btf: open "}, 2},
		{"bad comm regexp", []string{"top", "--comm", "nfsd("}, 2, nil, []string{"nfstrace: top: --comm: error parsing regexp"}, 2},
		{"negative min-dstate", []string{"serve", "--min-dstate", "-1ms"}, 2, nil, []string{"--min-dstate -1ms is negative"}, 2},
		{"record into a missing directory", []string{"record", "-o", filepath.Join(emptyProc, "no", "x.nft")}, 2, nil,
			[]string{"nfstrace: record: -o ", "directory " + filepath.Join(emptyProc, "no") + " does not exist"}, 2},
		{"pprof into a missing directory", []string{"compare", "--pprof", "/nonexistent/b.pb.gz", "a.nft", "b.nft"}, 2, nil,
			[]string{"nfstrace: compare: --pprof /nonexistent/b.pb.gz: directory /nonexistent does not exist"}, 2},
		// A --pid without a process is a warning, before anything else.
		{"pid names no process", []string{"top", "--once", "--backend", "procfs", "--procfs", emptyProc, "--pid", "4242"}, 1, nil,
			[]string{"nfstrace: warning: --pid 4242: no such process in " + emptyProc + "\n"}, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, out, errb := testStdio()
			code := run(context.Background(), io, tt.args)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr %q", code, tt.code, errb.String())
			}
			for _, want := range tt.out {
				if !strings.Contains(out.String(), want) {
					t.Errorf("stdout lacks %q:\n%s", want, out.String())
				}
			}
			for _, want := range tt.err {
				if !strings.Contains(errb.String(), want) {
					t.Errorf("stderr lacks %q:\n%s", want, errb.String())
				}
			}
			if n := strings.Count(errb.String(), "\n"); tt.errLine >= 0 && n != tt.errLine {
				t.Errorf("stderr has %d lines, want %d:\n%s", n, tt.errLine, errb.String())
			}
			if len(tt.args) > 0 && (strings.Contains(errb.String(), "nfstrace: nfstrace") ||
				strings.Contains(errb.String(), tt.args[0]+": "+tt.args[0]+":")) {
				t.Errorf("stderr prefixed twice: %q", errb.String())
			}
		})
	}
}

// TestCommandHelp checks that every command's help starts with its one-line
// description and that -h neither fails nor does anything else.
func TestCommandHelp(t *testing.T) {
	for _, c := range commands() {
		io, out, errb := testStdio()
		if code := run(context.Background(), io, []string{c.name, "-h"}); code != 0 {
			t.Errorf("%s -h: exit %d, stderr %q", c.name, code, errb.String())
		}
		first, _, _ := strings.Cut(out.String(), "\n")
		if want := "nfstrace " + c.name + ": " + c.summary; first != want || c.summary == "" || strings.Contains(c.summary, "\n") {
			t.Errorf("%s -h starts %q, want %q", c.name, first, want)
		}
		if errb.Len() != 0 {
			t.Errorf("%s -h wrote to stderr: %q", c.name, errb.String())
		}
	}
}

func TestVersionLine(t *testing.T) {
	bi := func(kv ...string) *debug.BuildInfo {
		b := &debug.BuildInfo{GoVersion: "go1.24.1"}
		for i := 0; i+1 < len(kv); i += 2 {
			b.Settings = append(b.Settings, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return b
	}
	tests := []struct {
		name                  string
		version, commit, date string
		bi                    *debug.BuildInfo
		want                  string
	}{
		{"release", "0.3.0-4-gabcdef0", "abcdef0123", "2026-11-30T13:00:00Z", bi("vcs.revision", "ffff"),
			"nfstrace 0.3.0-4-gabcdef0 (commit abcdef0123, built 2026-11-30T13:00:00Z, go1.24.1)"},
		{"go build in a clone", "dev", "", "", bi("vcs.revision", "0123abc", "vcs.time", "2026-11-29T10:00:00Z", "vcs.modified", "false"),
			"nfstrace dev (commit 0123abc, committed 2026-11-29T10:00:00Z, go1.24.1)"},
		{"go build with local changes", "dev", "", "", bi("vcs.revision", "0123abc", "vcs.modified", "true"),
			"nfstrace dev (commit 0123abc-dirty, go1.24.1)"},
		{"no vcs information", "dev", "", "", bi(), "nfstrace dev (commit unknown, go1.24.1)"},
		{"no build information", "dev", "", "", nil, "nfstrace dev (commit unknown)"},
	}
	for _, tt := range tests {
		if got := versionLine(tt.version, tt.commit, tt.date, tt.bi); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}
