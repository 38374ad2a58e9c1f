package diag

import (
	"strings"
	"testing"
)

func TestParseScenario(t *testing.T) {
	const head = "description = d\ncause = device\nset = dev\n"
	tests := []struct {
		name    string
		src     string
		wantErr string // substring; "" means success
		check   func(t *testing.T, s Scenario)
	}{
		{
			name: "plain keys apply to both, prefixed ones override",
			src: head + "rw = randwrite\nrate_iops = 100\ninj.rate_iops = 400\n" +
				"# a comment\n\nbs = 64k # trailing comment\n",
			check: func(t *testing.T, s Scenario) {
				if s.Base.Fio.RW != "randwrite" || s.Inj.Fio.RW != "randwrite" {
					t.Errorf("rw = %q, %q; want randwrite in both", s.Base.Fio.RW, s.Inj.Fio.RW)
				}
				if s.Base.Fio.RateIOPS != 100 || s.Inj.Fio.RateIOPS != 400 {
					t.Errorf("rate_iops = %d, %d; want 100, 400", s.Base.Fio.RateIOPS, s.Inj.Fio.RateIOPS)
				}
				if s.Base.Fio.BS != "64k" {
					t.Errorf("bs = %q, want 64k", s.Base.Fio.BS)
				}
			},
		},
		{
			name: "prefixed key before the plain one still overrides",
			src:  head + "base.device = tmpfs\ninj.device = disk\ndevice = tmpfs\n",
			check: func(t *testing.T, s Scenario) {
				if s.Base.Backing != "tmpfs" || s.Inj.Backing != "disk" {
					t.Errorf("device = %q, %q; want tmpfs, disk", s.Base.Backing, s.Inj.Backing)
				}
			},
		},
		{
			name: "sysctl change and cgroup limits",
			src: "description = d\ncause = writeback\nset = heldout\nchange = sysctl vm.dirty_bytes\n" +
				"inj.sysctl.vm.dirty_bytes = 1048576\ninj.memory_limit = 48m\ninj.blkio_write_bps = 800k\n",
			check: func(t *testing.T, s Scenario) {
				if got := s.Inj.Sysctls["vm.dirty_bytes"]; got != "1048576" {
					t.Errorf("inj vm.dirty_bytes = %q", got)
				}
				if len(s.Base.Sysctls) != 0 {
					t.Errorf("base sysctls = %v, want none", s.Base.Sysctls)
				}
				if s.Inj.MemLimit != 48<<20 || s.Inj.WriteBPS != 800<<10 {
					t.Errorf("limits = %d, %d", s.Inj.MemLimit, s.Inj.WriteBPS)
				}
				if s.Set != "heldout" {
					t.Errorf("set = %q", s.Set)
				}
			},
		},
		{name: "no equals sign", src: head + "inj.device disk\n", wantErr: "x.conf:4: want key = value"},
		{name: "unknown key", src: head + "inj.devise = disk\n", wantErr: `x.conf:4: unknown key "inj.devise"`},
		{name: "bad value", src: head + "inj.device = ssd\n", wantErr: "x.conf:4: inj.device: \"ssd\": want tmpfs or disk"},
		{name: "bad size", src: head + "inj.memory_limit = lots\n", wantErr: "x.conf:4: inj.memory_limit"},
		{name: "key twice", src: head + "rw = read\nrw = write\ninj.rate_iops = 1\n", wantErr: "x.conf:5: rw set twice"},
		{name: "scenario key twice", src: head + "cause = lock\n", wantErr: "x.conf:4: cause set twice"},
		{name: "scenario key with prefix", src: head + "inj.cause = lock\n", wantErr: "x.conf:4: cause applies to the whole scenario"},
		{name: "unknown cause", src: "description = d\ncause = gremlins\nset = dev\n", wantErr: "x.conf:2: cause"},
		{
			name: "second held-out set",
			src:  "description = d\ncause = cpu\nset = heldout2\ninj.cpu_quota_us = 20000\n",
			check: func(t *testing.T, s Scenario) {
				if s.Set != "heldout2" {
					t.Errorf("set = %q, want heldout2", s.Set)
				}
			},
		},
		{name: "unknown set", src: "description = d\ncause = cpu\nset = test\n", wantErr: "x.conf:3: set"},
		{name: "missing cause", src: "description = d\nset = dev\ninj.rate_iops = 1\n", wantErr: "x.conf: cause is required"},
		{name: "nothing injected", src: head + "rate_iops = 100\n", wantErr: "nothing is injected"},
		{name: "change not among the differences", src: head + "change = scheduler\ninj.rate_iops = 5\n", wantErr: "change = scheduler, but both conditions use none"},
		{name: "unknown change", src: head + "change = kernel\ninj.rate_iops = 5\n", wantErr: `change "kernel"`},
		{name: "sysctl change that does not change", src: head + "change = sysctl vm.dirty_bytes\nsysctl.vm.dirty_bytes = 1\n" + "inj.rate_iops = 5\n", wantErr: "do not differ"},
		{name: "cgroup change that does not change", src: head + "change = cgroup /nfstrace-diag cpu.cfs_quota_us\ninj.rate_iops = 5\n", wantErr: "do not differ"},
		{name: "cgroup change of a file the cgroup does not get", src: head + "change = cgroup /nfstrace-diag cpu.shares\ninj.rate_iops = 5\n", wantErr: "not a limit"},
		{name: "bad sysctl name", src: head + "inj.sysctl.VM = 1\n", wantErr: "x.conf:4: inj.sysctl.VM: sysctl name"},
		{name: "hogs without cpus", src: head + "inj.cpu_hogs = 2\n", wantErr: "x.conf: inj: cpu_hogs needs cpus"},
		{name: "files larger than the device", src: head + "size = 256m\nnumjobs = 4\ninj.rate_iops = 5\n", wantErr: "raise device_size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseScenario("x", "x.conf", []byte(tt.src))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
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

func TestParseScenarioName(t *testing.T) {
	_, err := ParseScenario("Bad Name", "Bad Name.conf", []byte("description = d\ncause = cpu\nset = dev\ninj.cpu_quota_us = 1\n"))
	if err == nil || !strings.Contains(err.Error(), "scenario name") {
		t.Fatalf("error = %v, want a complaint about the name", err)
	}
}

// labOnly are the causes this host cannot inject so that the workload feels
// them (see docs/diagnosis.md): the lab's real-nfsd pairs carry them.
var labOnly = map[string]bool{"scheduler": true}

// TestScenarioFiles parses the scenarios shipped in diag/scenarios and holds
// them to the benchmark's rules: every cause the host can inject in the dev
// set, and each held-out set about a third of the scenarios scored with it
// (dev and that set).
func TestScenarioFiles(t *testing.T) {
	all, err := LoadScenarios("scenarios")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 10 {
		t.Errorf("%d scenarios, want at least 10", len(all))
	}
	dev := map[string]bool{}
	nDev := 0
	held := map[string]int{}
	for _, s := range all {
		if s.Set == "dev" {
			dev[s.Cause] = true
			nDev++
		} else {
			held[s.Set]++
		}
	}
	for _, c := range Causes() {
		if !dev[c] && !labOnly[c] {
			t.Errorf("no dev scenario for cause %s", c)
		}
	}
	if len(held) == 0 {
		t.Error("no held-out scenario")
	}
	for set, n := range held {
		if n*4 < nDev+n || n*2 > nDev+n {
			t.Errorf("set %s: %d held out against %d dev scenarios, want about a third of the %d", set, n, nDev, nDev+n)
		}
	}
}

// TestCheckSetName accepts directory-safe set names for record -set.
func TestCheckSetName(t *testing.T) {
	for name, ok := range map[string]bool{
		"long": true, "heldout3": true, "long-120s": true,
		"": false, "-x": false, "Long": false, "a/b": false, "..": false, "a b": false,
	} {
		if err := CheckSetName(name); (err == nil) != ok {
			t.Errorf("CheckSetName(%q) = %v, want ok %v", name, err, ok)
		}
	}
}

func TestHeldOut(t *testing.T) {
	for _, tc := range []struct {
		name string
		n    int
		ok   bool
	}{
		{"heldout", 1, true},
		{"heldout2", 2, true},
		{"heldout31", 31, true},
		{"dev", 0, false},
		{"heldout0", 0, false},
		{"heldout02", 0, false},
		{"heldoutx", 0, false},
		{"long", 0, false},
	} {
		n, ok := HeldOut(tc.name)
		if n != tc.n || ok != tc.ok {
			t.Errorf("HeldOut(%q) = %d, %v; want %d, %v", tc.name, n, ok, tc.n, tc.ok)
		}
	}
}
