package lab_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nfstrace/nfstrace/internal/testenv"
)

// guestCmd is one function of the guest's init.sh (init.sh --fn ARGS) run
// by bash with env added to the test's own.
func guestCmd(t *testing.T, env []string, args ...string) *exec.Cmd {
	t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		testenv.Skip(t, "the guest's init.sh needs bash: "+err.Error())
	}
	cmd := exec.Command(bash, append([]string{"guest/init.sh", "--fn"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	return cmd
}

// guestFn runs one function of the guest's init.sh (init.sh --fn) against
// a sysctl tree of the test's own, root, with env added, and reports its
// exit status.
func guestFn(t *testing.T, root string, env []string, args ...string) error {
	t.Helper()
	cmd := guestCmd(t, append(env, "LAB_SYSCTL_ROOT="+root), args...)
	out, err := cmd.CombinedOutput()
	if len(out) > 0 {
		t.Logf("init.sh --fn %s: %s", strings.Join(args, " "), out)
	}
	return err
}

// sysctlTree writes the files of a sysctl tree under root.
func sysctlTree(t *testing.T, root string, kv map[string]string) {
	t.Helper()
	for k, v := range kv {
		f := filepath.Join(root, strings.ReplaceAll(k, ".", "/"))
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, []byte(v+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func readSysctl(t *testing.T, root, k string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, strings.ReplaceAll(k, ".", "/")))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func lines(t *testing.T, file string) []string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(b))
}

// TestGuestSysctls runs the guest's apply_sysctls and restore_sysctls on a
// tree of plain files. The kernel zeroes one of each vm.dirty_* pair when
// the other is written; plain files do not, so the test does it where the
// kernel would, between the two steps.
func TestGuestSysctls(t *testing.T) {
	defaults := map[string]string{
		"vm.dirty_bytes":            "0",
		"vm.dirty_ratio":            "20",
		"vm.dirty_background_bytes": "0",
		"vm.dirty_background_ratio": "10",
		"vm.swappiness":             "60",
	}
	tests := []struct {
		name    string
		sysctls string
		zeroed  []string // the twins the kernel zeroes as apply writes
		saved   []string // sysctl.restore, in order
		applied []string // sysctl.applied, in order
		after   map[string]string
	}{
		{
			name:    "byte limits save the ratios they zero",
			sysctls: "vm.dirty_background_bytes=131072 vm.dirty_bytes=524288",
			zeroed:  []string{"vm.dirty_background_ratio", "vm.dirty_ratio"},
			saved: []string{
				"vm.dirty_background_bytes=0", "vm.dirty_background_ratio=10",
				"vm.dirty_bytes=0", "vm.dirty_ratio=20",
			},
			applied: []string{"vm.dirty_background_bytes=131072", "vm.dirty_bytes=524288"},
			// The ratios come back; writing them is what zeroes the byte
			// limits in the kernel, so restore leaves those alone.
			after: map[string]string{"vm.dirty_ratio": "20", "vm.dirty_background_ratio": "10", "vm.swappiness": "60"},
		},
		{
			name:    "a key and its twin both set are saved once each",
			sysctls: "vm.dirty_ratio=5 vm.dirty_bytes=1048576 vm.swappiness=10",
			zeroed:  []string{"vm.dirty_ratio"},
			saved:   []string{"vm.dirty_ratio=20", "vm.dirty_bytes=0", "vm.swappiness=60"},
			applied: []string{"vm.dirty_ratio=5", "vm.dirty_bytes=1048576", "vm.swappiness=10"},
			after:   map[string]string{"vm.dirty_ratio": "20", "vm.swappiness": "60"},
		},
		{
			name:    "a key without a twin",
			sysctls: "vm.swappiness=1",
			saved:   []string{"vm.swappiness=60"},
			applied: []string{"vm.swappiness=1"},
			after:   map[string]string{"vm.swappiness": "60"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, out := t.TempDir(), t.TempDir()
			sysctlTree(t, root, defaults)
			env := []string{"LAB_SYSCTLS=" + tt.sysctls}
			if err := guestFn(t, root, env, "apply_sysctls", out); err != nil {
				t.Fatalf("apply_sysctls: %v", err)
			}
			if got := lines(t, filepath.Join(out, "sysctl.restore")); !slices.Equal(got, tt.saved) {
				t.Errorf("sysctl.restore = %q, want %q", got, tt.saved)
			}
			if got := lines(t, filepath.Join(out, "sysctl.applied")); !slices.Equal(got, tt.applied) {
				t.Errorf("sysctl.applied = %q, want %q", got, tt.applied)
			}
			for _, kv := range tt.applied {
				k, v, _ := strings.Cut(kv, "=")
				if got := readSysctl(t, root, k); got != v {
					t.Errorf("after apply %s = %s, want %s", k, got, v)
				}
			}
			for _, k := range tt.zeroed {
				sysctlTree(t, root, map[string]string{k: "0"})
			}
			if err := guestFn(t, root, env, "restore_sysctls", out); err != nil {
				t.Fatalf("restore_sysctls: %v", err)
			}
			for k, want := range tt.after {
				if got := readSysctl(t, root, k); got != want {
					t.Errorf("after restore %s = %s, want %s", k, got, want)
				}
			}
		})
	}
}

// TestGuestSysctlsMissing: a key the kernel lacks fails apply before any
// key is written, and restore without a saved file has nothing to do.
func TestGuestSysctlsMissing(t *testing.T) {
	root, out := t.TempDir(), t.TempDir()
	sysctlTree(t, root, map[string]string{"vm.swappiness": "60"})
	env := []string{"LAB_SYSCTLS=vm.swappiness=1 vm.no_such_key=1"}
	if err := guestFn(t, root, env, "apply_sysctls", out); err == nil {
		t.Error("apply_sysctls with a missing key succeeded")
	}
	if got := readSysctl(t, root, "vm.swappiness"); got != "60" {
		t.Errorf("vm.swappiness = %s after a failed apply, want 60 (nothing written)", got)
	}
	if err := guestFn(t, root, nil, "restore_sysctls", t.TempDir()); err != nil {
		t.Errorf("restore_sysctls without sysctl.restore: %v", err)
	}
}
