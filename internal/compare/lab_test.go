package compare

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Real captures from the lab (lab/, docs/lab.md): `nfstrace record` inside a
// QEMU guest running Debian's kernels and nfs-kernel-server, one file per
// kernel, scenario (lab/scenarios) and run, named KERNEL-SCENARIO-RUN.cap
// (for example 6.12-baseline-1.cap, 6.12-baseline-2.cap,
// 6.12-slow-device-1.cap); "KERNEL-SCENARIO.cap" counts as run 1.
const labDir = "../../testdata/captures"

func labCapture(t *testing.T, kernel, scenario string, run int) *Capture {
	t.Helper()
	names := []string{kernel + "-" + scenario + "-" + strconv.Itoa(run) + ".cap"}
	if run == 1 {
		names = append(names, kernel+"-"+scenario+".cap")
	}
	for _, n := range names {
		p := filepath.Join(labDir, n)
		if _, err := os.Stat(p); err != nil {
			continue
		}
		c, err := Load(context.Background(), p, false)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	return nil
}

func labKernels(t *testing.T) []string {
	files, _ := filepath.Glob(filepath.Join(labDir, "*-baseline*.cap"))
	seen := map[string]bool{}
	var ks []string
	for _, f := range files {
		k, _, _ := strings.Cut(filepath.Base(f), "-baseline")
		if !seen[k] {
			seen[k] = true
			ks = append(ks, k)
		}
	}
	if len(ks) == 0 {
		t.Skipf("no lab captures in %s (the lab records them: see docs/lab.md)", labDir)
	}
	return ks
}

// TestLabSameScenario: two runs of one scenario on one kernel give no
// significant change.
func TestLabSameScenario(t *testing.T) {
	for _, k := range labKernels(t) {
		for _, sc := range []string{"baseline", "slow-device", "writeback-throttle", "sched-mq-deadline", "sched-bfq"} {
			a, b := labCapture(t, k, sc, 1), labCapture(t, k, sc, 2)
			if a == nil || b == nil {
				continue
			}
			t.Run(k+"/"+sc, func(t *testing.T) {
				res, err := Compare(a, b, Options{})
				if err != nil {
					t.Fatal(err)
				}
				if res.Verdict.Significant {
					t.Errorf("two runs of %s: %s", sc, res.Verdict.Summary)
				}
			})
		}
	}
}

// TestLabInjectedCause: each injected cause ranks first against its
// reference.
func TestLabInjectedCause(t *testing.T) {
	for _, k := range labKernels(t) {
		for _, tc := range []struct {
			scenario, reference string
			dimension, class    string
		}{
			{"slow-device", "baseline", "device", ""},
			{"writeback-throttle", "baseline", "wait site", ClassWriteback},
			{"sched-bfq", "sched-mq-deadline", "scheduler", ""},
			{"sched-kyber", "sched-mq-deadline", "scheduler", ""},
			{"sched-none", "sched-mq-deadline", "scheduler", ""},
		} {
			a, b := labCapture(t, k, tc.reference, 1), labCapture(t, k, tc.scenario, 1)
			if a == nil || b == nil {
				continue
			}
			t.Run(k+"/"+tc.scenario, func(t *testing.T) {
				res, err := Compare(a, b, Options{})
				if err != nil {
					t.Fatal(err)
				}
				v := res.Verdict
				if !v.Significant || v.Cause == nil || v.Cause.Dimension != tc.dimension || (tc.class != "" && v.Cause.Class != tc.class) {
					t.Errorf("%s against %s: cause %+v, want %s %s\n%s", tc.scenario, tc.reference, v.Cause, tc.dimension, tc.class, v.Summary)
				}
			})
		}
	}
}

// TestLabKernels: 6.1 against 6.12 compares: the kernel change is listed
// and wait sites match across the kernels.
func TestLabKernels(t *testing.T) {
	labKernels(t)
	a, b := labCapture(t, "6.1", "baseline", 1), labCapture(t, "6.12", "baseline", 1)
	if a == nil || b == nil {
		t.Skip("no 6.1 and 6.12 baseline captures")
	}
	res, err := Compare(a, b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Config) == 0 || res.Config[0].Item != "kernel" {
		t.Errorf("config changes %+v: want the kernel first", res.Config)
	}
	if res.DTime == nil {
		t.Fatal("no D-state breakdown")
	}
	matched := 0
	for _, r := range res.DTime.Dimensions[0].Rows {
		if r.A > 0 && r.B > 0 {
			matched++
		}
	}
	if matched == 0 {
		t.Errorf("no wait site matched across 6.1 and 6.12")
	}
}
