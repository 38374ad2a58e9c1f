package compare

import (
	"strings"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/capture"
	"github.com/nfstrace/nfstrace/internal/model"
)

// TestStuck: traced threads stuck in D (a wait that had lasted
// model.StuckAfter without ending) in one capture and not in the other
// decide the verdict, whatever the figures of the waits that ended say:
// worse when in B, better when in A, with the stuck wait's class as the
// cause and the changes that can move it in the lead. Stuck threads of a
// command not traced, in both captures, or waits shorter than
// model.StuckAfter leave the verdict to the figures.
func TestStuck(t *testing.T) {
	// /proc/PID/stack leaves out the scheduler's frames.
	const (
		commit = "folio_wait_bit_common;folio_wait_writeback;__filemap_fdatawait_range;file_write_and_wait_range;ext4_sync_file;nfsd_commit;nfsd3_proc_commit;nfsd_dispatch;svc_process"
		rwsem  = "rwsem_down_write_slowpath;down_write;ext4_buffered_write_iter;ext4_file_write_iter;nfsd_vfs_write;nfsd3_proc_write;nfsd_dispatch;svc_process"
	)
	// stuck adds a group to the last k snapshots of a capture, its wait
	// growing by a second a snapshot up to longest.
	stuck := func(sc scenario, name string, k int, g model.TaskGroup) *Capture {
		snaps := sc.snapshots()
		for i := range k {
			s := snaps[len(snaps)-k+i]
			gi := g
			gi.Longest = g.Longest - time.Duration(k-1-i)*time.Second
			s.Host.Load.DGroups = append(s.Host.Load.DGroups, gi)
		}
		return FromSnapshots(name, capture.Meta{Config: sc.config(), Interval: time.Second}, snaps)
	}
	nfsdCommit := model.TaskGroup{Comm: "nfsd", Stack: commit, Count: 4, Longest: 40 * time.Second}
	short := nfsdCommit
	short.Longest = model.StuckAfter - time.Millisecond
	a, b := baseline(), baseline()
	b.seed = 9
	newKernel := b
	newKernel.kernel = "6.12.57+deb12-amd64"
	sampled := func(c *Capture) *Capture {
		c.Meta.Config.Backend = model.Backend{Name: "procfs", Detail: "procfs sampler at 100 Hz"}
		return c
	}
	for _, tt := range []struct {
		name       string
		a, b       *Capture
		outcome    string
		in         string // Diagnosis.Stuck.In, "" for none
		cause      string
		summary    string // a prefix
		lead       string // a part
		stuckListB int    // groups in Result.Stuck.B
		caveat     string // the stuck caveat, "" for none
	}{
		{name: "stuck in B", a: a.capture("A"), b: stuck(b, "B", 12, nfsdCommit),
			outcome: OutcomeWorse, in: "B", cause: CauseDevice,
			summary:    "Worse: in B, 4 nfsd threads in D at folio_wait_bit_common ← folio_wait_writeback ← … ← nfsd3_proc_commit (waiting for block IO), the longest for 40s without running, and none of the traced threads were stuck in A; a wait that has not ended is in no figure",
			lead:       "look at the device itself and what lies below it (backing store, controller, path); the configuration is the same in both captures",
			stuckListB: 1},
		{name: "sampled", a: sampled(a.capture("A")), b: sampled(stuck(b, "B", 12, nfsdCommit)),
			outcome: OutcomeWorse, in: "B", cause: CauseDevice,
			summary:    "Worse: in B, 4 nfsd threads in D at folio_wait_bit_common ← folio_wait_writeback ← … ← nfsd3_proc_commit (waiting for block IO), the longest for 40s without running, and none of the traced threads were stuck in A; its samples count such a wait so far, but no operation it holds has completed.",
			lead:       "the configuration is the same",
			stuckListB: 1},
		{name: "stuck in A", a: stuck(a, "A", 12, nfsdCommit), b: b.capture("B"),
			outcome: OutcomeBetter, in: "A", cause: CauseDevice, summary: "Better: in A, 4 nfsd threads in D at"},
		{name: "a lock, after a kernel change", a: a.capture("A"),
			b:       stuck(newKernel, "B", 8, model.TaskGroup{Comm: "nfsd", Stack: rwsem, Count: 1, Longest: 8 * time.Second}),
			outcome: OutcomeWorse, in: "B", cause: CauseLock,
			summary:    "Worse: in B, one nfsd thread in D at rwsem_down_write_slowpath ← down_write ← … ← nfsd3_proc_write (waiting for a lock) for 8.0s without running",
			lead:       "kernel 6.1.0-27-cloud-amd64 → 6.12.57+deb12-amd64: no setting that acts on waiting for a lock changed, and a kernel can change any layer; look at",
			stuckListB: 1},
		{name: "held above the device by a new IO limit", a: a.capture("A"),
			b: func() *Capture {
				c := stuck(b, "B", 12, nfsdCommit)
				c.Meta.Config.Cgroups = map[string]string{"/nfsd blkio.throttle.write_bps_device": "7:0 1024"}
				return c
			}(),
			outcome: OutcomeWorse, in: "B", cause: CauseBio, summary: "Worse: in B, 4 nfsd threads in D at",
			lead:       "the configuration change that can move waiting for block IO: cgroup /nfsd blkio.throttle.write_bps_device",
			stuckListB: 1},
		{name: "not traced", a: a.capture("A"), b: stuck(b, "B", 12, model.TaskGroup{Comm: "rsync", WaitChan: "folio_wait_bit_common", Count: 1, Longest: time.Minute}),
			outcome: OutcomeNoChange, stuckListB: 1,
			caveat: "stuck in B, not traced: one rsync thread in D at folio_wait_bit_common (waiting for block IO) for 60s without running"},
		{name: "in both", a: stuck(a, "A", 12, nfsdCommit), b: stuck(b, "B", 12, nfsdCommit), outcome: OutcomeNoChange, stuckListB: 1,
			caveat: "traced threads were stuck in D in both captures (A: 4 nfsd threads in D at folio_wait_bit_common ← folio_wait_writeback ← … ← nfsd3_proc_commit (waiting for block IO), the longest for 40s without running; B: 4 nfsd threads in D at"},
		{name: "not long enough", a: a.capture("A"), b: stuck(b, "B", 1, short), outcome: OutcomeNoChange},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Compare(tt.a, tt.b, Options{})
			if err != nil {
				t.Fatal(err)
			}
			v := &res.Verdict
			d := &v.Diagnosis
			if d.Outcome != tt.outcome {
				t.Errorf("outcome %q, want %q: %s", d.Outcome, tt.outcome, v.Summary)
			}
			var caveat string
			for _, c := range res.Caveats {
				if strings.Contains(c, "stuck in") {
					caveat += c
				}
			}
			if (tt.caveat == "") != (caveat == "") || !strings.HasPrefix(caveat, tt.caveat) {
				t.Errorf("stuck caveat\n got %q\nwant %q…", caveat, tt.caveat)
			}
			if n := 0; res.Stuck != nil {
				n = len(res.Stuck.B)
				if n != tt.stuckListB {
					t.Errorf("stuck groups in B: %+v, want %d", res.Stuck.B, tt.stuckListB)
				}
			} else if tt.stuckListB > 0 {
				t.Errorf("no stuck tasks, want %d groups in B", tt.stuckListB)
			}
			if tt.in == "" {
				if d.Stuck != nil {
					t.Errorf("stuck %+v, want none", d.Stuck)
				}
				return
			}
			if d.Stuck == nil || d.Stuck.In != tt.in || d.Cause != tt.cause {
				t.Fatalf("stuck %+v cause %q, want in %s, cause %q", d.Stuck, d.Cause, tt.in, tt.cause)
			}
			if !v.Significant || v.Cause == nil || v.Cause.Kind != tt.cause {
				t.Errorf("verdict significant %v cause %+v", v.Significant, v.Cause)
			}
			if !strings.HasPrefix(v.Summary, tt.summary) {
				t.Errorf("summary\n got %q\nwant %q…", v.Summary, tt.summary)
			}
			if !strings.Contains(v.Lead, tt.lead) {
				t.Errorf("lead\n got %q\nwant …%q…", v.Lead, tt.lead)
			}
			if len(v.Evidence) < 2 || !strings.HasPrefix(v.Evidence[0], "stuck in "+tt.in+": ") {
				t.Errorf("evidence %q", v.Evidence)
			}
		})
	}
}
