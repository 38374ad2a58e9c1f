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

// TestDropCapabilities runs testdata/capshelper as root and checks that every
// thread holds exactly the kept capabilities in its effective, permitted and
// bounding sets, none in its inheritable and ambient sets, and has
// NO_NEW_PRIVS set. Built with cgo the helper must refuse instead: Go cannot
// change the capabilities of all threads of a cgo program.
func TestDropCapabilities(t *testing.T) {
	testenv.RequireRoot(t)
	goCmd, err := exec.LookPath("go")
	if err != nil {
		testenv.Skip(t, "no go command to build the helper: "+err.Error())
	}
	t.Run("static", func(t *testing.T) {
		out, err := runCapsHelper(t, goCmd, "0")
		if err != nil {
			t.Fatalf("helper: %v\n%s", err, out)
		}
		t.Logf("helper:\n%s", out)
		want := uint64(1)<<unix.CAP_SYSLOG | uint64(1)<<unix.CAP_SYS_PTRACE
		threads := map[string]bool{}
		nnp := 0
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			f := strings.Fields(line)
			if len(f) != 3 {
				continue
			}
			if f[1] == "NoNewPrivs:" {
				if f[2] != "1" {
					t.Errorf("thread %s NoNewPrivs %s, want 1", f[0], f[2])
				}
				nnp++
				continue
			}
			if !strings.HasPrefix(f[1], "Cap") {
				continue
			}
			threads[f[0]] = true
			v, err := strconv.ParseUint(f[2], 16, 64)
			if err != nil {
				t.Fatalf("%q: %v", line, err)
			}
			switch f[1] {
			case "CapEff:", "CapPrm:", "CapBnd:":
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
		if nnp != len(threads) {
			t.Errorf("NoNewPrivs shown for %d of %d threads", nnp, len(threads))
		}
	})
	t.Run("cgo", func(t *testing.T) {
		if _, err := exec.LookPath("gcc"); err != nil {
			testenv.Skip(t, "no C compiler for a cgo build: "+err.Error())
		}
		out, err := runCapsHelper(t, goCmd, "1")
		if err == nil {
			t.Fatalf("a cgo build dropped its capabilities or claimed to:\n%s", out)
		}
		if !strings.HasPrefix(string(out), "error: ") || !strings.Contains(string(out), "CGO_ENABLED=0") || strings.Count(string(out), "\n") != 1 {
			t.Errorf("cgo helper said %q, want one error line naming CGO_ENABLED=0", out)
		}
	})
}

// runCapsHelper builds testdata/capshelper with CGO_ENABLED=cgo and runs it.
func runCapsHelper(t *testing.T, goCmd, cgo string) ([]byte, error) {
	t.Helper()
	exe := filepath.Join(t.TempDir(), "capshelper")
	build := exec.Command(goCmd, "build", "-o", exe, "./testdata/capshelper")
	build.Env = append(os.Environ(), "CGO_ENABLED="+cgo)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build helper with CGO_ENABLED=%s: %v\n%s", cgo, err, out)
	}
	return exec.Command(exe).CombinedOutput()
}

func TestParseCapStatus(t *testing.T) {
	tests := []struct {
		file    string
		want    CapStatus
		wantErr string
	}{
		{file: "status-root", want: CapStatus{Prm: 0x1ffffffffff, Eff: 0x1ffffffffff, Bnd: 0x1ffffffffff}},
		{file: "status-dropped", want: CapStatus{Prm: 0x400000, Eff: 0x400000, Bnd: 0x400000, NoNewPrivs: true}},
		{file: "status-old-kernel", wantErr: "capability lines missing"},
		{file: "status-bad", wantErr: `CapEff "zz": `},
	}
	for _, tt := range tests {
		b, err := os.ReadFile(filepath.Join("testdata", tt.file))
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseCapStatus(b)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: %v, want an error containing %q", tt.file, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: %+v, %v; want %+v", tt.file, got, err, tt.want)
		}
	}
}

func TestCapStatusCheck(t *testing.T) {
	syslog := uint64(1) << unix.CAP_SYSLOG
	tests := []struct {
		name string
		st   CapStatus
		want string // "" : passes
	}{
		{"dropped", CapStatus{Prm: syslog, Eff: syslog, Bnd: syslog, NoNewPrivs: true}, ""},
		{"kept all (cgo)", CapStatus{Prm: 0x1ffffffffff, Eff: 0x1ffffffffff, Bnd: 0x1ffffffffff}, "effective 0x1ffffffffff"},
		{"bounding kept", CapStatus{Prm: syslog, Eff: syslog, Bnd: syslog | 1<<unix.CAP_SYS_ADMIN, NoNewPrivs: true}, "bounding set still holds CAP_SYS_ADMIN"},
		{"ambient", CapStatus{Prm: syslog, Eff: syslog, Bnd: syslog, Amb: syslog, NoNewPrivs: true}, "ambient 0x400000"},
		{"no NNP", CapStatus{Prm: syslog, Eff: syslog, Bnd: syslog}, "NoNewPrivs not set"},
	}
	for _, tt := range tests {
		err := tt.st.Check(syslog, syslog)
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestCapNames(t *testing.T) {
	got := strings.Join(CapNames(uint64(1)<<unix.CAP_BPF|uint64(1)<<unix.CAP_SYSLOG|1<<1), ",")
	if want := "CAP_DAC_OVERRIDE,CAP_SYSLOG,CAP_BPF"; got != want {
		t.Errorf("CapNames = %s, want %s", got, want)
	}
}
