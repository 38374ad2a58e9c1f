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

// klogWant is a kernel message template the device-error scenario must
// make the guest's kernel log while nfstrace records.
type klogWant struct{ class, template string }

// failTemplates are templates the kernel logged in every device-error run
// on both lab kernels (Debian's 6.1 and 6.12), within seconds of the
// failure: ext4's failed data writeback, then jbd2 aborting the journal at
// its next commit. docs/lab.md lists everything they logged, some of it
// depending on which write met the error first.
var failTemplates = []klogWant{
	{model.KlogBlock, "Buffer I/O error on device DEV, logical block N"},
	{model.KlogFS, "EXT4-fs warning (device DEV): ext4_end_bio:N: I/O error N writing to inode N starting block N)"},
	{model.KlogFS, "Aborting journal on device DEV."},
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
		counts := map[klogWant]uint64{}
		for _, sn := range readSnapshots(t, path) {
			if sn.Kernel == nil {
				continue
			}
			for _, k := range sn.Kernel.Templates {
				counts[klogWant{k.Class, k.Template}] += k.Count
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
		steps := map[klogWant]uint64{}
		for _, row := range sum.Series {
			for _, k := range row.Kernel {
				steps[klogWant{k.Class, k.Template}] += k.Count
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
		got := map[klogWant]compare.KernelChange{}
		for _, k := range res.Kernel.Templates {
			got[klogWant{k.Class, k.Template}] = k
		}
		for _, w := range failTemplates {
			k, ok := got[w]
			if !ok || k.Status != compare.KernelAppeared || k.A != 0 || k.B == 0 {
				t.Errorf("compare baseline → %s: %s %q: %+v, want it appeared", s.Name, w.class, w.template, k)
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
func wantCounted(t *testing.T, where string, got map[klogWant]uint64) {
	t.Helper()
	for _, w := range failTemplates {
		if got[w] == 0 {
			t.Errorf("%s: no %s message %q logged during the run; it counts %v", where, w.class, w.template, got)
		}
	}
}

// kernelRows counts the messages of a report or top kernel log by template.
func kernelRows(k *report.KernelLogSummary) map[klogWant]uint64 {
	rows := map[klogWant]uint64{}
	for _, r := range k.Rows {
		rows[klogWant{r.Class, r.Template}] += r.Count
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
