package lab_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/capture"
	"github.com/nfstrace/nfstrace/internal/compare"
	"github.com/nfstrace/nfstrace/internal/model"
	"github.com/nfstrace/nfstrace/internal/report"
	"github.com/nfstrace/nfstrace/lab"
)

// klogWant is a kernel message the device-error scenario must make the
// guest's kernel log while nfstrace records: a class and the start of a
// template, since the kernels word one failure more than one way.
type klogWant struct{ class, prefix string }

// failTemplates are messages the kernel logged in every device-error run on
// both lab kernels (Debian's 6.1 and 6.12), within seconds of the failure: a
// failed buffer write (ext4's data writeback "on device DEV, logical block
// N", or a synchronous write "on dev DEV, logical block N, lost sync page
// write", whichever met the error first), then jbd2 aborting the journal at
// its next commit and failing to update its superblock. docs/lab.md lists
// everything they logged.
var failTemplates = []klogWant{
	{model.KlogBlock, "Buffer I/O error on dev"},
	{model.KlogFS, "Aborting journal on device DEV."},
	{model.KlogFS, "JBD2: I/O error when updating journal superblock for DEV."},
}

// matches reports whether a template of class is one w wants.
func (w klogWant) matches(class, template string) bool {
	return class == w.class && strings.HasPrefix(template, w.prefix)
}

// checkKernelLog checks, for a scenario whose device fails, that the
// kernel's messages about it are in nfstrace's views: the capture's kernel
// log frames, `report`, `top`, and `compare` against the baseline capture
// of the same boot, where they appear.
func checkKernelLog(t *testing.T, nfstrace, sdir, basedir string, s lab.Scenario) {
	v := s.Versions[0]
	vdir := filepath.Join(sdir, "v"+v)
	path := filepath.Join(vdir, "capture.nft")

	t.Run("capture", func(t *testing.T) {
		counts := map[klogKey]uint64{}
		for _, sn := range readSnapshots(t, path) {
			if sn.Kernel == nil {
				continue
			}
			for _, k := range sn.Kernel.Templates {
				counts[klogKey{k.Class, k.Template}] += k.Count
			}
		}
		wantCounted(t, "the capture's kernel-log frames", counts)
	})

	t.Run("report", func(t *testing.T) {
		var sum report.Summary
		runJSON(t, &sum, nfstrace, "report", "--format", "json", path)
		if sum.Overall == nil || sum.Overall.Kernel == nil {
			t.Fatalf("report has no kernel log")
		}
		wantCounted(t, "report (overall)", kernelRows(sum.Overall.Kernel))
		steps := map[klogKey]uint64{}
		for _, row := range sum.Series {
			for _, k := range row.Kernel {
				steps[klogKey{k.Class, k.Template}] += k.Count
			}
		}
		wantCounted(t, "report's series", steps)
	})

	t.Run("top", func(t *testing.T) {
		f := readFrame(t, vdir)
		if f.Kernel == nil {
			t.Fatalf("top shows no kernel log")
		}
		// top's screen shows the latest few templates, its JSON all
		// of them.
		wantCounted(t, "top", kernelRows(f.Kernel))
	})

	t.Run("compare", func(t *testing.T) {
		base := filepath.Join(basedir, "v"+v, "capture.nft")
		var res compare.Result
		runJSON(t, &res, nfstrace, "compare", "--format", "json", base, path)
		if res.Kernel == nil {
			t.Fatalf("compare has no kernel log")
		}
		for _, w := range failTemplates {
			var seen []compare.KernelChange
			appeared := false
			for _, k := range res.Kernel.Templates {
				if !w.matches(k.Class, k.Template) {
					continue
				}
				seen = append(seen, k)
				if k.Status == compare.KernelAppeared && k.A == 0 && k.B > 0 {
					appeared = true
				}
			}
			if !appeared {
				t.Errorf("compare baseline → %s: %s %q...: %+v, want one that appeared", s.Name, w.class, w.prefix, seen)
			}
		}
		out := runOut(t, nfstrace, "compare", base, path)
		if !strings.Contains(out, "new in B") {
			t.Errorf("compare's screen says no kernel message is new in B:\n%s", out)
		}
	})
}

// wantCounted fails the test for each of failTemplates that got, counts by
// template, does not count.
func wantCounted(t *testing.T, where string, got map[klogKey]uint64) {
	t.Helper()
	for _, w := range failTemplates {
		var n uint64
		for k, c := range got {
			if w.matches(k.class, k.template) {
				n += c
			}
		}
		if n == 0 {
			t.Errorf("%s: no %s message %q... logged during the run; it counts %v", where, w.class, w.prefix, got)
		}
	}
}

// klogKey is one template of a class, as nfstrace's views count them.
type klogKey struct{ class, template string }

// kernelRows counts the messages of a report or top kernel log by template.
func kernelRows(k *report.KernelLogSummary) map[klogKey]uint64 {
	rows := map[klogKey]uint64{}
	for _, r := range k.Rows {
		rows[klogKey{r.Class, r.Template}] += r.Count
	}
	return rows
}

// readSnapshots reads every snapshot of a capture.
func readSnapshots(t *testing.T, path string) []*model.Snapshot {
	t.Helper()
	r, err := capture.Open(path, capture.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var snaps []*model.Snapshot
	for {
		s, err := r.Next()
		if errors.Is(err, io.EOF) {
			return snaps
		}
		if err != nil {
			t.Fatalf("read %s: %v", path, err)
		}
		snaps = append(snaps, s)
	}
}

// runOut runs the nfstrace binary on the host and returns its output.
func runOut(t *testing.T, nfstrace string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, nfstrace, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("nfstrace %s: %v: %s", strings.Join(args, " "), err, errb.String())
	}
	return out.String()
}

func runJSON(t *testing.T, v any, nfstrace string, args ...string) {
	t.Helper()
	if err := json.Unmarshal([]byte(runOut(t, nfstrace, args...)), v); err != nil {
		t.Fatalf("nfstrace %s: %v", strings.Join(args, " "), err)
	}
}
