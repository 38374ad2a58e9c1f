package compare

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// Workload limits: beyond them the two captures ran different loads, and a
// per-operation comparison, though still shown, may mislead (queueing grows
// with load, and operations differ in cost).
const (
	maxMixDistance = 0.2 // total variation distance between operation mixes
	maxRateRatio   = 2.0 // ratio of operation rates, either way
)

// Workload compares what the NFS clients (or the traced threads) asked of
// the server.
type Workload struct {
	// Per says what figures are normalised by, the unit of work: "op"
	// (NFS operations) when both captures counted them, else "call" (the
	// traced threads' read and write system calls), "IO" (their waits for
	// block IO, or with Submitted the IOs they asked for), "CPU-s" (their
	// CPU time), or "s" (seconds of capture).
	Per    string  `json:"per"`
	Source string  `json:"source"` // where operation counts come from
	OpsA   float64 `json:"ops_a"`
	OpsB   float64 `json:"ops_b"`
	SecA   float64 `json:"seconds_a"`
	SecB   float64 `json:"seconds_b"`
	RateA  float64 `json:"ops_per_s_a"`
	RateB  float64 `json:"ops_per_s_b"`
	// RateRatio is RateB / RateA.
	RateRatio float64 `json:"rate_ratio"`
	// MixDistance is the total variation distance between the operation
	// mixes: half the sum of the absolute differences of the shares, 0 for
	// identical mixes, 1 for disjoint ones.
	MixDistance float64   `json:"mix_distance"`
	Mix         []OpShare `json:"mix,omitempty"`
	// Submitted says the IOs of Per "IO" are those the threads asked for
	// (see submittedIOs), not their waits for block IO: the unit of
	// threads that are not IO-bound, where both captures counted them.
	Submitted bool `json:"submitted,omitempty"`
	// AgainstLatency is set where the IOs asked for replaced the waits
	// for block IO as the unit of IO-bound threads: why.
	AgainstLatency *AgainstLatency `json:"against_latency,omitempty"`
	// SubmitA and SubmitB are the IOs the traced threads submitted through
	// io_submit and io_uring_enter per second, where both captures counted
	// them in every interval and either has some: what threads that keep
	// IOs in flight asked of the kernel, which neither their calls nor
	// their waits count. Not the unit of IO-bound threads: per IO their
	// time falls as they keep more in flight, while each IO takes longer.
	SubmitA    float64 `json:"submits_per_s_a,omitempty"`
	SubmitB    float64 `json:"submits_per_s_b,omitempty"`
	Comparable bool    `json:"comparable"`
	Reason     string  `json:"reason,omitempty"`
}

// callSource says where the threads' calls are counted, their unit where
// they are the work.
const callSource = "the traced threads' read and write system calls (/proc/PID/task/TID/io)"

// submittedSource says where the IOs asked for are counted, the unit of
// threads that keep IO in flight where it is not their waits.
const submittedSource = "the IOs the traced threads asked for: read and write calls, iocbs queued by io_submit and SQEs by io_uring_enter (counted as the calls returned)"

// count sets the work done in each capture, and its rate, from the units
// per interval.
func (w *Workload) count(denA, denB []float64) {
	w.OpsA, w.OpsB = sum(denA), sum(denB)
	w.RateA, w.RateB = safeDiv(w.OpsA, w.SecA), safeDiv(w.OpsB, w.SecB)
	w.RateRatio = safeDiv(w.RateB, w.RateA)
}

// OpShare is one operation's share of the mix in A and B.
type OpShare struct {
	Op string  `json:"op"`
	A  float64 `json:"a"`
	B  float64 `json:"b"`
}

// normaliser returns the per-interval denominators of the per-operation
// figures of both captures and describes the workload.
func normaliser(a, b *Capture) (denA, denB []float64, w Workload) {
	w.SecA, w.SecB = a.Seconds(), b.Seconds()
	switch {
	case sum(a.ops) > 0 && sum(b.ops) > 0:
		denA, denB = a.ops, b.ops
		w.Per, w.Source = "op", "nfsd operation counts (/proc/net/rpc/nfsd)"
	case sum(a.rpcReqs) > 0 && sum(b.rpcReqs) > 0:
		denA, denB = a.rpcReqs, b.rpcReqs
		w.Per, w.Source = "op", "traced NFS requests"
	case a.countsCalls() && b.countsCalls() && !(a.callPerIO() && b.callPerIO()):
		// A process's operations are its calls to the kernel for IO,
		// what its own latency figures count (fio's psync engine, a
		// database's preads): cached or not, throttled or not, each is
		// one piece of work. Where each call is one IO in both captures
		// (direct IO), the IOs below are the same unit, counted by the
		// probes that time the waits.
		denA, denB = a.calls, b.calls
		w.Per, w.Source = "call", callSource
		w.count(denA, denB)
	default:
		// Without operations, the unit of work is what the threads' work
		// is made of: their IOs (waits for block IO) when both captures'
		// threads are IO-bound, else their own CPU time (a constant cost
		// per piece of work, whatever it is).
		ioA, ioB := ioWaits(a, b)
		haveIO := sum(ioA) > 0 && sum(ioB) > 0
		haveCPU := sum(a.onCPU) > 0 && sum(b.onCPU) > 0
		switch {
		case haveIO && (!haveCPU || ioBound(a) && ioBound(b)):
			denA, denB = ioA, ioB
			w.Per, w.Source = "IO", "the traced threads' waits for block IO: one per synchronous IO, one per wait for asynchronous IO's completions"
		case a.submitsIO() && b.submitsIO():
			// Threads that are not IO-bound but submit asynchronous
			// IO: the IOs they asked for are their work, counted,
			// where their CPU time would only stand for it.
			denA, denB = submittedIOs(a, b)
			w.Per, w.Source, w.Submitted = "IO", submittedSource, true
		case a.countsCalls() && b.countsCalls():
			// Each call one IO, by threads not IO-bound in one
			// capture or both (waiting for a lock, or a CPU, as much): the
			// calls are still their work, counted, where their CPU
			// time would only stand for it.
			denA, denB = a.calls, b.calls
			w.Per, w.Source = "call", callSource
		case haveCPU:
			denA, denB = a.onCPU, b.onCPU
			w.Per, w.Source = "CPU-s", "the traced threads' CPU time (run-queue rows): time waited per second they ran"
		default:
			denA, denB = a.secs, b.secs
			w.Per, w.Source = "s", "no operation counts, no device the threads waited on and no CPU time in both captures: per second of capture"
		}
		if w.Per != "s" {
			w.count(denA, denB)
		}
	}
	if w.Per == "op" {
		w.count(denA, denB)
	}
	if a.unsubmitted == 0 && b.unsubmitted == 0 && sum(a.submits)+sum(b.submits) > 0 {
		w.SubmitA, w.SubmitB = safeDiv(sum(a.submits), w.SecA), safeDiv(sum(b.submits), w.SecB)
	}
	w.MixDistance, w.Mix = mixDistance(a.opMix, b.opMix)
	w.Comparable = true
	var why []string
	switch {
	case w.Per == "s":
		why = append(why, "operations were not counted in both captures")
	case w.Per == "IO" || w.Per == "CPU-s" || w.Per == "call":
		// A closed-loop workload does less IO when each IO takes
		// longer: its rate is an outcome, not a difference of load.
	case w.RateRatio > maxRateRatio || w.RateRatio < 1/maxRateRatio:
		why = append(why, fmt.Sprintf("operation rates differ %.1fx (%.0f vs %.0f ops/s)", rateFactor(w.RateRatio), w.RateA, w.RateB))
	}
	if w.MixDistance > maxMixDistance {
		why = append(why, fmt.Sprintf("operation mixes differ (distance %.2f > %.2f)", w.MixDistance, maxMixDistance))
	}
	if len(why) > 0 {
		w.Comparable = false
		w.Reason = joinAnd(why)
	}
	return denA, denB, w
}

func rateFactor(r float64) float64 {
	if r == 0 {
		return math.Inf(1)
	}
	if r < 1 {
		return 1 / r
	}
	return r
}

// mixDistance returns the total variation distance of two operation count
// maps and the shares, largest first.
func mixDistance(a, b map[string]float64) (float64, []OpShare) {
	ta, tb := 0.0, 0.0
	for _, v := range a {
		ta += v
	}
	for _, v := range b {
		tb += v
	}
	if ta == 0 || tb == 0 {
		return 0, nil
	}
	var d float64
	var shares []OpShare
	for _, op := range unionKeys(a, b) {
		s := OpShare{Op: op, A: a[op] / ta, B: b[op] / tb}
		d += math.Abs(s.A - s.B)
		shares = append(shares, s)
	}
	slices.SortStableFunc(shares, func(x, y OpShare) int { return cmp.Compare(max(y.A, y.B), max(x.A, x.B)) })
	return d / 2, shares
}

func joinAnd(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	out := s[0]
	for _, x := range s[1 : len(s)-1] {
		out += ", " + x
	}
	return out + " and " + s[len(s)-1]
}

// minCallRate is the fewest read and write calls a second, over a
// capture, that make calls its threads' unit of work: below it the threads
// do their IO another way (io_submit, io_uring, mapped memory) and the few
// calls they make (a log line, a config read) say nothing of it.
const minCallRate = 1.0

// minCallBytes is the least a read or write call moves on average, over a
// capture, for the calls to be the threads' work with storage: a sector,
// the least a storage IO moves. Threads whose IO goes another way make
// calls of a few bytes (a status pipe, an eventfd's 8-byte counter, a
// line of /proc), many or few.
const minCallBytes = 512.0

// countsCalls reports whether every interval of the capture counted the
// traced threads' calls and they made enough, moving enough, to be their
// unit of work.
func (c *Capture) countsCalls() bool {
	n := sum(c.calls)
	return c.uncounted == 0 && n >= minCallRate*sum(c.secs) && c.callBytes >= minCallBytes*n
}

// submitsIO reports whether every interval of the capture counted the IOs
// the traced threads submitted through io_submit and io_uring_enter, and
// they submitted at least minCallRate a second.
func (c *Capture) submitsIO() bool {
	return c.unsubmitted == 0 && sum(c.submits) >= minCallRate*sum(c.secs)
}

// submittedIOs returns, per interval, the IOs the threads of both captures
// asked for: those they submitted, and their read and write calls where
// both captures counted calls in every interval and they carried data (see
// minCallBytes; fio's status pipe carries none), so that both count the
// same things.
func submittedIOs(a, b *Capture) (ioA, ioB []float64) {
	data := func(c *Capture) bool { return c.uncounted == 0 && c.callBytes >= minCallBytes*sum(c.calls) }
	withCalls := data(a) && data(b)
	ios := func(c *Capture) []float64 {
		out := slices.Clone(c.submits)
		if withCalls {
			for i := range out {
				out[i] += at(c.calls, i)
			}
		}
		return out
	}
	return ios(a), ios(b)
}

// callsPerIO is the fewest read and write calls per wait for block IO that
// makes calls, not IOs, the work: below it, nearly every call is one IO.
const callsPerIO = 2.0

// callPerIO reports whether the capture's threads made fewer than
// callsPerIO calls per wait for block IO, their own where they had some
// (see blockWaits): each call an IO.
func (c *Capture) callPerIO() bool {
	io := blockWaits(c, true)
	if sum(io) == 0 {
		io = blockWaits(c, false)
	}
	return sum(c.calls) < callsPerIO*sum(io)
}

// blockWaits counts, per interval, the traced threads' waits for block IO
// (a device's or one the backend could not name): without NFS operations
// they are the threads' unit of work, one per synchronous IO. A
// closed-loop workload does fewer IOs when each takes longer, so per second
// its waiting would not move; and the device's own request count would mix
// in every other process's IO on it.
//
// With own, only the waits on a device the backend named count: a thread
// that waits while it has requests of its own in flight. A wait for block
// IO with none of its own (another thread's IO: a lock holder's, a kernel
// worker's readahead) is not a piece of its work, and the injected cause
// can add such waits per IO. The unnamed ones count where a capture has no
// named one (the procfs backend names none). A wait for asynchronous IO is
// the threads' own, named or not: it waits in their own system call for
// their own IO, held above the device when no request of theirs was in
// flight.
func blockWaits(c *Capture, own bool) []float64 {
	out := make([]float64, len(c.secs))
	for k, d := range c.fams[famLayer] {
		if LayerKind(k) != "block" || own && LayerDevice(k) == "" {
			continue
		}
		for i, v := range d.cnt {
			if i < len(out) {
				out[i] += v
			}
		}
	}
	if own {
		for i := range out {
			out[i] += at(c.aioWaits, i) - at(c.aioNamed, i)
		}
	}
	return out
}

// at is s[i], 0 beyond its end.
func at(s []float64, i int) float64 {
	if i < len(s) {
		return s[i]
	}
	return 0
}

// ioWaits returns both captures' block-IO waits per interval, their own
// where both have some (see blockWaits), else all of them.
func ioWaits(a, b *Capture) (ioA, ioB []float64) {
	ioA, ioB = blockWaits(a, true), blockWaits(b, true)
	if sum(ioA) > 0 && sum(ioB) > 0 {
		return ioA, ioB
	}
	return blockWaits(a, false), blockWaits(b, false)
}

// ioBoundShare is the least block-IO wait, as a share of the time the
// threads ran or waited to run, that makes their work IO: below it, the IOs
// are incidental (page-cache misses of a CPU-bound loop) and too few and
// uneven to count work by.
const ioBoundShare = 0.1

// ioBound reports whether a capture's threads waited for block IO at least
// ioBoundShare as long as they wanted a CPU (ran or waited to run). Both
// captures must be IO-bound for IOs to be the unit, so that a cause which
// makes the threads wait for CPUs (a quota, hogs) moves both captures to
// CPU time rather than counting one in IOs and the other in seconds.
func ioBound(c *Capture) bool {
	var block, runq float64
	for k, d := range c.fams[famLayer] {
		switch LayerKind(k) {
		case "block":
			block += sum(d.sum)
		case LayerCPU:
			runq += sum(d.sum)
		}
	}
	cpu := sum(c.onCPU) * 1e9
	return block > 0 && block >= ioBoundShare*(cpu+runq)
}

// Reached is the rate at which operations reached nfsd in A and B, over
// the intervals that held them, and the test of its change.
type Reached struct {
	RateA  float64 `json:"ops_per_s_a"`
	RateB  float64 `json:"ops_per_s_b"`
	Change Change  `json:"change"`
}

// reached returns the rate operations reached nfsd at when it fell by
// Options.MinChange (of the lower rate) and significantly, nil otherwise.
// With each operation served in no more time, fewer reached nfsd: its
// clients asked for less, or were held before it (on the clients
// themselves, on the path to the server), which a profile of the server
// cannot see. A closed loop of clients waiting longer elsewhere sends
// fewer operations, so the fall is what nfsd can show of that wait.
func (c *comparison) reached() *Reached {
	return c.opRate(-1)
}

// opRate returns the rate operations reached nfsd at when it moved in
// direction dir by Options.MinChange (of the lower rate) and
// significantly, nil otherwise.
func (c *comparison) opRate(dir float64) *Reached {
	fr := c.frame(c.a.ops, c.b.ops, nil, nil)
	if fr.bs == nil {
		return nil
	}
	r := fr.ratio(c.a.ops, c.a.secs, c.b.ops, c.b.secs)
	ra, rb := r.values()
	if ra <= 0 || rb <= 0 || (rb-ra)*dir <= 0 {
		return nil
	}
	ch := newChange(ra, rb, fr.test(r))
	ch.judge(c.opt.Alpha, matter{min: c.opt.MinChange}.enough(ra, rb))
	if !ch.Significant {
		return nil
	}
	return &Reached{RateA: ra, RateB: rb, Change: ch}
}

// Demand is the rate operations reached nfsd at when it moved the way
// their time did (see demand), and the cause the leading layer had
// before the demand explained it (Over).
type Demand struct {
	Reached
	Over string `json:"over"`
}

// demand returns the rate operations reached nfsd at when it moved with
// the time each took (more operations a second, each slower; or fewer,
// each faster) by Options.MinChange and significantly, under a mix of
// operations that compares. A server that serves each operation slower
// gets fewer done a second for the same clients (a closed loop), or as
// many (an open one), never more: more a second, each slower, is more
// work asked of it, which makes every queue and lock it has longer. The
// unit must be the operation, so that the rate is the clients' demand
// and not an outcome of the threads' own waits (a thread's IOs or calls
// a second fall and rise with what each takes). nil otherwise.
func (c *comparison) demand(w Workload, dir float64) *Demand {
	if w.Per != "op" || w.MixDistance > maxMixDistance {
		return nil
	}
	r := c.opRate(dir)
	if r == nil {
		return nil
	}
	return &Demand{Reached: *r}
}
