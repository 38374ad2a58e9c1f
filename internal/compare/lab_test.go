package compare

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nfstrace/nfstrace/internal/testenv"
)

// Real captures from the lab (lab/, docs/lab.md, testdata/captures/README.md):
// `nfstrace record` inside a QEMU guest running Debian's kernels and
// nfs-kernel-server, one file per kernel, scenario (lab/scenarios) and NFS
// version, named KERNEL-SCENARIO-vVERSION.nft; further runs of a scenario
// end in -run2.nft, -run3.nft.
const labDir = "../../testdata/captures"

var labKernels = []string{"6.1", "6.12"}

// labCapture loads a lab capture; a missing one skips the test (and fails it
// under NFSTRACE_STRICT=1: the files are committed, so missing means broken).
func labCapture(t *testing.T, name string) *Capture {
	t.Helper()
	p := filepath.Join(labDir, name+".nft")
	if _, err := os.Stat(p); err != nil {
		testenv.Skip(t, "no lab capture "+p+" (lab/captures.sh records them)")
	}
	c, err := Load(context.Background(), p, false)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestLabSameScenario: two runs of one scenario on one kernel, under the same
// host conditions, give no significant change (the false-positive check on
// real data). Run 1 of baseline is not used: it was recorded while the host
// was far busier, and its guest really was 2-3x slower (README).
func TestLabSameScenario(t *testing.T) {
	for _, k := range labKernels {
		t.Run(k, func(t *testing.T) {
			a, b := labCapture(t, k+"-baseline-v4.2-run2"), labCapture(t, k+"-baseline-v4.2-run3")
			res, err := Compare(a, b, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Verdict.Significant {
				t.Errorf("two runs of baseline on %s: %s", k, res.Verdict.Summary)
			}
		})
	}
}

// TestLabInjectedCause: each injected cause ranks first against a capture
// of the same load without it, on both kernels and both NFS versions: the
// slow device against baseline, writeback throttling against baseline-write
// (writeback-throttle's write-heavy load with the default dirty limits).
// One exception, in what the data shows: on 6.1 the tiny dirty limits show
// mostly as nfsd's COMMITs waiting for jbd2 commits (59% and 94% of the
// rise), balance_dirty_pages second (21-25%, p<0.001); on 6.12 the latter
// leads (57% and 77%). There the verdict must still place the time above
// the block layer, give writeback as the cause (the only changes that can
// move the journal layer act on it through writeback), name the dirty
// sysctls as the lead, and show the writeback site's own significant rise.
func TestLabInjectedCause(t *testing.T) {
	for _, k := range labKernels {
		for _, v := range []string{"v3", "v4.2"} {
			for _, tc := range []struct {
				reference string
				scenario  string
				cause     string
				key       string // the cause's key, "" for any
				class     string
				journal   bool // a filesystem journal wait may lead instead (see above)
			}{
				// dm-delay under the export: the device (dm-0), not vda or the scheduler.
				{"baseline", "slow-device", CauseDevice, "dm-0", "", false},
				// a tiny vm.dirty_bytes: writeback throttling above the block layer.
				{"baseline-write", "writeback-throttle", CauseWriteback, "", ClassWriteback, k == "6.1"},
			} {
				t.Run(k+"/"+v+"/"+tc.scenario, func(t *testing.T) {
					a := labCapture(t, k+"-"+tc.reference+"-"+v)
					b := labCapture(t, k+"-"+tc.scenario+"-"+v)
					res, err := Compare(a, b, Options{})
					if err != nil {
						t.Fatal(err)
					}
					if a := res.Verdict.Diagnosis.Aside; !res.Verdict.Significant && a != nil && tc.class != "" {
						// The users' time did not change significantly (the
						// guest is CPU bound: nfsd threads in D leave the CPU
						// to others), but the layer moved with its setting.
						if (a.Kind != tc.class && !(tc.journal && a.Kind == ClassJournal)) || !strings.Contains(res.Verdict.Summary, "vm.dirty_bytes") {
							t.Errorf("aside %+v does not name the layer and the dirty sysctls: %s", a, res.Verdict.Summary)
						}
						return
					}
					c := res.Verdict.Cause
					class, cause := tc.class, tc.cause
					if tc.journal && c != nil && c.Class == ClassJournal {
						// The dirty limits are the only changes that can
						// move the journal layer, through writeback: the
						// cause is writeback (throughWriteback).
						class = ClassJournal
						if !siteRose(res, ClassWriteback) {
							t.Errorf("no writeback wait site with a significant rise:\n%s", res.Verdict.Summary)
						}
					}
					if !res.Verdict.Significant || c == nil || c.Kind != cause ||
						(tc.key != "" && c.Key != tc.key) || (class != "" && c.Class != class) {
						t.Errorf("cause %+v, want %s %s %s\n%s", c, cause, tc.key, class, res.Verdict.Summary)
					}
					if c != nil && class != "" && !AboveBlockLayer(c.Class) {
						t.Errorf("%s not placed above the block layer: %s", c.Class, res.Verdict.Layer)
					}
					if tc.class == ClassWriteback && !strings.Contains(res.Verdict.Lead, "vm.dirty_bytes") {
						t.Errorf("lead %q does not name the dirty sysctls", res.Verdict.Lead)
					}
				})
			}
		}
	}
}

// siteRose reports whether a wait site of class rose significantly.
func siteRose(res *Result, class string) bool {
	if res.DTime == nil || len(res.DTime.Dimensions) == 0 {
		return false
	}
	for _, r := range res.DTime.Dimensions[0].Rows {
		if r.Class == class && r.Change.Significant && r.B > r.A {
			return true
		}
	}
	return false
}

// TestLabSchedulerChange: the sched-* scenarios (stable NFSv4.2 writes to a
// null_blk that takes one 1 ms request at a time) under none, kyber and bfq
// against mq-deadline. The scheduler switch is listed first among what
// changed. none against mq-deadline changes the device's await significantly
// on both kernels, and the verdict names the scheduler change as the cause.
// kyber makes no significant difference; in these captures bfq raised
// nfsd's waits for jbd2 commits (60% on 6.1, where the device's latency did
// not move significantly, 2x on 6.12, where it did; another run showed no
// significant change, docs/lab.md): there the cause is the scheduler, or a
// wait site with the scheduler change as the lead. Nothing else may be
// blamed. (On the virtio disk the first recordings used, no scheduler made a
// difference at all: docs/lab.md.)
func TestLabSchedulerChange(t *testing.T) {
	for _, k := range labKernels {
		for _, s := range []string{"none", "kyber", "bfq"} {
			t.Run(k+"/"+s, func(t *testing.T) {
				a := labCapture(t, k+"-sched-mq-deadline-v4.2")
				b := labCapture(t, k+"-sched-"+s+"-v4.2")
				res, err := Compare(a, b, Options{})
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Config) == 0 || res.Config[0].Item != "scheduler nullb0" ||
					res.Config[0].A != "mq-deadline" || res.Config[0].B != s {
					t.Errorf("scheduler change not listed first: %+v", res.Config)
				}
				v := res.Verdict
				schedCause := v.Cause != nil && v.Cause.Kind == CauseScheduler && v.Cause.Key == "nullb0"
				asideSched := v.Diagnosis.AsideDevice != nil && v.Diagnosis.AsideDevice.Device == "nullb0" &&
					strings.Contains(v.Summary, "IO scheduler change on nullb0")
				if s == "none" && !(v.Significant && schedCause) && !asideSched {
					t.Errorf("none against mq-deadline: cause %+v, want the scheduler of nullb0: %s", v.Cause, v.Summary)
				}
				leadSched := strings.Contains(v.Lead, "scheduler nullb0")
				if v.Significant && !schedCause && !leadSched {
					t.Errorf("blames %+v (lead %q) for a scheduler switch: %s", v.Cause, v.Lead, v.Summary)
				}
			})
		}
	}
}

// TestLabKernels: 6.1 against 6.12 compares: the kernel change is listed
// first and wait sites match across the kernels by function names.
func TestLabKernels(t *testing.T) {
	a, b := labCapture(t, "6.1-baseline-v4.2"), labCapture(t, "6.12-baseline-v4.2")
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
