package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"

	"github.com/nfstrace/nfstrace/internal/capture"
	"github.com/nfstrace/nfstrace/internal/model"
)

// Wait sites of the two kernels: the same ext4 write path, with the rwsem
// slow path renamed and a compiler clone suffix on the newer kernel.
const (
	oldWriteSite  = "rwsem_down_write_failed;call_rwsem_down_write_failed;down_write;ext4_file_write_iter+0x4b/0x3f0;nfsd_vfs_write [nfsd];nfsd3_proc_write [nfsd];nfsd_dispatch [nfsd];svc_process;nfsd [nfsd];kthread;ret_from_fork"
	newWriteSite  = "rwsem_down_write_slowpath;down_write;ext4_file_write_iter.isra.0;nfsd_vfs_write [nfsd];nfsd3_proc_write [nfsd];nfsd_dispatch [nfsd];svc_process;nfsd [nfsd];kthread;ret_from_fork"
	compareCommit = "io_schedule;wait_on_page_bit_common;__filemap_fdatawait_range;filemap_write_and_wait_range;ext4_sync_file;nfsd_commit [nfsd];nfsd3_proc_commit [nfsd];nfsd_dispatch [nfsd];svc_process;nfsd [nfsd];kthread;ret_from_fork"
)

// compareSnapshots are n seconds of a server: each second 1000 +- 50 NFS
// operations, commits waiting on sda, and writes waiting writeMs on the
// inode rwsem at site. The load varies from second to second, as it does.
func compareSnapshots(n int, site string, writeMs int) []*model.Snapshot {
	base := time.Unix(1_764_000_000, 0)
	var out []*model.Snapshot
	for i := range n {
		ops := uint64(950 + (i*37)%100)
		var w, c, svc model.Hist
		for j := range ops / 10 {
			w.Add(uint64(writeMs)*uint64(time.Millisecond) + j*1000)
			c.Add(uint64(2*time.Millisecond) + j*500)
			svc.Add(uint64(2*time.Millisecond) + j*700)
		}
		out = append(out, &model.Snapshot{
			Start: base.Add(time.Duration(i) * time.Second),
			End:   base.Add(time.Duration(i+1) * time.Second),
			Host: model.Host{
				NFSD: model.NFSD{Running: true, Threads: 64, Ops: []model.OpCount{
					{Proto: "v3", Op: "WRITE", Count: ops / 2}, {Proto: "v3", Op: "COMMIT", Count: ops / 10}, {Proto: "v3", Op: "GETATTR", Count: ops - ops/2 - ops/10},
				}},
				Devices: []model.Device{{Name: "sda", Scheduler: "mq-deadline", WriteIOPS: float64(svc.Count), AwaitMs: float64(svc.Mean()) / 1e6}},
			},
			DState: []model.DState{
				{Comm: "nfsd", WaitSite: model.WaitSite(site), Device: model.NotBlockIO, Scheduler: model.NotBlockIO, Op: "v3 WRITE", Threads: 17, Hist: w},
				{Comm: "nfsd", WaitSite: compareCommit, Device: "sda", Scheduler: "mq-deadline", Op: "v3 COMMIT", Threads: 9, Hist: c},
			},
			Block: []model.Block{{Device: "sda", Scheduler: "mq-deadline", Op: "write", Size: "64K", Service: svc}},
		})
	}
	return out
}

func writeCompareCapture(t *testing.T, name, kernel string, snaps []*model.Snapshot) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	cfg := model.Config{Hostname: "labstore1004", KernelRelease: kernel, CPUs: 32, NFSDThreads: 64,
		Devices: []model.DeviceConfig{{Name: "sda", Scheduler: "mq-deadline"}},
		Backend: model.Backend{Name: "ebpf", Detail: "ebpf (ring buffer)"}, Start: snaps[0].Start}
	writeCaptureFile(t, path, capture.Meta{ToolVersion: "test", Config: cfg, Interval: time.Second}, snaps)
	return path
}

// writeCaptureFile writes a closed capture of snaps to path.
func writeCaptureFile(t *testing.T, path string, meta capture.Meta, snaps []*model.Snapshot) {
	t.Helper()
	w, err := capture.Create(path, meta, capture.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range snaps {
		if err := w.WriteSnapshot(s); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestCompareCommand(t *testing.T) {
	a := writeCompareCapture(t, "4.4.cap", "4.4.0-3-amd64", compareSnapshots(20, oldWriteSite, 50))
	b := writeCompareCapture(t, "4.9.cap", "4.9.0-0.bpo.3-amd64", compareSnapshots(20, newWriteSite, 800))

	io, out, errb := testStdio()
	if err := runCompare(context.Background(), io, []string{a, b, "--details"}); err != nil {
		t.Fatalf("%v\n%s", err, errb)
	}
	text := out.String()
	t.Log("\n" + text)
	for _, want := range []string{
		"VERDICT   Worse:", "waiting for a lock: 5.0ms → 80ms per op", "rwsem_down_write_slowpath ← down_write ← ext4_file_write_iter ← nfsd_vfs_write",
		"rwsem_down_write_failed ← call_rwsem_down_write_failed ← down_write ← ext4_file_write_iter ← … ← nfsd3_proc_write",
		"kernel: 4.4.0-3-amd64 → 4.9.0-0.bpo.3-amd64", "LEAD      kernel 4.4.0-3-amd64 → 4.9.0-0.bpo.3-amd64", "LAYER",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}

	dir := t.TempDir()
	base, after := filepath.Join(dir, "a.pb.gz"), filepath.Join(dir, "b.pb.gz")
	io, out, errb = testStdio()
	if err := runCompare(context.Background(), io, []string{"--format", "json", a, b, "--pprof-base", base, "--pprof", after}); err != nil {
		t.Fatalf("%v\n%s", err, errb)
	}
	var res struct {
		Verdict struct {
			Significant bool
			Layer       string
			Cause       struct{ Kind, Label, Class string }
		}
		DState struct {
			Dimensions []struct {
				Name string
				Rows []struct {
					Label  string
					LabelA string `json:"label_a"`
				}
			}
		} `json:"dstate"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("json: %v\n%s", err, out)
	}
	v := res.Verdict
	if !v.Significant || v.Layer != "lock" || v.Cause.Kind != "lock" || v.Cause.Class != "lock" {
		t.Errorf("verdict %+v", v)
	}
	// The renamed wait site matched: one row with both kernels' labels.
	rows := res.DState.Dimensions[0].Rows
	if len(rows) != 2 || !strings.HasPrefix(rows[0].LabelA, "rwsem_down_write_failed") || !strings.HasPrefix(rows[0].Label, "rwsem_down_write_slowpath") {
		t.Errorf("wait-site rows %+v", rows)
	}

	// The profiles: B's write site holds more delay than A's, under its
	// normalised name (no .isra.0 suffix).
	delay := func(path, fn string) int64 {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		p, err := profile.Parse(f)
		if err != nil {
			t.Fatal(err)
		}
		var ns int64
		for _, s := range p.Sample {
			for _, l := range s.Location {
				if l.Line[0].Function.Name == fn {
					ns += s.Value[1]
					break
				}
			}
		}
		return ns
	}
	if da, db := delay(base, "ext4_file_write_iter"), delay(after, "ext4_file_write_iter"); da == 0 || db <= 10*da {
		t.Errorf("ext4_file_write_iter delay A %d, B %d: want B > 10 A > 0", da, db)
	}
	if gobin, err := exec.LookPath("go"); err == nil {
		cmd := exec.Command(gobin, "tool", "pprof", "-top", "-diff_base", base, after)
		got, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go tool pprof: %v\n%s", err, got)
		}
		if !strings.Contains(string(got), "ext4_file_write_iter") || strings.Contains(string(got), "nfsd_commit") {
			t.Errorf("pprof -diff_base should show the write path and cancel the unchanged commit path:\n%s", got)
		}
	}
}

// TestCompareSameScenario is the false-positive check on the command: two
// recordings of the same load say "No significant change".
func TestCompareSameScenario(t *testing.T) {
	snaps := compareSnapshots(40, newWriteSite, 50)
	a := writeCompareCapture(t, "a.cap", "6.12.9", snaps[:20])
	b := writeCompareCapture(t, "b.cap", "6.12.9", snaps[20:])
	io, out, errb := testStdio()
	if err := runCompare(context.Background(), io, []string{a, b}); err != nil {
		t.Fatalf("%v\n%s", err, errb)
	}
	if !strings.Contains(out.String(), "VERDICT   Neither better nor worse") {
		t.Errorf("want no significant change:\n%s", out)
	}
}

func TestCompareBadInput(t *testing.T) {
	good := writeCompareCapture(t, "good.cap", "6.12.9", compareSnapshots(5, newWriteSite, 50))
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.cap")
	if err := os.WriteFile(garbage, bytes.Repeat([]byte("not a capture "), 10), 0o600); err != nil {
		t.Fatal(err)
	}
	// A capture whose header claims a future version.
	future := filepath.Join(dir, "future.cap")
	b, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	binary.LittleEndian.PutUint16(b[8:], 99)
	if err := os.WriteFile(future, b, 0o600); err != nil {
		t.Fatal(err)
	}
	// A capture damaged in the middle: flip bytes past the metadata.
	damaged := filepath.Join(dir, "damaged.cap")
	b2, _ := os.ReadFile(good)
	for i := len(b2) / 2; i < len(b2)/2+16; i++ {
		b2[i] ^= 0xff
	}
	if err := os.WriteFile(damaged, b2, 0o600); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name  string
		args  []string
		want  string
		usage bool
	}{
		{"missing file", []string{good, filepath.Join(dir, "nope.cap")}, "no such file", false},
		{"not a capture", []string{garbage, good}, "not an nfstrace capture", false},
		{"future version", []string{good, future}, "unsupported capture format version 99", false},
		{"damaged", []string{good, damaged}, "corrupt frame at offset", false},
		{"one file", []string{good}, "2 capture files are required", true},
		{"three files", []string{good, good, good}, "unexpected argument", true},
		{"bad format", []string{good, good, "--format", "xml"}, "--format", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			io, _, errb := testStdio()
			code := run(context.Background(), io, append([]string{"compare"}, tc.args...))
			if code == 0 {
				t.Fatal("no error")
			}
			msg, _, _ := strings.Cut(errb.String(), "\n")
			if !strings.HasPrefix(msg, "nfstrace: compare: ") || !strings.Contains(msg, tc.want) {
				t.Errorf("error %q: want one line nfstrace: compare: ... containing %q", errb.String(), tc.want)
			}
			if isUsage := code == 2; isUsage != tc.usage {
				t.Errorf("usage error = %v, want %v", isUsage, tc.usage)
			}
		})
	}
}

// writeCompare10M writes a capture of 10 M D-state events in 100
// one-second snapshots of the compareSnapshots server.
func writeCompare10M(b *testing.B, name, kernel, site string, writeMs int) string {
	b.Helper()
	const perSnap, nSnaps = 100_000, 100
	path := filepath.Join(b.TempDir(), name)
	snaps := compareSnapshots(nSnaps, site, writeMs)
	cfg := model.Config{Hostname: "bench", KernelRelease: kernel, Backend: model.Backend{Name: "ebpf"}}
	w, err := capture.Create(path, capture.Meta{ToolVersion: "bench", Config: cfg, Interval: time.Second}, capture.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	evs := make([]model.DEvent, perSnap)
	for i, s := range snaps {
		for j := range evs {
			k := i*perSnap + j
			evs[j] = model.DEvent{Start: s.Start.UnixNano() + int64(j)*10_000, Dur: uint64(1e6 + (k*7919)%999_000_000),
				TID: uint32(2000 + k%64), PID: uint32(2000 + k%64), Comm: "nfsd", Site: model.WaitSite(site), Op: "v3 WRITE"}
		}
		s.Events = evs
		if err := w.WriteSnapshot(s); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkCompareCommand10M runs `nfstrace compare` (table and JSON) on two
// captures of 10 M D-state events each.
func BenchmarkCompareCommand10M(b *testing.B) {
	a := writeCompare10M(b, "a.cap", "4.4.0-3-amd64", oldWriteSite, 50)
	c := writeCompare10M(b, "b.cap", "4.9.0-0.bpo.3-amd64", newWriteSite, 800)
	// The same files cut short of their footer, as kill -9 leaves them:
	// no index, so the reader walks every frame.
	cut := func(path string) string {
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		r, err := capture.Open(path, capture.ReadOptions{SkipEvents: true})
		if err != nil {
			b.Fatal(err)
		}
		idx := r.Index()
		r.Close()
		if idx == nil {
			b.Fatal("no index")
		}
		off := idx.Entries[len(idx.Entries)-1].Offset // the last snapshot frame
		out := path + ".cut"
		// Keep everything up to the index frame: the last entry is the
		// last data frame, and the footer starts right after it.
		end := off
		for end < int64(len(data)) && !bytes.Equal(data[end:end+3], []byte{0xf2, 0x9c, byte(capture.FrameIndex)}) {
			end++
		}
		if err := os.WriteFile(out, data[:end], 0o600); err != nil {
			b.Fatal(err)
		}
		r, err = capture.Open(out, capture.ReadOptions{SkipEvents: true})
		if err != nil {
			b.Fatal(err)
		}
		defer r.Close()
		if r.Index() != nil {
			b.Fatal("the cut file still has its index")
		}
		return out
	}
	for _, x := range []string{a, c} {
		fi, err := os.Stat(x)
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("%s: %d bytes", filepath.Base(x), fi.Size())
	}
	ac, cc := cut(a), cut(c)
	for _, tc := range []struct {
		name  string
		files []string
	}{
		{"table", []string{a, c}},
		{"json", []string{a, c, "--format", "json"}},
		{"no-index/table", []string{ac, cc}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for range b.N {
				quiet := stdio{out: io.Discard, err: io.Discard}
				if err := runCompare(context.Background(), quiet, tc.files); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestComparePprofOverwrite: --pprof-base and --pprof refuse an existing
// file without --force, before any work, and never write through a link.
func TestComparePprofOverwrite(t *testing.T) {
	a := writeCompareCapture(t, "a.cap", "6.1.0", compareSnapshots(5, oldWriteSite, 50))
	b := writeCompareCapture(t, "b.cap", "6.12.0", compareSnapshots(5, newWriteSite, 80))
	dir := t.TempDir()
	victim, link, fresh := filepath.Join(dir, "victim"), filepath.Join(dir, "link.pb.gz"), filepath.Join(dir, "new.pb.gz")
	if err := os.WriteFile(victim, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, link); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--pprof-base", victim}, "compare: " + victim + ": file exists (use --force to overwrite)"},
		{[]string{"--pprof-base", fresh, "--pprof", link, "--force"}, "compare: " + link + " is a symbolic link; not following it (remove it or write elsewhere)"},
	}
	for _, tt := range tests {
		io, out, _ := testStdio()
		err := runCompare(context.Background(), io, append([]string{a, b}, tt.args...))
		if err == nil || err.Error() != tt.want {
			t.Errorf("compare %q: %v, want %q", tt.args, err, tt.want)
		}
		if out.Len() != 0 {
			t.Errorf("compare %q printed a comparison before refusing its outputs", tt.args)
		}
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep" {
		t.Errorf("victim changed: %q", b)
	}
	if _, err := os.Lstat(fresh); err == nil {
		t.Errorf("%s was written although the other output was refused", fresh)
	}
}
