package compare

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/nfstrace/nfstrace/internal/model"
)

func TestMoveText(t *testing.T) {
	tests := []struct {
		ratio float64
		want  string
	}{
		{math.Inf(1), "rose from zero"},
		{430.2, "rose 430x"},
		{17.24, "rose 17x"},
		{9.96, "rose 10x"},
		{9.94, "rose 9.9x"},
		{2.1, "rose 2.1x"},
		{1.46, "rose 46%"},
		{1, "rose 0%"},
		{0.8, "fell 20%"},
		{0.5, "fell 2.0x"},
		{0.01, "fell 100x"},
	}
	for _, tt := range tests {
		if got := moveText(tt.ratio); got != tt.want {
			t.Errorf("moveText(%v) = %q, want %q", tt.ratio, got, tt.want)
		}
	}
}

// TestSmallText: a significant change too small to matter says why, under
// the floor or as its share of the time the threads ran and waited.
func TestSmallText(t *testing.T) {
	small := Change{Delta: -2.6e3, Outcome: TestSmall}
	tests := []struct {
		name string
		d    Diagnosis
		bd   Breakdown
		want string
	}{
		{"share with the time run", Diagnosis{Per: "call", A: 10e3, B: 7.4e3, Change: small},
			Breakdown{A: 10e3, B: 7.4e3, Change: small, Small: SmallShare, RanA: 8e3, RanB: 8e3, Floor: 1e3}, "; that is 16% of the 15µs per call they ran and waited"},
		{"share with the time run in the kernel", Diagnosis{Per: "call", A: 10e3, B: 7.4e3, Change: small},
			Breakdown{A: 10e3, B: 7.4e3, Change: small, Small: SmallShare, RanA: 60e3, RanB: 60e3, KernelA: 8e3, KernelB: 8e3, Floor: 1e3}, "; that is 16% of the 15µs per call they waited and ran in the kernel"},
		{"under the floor", Diagnosis{Per: "call", A: 2.1e3, B: 1.4e3, Change: Change{Delta: -0.7e3, Outcome: TestSmall}},
			Breakdown{Small: SmallFloor, RanA: 0.7e3, RanB: 0.7e3, Floor: 1e3}, "; under the 1.0µs per call that matters"},
		{"share without the time run says nothing more", Diagnosis{Per: "op", A: 10e3, B: 11e3, Change: Change{Delta: 1e3, Outcome: TestSmall}},
			Breakdown{Small: SmallShare, Floor: 10e3}, ""},
		{"not significant", Diagnosis{Per: "call", A: 10e3, B: 7.4e3, Change: Change{Delta: -2.6e3, Outcome: TestNotSignificant}},
			Breakdown{RanA: 8e3, RanB: 8e3, Floor: 1e3}, ""},
	}
	for _, tt := range tests {
		if got := smallText(&tt.d, &Result{Time: &tt.bd}); got != tt.want {
			t.Errorf("%s: smallText = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestBeyondText: a layer that carries more than the whole change says why,
// in the direction of the change, as soon as its printed share passes
// 100%; one within it says nothing more.
func TestBeyondText(t *testing.T) {
	tests := []struct {
		share   float64
		outcome string
		want    string
	}{
		{0.8, OutcomeWorse, ""},
		{1.004, OutcomeWorse, ""}, // printed as 100%
		{1.006, OutcomeWorse, "; more than the whole, as the other layers fell a little"}, // 101%
		{1.03, OutcomeBetter, "; more than the whole, as the other layers rose a little"},
		{1.85, OutcomeWorse, "; more than the whole, as the other layers fell"},
		{1.3, OutcomeBetter, "; more than the whole, as the other layers rose"},
	}
	for _, tt := range tests {
		if got := beyondText(tt.share, tt.outcome); got != tt.want {
			t.Errorf("beyondText(%v, %s) = %q, want %q", tt.share, tt.outcome, got, tt.want)
		}
	}
}

// TestRateText: the WORKLOAD line gives the rate in the unit of work, the
// traced threads' own where there are no NFS operations.
func TestRateText(t *testing.T) {
	tests := []struct {
		w    Workload
		want string
	}{
		{Workload{Per: "op", RateA: 1200, RateB: 1250}, "1.2k vs 1.2k ops/s over each whole capture"},
		{Workload{Per: "call", RateA: 574, RateB: 575}, "the traced threads made 574 vs 575 read and write calls/s"},
		{Workload{Per: "IO", RateA: 240, RateB: 1300}, "the traced threads waited for block IO 240 vs 1.3k times/s"},
		{Workload{Per: "CPU-s", RateA: 0.45, RateB: 0.5}, "the traced threads ran 0.45 vs 0.50 CPU-seconds/s"},
		{Workload{Per: "s"}, "no operation counts"},
		{Workload{Per: "IO", RateA: 5600, RateB: 10e3, SubmitA: 8100, SubmitB: 5300},
			"the traced threads waited for block IO 5.6k vs 10k times/s; they submitted 8.1k vs 5.3k IOs/s through io_submit and io_uring"},
		{Workload{Per: "call", RateA: 574, RateB: 575, SubmitB: 40}, "the traced threads made 574 vs 575 read and write calls/s; they submitted 0 vs 40 IOs/s through io_submit and io_uring"},
	}
	for _, tt := range tests {
		if got := rateText(tt.w); got != tt.want {
			t.Errorf("rateText(%+v) = %q, want %q", tt.w, got, tt.want)
		}
	}
}

// TestWorkloadLine: loads within the bound are comparable, and the line
// says how far apart their rates were once that is 10% or more; loads
// beyond it differ, and a closed loop's own rate is not judged.
func TestWorkloadLine(t *testing.T) {
	tests := []struct {
		name string
		w    Workload
		want string
	}{
		{"same rate", Workload{Per: "op", Comparable: true, RateA: 1200, RateB: 1250, RateRatio: 1250.0 / 1200, MixDistance: 0.01},
			"comparable: 1.2k vs 1.2k ops/s over each whole capture, op mix distance 0.01"},
		{"40% more", Workload{Per: "op", Comparable: true, RateA: 1000, RateB: 1400, RateRatio: 1.4, MixDistance: 0.03},
			"comparable: 1.0k vs 1.4k ops/s over each whole capture (+40%, within the x2 where figures per op still compare), op mix distance 0.03"},
		{"a third fewer", Workload{Per: "op", Comparable: true, RateA: 900, RateB: 600, RateRatio: 600.0 / 900},
			"comparable: 900 vs 600 ops/s over each whole capture (-33%, within the x2 where figures per op still compare), op mix distance 0.00"},
		{"beyond the bound", Workload{Per: "op", RateA: 300, RateB: 1000, RateRatio: 1000.0 / 300, Reason: "operation rates differ 3.3x (300 vs 1000 ops/s)"},
			"differs: operation rates differ 3.3x (300 vs 1000 ops/s); figures are per op, read them with care"},
		{"closed loop", Workload{Per: "IO", RateA: 240, RateB: 1300, RateRatio: 1300.0 / 240},
			"the traced threads waited for block IO 240 vs 1.3k times/s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := workloadLine(tt.w); got != tt.want {
				t.Errorf("workloadLine = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestAsideDeviceText: a scheduler change that moved its device's requests
// is "too little to move" the time only when that time did not change; a
// change too short to tell may be the scheduler's.
func TestAsideDeviceText(t *testing.T) {
	f := &DeviceFinding{Device: "loop0", SchedulerA: "none", SchedulerB: "bfq", Latency: "await",
		Lat: &Latency{MeanA: 312e3, MeanB: 770e3, Change: Change{Delta: 458e3, P: 0.001, Tested: true, Significant: true, Outcome: TestSignificant}}}
	for _, tt := range []struct {
		outcome string
		little  bool
	}{{OutcomeNoChange, true}, {OutcomeTooShort, false}} {
		got := asideText(&Diagnosis{Outcome: tt.outcome, AsideDevice: f})
		if !strings.Contains(got, "IO scheduler change on loop0 (none → bfq) made its requests slower") ||
			strings.Contains(got, "too little to move it") != tt.little {
			t.Errorf("%s: %q", tt.outcome, got)
		}
	}
}

// TestWorkloadDeviceText: a block layer whose change more (or fewer) waits
// per unit carry says the device was given more (or less) work only when
// its load moved that way; otherwise it says how often the threads waited.
func TestWorkloadDeviceText(t *testing.T) {
	l := &LayerShare{Key: blockPrefix + "loop0", Kind: "block", Device: "loop0", A: 249e3, B: 63e3,
		WaitsA: 0.92, WaitsB: 0.097, WaitA: 204e3, WaitB: 102e3}
	for _, tt := range []struct {
		name           string
		bytesA, bytesB float64
		want           string
	}{
		{"load fell with the time", 33.6e6, 6.7e6, "loop0 was given less work"},
		{"load rose against it", 6.7e6, 33.6e6, "the threads waited for loop0's IO less often (0.92 → 0.097 waits per call"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := &Diagnosis{Outcome: OutcomeBetter, Cause: CauseWorkload, Per: "call", Layer: l,
				Device: &DeviceFinding{Device: "loop0", RateA: 274, RateB: 1400, BytesA: tt.bytesA, BytesB: tt.bytesB}}
			if got := causeText(d, &Result{}); !strings.Contains(got, tt.want) {
				t.Errorf("%q, want %q in it", got, tt.want)
			}
		})
	}
}

// TestWritebackBlockEvidence: a block layer that the dirty limits moved
// gives its waits per unit and their mean as evidence, not a wait site
// that barely moved.
func TestWritebackBlockEvidence(t *testing.T) {
	d := &Diagnosis{Outcome: OutcomeWorse, Cause: CauseWriteback, Per: "IO",
		Layer: &LayerShare{Key: blockPrefix + unknownDevice, Kind: "block", A: 22e3, B: 597e3, Share: 0.97,
			WaitsA: 1, WaitsB: 1, WaitA: 22e3, WaitB: 597e3},
		Site: &Contribution{Label: "io_schedule;folio_wait_bit_common;asm_exc_page_fault"}}
	ev := strings.Join(evidenceText(d, &Result{}), "\n")
	if !strings.Contains(ev, "waits per IO 1 → 1; mean wait 22µs → 597µs") || strings.Contains(ev, "wait site") {
		t.Errorf("evidence:\n%s", ev)
	}
}

// TestWritebackMoreWork: a block layer on no device that the dirty limits
// moved, read with a device given more work, says under the eBPF backend
// that no request of the threads' own was on a device (they waited on IO
// others sent); the procfs backend cannot tell.
func TestWritebackMoreWork(t *testing.T) {
	l := &LayerShare{Key: blockPrefix + unknownDevice, Kind: "block", A: 22e3, B: 597e3, Share: 0.48,
		WaitsA: 1, WaitsB: 1, WaitA: 22e3, WaitB: 597e3}
	const work = "loop0 was given more work (5.4 → 1.2k requests/s, 5.6 → 1216 MB/s) as the dirty-page limits changed, which decide when written pages go to it"
	for _, tt := range []struct {
		backend string
		want    string
	}{
		{"ebpf", ": no request of their own was on a device while they waited, and " + work},
		{"procfs", ": " + work},
	} {
		t.Run(tt.backend, func(t *testing.T) {
			d := &Diagnosis{Outcome: OutcomeWorse, Cause: CauseWriteback, Per: "IO", Layer: l,
				Device: &DeviceFinding{Device: "loop0", RateA: 5.4, RateB: 1200, BytesA: 5.6e6, BytesB: 1216e6}}
			res := &Result{A: Side{Backend: tt.backend}, B: Side{Backend: tt.backend}}
			if got := causeText(d, res); got != tt.want {
				t.Errorf("%q\nwant %q", got, tt.want)
			}
		})
	}
}

// TestWritebackWork: the work the dirty limits gave a device is worded by
// its own figures, whichever way the verdict went: a better verdict over
// a device given more requests of the same bytes does not say "less
// work", nor a worse one over a device that did less say "more".
func TestWritebackWork(t *testing.T) {
	for _, tt := range []struct {
		name    string
		outcome string
		f       DeviceFinding
		want    string
	}{
		{"better, more requests of the same bytes", OutcomeBetter,
			DeviceFinding{Device: "nullb0", RateA: 46, RateB: 128, BytesA: 1.3e6, BytesB: 1.2e6},
			"nullb0 was given the same bytes in more requests (1.3 → 1.2 MB/s in 46 → 128 requests/s)"},
		{"better, less work", OutcomeBetter,
			DeviceFinding{Device: "nullb0", RateA: 100, RateB: 50, BytesA: 4e6, BytesB: 2e6},
			"nullb0 was given less work (100 → 50 requests/s, 4.0 → 2.0 MB/s)"},
		{"worse, less work", OutcomeWorse,
			DeviceFinding{Device: "vda", RateA: 100, RateB: 60, BytesA: 4e6, BytesB: 2.4e6},
			"vda was given less work (100 → 60 requests/s, 4.0 → 2.4 MB/s)"},
		{"worse, the same work", OutcomeWorse,
			DeviceFinding{Device: "vda", RateA: 100, RateB: 104, BytesA: 4e6, BytesB: 4.1e6},
			"vda was given the same work (100 → 104 requests/s, 4.0 → 4.1 MB/s)"},
		{"worse, fewer requests, no bytes known", OutcomeWorse,
			DeviceFinding{Device: "vda", RateA: 100, RateB: 40},
			"vda was given less work (100 → 40 requests/s)"},
		// lab-heldout11 6.1's dirty limits: half the bytes in 4.6x the requests.
		{"better, fewer bytes in more requests", OutcomeBetter,
			DeviceFinding{Device: "nullb0", RateA: 45, RateB: 208, BytesA: 2.5e6, BytesB: 1.2e6},
			"nullb0 was given fewer bytes in more requests (2.5 → 1.2 MB/s in 45 → 208 requests/s)"},
		{"worse, more bytes in fewer requests", OutcomeWorse,
			DeviceFinding{Device: "nullb0", RateA: 208, RateB: 45, BytesA: 1.2e6, BytesB: 2.5e6},
			"nullb0 was given more bytes in fewer requests (1.2 → 2.5 MB/s in 208 → 45 requests/s)"},
		{"better, none counted in A", OutcomeBetter,
			DeviceFinding{Device: "vda", RateB: 40},
			"vda was given more work (0 → 40 requests/s)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := &LayerShare{Key: blockPrefix + unknownDevice, Kind: "block", A: 22e3, B: 597e3, Share: 0.48,
				WaitsA: 1, WaitsB: 1, WaitA: 22e3, WaitB: 597e3}
			d := &Diagnosis{Outcome: tt.outcome, Cause: CauseWriteback, Per: "IO", Layer: l, Device: &tt.f}
			res := &Result{A: Side{Backend: "procfs"}, B: Side{Backend: "procfs"}}
			want := ": " + tt.want + " as the dirty-page limits changed, which decide when written pages go to it"
			if got := causeText(d, res); got != want {
				t.Errorf("%q\nwant %q", got, want)
			}
		})
	}
}

// TestWorkText: the calls' longer kernel work says which change of the
// device their IO goes to it was: its IO scheduler, another queue setting,
// or the device itself.
func TestWorkText(t *testing.T) {
	w := &OwnWork{RanA: 53e3, RanB: 82e3, KernelA: 35e3, KernelB: 60e3}
	for _, tt := range []struct {
		name  string
		cause string
		f     DeviceFinding
		want  string
	}{
		{"scheduler", CauseScheduler, DeviceFinding{Device: "loop0", SchedulerA: "none", SchedulerB: "bfq", Queue: "scheduler loop0"},
			"their IO goes to loop0, whose IO scheduler changed (none → bfq), and the kernel runs the scheduler in their calls"},
		{"nr_requests", CauseScheduler, DeviceFinding{Device: "loop0", SchedulerA: "kyber", SchedulerB: "kyber", Queue: "nr_requests loop0"},
			"their IO goes to loop0, whose queue setting changed (nr_requests loop0), and the kernel submits it in their calls"},
		{"device", CauseDevice, DeviceFinding{Device: "loop0", SchedulerA: "none", SchedulerB: "none"},
			"their IO goes to loop0, which changed, and the kernel submits it in their calls"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := &Diagnosis{Outcome: OutcomeWorse, Cause: tt.cause, Per: "IO", Work: w, Device: &tt.f}
			got := workText(d)
			if !strings.Contains(got, "each IO ran longer in the kernel (35µs → 60µs; on a CPU in all 53µs → 82µs)") || !strings.HasSuffix(got, tt.want) {
				t.Errorf("%q, want it to end %q", got, tt.want)
			}
		})
	}
}

func TestSiteText(t *testing.T) {
	const every = "its waits on every device together"
	tag := "io_schedule;blk_mq_get_tag;__x64_sys_io_submit"
	tests := []struct {
		name     string
		class    string
		site     [2]float64
		layer    [2]float64
		wantNote bool
	}{
		{"a block site beyond its device's layer", ClassBlockIO, [2]float64{2, 123e3}, [2]float64{0, 77e3}, true},
		{"a block site within its layer", ClassBlockIO, [2]float64{2, 70e3}, [2]float64{0, 77e3}, false},
		{"at the layer's change, rounding apart", ClassBlockIO, [2]float64{0, 79e3}, [2]float64{0, 77e3}, false},
		{"a fall beyond the layer's", ClassBlockIO, [2]float64{123e3, 2}, [2]float64{77e3, 0}, true},
		{"a lock site is the lock layer's own", "lock", [2]float64{2, 123e3}, [2]float64{0, 77e3}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Contribution{Key: tag, Label: "io_schedule ← blk_mq_get_tag ← __x64_sys_io_submit", Class: tt.class, A: tt.site[0], B: tt.site[1]}
			l := &LayerShare{A: tt.layer[0], B: tt.layer[1]}
			got := siteText(s, compactSite(s.Label), l, "IO")
			if !strings.HasPrefix(got, "wait site ") || !strings.Contains(got, " per IO (") {
				t.Errorf("siteText = %q, want the site's figures per IO", got)
			}
			if strings.Contains(got, every) != tt.wantNote {
				t.Errorf("siteText = %q, want %q: %v", got, every, tt.wantNote)
			}
		})
	}
}

// TestDistinctSites: two wait sites named in one verdict read differently,
// each keeping the first frame where their stacks part when their short
// forms are the same (heldout133's scheduler pair put 85µs and 70µs on one
// name, an io_uring read's and a write's wait for a request slot).
func TestDistinctSites(t *testing.T) {
	site := func(frames ...string) *Contribution {
		w := model.WaitSite(strings.Join(frames, model.FrameSep))
		return &Contribution{Key: string(w), Label: shortSite(w, 5)}
	}
	tag := []string{"io_schedule", "blk_mq_get_tag", "__blk_mq_alloc_requests", "blk_mq_submit_bio", "__submit_bio"}
	uring := func(op ...string) *Contribution {
		return site(append(append(append([]string{}, tag...), op...), "io_issue_sqe", "io_submit_sqes", "__do_sys_io_uring_enter")...)
	}
	tests := []struct {
		name string
		a, b *Contribution
		want [2]string
	}{
		{"short forms differ: kept", site("io_schedule", "folio_wait_bit", "nfsd_commit"), site("io_schedule", "blk_mq_get_tag", "nfsd_write"),
			[2]string{"io_schedule ← folio_wait_bit ← nfsd_commit", "io_schedule ← blk_mq_get_tag ← nfsd_write"}},
		{"parted deep in the stack", uring("ext4_file_read_iter", "io_read"), uring("ext4_file_write_iter", "io_write"),
			[2]string{"io_schedule ← blk_mq_get_tag ← … ← ext4_file_read_iter ← … ← __do_sys_io_uring_enter",
				"io_schedule ← blk_mq_get_tag ← … ← ext4_file_write_iter ← … ← __do_sys_io_uring_enter"}},
		{"parted at the third frame", site("io_schedule", "rwsem_down_write_slowpath", "ext4_buffered_write_iter", "x", "y", "vfs_write"),
			site("io_schedule", "rwsem_down_write_slowpath", "ext4_dio_write_iter", "x", "y", "vfs_write"),
			[2]string{"io_schedule ← rwsem_down_write_slowpath ← ext4_buffered_write_iter ← … ← vfs_write",
				"io_schedule ← rwsem_down_write_slowpath ← ext4_dio_write_iter ← … ← vfs_write"}},
		{"parted next to the outermost", site("a", "b", "c", "d", "e1", "f"), site("a", "b", "c", "d", "e2", "f"),
			[2]string{"a ← b ← … ← e1 ← f", "a ← b ← … ← e2 ← f"}},
		{"parted at the outermost", site("a", "b", "c", "d", "e", "f1"), site("a", "b", "c", "d", "e", "f2"),
			[2]string{"a ← b ← … ← f1", "a ← b ← … ← f2"}},
		{"one inside the other, told apart by their short forms", site("a", "b", "c", "d", "e", "f"), site("a", "b", "c", "d", "e"),
			[2]string{"a ← b ← … ← f", "a ← b ← … ← e"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := distinctSites(tt.a, tt.b)
			if a != tt.want[0] || b != tt.want[1] {
				t.Errorf("distinctSites = %q, %q; want %q, %q", a, b, tt.want[0], tt.want[1])
			}
			if a == b {
				t.Errorf("both sites read %q", a)
			}
		})
	}
	// Labels alike and keys empty or alike (no frame parts them) keep the
	// short form, and do not fail.
	for _, keys := range [][2]string{{"", ""}, {"x;y", "x;y"}} {
		a := &Contribution{Key: keys[0], Label: "x ← y"}
		b := &Contribution{Key: keys[1], Label: "x ← y"}
		t.Run(fmt.Sprintf("keys %q", keys), func(t *testing.T) {
			if x, y := distinctSites(a, b); x != "x ← y" || y != "x ← y" {
				t.Errorf("distinctSites = %q, %q", x, y)
			}
		})
	}
}

// TestFloorText: a change read through a wait new (or gone) in B, or
// through waits a changed setting acts on, says so, briefly in the
// summary and with the floor and the figures in the evidence.
func TestFloorText(t *testing.T) {
	tests := []struct {
		name string
		bd   *Breakdown
		full bool
		want string
	}{
		{"none", &Breakdown{}, true, ""},
		{"new, summary", &Breakdown{NewWait: &NewWait{Key: "lock", From: "A", Share: 0.0002, Min: 0.3}}, false, "; carried by a wait new in B"},
		{"gone, summary", &Breakdown{NewWait: &NewWait{Key: "lock", From: "B", Share: 0.02, Min: 0.3}}, false, "; carried by a wait gone in B"},
		{"new, evidence", &Breakdown{A: 1000, B: 1250, Change: Change{Delta: 250}, NewWait: &NewWait{Key: "lock", From: "A", Share: 0.0002, Min: 0.3}}, true,
			"; 25% of the 1.0µs per call they waited, short of the 30% that matters on its own, but carried by a wait that took under 0.1% of A's time"},
		{"gone, evidence", &Breakdown{A: 1250, B: 1000, Change: Change{Delta: -250}, RanA: 500, RanB: 400, NewWait: &NewWait{Key: "lock", From: "B", Share: 0.02, Min: 0.3}}, true,
			"; 17% of the 1.4µs per call they ran and waited, short of the 30% that matters on its own, but carried by a wait that took 2.0% of B's time"},
		{"setting, summary", &Breakdown{SettingWait: &SettingWait{Parts: []SettingPart{{Key: "writeback throttling", Delta: 1.1e3}}, Share: 0.98, Min: 0.3}}, false,
			"; carried by waits that a changed setting acts on"},
		{"setting, evidence", &Breakdown{A: 8180, B: 10700, Change: Change{Delta: 2520}, KernelA: 2010, KernelB: 2450,
			SettingWait: &SettingWait{Parts: []SettingPart{{Key: "writeback throttling", Delta: 1.1e3}, {Key: LayerCPU, Delta: 1.3e3, Kernel: true}}, Share: 0.98, Min: 0.3}}, true,
			"; 24% of the 10µs per call they waited and ran in the kernel, short of the 30% that matters on its own, but 98% of it is in waits that the changed settings act on: writeback throttling (too many dirty pages), waiting for a CPU (runnable) behind kernel threads"},
	}
	for _, tt := range tests {
		if got := floorText(tt.bd, "call", tt.full); got != tt.want {
			t.Errorf("%s: floorText = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestHeldShareText: the CPU holder's share is of the run-queue layer's
// change, said so where the layer is not the whole change; a share over
// the whole names the part that moved against it most.
func TestHeldShareText(t *testing.T) {
	// The heldout105 CPU-hogs pair at 30 s, seed 1 (ns per IO).
	hogs := []HeldPart{{Holder: "other", A: 729, B: 38553, Share: 1.294}, {Holder: "traced", A: 161, B: 6529, Share: 0.218},
		{Holder: "kernel", A: 1325, B: 207, Share: -0.038}, {Holder: "wake", A: 13849, B: 0, Share: -0.474}}
	quota := []HeldPart{{Holder: "other", A: 100, B: 9000, Share: 1.1}, {Holder: "idle", A: 3000, B: 1000, Share: -0.1}}
	tests := []struct {
		name  string
		layer float64
		out   string
		share float64
		held  []HeldPart
		want  string
	}{
		{"the layer is the rise", 1.0, OutcomeWorse, 0.86, nil, "86% of the rise"},
		{"the layer is part of the rise", 0.53, OutcomeWorse, 0.86, nil, "86% of the rise in waiting for a CPU"},
		{"part of a fall", 0.6, OutcomeBetter, 0.86, nil, "86% of the fall in waiting for a CPU"},
		{"more than the whole", 0.86, OutcomeWorse, 1.294, hogs,
			"129% of the rise in waiting for a CPU; more than the whole, as the waits for an idle CPU to wake fell, 14µs → 0 per IO"},
		{"no nested parentheses", 1.0, OutcomeWorse, 1.1, quota,
			"110% of the rise; more than the whole, as the waits while their CPU idled fell, 3.0µs → 1.0µs per IO"},
		{"more than the whole, no part against it", 1.0, OutcomeWorse, 1.1, hogs[:2], "110% of the rise"},
	}
	for _, tt := range tests {
		d := &Diagnosis{Outcome: tt.out, Per: "IO", Layer: &LayerShare{Share: tt.layer, Held: tt.held}, Holder: &HeldPart{Holder: "other", Share: tt.share}}
		if got := heldShareText(d); got != tt.want {
			t.Errorf("%s: heldShareText = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestAlsoSite: a layer's change two wait sites carry between them names
// both, in the verdict and the evidence; one that carries it alone, or a
// second site under minLeadShare of it or moving the other way, names one.
func TestAlsoSite(t *testing.T) {
	row := func(key, class string, delta float64) Contribution {
		return Contribution{Key: key, Label: key, Class: class, Change: Change{Delta: delta}}
	}
	tests := []struct {
		name  string
		rows  []Contribution
		layer string
		delta float64
		want  string // "" for none
	}{
		{"readers and writers of one lock", []Contribution{row("down_read", ClassLock, 621), row("down_write", ClassLock, 594)}, ClassLock, 1215, "down_write"},
		{"one site carries it", []Contribution{row("down_read", ClassLock, 1100), row("down_write", ClassLock, 115)}, ClassLock, 1215, ""},
		{"another layer's site", []Contribution{row("down_read", ClassLock, 621), row("io_schedule", ClassBlockIO, 594)}, ClassLock, 1215, ""},
		{"the second moved the other way", []Contribution{row("down_read", ClassLock, 1500), row("down_write", ClassLock, -400)}, ClassLock, 1100, ""},
		{"a fall", []Contribution{row("io_schedule", ClassBlockIO, -500), row("bit_wait_io", ClassBlockIO, -400)}, layerKey(ClassBlockIO, "loop0"), -900, "bit_wait_io"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dt := &Breakdown{Dimensions: []Dimension{{Name: "wait site", Rows: tt.rows}}}
			top := topSite(dt, tt.layer, dirOf(tt.delta))
			also := alsoSite(dt, tt.layer, top, tt.delta)
			got := ""
			if also != nil {
				got = also.Key
			}
			if got != tt.want {
				t.Fatalf("alsoSite = %q, want %q (top %+v)", got, tt.want, top)
			}
			text := sitesText(&Diagnosis{Site: top, Also: also})
			if wantBoth := tt.want != ""; strings.Contains(text, " and ") != wantBoth {
				t.Errorf("cause text %q: names both sites %v, want %v", text, !wantBoth, wantBoth)
			}
		})
	}
}

// TestUnmovedText: the wait that did not move in a verdict read off
// asynchronous IO is worded by its test: a significant move too small to
// matter gives its size and why it is too small, not a claim that nothing
// changed.
func TestUnmovedText(t *testing.T) {
	share := &Breakdown{A: 3.0e3, B: 4.4e3, RanA: 2.8e3, RanB: 3.8e3, Small: SmallShare, Change: Change{Delta: 1.4e3}}
	floor := &Breakdown{Small: SmallFloor, Floor: 10e3}
	for _, tc := range []struct {
		ch   Change
		t    *Breakdown
		want string
	}{
		{Change{Outcome: TestSmall, Ratio: 1.23, P: 0.001}, nil, "moved too little to matter (232µs → 285µs, +23%, p=0.001)"},
		{Change{Outcome: TestSmall, Ratio: 1.49, P: 0.001}, share, "moved too little to matter (232µs → 285µs, +49%, p=0.001; that is 24% of the 5.8µs per IO they ran and waited)"},
		{Change{Outcome: TestSmall, Ratio: 1.23, P: 0.001}, floor, "moved too little to matter (232µs → 285µs, +23%, p=0.001; under the 10µs per IO that matters)"},
		{Change{Outcome: TestNotSignificant, Ratio: 0.9, P: 0.21}, share, "did not change significantly (232µs → 285µs, p=0.21)"},
		{Change{Outcome: TestUntested}, nil, "did not change materially (232µs → 285µs, not tested)"},
	} {
		o := &Overlap{WaitA: 232e3, WaitB: 285e3, Change: tc.ch}
		if got := unmovedText(o, tc.t, "IO"); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.ch.Outcome, got, tc.want)
		}
	}
}

// TestHeldLockText: a lock that joins the leading layer (Diagnosis.Held)
// is one clause after the layer's, saying where its holders were, in the
// layer's own words; none without it.
func TestHeldLockText(t *testing.T) {
	held := &HeldLock{LayerPart: LayerPart{Key: ClassLock, A: 1, B: 4, Share: 0.37}, Owned: 0.96}
	all := &HeldLock{LayerPart: LayerPart{Key: ClassLock, A: 1, B: 4, Share: 0.37}, Owned: 1.2}
	tests := []struct {
		layer string
		held  *HeldLock
		want  string
	}{
		{ClassWriteback, held, ", and 37% is waiting for a lock whose holders were themselves in writeback throttling (too many dirty pages) for 96% of the lock-wait time's rise"},
		{ClassJournal, &HeldLock{LayerPart: LayerPart{Key: ClassLock, A: 4, B: 1, Share: 0.3}, Owned: 0.5}, ", and 30% is waiting for a lock whose holders were themselves waiting for the filesystem journal for 50% of the lock-wait time's fall"},
		{ClassWriteback, all, ", and 37% is waiting for a lock whose holders were themselves in writeback throttling (too many dirty pages) for all of the lock-wait time's rise"},
		{ClassWriteback, nil, ""},
	}
	for _, tt := range tests {
		d := &Diagnosis{Layer: &LayerShare{Key: tt.layer}, Held: tt.held}
		if got := heldLockText(d); got != tt.want {
			t.Errorf("heldLockText(%s) = %q, want %q", tt.layer, got, tt.want)
		}
	}
}
