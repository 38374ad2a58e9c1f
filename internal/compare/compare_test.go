package compare

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/capture"
	"github.com/nfstrace/nfstrace/internal/model"
)

func TestVerdicts(t *testing.T) {
	tests := []struct {
		name   string
		change func(sc *scenario)
		// want: significant, the cause and its key ("" = any), a
		// substring of the lead
		significant bool
		cause       string
		key         string
		lead        string
		evidence    string // a substring of an evidence line ("" = any)
	}{
		{
			name:        "same scenario, other seed",
			change:      func(sc *scenario) { sc.seed = 7 },
			significant: false,
		},
		{
			name: "slow device",
			change: func(sc *scenario) {
				sc.seed = 2
				sc.svc = 8 * time.Millisecond
			},
			significant: true, cause: CauseDevice, key: "sda", lead: "sda",
		},
		{
			// The lab's slow-device scenario: the export moves from a
			// virtio disk onto null_blk behind dm-delay, whose delay block
			// request tracing cannot see.
			name: "export on a slow bio-based device",
			change: func(sc *scenario) {
				sc.seed = 6
				sc.dev = "nullb0"
				sc.svc = 70 * time.Microsecond
				sc.dm = 20 * time.Millisecond
			},
			significant: true, cause: CauseDevice, key: "dm-0", lead: "dm-0",
			// A's figures are sda's, the device the IO left.
			evidence: "device sda → dm-0 (mq-deadline → -): await mean",
		},
		{
			name: "scheduler change",
			change: func(sc *scenario) {
				sc.seed = 3
				sc.sched = "bfq"
				sc.queue = 3 * time.Millisecond
			},
			significant: true, cause: CauseScheduler, key: "sda", lead: "mq-deadline → bfq",
		},
		{
			// Fewer requests to go round: writes wait for a tag before
			// they have a request, where the tracer cannot name the
			// device; the IO was bound for sda, whose nr_requests
			// changed.
			name: "tag waits after nr_requests shrank",
			change: func(sc *scenario) {
				sc.seed = 5
				sc.nrReqs = 4
				sc.sites = append(sc.sites, siteSpec{frames: frames("io_schedule;blk_mq_get_tag;__blk_mq_alloc_requests;blk_mq_submit_bio;submit_bio_noacct;iomap_dio_bio_iter;__iomap_dio_rw;ext4_file_write_iter;vfs_iter_write;nfsd_vfs_write [nfsd];nfsd3_proc_write [nfsd];nfsd_dispatch [nfsd];svc_process;nfsd [nfsd];kthread;ret_from_fork"),
					op: "WRITE", prob: 0.6, median: 4 * time.Millisecond})
			},
			significant: true, cause: CauseScheduler, key: "sda", lead: "nr_requests sda 256 → 4",
		},
		{
			name: "lock above the block layer after a kernel upgrade",
			change: func(sc *scenario) {
				sc.seed = 4
				sc.kernel = "6.12.9-cloud-amd64"
				sc.sites[2].prob = 0.6
				sc.sites[2].median = 15 * time.Millisecond
			},
			significant: true, cause: CauseLock, key: "rwsem_down_write_slowpath", lead: "kernel",
		},
		{
			// A faster disk while the kernel's lock got slower: the disk
			// did not cause the rise.
			name: "lock rise while the device got faster",
			change: func(sc *scenario) {
				sc.seed = 11
				sc.kernel = "6.12.9-cloud-amd64"
				sc.svc = 100 * time.Microsecond
				sc.sites[2].prob = 0.6
				sc.sites[2].median = 15 * time.Millisecond
			},
			significant: true, cause: CauseLock, key: "rwsem_down_write_slowpath", lead: "kernel",
		},
		{
			// Requests got slower without any thread in D: on CPU or in
			// the network.
			name: "request latency without D-state",
			change: func(sc *scenario) {
				sc.seed = 12
				sc.base = map[string]time.Duration{"WRITE": 3 * time.Millisecond, "READ": 120 * time.Microsecond, "COMMIT": 80 * time.Microsecond, "GETATTR": 40 * time.Microsecond}
			},
			significant: true, cause: CauseRequest, lead: "configuration is the same",
		},
		{
			// Requests wait longer for a CPU: another load on the host.
			name: "CPU contention",
			change: func(sc *scenario) {
				sc.seed = 21
				sc.runq = 2 * time.Millisecond
			},
			significant: true, cause: CauseCPU, lead: "configuration is the same",
		},
		{
			name: "CPU count changed",
			change: func(sc *scenario) {
				sc.seed = 22
				sc.runq = 2 * time.Millisecond
				sc.cpus = 8
			},
			significant: true, cause: CauseCPU, lead: "cpus 2 → 8",
		},
		{
			// Reads miss the page cache three times as often: more IO per
			// operation on a device as fast as before.
			name: "more IO per operation",
			change: func(sc *scenario) {
				sc.seed = 23
				sc.sites[1].prob = 0.9
			},
			significant: true, cause: CauseWorkload, key: "sda",
		},
		{
			// The same, after the host lost memory: the page cache holds
			// less, and the change that explains the extra reads leads.
			name: "more IO per operation after the memory shrank",
			change: func(sc *scenario) {
				sc.seed = 23
				sc.sites[1].prob = 0.9
				sc.mem = 256 << 20
			},
			significant: true, cause: CauseCache, key: "sda", lead: "memory 1.0 GiB → 256.0 MiB",
			evidence: "waits per op",
		},
		{
			// More memory does not explain more reads: the workload's.
			name: "more IO per operation after the memory grew",
			change: func(sc *scenario) {
				sc.seed = 23
				sc.sites[1].prob = 0.9
				sc.mem = 4 << 30
			},
			significant: true, cause: CauseWorkload, key: "sda",
		},
		{
			name: "writeback throttling after a sysctl change",
			change: func(sc *scenario) {
				sc.seed = 5
				sc.sysctls = map[string]string{"vm.dirty_ratio": "20", "vm.dirty_background_ratio": "10", "vm.dirty_bytes": "524288"}
				sc.sites = append(sc.sites, siteSpec{frames: frames(siteDirty), op: "WRITE", prob: 0.5, median: 8 * time.Millisecond})
			},
			significant: true, cause: CauseWriteback, key: "balance_dirty_pages", lead: "vm.dirty_bytes",
		},
		{
			// The lab's writeback-throttle on 6.12: the device slowed a
			// little, significantly, under the extra writeback, but its
			// change on a few requests per op is far from the rise.
			name: "writeback throttling that also slows the device a little",
			change: func(sc *scenario) {
				sc.seed = 14
				sc.svc = 600 * time.Microsecond
				sc.sysctls = map[string]string{"vm.dirty_ratio": "20", "vm.dirty_background_ratio": "10", "vm.dirty_bytes": "524288"}
				sc.sites = append(sc.sites, siteSpec{frames: frames(siteDirty), op: "WRITE", prob: 0.5, median: 30 * time.Millisecond})
			},
			significant: true, cause: CauseWriteback, key: "balance_dirty_pages", lead: "vm.dirty_bytes",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			base := baseline()
			other := baseline()
			tc.change(&other)
			res, err := Compare(base.capture("A"), other.capture("B"), Options{})
			if err != nil {
				t.Fatal(err)
			}
			v := res.Verdict
			var out bytes.Buffer
			if err := res.Render(&out, RenderOptions{}); err != nil {
				t.Fatal(err)
			}
			if v.Significant != tc.significant {
				t.Fatalf("significant = %v, want %v\n%s", v.Significant, tc.significant, out.String())
			}
			if !tc.significant {
				if !strings.HasPrefix(v.Summary, "Neither better nor worse") {
					t.Errorf("summary %q", v.Summary)
				}
				return
			}
			if v.Cause == nil || v.Cause.Kind != tc.cause || !strings.Contains(v.Cause.Key+" "+v.Cause.Label, tc.key) {
				t.Fatalf("cause %+v, want %s %s\n%s", v.Cause, tc.cause, tc.key, out.String())
			}
			if !strings.HasPrefix(v.Summary, "Worse") {
				t.Errorf("summary %q does not say worse", v.Summary)
			}
			if !strings.Contains(v.Lead, tc.lead) {
				t.Errorf("lead %q does not mention %q", v.Lead, tc.lead)
			}
			if tc.evidence != "" && !strings.Contains(strings.Join(v.Evidence, "\n"), tc.evidence) {
				t.Errorf("no evidence line has %q:\n%s", tc.evidence, strings.Join(v.Evidence, "\n"))
			}
			t.Log("\n" + out.String())
		})
	}
}

// TestLoadFile: a capture read back from its file compares exactly as the
// snapshots it was written from.
func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	a, b := baseline(), baseline()
	b.seed, b.svc = 2, 8*time.Millisecond
	pa, pb := filepath.Join(dir, "a.cap"), filepath.Join(dir, "b.cap")
	a.writeFile(t, pa)
	b.writeFile(t, pb)
	ca, err := Load(context.Background(), pa, false)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := Load(context.Background(), pb, false)
	if err != nil {
		t.Fatal(err)
	}
	fromFile, err := Compare(ca, cb, Options{})
	if err != nil {
		t.Fatal(err)
	}
	inMemory, err := Compare(a.capture(pa), b.capture(pb), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var jf, jm bytes.Buffer
	if err := fromFile.WriteJSON(&jf); err != nil {
		t.Fatal(err)
	}
	if err := inMemory.WriteJSON(&jm); err != nil {
		t.Fatal(err)
	}
	if jf.String() != jm.String() {
		t.Errorf("file and memory differ:\n%s\n---\n%s", jf.String(), jm.String())
	}
	if ca.Snapshots != a.n || ca.Config().KernelRelease != a.kernel {
		t.Errorf("loaded %d snapshots of kernel %q", ca.Snapshots, ca.Config().KernelRelease)
	}
	if _, err := Load(context.Background(), filepath.Join(dir, "missing.cap"), false); err == nil {
		t.Error("missing file loaded")
	}
}

// TestWorkloadNormalisation: a busier capture with the same cost per
// operation is not worse; a different operation mix is said to be.
func TestWorkloadNormalisation(t *testing.T) {
	a, busy := baseline(), baseline()
	busy.seed, busy.opsPerSec = 8, 2700
	res, err := Compare(a.capture("A"), busy.capture("B"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Verdict.Significant {
		t.Errorf("1.8x busier with the same cost per operation: %s", res.Verdict.Summary)
	}
	if w := res.Workload; !w.Comparable || w.RateRatio < 1.7 || w.RateRatio > 1.9 || w.Per != "op" {
		t.Errorf("workload %+v", w)
	}
	// The D-time per second did rise: per operation it did not.
	if res.DTime.Change.Significant {
		t.Errorf("D-time per operation changed: %+v", res.DTime.Change)
	}

	mixed := baseline()
	mixed.seed = 9
	mixed.mix = map[string]float64{"WRITE": 0.1, "READ": 0.1, "COMMIT": 0.05, "GETATTR": 0.75}
	res, err = Compare(a.capture("A"), mixed.capture("B"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	w := res.Workload
	if w.Comparable || !strings.Contains(w.Reason, "operation mixes differ") || w.MixDistance < 0.5 {
		t.Errorf("workload %+v", w)
	}
	if res.Verdict.Significant && !strings.Contains(res.Verdict.Evidence[0], "workloads differ") {
		t.Errorf("a verdict on different workloads without a warning first: %q", res.Verdict.Evidence)
	}
}

// TestDTimeByClient: when the D-state rows carry the client being served,
// D-time breaks down by client, and a rise confined to one client's
// requests is pinned on it in the breakdown and the evidence. Without
// clients (older captures, procfs) there is no client dimension.
func TestDTimeByClient(t *testing.T) {
	clients := []string{"10.0.0.7", "10.0.0.8", "10.0.0.9"}
	base := baseline()
	base.clients = clients
	other := baseline()
	other.clients = clients
	other.seed = 13
	// one client's writes now queue behind a lock (say, a file it shares)
	other.sites = append(other.sites, siteSpec{frames: frames(siteRwsem), op: "WRITE", prob: 0.7,
		median: 6 * time.Millisecond, client: "10.0.0.8"})
	res, err := Compare(base.capture("A"), other.capture("B"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := res.Render(&out, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	if !res.Verdict.Significant {
		t.Fatalf("not significant:\n%s", out.String())
	}
	var dim *Dimension
	for i := range res.DTime.Dimensions {
		if res.DTime.Dimensions[i].Name == "client" {
			dim = &res.DTime.Dimensions[i]
		}
	}
	if dim == nil {
		t.Fatalf("no client dimension:\n%s", out.String())
	}
	top := dim.Rows[0]
	if top.Key != "10.0.0.8" || top.Share < 0.9 || !top.Change.Significant {
		t.Errorf("top client %+v, want 10.0.0.8 with >= 90%% of the change, significant\n%s", top, out.String())
	}
	for _, r := range dim.Rows[1:] {
		if r.Change.Significant && r.B > r.A {
			t.Errorf("client %s rose significantly too: %+v", r.Key, r)
		}
	}
	found := false
	for _, e := range res.Verdict.Evidence {
		found = found || strings.HasPrefix(e, "client 10.0.0.8:")
	}
	if !found {
		t.Errorf("no evidence line for client 10.0.0.8: %q", res.Verdict.Evidence)
	}
	t.Log("\n" + out.String())

	// The same comparison without clients in the rows.
	base.clients, other.clients = nil, nil
	other.sites[len(other.sites)-1].client = ""
	res, err = Compare(base.capture("A"), other.capture("B"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range res.DTime.Dimensions {
		if d.Name == "client" {
			t.Errorf("client dimension without clients: %+v", d)
		}
	}
}

// TestSameCapture: a capture compared with itself (or a copy of it) says
// so instead of testing a change of nothing.
func TestSameCapture(t *testing.T) {
	sc := baseline()
	res, err := Compare(sc.capture("A"), sc.capture("A copy"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d := res.Verdict.Diagnosis; d.Outcome != OutcomeSameCapture || res.Verdict.Significant ||
		!strings.Contains(res.Verdict.Summary, "same recording") {
		t.Errorf("outcome %q, summary %q", d.Outcome, res.Verdict.Summary)
	}
	other := baseline()
	other.seed = 5
	res, err = Compare(sc.capture("A"), other.capture("B"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Verdict.Diagnosis.Outcome == OutcomeSameCapture {
		t.Errorf("two recordings taken for one: %q", res.Verdict.Summary)
	}
}

// TestTooShort: captures under minIntervals intervals are too short to
// tell, whatever they show.
func TestTooShort(t *testing.T) {
	a, b := baseline(), baseline()
	a.n, b.n = minIntervals-1, minIntervals-1
	b.seed, b.svc = 9, 8*time.Millisecond
	res, err := Compare(a.capture("A"), b.capture("B"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d := res.Verdict.Diagnosis; d.Outcome != OutcomeTooShort || !strings.Contains(res.Verdict.Summary, "record at least 10") {
		t.Errorf("outcome %q, summary %q", d.Outcome, res.Verdict.Summary)
	}
}

// TestWorkSpan: a figure is tested over the intervals in which the
// workload ran. Idle intervals before and after it neither hide a change
// present in every working interval nor make a capture testable whose
// workload ran too few of them.
func TestWorkSpan(t *testing.T) {
	// idle returns the scenario's capture with only intervals [lo, hi)
	// of its n holding the workload; the others are empty snapshots.
	idle := func(sc scenario, name string, lo, hi int) *Capture {
		snaps := sc.snapshots()
		for i, s := range snaps {
			if i < lo || i >= hi {
				snaps[i] = &model.Snapshot{Start: s.Start, End: s.End}
			}
		}
		return FromSnapshots(name, capture.Meta{Config: sc.config(), Interval: time.Second}, snaps)
	}
	t.Run("a slower device in every working interval", func(t *testing.T) {
		a, b := baseline(), baseline()
		a.n, b.n = 24, 24
		b.seed, b.svc = 9, 4*a.svc
		res, err := Compare(idle(a, "A", 3, 15), idle(b, "B", 10, 22), Options{})
		if err != nil {
			t.Fatal(err)
		}
		d := res.Verdict.Diagnosis
		if d.Outcome != OutcomeWorse || res.Time.Intervals != [2]int{12, 12} {
			t.Errorf("outcome %q over %v intervals, want worse over 12 of each: %s", d.Outcome, res.Time.Intervals, res.Verdict.Summary)
		}
	})
	t.Run("a tail of waits after the last operations", func(t *testing.T) {
		// A works in intervals 7 to 15 of its 20; the one before and
		// the one after hold an ordinary second's waits but a single
		// operation of each kind, as a workload that starts or stops
		// does. Over the whole capture, 4 of its 10 blocks of two
		// intervals are all work and 4 are empty; a resample that draws
		// none of the 4 (0.6^10) but the edges puts A far above B.
		a, b := baseline(), baseline()
		a.n, b.n = 20, 20
		b.seed, b.svc = 9, 4*a.svc
		snaps := a.snapshots()
		for i, s := range snaps {
			switch {
			case i == 6 || i == 16:
				for j := range s.Host.NFSD.Ops {
					s.Host.NFSD.Ops[j].Count, s.Host.NFSD.Ops[j].Rate = 1, 1
				}
			case i < 6 || i > 16:
				snaps[i] = &model.Snapshot{Start: s.Start, End: s.End}
			}
		}
		ca := FromSnapshots("A", capture.Meta{Config: a.config(), Interval: time.Second}, snaps)
		res, err := Compare(ca, b.capture("B"), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if d := res.Verdict.Diagnosis; d.Outcome != OutcomeWorse || res.Time.Intervals[0] != 11 {
			t.Errorf("outcome %q over %v intervals, want worse over A's 11: %s", d.Outcome, res.Time.Intervals, res.Verdict.Summary)
		}
	})
	t.Run("too few working intervals", func(t *testing.T) {
		a, b := baseline(), baseline()
		a.n, b.n = 20, 20
		b.seed, b.svc = 9, 8*a.svc
		res, err := Compare(idle(a, "A", 14, 20), b.capture("B"), Options{})
		if err != nil {
			t.Fatal(err)
		}
		d := res.Verdict.Diagnosis
		if d.Outcome != OutcomeTooShort || d.Worked != [2]int{6, 20} || !strings.Contains(res.Verdict.Summary, "6 of A's 20 intervals") {
			t.Errorf("outcome %q, worked %v, summary %q", d.Outcome, d.Worked, res.Verdict.Summary)
		}
	})
}

// TestQueueAndLockOwner: requests that wait for a free nfsd thread make a
// layer of their own, matched to a change of the thread count; a lock
// layer names the lock's owner from the lock rows.
func TestQueueAndLockOwner(t *testing.T) {
	build := func(sc scenario, edit func(*model.Snapshot)) *Capture {
		snaps := sc.snapshots()
		for _, s := range snaps {
			edit(s)
		}
		cfg := sc.config()
		if sc.cpus == 1 { // marks the side with one nfsd thread
			cfg.NFSDThreads = 1
		}
		return FromSnapshots("x", capture.Meta{Config: cfg, Interval: time.Second}, snaps)
	}
	queued := func(median time.Duration, seed uint64) func(*model.Snapshot) {
		r := rand.New(rand.NewPCG(seed, 3))
		return func(s *model.Snapshot) {
			var h model.Hist
			for range 1500 {
				h.Add(lognormal(r, median, 0.5))
			}
			s.Queue = []model.PoolQueue{{Pool: 0, Wait: h}}
		}
	}
	a, b := baseline(), baseline()
	b.seed, b.cpus = 31, 1
	res, err := Compare(build(a, queued(20*time.Microsecond, 1)), build(b, queued(4*time.Millisecond, 2)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if v := res.Verdict; v.Diagnosis.Cause != CauseQueue || !strings.Contains(v.Lead, "nfsd threads 8 → 1") {
		t.Errorf("cause %q, lead %q\n%s", v.Diagnosis.Cause, v.Lead, v.Summary)
	}

	a, b = baseline(), baseline()
	b.seed = 32
	b.sites[2].prob, b.sites[2].median = 0.6, 15*time.Millisecond
	owner := func(s *model.Snapshot) {
		s.Locks = []model.LockWait{{Comm: "nfsd", WaitSite: model.WaitSite(siteRwsem), Lock: "0xffff0001", Kind: model.LockRWSemWrite,
			Waits: 100, Time: 900 * time.Millisecond, MaxWaiters: 6, Owner: "nfsd", OwnerTID: 4242, OwnerWaits: 80,
			OwnerState: "D", OwnerSite: model.WaitSite("jbd2_log_wait_commit;ext4_sync_file;nfsd_commit [nfsd]")}}
	}
	res, err = Compare(build(a, func(*model.Snapshot) {}), build(b, owner), Options{})
	if err != nil {
		t.Fatal(err)
	}
	d := res.Verdict.Diagnosis
	if d.Cause != CauseLock || d.Owner == nil || d.Owner.TID != 4242 || d.Owner.State != "D" {
		t.Fatalf("cause %q, owner %+v", d.Cause, d.Owner)
	}
	if !strings.Contains(res.Verdict.Lead, "nfsd/4242 (80% of the lock waits), itself in D at jbd2_log_wait_commit") {
		t.Errorf("lead %q", res.Verdict.Lead)
	}
}

// TestWriteJSONInfinite: a rise from zero (ratio +Inf) in any breakdown,
// the time users feel included, is written as JSON, not refused.
func TestWriteJSONInfinite(t *testing.T) {
	rise := func() *Breakdown {
		return &Breakdown{Change: Change{Ratio: math.Inf(1)},
			Dimensions: []Dimension{{Name: "x", Rows: []Contribution{{Change: Change{Ratio: math.Inf(1)}}}}}}
	}
	r := &Result{Time: rise(), DTime: rise(), RPC: rise(), Block: rise()}
	var b bytes.Buffer
	if err := r.WriteJSON(&b); err != nil {
		t.Fatalf("WriteJSON: %v", err)
	}
	if !math.IsInf(r.Time.Dimensions[0].Rows[0].Change.Ratio, 1) {
		t.Errorf("WriteJSON changed the result it wrote")
	}
}

// TestWriteJSONEveryFigure sets every figure a result can reach (through
// pointers, slices and embedded fields, a few levels down) to +Inf, as a
// ratio that rose from zero is, and writes it: JSON has no infinity, and
// WriteJSON once refused a result whose diagnosis's second wait site, or
// the operations reaching nfsd, rose from zero. It must not change the
// result it writes.
func TestWriteJSONEveryFigure(t *testing.T) {
	var r Result
	n := fillInf(reflect.ValueOf(&r).Elem(), 5)
	if n < 100 {
		t.Fatalf("set %d figures; the walk lost its way", n)
	}
	var b bytes.Buffer
	if err := r.WriteJSON(&b); err != nil {
		t.Fatalf("WriteJSON with %d infinite figures: %v", n, err)
	}
	if !math.IsInf(r.Verdict.Diagnosis.Also.Change.Ratio, 1) || !math.IsInf(r.Time.Held.Whole.Ratio, 1) {
		t.Errorf("WriteJSON changed the result it wrote")
	}
	var back struct {
		Verdict struct {
			Diagnosis struct {
				Also struct {
					Ratio *float64 `json:"ratio"`
				} `json:"also_site"`
			} `json:"diagnosis"`
		} `json:"verdict"`
	}
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if r := back.Verdict.Diagnosis.Also.Ratio; r == nil || *r != 0 {
		t.Errorf("the second wait site's ratio reads %v in JSON, want 0", r)
	}
}

// fillInf sets every float under v to +Inf, allocating pointers and one
// element of each slice down to depth levels; it returns how many it set.
func fillInf(v reflect.Value, depth int) int {
	if depth < 0 {
		return 0
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		return fillInf(v.Elem(), depth-1)
	case reflect.Slice:
		if v.Type().Elem().Kind() != reflect.Struct && v.Type().Elem().Kind() != reflect.Pointer {
			return 0
		}
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		return fillInf(v.Index(0), depth-1)
	case reflect.Float64:
		v.SetFloat(math.Inf(1))
		return 1
	case reflect.Struct:
		n := 0
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				n += fillInf(v.Field(i), depth)
			}
		}
		return n
	}
	return 0
}

// compareFiles compares two recorded captures with the default options.
func compareFiles(t *testing.T, a, b string) *Result {
	t.Helper()
	var cs [2]*Capture
	for i, p := range []string{a, b} {
		c, err := Load(context.Background(), p, false)
		if err != nil {
			t.Fatal(err)
		}
		cs[i] = c
	}
	res, err := Compare(cs[0], cs[1], Options{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestWaitsFromOtherDevice: when B's leading block layer is a device A's
// threads did not wait on, its A figures are A's waits on the device they
// did wait on, and the evidence says which (the dev more-work pair at 30 s:
// B's extra waits have no device, A's were on loop0).
func TestWaitsFromOtherDevice(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "diagnosis", "host", "dev", "more-work", "30s")
	res := compareFiles(t, filepath.Join(dir, "base-1.nft"), filepath.Join(dir, "inj-1.nft"))
	l := res.Verdict.Diagnosis.Layer
	if l == nil || l.WaitsFrom != "loop0" {
		t.Fatalf("leading layer %+v: want A's figures from loop0", l)
	}
	if ev := strings.Join(res.Verdict.Evidence, "\n"); !strings.Contains(ev, "(A's figures: its waits on loop0)") {
		t.Errorf("evidence does not say whose A figures they are:\n%s", ev)
	}
}

// TestDemand: more operations a second, each slower, is more work asked of
// the server, whichever layer it queued in; the workload is the cause and
// the layer's own reading (a slower device) comes after it. Not when the
// rate fell (a closed loop behind a slower device), moved less than
// Options.MinChange, came with another mix of operations, or a change in
// the configuration acts on the leading layer.
func TestDemand(t *testing.T) {
	tests := []struct {
		name   string
		change func(*scenario)
		cause  string
		demand bool
	}{
		{"more operations, each slower", func(sc *scenario) { sc.opsPerSec, sc.svc = 2250, 1200*time.Microsecond }, CauseWorkload, true},
		{"fewer operations, each slower", func(sc *scenario) { sc.opsPerSec, sc.svc = 1000, 1200*time.Microsecond }, CauseDevice, false},
		{"within the noise", func(sc *scenario) { sc.opsPerSec, sc.svc = 1650, 1200*time.Microsecond }, CauseDevice, false},
		{"another mix", func(sc *scenario) {
			sc.opsPerSec, sc.svc = 2250, 1200*time.Microsecond
			sc.mix = map[string]float64{"WRITE": 0.2, "READ": 0.7, "COMMIT": 0.05, "GETATTR": 0.05}
		}, "", false},
		{"a scheduler change", func(sc *scenario) { sc.opsPerSec, sc.svc, sc.sched = 2250, 1200*time.Microsecond, "bfq" }, CauseScheduler, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := baseline(), baseline()
			b.seed = 5
			tt.change(&b)
			res, err := Compare(a.capture("A"), b.capture("B"), Options{})
			if err != nil {
				t.Fatal(err)
			}
			d := res.Verdict.Diagnosis
			if d.Outcome != OutcomeWorse {
				t.Fatalf("outcome %q, want worse: %s", d.Outcome, res.Verdict.Summary)
			}
			if (d.Demand != nil) != tt.demand || tt.cause != "" && d.Cause != tt.cause {
				t.Fatalf("cause %q, demand %+v; want %q, demand %v: %s", d.Cause, d.Demand, tt.cause, tt.demand, res.Verdict.Summary)
			}
			if !tt.demand {
				return
			}
			if d.Demand.Over != CauseDevice || d.Demand.RateB < 1.3*d.Demand.RateA {
				t.Errorf("demand %+v: want over the device, 1.3 times the rate or more", d.Demand)
			}
			if !strings.Contains(res.Verdict.Summary, "the clients asked for more") || !strings.Contains(res.Verdict.Summary, "sda") {
				t.Errorf("summary %q: want the demand after the device", res.Verdict.Summary)
			}
			if !strings.HasPrefix(res.Verdict.Lead, "look at the work the clients ask of the server") || !strings.Contains(res.Verdict.Lead, "look next at sda") {
				t.Errorf("lead %q", res.Verdict.Lead)
			}
		})
	}
}
