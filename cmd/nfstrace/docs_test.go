package main

import (
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/nfstrace/nfstrace/internal/clidoc"
	"github.com/nfstrace/nfstrace/internal/testenv"
)

// visibleFlags returns, per visible command, the names of the flags its
// flag set really has.
func visibleFlags(t *testing.T) map[string][]string {
	t.Helper()
	got := map[string][]string{}
	for _, c := range commands() {
		if c.hidden {
			continue
		}
		fs, err := flagSetOf(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		got[c.name] = nil
		if fs != nil {
			fs.VisitAll(func(f *flag.Flag) { got[c.name] = append(got[c.name], f.Name) })
		}
	}
	if len(got["top"]) < 10 || len(got["serve"]) < 10 {
		t.Fatalf("too few flags found: %v", got)
	}
	return got
}

// needTool skips (fails under NFSTRACE_STRICT=1) without the named program.
func needTool(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		testenv.Skip(t, name+" is not installed (Debian package "+pkg+")")
	}
	return p
}

func TestCompletionScripts(t *testing.T) {
	cmds := visibleFlags(t)
	for _, tc := range []struct {
		shell, check, pkg string
		syntax            []string
		flagForm          func(cmd, name string) string
	}{
		{"bash", "bash", "bash", []string{"-n"}, func(_, n string) string { return clidoc.Option(n) }},
		{"zsh", "zsh", "zsh", []string{"-n"}, func(_, n string) string { return "'" + clidoc.Option(n) + "[" }},
		{"fish", "fish", "fish", []string{"--no-execute"}, func(cmd, n string) string {
			if len(n) == 1 {
				return "'__fish_seen_subcommand_from " + cmd + "' -s " + n + " "
			}
			return "'__fish_seen_subcommand_from " + cmd + "' -l " + n + " "
		}},
	} {
		t.Run(tc.shell, func(t *testing.T) {
			io, out, errb := testStdio()
			if code := run(context.Background(), io, []string{"completion", tc.shell}); code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			script := out.String()
			for cmd, names := range cmds {
				if !strings.Contains(script, cmd) {
					t.Errorf("command %s missing", cmd)
				}
				for _, n := range names {
					if !strings.Contains(script, tc.flagForm(cmd, n)) {
						t.Errorf("%s flag %s missing (looked for %q)", cmd, n, tc.flagForm(cmd, n))
					}
				}
			}
			sh := needTool(t, tc.check, tc.pkg)
			path := filepath.Join(t.TempDir(), "nfstrace."+tc.shell)
			if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			if b, err := exec.Command(sh, append(tc.syntax, path)...).CombinedOutput(); err != nil || len(b) > 0 {
				t.Errorf("%s %v: %v\n%s", tc.check, tc.syntax, err, b)
			}
		})
	}
}

// writeCompletion writes the completion script for shell to a file and
// returns its path.
func writeCompletion(t *testing.T, shell string) string {
	t.Helper()
	io, out, errb := testStdio()
	if code := run(context.Background(), io, []string{"completion", shell}); code != 0 {
		t.Fatalf("completion %s: exit %d: %s", shell, code, errb.String())
	}
	path := filepath.Join(t.TempDir(), "nfstrace."+shell)
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestBashCompletes runs the bash completion function on partial command
// lines and checks what it offers.
func TestBashCompletes(t *testing.T) {
	bash := needTool(t, "bash", "bash")
	path := writeCompletion(t, "bash")
	for _, tc := range []struct {
		line []string
		want []string
		not  []string
	}{
		{[]string{"nfstrace", "re"}, []string{"record", "report"}, []string{"top"}},
		{[]string{"nfstrace", "serve", "--li"}, []string{"--listen"}, []string{"--once"}},
		{[]string{"nfstrace", "top", "--"}, []string{"--once", "--backend", "--help"}, []string{"--listen"}},
		{[]string{"nfstrace", "completion", ""}, []string{"bash", "zsh", "fish"}, nil},
		{[]string{"nfstrace", "help", "co"}, []string{"compare", "completion"}, []string{"man"}},
	} {
		words := make([]string, len(tc.line))
		for i, w := range tc.line {
			words[i] = "'" + w + "'"
		}
		script := "source " + path + "\nCOMP_WORDS=(" + strings.Join(words, " ") + ")\nCOMP_CWORD=" +
			strconv.Itoa(len(tc.line)-1) + "\n_nfstrace\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n"
		b, err := exec.Command(bash, "--norc", "--noprofile", "-c", script).CombinedOutput()
		if err != nil {
			t.Fatalf("%q: %v\n%s", tc.line, err, b)
		}
		checkOffers(t, strings.Join(tc.line, " "), strings.Fields(string(b)), tc.want, tc.not)
	}
}

// checkOffers wants every word of want among the completions got and none
// of not.
func checkOffers(t *testing.T, line string, got, want, not []string) {
	t.Helper()
	for _, w := range want {
		if !contains(got, w) {
			t.Errorf("%q: offers %q, want %q among them", line, got, w)
		}
	}
	for _, w := range not {
		if contains(got, w) {
			t.Errorf("%q: offers %q, which it should not", line, w)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestManPages(t *testing.T) {
	cmds := visibleFlags(t)
	dir := t.TempDir()
	io, out, errb := testStdio()
	if code := run(context.Background(), io, []string{"man", dir}); code != 0 {
		t.Fatalf("man: exit %d: %s", code, errb.String())
	}
	pages := strings.Fields(out.String())
	if len(pages) != len(cmds)+1 {
		t.Fatalf("wrote %d pages, want %d: %v", len(pages), len(cmds)+1, pages)
	}
	groff := needTool(t, "groff", "groff-base")
	mandoc := needTool(t, "mandoc", "mandoc")
	for _, page := range pages {
		if b, err := exec.Command(groff, "-man", "-Tutf8", "-ww", "-z", page).CombinedOutput(); err != nil || len(b) > 0 {
			t.Errorf("groff %s: %v\n%s", page, err, b)
		}
		if b, err := exec.Command(mandoc, "-Tlint", "-Wwarning", page).CombinedOutput(); err != nil || len(b) > 0 {
			t.Errorf("mandoc -Tlint %s: %v\n%s", page, err, b)
		}
	}
	for cmd, names := range cmds {
		page := filepath.Join(dir, "nfstrace-"+cmd+".1")
		b, err := exec.Command(mandoc, "-Tascii", page).Output()
		if err != nil {
			t.Fatalf("mandoc %s: %v", page, err)
		}
		text := stripOverstrike(string(b))
		if !strings.Contains(text, "nfstrace-"+cmd+" - ") {
			t.Errorf("%s: no NAME line:\n%s", page, text)
		}
		for _, n := range names {
			if !strings.Contains(text, clidoc.Option(n)) {
				t.Errorf("%s: flag %s missing", page, clidoc.Option(n))
			}
		}
	}
}

// stripOverstrike removes the backspace sequences of bold and underlined
// text in nroff output.
func stripOverstrike(s string) string {
	var b strings.Builder
	r := []rune(s)
	for i := 0; i < len(r); i++ {
		if i+1 < len(r) && r[i+1] == '\b' {
			i++
			continue
		}
		b.WriteRune(r[i])
	}
	return b.String()
}

// TestFishCompletes asks fish what it would complete on partial command
// lines with the generated completions loaded.
func TestFishCompletes(t *testing.T) {
	fish := needTool(t, "fish", "fish")
	path := writeCompletion(t, "fish")
	for _, tc := range []struct {
		line      string
		want, not []string
	}{
		{"nfstrace re", []string{"record", "report"}, []string{"top"}},
		{"nfstrace serve --li", []string{"--listen"}, []string{"--once"}},
		{"nfstrace top --", []string{"--once", "--backend"}, []string{"--listen"}},
		{"nfstrace completion ", []string{"bash", "zsh", "fish"}, nil},
	} {
		b, err := exec.Command(fish, "--no-config", "-c", "source "+path+"; complete -C '"+tc.line+"'").CombinedOutput()
		if err != nil {
			t.Fatalf("%q: %v\n%s", tc.line, err, b)
		}
		var got []string
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			w, _, _ := strings.Cut(l, "\t")
			got = append(got, w)
		}
		checkOffers(t, tc.line, got, tc.want, tc.not)
	}
}
