package compare

import (
	"fmt"
	"slices"

	"github.com/nfstrace/nfstrace/internal/model"
)

// fileCounts is what nfsd read and wrote per file, per interval
// (model.Snapshot.Files).
type fileCounts struct {
	known   int       // intervals that counted them
	ops     []float64 // reads and writes per interval
	busiest []float64 // those of the interval's busiest file
	count   []float64 // distinct files read or written per interval
	// total is the reads and writes of each file over the capture, from
	// the intervals' busiest files (model.MaxTopFiles each).
	total model.FileTotals
}

// add counts interval i's Files (nil: not counted).
func (f *fileCounts) add(i int, fs *model.Files) {
	var ops, top, n float64
	if fs != nil {
		f.known++
		ops, n = float64(fs.Ops), float64(fs.Count)
		if len(fs.Top) > 0 {
			top = float64(fs.Top[0].Ops())
		}
		f.total.Add(fs.Top)
	}
	addAt(&f.ops, i, ops)
	addAt(&f.busiest, i, top)
	addAt(&f.count, i, n)
}

// typical returns the median number of distinct files of the intervals
// that read or wrote any.
func (f *fileCounts) typical() float64 {
	var n []float64
	for i, c := range f.count {
		if c > 0 && i < len(f.ops) && f.ops[i] > 0 {
			n = append(n, c)
		}
	}
	if len(n) == 0 {
		return 0
	}
	slices.Sort(n)
	if len(n)%2 == 1 {
		return n[len(n)/2]
	}
	return (n[len(n)/2-1] + n[len(n)/2]) / 2
}

// top returns the file with the most reads and writes over the capture,
// and whether writes were most of them.
func (f *fileCounts) top() (fh uint32, writes bool, ok bool) {
	b := f.total.Busiest(1)
	if len(b) == 0 || b[0].Ops() == 0 {
		return 0, false, false
	}
	return b[0].FH, 2*b[0].Writes > b[0].Ops(), true
}

// Converged is how nfsd's reads and writes gathered on one file: the share
// of each interval's that went to its busiest file, in A and B.
type Converged struct {
	ShareA float64 `json:"busiest_share_a"`
	ShareB float64 `json:"busiest_share_b"`
	Change Change  `json:"change"`
	// FilesA and FilesB are the distinct files read or written in a
	// typical interval (the median of those that had any).
	FilesA float64 `json:"files_a"`
	FilesB float64 `json:"files_b"`
	// FH is B's busiest file over the capture, by the hash of its file
	// handle (as nfsd's tracepoints print it); Writes says that writes
	// were most of its operations.
	FH     uint32 `json:"fh_hash"`
	Writes bool   `json:"writes"`
}

// converged returns how nfsd's reads and writes gathered on one file when
// the share of them that went to each interval's busiest file rose
// significantly, by Options.MinChange, to most of them (leadShare) in B;
// nil otherwise, or where a capture did not count them.
func (c *comparison) converged() *Converged {
	fa, fb := &c.a.files, &c.b.files
	if fa.known == 0 || fb.known == 0 {
		return nil
	}
	fr := c.frame(fa.ops, fb.ops, nil, nil)
	if fr.bs == nil {
		return nil
	}
	r := fr.ratio(fa.busiest, fa.ops, fb.busiest, fb.ops)
	sa, sb := r.values()
	if sb <= sa || sb < leadShare {
		return nil
	}
	ch := newChange(sa, sb, fr.test(r))
	ch.judge(c.opt.Alpha, matter{min: c.opt.MinChange}.enough(sa, sb))
	if !ch.Significant {
		return nil
	}
	fh, writes, ok := fb.top()
	if !ok {
		return nil
	}
	return &Converged{ShareA: sa, ShareB: sb, Change: ch, FilesA: fa.typical(), FilesB: fb.typical(), FH: fh, Writes: writes}
}

// oneFile reads a time per operation that did not change as worse for the
// clients when fewer operations reached nfsd (Reached) while they gathered
// on one file (converged): clients that write one file wait for each
// other before their requests reach nfsd (for the file's lock on a client
// they share, or in the order they keep among themselves), a wait the
// server cannot time, whose two marks it can see. It reports whether it
// did.
func (c *comparison) oneFile(d *Diagnosis) bool {
	if d.Reached == nil || d.Subject != SubjectNFS {
		return false
	}
	cv := c.converged()
	if cv == nil {
		return false
	}
	d.Outcome, d.Cause, d.Converged = OutcomeWorse, CauseLock, cv
	d.Confidence = "medium"
	return true
}

// gatheredFall returns the reading of oneFile for a time per operation
// that fell as fewer operations reached nfsd (r, the demand's rate), when
// they gathered on one file; nil otherwise. Each operation waited less
// because fewer came at once: what fell is the server's share of a wait
// that moved before it, so the layers of that fall are not the verdict's.
func (c *comparison) gatheredFall(d *Diagnosis, r *Reached) *Diagnosis {
	if d.Subject != SubjectNFS {
		return nil
	}
	cv := c.converged()
	if cv == nil {
		return nil
	}
	return &Diagnosis{
		Outcome: OutcomeWorse, Subject: d.Subject, Per: d.Per, A: d.A, B: d.B, Change: d.Change,
		Intervals: d.Intervals, NeedIntervals: d.NeedIntervals, Comparable: d.Comparable,
		Cause: CauseLock, Reached: r, Converged: cv, Match: d.Match, Confidence: "medium",
	}
}

// fhText names a file by the hash of its handle.
func fhText(fh uint32) string { return fmt.Sprintf("fh_hash 0x%08x", fh) }

// convergedText is the verdict of requests held before nfsd by their
// gathering on one file (Diagnosis.Converged).
func convergedText(d *Diagnosis) string {
	r, cv := d.Reached, d.Converged
	held := "did not rise"
	if d.B < d.A && d.Change.Outcome != TestNotSignificant && d.Change.Outcome != TestUntested {
		held = "fell"
	}
	return fmt.Sprintf("Worse for the clients: %.0f%% fewer operations reached nfsd (%s → %s a second while any came, %s) while its time for each %s (%s %s → %s, %s); its reads and writes gathered on one file (%s): the busiest took %s of them (was %s, %s; %s → %s files an interval), so its clients waited for each other before nfsd, and got less done",
		100*(1-r.RateB/r.RateA), model.FormatCount(r.RateA), model.FormatCount(r.RateB), pText(r.Change.P), held,
		subjectText(d), model.FormatNs(d.A), model.FormatNs(d.B), changeText(d.Change),
		fhText(cv.FH), model.FormatPct(cv.ShareB), model.FormatPct(cv.ShareA), pText(cv.Change.P),
		model.FormatCount(cv.FilesA), model.FormatCount(cv.FilesB))
}

// convergedLine is the evidence line of the busiest file's share.
func convergedLine(cv *Converged) string {
	return fmt.Sprintf("reads and writes on each interval's busiest file: %s → %s of them (%s); files an interval: %s → %s",
		model.FormatPct(cv.ShareA), model.FormatPct(cv.ShareB), changeText(cv.Change), model.FormatCount(cv.FilesA), model.FormatCount(cv.FilesB))
}

// convergedLead is the LEAD of requests that gathered on one file.
func convergedLead(cv *Converged) string {
	return fmt.Sprintf("look at the %s: they take turns before nfsd (a client's lock on the file it shares among its processes, or their own ordering); spread the work over more files, or give each writer its own, and nfsd served each operation no slower", fileUsers(cv))
}

// fileUsers names those who use the file requests gathered on: its
// writers, or its readers and writers when writes were not most of them.
func fileUsers(cv *Converged) string {
	if cv.Writes {
		return "writers of the file with " + fhText(cv.FH)
	}
	return "readers and writers of the file with " + fhText(cv.FH)
}

// sharedText words nfsd's threads waiting for each other at one file
// (see byOneFile): the gathering, then the waits it made.
func sharedText(d *Diagnosis, cv *Converged) string {
	l := d.Layer
	what := "for IO other threads had started on its pages"
	if l.Kind == ClassPageLock {
		what = "for locks other threads held on its pages"
	}
	// A page-lock layer is read so whether more waits or longer ones
	// carry it (byOneFile); say which.
	how := "more often"
	if l.CountShare < countLeads {
		how = "longer"
	}
	return fmt.Sprintf(": nfsd's reads and writes gathered on one file (%s: the busiest took %s of them, was %s, %s), and its threads waited %s %s (%s → %s waits per %s; mean wait %s → %s)",
		fhText(cv.FH), model.FormatPct(cv.ShareB), model.FormatPct(cv.ShareA), pText(cv.Change.P), how, what,
		model.FormatRate(l.WaitsA), model.FormatRate(l.WaitsB), perText(d.Per), model.FormatNs(l.WaitA), model.FormatNs(l.WaitB))
}

// sharedAdvice is where to look when nfsd's threads waited for each other
// at one file.
func sharedAdvice(cv *Converged) string {
	return "the " + fileUsers(cv) + ": nfsd's threads serve them one after another at its pages and its lock; give each writer its own file, or spread the work over more files"
}
