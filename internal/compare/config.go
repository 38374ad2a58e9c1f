package compare

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/nfstrace/nfstrace/internal/model"
)

// ConfigChange is one configuration item that differs between A and B. An
// empty A or B means the item is absent on that side.
type ConfigChange struct {
	Item string `json:"item"` // "kernel", "cmdline", "scheduler vda", "sysctl vm.dirty_bytes", ...
	A    string `json:"a"`
	B    string `json:"b"`
	// Autotuned: the kernel sets this value itself at boot (from the memory
	// it finds), so a difference is not an administrator's change; shown,
	// never matched to a layer.
	Autotuned bool `json:"autotuned,omitempty"`
	// Memory is set when the item bounds the memory a page cache can
	// hold (host memory, a cgroup memory limit): its sizes in bytes,
	// +Inf for no limit, read where the values are raw.
	Memory *MemorySizes `json:"-"`
	// Devices names the block devices a cgroup IO limit's values give by
	// number (io.max, blkio.throttle.*: "7:1 838860800"): MAJ:MIN →
	// name, from the captures' device lists, where they hold the number.
	Devices map[string]string `json:"devices,omitempty"`
}

// MemorySizes are a memory item's sizes in A and B, in bytes; OK says
// which side has one.
type MemorySizes struct {
	A, B     float64
	OKA, OKB bool
}

// diffConfig lists what differs between two configurations, in the order an
// engineer checks them.
func diffConfig(a, b model.Config) []ConfigChange {
	var out []ConfigChange
	add := func(item, va, vb string) {
		if va != vb {
			out = append(out, ConfigChange{Item: item, A: va, B: vb, Autotuned: isAutotuned(item)})
		}
	}
	add("kernel", a.KernelRelease, b.KernelRelease)
	if a.KernelRelease == b.KernelRelease {
		add("kernel build", a.KernelVersion, b.KernelVersion)
	}
	if a.Cmdline != b.Cmdline {
		ra, rb := cmdlineDiff(a.Cmdline, b.Cmdline)
		out = append(out, ConfigChange{Item: "cmdline", A: ra, B: rb})
	}
	devsA, devsB := deviceMap(a.Devices), deviceMap(b.Devices)
	for _, name := range unionKeys(devsA, devsB) {
		da, okA := devsA[name]
		db, okB := devsB[name]
		switch {
		case !okA:
			add("device "+name, "", "present, "+orDash(db.Scheduler))
		case !okB:
			add("device "+name, "present, "+orDash(da.Scheduler), "")
		default:
			add("scheduler "+name, orDash(da.Scheduler), orDash(db.Scheduler))
			add("rotational "+name, fmt.Sprint(da.Rotational), fmt.Sprint(db.Rotational))
			if da.NrRequests != 0 && db.NrRequests != 0 {
				add("nr_requests "+name, fmt.Sprint(da.NrRequests), fmt.Sprint(db.NrRequests))
			}
		}
	}
	for _, k := range unionKeys(a.Sysctls, b.Sysctls) {
		add("sysctl "+k, a.Sysctls[k], b.Sysctls[k])
	}
	for _, k := range unionKeys(a.Cgroups, b.Cgroups) {
		add("cgroup "+k, a.Cgroups[k], b.Cgroups[k])
		if n := len(out); n > 0 && out[n-1].Item == "cgroup "+k {
			out[n-1].Memory = cgroupMemory(k, a.Cgroups[k], b.Cgroups[k])
			out[n-1].Devices = limitDevices(k, a.Cgroups[k]+" "+b.Cgroups[k], a.Devices, b.Devices)
		}
	}
	add("nfsd threads", fmt.Sprint(a.NFSDThreads), fmt.Sprint(b.NFSDThreads))
	add("nfsd versions", a.NFSDVersions, b.NFSDVersions)
	add("cpus", fmt.Sprint(a.CPUs), fmt.Sprint(b.CPUs))
	if a.MemTotal != b.MemTotal {
		out = append(out, ConfigChange{Item: "memory", A: memText(a.MemTotal), B: memText(b.MemTotal),
			Memory: &MemorySizes{A: float64(a.MemTotal), B: float64(b.MemTotal), OKA: a.MemTotal > 0, OKB: b.MemTotal > 0}})
	}
	add("backend", a.Backend.Name, b.Backend.Name)
	add("targets", a.Targets, b.Targets)
	add("host", a.Hostname, b.Hostname)
	return out
}

// limitDevices returns the devices a cgroup IO limit's values (vals)
// name by number, MAJ:MIN → name, from the devices of either capture;
// nil for any other item, or where neither capture knows the numbers.
func limitDevices(key, vals string, a, b []model.DeviceConfig) map[string]string {
	_, file, _ := strings.Cut(key, " ")
	if !strings.HasPrefix(file, "io.") && !strings.HasPrefix(file, "blkio.") {
		return nil
	}
	var m map[string]string
	for _, d := range slices.Concat(a, b) {
		if d.Dev == "" || !slices.Contains(strings.Fields(vals), d.Dev) {
			continue
		}
		if m == nil {
			m = map[string]string{}
		}
		m[d.Dev] = d.Name
	}
	return m
}

// value is one side's value of the item for people (see configValue),
// with the devices an IO limit names by number named.
func (c ConfigChange) value(v string) string {
	if len(c.Devices) == 0 {
		return configValue(c.Item, v)
	}
	f := strings.Fields(v)
	bps, iops := strings.HasSuffix(c.Item, "_bps_device"), strings.HasSuffix(c.Item, "_iops_device")
	for i, w := range f {
		name, ok := c.Devices[w]
		if !ok {
			continue
		}
		f[i] = name
		// blkio.throttle.*_device: "MAJ:MIN RATE", bytes or IOs a second.
		if i+1 >= len(f) {
			continue
		}
		if n, err := strconv.ParseUint(f[i+1], 10, 64); err == nil && bps {
			f[i+1] = fmt.Sprintf("%d (%s/s)", n, model.FormatBytes(n))
		} else if err == nil && iops {
			f[i+1] += " IOs/s"
		}
	}
	return configValue(c.Item, strings.Join(f, " "))
}

// cmdlineDiff returns the parameters only in a and only in b.
func cmdlineDiff(a, b string) (string, string) {
	fa, fb := strings.Fields(a), strings.Fields(b)
	var onlyA, onlyB []string
	for _, f := range fa {
		if !slices.Contains(fb, f) {
			onlyA = append(onlyA, f)
		}
	}
	for _, f := range fb {
		if !slices.Contains(fa, f) {
			onlyB = append(onlyB, f)
		}
	}
	return strings.Join(onlyA, " "), strings.Join(onlyB, " ")
}

func deviceMap(ds []model.DeviceConfig) map[string]model.DeviceConfig {
	m := make(map[string]model.DeviceConfig, len(ds))
	for _, d := range ds {
		m[d.Name] = d
	}
	return m
}

func unionKeys[V any](a, b map[string]V) []string {
	var ks []string
	for k := range a {
		ks = append(ks, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			ks = append(ks, k)
		}
	}
	slices.Sort(ks)
	return ks
}

// caveats says plainly what the two captures cannot be compared on.
func caveats(a, b *Capture, per string) []string {
	var out []string
	ca, cb := a.Config(), b.Config()
	if ca.Backend.Name != cb.Backend.Name {
		out = append(out, fmt.Sprintf("different backends (A %s, B %s): D-state and latency figures are measured differently; compare them with care",
			orDash(ca.Backend.Name), orDash(cb.Backend.Name)))
	}
	pa, pb := probeStatus(ca.Backend.Probes), probeStatus(cb.Backend.Probes)
	for _, name := range unionKeys(pa, pb) {
		sa, sb := pa[name], pb[name]
		okA, okB := sa == model.ProbeAttached || sa == model.ProbeFallback, sb == model.ProbeAttached || sb == model.ProbeFallback
		if okA != okB {
			out = append(out, fmt.Sprintf("probe %s: %s in A, %s in B: what it measures is not compared", name, orDash(sa), orDash(sb)))
		}
	}
	for _, x := range []struct {
		fam  int
		what string
	}{
		{famSite, "no D-state data"},
		{famBlockDev, "no block-layer data (device latency from /proc/diskstats only)"},
		{famRPCOp, "no per-RPC latency data"},
	} {
		na, nb := len(a.fams[x.fam]), len(b.fams[x.fam])
		switch {
		case na == 0 && nb == 0:
			out = append(out, x.what+" in either capture")
		case na == 0:
			out = append(out, x.what+" in A")
		case nb == 0:
			out = append(out, x.what+" in B")
		}
	}
	// A capture whose run rows keep their waits outside calls apart leaves
	// them out of the wait for a CPU; one older, or from another backend,
	// counts them in.
	if a.outsideKnown != b.outsideKnown {
		apart, with := "B", "A"
		if a.outsideKnown {
			apart, with = "A", "B"
		}
		out = append(out, fmt.Sprintf("waits for a CPU outside the threads' calls (paced, idle or in user space) are left out in %s only: %s's waiting for a CPU counts them too; compare it with care", apart, with))
	}
	if sum(a.ops) == 0 && sum(b.ops) == 0 && sum(a.rpcReqs) == 0 && sum(b.rpcReqs) == 0 {
		out = append(out, "no NFS operations counted in either capture: figures are per "+perText(per)+", not per NFS operation")
	}
	for _, c := range []*Capture{a, b} {
		if c.Lost > 0 && c.Events > 0 {
			out = append(out, fmt.Sprintf("%s lost %d of %d events (%.1f%%)", c.Name, c.Lost, c.Events+c.Lost, 100*float64(c.Lost)/float64(c.Events+c.Lost)))
		}
		if c.Snapshots < minIntervals {
			out = append(out, fmt.Sprintf("%s has %d interval(s): too few to test changes for significance (need %d)", c.Name, c.Snapshots, minIntervals))
		}
		for _, n := range c.Notes {
			out = append(out, c.Name+": "+n)
		}
	}
	return out
}

func probeStatus(ps []model.Probe) map[string]string {
	m := make(map[string]string, len(ps))
	for _, p := range ps {
		m[p.Name] = p.Status
	}
	return m
}

func sum(s []float64) float64 {
	var t float64
	for _, v := range s {
		t += v
	}
	return t
}

// memText is a host's memory size, "" when the capture does not say.
func memText(b uint64) string {
	if b == 0 {
		return ""
	}
	return model.FormatBytes(b)
}

// cgroupMemory reads the sizes of a cgroup memory limit ("PATH FILE"),
// nil for another file: bytes, where "max" and v1's near-2^63 mean no
// limit.
func cgroupMemory(key, a, b string) *MemorySizes {
	file := key[strings.LastIndexByte(key, ' ')+1:]
	if file != "memory.max" && file != "memory.high" && file != "memory.limit_in_bytes" {
		return nil
	}
	size := func(v string) (float64, bool) {
		if v == "max" {
			return math.Inf(1), true
		}
		n, err := strconv.ParseUint(v, 10, 64)
		switch {
		case err != nil:
			return 0, false
		case n >= 1<<62:
			return math.Inf(1), true
		}
		return float64(n), true
	}
	m := &MemorySizes{}
	m.A, m.OKA = size(a)
	m.B, m.OKB = size(b)
	return m
}
