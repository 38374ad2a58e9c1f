package report

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/pprof/profile"

	"github.com/nfstrace/nfstrace/internal/model"
)

func TestProfileParsesBack(t *testing.T) {
	const n = 3
	window := busyWindow(n)
	var buf bytes.Buffer
	if err := WritePprof(&buf, busyConfig(), window); err != nil {
		t.Fatal(err)
	}
	p, err := profile.Parse(&buf)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if len(p.SampleType) != 2 || p.SampleType[0].Type != "count" || p.SampleType[0].Unit != "count" ||
		p.SampleType[1].Type != "delay" || p.SampleType[1].Unit != "nanoseconds" || p.DefaultSampleType != "delay" {
		t.Errorf("sample types %v default %q, want count/count, delay/nanoseconds, default delay", p.SampleType, p.DefaultSampleType)
	}
	// One sample per wait site and label set; values sum the histograms.
	if len(p.Sample) != 2 {
		t.Fatalf("%d samples, want 2", len(p.Sample))
	}
	var wantCount, wantNs, gotCount, gotNs int64
	for _, s := range window {
		for _, d := range s.DState {
			wantCount += int64(d.Hist.Count)
			wantNs += int64(d.Hist.SumNs)
		}
	}
	for _, s := range p.Sample {
		gotCount += s.Value[0]
		gotNs += s.Value[1]
	}
	if gotCount != wantCount || gotNs != wantNs {
		t.Errorf("totals %d intervals %d ns, want %d and %d", gotCount, gotNs, wantCount, wantNs)
	}

	var commit *profile.Sample
	for _, s := range p.Sample {
		if s.Location[0].Line[0].Function.Name == "__schedule" && len(s.Location) == len(stackCommit.Frames()) {
			commit = s
		}
	}
	if commit == nil {
		t.Fatalf("no sample with the commit stack (leaf __schedule, %d frames)", len(stackCommit.Frames()))
	}
	for key, want := range map[string]string{
		LabelKernel: "4.9.0-0.bpo.3-amd64", LabelComm: "nfsd", LabelOp: "COMMIT",
		LabelDevice: "sda", LabelScheduler: "deadline",
	} {
		if got := commit.Label[key]; len(got) != 1 || got[0] != want {
			t.Errorf("label %s = %q, want %q", key, got, want)
		}
	}
	// Frames keep their module as the function's file.
	files := map[string]string{}
	for _, l := range commit.Location {
		f := l.Line[0].Function
		files[f.Name] = f.Filename
	}
	if files["nfsd_commit"] != "[nfsd]" || files["io_schedule"] != "[kernel.kallsyms]" || files["svc_process"] != "[sunrpc]" {
		t.Errorf("function files = %v", files)
	}
	// A frame shared by both stacks is one function and one location.
	names := map[string]int{}
	for _, f := range p.Function {
		names[f.Name+" "+f.Filename]++
	}
	for k, c := range names {
		if c > 1 {
			t.Errorf("function %s appears %d times", k, c)
		}
	}
}

func TestProfileEmptyAndErrors(t *testing.T) {
	p, err := Profile(idleConfig(), []*model.Snapshot{idleSnapshot()})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Sample) != 0 || p.CheckValid() != nil {
		t.Errorf("profile without D-state: %d samples, valid: %v", len(p.Sample), p.CheckValid())
	}
	if _, err := Profile(idleConfig(), nil); err == nil {
		t.Error("no snapshots: no error")
	}
}

// TestGoToolPprof opens the files with the real tool: -top on one, and
// -diff_base between a capture on one kernel and on another.
func TestGoToolPprof(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go is not on PATH; the parse-back test still checks the format")
	}
	dir := t.TempDir()
	write := func(name string, cfg model.Config, snaps []*model.Snapshot) string {
		path := filepath.Join(dir, name)
		var buf bytes.Buffer
		if err := WritePprof(&buf, cfg, snaps); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	after := write("after.pb.gz", busyConfig(), busyWindow(3))
	// The "before" kernel: the same server with the write wait site ten times shorter.
	beforeCfg := busyConfig()
	beforeCfg.KernelRelease = "4.4.0-3-amd64"
	before := busyWindow(3)
	for _, s := range before {
		s.DState[0].Hist = hist(20, 82_000_000)
	}
	base := write("before.pb.gz", beforeCfg, before)

	run := func(args ...string) string {
		cmd := exec.Command(gobin, append([]string{"tool", "pprof"}, args...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go tool pprof %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	top := run("-top", after)
	for _, want := range []string{"Type: delay", "nfsd_commit", "rwsem_down_write_failed", "io_schedule"} {
		if !strings.Contains(top, want) {
			t.Errorf("pprof -top lacks %q:\n%s", want, top)
		}
	}
	diff := run("-top", "-diff_base", base, after)
	if !strings.Contains(diff, "rwsem_down_write_failed") {
		t.Errorf("pprof -diff_base lacks the changed wait site:\n%s", diff)
	}
	// Only the write site changed: the commit stack cancels out and pprof
	// leaves its frames out of the diff.
	if strings.Contains(diff, "nfsd_commit") {
		t.Errorf("nfsd_commit did not cancel out in the diff:\n%s", diff)
	}
	tags := run("-tags", after)
	for _, want := range []string{"scheduler", "deadline", "nfs_op", "COMMIT", "kernel", "4.9.0-0.bpo.3-amd64"} {
		if !strings.Contains(tags, want) {
			t.Errorf("pprof -tags lacks %q:\n%s", want, tags)
		}
	}
}

// TestProfileBuilderOrder adds the same snapshots in two orders: a capture
// read in any order gives the same file.
func TestProfileBuilderOrder(t *testing.T) {
	snaps := busyWindow(5)
	write := func(order []int) []byte {
		b := NewProfileBuilder()
		for _, i := range order {
			if err := b.Add(snaps[i]); err != nil {
				t.Fatal(err)
			}
		}
		var buf bytes.Buffer
		if err := b.Write(&buf, busyConfig()); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	if a, b := write([]int{0, 1, 2, 3, 4}), write([]int{3, 1, 4, 0, 2}); !bytes.Equal(a, b) {
		t.Error("the profile depends on the order the snapshots were added in")
	}
	if err := NewProfileBuilder().Write(io.Discard, busyConfig()); err == nil {
		t.Error("profile of no snapshots: no error")
	}
	if err := NewProfileBuilder().Add(nil); err == nil {
		t.Error("nil snapshot: no error")
	}
}
