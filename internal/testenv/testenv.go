// Package testenv lets tests that need root, BPF, loop devices or the lab
// guest skip where those are missing, except under NFSTRACE_STRICT=1 (CI),
// where a missing prerequisite fails the test: a green CI must mean the real
// path ran.
package testenv

import (
	"os"
	"testing"
)

// Strict reports whether NFSTRACE_STRICT=1 is set.
func Strict() bool { return os.Getenv("NFSTRACE_STRICT") == "1" }

// Skip skips t with reason, or fails it in strict mode.
func Skip(t testing.TB, reason string) {
	t.Helper()
	if Strict() {
		t.Fatalf("NFSTRACE_STRICT=1 forbids skipping: %s", reason)
	}
	t.Skip(reason)
}

// RequireRoot skips (or fails, in strict mode) unless running as root.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		Skip(t, "needs root")
	}
}
