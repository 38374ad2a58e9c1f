package compare

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// TestReached: fewer operations reaching nfsd, each served in as long, is
// read as a change before the server, not as no change at all; a smaller
// fall, a rise, or a slower server is not.
func TestReached(t *testing.T) {
	tests := []struct {
		name     string
		opsPerS  float64
		slower   bool // B's writes wait in writeback throttling too
		want     bool
		outcome  string
		sentence string // in the verdict when want
	}{
		{name: "40% fewer, each as long", opsPerS: 900, want: true, outcome: OutcomeNoChange, sentence: "fewer operations reached nfsd"},
		{name: "7% fewer, within the floor", opsPerS: 1400, outcome: OutcomeNoChange},
		{name: "more operations", opsPerS: 2400, outcome: OutcomeNoChange},
		{name: "fewer and each slower", opsPerS: 900, slower: true, outcome: OutcomeWorse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := baseline()
			if tt.slower {
				b.sites = append(b.sites, siteSpec{frames: frames(siteDirty), op: "WRITE", prob: 0.8, median: 5 * time.Millisecond})
			}
			b.opsPerSec, b.seed = tt.opsPerS, 2
			res, err := Compare(baseline().capture("A"), b.capture("B"), Options{})
			if err != nil {
				t.Fatal(err)
			}
			d := res.Verdict.Diagnosis
			if d.Outcome != tt.outcome {
				t.Fatalf("outcome %q, want %q: %s", d.Outcome, tt.outcome, res.Verdict.Summary)
			}
			if got := d.Reached != nil; got != tt.want {
				t.Fatalf("Reached = %+v, want set %v: %s", d.Reached, tt.want, res.Verdict.Summary)
			}
			if !tt.want {
				if strings.Contains(res.Verdict.Summary, "reached nfsd") {
					t.Errorf("verdict speaks of operations reaching nfsd without Reached: %s", res.Verdict.Summary)
				}
				return
			}
			// The simulated load wobbles by up to 10% an interval.
			if r := d.Reached.RateB / d.Reached.RateA; r < 0.55 || r > 0.65 {
				t.Errorf("rate %.0f → %.0f a second (x%.2f), want about x0.6", d.Reached.RateA, d.Reached.RateB, r)
			}
			if !strings.Contains(res.Verdict.Summary, tt.sentence) || !strings.HasPrefix(res.Verdict.Summary, "Neither better nor worse") {
				t.Errorf("verdict %q lacks %q", res.Verdict.Summary, tt.sentence)
			}
			if !strings.Contains(res.Verdict.Lead, "look at the clients") {
				t.Errorf("lead %q does not send the reader to the clients", res.Verdict.Lead)
			}
		})
	}
}

// TestReachedLead: where fewer operations reached nfsd, the lead sends the
// reader to the clients, unless the requests waited longer for a free nfsd
// thread, which a configuration change can cause: then they were held
// before nfsd by its own pool, and that change leads.
func TestReachedLead(t *testing.T) {
	threads := Match{Kind: MatchDirect, Changes: []ConfigChange{{Item: "nfsd threads", A: "6", B: "1"}}}
	tests := []struct {
		name  string
		aside *LayerShare
		match Match
		want  string
	}{
		{"no layer moved", nil, Match{}, "look at the clients"},
		{"the pool's wait rose", &LayerShare{Key: LayerQueue, Kind: LayerQueue, A: 1.8e6, B: 8.1e6}, threads,
			"the configuration change that can move waiting for a free nfsd thread: nfsd threads 6 → 1"},
		{"the pool's wait fell", &LayerShare{Key: LayerQueue, Kind: LayerQueue, A: 8.1e6, B: 1.8e6}, threads, "look at the clients"},
		{"another layer rose", &LayerShare{Key: "lock", Kind: "lock", A: 1e6, B: 4e6},
			Match{Kind: MatchDirect, Changes: []ConfigChange{{Item: "sysctl vm.dirty_bytes", A: "0", B: "786432"}}}, "look at the clients"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &Diagnosis{Outcome: OutcomeNoChange, Per: "op", Reached: &Reached{RateA: 293, RateB: 120},
				Aside: tt.aside, AsideMatch: tt.match}
			if got := leadText(d, &Result{}); !strings.HasPrefix(got, tt.want) {
				t.Errorf("lead %q, want it to begin %q", got, tt.want)
			}
			if tt.aside == nil {
				return
			}
			if !strings.HasPrefix(asideText(d), "; and ") {
				t.Errorf("aside after the operations that reached nfsd %q, want it to begin \"; and \"", asideText(d))
			}
			// The aside says which way its layer went.
			way := " rose, "
			if tt.aside.B < tt.aside.A {
				way = " fell, "
			}
			if !strings.Contains(asideText(d), way) {
				t.Errorf("aside %q does not say%q", asideText(d), way)
			}
		})
	}
}

// TestPooled: a time per operation that held, or could not be told,
// while fewer operations reached nfsd reads worse for the clients, the
// queue its cause, when a change that cut the thread pool came with a
// rising wait for a thread and most requests found no idle one; not
// without any of these, and then a time too short to tell stays so.
func TestPooled(t *testing.T) {
	reached := &Reached{RateA: 168, RateB: 77, Change: Change{Delta: -91, Ratio: 77.0 / 168, Tested: true, P: 0.001, Significant: true, Outcome: TestSignificant}}
	queue := &LayerShare{Key: LayerQueue, Kind: LayerQueue, A: 0.9e6, B: 13e6, Change: Change{Delta: 12.1e6, Tested: true, P: 0.003, Significant: true, Outcome: TestSignificant}}
	threads := Match{Kind: MatchDirect, Changes: []ConfigChange{{Item: "nfsd threads", A: "16", B: "4"}}}
	saturated := threadUse{noIdle: 910, arrivals: 1000}
	tests := []struct {
		name    string
		reached *Reached
		aside   *LayerShare
		match   Match
		b       threadUse
		want    bool
	}{
		{"pool set the rate", reached, queue, threads, saturated, true},
		{"as many reached", nil, queue, threads, saturated, false},
		{"no change that acts on the pool", reached, queue, Match{Kind: MatchNothing}, saturated, false},
		{"another layer moved", reached, &LayerShare{Key: ClassLock, Kind: ClassLock, A: 1e6, B: 5e6}, threads, saturated, false},
		{"threads were idle", reached, queue, threads, threadUse{noIdle: 200, arrivals: 1000}, false},
		{"not counted", reached, queue, threads, threadUse{}, false},
	}
	unsure, carriers := &Unsure{NeedSeconds: 143}, &Carriers{Blocks: 2, Need: 5, Seconds: 30}
	for _, tt := range tests {
		for _, start := range []string{OutcomeNoChange, OutcomeTooShort} {
			t.Run(tt.name+"/"+start, func(t *testing.T) {
				c := &comparison{a: &Capture{threads: threadUse{noIdle: 3, arrivals: 1000}}, b: &Capture{threads: tt.b}}
				d := &Diagnosis{Outcome: start, Subject: SubjectNFS, Per: "op", A: 67e6, B: 65e6,
					Change: Change{Delta: -2e6, Ratio: 65.0 / 67, Tested: true, P: 0.46, Outcome: TestNotSignificant},
					Aside:  tt.aside, AsideMatch: tt.match}
				if start == OutcomeTooShort {
					// nfsd's own time per operation could not be told.
					d.Unsure, d.Carriers, d.NeedSeconds = unsure, carriers, unsure.NeedSeconds
				}
				c.poolReading(d, tt.reached)
				if d.Pooled != tt.want {
					t.Fatalf("pooled = %v, want %v", d.Pooled, tt.want)
				}
				if !tt.want {
					if d.Outcome != start {
						t.Errorf("outcome %q, want %q", d.Outcome, start)
					}
					if start == OutcomeTooShort && (d.Reached != nil || d.Unsure != unsure || d.Carriers != carriers) {
						t.Errorf("too short: reached %v, unsure %v, carriers %v; want the rate left out and the test kept", d.Reached, d.Unsure, d.Carriers)
					}
					return
				}
				if d.Unsure != nil || d.Carriers != nil || d.NeedSeconds != 0 {
					t.Errorf("pooled kept the untested time's advice (unsure %v, carriers %v, %v s)", d.Unsure, d.Carriers, d.NeedSeconds)
				}
				pooledChecks(t, d)
			})
		}
	}
}

// pooledChecks are what TestPooled asks of a pooled verdict.
func pooledChecks(t *testing.T, d *Diagnosis) {
	t.Helper()
	if d.Outcome != OutcomeWorse || d.Cause != CauseQueue {
		t.Errorf("outcome %q, cause %q: want worse, queue", d.Outcome, d.Cause)
	}
	s := summaryText(d, &Result{})
	for _, w := range []string{"Worse for the clients: 54% fewer operations reached nfsd", "while its time for each did not change significantly", "nfsd threads 16 → 4", "found no idle thread 0% → 91%", "about 2.2x as long"} {
		if !strings.Contains(s, w) {
			t.Errorf("summary %q lacks %q", s, w)
		}
	}
	// nfsd's time per operation fell: the queue's share of that fall is
	// not the clients' change, so none is given.
	v := &Verdict{Diagnosis: *d}
	v.fill(&Result{})
	if v.Cause == nil || v.Cause.Kind != CauseQueue || v.Cause.Share != nil {
		t.Errorf("verdict cause %+v, want queue without a share", v.Cause)
	}
}

// TestQueuedBehind: a wait for a free nfsd thread that leads is another
// layer's when the pool is the same, arrivals did not rise, more requests
// found no idle thread, and a layer that a change acts on directly moved
// with it; not when any of these fails.
func TestQueuedBehind(t *testing.T) {
	queue := Contribution{Key: LayerQueue, A: 1.5e6, B: 24e6, Share: 0.38, Change: Change{Delta: 22.5e6, Significant: true}}
	journal := Contribution{Key: ClassJournal, A: 11e6, B: 32e6, Share: 0.35, Change: Change{Delta: 21e6, Significant: true}}
	lock := Contribution{Key: ClassLock, A: 1e6, B: 6e6, Share: 0.09, Change: Change{Delta: 5e6, Significant: true}}
	dirty := []ConfigChange{{Item: "sysctl vm.dirty_bytes", A: "0", B: "393216"}}
	threads := []ConfigChange{{Item: "nfsd threads", A: "8", B: "3"}}
	saturated := threadUse{noIdle: 410, arrivals: 1000}
	// rate is a capture of n intervals of a second each, with perSec
	// operations reaching nfsd in every one, give or take a tenth.
	const n = 30
	rate := func(perSec float64) []float64 {
		ops := make([]float64, n)
		for i := range ops {
			ops[i] = perSec * (1 + 0.1*float64(i%3-1))
		}
		return ops
	}
	tests := []struct {
		name   string
		rows   []Contribution
		config []ConfigChange
		b      threadUse
		opsB   float64 // operations a second in B, 100 in A
		want   string
	}{
		{"threads held in the journal", []Contribution{queue, journal, lock}, dirty, saturated, 100, ClassJournal},
		{"fewer operations reached nfsd", []Contribution{queue, journal, lock}, dirty, saturated, 40, ClassJournal},
		// More arrivals times the same service fill a fixed pool
		// too: that is the clients' demand, not the journal's part.
		{"more operations reached nfsd", []Contribution{queue, journal, lock}, dirty, saturated, 250, ""},
		{"the pool changed", []Contribution{queue, journal, lock}, append(threads, dirty...), saturated, 100, ""},
		{"nothing changed", []Contribution{queue, journal, lock}, nil, saturated, 100, ""},
		{"the queue does not lead", []Contribution{journal, queue, lock}, dirty, saturated, 100, ""},
		{"as many requests found an idle thread", []Contribution{queue, journal, lock}, dirty, threadUse{noIdle: 30, arrivals: 1000}, 100, ""},
		{"the changed layer did not move", []Contribution{queue, lock, {Key: ClassJournal, Share: 0.01, Change: Change{Delta: 1e5}}}, dirty, saturated, 100, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secs := make([]float64, n)
			for i := range secs {
				secs[i] = 1
			}
			a := &Capture{threads: threadUse{noIdle: 30, arrivals: 1000}, ops: rate(100), secs: secs}
			b := &Capture{threads: tt.b, ops: rate(tt.opsB), secs: secs}
			a.Snapshots, b.Snapshots = n, n
			c := &comparison{a: a, b: b, opt: Options{}.withDefaults(), draws: map[[2]int]*bootstrap{}}
			q, r := c.queuedBehind(&Result{Config: tt.config}, tt.rows, 1)
			if (q != nil) != (tt.want != "") || (q != nil && r.Key != tt.want) {
				t.Fatalf("queuedBehind = %+v, %q; want %q", q, r.Key, tt.want)
			}
			if q != nil && (q.Key != LayerQueue || q.Share != queue.Share || q.Threads == nil) {
				t.Errorf("queued %+v does not carry the queue layer and its threads", q)
			}
		})
	}
}

// TestOneFile: fewer operations reaching nfsd, each served in as long,
// while its reads and writes gathered from six files on one, is read as
// worse for the clients of that file (a lock before nfsd); not when the
// files stayed as they were, were one file in both, or were not counted,
// and not when as many operations reached nfsd.
func TestOneFile(t *testing.T) {
	six, one := []float64{1, 1, 1, 1, 1, 1}, []float64{1}
	tests := []struct {
		name        string
		filesA      []float64
		filesB      []float64
		opsPerS     float64
		faster      bool // each operation of B took half as long
		want        bool
		wantOutcome string // when !want
		wantReason  string // in the summary or LEAD when !want
	}{
		{"six files to one, 40% fewer", six, one, 900, false, true, "", ""},
		{"six files in both, 40% fewer", six, six, 900, false, false, OutcomeNoChange, "look at the clients"},
		{"one file in both, 40% fewer", one, one, 900, false, false, OutcomeNoChange, "look at the clients"},
		{"not counted, 40% fewer", nil, nil, 900, false, false, OutcomeNoChange, "look at the clients"},
		{"six files to one, as many", six, one, 1500, false, false, OutcomeNoChange, "Neither better nor worse"},
		// One file of six takes most: the busiest holds about 60%.
		{"six files to mostly one, 40% fewer", six, []float64{8, 1, 1, 1, 1, 1}, 900, false, true, "", ""},
		// Each faster as fewer came: less contention at the server for
		// the clients' turns at one file, not less asked of it.
		{"six files to one, 40% fewer, each faster", six, one, 900, true, true, "", ""},
		{"six files in both, 40% fewer, each faster", six, six, 900, true, false, OutcomeBetter, "the clients asked for less"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := baseline(), baseline()
			a.files, b.files = tt.filesA, tt.filesB
			b.opsPerSec, b.seed = tt.opsPerS, 2
			if tt.faster {
				b.base = map[string]time.Duration{}
				for op, d := range a.base {
					b.base[op] = d / 2
				}
			}
			res, err := Compare(a.capture("A"), b.capture("B"), Options{})
			if err != nil {
				t.Fatal(err)
			}
			v := res.Verdict
			d := v.Diagnosis
			if got := d.Converged != nil; got != tt.want {
				t.Fatalf("Converged = %+v, want set %v: %s", d.Converged, tt.want, v.Summary)
			}
			if !tt.want {
				if d.Outcome != tt.wantOutcome || !strings.Contains(v.Summary+" "+v.Lead, tt.wantReason) {
					t.Errorf("outcome %q, want %q and %q: %s LEAD: %s", d.Outcome, tt.wantOutcome, tt.wantReason, v.Summary, v.Lead)
				}
				if strings.Contains(v.Summary, "one file") {
					t.Errorf("verdict speaks of one file without Converged: %s", v.Summary)
				}
				return
			}
			if d.Outcome != OutcomeWorse || d.Cause != CauseLock || v.Cause == nil || v.Cause.Kind != CauseLock {
				t.Fatalf("outcome %q, cause %q (%+v): want worse, lock: %s", d.Outcome, d.Cause, v.Cause, v.Summary)
			}
			cv := d.Converged
			t.Logf("%s\nLEAD: %s\n%q", v.Summary, v.Lead, v.Evidence)
			if cv.FH != 1 || !(cv.ShareA < 0.35 && cv.ShareB > 0.5) || cv.FilesA != 6 {
				t.Errorf("converged %+v: want fh 1, the busiest share from under 35%% to over half, 6 files in A", cv)
			}
			for _, w := range []string{"Worse for the clients: ", "fewer operations reached nfsd", "gathered on one file (fh_hash 0x00000001)", "waited for each other before nfsd"} {
				if !strings.Contains(v.Summary, w) {
					t.Errorf("summary %q lacks %q", v.Summary, w)
				}
			}
			if !strings.Contains(v.Lead, "fh_hash 0x00000001") || len(v.Evidence) != 3 || !strings.Contains(v.Evidence[2], "busiest file") {
				t.Errorf("lead %q, evidence %q: want the file named and its share as evidence", v.Lead, v.Evidence)
			}
		})
	}
}

// TestAskedMore: a time per operation that rose significantly but too
// little to matter alone reads worse, the clients' demand its cause, when
// more operations reached nfsd a second; not when as many or fewer came,
// and not when a changed setting acts directly on the layer that carries
// the rise, which then stays too small to matter.
func TestAskedMore(t *testing.T) {
	lock := siteSpec{frames: frames(siteRwsem), op: "WRITE", prob: 0.6, median: 200 * time.Microsecond}
	dirty := siteSpec{frames: frames(siteDirty), op: "WRITE", prob: 0.6, median: 200 * time.Microsecond}
	tests := []struct {
		name    string
		opsPerS float64
		site    siteSpec
		sysctl  string // B's vm.dirty_bytes ("": as A's)
		spread  bool   // B's rise spread evenly over five layers, none leading
		outcome string
		cause   string
	}{
		{name: "more operations, each a little slower", opsPerS: 2400, site: lock, outcome: OutcomeWorse, cause: CauseWorkload},
		{name: "more operations, the rise spread", opsPerS: 2400, spread: true, outcome: OutcomeWorse, cause: CauseWorkload},
		{name: "as many operations", opsPerS: 1500, site: lock, outcome: OutcomeNoChange},
		{name: "fewer operations", opsPerS: 900, site: lock, outcome: OutcomeNoChange},
		// A wait that a changed setting acts on matters however small
		// (see Breakdown.Small): the setting, not the demand, leads.
		{name: "a setting acts on the layer", opsPerS: 2400, site: dirty, sysctl: "1048576", outcome: OutcomeWorse, cause: CauseWriteback},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := baseline()
			if tt.spread {
				lock.prob, dirty.prob = 0.11, 0.11
				other := siteSpec{frames: frames("__schedule;schedule;msleep;nfsd3_proc_getattr [nfsd];nfsd_dispatch [nfsd];svc_process;nfsd [nfsd];kthread;ret_from_fork"),
					op: "GETATTR", prob: 0.2, median: 200 * time.Microsecond}
				b.sites = append(b.sites, lock, dirty, other)
				b.runq = 28 * time.Microsecond
				b.base = map[string]time.Duration{"WRITE": 160 * time.Microsecond, "READ": 128 * time.Microsecond, "COMMIT": 80 * time.Microsecond, "GETATTR": 40 * time.Microsecond}
			} else {
				b.sites = append(b.sites, tt.site)
			}
			b.opsPerSec, b.seed = tt.opsPerS, 2
			if tt.sysctl != "" {
				b.sysctls = map[string]string{"vm.dirty_ratio": "20", "vm.dirty_background_ratio": "10", "vm.dirty_bytes": tt.sysctl}
			}
			res, err := Compare(baseline().capture("A"), b.capture("B"), Options{})
			if err != nil {
				t.Fatal(err)
			}
			d, tm := res.Verdict.Diagnosis, res.Time
			if tm.Change.Outcome != TestSmall && tt.sysctl == "" {
				t.Fatalf("the simulated time per op moved %s (x%.2f); the test needs a change too small to matter", tm.Change.Outcome, tm.Change.Ratio)
			}
			if d.Outcome != tt.outcome {
				t.Fatalf("outcome %q, want %q: %s", d.Outcome, tt.outcome, res.Verdict.Summary)
			}
			if tt.cause != CauseWorkload {
				if d.Cause != tt.cause {
					t.Errorf("cause %q, want %q: %s", d.Cause, tt.cause, res.Verdict.Summary)
				}
				if d.Demand != nil || strings.Contains(res.Verdict.Summary, "asked for") {
					t.Errorf("demand read without more operations or against a matching setting: %s", res.Verdict.Summary)
				}
				return
			}
			if d.Cause != CauseWorkload || d.Demand == nil {
				t.Fatalf("cause %q, demand %+v; want the workload by demand", d.Cause, d.Demand)
			}
			if tt.spread != (d.Layer == nil) {
				t.Errorf("leading layer %+v with the rise spread %v", d.Layer, tt.spread)
			}
			if d.Confidence == "high" {
				t.Errorf("confidence high on a time that moved too little to matter alone")
			}
			// B's requests in nfsd at once: the rate's ratio times the time's.
			want := timesText(d.Demand.RateB / d.Demand.RateA * d.Change.Ratio)
			for _, s := range []string{"Worse: the clients asked for", "too little to matter alone", want + " as many requests in nfsd at once"} {
				if !strings.Contains(res.Verdict.Summary, s) {
					t.Errorf("verdict lacks %q: %s", s, res.Verdict.Summary)
				}
			}
			if !strings.Contains(res.Verdict.Lead, "work the clients ask of the server") {
				t.Errorf("lead %q does not name the demand", res.Verdict.Lead)
			}
		})
	}
}

// TestSharedFilePages: nfsd's threads that wait more often, each wait as
// long, for pages under IO none of them had in flight of its own (block
// IO on no device) while their reads and writes gathered from six files
// on one are read as waiting for each other at that file: the lock cause,
// the file named. Not when the files stayed as they were or were one file
// in both (more IO asked: the workload), not when each wait grew longer
// instead, and not when a changed setting acts on the block layer.
func TestSharedFilePages(t *testing.T) {
	const sitePages = "io_schedule;folio_wait_bit_common;folio_wait_writeback;__filemap_fdatawait_range;file_write_and_wait_range;ext4_sync_file;nfsd_vfs_write [nfsd];nfsd3_proc_write [nfsd];nfsd_dispatch [nfsd];svc_process;nfsd [nfsd];kthread;ret_from_fork"
	six, one := []float64{1, 1, 1, 1, 1, 1}, []float64{1}
	pages := func(prob float64, median time.Duration) siteSpec {
		return siteSpec{frames: frames(sitePages), op: "WRITE", prob: prob, median: median}
	}
	tests := []struct {
		name           string
		filesA, filesB []float64
		siteB          siteSpec
		schedB         string // B's IO scheduler ("": as A's)
		want           bool
	}{
		{"six files to one, more waits", six, one, pages(0.9, 2*time.Millisecond), "", true},
		{"six files to mostly one, more waits", six, []float64{8, 1, 1, 1, 1, 1}, pages(0.9, 2*time.Millisecond), "", true},
		{"six files in both, more waits", six, six, pages(0.9, 2*time.Millisecond), "", false},
		{"one file in both, more waits", one, one, pages(0.9, 2*time.Millisecond), "", false},
		{"not counted, more waits", nil, nil, pages(0.9, 2*time.Millisecond), "", false},
		{"six files to one, longer waits", six, one, pages(0.1, 18*time.Millisecond), "", false},
		{"six files to one, the scheduler changed", six, one, pages(0.9, 2*time.Millisecond), "bfq", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := baseline(), baseline()
			a.files, b.files = tt.filesA, tt.filesB
			a.sites = append(slices.Clone(a.sites), pages(0.1, 2*time.Millisecond))
			b.sites = append(slices.Clone(b.sites), tt.siteB)
			b.seed = 2
			if tt.schedB != "" {
				b.sched = tt.schedB
			}
			res, err := Compare(a.capture("A"), b.capture("B"), Options{})
			if err != nil {
				t.Fatal(err)
			}
			v := res.Verdict
			d := v.Diagnosis
			t.Logf("%s\nLEAD: %s\n%q", v.Summary, v.Lead, v.Evidence)
			if d.Outcome != OutcomeWorse || d.Layer == nil || d.Layer.Kind != "block" || d.Layer.Device != "" {
				t.Fatalf("outcome %q, layer %+v: want worse, led by block IO on no device", d.Outcome, d.Layer)
			}
			if got := d.Converged != nil; got != tt.want {
				t.Fatalf("Converged = %+v, want set %v (cause %q)", d.Converged, tt.want, d.Cause)
			}
			if !tt.want {
				if d.Cause == CauseLock || strings.Contains(v.Summary+v.Lead, "one file") || strings.Contains(v.Lead, "fh_hash") {
					t.Errorf("cause %q: a verdict of one file without the files gathering on one, more waits and no setting of the layer", d.Cause)
				}
				return
			}
			if d.Cause != CauseLock || d.Reached != nil || v.Cause == nil || v.Cause.Kind != CauseLock {
				t.Fatalf("cause %q, reached %+v, verdict cause %+v: want lock, at nfsd", d.Cause, d.Reached, v.Cause)
			}
			if c := v.Cause; c.Key != "fh_hash 0x00000001" || c.Share == nil || *c.Share != d.Layer.Share || c.Class != ClassBlockIO {
				t.Errorf("verdict cause %+v: want the file as its key, and the layer's class and share kept", c)
			}
			for _, w := range []string{"gathered on one file (fh_hash 0x00000001", "other threads had started on its pages"} {
				if !strings.Contains(v.Summary, w) {
					t.Errorf("summary lacks %q", w)
				}
			}
			if strings.Contains(v.Summary, "before nfsd") {
				t.Errorf("summary says the clients waited before nfsd; the waits were nfsd's")
			}
			if !strings.Contains(v.Lead, "writers of the file with fh_hash 0x00000001") || !strings.Contains(v.Lead, "the configuration is the same") {
				t.Errorf("lead does not name the file's writers and the unchanged configuration")
			}
			if !slices.ContainsFunc(v.Evidence, func(e string) bool { return strings.Contains(e, "busiest file") }) {
				t.Errorf("evidence lacks the busiest file's share")
			}
		})
	}
}

// TestSharedText: the words for nfsd's threads waiting at one file say
// what they waited for by the layer (pages under IO, or the pages' locks)
// and how the wait grew by its figures (more waits, or longer ones).
func TestSharedText(t *testing.T) {
	cv := &Converged{ShareA: 0.2, ShareB: 1, FH: 1}
	tests := []struct {
		kind       string
		countShare float64
		want       string
	}{
		{"block", 0.9, "waited more often for IO other threads had started on its pages"},
		{ClassPageLock, 0.9, "waited more often for locks other threads held on its pages"},
		{ClassPageLock, 0.1, "waited longer for locks other threads held on its pages"},
	}
	for _, tt := range tests {
		d := &Diagnosis{Per: "op", Layer: &LayerShare{Kind: tt.kind, CountShare: tt.countShare, WaitsA: 0.5, WaitsB: 0.6, WaitA: 1e6, WaitB: 4e6}}
		if got := sharedText(d, cv); !strings.Contains(got, tt.want) || !strings.Contains(got, "0.5 → 0.6 waits per op; mean wait 1.0ms → 4.0ms") {
			t.Errorf("%s, count share %.1f: %q lacks %q and its figures", tt.kind, tt.countShare, got, tt.want)
		}
	}
}
