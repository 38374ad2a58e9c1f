package host

import (
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// cgroupLimits is the limits of the cgroups of threads tids.
func cgroupLimits(procRoot, sysRoot string, tids []int) map[string]string {
	c := newCgroupSet(procRoot, sysRoot)
	for _, tid := range tids {
		c.addThread(tid)
	}
	return c.limits()
}

func TestCgroupLimits(t *testing.T) {
	const proc, sys = "testdata/cgroup/proc", "testdata/cgroup/sys"
	tests := []struct {
		name string
		tids []int
		want map[string]string
	}{
		{"a thread in the root cgroups (a kernel thread) has none", []int{1}, nil},
		{"a thread that is gone is unknown", []int{102}, nil},
		{"v2 only: the thread's cgroup and its ancestors", []int{101}, map[string]string{
			"/bench/fio cpu.max":    "10000 100000",
			"/bench/fio memory.max": "max",
			"/bench io.max":         "7:0 rbps=1048576 wbps=max riops=max wiops=max; 7:1 rbps=max wbps=2097152 riops=max wiops=max",
		}},
		{"v2 and the v1 cpu and memory hierarchies; name= and devices hierarchies ignored", []int{100, 101, 1, 102}, map[string]string{
			"/bench/fio cpu.max":           "10000 100000",
			"/bench/fio memory.max":        "max",
			"/bench io.max":                "7:0 rbps=1048576 wbps=max riops=max wiops=max; 7:1 rbps=max wbps=2097152 riops=max wiops=max",
			"/bench cpu.cfs_quota_us":      "10000",
			"/bench cpu.cfs_period_us":     "100000",
			"/bench memory.limit_in_bytes": "9223372036854771712",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cgroupLimits(proc, sys, tt.tids)
			if !maps.Equal(got, tt.want) {
				t.Errorf("limits = %v, want %v", got, tt.want)
			}
		})
	}
	if got := cgroupLimits("testdata/no-such-proc", sys, []int{100}); got != nil {
		t.Errorf("without mountinfo: %v, want nil (unknown)", got)
	}
}

func TestParseProcCgroup(t *testing.T) {
	tests := []struct {
		in string
		v2 string
		v1 map[string]string
	}{
		{"0::/system.slice/nfs-server.service\n", "/system.slice/nfs-server.service", map[string]string{}},
		{"0::/\n", "/", map[string]string{}},
		{"12:cpu,cpuacct:/old\n1:name=systemd:/x\n", "", map[string]string{"cpu": "/old", "cpuacct": "/old"}},
		{"0::/a/../b\n4:memory:/m (deleted)\n", "/b", map[string]string{"memory": "/m"}},
		{"0::relative\nnot a line\n", "", map[string]string{}},
		{"", "", map[string]string{}},
	}
	for _, tt := range tests {
		v2, v1 := ParseProcCgroup([]byte(tt.in))
		if v2 != tt.v2 || !maps.Equal(v1, tt.v1) {
			t.Errorf("ParseProcCgroup(%q) = %q, %v; want %q, %v", tt.in, v2, v1, tt.v2, tt.v1)
		}
	}
}

// TestCgroupWatch: a target that appears after the watch began, and a limit
// set while it watched, both show at the next Limits.
func TestCgroupWatch(t *testing.T) {
	dir := t.TempDir()
	proc, sys := filepath.Join(dir, "proc"), filepath.Join(dir, "sys")
	write := func(p, s string) {
		t.Helper()
		writeTree(t, filepath.Dir(p), map[string]string{filepath.Base(p): s})
	}
	write(filepath.Join(proc, "self", "mountinfo"), "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime shared:9 - cgroup2 cgroup2 rw\n")
	cpuMax := filepath.Join(sys, "fs", "cgroup", "unified", "bench", "cpu.max")
	write(cpuMax, "max 100000\n")
	tw := NewThreadWatch(proc, Selector{Comm: regexp.MustCompile("^fio$")})
	tw.Every = 0
	w := NewCgroupWatch(tw, sys)
	clock := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	w.now = func() time.Time { clock = clock.Add(time.Second); return clock }
	limits := func() map[string]string {
		t.Helper()
		m, err := w.Limits()
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	if got := limits(); got != nil {
		t.Fatalf("no target yet: %v", got)
	}
	write(filepath.Join(sys, "fs", "cgroup", "unified", "bench", "io.max"), "")
	write(filepath.Join(proc, "300", "task", "300", "stat"), "300 (fio) S 1 300 300 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0 100 0 0\n")
	write(filepath.Join(proc, "300", "cgroup"), "0::/bench\n")
	if got, want := limits(), map[string]string{"/bench cpu.max": "max 100000", "/bench io.max": "none"}; !maps.Equal(got, want) {
		t.Fatalf("a target appeared: %v, want %v", got, want)
	}
	if err := os.Remove(filepath.Join(sys, "fs", "cgroup", "unified", "bench", "io.max")); err != nil {
		t.Fatal(err)
	}
	write(cpuMax, "10000 100000\n")
	if got, want := limits(), map[string]string{"/bench cpu.max": "10000 100000"}; !maps.Equal(got, want) {
		t.Fatalf("a limit set: %v, want %v", got, want)
	}
	if err := os.RemoveAll(filepath.Join(proc, "300")); err != nil {
		t.Fatal(err)
	}
	if got, want := limits(), map[string]string{"/bench cpu.max": "10000 100000"}; !maps.Equal(got, want) {
		t.Fatalf("the target exited: %v, want its cgroup still read: %v", got, want)
	}
	// Read at most once every Every: a limit set in between shows at the
	// first call after it.
	w.Every = 3 * time.Second
	write(cpuMax, "20000 100000\n")
	if got, want := limits(), map[string]string{"/bench cpu.max": "10000 100000"}; !maps.Equal(got, want) {
		t.Fatalf("a second after the last read: %v, want the last read %v", got, want)
	}
	limits()
	if got, want := limits(), map[string]string{"/bench cpu.max": "20000 100000"}; !maps.Equal(got, want) {
		t.Fatalf("3 s after the last read: %v, want %v", got, want)
	}
	if _, err := NewCgroupWatch(NewThreadWatch(filepath.Join(dir, "none"), Selector{Comm: regexp.MustCompile("x")}), sys).Limits(); err == nil {
		t.Error("no procfs: no error")
	}
}
