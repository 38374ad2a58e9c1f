package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/compare"
	"github.com/nfstrace/nfstrace/internal/host"
	"github.com/nfstrace/nfstrace/internal/model"
	"github.com/nfstrace/nfstrace/internal/report"
	"github.com/nfstrace/nfstrace/internal/sampler"
	"github.com/nfstrace/nfstrace/internal/testenv"
)

const (
	hungTimeout  = "/proc/sys/kernel/hung_task_timeout_secs"
	hungWarnings = "/proc/sys/kernel/hung_task_warnings"
)

// setSysctl writes v to the sysctl file p and restores its value when the
// test ends.
func setSysctl(t *testing.T, p, v string) {
	t.Helper()
	old, err := os.ReadFile(p)
	if err != nil {
		testenv.Skip(t, fmt.Sprintf("kernel without %s: %v", p, err))
	}
	if err := os.WriteFile(p, []byte(v), 0o644); err != nil {
		t.Fatalf("set %s: %v", p, err)
	}
	t.Cleanup(func() {
		if err := os.WriteFile(p, old, 0o644); err != nil {
			t.Errorf("restore %s to %s: %v", p, strings.TrimSpace(string(old)), err)
		}
	})
}

// sh runs a command the test needs, failing on error.
func sh(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// frozenExt4 mounts a loop-backed ext4 under a temporary directory and
// returns the mount point and the functions that freeze and thaw it; the
// cleanup thaws, unmounts and detaches whatever was set up.
func frozenExt4(t *testing.T) (mnt string, freeze, thaw func()) {
	t.Helper()
	for _, tool := range []string{"mkfs.ext4", "losetup", "mount", "umount", "fsfreeze", "dd"} {
		if _, err := exec.LookPath(tool); err != nil {
			testenv.Skip(t, "needs "+tool)
		}
	}
	dir := t.TempDir()
	img := filepath.Join(dir, "fs.img")
	mnt = filepath.Join(dir, "mnt")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(img, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(img, 256<<20); err != nil {
		t.Fatal(err)
	}
	sh(t, "mkfs.ext4", "-q", "-F", img)
	out, err := exec.Command("losetup", "-f", "--show", img).CombinedOutput()
	if err != nil {
		testenv.Skip(t, fmt.Sprintf("no loop device: %v: %s", err, out))
	}
	loop := strings.TrimSpace(string(out))
	t.Cleanup(func() { _ = exec.Command("losetup", "-d", loop).Run() })
	sh(t, "mount", loop, mnt)
	frozen := false
	thaw = func() {
		if frozen {
			if out, err := exec.Command("fsfreeze", "-u", mnt).CombinedOutput(); err != nil {
				t.Errorf("fsfreeze -u %s: %v: %s", mnt, err, out)
			}
			frozen = false
		}
	}
	t.Cleanup(func() {
		thaw()
		// the writer may need a moment to leave the file system
		for range 50 {
			if exec.Command("umount", mnt).Run() == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Errorf("could not unmount %s", mnt)
	})
	freeze = func() { sh(t, "fsfreeze", "-f", mnt); frozen = true }
	return mnt, freeze, thaw
}

// TestKernelLogHungTask freezes a loop-backed ext4 under a running writer
// with a 2 s hung-task timeout, and looks for the kernel's hung-task report,
// with its stack, in top, in a capture and in a comparison with a capture of
// the same host without the freeze.
func TestKernelLogHungTask(t *testing.T) {
	testenv.RequireRoot(t)
	if _, err := os.Stat(hungTimeout); err != nil {
		testenv.Skip(t, "kernel without the hung-task detector (no "+hungTimeout+")")
	}
	if f, err := os.Open("/dev/kmsg"); err != nil {
		testenv.Skip(t, fmt.Sprintf("cannot read the kernel log: %v", err))
	} else {
		f.Close()
	}
	dir := t.TempDir()
	ctx := context.Background()
	src := []string{"--backend", "procfs", "--interval", "1s"}

	// A: this host as it is, with the usual timeout.
	pathA := filepath.Join(dir, "a.nft")
	io, _, errb := testStdio()
	if err := runRecord(ctx, io, append([]string{"-o", pathA, "--duration", "4s"}, src...)); err != nil {
		t.Fatalf("record A: %v\n%s", err, errb)
	}

	// B: a writer stuck on a frozen file system, reported after 2 s.
	mnt, freeze, thaw := frozenExt4(t)
	dd := exec.Command("dd", "if=/dev/zero", "of="+filepath.Join(mnt, "f"), "bs=4k", "count=20000", "oflag=dsync", "status=none")
	if err := dd.Start(); err != nil {
		t.Fatal(err)
	}
	ddDone := make(chan error, 1)
	go func() { ddDone <- dd.Wait() }()
	t.Cleanup(func() {
		// dd sleeps in D on the frozen file system until it is thawed
		thaw()
		_ = dd.Process.Kill()
		<-ddDone
	})
	time.Sleep(300 * time.Millisecond) // let dd write before the freeze
	setSysctl(t, hungWarnings, "-1")
	setSysctl(t, hungTimeout, "2")
	freeze()
	pathB := filepath.Join(dir, "b.nft")
	io, _, errb = testStdio()
	// The detector looks every 2 s at tasks blocked longer than 2 s: within
	// 7 s it has reported dd at least once.
	if err := runRecord(ctx, io, append([]string{"-o", pathB, "--duration", "7s"}, src...)); err != nil {
		t.Fatalf("record B: %v\n%s", err, errb)
	}
	pid := strconv.Itoa(dd.Process.Pid)

	// top, still frozen: the report is among the last messages.
	io, out, errb := testStdio()
	if err := runTop(ctx, io, append([]string{"--once", "--format", "json"}, src...)); err != nil {
		t.Fatalf("top: %v\n%s", err, errb)
	}
	var f report.Frame
	if err := json.Unmarshal(out.Bytes(), &f); err != nil {
		t.Fatalf("top json: %v", err)
	}
	var topRow *report.KernelRow
	if f.Kernel != nil {
		for i, r := range f.Kernel.Rows {
			if r.Class == model.KlogHungTask && strings.Contains(r.Example, "task dd:"+pid+" ") {
				topRow = &f.Kernel.Rows[i]
			}
		}
	}
	if topRow == nil {
		t.Fatalf("top shows no hung-task report of dd (pid %s): %+v", pid, f.Kernel)
	}
	checkHungReport(t, "top", topRow.Example, model.WaitSite(topRow.WaitSite))

	// The capture of B holds the report in the interval it was logged.
	snaps, _ := readCapture(t, pathB)
	var inRun uint64
	for _, s := range snaps {
		if s.Kernel == nil {
			continue
		}
		for _, k := range s.Kernel.Templates {
			if k.Class == model.KlogHungTask && k.Count > 0 && strings.Contains(k.Example, "task dd:"+pid+" ") {
				inRun += k.Count
				checkHungReport(t, "capture", k.Example, k.WaitSite)
			}
		}
	}
	if inRun == 0 {
		t.Fatalf("capture B holds no hung-task report of dd logged during the run")
	}

	// compare A → B: the hung task appeared, and is evidence.
	a, err := compare.Load(ctx, pathA, false)
	if err != nil {
		t.Fatal(err)
	}
	b, err := compare.Load(ctx, pathB, false)
	if err != nil {
		t.Fatal(err)
	}
	res, err := compare.Compare(a, b, compare.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var appeared bool
	for _, k := range res.Kernel.Templates {
		if k.Class == model.KlogHungTask && k.A == 0 && k.B > 0 && k.Status == compare.KernelAppeared {
			appeared = true
		}
	}
	ev := strings.Join(res.Verdict.Evidence, "\n")
	if !appeared || !strings.Contains(ev, "hung task (kernel's detector) at ") || !strings.Contains(ev, "worse in B") {
		t.Errorf("compare: hung task appeared %v; evidence:\n%s", appeared, ev)
	}
	t.Logf("%d hung-task reports of dd in B; top: %s", inRun, topRow.WaitSite)
}

// checkHungReport wants a hung-task example with its stack lines and a wait
// site read from them.
func checkHungReport(t *testing.T, where, example string, site model.WaitSite) {
	t.Helper()
	if !strings.Contains(example, "Call Trace:") || strings.Count(example, "\n") < 5 || site == "" {
		t.Errorf("%s: hung-task report without its stack (site %q):\n%s", where, site, example)
	}
}

// TestKernelLogUnavailable: a kernel log that cannot be read is one warning
// line and a note in the configuration; the sampler goes on without it.
func TestKernelLogUnavailable(t *testing.T) {
	dir := filepath.Join(hostsDir, "k6.12-nfsd", "t0")
	for _, tc := range []struct {
		path, warn, source string
	}{
		{path: "", source: ""},
		{path: filepath.Join(t.TempDir(), "kmsg"), warn: "kernel messages are not collected: open ", source: "unavailable: open "},
	} {
		r, err := host.NewReader(host.Roots{Proc: dir + "/proc", Sys: dir + "/sys", Boot: dir + "/boot"})
		if err != nil {
			t.Fatal(err)
		}
		s, err := sampler.New(r, nil, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		var logb strings.Builder
		sf := sourceFlags{kmsg: tc.path}
		if k := sf.openKernelLog(s, newLogger(&logb, false)); k != nil {
			t.Fatalf("%q: opened", tc.path)
		}
		lines := strings.Split(strings.TrimSpace(logb.String()), "\n")
		if tc.warn == "" && logb.Len() > 0 || tc.warn != "" && (len(lines) != 1 || !strings.Contains(lines[0], tc.warn)) {
			t.Errorf("%q: log %q, want one line with %q", tc.path, logb.String(), tc.warn)
		}
		if got := s.Config().KernelLog; !strings.HasPrefix(got, tc.source) || (tc.source == "") != (got == "") {
			t.Errorf("%q: configuration says %q, want %q...", tc.path, got, tc.source)
		}
	}
}
