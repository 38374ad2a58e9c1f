package compare

import (
	"fmt"
	"math"
	"strings"
)

// Layers a verdict can name.
const (
	LayerDevice     = "device"                // the device (or what lies below it) got slower or faster
	LayerScheduler  = "scheduler"             // the IO scheduler changed and with it the device latency
	LayerAboveBlock = "above the block layer" // kernel code path: locks, writeback, reclaim
	LayerBlockIO    = "block IO"              // more waiting on block IO while device latency held
	LayerRequest    = "request path"          // request latency changed without D-state
)

// Verdict is the answer on top of a comparison.
type Verdict struct {
	// Significant is false when nothing passed the test ("no significant
	// change").
	Significant bool `json:"significant"`
	// Summary is the top-ranked cause in one sentence (or the absence of
	// one).
	Summary string `json:"summary"`
	Cause   *Cause `json:"cause,omitempty"`
	// DeviceChanged says whether any device's latency changed significantly.
	DeviceChanged bool   `json:"device_changed"`
	Layer         string `json:"layer,omitempty"`
	// Lead is what to look at first.
	Lead     string   `json:"lead,omitempty"`
	Evidence []string `json:"evidence"`
}

// Cause is the top-ranked cause.
type Cause struct {
	Dimension string  `json:"dimension"` // "device", "scheduler", "wait site", "op"
	Key       string  `json:"key"`
	Label     string  `json:"label"`
	Class     string  `json:"class,omitempty"`
	Share     float64 `json:"share,omitempty"` // of the D-time (or latency) change
}

func (c *comparison) verdict(res *Result) Verdict {
	v := Verdict{}
	per := "per " + res.Workload.Per
	subject := "D-time of traced threads"
	if c.onlyNFSD() {
		subject = "nfsd D-time"
	}
	dt, rpc := res.DTime, res.RPC
	dSig := dt != nil && dt.Change.Significant
	rSig := rpc != nil && rpc.Change.Significant

	var changed []DeviceLatency
	for _, d := range res.Devices {
		if d.Changed {
			changed = append(changed, d)
		}
	}
	v.DeviceChanged = len(changed) > 0
	dev, devLat := c.deviceCause(res, changed)

	if dt != nil {
		v.Evidence = append(v.Evidence, fmt.Sprintf("%s %s: %s → %s (%s)", subject, per,
			fmtDur(dt.A), fmtDur(dt.B), changeText(dt.Change)))
	}
	if rpc != nil {
		v.Evidence = append(v.Evidence, fmt.Sprintf("NFS request latency %s: %s → %s (%s)", per,
			fmtDur(rpc.A), fmtDur(rpc.B), changeText(rpc.Change)))
	}
	var topSite *Contribution
	if dt != nil && len(dt.Dimensions) > 0 {
		for i, r := range dt.Dimensions[0].Rows {
			if i >= 3 || r.Delta == 0 {
				break
			}
			if i == 0 {
				topSite = &dt.Dimensions[0].Rows[0]
			}
			share := ""
			if dt.Change.Significant {
				share = fmt.Sprintf(", %.0f%% of the change", 100*r.Share)
			}
			line := fmt.Sprintf("wait site %s [%s]: %s → %s %s%s (%s)", r.Label, orDash(r.Class),
				fmtDur(r.A), fmtDur(r.B), per, share, changeText(r.Change))
			if r.LabelA != "" {
				line += "; in A: " + r.LabelA
			}
			v.Evidence = append(v.Evidence, line)
		}
	}
	if dt != nil && dSig {
		if line := clientLine(dt, per); line != "" {
			v.Evidence = append(v.Evidence, line)
		}
	}
	v.Evidence = append(v.Evidence, deviceLines(res.Devices, 3)...)
	v.Evidence = append(v.Evidence, schedulerLine(res.Devices))
	if res.Workload.Comparable {
		v.Evidence = append(v.Evidence, fmt.Sprintf("workload comparable: %s, op mix distance %.2f", rateText(res.Workload), res.Workload.MixDistance))
	} else {
		v.Evidence = append(v.Evidence, "workloads differ: "+res.Workload.Reason)
	}

	head := ""
	if dt != nil && dSig {
		head = fmt.Sprintf("%s %s %s (%s)", subject, per, moveText(dt.Change.Ratio), pText(dt.Change.P))
	} else if rpc != nil && rSig {
		head = fmt.Sprintf("NFS request latency %s %s (%s)", per, moveText(rpc.Change.Ratio), pText(rpc.Change.P))
	}

	switch {
	case dev != nil && deviceExplains(dt, rpc, dSig, rSig, devLat.Delta, reachReqs(dev)):
		v.Significant = true
		sa, sb := dev.SchedulerA, dev.SchedulerB
		what := fmt.Sprintf("%s latency on %s: mean %s → %s per request (%s)", devLat.name, dev.Device, fmtDur(devLat.MeanA), fmtDur(devLat.MeanB), pText(devLat.P))
		if sa != sb && sa != "" && sb != "" {
			v.Layer = LayerScheduler
			v.Cause = &Cause{Dimension: "scheduler", Key: dev.Device, Label: fmt.Sprintf("%s: %s → %s", dev.Device, sa, sb)}
			v.Summary = joinSentence(head, fmt.Sprintf("the IO scheduler of %s changed (%s → %s) and its %s", dev.Device, sa, sb, what))
			v.Lead = fmt.Sprintf("the IO scheduler change on %s (%s → %s)", dev.Device, sa, sb)
		} else {
			v.Layer = LayerDevice
			v.Cause = &Cause{Dimension: "device", Key: dev.Device, Label: dev.Device}
			v.Summary = joinSentence(head, "device-level latency changed: "+what)
			v.Lead = fmt.Sprintf("the device %s or what lies below it (scheduler %s unchanged)", dev.Device, orDash(sb))
		}
		if dev.Device != devLat.device {
			v.Summary = joinSentence(head, fmt.Sprintf("the IO moved from %s to %s, and device-level latency changed with it: await %s on %s, %s on %s per request (%s)",
				devLat.device, dev.Device, fmtDur(devLat.MeanA), devLat.device, fmtDur(devLat.MeanB), dev.Device, pText(devLat.P)))
			v.Lead = fmt.Sprintf("the device %s or what lies below it", dev.Device)
			if bioBased(dev.Device) {
				v.Lead += " (a bio-based device: its delay shows in /proc/diskstats and D-state, not in block request latency)"
			}
		}
	case dSig && topSite != nil && topSite.Delta*dt.Change.Delta > 0:
		v.Significant = true
		v.Cause = &Cause{Dimension: "wait site", Key: topSite.Key, Label: topSite.Label, Class: topSite.Class, Share: topSite.Share}
		if AboveBlockLayer(topSite.Class) {
			v.Layer = LayerAboveBlock
			v.Summary = joinSentence(head, fmt.Sprintf("%.0f%% of the change is one wait site above the block layer (%s): %s; %s%s",
				100*topSite.Share, topSite.Class, topSite.Label, deviceState(v.DeviceChanged, dev, devLat, dt.Change.Delta), deviceAside(res.Devices)))
		} else {
			v.Layer = LayerBlockIO
			v.Summary = joinSentence(head, fmt.Sprintf("%.0f%% of the change is waiting for block IO at %s, but %s%s: more IO per operation, or IO on a device the tracer cannot see (dm, drbd)",
				100*topSite.Share, topSite.Label, deviceState(v.DeviceChanged, dev, devLat, dt.Change.Delta), deviceAside(res.Devices)))
		}
		v.Lead = lead(res, topSite.Class)
	case rSig:
		v.Significant = true
		v.Layer = LayerRequest
		if len(rpc.Dimensions) > 0 && len(rpc.Dimensions[0].Rows) > 0 {
			r := rpc.Dimensions[0].Rows[0]
			v.Cause = &Cause{Dimension: "op", Key: r.Key, Label: r.Label, Share: r.Share}
			v.Summary = joinSentence(head, fmt.Sprintf("operation %s explains %.0f%% of it; the traced threads' D-time and device latency did not change significantly: the time went on CPU, in the network or in queueing for nfsd threads", r.Label, 100*r.Share))
		} else {
			v.Summary = head
		}
		v.Lead = lead(res, "")
	default:
		parts := []string{}
		if dt != nil {
			parts = append(parts, fmt.Sprintf("%s %s %s → %s (%s)", subject, per, fmtDur(dt.A), fmtDur(dt.B), changeText(dt.Change)))
		}
		if rpc != nil {
			parts = append(parts, fmt.Sprintf("request latency %s → %s (%s)", fmtDur(rpc.A), fmtDur(rpc.B), changeText(rpc.Change)))
		}
		v.Summary = "No significant change"
		if !c.testable() {
			v.Summary = "No test possible: too few intervals in a capture"
		}
		if len(parts) > 0 {
			v.Summary += ": " + strings.Join(parts, "; ")
		}
		v.Summary += fmt.Sprintf("; device latency %s", map[bool]string{true: "changed but did not move the D-time", false: "unchanged"}[v.DeviceChanged])
	}
	if v.Significant && !res.Workload.Comparable {
		v.Evidence = append([]string{"careful: the workloads differ (" + res.Workload.Reason + ")"}, v.Evidence...)
	}
	return v
}

// clientLine names the client behind most of a D-time change, when the
// captures know the clients and there is more than one: "" otherwise.
func clientLine(dt *Breakdown, per string) string {
	for _, d := range dt.Dimensions {
		if d.Name != "client" || len(d.Rows) < 2 {
			continue
		}
		r := d.Rows[0]
		if r.Key == "-" || r.Delta*dt.Change.Delta <= 0 {
			return ""
		}
		return fmt.Sprintf("client %s: %s → %s %s, %.0f%% of the change (%s)", r.Label,
			fmtDur(r.A), fmtDur(r.B), per, 100*r.Share, changeText(r.Change))
	}
	return ""
}

func (c *comparison) testable() bool { return c.bs != nil }

// onlyNFSD reports whether every D-state row of both captures is an nfsd thread's.
func (c *comparison) onlyNFSD() bool {
	n := 0
	for _, x := range []*Capture{c.a, c.b} {
		for comm := range x.fams[famComm] {
			if comm != "nfsd" {
				return false
			}
			n++
		}
	}
	return n > 0
}

// deviceState says how device latency relates to a change it did not cause.
func deviceState(changed bool, dev *DeviceLatency, l devLatency, change float64) string {
	switch {
	case !changed:
		return "device latency did not change"
	case dev != nil && sameDirection(l.Delta, change) && !withinReach(l.Delta, requestsPerOp(dev), change):
		return fmt.Sprintf("device latency moved the same way, but too little to account for it (%s %s per request on %s, %.2g requests per op)",
			l.name, signedDur(l.Delta), l.device, requestsPerOp(dev))
	case dev != nil && !sameDirection(l.Delta, change):
		return "device latency changed, but the other way"
	}
	return "device latency changed, but not in a way that accounts for it"
}

// deviceAside backs "device latency did not change" with the busiest
// device's figures: " (sda service p99 2.1ms → 2.1ms, p=0.8; scheduler
// mq-deadline in both)".
func deviceAside(devs []DeviceLatency) string {
	for _, d := range devs {
		var name string
		var l *Latency
		switch {
		case d.Service != nil:
			name, l = "service", d.Service
		case d.Await != nil:
			name, l = "await", d.Await
		default:
			continue
		}
		fig := fmt.Sprintf("mean %s → %s", fmtDur(l.MeanA), fmtDur(l.MeanB))
		if l.DistA != nil && l.DistB != nil {
			fig = fmt.Sprintf("p99 %s → %s", fmtDur(float64(l.DistA.P99.Ns)), fmtDur(float64(l.DistB.P99.Ns)))
		}
		s := fmt.Sprintf(" (%s %s %s, %s", d.Device, name, fig, pText(l.P))
		if d.SchedulerA == d.SchedulerB && d.SchedulerA != "" {
			s += "; scheduler " + d.SchedulerA + " in both"
		}
		return s + ")"
	}
	return ""
}

// devLatency is the latency that made a device the cause.
type devLatency struct {
	name   string // "service", "queue", "await"
	device string // the device it was compared with in A (itself unless the IO moved)
	MeanA  float64
	MeanB  float64
	Delta  float64
	P      float64
}

// deviceCause picks the device whose latency change matters most: among the
// changed devices the one with the most request time per operation. When
// the busiest device is not the same in A and B (the export moved, say onto
// a dm device) their latencies are compared with each other.
func (c *comparison) deviceCause(res *Result, changed []DeviceLatency) (*DeviceLatency, devLatency) {
	for i := range changed {
		d := &changed[i]
		for _, x := range []struct {
			name string
			l    *Latency
		}{{"queue", d.Queue}, {"service", d.Service}, {"await", d.Await}} {
			if x.l != nil && x.l.Significant && (x.name != "queue" || d.SchedulerA != d.SchedulerB || d.Service == nil || !d.Service.Significant) {
				return d, devLatency{name: x.name, device: d.Device, MeanA: x.l.MeanA, MeanB: x.l.MeanB, Delta: x.l.Delta, P: x.l.P}
			}
		}
	}
	// The busiest devices by diskstats request time.
	var pa, pb *DeviceLatency
	for i := range res.Devices {
		d := &res.Devices[i]
		if pa == nil || d.BusyA > pa.BusyA {
			pa = d
		}
		if pb == nil || d.BusyB > pb.BusyB {
			pb = d
		}
	}
	if pa == nil || pb == nil || pa == pb || pa.BusyA == 0 || pb.BusyB == 0 {
		return nil, devLatency{}
	}
	ka, kb := c.a.fams[famDisk][pa.Device], c.b.fams[famDisk][pb.Device]
	if ka == nil || kb == nil {
		return nil, devLatency{}
	}
	l := c.latency(ka.sum, ka.cnt, kb.sum, kb.cnt, nil, nil)
	if l == nil || !l.Significant {
		return nil, devLatency{}
	}
	return pb, devLatency{name: "await", device: pa.Device, MeanA: l.MeanA, MeanB: l.MeanB, Delta: l.Delta, P: l.P}
}

// bioBased reports whether a device name is one of the bio-based stacking
// drivers, whose IO the block request tracepoints do not see.
func bioBased(dev string) bool {
	for _, p := range []string{"dm-", "drbd", "md", "bcache", "zram"} {
		if strings.HasPrefix(dev, p) {
			return true
		}
	}
	return false
}

func sameDirection(a, b float64) bool { return a*b > 0 }

// deviceExplains reports whether a device latency change of delta (mean
// per request) can be the cause. With a significant change of the D-time (or,
// without one, of the request latency) it must have moved the same way. With
// neither, the few intervals of a short capture may lack the power to show a
// real rise (lab: slow-device on 6.12 over NFSv3, D-time 2.0 -> 18 ms per op
// at p=0.044), so a device still leads, but only when it moved the way the
// D-time did and by a material amount: at least materialShare of A's D-time
// per operation. Two runs of one scenario differed by 40 us of queue time on
// vda (p=0.009) against 1.7 ms of D-time per op: a note, not a verdict. A
// capture with neither D-state nor RPC data lets the device lead on its own.
//
// A significant change must also be within reach of the device: its latency
// change times its requests per operation (reqs, 0 when unknown) must come
// to materialShare of the change. Writeback throttling (lab, 6.12) raised
// nfsd D-time by 123 ms per op while vda's await rose 0.9 ms on a few
// requests per op, significantly: a side effect, not the cause.
func deviceExplains(dt, rpc *Breakdown, dSig, rSig bool, delta, reqs float64) bool {
	reach := func(change float64) bool { return withinReach(delta, reqs, change) }
	switch {
	case dSig:
		return sameDirection(dt.Change.Delta, delta) && reach(dt.Change.Delta)
	case rSig:
		return sameDirection(rpc.Change.Delta, delta) && reach(rpc.Change.Delta)
	case dt != nil:
		return sameDirection(dt.Change.Delta, delta) && math.Abs(delta) >= materialShare*dt.A
	case rpc != nil:
		return sameDirection(rpc.Change.Delta, delta) && math.Abs(delta) >= materialShare*rpc.A
	}
	return true
}

// withinReach reports whether a device latency change of delta per request,
// on reqs requests per operation (0: unknown), comes to materialShare of a
// change of the time per operation.
func withinReach(delta, reqs, change float64) bool {
	return reqs == 0 || math.Abs(delta)*reqs >= materialShare*math.Abs(change)
}

// reachReqs is the requests per operation deviceExplains weighs a device's
// latency change by, 0 (no bound) when the device's IO scheduler changed: a
// scheduler also reorders and holds back requests, and the mean per request
// understates what that does to a chain of dependent IOs. In the lab, bfq
// against mq-deadline on 6.12 doubled nfsd's waits for jbd2 commits (+8.2 ms
// per op) while the mean queue time rose 1.0 ms on 0.57 requests per op.
func reachReqs(d *DeviceLatency) float64 {
	if d.SchedulerA != d.SchedulerB && d.SchedulerA != "" && d.SchedulerB != "" {
		return 0
	}
	return requestsPerOp(d)
}

// requestsPerOp is a device's requests per operation (or per second) in B,
// from its /proc/diskstats request time and await; 0 when unknown.
func requestsPerOp(d *DeviceLatency) float64 {
	if d.AwaitB <= 0 {
		return 0
	}
	return d.BusyB / d.AwaitB
}

// materialShare is how large a device latency change must be, against the
// nfsd time per operation, to lead a verdict that nothing else carries.
const materialShare = 0.1

// lead says what to look at first for time spent in class.
func lead(res *Result, class string) string {
	var kernel, sysctls, dirty, memory, sched []ConfigChange
	for _, ch := range res.Config {
		switch {
		case ch.Item == "kernel" || ch.Item == "kernel build" || ch.Item == "cmdline":
			kernel = append(kernel, ch)
		case strings.HasPrefix(ch.Item, "sysctl vm.dirty"):
			dirty = append(dirty, ch)
			sysctls = append(sysctls, ch)
		case strings.HasPrefix(ch.Item, "sysctl "):
			sysctls = append(sysctls, ch)
		case ch.Item == "memory":
			memory = append(memory, ch)
		case strings.HasPrefix(ch.Item, "scheduler "):
			sched = append(sched, ch)
		}
	}
	describe := func(chs []ConfigChange) string {
		var s []string
		for _, ch := range chs {
			s = append(s, fmt.Sprintf("%s %s → %s", ch.Item, orDash(ch.A), orDash(ch.B)))
		}
		return strings.Join(s, ", ")
	}
	switch {
	case class == ClassBlockIO && len(sched) > 0:
		return "the IO scheduler change: " + describe(sched)
	case class == ClassWriteback && len(dirty) > 0:
		return "the dirty-page limits: " + describe(dirty)
	case class == ClassReclaim && len(memory) > 0:
		return "the memory change: " + describe(memory)
	case len(kernel) > 0:
		return "the kernel change: " + describe(kernel[:1])
	case len(sysctls) > 0:
		return "the sysctl changes: " + describe(sysctls)
	case len(sched) > 0:
		return "the IO scheduler change: " + describe(sched)
	case class != "":
		return "the kernel code path at this wait site; kernel and settings are the same, so look at what the workload does there"
	}
	return "the configuration is the same; look at the workload and the network"
}

func deviceLines(devs []DeviceLatency, n int) []string {
	var out []string
	for i, d := range devs {
		if i >= n {
			break
		}
		var parts []string
		for _, x := range []struct {
			name string
			l    *Latency
		}{{"service", d.Service}, {"queue", d.Queue}, {"await", d.Await}} {
			if x.l == nil {
				continue
			}
			s := fmt.Sprintf("%s mean %s → %s", x.name, fmtDur(x.l.MeanA), fmtDur(x.l.MeanB))
			if x.l.DistA != nil && x.l.DistB != nil {
				s += fmt.Sprintf(", p99 %s → %s", fmtDur(float64(x.l.DistA.P99.Ns)), fmtDur(float64(x.l.DistB.P99.Ns)))
			}
			s += " (" + changeText(x.l.Change) + ")"
			parts = append(parts, s)
		}
		if len(parts) == 0 {
			switch {
			case d.AwaitA > 0:
				parts = append(parts, "only in A, await mean "+fmtDur(d.AwaitA))
			case d.AwaitB > 0:
				parts = append(parts, "only in B, await mean "+fmtDur(d.AwaitB))
			default:
				parts = append(parts, "only in one capture")
			}
		}
		out = append(out, fmt.Sprintf("device %s: %s", d.Device, strings.Join(parts, "; ")))
	}
	return out
}

func schedulerLine(devs []DeviceLatency) string {
	var same, diff []string
	for _, d := range devs {
		if d.SchedulerA == "" || d.SchedulerB == "" {
			continue
		}
		if d.SchedulerA == d.SchedulerB {
			same = append(same, d.Device+" "+d.SchedulerA)
		} else {
			diff = append(diff, fmt.Sprintf("%s %s → %s", d.Device, d.SchedulerA, d.SchedulerB))
		}
	}
	switch {
	case len(diff) > 0:
		return "IO scheduler changed: " + strings.Join(diff, ", ")
	case len(same) > 0:
		return "IO schedulers the same: " + strings.Join(same, ", ")
	}
	return "IO schedulers: no device seen in both captures"
}

func joinSentence(head, rest string) string {
	if head == "" {
		return strings.ToUpper(rest[:1]) + rest[1:]
	}
	return head + "; " + rest
}

// changeText describes a change's test.
func changeText(ch Change) string {
	if !ch.Tested {
		return "not tested"
	}
	s := pText(ch.P)
	if !ch.Significant {
		s += ", not significant"
	}
	return s
}

func pText(p float64) string {
	if p <= 0.001 {
		return "p<0.001"
	}
	return fmt.Sprintf("p=%.2g", p)
}

// moveText says how a figure moved given B/A.
func moveText(ratio float64) string {
	switch {
	case math.IsInf(ratio, 1):
		return "rose from zero"
	case ratio > 0.995 && ratio < 1.005:
		return "about the same"
	case ratio >= 2:
		return fmt.Sprintf("rose %.1fx", ratio)
	case ratio >= 1:
		return fmt.Sprintf("rose %.0f%%", 100*(ratio-1))
	case ratio > 0 && ratio <= 0.5:
		return fmt.Sprintf("fell %.1fx", 1/ratio)
	}
	return fmt.Sprintf("fell %.0f%%", 100*(1-ratio))
}

func rateText(w Workload) string {
	if w.Per != "op" {
		return "no operation counts"
	}
	return fmt.Sprintf("%s vs %s ops/s", fmtCount(w.RateA), fmtCount(w.RateB))
}

// fmtDur renders nanoseconds compactly: 820ns, 74µs, 3.8ms, 2.9s.
func fmtDur(ns float64) string {
	a := math.Abs(ns)
	var s string
	switch {
	case a == 0:
		return "0"
	case a < 1e3:
		s = fmt.Sprintf("%.0fns", a)
	case a < 1e6:
		s = trimUnit(a/1e3, "µs")
	case a < 1e9:
		s = trimUnit(a/1e6, "ms")
	default:
		s = trimUnit(a/1e9, "s")
	}
	if ns < 0 {
		return "-" + s
	}
	return s
}

func trimUnit(v float64, unit string) string {
	if v < 10 {
		return fmt.Sprintf("%.1f%s", v, unit)
	}
	return fmt.Sprintf("%.0f%s", v, unit)
}

func fmtCount(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.1fM", v/1e6)
	case v >= 1e4:
		return fmt.Sprintf("%.1fk", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}

func fmtBytes(b uint64) string {
	if b == 0 {
		return ""
	}
	return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30))
}
