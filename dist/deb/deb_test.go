// Package deb tests the Debian package that dist/deb/build.sh makes (make
// deb): installed and removed cleanly on a fresh Debian in a chroot.
package deb

import (
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/testenv"
)

const pkg = "nfsd-trace"

// TestDebInstallRemove builds the package with make deb, installs it with
// dpkg in a minimal Debian bookworm (debootstrap, cached in
// ~/.cache/nfstrace/debtest), runs the binary there, removes and purges it,
// and checks that the file system is as before.
func TestDebInstallRemove(t *testing.T) {
	testenv.RequireRoot(t)
	for _, tool := range []string{"debootstrap", "dpkg-deb", "make", "git", "chroot"} {
		if _, err := exec.LookPath(tool); err != nil {
			testenv.Skip(t, tool+" is not installed")
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()

	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	b, err := exec.CommandContext(ctx, "make", "-C", repo, "deb", "DEBDIR="+out, "BIN="+filepath.Join(out, "nfstrace")).CombinedOutput()
	if err != nil {
		t.Fatalf("make deb: %v\n%s", err, b)
	}
	debs, _ := filepath.Glob(filepath.Join(out, pkg+"_*.deb"))
	if len(debs) != 1 {
		t.Fatalf("make deb made %v, want one %s_*.deb\n%s", debs, pkg, b)
	}
	deb := debs[0]
	for field, want := range map[string]string{"Package": pkg, "Conflicts": "nfstrace", "Replaces": "nfstrace"} {
		if got := run(t, ctx, "dpkg-deb", "-f", deb, field); strings.TrimSpace(got) != want {
			t.Errorf("control field %s = %q, want %q", field, got, want)
		}
	}

	root := freshChroot(t, ctx)
	before := tree(t, root)
	if err := copyFile(deb, filepath.Join(root, "tmp", "pkg.deb")); err != nil {
		t.Fatal(err)
	}
	run(t, ctx, "chroot", root, "dpkg", "-i", "/tmp/pkg.deb")
	if err := os.Remove(filepath.Join(root, "tmp", "pkg.deb")); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{
		"usr/bin/nfstrace",
		"lib/systemd/system/nfstrace.service",
		"usr/share/bash-completion/completions/nfstrace",
		"usr/share/zsh/vendor-completions/_nfstrace",
		"usr/share/fish/vendor_completions.d/nfstrace.fish",
		"usr/share/man/man1/nfstrace.1.gz",
		"usr/share/man/man1/nfstrace-serve.1.gz",
		"usr/share/doc/" + pkg + "/copyright",
	} {
		if _, err := os.Stat(filepath.Join(root, f)); err != nil {
			t.Errorf("installed package lacks %s: %v", f, err)
		}
	}
	unit, err := os.ReadFile(filepath.Join(root, "lib/systemd/system/nfstrace.service"))
	if err != nil || !strings.Contains(string(unit), "ExecStart=/usr/bin/nfstrace serve") {
		t.Errorf("unit does not start /usr/bin/nfstrace: %v", err)
	}
	// The dashboards and rules of dist/ travel when they are there.
	for pattern, dir := range map[string]string{"*.json": "grafana", "*rules*.yml": "prometheus"} {
		src, _ := filepath.Glob(filepath.Join(repo, "dist", pattern))
		for _, f := range src {
			if _, err := os.Stat(filepath.Join(root, "usr/share", pkg, dir, filepath.Base(f))); err != nil {
				t.Errorf("%s not installed: %v", filepath.Base(f), err)
			}
		}
	}
	v := run(t, ctx, "chroot", root, "/usr/bin/nfstrace", "version")
	if !strings.HasPrefix(v, "nfstrace ") || strings.Contains(v, "nfstrace dev ") || !strings.Contains(v, "built ") {
		t.Errorf("nfstrace version in the chroot: %q, want a release build's version", v)
	}
	if st := run(t, ctx, "chroot", root, "dpkg-query", "-W", "-f", "${Status}", pkg); st != "install ok installed" {
		t.Errorf("dpkg status %q", st)
	}

	run(t, ctx, "chroot", root, "dpkg", "-r", pkg)
	run(t, ctx, "chroot", root, "dpkg", "--purge", pkg)
	if b, err := exec.CommandContext(ctx, "chroot", root, "dpkg-query", "-W", pkg).CombinedOutput(); err == nil {
		t.Errorf("dpkg still knows %s after purge: %s", pkg, b)
	}
	after := tree(t, root)
	if added, removed := diff(before, after); len(added)+len(removed) > 0 {
		t.Errorf("install and purge left the file system changed:\nadded %v\nremoved %v", added, removed)
	}
}

// freshChroot returns a copy of a cached minimal bookworm, made with
// debootstrap on first use.
func freshChroot(t *testing.T, ctx context.Context) string {
	t.Helper()
	home, err := os.UserHomeDir()
	if err != nil {
		t.Fatal(err)
	}
	cache := filepath.Join(home, ".cache", "nfstrace", "debtest", "bookworm")
	if _, err := os.Stat(filepath.Join(cache, "usr", "bin", "dpkg")); err != nil {
		mirror := os.Getenv("NFSTRACE_DEBIAN_MIRROR")
		if mirror == "" {
			mirror = "http://deb.debian.org/debian"
		}
		tmp := cache + ".tmp"
		if err := os.RemoveAll(tmp); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(cache), 0o755); err != nil {
			t.Fatal(err)
		}
		t.Logf("debootstrap --variant=minbase bookworm %s (once; cached)", cache)
		if b, err := exec.CommandContext(ctx, "debootstrap", "--variant=minbase", "bookworm", tmp, mirror).CombinedOutput(); err != nil {
			t.Fatalf("debootstrap: %v\n%s", err, tail(b))
		}
		if err := os.RemoveAll(cache); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, cache); err != nil {
			t.Fatal(err)
		}
	}
	root := filepath.Join(t.TempDir(), "root")
	run(t, ctx, "cp", "-a", cache, root)
	return root
}

// tree lists the paths under root, without the places dpkg keeps its own
// records and logs.
func tree(t *testing.T, root string) map[string]bool {
	t.Helper()
	skip := map[string]bool{"var/lib/dpkg": true, "var/log": true, "var/cache/debconf": true, "proc": true, "sys": true, "dev": true}
	paths := map[string]bool{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if skip[rel] {
			return filepath.SkipDir
		}
		paths[rel] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return paths
}

func diff(a, b map[string]bool) (added, removed []string) {
	for p := range b {
		if !a[p] {
			added = append(added, p)
		}
	}
	for p := range a {
		if !b[p] {
			removed = append(removed, p)
		}
	}
	sort.Strings(added)
	sort.Strings(removed)
	return added, removed
}

func run(t *testing.T, ctx context.Context, name string, args ...string) string {
	t.Helper()
	b, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, tail(b))
	}
	return strings.TrimSpace(string(b))
}

func tail(b []byte) string {
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o644)
}
