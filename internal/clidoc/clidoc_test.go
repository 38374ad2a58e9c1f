package clidoc

import (
	"bytes"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/testenv"
)

func TestEscapes(t *testing.T) {
	tests := []struct {
		name, in, want string
		f              func(string) string
	}{
		{"roff hyphen", "--max-size", `\-\-max\-size`, roff},
		{"roff backslash", `a\b`, `a\eb`, roff},
		{"roff leading dot", ".nft files", `\&.nft files`, roff},
		{"roff leading quote", "'x'", `\&'x'`, roff},
		{"zsh brackets and colon", "a [b]: c", `a \[b\]\: c`, zshEscape},
		{"sh quote", "it's", `'it'\''s'`, shQuote},
		{"fish quote", `it's a\b`, `'it\'s a\\b'`, fishQuote},
		{"identifier", "nfs-trace", "nfs_trace", shellIdent},
	}
	for _, tt := range tests {
		if got := tt.f(tt.in); got != tt.want {
			t.Errorf("%s: %q -> %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
}

// awkward is a program whose texts hold everything the generators must
// escape.
func awkward() Program {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.String("o", "", "write to `FILE` (it's \"required\"; a [bracket]: colon, a \\ backslash, $HOME and `ticks`)")
	fs.Duration("every", time.Second, ".starts with a dot")
	fs.Bool("dry-run", false, "-starts with a dash")
	fs.Int("n", 3, "count; 'single quotes'")
	return Program{
		Name: "prog", Summary: "does things: \"quoted\" and 'single'", Version: "1.0-rc1", Date: "2026-11-30",
		Commands: []Command{
			{Name: "run", Summary: "run it [now]: fast", Synopsis: []string{"-o FILE [flags]"}, Notes: ".dot line\n'quote line", Flags: fs, FileArgs: true},
			{Name: "shell", Summary: "pick a shell", Synopsis: []string{"bash|zsh"}, Args: []string{"bash", "zsh"}},
		},
	}
}

func TestGeneratedSyntax(t *testing.T) {
	p := awkward()
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		gen  func(io.Writer, Program) error
		argv []string // the checker; the file is appended
	}{
		{"bash", Bash, []string{"bash", "-n"}},
		{"zsh", Zsh, []string{"zsh", "-n"}},
		{"fish", Fish, []string{"fish", "--no-execute"}},
		{"man", func(w io.Writer, p Program) error { return ManPage(w, p, p.Commands[0]) }, []string{"mandoc", "-Tlint", "-Wwarning"}},
		{"overview", Overview, []string{"groff", "-man", "-Tutf8", "-ww", "-z"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tc.gen(&b, p); err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"dry-run", "every"} {
				if tc.name != "overview" && !strings.Contains(strings.ReplaceAll(b.String(), `\-`, "-"), want) {
					t.Errorf("flag %s missing", want)
				}
			}
			if _, err := exec.LookPath(tc.argv[0]); err != nil {
				testenv.Skip(t, tc.argv[0]+" is not installed")
			}
			path := filepath.Join(dir, tc.name)
			if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(tc.argv[0], append(tc.argv[1:], path)...).CombinedOutput()
			if err != nil || len(out) > 0 {
				t.Errorf("%v: %v\n%s\n--- generated:\n%s", tc.argv, err, out, b.String())
			}
		})
	}
}

// TestManRendering checks that the escaped texts come out as written.
func TestManRendering(t *testing.T) {
	if _, err := exec.LookPath("mandoc"); err != nil {
		testenv.Skip(t, "mandoc is not installed")
	}
	p := awkward()
	var b bytes.Buffer
	if err := ManPage(&b, p, p.Commands[0]); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("mandoc", "-Tascii")
	cmd.Stdin = &b
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	for _, want := range []string{"prog-run - run it [now]: fast", "-o FILE", "--every duration", "(default: 1s)",
		`colon, a \`, ".starts with a dot", "-starts with a dash", ".dot line", "'quote line", "--dry-run"} {
		if !strings.Contains(stripBold(text), want) {
			t.Errorf("rendered page lacks %q:\n%s", want, text)
		}
	}
}

// stripBold removes nroff's overstrike sequences (c\bc for bold, _\bc for
// underline).
func stripBold(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if i+1 < len(s) && s[i+1] == '\b' {
			i++
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
