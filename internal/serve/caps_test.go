package serve

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/nfstrace/nfstrace/internal/testenv"
)

// TestDropCapabilities runs testdata/capshelper as root and checks that every thread
// holds exactly the kept capabilities in its effective and permitted sets
// and none in its inheritable and ambient sets.
func TestDropCapabilities(t *testing.T) {
	testenv.RequireRoot(t)
	// A cgo binary (as this test binary may be) cannot change the
	// capabilities of all its threads: build the helper without cgo, as the
	// Makefile builds nfstrace.
	goCmd, err := exec.LookPath("go")
	if err != nil {
		testenv.Skip(t, "no go command to build the helper: "+err.Error())
	}
	exe := filepath.Join(t.TempDir(), "capshelper")
	build := exec.Command(goCmd, "build", "-o", exe, "./testdata/capshelper")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build helper: %v\n%s", err, out)
	}
	out, err := exec.Command(exe).CombinedOutput()
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	t.Logf("helper:\n%s", out)
	want := uint64(1)<<unix.CAP_SYSLOG | uint64(1)<<unix.CAP_SYS_PTRACE
	threads := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 || !strings.HasPrefix(f[1], "Cap") {
			continue
		}
		threads[f[0]] = true
		v, err := strconv.ParseUint(f[2], 16, 64)
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		switch f[1] {
		case "CapEff:", "CapPrm:":
			if v != want {
				t.Errorf("thread %s %s %#x, want %#x", f[0], f[1], v, want)
			}
		case "CapInh:", "CapAmb:":
			if v != 0 {
				t.Errorf("thread %s %s %#x, want 0", f[0], f[1], v)
			}
		}
	}
	if len(threads) < 2 {
		t.Fatalf("saw %d threads, want several to prove all threads changed", len(threads))
	}
}

func TestCapNames(t *testing.T) {
	got := strings.Join(CapNames(uint64(1)<<unix.CAP_BPF|uint64(1)<<unix.CAP_SYSLOG|1<<1), ",")
	if want := "CAP_DAC_OVERRIDE,CAP_SYSLOG,CAP_BPF"; got != want {
		t.Errorf("CapNames = %s, want %s", got, want)
	}
}
