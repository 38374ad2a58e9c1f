package lab_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/nfstrace/nfstrace/internal/compare"
	"github.com/nfstrace/nfstrace/internal/model"
	"github.com/nfstrace/nfstrace/internal/report"
	"github.com/nfstrace/nfstrace/lab"
)

// checkWaits holds the assertions of the waits-* scenarios, on one kernel:
// requests wait longer for a free nfsd thread when threads are cut, the
// lock owners nfstrace names are threads that /proc shows in the write
// path holding the lock while others wait on it, and compare names the
// thread count or the lock owner.
func checkWaits(t *testing.T, results string, scenarios []lab.Scenario) {
	for _, more := range scenarios {
		for _, fewer := range scenarios {
			if fewer.NFSDThreads >= more.NFSDThreads || !sameButThreads(more, fewer) {
				continue
			}
			t.Run("queue/"+more.Name+"-"+fewer.Name, func(t *testing.T) { checkQueue(t, results, more, fewer) })
		}
	}
	for _, s := range scenarios {
		if s.StackSamples == "all" {
			t.Run("queue-wait/"+s.Name, func(t *testing.T) { checkQueueShown(t, results, s) })
		}
		if !s.SharedFile || s.StackSamples != "all" {
			continue
		}
		t.Run("lock/"+s.Name, func(t *testing.T) {
			if p := lockProbe(t, results, s); p.Status == model.ProbeUnavailable {
				// missing-probes checks that nfstrace says why.
				t.Logf("no lock probe (%s): no lock owners to check", p.Detail)
				return
			}
			checkLockOwners(t, results, s)
		})
		for _, base := range scenarios {
			if base.SharedFile || !sameButShared(base, s) {
				continue
			}
			t.Run("lock/compare-"+base.Name, func(t *testing.T) { checkLockCompare(t, results, base, s) })
			t.Run("files/"+base.Name, func(t *testing.T) { checkFiles(t, results, base, s) })
		}
	}
}

// sameButThreads reports whether two scenarios differ in nothing but their
// names and nfsd thread counts.
func sameButThreads(a, b lab.Scenario) bool {
	a.Name, a.Description, a.NFSDThreads = "", "", 0
	b.Name, b.Description, b.NFSDThreads = "", "", 0
	return reflect.DeepEqual(a, b)
}

// sameButShared reports whether two scenarios differ in nothing but their
// names and whether the clients share one file.
func sameButShared(a, b lab.Scenario) bool {
	a.Name, a.Description, a.SharedFile = "", "", false
	b.Name, b.Description, b.SharedFile = "", "", false
	return reflect.DeepEqual(a, b)
}

func versionDir(results, scenario, version string) string {
	return filepath.Join(results, "scenarios", scenario, "v"+version)
}

// checkQueue: with fewer threads the requests wait longer for one, in
// nfstrace top, and compare leads with the thread count.
func checkQueue(t *testing.T, results string, more, fewer lab.Scenario) {
	for _, v := range more.Versions {
		t.Run("v"+v, func(t *testing.T) {
			fm, ff := readFrame(t, versionDir(results, more.Name, v)), readFrame(t, versionDir(results, fewer.Name, v))
			qm, qf := fm.NFSD.QueueWait, ff.NFSD.QueueWait
			if qf == nil || qf.Count == 0 {
				t.Fatalf("%s: no queue wait for a free nfsd thread in top (%d threads)", fewer.Name, fewer.NFSDThreads)
			}
			var mean int64
			if qm != nil {
				mean = qm.MeanNs
			}
			t.Logf("queue wait per request: %d threads mean %s (%s), %d threads mean %s p99 %s (%d waits)",
				more.NFSDThreads, ns(mean), latencyText(qm), fewer.NFSDThreads, ns(qf.MeanNs), ns(qf.P99Ns), qf.Count)
			if qf.MeanNs <= 2*mean {
				t.Errorf("queue wait did not rise with threads cut from %d to %d: mean %s -> %s",
					more.NFSDThreads, fewer.NFSDThreads, ns(mean), ns(qf.MeanNs))
			}
			res := compareCaptures(t, versionDir(results, more.Name, v), versionDir(results, fewer.Name, v))
			t.Logf("compare: %s | LEAD %s", res.Verdict.Summary, res.Verdict.Lead)
			if err := queueNamed(res, fmt.Sprintf("nfsd threads %d → %d", more.NFSDThreads, fewer.NFSDThreads)); err != nil {
				t.Errorf("compare %s %s: %v", more.Name, fewer.Name, err)
			}
		})
	}
}

// queueNamed checks that compare found the wait for a free nfsd thread and
// named the thread change that can cause it: as the verdict (worse, in the
// queue layer, the change in LEAD), or, when the time users feel did not
// move significantly as a whole (no change, or too short to tell), as the
// layer that moved aside of it.
func queueNamed(res *compare.Result, change string) error {
	v, d := res.Verdict, res.Verdict.Diagnosis
	switch {
	case d.Outcome == compare.OutcomeWorse && d.Cause == compare.CauseQueue && strings.Contains(v.Lead, change):
		return nil
	case (d.Outcome == compare.OutcomeNoChange || d.Outcome == compare.OutcomeTooShort) && d.Aside != nil && d.Aside.Kind == compare.LayerQueue &&
		d.Aside.B > d.Aside.A && strings.Contains(v.Summary, change):
		return nil
	}
	return fmt.Errorf("outcome %q cause %q, aside %v, summary %q, lead %q: want the queue layer worse and %q named",
		d.Outcome, d.Cause, d.Aside, v.Summary, v.Lead, change)
}

// lockFound checks that compare found the lock wait the shared file added:
// the lock layer rose with a significant test, and where it carries the
// verdict, its owner is named.
func lockFound(res *compare.Result) error {
	v, d := res.Verdict, res.Verdict.Diagnosis
	if res.Time == nil || len(res.Time.Dimensions) == 0 {
		return fmt.Errorf("no breakdown of the time by layer")
	}
	var lock *compare.Contribution
	for i, r := range res.Time.Dimensions[0].Rows {
		if r.Key == compare.ClassLock {
			lock = &res.Time.Dimensions[0].Rows[i]
		}
	}
	switch {
	case lock == nil:
		return fmt.Errorf("no lock layer in the breakdown")
	case !(lock.B > lock.A) || (lock.Outcome != compare.TestSignificant && lock.Outcome != compare.TestSmall):
		return fmt.Errorf("lock layer %.0f → %.0f ns per %s, test %q (p=%.3g): want a significant rise", lock.A, lock.B, d.Per, lock.Outcome, lock.P)
	case d.Cause == compare.CauseLock && (d.Owner == nil || !strings.Contains(v.Summary+" "+v.Lead+" "+strings.Join(v.Evidence, " "), d.Owner.Comm)):
		return fmt.Errorf("the lock layer leads but its owner %+v is not named", d.Owner)
	}
	// Leading or not, the rise has owners: the writers of the file (nfsd),
	// or the journal thread they wait behind.
	for _, o := range res.LockOwners {
		if o.B > o.A && (strings.HasPrefix(o.Comm, "nfsd") || strings.HasPrefix(o.Comm, "jbd2")) {
			return nil
		}
	}
	return fmt.Errorf("compare's lock owners %+v name no nfsd or jbd2 thread whose locks were waited on more in B", res.LockOwners)
}

// checkQueueShown: on a scenario whose nfsd threads block on a slow device,
// top shows how long requests waited for a free thread. Every kernel in the
// lab's set has a way to measure it (raw_tp with sunrpc's BTF, or the
// tracepoints' records on 5.10, which has no module BTF): a probe named
// unavailable is a failure.
func checkQueueShown(t *testing.T, results string, s lab.Scenario) {
	for _, v := range s.Versions {
		t.Run("v"+v, func(t *testing.T) {
			vdir := versionDir(results, s.Name, v)
			if reason := unavailableProbe(filepath.Dir(vdir), "sunrpc:svc_xprt_enqueue"); reason != "" {
				t.Fatalf("queue wait not measured: %s", reason)
			}
			f := readFrame(t, vdir)
			q := f.NFSD.QueueWait
			if q == nil || q.Count == 0 {
				t.Fatalf("top shows no wait for a free nfsd thread (%d threads, %d clients)", s.NFSDThreads, s.Clients)
			}
			t.Logf("requests waited for a thread: %d waits, mean %s, p99 %s", q.Count, ns(q.MeanNs), ns(q.P99Ns))
			checkNoIdle(t, f)
		})
	}
}

// checkNoIdle holds the count of requests that found no idle thread, where
// a tracepoint counts them (not estimated), to the kernel's own pool_stats
// where those count the same thing: before 5.11 every enqueue adds to
// sockets-enqueued and threads-woken counts the ones that found a thread,
// so their difference is the no-idle count (later kernels count
// differently: logged only).
func checkNoIdle(t *testing.T, f *report.Frame) {
	n := f.NFSD
	if n.NoIdle == nil || n.NoIdleEstimate {
		t.Logf("no-idle count: not counted by a tracepoint here")
		return
	}
	var queued, woken float64
	for _, p := range n.Pools {
		queued += p.QueuedPerSec
		woken += p.WokenPerSec
	}
	t.Logf("no idle thread: %.1f/s (%.0f%%) counted; pool_stats: %.1f sockets queued/s, %.1f threads woken/s",
		n.NoIdlePerSec, 100**n.NoIdle, queued, woken)
	if !strings.HasPrefix(f.Header.Kernel, "5.10.") {
		return
	}
	if want := queued - woken; math.Abs(n.NoIdlePerSec-want) > 0.15*want+1 {
		t.Errorf("no idle thread: %.1f/s counted, pool_stats say %.1f/s (sockets queued - threads woken)", n.NoIdlePerSec, want)
	}
}

func ns(n int64) string { return fmt.Sprintf("%.2fms", float64(n)/1e6) }

func latencyText(l *report.Latency) string {
	if l == nil {
		return "not seen"
	}
	return fmt.Sprintf("%d waits", l.Count)
}

// compareCaptures compares two versions' captures as nfstrace compare does.
func compareCaptures(t *testing.T, a, b string) *compare.Result {
	t.Helper()
	ca, err := compare.Load(context.Background(), filepath.Join(a, "capture.nft"), false)
	if err != nil {
		t.Fatalf("load A: %v", err)
	}
	cb, err := compare.Load(context.Background(), filepath.Join(b, "capture.nft"), false)
	if err != nil {
		t.Fatalf("load B: %v", err)
	}
	res, err := compare.Compare(ca, cb, compare.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// Frames of the write path a lock owner of the shared file is caught in.
var writePath = []string{"nfsd_vfs_write", "ext4_buffered_write_iter", "ext4_file_write_iter", "jbd2_journal_commit_transaction", "kjournald2"}

// checkLockOwners: top names who held the lock nfsd threads waited on, and
// the guest's /proc samples agree: the waits are real (nfsd threads caught
// in rwsem_down_write_slowpath under ext4_buffered_write_iter), nfsd
// threads were caught holding the lock (inside ext4_buffered_write_iter, not
// waiting for it), and the owner named is an nfsd or jbd2 thread that /proc
// caught in the write path.
func checkLockOwners(t *testing.T, results string, s lab.Scenario) {
	for _, v := range s.Versions {
		t.Run("v"+v, func(t *testing.T) {
			vdir := versionDir(results, s.Name, v)
			f := readFrame(t, vdir)
			b, err := os.ReadFile(filepath.Join(vdir, "thread-stacks.txt"))
			if err != nil {
				t.Fatalf("no thread stack samples: %v", err)
			}
			samples, err := lab.ParseThreadStacks(strings.NewReader(string(b)))
			if err != nil {
				t.Fatalf("thread-stacks.txt: %v", err)
			}
			rounds := lab.SampleRounds(samples)
			var contended []int // rounds with an nfsd thread waiting on the inode lock
			for i, r := range rounds {
				for _, x := range r {
					if strings.HasPrefix(x.Comm, "nfsd") && x.WaitsOnInodeLock() {
						contended = append(contended, i)
						break
					}
				}
			}
			t.Logf("%d samples in %d rounds; %d rounds with an nfsd thread waiting on an inode rwsem", len(samples), len(rounds), len(contended))
			var rows []report.LockRow
			for _, l := range f.Locks {
				if strings.HasPrefix(l.Comm, "nfsd") && l.Owner != "" && l.OwnerTID != 0 {
					rows = append(rows, l)
				}
			}
			if len(rows) == 0 {
				t.Fatalf("top names no owner of a lock nfsd threads waited on (%d lock rows)", len(f.Locks))
			}
			for _, l := range rows {
				t.Logf("top: %s waited %d times (%.3fs/s, up to %d at once) on %s %s at %s, held by %s/%d (%.0f%%, state %s %s)",
					l.Comm, l.Waits, l.WaitPerSec, l.MaxWaiters, l.Kind, l.Lock, l.Short, l.Owner, l.OwnerTID, 100*l.OwnerShare, l.OwnerState, l.OwnerSite)
			}
			// The owner of the file's inode lock with the most wait time
			// (rows come most wait first) is checked against /proc; nfsd
			// threads also wait on other locks (the transport's mutex in
			// svc_tcp_sendto), which the shared file does not explain.
			var l report.LockRow
			for _, r := range rows {
				site := string(r.Site)
				if strings.Contains(site, "ext4_buffered_write_iter") || strings.Contains(site, "ext4_file_write_iter") {
					l = r
					break
				}
			}
			if l.Owner == "" {
				t.Fatalf("top names no owner of the file's inode lock (a lock waited on under ext4_buffered_write_iter)")
			}
			checkWitness(t, f, rounds, len(contended))
			if !strings.HasPrefix(l.Owner, "nfsd") && !strings.HasPrefix(l.Owner, "jbd2") {
				t.Errorf("owner %s/%d is neither an nfsd nor a jbd2 thread", l.Owner, l.OwnerTID)
			}
			// Inside a buffered write, past taking the inode lock (see
			// lab.ThreadSample.HoldsInodeLock), a thread holds the lock
			// of the file it writes: here every client writes the one
			// shared file, so that is the lock nfsd waited on. At ten
			// rounds a second /proc catches a holder asleep only a few
			// times per thread (1 to 5 per nfsd thread in the 5.10, 6.1
			// and 6.12 smoke runs; a running thread on another CPU shows
			// no stack), so the check is that the named owner writes the
			// file and that /proc caught nfsd threads holding the lock;
			// how often it caught this owner holding is logged.
			var seen, inPath, holding, holdingContended, holdingAll int
			holders := make(map[int]bool)
			isContended := make(map[int]bool, len(contended))
			for _, i := range contended {
				isContended[i] = true
			}
			for i, r := range rounds {
				for _, x := range r {
					if x.HoldsInodeLock() && strings.HasPrefix(x.Comm, "nfsd") {
						holdingAll++
						holders[x.PID] = true
					}
					if x.PID != l.OwnerTID {
						continue
					}
					seen++
					if x.Has(writePath...) {
						inPath++
					}
					if x.HoldsInodeLock() {
						holding++
						if isContended[i] {
							holdingContended++
						}
					}
				}
			}
			t.Logf("owner %s/%d: sampled %d times, %d in the write path, %d holding the file's lock (%d of them while an nfsd thread waited for it, in %d contended rounds); all nfsd threads: %d samples holding it, by %d threads",
				l.Owner, l.OwnerTID, seen, inPath, holding, holdingContended, len(contended), holdingAll, len(holders))
			if seen == 0 {
				t.Errorf("owner %s/%d is not a thread /proc sampled (nfsd, jbd2)", l.Owner, l.OwnerTID)
			} else if inPath == 0 {
				t.Errorf("/proc never caught owner %s/%d in the write path (%s)", l.Owner, l.OwnerTID, strings.Join(writePath, ", "))
			}
			if holdingAll == 0 {
				t.Errorf("/proc never caught an nfsd thread holding the file's lock (inside ext4_buffered_write_iter, not waiting for it): nothing shows the lock had an nfsd owner")
			}
		})
	}
}

// checkWitness: the rounds in which /proc caught an nfsd thread asleep on
// the file's inode lock agree with the wait time nfstrace counted on it
// (see witness).
func checkWitness(t *testing.T, f *report.Frame, rounds [][]lab.ThreadSample, caught int) {
	t.Helper()
	if len(rounds) < 2 {
		t.Fatalf("/proc sampled %d rounds: too few to witness the waits", len(rounds))
	}
	span := rounds[len(rounds)-1][0].Uptime - rounds[0][0].Uptime
	var total float64 // seconds nfsd threads waited on the file's lock
	most := 1
	for _, l := range f.Locks {
		site := string(l.Site)
		if !strings.HasPrefix(l.Comm, "nfsd") || !strings.Contains(site, "ext4_buffered_write_iter") && !strings.Contains(site, "ext4_file_write_iter") {
			continue
		}
		total += l.WaitPerSec * f.WindowSec
		most = max(most, l.MaxWaiters)
	}
	lo, hi, err := witness(total, most, span, len(rounds), caught)
	t.Logf("witness: nfstrace counted %.2fs of waiting on the file's lock (up to %d at once); over /proc's %.1fs and %d rounds that predicts %.1f to %.1f contended rounds; /proc caught %d",
		total, most, span, len(rounds), lo, hi, caught)
	if err != nil {
		t.Error(err)
	}
}

// witness tests a count of sampling rounds that caught a waiter against
// the wait time counted: total seconds of waiting, at most most waiters at
// once, over span seconds sampled in rounds rounds. A round catches a
// waiter with the chance that one was waiting then: total/span when no
// waits overlap (the high end of the expected count), total/span/most
// when they overlap all they can (the low end). It returns the expected
// range and an error when the count is implausible under either end (a
// Poisson tail under 0.001): waits counted that sampling never saw, or
// far more seen than counted. One second of waiting in 20 s sampled in
// 150 rounds expects 3 to 8 (up to 3 at once); none happens a few times in
// a hundred such runs, which is no disagreement.
func witness(total float64, most int, span float64, rounds, caught int) (lo, hi float64, err error) {
	n := float64(rounds)
	lo, hi = n*min(1, total/span/float64(most)), n*min(1, total/span)
	const alpha = 0.001
	if p := poissonAtMost(caught, lo); p < alpha {
		return lo, hi, fmt.Errorf("/proc caught %d rounds with an nfsd thread waiting on the file's lock, %.1f at least expected from nfstrace's wait time (p=%.2g): nfstrace counts waits that did not happen", caught, lo, p)
	}
	if p := 1 - poissonAtMost(caught-1, hi); p < alpha {
		return lo, hi, fmt.Errorf("/proc caught %d rounds with an nfsd thread waiting on the file's lock, %.1f at most expected from nfstrace's wait time (p=%.2g): nfstrace misses waits", caught, hi, p)
	}
	return lo, hi, nil
}

// poissonAtMost is P(X <= k) for X Poisson with mean lambda (1 for k >= 0
// and lambda 0; 0 for k < 0).
func poissonAtMost(k int, lambda float64) float64 {
	if k < 0 {
		return 0
	}
	term := math.Exp(-lambda)
	sum := term
	for i := 1; i <= k; i++ {
		term *= lambda / float64(i)
		sum += term
	}
	return min(sum, 1)
}

// checkLockCompare: compare of the reference against the shared file finds
// the lock layer and names its owner.
func checkLockCompare(t *testing.T, results string, base, shared lab.Scenario) {
	for _, v := range base.Versions {
		t.Run("v"+v, func(t *testing.T) {
			res := compareCaptures(t, versionDir(results, base.Name, v), versionDir(results, shared.Name, v))
			t.Logf("compare: %s | LEAD %s", res.Verdict.Summary, res.Verdict.Lead)
			if err := lockFound(res); err != nil {
				t.Errorf("compare %s %s: %v", base.Name, shared.Name, err)
			}
		})
	}
}

// checkFiles: top counts nfsd's reads and writes per file. Each client of
// the reference writes its own file, so no file takes most of them; the
// clients of the shared file write one, which takes nearly all (the rest
// are the file's creation and the clients' reads of other names).
func checkFiles(t *testing.T, results string, base, shared lab.Scenario) {
	for _, v := range base.Versions {
		t.Run("v"+v, func(t *testing.T) {
			fb, fs := readFrame(t, versionDir(results, base.Name, v)), readFrame(t, versionDir(results, shared.Name, v))
			b, s := fb.NFSD.Files, fs.NFSD.Files
			if b == nil || s == nil || len(b.Busiest) == 0 || len(s.Busiest) == 0 {
				t.Fatalf("top counted no reads and writes per file: %s %+v, %s %+v", base.Name, b, shared.Name, s)
			}
			t.Logf("%s: up to %d files, busiest %.0f%%; %s: up to %d files, busiest %.0f%%",
				base.Name, b.MostFiles, 100*b.Busiest[0].Share, shared.Name, s.MostFiles, 100*s.Busiest[0].Share)
			if b.MostFiles < base.Clients || b.Busiest[0].Share > 2.0/float64(base.Clients) {
				t.Errorf("%s: %d clients on their own files, yet up to %d files an interval and the busiest took %.0f%%",
					base.Name, base.Clients, b.MostFiles, 100*b.Busiest[0].Share)
			}
			if s.Busiest[0].Share < 0.9 {
				t.Errorf("%s: every client on one file, yet the busiest took %.0f%% of the reads and writes", shared.Name, 100*s.Busiest[0].Share)
			}
		})
	}
}

// lockProbe is the lock probe's entry in the scenario's first capture: the
// tracepoints (attached), the slow-path kprobes (fallback) or unavailable.
func lockProbe(t *testing.T, results string, s lab.Scenario) model.Probe {
	t.Helper()
	c, err := compare.Load(context.Background(), filepath.Join(versionDir(results, s.Name, s.Versions[0]), "capture.nft"), false)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range c.Meta.Config.Backend.Probes {
		if p.Name == "contention_begin" {
			t.Logf("lock probe: %s: %s", p.Status, p.Detail)
			return p
		}
	}
	t.Fatalf("the capture lists no contention_begin probe")
	return model.Probe{}
}

func TestPoissonAtMost(t *testing.T) {
	for _, c := range []struct {
		k      int
		lambda float64
		want   float64
	}{
		{-1, 3, 0},
		{0, 0, 1},
		{0, 2.7, math.Exp(-2.7)},
		{0, 7, 0.000912},
		{2, 1, 2.5 * math.Exp(-1)},
		{7, 8, 0.4530},
		{30, 8, 1},
	} {
		if got := poissonAtMost(c.k, c.lambda); math.Abs(got-c.want) > 1e-4 {
			t.Errorf("poissonAtMost(%d, %g) = %.6f, want %.6f", c.k, c.lambda, got, c.want)
		}
	}
}

func TestWitness(t *testing.T) {
	for _, c := range []struct {
		name         string
		total        float64
		most, caught int
		lo, hi       float64
		wantErr      bool
	}{
		// The 6.1 smoke run of 2026-12-05: 1.1 s of waiting, 20.8 s, 150 rounds.
		{"as counted", 1.1, 3, 7, 2.6, 7.9, false},
		{"none caught, few expected", 1.1, 3, 0, 2.6, 7.9, false},
		{"none caught, many expected", 5, 2, 0, 18.0, 36.1, true},
		{"far more caught than counted", 1.1, 3, 30, 2.6, 7.9, true},
		{"nothing counted, nothing caught", 0, 1, 0, 0, 0, false},
		{"nothing counted, one caught", 0, 1, 1, 0, 0, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			lo, hi, err := witness(c.total, c.most, 20.8, 150, c.caught)
			if math.Abs(lo-c.lo) > 0.1 || math.Abs(hi-c.hi) > 0.1 || (err != nil) != c.wantErr {
				t.Errorf("witness(%g, %d, caught %d) = %.1f, %.1f, %v; want %.1f, %.1f, error %v", c.total, c.most, c.caught, lo, hi, err, c.lo, c.hi, c.wantErr)
			}
		})
	}
}
