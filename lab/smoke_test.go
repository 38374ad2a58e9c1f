package lab_test

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/compare"
	"github.com/nfstrace/nfstrace/internal/model"
	"github.com/nfstrace/nfstrace/lab"
)

// checkMissingProbes: where the guest's kernel lacks the lock contention
// tracepoints (before 5.19), nfstrace check says so, and so does every
// capture's list of probes; every probe check lists has a status, and an
// unavailable one a reason.
func checkMissingProbes(t *testing.T, results string, scenarios []lab.Scenario) {
	info, err := os.ReadFile(filepath.Join(results, "guest-info.txt"))
	if err != nil {
		t.Fatalf("guest-info.txt: %v", err)
	}
	noLock := !bytes.Contains(info, []byte("contention_begin"))
	t.Logf("kernel has lock:contention_begin: %v", !noLock)
	for _, s := range scenarios {
		sdir := filepath.Join(results, "scenarios", s.Name)
		b, err := os.ReadFile(filepath.Join(sdir, "check.txt"))
		if err != nil {
			t.Fatalf("%s: nfstrace check did not run: %v", s.Name, err)
		}
		var unavailable []string
		var lockLine string // contention_begin's line
		sc := bufio.NewScanner(bytes.NewReader(b))
		inTable := false
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			switch {
			case len(f) >= 2 && f[0] == "PROBE":
				inTable = true
			case inTable && len(f) >= 1 && strings.HasPrefix(f[0], "backend:"):
				inTable = false
			case inTable && len(f) >= 2:
				if f[0] == "contention_begin" {
					lockLine = sc.Text()
				}
				switch f[1] {
				case model.ProbeAttached, model.ProbeFallback:
				case model.ProbeUnavailable:
					if len(f) < 3 {
						t.Errorf("%s: probe %s unavailable without a reason", s.Name, f[0])
					}
					unavailable = append(unavailable, f[0])
				default:
					t.Errorf("%s: probe line %q: unknown status", s.Name, sc.Text())
				}
			}
		}
		t.Logf("%s: unavailable probes: %s", s.Name, strings.Join(unavailable, " "))
		// Without the tracepoints, the lock probe is the slow-path kprobes
		// (a fallback) or unavailable, saying why.
		lockFallback := noLock && strings.Contains(lockLine, model.ProbeFallback) && strings.Contains(lockLine, "kprobe on rwsem_down_write_slowpath")
		if noLock && !lockFallback && !slices.Contains(unavailable, "contention_begin") {
			t.Errorf("%s: the kernel has no lock:contention_begin, but nfstrace check neither probes the slow paths nor says contention_begin is unavailable:\n%s", s.Name, b)
		}
		t.Logf("%s: lock probe: %s", s.Name, strings.Join(strings.Fields(lockLine), " "))
		for _, v := range s.Versions {
			c, err := compare.Load(context.Background(), filepath.Join(sdir, "v"+v, "capture.nft"), false)
			if err != nil {
				t.Errorf("%s v%s: %v", s.Name, v, err)
				continue
			}
			var st string
			for _, p := range c.Meta.Config.Backend.Probes {
				if p.Name == "contention_begin" {
					st = p.Status
				}
			}
			if want := map[bool]string{true: model.ProbeFallback, false: model.ProbeUnavailable}[lockFallback]; noLock && st != want {
				t.Errorf("%s v%s: the capture lists contention_begin as %q, check said %q", s.Name, v, st, want)
			}
		}
	}
}

// checkConsumers runs the host's nfstrace on every capture of the run:
// report, and compare of the capture with itself, must succeed and print.
func checkConsumers(t *testing.T, results string, scenarios []lab.Scenario, nfstrace string) {
	for _, s := range scenarios {
		for _, v := range s.Versions {
			capture := filepath.Join(results, "scenarios", s.Name, "v"+v, "capture.nft")
			for _, args := range [][]string{{"report", capture}, {"compare", capture, capture}} {
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
				out, err := exec.CommandContext(ctx, nfstrace, args...).CombinedOutput()
				cancel()
				if err != nil || len(bytes.TrimSpace(out)) == 0 {
					t.Errorf("nfstrace %s %s v%s: %v\n%s", args[0], s.Name, v, err, out)
					continue
				}
				first, _, _ := bytes.Cut(out, []byte("\n"))
				t.Logf("nfstrace %s %s v%s: %d lines; %s", args[0], s.Name, v, bytes.Count(out, []byte("\n")), first)
			}
		}
	}
}
