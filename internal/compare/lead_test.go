package compare

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/capture"
	"github.com/nfstrace/nfstrace/internal/model"
)

// TestLeadAgreesWithChanged runs the lead over every combination of a set
// of configuration changes and every layer: the lead never says the
// configuration is the same when something changed, names only changes
// that are listed and can move the layer, names every direct match (up to
// the three it shows), and never leads with an autotuned value.
func TestLeadAgreesWithChanged(t *testing.T) {
	all := []ConfigChange{
		{Item: "kernel", A: "6.1.0-27-cloud-amd64", B: "6.12.9-cloud-amd64"},
		{Item: "cmdline", A: "", B: "elevator=bfq"},
		{Item: "scheduler sda", A: "mq-deadline", B: "bfq"},
		{Item: "nr_requests sdb", A: "256", B: "4"},
		{Item: "sysctl vm.dirty_bytes", A: "0", B: "524288"},
		{Item: "sysctl vm.swappiness", A: "60", B: "10"},
		{Item: "sysctl net.core.rmem_max", A: "212992", B: "4194304"},
		{Item: "sysctl net.ipv4.tcp_rmem", A: "4096 131072 5517024", B: "4096 131072 5517088", Autotuned: true},
		{Item: "nfsd threads", A: "8", B: "1"},
		{Item: "cpus", A: "4", B: "2"},
		{Item: "memory", A: "8.0 GiB", B: "4.0 GiB", Memory: &MemorySizes{A: 8 << 30, B: 4 << 30, OKA: true, OKB: true}},
		{Item: "backend", A: "ebpf", B: "procfs"},
		{Item: "device sdc", A: "present, mq-deadline", B: ""},
		{Item: "device sdd", A: "", B: "present, none"},
		{Item: "cgroup /bench cpu.max", A: "max 100000", B: "10000 100000"},
		{Item: "cgroup /bench memory.max", A: "max", B: "16777216", Memory: cgroupMemory("/bench memory.max", "max", "16777216")},
	}
	layers := []string{"block sda", "block sdb", "block ?", ClassWriteback, ClassJournal, ClassLock, ClassPageLock,
		ClassReclaim, ClassNetwork, ClassOther, LayerCPU, LayerQueue, LayerRest, LayerWork}
	causes := map[string]string{"block sda": CauseDevice, "block sdb": CauseBio, "block ?": CauseWorkload, LayerCPU: CauseCPU,
		LayerQueue: CauseQueue, LayerRest: CauseRequest, LayerWork: CauseCPU}
	for mask := 0; mask < 1<<len(all); mask++ {
		var changes []ConfigChange
		for i, ch := range all {
			if mask&(1<<i) != 0 {
				changes = append(changes, ch)
			}
		}
		for _, dir := range []float64{1, -1} {
			for _, layer := range layers {
				cause := causes[layer]
				if cause == "" {
					cause = classCause[layer]
				}
				outcome := OutcomeWorse
				if dir < 0 {
					outcome = OutcomeBetter
				}
				d := &Diagnosis{Outcome: outcome, Cause: cause, Match: matchChanges(changes, layer, dir),
					Layer: &LayerShare{Key: layer, Kind: LayerKind(layer), Device: LayerDevice(layer)}}
				if cause == CauseDevice {
					d.Device = &DeviceFinding{Device: "sda"}
				}
				if layer == LayerWork {
					// The run-queue layer, matched on the kernel's work in
					// the threads' calls (Diagnosis.Work).
					d.Layer = &LayerShare{Key: LayerCPU, Kind: LayerCPU}
					d.Work = &OwnWork{RanA: 200e3, RanB: 800e3, KernelA: 90e3, KernelB: 700e3}
				}
				leads := map[string]string{fmt.Sprintf("%s %s with %d changes (mask %#x)", outcome, layer, len(changes), mask): leadText(d, &Result{Config: changes})}
				if class := stuckClass(layer); class != "" {
					// Threads stuck in D in one capture: the lead of
					// their wait's class (Diagnosis.Stuck).
					in := map[bool]string{true: "B", false: "A"}[dir > 0]
					m := matchChanges(changes, layerKey(class, ""), dir)
					sd := &Diagnosis{Outcome: outcome, Cause: stuckCause(class, m), Match: m,
						Stuck: &Stuck{In: in, Group: StuckGroup{Comm: "nfsd", Class: class, Count: 1, Longest: time.Minute}, Groups: 1}}
					leads[fmt.Sprintf("%s stuck at %s with %d changes (mask %#x)", outcome, class, len(changes), mask)] = leadText(sd, &Result{Config: changes})
				}
				for name, lead := range leads {
					same := strings.Contains(lead, "configuration is the same")
					if same != (len(changes) == 0) {
						t.Fatalf("%s: lead %q", name, lead)
					}
					for _, ch := range all {
						listed := mask&(1<<indexOf(all, ch)) != 0
						named := strings.Contains(lead, described(ch))
						if named && (!listed || ch.Autotuned || reachSide(ch, layer, dir) == reachNone) {
							t.Fatalf("%s: lead %q names %s, which is not listed or cannot move the layer", name, lead, ch.Item)
						}
					}
					// The lead names the changes that act on the layer itself
					// first, then those that act through another, at most three.
					var direct, through []ConfigChange
					for _, ch := range changes {
						switch reachSide(ch, layer, dir) {
						case reachDirect:
							direct = append(direct, ch)
						case reachThrough:
							through = append(through, ch)
						}
					}
					for i, ch := range append(direct, through...) {
						if i < 3 && !strings.Contains(lead, described(ch)) {
							t.Fatalf("%s: lead %q does not name %s, which can move the layer", name, lead, ch.Item)
						}
					}
					if d.Match.Kind == MatchNone {
						none := fmt.Sprintf("none of the %d configuration changes", len(changes))
						if len(changes) == 1 {
							none = "the one configuration change listed cannot move"
						}
						if !strings.Contains(lead, none) {
							t.Fatalf("%s: lead %q does not say that none of the changes can move the layer", name, lead)
						}
					}
				}
			}
		}
	}
}

// stuckClass is the wait class of a layer a stuck wait can be in, "" for
// the layers that are not waits in D (and for block IO on a named device:
// a stuck task's device is not known).
func stuckClass(layer string) string {
	switch LayerKind(layer) {
	case LayerCPU, LayerQueue, LayerRest, LayerWork:
		return ""
	case "block":
		if LayerDevice(layer) != "" {
			return ""
		}
		return ClassBlockIO
	}
	return layer
}

func indexOf(all []ConfigChange, ch ConfigChange) int {
	for i, c := range all {
		if c.Item == ch.Item {
			return i
		}
	}
	return -1
}

func described(ch ConfigChange) string {
	return ch.Item + " " + orAbsent(ch.A) + " → " + orAbsent(ch.B)
}

func TestCgroupReach(t *testing.T) {
	tests := []struct {
		item, layer string
		want        int
	}{
		{"cgroup /bench cpu.max", LayerCPU, reachDirect},
		{"cgroup /a b/c cpu.weight", LayerCPU, reachDirect}, // a path with a space
		{"cgroup /bench cpu.max", LayerQueue, reachThrough},
		{"cgroup /bench cpu.max", "block sda", reachNone},
		{"cgroup /bench io.max", "block ?", reachDirect},
		{"cgroup /bench io.max", ClassWriteback, reachThrough},
		{"cgroup /bench io.max", LayerCPU, reachNone},
		{"cgroup /bench blkio.throttle.write_bps_device", "block ?", reachDirect},
		{"cgroup /bench cpu.cfs_quota_us", LayerCPU, reachDirect},
		{"cgroup /bench memory.limit_in_bytes", ClassReclaim, reachDirect},
		{"cgroup /bench memory.max", ClassReclaim, reachDirect},
		{"cgroup /bench memory.high", ClassWriteback, reachThrough},
		{"cgroup /bench memory.max", ClassLock, reachNone},
	}
	for _, tt := range tests {
		if got := reach(ConfigChange{Item: tt.item, A: "x", B: "y"}, tt.layer); got != tt.want {
			t.Errorf("reach(%s, %s) = %d, want %d", tt.item, tt.layer, got, tt.want)
		}
	}
}

// TestMemoryMoved: a memory size explains more IO only when it shrank,
// less IO only when it grew; sizes that cannot be read do not count. The
// changes are diffConfig's, as compare makes them.
func TestMemoryMoved(t *testing.T) {
	cg := func(key, a, b string) [2]model.Config {
		return [2]model.Config{{Cgroups: map[string]string{key: a}}, {Cgroups: map[string]string{key: b}}}
	}
	mem := func(a, b uint64) [2]model.Config { return [2]model.Config{{MemTotal: a}, {MemTotal: b}} }
	tests := []struct {
		cfg  [2]model.Config
		dir  float64
		want bool
	}{
		{cg("/b memory.limit_in_bytes", "9223372036854771712", "16777216"), 1, true},
		{cg("/b memory.limit_in_bytes", "9223372036854771712", "16777216"), -1, false},
		{cg("/b memory.max", "16777216", "max"), -1, true},
		{cg("/b memory.high", "33554432", "16777216"), 1, true},
		{mem(8<<30, 512<<20), 1, true},
		{mem(512<<20, 8<<30), 1, false},
		{mem(0, 8<<30), -1, false},                      // unknown in A
		{cg("/b memory.max", "", "16777216"), 1, false}, // absent in A: unknown
		{cg("/b memory.soft_limit_in_bytes", "max", "1"), 1, false},
		{[2]model.Config{{Sysctls: map[string]string{"vm.swappiness": "60"}}, {Sysctls: map[string]string{"vm.swappiness": "10"}}}, 1, false},
		{cg("/b cpu.max", "max 100000", "1000 100000"), 1, false},
	}
	for _, tt := range tests {
		chs := diffConfig(tt.cfg[0], tt.cfg[1])
		if len(chs) != 1 {
			t.Fatalf("diffConfig(%+v) = %+v, want one change", tt.cfg, chs)
		}
		if got := memoryMoved(chs, tt.dir); got != tt.want {
			t.Errorf("memoryMoved(%+v, %v) = %v, want %v", chs[0], tt.dir, got, tt.want)
		}
	}
}

// TestThroughWriteback: a journal or page-lock layer that only dirty-page
// limits can move (through writeback) moved for writeback; any change
// that acts on it otherwise, or a kernel that can move anything, leaves
// the layer's own cause.
func TestThroughWriteback(t *testing.T) {
	dirty := ConfigChange{Item: "sysctl vm.dirty_bytes", A: "0", B: "524288"}
	ratio := ConfigChange{Item: "sysctl vm.dirty_background_ratio", A: "10", B: "0"}
	sched := ConfigChange{Item: "scheduler sda", A: "mq-deadline", B: "bfq"}
	kernel := ConfigChange{Item: "kernel", A: "6.1.0-27-cloud-amd64", B: "6.12.9-cloud-amd64"}
	tests := []struct {
		name    string
		layer   string
		changes []ConfigChange
		want    bool
	}{
		{"dirty limits, journal", ClassJournal, []ConfigChange{dirty, ratio}, true},
		{"dirty limits, page lock", ClassPageLock, []ConfigChange{dirty}, true},
		{"dirty limits and a scheduler", ClassJournal, []ConfigChange{dirty, sched}, false},
		{"dirty limits and a kernel", ClassJournal, []ConfigChange{dirty, kernel}, false},
		{"a scheduler alone", ClassJournal, []ConfigChange{sched}, false},
		{"nothing", ClassJournal, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := matchChanges(tt.changes, tt.layer, 1)
			if got := throughWriteback(m.Changes, tt.layer, 1); got != tt.want {
				t.Errorf("throughWriteback(%v) = %v, want %v", m.Changes, got, tt.want)
			}
		})
	}
}

// TestOwnWork: the threads' CPU time per unit is their calls' own work when
// its kernel part moved by MinChange and carried the change, either way,
// and the cause goes one step up to what can move that work.
func TestOwnWork(t *testing.T) {
	const us = 1e3
	tests := []struct {
		name               string
		ranA, ranB, kA, kB float64
		dir                float64
		want               bool
	}{
		{"8x in the kernel", 219 * us, 836 * us, 91 * us, 724 * us, 1, true},
		{"fell in the kernel", 836 * us, 219 * us, 724 * us, 91 * us, -1, true},
		{"1.43x in the kernel", 25 * us, 35 * us, 21 * us, 30 * us, 1, true},
		{"under MinChange", 219 * us, 240 * us, 91 * us, 110 * us, 1, false},
		{"the program's own work", 100 * us, 500 * us, 10 * us, 20 * us, 1, false},
		{"not split by mode", 219 * us, 836 * us, 0, 0, 1, false},
		{"moved against the change", 219 * us, 836 * us, 91 * us, 724 * us, -1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &comparison{opt: Options{}.withDefaults()}
			w := c.ownWork(&Breakdown{RanA: tt.ranA, RanB: tt.ranB, KernelA: tt.kA, KernelB: tt.kB}, tt.dir)
			if (w != nil) != tt.want {
				t.Errorf("ownWork = %+v, want found %v", w, tt.want)
			}
		})
	}

	devs := []DeviceLatency{{Device: "loop0", SchedulerA: "mq-deadline", SchedulerB: "mq-deadline"}}
	causes := []struct {
		change ConfigChange
		cause  string
		match  string
	}{
		{ConfigChange{Item: "cgroup /x memory.limit_in_bytes", A: "9223372036854771712", B: "33554432",
			Memory: cgroupMemory("/x memory.limit_in_bytes", "9223372036854771712", "33554432")}, CauseReclaim, MatchDirect},
		{ConfigChange{Item: "sysctl vm.dirty_bytes", A: "0", B: "2097152"}, CauseWriteback, MatchDirect},
		{ConfigChange{Item: "rotational loop0", A: "false", B: "true"}, CauseDevice, MatchDirect},
		// The queue settings of the device their IO goes to: the
		// scheduler's work runs in the submitting calls.
		{ConfigChange{Item: "scheduler loop0", A: "none", B: "bfq"}, CauseScheduler, MatchDirect},
		{ConfigChange{Item: "nr_requests loop0", A: "256", B: "4"}, CauseScheduler, MatchDirect},
		// A device the threads' IO did not go to is not theirs.
		{ConfigChange{Item: "scheduler sdb", A: "none", B: "bfq"}, CauseCPU, MatchDirect},
		{ConfigChange{Item: "kernel", A: "6.1.0", B: "6.12.0"}, CauseCPU, MatchKernel},
		{ConfigChange{Item: "cgroup /x cpu.max", A: "max 100000", B: "50000 100000"}, CauseCPU, MatchNone},
	}
	for _, tt := range causes {
		t.Run(tt.change.Item, func(t *testing.T) {
			c := &comparison{}
			d := &Diagnosis{Cause: CauseCPU, Outcome: OutcomeWorse}
			c.byOwnWork(d, &Result{Config: []ConfigChange{tt.change}, Devices: devs}, &OwnWork{RanA: 1, RanB: 4, KernelA: 1, KernelB: 4}, 1)
			if d.Cause != tt.cause || d.Match.Kind != tt.match {
				t.Errorf("cause %q, match %s; want %q, %s", d.Cause, d.Match.Kind, tt.cause, tt.match)
			}
			if (d.Cause == CauseDevice || d.Cause == CauseScheduler) && (d.Device == nil || d.Device.Device != "loop0" || d.Device.Via != LayerWork) {
				t.Errorf("device %+v", d.Device)
			}
			if d.Cause == CauseScheduler && d.Device.Queue != tt.change.Item {
				t.Errorf("queue setting %q, want %q", d.Device.Queue, tt.change.Item)
			}
		})
	}

	// A CPU quota moves the waits for a CPU themselves, not the kernel's
	// work: where it matches the layer, it leads and the longer calls
	// are not the step taken.
	quota := ConfigChange{Item: "cgroup /x cpu.cfs_quota_us", A: "-1", B: "15000"}
	res := &Result{Config: []ConfigChange{quota}, Devices: devs}
	d := &Diagnosis{Cause: CauseCPU, Outcome: OutcomeWorse, Match: matchChanges(res.Config, LayerCPU, 1)}
	if d.Match.Kind != MatchDirect {
		t.Fatalf("%s does not match the run-queue layer: %+v", quota.Item, d.Match)
	}
	(&comparison{}).byOwnWork(d, res, &OwnWork{RanA: 1, RanB: 4, KernelA: 1, KernelB: 4}, 1)
	if d.Cause != CauseCPU || d.Match.Kind != MatchDirect || d.Work != nil {
		t.Errorf("with the quota matching the layer: cause %q, match %s, work %+v; want cpu, the quota, no step to the kernel's work", d.Cause, d.Match.Kind, d.Work)
	}
}

// TestByDirty: a block layer's IO held above the devices, or a device given
// more work, is the dirty-page limits' doing when they are the only changes
// that can move it; an IO limit, a memory limit or a kernel change beside
// them keeps the block layer's own cause.
func TestByDirty(t *testing.T) {
	dirty := ConfigChange{Item: "sysctl vm.dirty_bytes", A: "0", B: "1048576"}
	tests := []struct {
		name    string
		cause   string
		changes []ConfigChange
		want    string
	}{
		{"held above, dirty limits", CauseBio, []ConfigChange{dirty}, CauseWriteback},
		{"more work, dirty limits", CauseWorkload, []ConfigChange{dirty, {Item: "sysctl vm.dirty_ratio", A: "20", B: "0"}}, CauseWriteback},
		{"held above, an IO limit too", CauseBio, []ConfigChange{dirty, {Item: "cgroup /x io.max", A: "", B: "253:0 wiops=300"}}, CauseBio},
		{"more work, a kernel change too", CauseWorkload, []ConfigChange{dirty, {Item: "kernel", A: "6.1.0", B: "6.12.0"}}, CauseWorkload},
		{"a slower device", CauseDevice, []ConfigChange{dirty}, CauseDevice},
		{"nothing changed", CauseWorkload, nil, CauseWorkload},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := &LayerShare{Key: blockPrefix + unknownDevice, Kind: "block"}
			d := &Diagnosis{Cause: tt.cause, Match: matchChanges(tt.changes, l.Key, 1)}
			d.byDirty(l, 1)
			if d.Cause != tt.want {
				t.Errorf("cause %q, want %q", d.Cause, tt.want)
			}
		})
	}
}

// TestCrowd: the traced threads running per interval, over the intervals
// where any ran, count as more of the workload when they moved by
// loadRatio with the change.
func TestCrowd(t *testing.T) {
	tests := []struct {
		name string
		a, b []float64
		dir  float64
		want bool
	}{
		{"1 job to 6", []float64{2, 2, 2, 0}, []float64{7, 7, 8, 7}, 1, true},
		{"the same jobs", []float64{3, 3, 4}, []float64{3, 4, 3}, 1, false},
		{"fewer with a fall", []float64{8, 8}, []float64{3, 3}, -1, true},
		{"more against a fall", []float64{3, 3}, []float64{8, 8}, -1, false},
		{"not counted", nil, []float64{8, 8}, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &comparison{a: &Capture{running: tt.a}, b: &Capture{running: tt.b}}
			if got := c.crowd(tt.dir); (got != nil) != tt.want {
				t.Errorf("crowd = %+v, want found %v", got, tt.want)
			}
		})
	}
}

// TestCrowded: a device slower per request at no lower throughput was
// given more work when more of the traced threads kept it busy (by
// loadRatio); not at the same threads, nor when its throughput fell by a
// change that matters (a slower device does less), though a fall too small
// to matter is the same throughput; and the same the other way for a
// fall. The threads counted are those that waited on the device where
// both captures have them, else those on a CPU.
func TestCrowded(t *testing.T) {
	mk := func(running, waiting float64) *Capture {
		c := newCapture("x", capture.Meta{})
		c.running = []float64{running, running, running, running}
		if waiting > 0 {
			c.waiters["loop0"] = []float64{0, waiting, waiting, waiting}
		}
		return c
	}
	tests := []struct {
		name               string
		threadsA, threadsB float64 // on a CPU
		waitA, waitB       float64 // waiting on loop0, 0: none counted
		bytesA, bytesB     float64
		dir                float64
		want               bool
	}{
		{"3 -> 12 jobs, a saturated device", 5, 14, 0, 0, 211e6, 273e6, 1, true},
		{"as many threads", 5, 5, 0, 0, 211e6, 273e6, 1, false},
		{"more threads, less done", 5, 14, 0, 0, 211e6, 150e6, 1, false},
		{"more threads, 5% less done: as much", 5, 14, 0, 0, 211e6, 200e6, 1, true},
		{"more threads, a quarter less done", 5, 14, 0, 0, 211e6, 158e6, 1, false},
		{"fewer threads, 10% more done: a fall", 14, 5, 0, 0, 273e6, 300e6, -1, true},
		{"fewer threads, 40% more done", 14, 5, 0, 0, 273e6, 382e6, -1, false},
		{"fewer threads, as much done: a fall", 14, 5, 0, 0, 273e6, 273e6, -1, true},
		{"fewer threads for a rise", 14, 5, 0, 0, 211e6, 211e6, 1, false},
		// 2 -> 4 jobs beside a parent and a timer thread that run
		// between the IOs: 4 -> 6 on a CPU is under loadRatio.
		{"2 -> 4 jobs waiting on it", 4, 6, 2, 4, 699e6, 794e6, 1, true},
		{"more running, as many waiting on it", 5, 14, 3, 3, 211e6, 273e6, 1, false},
		{"waiters counted in A only: those running", 5, 14, 3, 0, 211e6, 273e6, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &comparison{a: mk(tt.threadsA, tt.waitA), b: mk(tt.threadsB, tt.waitB), opt: Options{}.withDefaults()}
			d := &DeviceLatency{Device: "loop0", RateA: 1, RateB: 1, BytesA: tt.bytesA, BytesB: tt.bytesB}
			got := c.crowded(d, tt.dir)
			if (got != nil) != tt.want {
				t.Fatalf("crowded = %+v, want %v", got, tt.want)
			}
			if got != nil && got.Waiting != (tt.waitA > 0 && tt.waitB > 0) {
				t.Errorf("counted waiting %v", got.Waiting)
			}
		})
	}
}

// TestBusier: threads that waited behind each other are the workload's doing
// when they asked for loadRatio times the work a second and ran as much
// more (less and less, for a fall); not when only one of the two moved, nor
// where the unit is their CPU time itself.
func TestBusier(t *testing.T) {
	mk := func(cpu float64) *Capture {
		c := newCapture("x", capture.Meta{})
		for range 4 {
			c.secs = append(c.secs, 1)
			c.onCPU = append(c.onCPU, cpu)
		}
		return c
	}
	tests := []struct {
		name         string
		per          string
		rateA, rateB float64
		cpuA, cpuB   float64
		dir          float64
		want         bool
	}{
		{"150 -> 3000 IOs a second a job", "IO", 734, 7.3e3, 0.05, 0.51, 1, true},
		{"as much work, each costlier", "IO", 734, 800, 0.05, 0.51, 1, false},
		{"more work, as much CPU", "IO", 734, 7.3e3, 0.05, 0.06, 1, false},
		{"less work and CPU: a fall", "call", 7.3e3, 734, 0.51, 0.05, -1, true},
		{"less work for a rise", "call", 7.3e3, 734, 0.51, 0.05, 1, false},
		{"the unit is CPU time", "CPU-s", 0.05, 0.51, 0.05, 0.51, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &comparison{a: mk(tt.cpuA), b: mk(tt.cpuB), opt: Options{}.withDefaults()}
			b := c.busier(Workload{Per: tt.per, RateA: tt.rateA, RateB: tt.rateB}, tt.dir)
			if (b != nil) != tt.want {
				t.Fatalf("busier = %+v, want found %v", b, tt.want)
			}
			if b == nil {
				return
			}
			d := &Diagnosis{Outcome: OutcomeWorse, Cause: CauseWorkload, Per: tt.per, Busier: b}
			if tt.dir < 0 {
				d.Outcome = OutcomeBetter
			}
			res := &Result{Workload: Workload{Per: tt.per, RateA: tt.rateA, RateB: tt.rateB}}
			want := "they did more work a second (waits for block IO 734 → 7.3k a second) and ran more (0.05 → 0.51 CPU-seconds a second)"
			if tt.dir < 0 {
				want = "they did less work a second (read and write calls 7.3k → 734 a second) and ran less (0.51 → 0.05 CPU-seconds a second)"
			}
			if got := causeText(d, res); !strings.Contains(got, want) {
				t.Errorf("%q, want %q in it", got, want)
			}
		})
	}
}

// TestAppeared: IO on a device A's threads did not wait on is new work when
// the device they did wait on kept its load and the new one carries 1.5x
// what that one had; IO that left its device moved (an export to another
// device), whatever the loads.
func TestAppeared(t *testing.T) {
	dev := func(rateA, rateB, bytesA, bytesB float64) *DeviceLatency {
		return &DeviceLatency{RateA: rateA, RateB: rateB, BytesA: bytesA, BytesB: bytesB}
	}
	tests := []struct {
		name     string
		old, cur *DeviceLatency
		want     bool
	}{
		// heldout48's memory limit: a few page faults on vda in A, the
		// files read from loop0 in B (vda under it, busier too).
		{"a smaller page cache", dev(26, 2.1e3, 2.1e6, 901e6), dev(0, 2.0e3, 0, 901e6), true},
		// The lab's export moved from vda to a slow dm device: vda idle.
		{"the export moved", dev(12, 0, 414e3, 0), dev(0, 27, 0, 789e3), false},
		{"old's load fell 1.5x", dev(12, 4, 414e3, 100e3), dev(0, 27, 0, 789e3), false},
		{"as much work on the new device", dev(100, 100, 4e6, 4e6), dev(0, 110, 0, 5e6), false},
		{"bytes decide where both count them", dev(100, 100, 4e6, 4e6), dev(0, 1000, 0, 5e6), false},
		{"requests where bytes are not known", dev(100, 100, 0, 0), dev(0, 1000, 0, 0), true},
		{"unknown devices say nothing", nil, dev(0, 1000, 0, 0), false},
	}
	for _, tt := range tests {
		if got := appeared(tt.old, tt.cur); got != tt.want {
			t.Errorf("%s: appeared = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestBearsOut(t *testing.T) {
	// A rise of 63 µs per call resting on one block of B's, as heldout22's
	// memory limit (reclaim 0 → 69 µs, p=0.004), heldout18's shared file
	// (a lock, 21 ns → 3.4 ms, p=0.0015) or heldout17's change to bfq
	// (loop0's await 311 µs → 929 µs, p=0.001).
	total := func(rows ...Contribution) *Breakdown {
		return &Breakdown{Change: Change{Delta: 63e3}, Dimensions: []Dimension{{Name: "layer", Rows: rows}}}
	}
	// row is a layer whose time per call moved from a to b; sig, whether
	// its test over every block is significant.
	row := func(key string, a, b float64, sig bool) Contribution {
		ch := Change{Delta: b - a, Ratio: b / a, P: 0.2}
		if sig {
			ch.P, ch.Significant = 0.004, true
		}
		return Contribution{Key: key, A: a, B: b, Change: ch, Share: ch.Delta / 63e3}
	}
	dev := func(delta float64) *DeviceFinding {
		return &DeviceFinding{Device: "loop0", Latency: "await", Lat: &Latency{MeanA: 311e3, MeanB: 311e3 + delta, Change: Change{Delta: delta, Ratio: 1 + delta/311e3, P: 0.001, Significant: true}}}
	}
	tests := []struct {
		name string
		d    Diagnosis
		t    *Breakdown
		want string // the Borne's key, "" for none
	}{
		{"a significant layer leads", Diagnosis{}, total(row("memory reclaim", 0, 69e3, true), row("cpu", 10e3, 4e3, false)), "memory reclaim"},
		{"a lock leads, more than the whole", Diagnosis{}, total(row("lock", 21, 134e3, true), row("block loop0", 180e3, 109e3, true)), "lock"},
		{"the significant layer is not the top row", Diagnosis{}, total(row("block loop0", 100e3, 150e3, false), row("memory reclaim", 0, 13e3, true)), ""},
		{"the top row carries under half", Diagnosis{}, total(row("memory reclaim", 0, 30e3, true), row("cpu", 10e3, 30e3, false), row("block vda", 7e3, 20e3, false)), ""},
		{"the leading layer's own change is not significant", Diagnosis{}, total(row("lock", 21, 69e3, false)), ""},
		{"the leading layer moved too little itself", Diagnosis{}, total(row("block loop0", 400e3, 463e3, true)), ""},
		{"the device's layer leads", Diagnosis{AsideDevice: dev(618e3)}, total(row("block loop0", 300e3, 380e3, false), row("cpu", 20e3, 3e3, false)), "block loop0"},
		{"the device's latency moved too little itself", Diagnosis{AsideDevice: dev(62e3)}, total(row("block loop0", 300e3, 380e3, false)), ""},
		{"the device got faster under a rise", Diagnosis{AsideDevice: dev(-100e3)}, total(row("block loop0", 300e3, 380e3, false)), ""},
		{"another device's layer leads", Diagnosis{AsideDevice: dev(618e3)}, total(row("block vda", 300e3, 380e3, false)), ""},
	}
	c := &comparison{opt: Options{}.withDefaults()}
	for _, tt := range tests {
		b := c.bearsOut(&tt.d, tt.t)
		got := ""
		if b != nil {
			got = b.Key
			if (b.Device != nil) != (tt.d.AsideDevice != nil) {
				t.Errorf("%s: borne by the device latency = %v, want %v", tt.name, b.Device != nil, tt.d.AsideDevice != nil)
			}
		}
		if got != tt.want {
			t.Errorf("%s: borne by %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestStretchedBy(t *testing.T) {
	part := func(holder string, share float64) HeldPart {
		return HeldPart{Holder: holder, Share: share}
	}
	tests := []struct {
		name       string
		held       []HeldPart
		ranA, ranB float64 // the threads' time on a CPU per unit
		want       string  // the holder named, "" for none
	}{
		// heldout54's two busy loops on the CPU of two fio threads.
		{"busy loops appeared", []HeldPart{part(model.HeldTraced, 0.52), part(model.HeldOther, 0.52), part(model.HeldKernel, -0.02)}, 25.9e3, 24.6e3, model.HeldOther},
		{"kernel threads took a quarter", []HeldPart{part(model.HeldTraced, 0.7), part(model.HeldKernel, 0.3)}, 7e3, 8e3, model.HeldKernel},
		{"nothing else took a quarter", []HeldPart{part(model.HeldTraced, 0.85), part(model.HeldOther, 0.1), part(model.HeldKernel, 0.05)}, 7e3, 8e3, ""},
		// heldout14's null: kernel threads 30% of the rise, but the
		// threads ran 1.9x as long per IO themselves.
		{"the threads ran longer", []HeldPart{part(model.HeldTraced, 0.71), part(model.HeldKernel, 0.3)}, 41.3e3, 77.7e3, ""},
		{"their time on a CPU not known", []HeldPart{part(model.HeldTraced, 0.52), part(model.HeldOther, 0.52)}, 0, 0, ""},
		{"no split", nil, 7e3, 8e3, ""},
	}
	c := &comparison{opt: Options{}.withDefaults()}
	for _, tt := range tests {
		got := ""
		if h := c.stretchedBy(&LayerShare{Held: tt.held, RanA: tt.ranA, RanB: tt.ranB}); h != nil {
			got = h.Holder
		}
		if got != tt.want {
			t.Errorf("%s: stretched by %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestHeldAbove(t *testing.T) {
	// heldout57's shared file under libaio writers: their requests took
	// 14 → 39 µs to the reap, loop0's await 17 → 24 µs, while a lock in
	// io_submit appeared (0 → 8.3 µs per IO, p=0.0013).
	row := func(key string, delta, p float64) Contribution {
		return Contribution{Key: key, Change: Change{Delta: delta, Tested: true, P: p}}
	}
	bd := func(rows ...Contribution) *Breakdown {
		return &Breakdown{Dimensions: []Dimension{{Name: "layer", Rows: rows}}}
	}
	tests := []struct {
		name string
		t    *Breakdown
		lat  float64 // the change of the latency read, ns
		want string  // the layer's key, "" for none
	}{
		{"a lock in io_submit", bd(row(LayerCPU, -16e3, 0.001), row(blockPrefix+"loop0", 6.9e3, 0.001), row(ClassLock, 8.3e3, 0.0013)), 25e3, ClassLock},
		{"the larger of two", bd(row(ClassLock, 7e3, 0.001), row(ClassReclaim, 9e3, 0.004)), 25e3, ClassReclaim},
		{"too small a part of the change", bd(row(ClassLock, 2e3, 0.001)), 25e3, ""},
		{"not significant", bd(row(ClassLock, 8.3e3, 0.2)), 25e3, ""},
		{"moved the other way", bd(row(ClassLock, -8.3e3, 0.001)), 25e3, ""},
		{"a fall", bd(row(ClassLock, -8.3e3, 0.001)), -25e3, ClassLock},
		// heldout50's threads under a CPU quota: the reap waits for them.
		{"the wait for a CPU delays the reap", bd(row(LayerCPU, 33e3, 0.003), row(blockPrefix+"loop0", 6.9e3, 0.001)), 25e3, LayerCPU},
		{"the device alone", bd(row(blockPrefix+"loop0", 6.9e3, 0.001)), 25e3, ""},
		{"other kernel code says nothing", bd(row(ClassOther, 8.3e3, 0.001)), 25e3, ""},
		{"no breakdown", &Breakdown{}, 25e3, ""},
	}
	for _, tt := range tests {
		got := ""
		if r := heldAbove(tt.t, tt.lat, 0.01); r != nil {
			got = r.Key
		}
		if got != tt.want {
			t.Errorf("%s: held above by %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestByKernelWork: a run-queue layer whose change kernel threads led is the
// doing of a change that acts directly on the work they do for the
// threads' pages (dirty-page limits: writeback; less memory: reclaim);
// another holder, no such change, or memory that grew with a rise, is not.
func TestByKernelWork(t *testing.T) {
	dirty := ConfigChange{Item: "sysctl vm.dirty_bytes", A: "0", B: "41943040"}
	less := ConfigChange{Item: "memory", A: "8.0 GiB", B: "4.0 GiB", Memory: &MemorySizes{A: 8 << 30, B: 4 << 30, OKA: true, OKB: true}}
	more := ConfigChange{Item: "memory", A: "4.0 GiB", B: "8.0 GiB", Memory: &MemorySizes{A: 4 << 30, B: 8 << 30, OKA: true, OKB: true}}
	quota := ConfigChange{Item: "cgroup /x cpu.cfs_quota_us", A: "-1", B: "50000"}
	tests := []struct {
		name    string
		holder  string
		changes []ConfigChange
		want    string // the cause, "" when none
	}{
		{"dirty limits", model.HeldKernel, []ConfigChange{dirty}, CauseWriteback},
		{"less memory", model.HeldKernel, []ConfigChange{less}, CauseReclaim},
		{"both: writeback first", model.HeldKernel, []ConfigChange{less, dirty}, CauseWriteback},
		{"more memory cannot make it worse", model.HeldKernel, []ConfigChange{more}, ""},
		{"a CPU quota is not their work", model.HeldKernel, []ConfigChange{quota}, ""},
		{"no change", model.HeldKernel, nil, ""},
		{"other processes held the CPU", model.HeldOther, []ConfigChange{dirty}, ""},
		{"a cgroup's limit reclaims in its own calls, not in kswapd", model.HeldKernel,
			[]ConfigChange{{Item: "cgroup /x memory.limit_in_bytes", A: "unlimited", B: "100663296"}}, ""},
	}
	for _, tt := range tests {
		d := Diagnosis{Cause: CauseCPU, Outcome: OutcomeWorse, Holder: &HeldPart{Holder: tt.holder, A: 10, B: 100, Share: 0.6}}
		got := d.byKernelWork(&Result{Config: tt.changes}, 1)
		if got != (tt.want != "") || got && d.Cause != tt.want {
			t.Errorf("%s: byKernelWork = %v, cause %q; want cause %q", tt.name, got, d.Cause, tt.want)
		}
		if got && (d.Match.Kind != MatchDirect || d.KernelWork == "") {
			t.Errorf("%s: match %q, kernel work %q; want a direct match and the layer", tt.name, d.Match.Kind, d.KernelWork)
		}
	}
}

// TestWaiters: the threads counted waiting on a device in an interval are
// the most of any one of its rows (a thread waiting at two sites is in
// both), per device; waits on no block device count on none.
func TestWaiters(t *testing.T) {
	const (
		dio  = "__schedule;schedule;io_schedule;__iomap_dio_rw;ext4_file_read_iter;vfs_read;ksys_read"
		page = "__schedule;schedule;io_schedule;folio_wait_bit_common;filemap_get_pages;filemap_read;vfs_read;ksys_read"
		lock = "__schedule;schedule;rwsem_down_write_slowpath;down_write;ext4_buffered_write_iter;vfs_write;ksys_write"
	)
	row := func(site model.WaitSite, dev string, threads int) model.DState {
		return model.DState{Comm: "fio", WaitSite: site, Device: dev, Threads: threads, Hist: model.Hist{Count: 10, SumNs: 1e6}}
	}
	snaps := []*model.Snapshot{
		{DState: []model.DState{row(dio, "loop0", 3), row(page, "loop0", 2), row(dio, "vda", 1), row(lock, model.NotBlockIO, 5)}},
		{},
		{DState: []model.DState{row(page, "loop0", 4)}},
	}
	c := FromSnapshots("x", capture.Meta{Interval: time.Second}, snaps)
	want := map[string][]float64{"loop0": {3, 0, 4}, "vda": {1}}
	if !reflect.DeepEqual(c.waiters, want) {
		t.Errorf("waiters %v, want %v", c.waiters, want)
	}
}

// TestByWorkers: a crowd that io_uring's workers carried, after the page
// cache got less memory, is the memory's doing (the kernel started the
// workers for reads that missed the cache); not when the process's own
// threads carried it, nor without a change of memory against it.
func TestByWorkers(t *testing.T) {
	limit := func(a, b float64) ConfigChange {
		return ConfigChange{Item: "cgroup /x memory.max", A: "max", B: "134217728", Memory: &MemorySizes{A: a, B: b, OKA: true, OKB: true}}
	}
	tests := []struct {
		name             string
		running, workers [2][]float64
		config           []ConfigChange
		want             string
	}{
		{"workers, less memory", [2][]float64{{12, 12, 13}, {19, 20, 19}}, [2][]float64{{5, 5, 6}, {12, 13, 12}},
			[]ConfigChange{limit(math.Inf(1), 128<<20)}, CauseCache},
		{"workers, same memory", [2][]float64{{12, 12, 13}, {19, 20, 19}}, [2][]float64{{5, 5, 6}, {12, 13, 12}},
			nil, CauseWorkload},
		{"own threads, less memory", [2][]float64{{12, 12, 13}, {19, 20, 19}}, [2][]float64{{5, 5, 6}, {6, 6, 6}},
			[]ConfigChange{limit(math.Inf(1), 128<<20)}, CauseWorkload},
		{"workers, more memory", [2][]float64{{12, 12, 13}, {19, 20, 19}}, [2][]float64{{5, 5, 6}, {12, 13, 12}},
			[]ConfigChange{limit(128<<20, math.Inf(1))}, CauseWorkload},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &comparison{a: &Capture{running: tt.running[0], workers: tt.workers[0]}, b: &Capture{running: tt.running[1], workers: tt.workers[1]}}
			n := c.crowd(1)
			if n == nil {
				t.Fatal("no crowd")
			}
			d := &Diagnosis{Cause: CauseWorkload, Crowd: n}
			c.byWorkers(d, &Result{Config: tt.config}, 1)
			if d.Cause != tt.want || (d.Workers != nil) != (tt.want == CauseCache) {
				t.Fatalf("cause %q, workers %+v; want %q", d.Cause, d.Workers, tt.want)
			}
			if tt.want == CauseCache && (d.Match.Kind != MatchDirect || len(d.Memory) != 1) {
				t.Errorf("match %+v, memory %+v: want the limit to lead", d.Match, d.Memory)
			}
		})
	}
}

// TestBehindCrowded: a layer that waits for IO other threads issue (the
// journal) explained by a device slower at the same load is the device's,
// unless more of the traced threads kept it busy: then it was given more
// work than its throughput can show, as for the threads' own IO.
func TestBehindCrowded(t *testing.T) {
	mk := func(running float64) *Capture {
		c := newCapture("x", capture.Meta{})
		c.running = []float64{running, running, running, running}
		return c
	}
	await := &Latency{MeanA: 54e6, MeanB: 94e6, Change: Change{Delta: 40e6, Ratio: 94.0 / 54, Tested: true, P: 0.001, Significant: true, Outcome: TestSignificant}}
	res := &Result{Devices: []DeviceLatency{{Device: "dm-0", Await: await, RateA: 35, RateB: 34, BytesA: 0.4e6, BytesB: 0.4e6}}}
	l := &LayerShare{Key: ClassJournal, Kind: ClassJournal, A: 23e6, B: 74e6}
	tests := []struct {
		name     string
		running  [2]float64
		want     string
		crowdSet bool
	}{
		{"3 clients to 8", [2]float64{4.9, 8.8}, CauseWorkload, true},
		{"as many threads", [2]float64{4.9, 5.1}, CauseDevice, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &comparison{a: mk(tt.running[0]), b: mk(tt.running[1]), opt: Options{}.withDefaults()}
			cause, f := c.behindCause(res, l, 1)
			if cause != tt.want || f == nil || (f.Crowd != nil) != tt.crowdSet || f.Device != "dm-0" {
				t.Fatalf("cause %q, finding %+v; want %q on dm-0, crowd %v", cause, f, tt.want, tt.crowdSet)
			}
		})
	}
}
