package compare

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/nfstrace/nfstrace/internal/capture"
	"github.com/nfstrace/nfstrace/internal/model"
)

func TestDiffConfig(t *testing.T) {
	a := baseline().config()
	b := baseline().config()
	b.KernelRelease = "6.12.9-cloud-amd64"
	b.Cmdline = "root=/dev/vda console=ttyS0 mitigations=off"
	b.Devices = append(b.Devices, model.DeviceConfig{Name: "sdb", Scheduler: "none"})
	b.Devices[0].Scheduler = "bfq"
	b.Sysctls = map[string]string{"vm.dirty_ratio": "40", "vm.dirty_background_ratio": "10", "net.core.rmem_max": "4194304"}
	b.NFSDThreads = 64
	b.CPUs = 32
	b.Backend.Name = "procfs"
	a.Cgroups = map[string]string{"/bench cpu.max": "max 100000", "/bench io.max": "7:0 rbps=1048576"}
	b.Cgroups = map[string]string{"/bench cpu.max": "10000 100000", "/bench/fio memory.max": "1073741824"}
	got := map[string]ConfigChange{}
	var order []string
	for _, c := range diffConfig(a, b) {
		got[c.Item] = c
		order = append(order, c.Item)
	}
	want := map[string][2]string{
		"kernel":                       {"6.1.0-27-cloud-amd64", "6.12.9-cloud-amd64"},
		"cmdline":                      {"", "mitigations=off"},
		"scheduler sda":                {"mq-deadline", "bfq"},
		"device sdb":                   {"", "present, none"},
		"sysctl vm.dirty_ratio":        {"20", "40"},
		"sysctl net.core.rmem_max":     {"", "4194304"},
		"nfsd threads":                 {"8", "64"},
		"cpus":                         {"2", "32"},
		"backend":                      {"ebpf", "procfs"},
		"cgroup /bench cpu.max":        {"max 100000", "10000 100000"},
		"cgroup /bench io.max":         {"7:0 rbps=1048576", ""},
		"cgroup /bench/fio memory.max": {"", "1073741824"},
	}
	for item, ab := range want {
		c, ok := got[item]
		if !ok || c.A != ab[0] || c.B != ab[1] {
			t.Errorf("%s: got %+v, want %q → %q", item, c, ab[0], ab[1])
		}
	}
	if len(got) != len(want) {
		t.Errorf("changes %q, want only %d", order, len(want))
	}
	if order[0] != "kernel" {
		t.Errorf("kernel not first: %q", order)
	}
	if d := diffConfig(a, a); len(d) != 0 {
		t.Errorf("a configuration differs from itself: %+v", d)
	}
}

func TestCaveats(t *testing.T) {
	a, b := baseline(), baseline()
	b.seed = 2
	ca := a.capture("A")
	// B: the procfs backend, no block or RPC rows, a probe missing, 3
	// intervals.
	cfg := b.config()
	cfg.Backend = model.Backend{Name: "procfs", Probes: []model.Probe{{Name: "sched_switch", Status: model.ProbeUnavailable}}}
	var snaps []*model.Snapshot
	for _, s := range b.snapshots()[:3] {
		s.Block, s.RPC = nil, nil
		snaps = append(snaps, s)
	}
	cb := FromSnapshots("B", capture.Meta{Config: cfg}, snaps)
	res, err := Compare(ca, cb, Options{})
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(res.Caveats, "\n")
	for _, want := range []string{
		"different backends (A ebpf, B procfs)",
		"probe sched_switch: attached in A, unavailable in B",
		"no block-layer data (device latency from /proc/diskstats only) in B",
		"no per-RPC latency data in B",
		"B has 3 interval(s): too few to test",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("caveats lack %q:\n%s", want, all)
		}
	}
	if res.Verdict.Significant || !strings.HasPrefix(res.Verdict.Summary, "Too short to tell") {
		t.Errorf("verdict on untestable captures: %+v", res.Verdict)
	}
}

// TestCaveatOutsideCalls: a capture that keeps the waits outside calls
// apart, compared with one that does not, says so, naming each side; two
// that agree say nothing of it.
func TestCaveatOutsideCalls(t *testing.T) {
	withOutside := func(name string, known bool) *Capture {
		b := baseline()
		var snaps []*model.Snapshot
		for _, s := range b.snapshots() {
			s.Run = []model.Run{{Comm: "fio", Threads: 1, Runnable: model.Hist{Count: 2, SumNs: 4e3}, OnCPU: 1e6}}
			if known {
				s.Run[0].Outside = &model.Waits{Count: 1, SumNs: 9e3}
			}
			snaps = append(snaps, s)
		}
		return FromSnapshots(name, capture.Meta{Config: b.config()}, snaps)
	}
	for _, tt := range []struct {
		a, b bool
		want string
	}{
		{false, true, "left out in B only: A's waiting for a CPU counts them too"},
		{true, false, "left out in A only: B's waiting for a CPU counts them too"},
		{true, true, ""},
		{false, false, ""},
	} {
		res, err := Compare(withOutside("A", tt.a), withOutside("B", tt.b), Options{})
		if err != nil {
			t.Fatal(err)
		}
		all := strings.Join(res.Caveats, "\n")
		if got := strings.Contains(all, "outside the threads' calls"); got != (tt.want != "") || !strings.Contains(all, tt.want) {
			t.Errorf("A knows %v, B knows %v: caveats\n%s\nwant %q", tt.a, tt.b, all, tt.want)
		}
	}
}

// TestCgroupsOverlay: limits a snapshot carries (a target that appeared, a
// limit set) overlay the metadata's, in order, without touching the map
// the metadata came with.
func TestCgroupsOverlay(t *testing.T) {
	meta := capture.Meta{Config: model.Config{Cgroups: map[string]string{"/a cpu.max": "max 100000"}}}
	snaps := []*model.Snapshot{
		{},
		{Host: model.Host{Cgroups: map[string]string{"/b memory.max": "16777216"}}},
		{Host: model.Host{Cgroups: map[string]string{"/a cpu.max": "10000 100000"}}},
	}
	c := FromSnapshots("x", meta, snaps)
	want := map[string]string{"/a cpu.max": "10000 100000", "/b memory.max": "16777216"}
	if got := c.Config().Cgroups; !maps.Equal(got, want) {
		t.Errorf("cgroups %v, want %v", got, want)
	}
	if meta.Config.Cgroups["/a cpu.max"] != "max 100000" || len(meta.Config.Cgroups) != 1 {
		t.Errorf("the metadata's map changed: %v", meta.Config.Cgroups)
	}
	a := FromSnapshots("a", capture.Meta{}, snaps[:1])
	res, err := Compare(a, c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var items []string
	for _, ch := range res.Config {
		items = append(items, ch.Item)
	}
	if !slices.Contains(items, "cgroup /a cpu.max") || !slices.Contains(items, "cgroup /b memory.max") {
		t.Errorf("CHANGED %v does not list both limits", items)
	}
}

// TestConfigValue: cgroup memory sizes read with their binary size, v1's
// page-counter maximum as unlimited; other values as recorded.
func TestConfigValue(t *testing.T) {
	tests := []struct{ item, v, want string }{
		{"cgroup /b memory.limit_in_bytes", "9223372036854771712", "unlimited"},
		{"cgroup /b memory.limit_in_bytes", "50331648", "50331648 (48.0 MiB)"},
		{"cgroup /b memory.memsw.limit_in_bytes", "1073741824", "1073741824 (1.0 GiB)"},
		{"cgroup /b memory.max", "max", "max"},
		{"cgroup /b memory.high", "16777216", "16777216 (16.0 MiB)"},
		{"cgroup /b memory.limit_in_bytes", "", "(absent)"},
		{"cgroup /b memory.stat", "123", "123"},
		{"sysctl vm.dirty_bytes", "1048576", "1048576"},
		{"cgroup /b cpu.cfs_quota_us", "10000", "10000"},
	}
	for _, tt := range tests {
		if got := configValue(tt.item, tt.v); got != tt.want {
			t.Errorf("configValue(%q, %q) = %q, want %q", tt.item, tt.v, got, tt.want)
		}
	}
}

// TestLimitDevices: a cgroup IO limit's values name devices by number; the
// captures' device lists name them for people, where they hold the number.
func TestLimitDevices(t *testing.T) {
	devs := []model.DeviceConfig{{Name: "loop1", Dev: "7:1"}, {Name: "vda", Dev: "253:0"}, {Name: "sdz"}}
	tests := []struct {
		key, a, b string
		want      []string // the values of A and B for people
	}{
		{"/x blkio.throttle.read_bps_device", "none", "7:1 838860800", []string{"none", "loop1 838860800 (800.0 MiB/s)"}},
		{"/x blkio.throttle.write_iops_device", "7:1 2000", "7:1 500", []string{"loop1 2000 IOs/s", "loop1 500 IOs/s"}},
		{"/x io.max", "", "253:0 rbps=max wbps=1048576 riops=max wiops=max", []string{"(absent)", "vda rbps=max wbps=1048576 riops=max wiops=max"}},
		// A number neither capture lists stays a number.
		{"/x io.max", "8:0 rbps=1", "8:0 rbps=2", []string{"8:0 rbps=1", "8:0 rbps=2"}},
		// Not an IO limit: "7:1" is no device there.
		{"/x memory.max", "7:1", "max", []string{"7:1", "max"}},
	}
	for _, tt := range tests {
		cfgA := model.Config{Devices: devs, Cgroups: map[string]string{tt.key: tt.a}}
		cfgB := model.Config{Devices: devs, Cgroups: map[string]string{tt.key: tt.b}}
		chs := diffConfig(cfgA, cfgB)
		if len(chs) != 1 {
			t.Fatalf("%s: %d changes, want 1: %+v", tt.key, len(chs), chs)
		}
		ch := chs[0]
		if got := []string{ch.value(ch.A), ch.value(ch.B)}; !slices.Equal(got, tt.want) {
			t.Errorf("%s %q → %q: %q, want %q", tt.key, tt.a, tt.b, got, tt.want)
		}
		if ch.A != tt.a || ch.B != tt.b {
			t.Errorf("%s: raw values %q → %q changed", tt.key, ch.A, ch.B)
		}
	}
}
