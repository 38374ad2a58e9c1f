package host

import (
	"maps"
	"testing"
)

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
			got := CgroupLimits(proc, sys, tt.tids)
			if !maps.Equal(got, tt.want) {
				t.Errorf("CgroupLimits = %v, want %v", got, tt.want)
			}
		})
	}
	if got := CgroupLimits("testdata/no-such-proc", sys, []int{100}); got != nil {
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
