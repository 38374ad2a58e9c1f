package lab

import (
	"archive/tar"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestParseScenario(t *testing.T) {
	tests := []struct {
		name, src string
		wantErr   string
		check     func(t *testing.T, s Scenario)
	}{
		{name: "defaults", src: "# nothing\n", check: func(t *testing.T, s Scenario) {
			if s.Device != "virtio" || len(s.Versions) != 2 || s.Duration != 20*time.Second || s.NFSDThreads != 8 || s.ClientMounts != "one" {
				t.Errorf("defaults: %+v", s)
			}
		}},
		{name: "full", src: "versions = 4.2\nduration = 5s\ndevice = nullb-delay\ndelay_ms = 20 # ms\nscheduler = bfq\nsysctl = vm.dirty_bytes=524288\nsysctl = vm.dirty_background_bytes=131072\n",
			check: func(t *testing.T, s Scenario) {
				if s.Versions[0] != "4.2" || s.DelayMs != 20 || s.Scheduler != "bfq" || len(s.Sysctls) != 2 || s.Duration != 5*time.Second {
					t.Errorf("parsed: %+v", s)
				}
			}},
		{name: "waits", src: "nfsd_threads = 1\nshared_file = true\nstack_samples = all\n",
			check: func(t *testing.T, s Scenario) {
				if s.NFSDThreads != 1 || !s.SharedFile || s.StackSamples != "all" {
					t.Errorf("parsed: %+v", s)
				}
				if env := s.Env(); !strings.Contains(env, "LAB_SHARED_FILE='true'") || !strings.Contains(env, "LAB_STACK_SAMPLES='all'") {
					t.Errorf("env:\n%s", env)
				}
			}},
		{name: "mounts", src: "clients = 3\nshared_file = true\nclient_mounts = each\n",
			check: func(t *testing.T, s Scenario) {
				if s.ClientMounts != "each" || !strings.Contains(s.Env(), "LAB_CLIENT_MOUNTS='each'\n") {
					t.Errorf("parsed: %+v", s)
				}
			}},
		{name: "direct writes", src: "write_direct = true\n",
			check: func(t *testing.T, s Scenario) {
				if !s.WriteDirect || !strings.Contains(s.Env(), "LAB_WRITE_DIRECT='true'\n") {
					t.Errorf("parsed: %+v\nenv:\n%s", s, s.Env())
				}
			}},
		{name: "bad write_direct", src: "write_direct = yes please\n", wantErr: `"yes please": want true or false`},
		{name: "bad client_mounts", src: "client_mounts = two\n", wantErr: `"two": want one or each`},
		{name: "bad shared_file", src: "shared_file = maybe\n", wantErr: `"maybe": want true or false`},
		{name: "bad stack_samples", src: "stack_samples = some\n", wantErr: `"some": want d or all`},
		{name: "unknown key", src: "devcie = virtio\n", wantErr: "x.conf:1: devcie: unknown key"},
		{name: "twice", src: "duration = 1s\nduration = 2s\n", wantErr: "x.conf:2: duration set twice"},
		{name: "no equals", src: "duration\n", wantErr: "x.conf:1: want key = value"},
		{name: "bad version", src: "versions = 3 5\n", wantErr: `version "5"`},
		{name: "bad scheduler", src: "scheduler = cfq\n", wantErr: `"cfq": want none, mq-deadline, kyber, bfq`},
		{name: "bad duration", src: "duration = -1s\n", wantErr: "want a positive duration"},
		{name: "bad sysctl", src: "sysctl = vm.dirty_bytes\n", wantErr: "want name=value"},
		{name: "shell in value", src: "mix = write:1;reboot\n", wantErr: "unexpected characters"},
		{name: "delay without ms", src: "device = nullb-delay\n", wantErr: "needs delay_ms"},
		{name: "delay on virtio", src: "delay_ms = 3\n", wantErr: "need device nullb"},
		{name: "fail", src: "versions = 3\ndevice = nullb-fail\nfail_after = 5s\n", check: func(t *testing.T, s Scenario) {
			if s.Device != "nullb-fail" || s.FailAfter != 5*time.Second || !strings.Contains(s.Env(), "LAB_FAIL_AFTER='5'\n") {
				t.Errorf("parsed: %+v", s)
			}
		}},
		{name: "fail without when", src: "versions = 3\ndevice = nullb-fail\n", wantErr: "nullb-fail and fail_after go together"},
		{name: "when without fail", src: "device = nullb\nfail_after = 5s\n", wantErr: "nullb-fail and fail_after go together"},
		{name: "fail on two versions", src: "device = nullb-fail\nfail_after = 5s\n", wantErr: "takes one NFS version"},
		{name: "fail after the load", src: "versions = 4.2\nduration = 10s\ndevice = nullb-fail\nfail_after = 10s\n", wantErr: "want less than duration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseScenario("x", "x.conf", []byte(tt.src))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, s)
		})
	}
}

// Every built-in scenario parses, and the set covers what the lab promises.
func TestBuiltinScenarios(t *testing.T) {
	names := ScenarioNames()
	for _, want := range []string{"baseline", "slow-device", "writeback-throttle", "sched-none", "sched-mq-deadline", "sched-kyber", "sched-bfq", "device-error"} {
		found := false
		for _, n := range names {
			found = found || n == want
		}
		if !found {
			t.Errorf("no built-in scenario %s (have %v)", want, names)
		}
	}
	for _, n := range names {
		s, err := LoadScenario(n)
		if err != nil {
			t.Errorf("%s: %v", n, err)
			continue
		}
		if s.Description == "" {
			t.Errorf("%s: no description", n)
		}
		if strings.HasPrefix(n, "sched-") && "sched-"+s.Scheduler != n {
			t.Errorf("%s sets scheduler %q", n, s.Scheduler)
		}
		env := s.Env()
		if !strings.Contains(env, "LAB_NAME='"+n+"'\n") {
			t.Errorf("%s: env lacks its name:\n%s", n, env)
		}
	}
	if _, err := LoadScenario("no-such"); err == nil || !strings.Contains(err.Error(), "built in: baseline") {
		t.Errorf("unknown scenario: %v", err)
	}
}

func TestParseNFSDOps(t *testing.T) {
	b, err := os.ReadFile("testdata/nfsd-6.12.txt")
	if err != nil {
		t.Fatal(err)
	}
	ops, err := ParseNFSDOps(b)
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[OpKey]uint64{{"v3", "getattr"}: 3499, {"v3", "commit"}: 125, {"v3", "write"}: 1117, {"v3", "null"}: 2, {"v4", "read"}: 0} {
		if ops[k] != want {
			t.Errorf("%s = %d, want %d", k, ops[k], want)
		}
	}
	bad := []string{"", "proc3 3 1 2\n", "proc3 2 1 x\n"}
	for _, s := range bad {
		if _, err := ParseNFSDOps([]byte(s)); err == nil {
			t.Errorf("ParseNFSDOps(%q): no error", s)
		}
	}
	d := OpDelta(map[OpKey]uint64{{"v3", "read"}: 5}, map[OpKey]uint64{{"v3", "read"}: 9, {"v3", "write"}: 0})
	if len(d) != 1 || d[OpKey{"v3", "read"}] != 4 {
		t.Errorf("OpDelta = %v", d)
	}
}

func TestParseSteps(t *testing.T) {
	con := "boot noise\nLAB-STEP begin modules timeout=180s at=19.25s\nLAB-STEP end modules rc=0 at=25.88s\n" +
		"LAB-STEP begin x/load timeout=30s at=30.00s\nLAB-STEP timeout x/load after 30s\nLAB-STEP end x/load rc=124 at=60.1s\n" +
		"[  61.0] LAB-STEP begin x/umount timeout=60s at=61.00s\n"
	steps, open := ParseSteps([]byte(con))
	if len(steps) != 3 || open != "x/umount" {
		t.Fatalf("steps %+v open %q", steps, open)
	}
	if steps[0].RC != 0 || steps[0].End != 25.88 || !steps[1].TimedOut || steps[1].RC != 124 || steps[2].RC != -1 {
		t.Errorf("steps %+v", steps)
	}
	r := &Result{Steps: steps, Hung: open, Killed: true}
	if s := r.Summary(); !strings.Contains(s, `step "x/umount" never ended`) || !strings.Contains(s, "x/load(timeout)") {
		t.Errorf("summary %q", s)
	}
}

func TestFirstPanic(t *testing.T) {
	con := "LAB-STEP begin x timeout=1s at=1s\n[  126.438124] Oops: int3: 0000 [#1] PREEMPT SMP NOPTI\n[  126.44] Kernel panic - not syncing\n"
	if got := firstPanic([]byte(con)); got != "Oops: int3: 0000 [#1] PREEMPT SMP NOPTI" {
		t.Errorf("firstPanic = %q", got)
	}
	if got := firstPanic([]byte("LAB: done at 3s\n")); got != "" {
		t.Errorf("firstPanic of a clean console = %q", got)
	}
}

func TestNewestPackage(t *testing.T) {
	out := []byte("linux-image-6.1.0-9-cloud-amd64-unsigned - x\nlinux-image-6.1.0-56-cloud-amd64-unsigned - x\n" +
		"linux-image-6.1.0-56-cloud-amd64 - signed\nlinux-image-6.12.99+deb12-cloud-amd64-unsigned - x\n" +
		"linux-image-6.12.117+deb12-cloud-amd64-unsigned - x\n" +
		"linux-image-6.19.10+deb13-cloud-amd64 - x\nlinux-image-6.19.11+deb13-cloud-amd64 - x\nlinux-image-6.19.11+deb13-rt-amd64 - x\n")
	for _, tt := range []struct {
		series string
		signed bool
		want   string
	}{
		{"6.1", false, "linux-image-6.1.0-56-cloud-amd64-unsigned"},
		{"6.12", false, "linux-image-6.12.117+deb12-cloud-amd64-unsigned"},
		{"6.6", false, ""},
		{"6.19", false, ""},
		{"6.19", true, "linux-image-6.19.11+deb13-cloud-amd64"},
	} {
		re, err := kernelPackageRE(tt.series, tt.signed)
		if err != nil {
			t.Fatal(err)
		}
		if got := newestPackage(out, re); got != tt.want {
			t.Errorf("%s (signed %v): %q, want %q", tt.series, tt.signed, got, tt.want)
		}
	}
	if _, err := kernelPackageRE("6", false); err == nil {
		t.Error("series 6 accepted")
	}
	for series, want := range map[string]string{"5.10": "bullseye", "6.17": "trixie-backports", "7.3": "trixie-backports", "6.1": "", "6.12": "", "4.19": "", "x": ""} {
		if got := kernelSuite(series); got != want {
			t.Errorf("kernelSuite(%s) = %q, want %q", series, got, want)
		}
	}
}

func TestMirrorFromSources(t *testing.T) {
	for src, want := range map[string]string{
		"Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm\n":                                   "http://deb.debian.org/debian",
		"deb http://security.debian.org/ bookworm-security main\ndeb http://m.example/debian/ bookworm main\n": "http://m.example/debian",
		"deb [arch=amd64] https://m.example/d bookworm main\n":                                                 "https://m.example/d",
		"# nothing\n": "",
	} {
		if got := mirrorFromSources([]byte(src)); got != want {
			t.Errorf("mirrorFromSources(%q) = %q, want %q", src, got, want)
		}
	}
}

// The per-run initramfs piece must be a cpio archive that GNU cpio lists,
// with parents before children.
func TestWriteCpio(t *testing.T) {
	var b bytes.Buffer
	err := writeCpio(&b, []cpioFile{{Name: "init", Mode: 0o755, Data: []byte("#!/bin/sh\n")}, {Name: "lab/bin/x", Mode: 0o755, Data: []byte("abc")}})
	if err != nil {
		t.Fatal(err)
	}
	if b.Len()%4 != 0 {
		t.Errorf("archive length %d not 4-aligned", b.Len())
	}
	if err := writeCpio(&b, []cpioFile{{Name: "../x"}}); err == nil {
		t.Error("unsafe name accepted")
	}
	if _, err := exec.LookPath("cpio"); err != nil {
		t.Skip("cpio not installed: archive not listed")
	}
	cmd := exec.Command("cpio", "-t", "--quiet")
	cmd.Stdin = bytes.NewReader(b.Bytes())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("cpio -t: %v", err)
	}
	if got := strings.Fields(string(out)); strings.Join(got, " ") != "lab lab/bin init lab/bin/x" {
		t.Errorf("cpio lists %q", got)
	}
}

func TestUntar(t *testing.T) {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	add := func(name string, body string) {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	add("./scenarios/a/v3/load.json", "{}")
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	// A results disk is the archive followed by zeroes.
	img := append(b.Bytes(), make([]byte, 64<<10)...)
	dir := t.TempDir()
	if err := untar(bytes.NewReader(img), dir); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(filepath.Join(dir, "scenarios/a/v3/load.json")); err != nil || string(got) != "{}" {
		t.Errorf("extracted %q, %v", got, err)
	}
	// A disk the guest never wrote is empty, not an error.
	if err := untar(bytes.NewReader(make([]byte, 8192)), t.TempDir()); err != nil {
		t.Errorf("empty disk: %v", err)
	}
	b.Reset()
	tw = tar.NewWriter(&b)
	add("../evil", "x")
	tw.Close()
	if err := untar(bytes.NewReader(b.Bytes()), t.TempDir()); err == nil || !regexp.MustCompile(`unsafe path`).MatchString(err.Error()) {
		t.Errorf("path traversal: %v", err)
	}
}

// A systemd boot's initrd has the /init that hands over to systemd and the
// units that run the guest's steps; a plain boot has init.sh as /init.
func TestWriteInitrdSystemd(t *testing.T) {
	if _, err := exec.LookPath("cpio"); err != nil {
		t.Skip("cpio not installed: archive not read")
	}
	dir := t.TempDir()
	var pieces []string
	for _, name := range []string{"base.cpio", "modules.cpio", "nfstrace", "nfsload"} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(name), 0o644); err != nil {
			t.Fatal(err)
		}
		pieces = append(pieces, p)
	}
	for _, tc := range []struct {
		systemd bool
		init    []byte
		units   bool
	}{
		{systemd: false, init: guestInit},
		{systemd: true, init: systemdInit, units: true},
	} {
		cfg := RunConfig{Base: pieces[0], Kernel: Kernel{Modules: pieces[1]}, NFSTrace: pieces[2], NFSLoad: pieces[3], Systemd: tc.systemd}
		out := filepath.Join(dir, "initrd")
		if err := writeInitrd(out, cfg); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		piece := b[len("base.cpio")+len("modules.cpio"):] // the run's own archive follows the two cached ones
		list := exec.Command("cpio", "-t", "--quiet")
		list.Stdin = bytes.NewReader(piece)
		names, err := list.Output()
		if err != nil {
			t.Fatalf("cpio -t: %v", err)
		}
		if got := strings.Contains(string(names), "etc/systemd/system/lab.service\n"); got != tc.units {
			t.Errorf("systemd=%v: lab.service in the initrd: %v, want %v", tc.systemd, got, tc.units)
		}
		extract := exec.Command("cpio", "-i", "--quiet", "--to-stdout", "init")
		extract.Stdin = bytes.NewReader(piece)
		init, err := extract.Output()
		if err != nil {
			t.Fatalf("cpio -i init: %v", err)
		}
		if !bytes.Equal(init, tc.init) {
			t.Errorf("systemd=%v: /init is not the expected script:\n%.200s", tc.systemd, init)
		}
	}
}
