// Package score scores compare's verdicts on the diagnosis benchmark: pairs
// of captures with a known cause (testdata/diagnosis, recorded by
// nfstrace-diag record), compared as an engineer would compare them, and a
// confusion table of the true cause against the verdict's top-ranked one.
package score

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/nfstrace/nfstrace/diag"
	"github.com/nfstrace/nfstrace/internal/compare"
)

// Outcomes that are not a cause.
const (
	None     = "none"      // no significant change: the right answer for a null pair
	TooShort = "too short" // compare said the captures are too short to tell
	Spread   = "spread"    // a change no single layer carries
)

// isLab reports whether a set holds the lab's pairs (LabPairs).
func isLab(set string) bool { return set == "lab" || strings.HasPrefix(set, "lab-") }

// Pair is one comparison of the benchmark.
type Pair struct {
	Set      string // "dev", "heldout", "heldoutN", "long" (record -set), "lab" or "lab-long"
	Scenario string
	Length   string
	Seed     int
	Null     bool   // two captures of one condition: the truth is None
	A, B     string // capture paths
	Truth    string // the cause, None for a null pair
	Change   string // the configuration item the lead should name, "" if none
	// Effect is what the workload itself measured: B's mean latency per
	// IO over A's, reads and writes together (fio's lat, from issue to
	// completion, where both recorded it, else clat), 0 when unknown.
	// For an injected pair it is the injection's effect; for a null pair,
	// how far two recordings of one condition drifted apart.
	Effect float64
}

// minEffect is the change of the workload's own latency, either way, that
// makes an injection effective: below it the time users feel did not
// move, and "no change" is a right answer too.
const minEffect = 1.25

// Effective reports whether the workload's own latency says the injection
// made things worse (unknown effects count as effective).
func (p Pair) Effective() bool { return p.Effect == 0 || p.Effect >= minEffect }

// Steady reports whether the workload's own latency held, within
// minEffect either way, between the two captures of a null pair (unknown
// counts as steady). Where it did not, the machine moved between the
// recordings, and a verdict that says so is not a false alarm.
func (p Pair) Steady() bool { return p.Effect == 0 || (p.Effect < minEffect && p.Effect > 1/minEffect) }

// Name is the pair's name in tables: scenario/length/which.
func (p Pair) Name() string {
	which := fmt.Sprintf("seed %d", p.Seed)
	switch {
	case isLab(p.Set):
		return p.Scenario + "/" + p.Length
	case p.Null:
		which = "null " + strings.TrimSuffix(filepath.Base(p.A), ".nft") + "~" + strings.TrimSuffix(filepath.Base(p.B), ".nft")
	}
	return p.Scenario + "/" + p.Length + "/" + which
}

type truthFile struct {
	Scenario string `json:"scenario"`
	Cause    string `json:"cause"`
	Change   string `json:"change"`
	Set      string `json:"set"`
	Length   string `json:"length"`
	Captures []struct {
		File      string         `json:"file"`
		Condition string         `json:"condition"`
		Seed      int            `json:"seed"`
		Fio       diag.FioResult `json:"fio"`
	} `json:"captures"`
}

// Pairs finds every truth.json under root and forms its pairs: for each
// seed k the injected pair (base-k, inj-k), and for each condition with two
// seeds the null pair of its first two captures.
func Pairs(root string) ([]Pair, error) {
	var out []Pair
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "truth.json" {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var t truthFile
		if err := json.Unmarshal(b, &t); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		dir := filepath.Dir(path)
		bySeed := map[int]map[string]string{}
		byCond := map[string][]string{}
		fio := map[string]diag.FioResult{}
		for _, c := range t.Captures {
			fio[filepath.Join(dir, c.File)] = c.Fio
			p := filepath.Join(dir, c.File)
			if bySeed[c.Seed] == nil {
				bySeed[c.Seed] = map[string]string{}
			}
			bySeed[c.Seed][c.Condition] = p
			byCond[c.Condition] = append(byCond[c.Condition], p)
		}
		seeds := make([]int, 0, len(bySeed))
		for s := range bySeed {
			seeds = append(seeds, s)
		}
		slices.Sort(seeds)
		base := Pair{Set: t.Set, Scenario: t.Scenario, Length: t.Length}
		for _, s := range seeds {
			a, b := bySeed[s]["base"], bySeed[s]["inj"]
			if a == "" || b == "" {
				continue
			}
			p := base
			p.Seed, p.A, p.B, p.Truth, p.Change = s, a, b, t.Cause, t.Change
			p.Effect = diag.LatencyRatio(fio[a], fio[b])
			out = append(out, p)
		}
		for _, cond := range []string{"base", "inj"} {
			if cs := byCond[cond]; len(cs) >= 2 {
				p := base
				p.Null, p.A, p.B, p.Truth = true, cs[0], cs[1], None
				p.Effect = diag.LatencyRatio(fio[cs[0]], fio[cs[1]])
				out = append(out, p)
			}
		}
		return nil
	})
	slices.SortStableFunc(out, func(x, y Pair) int {
		return cmp.Or(strings.Compare(x.Set, y.Set), strings.Compare(x.Scenario, y.Scenario), strings.Compare(x.Length, y.Length),
			cmpBool(x.Null, y.Null), cmp.Compare(x.Seed, y.Seed), strings.Compare(x.A, y.A))
	})
	return out, err
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

// Result is one pair compared.
type Result struct {
	Pair
	Predicted string // the verdict's top-ranked cause, None, TooShort or Spread
	Summary   string
	Lead      string
	// LeadNamesChange: the pair has a Change and the lead names it.
	LeadNamesChange bool
	// Aside is the cause a "no change" or "too short to tell" verdict
	// names as too small to reach the users' time, or as moving where the
	// total could not be told ("" when none, and for a verdict that names
	// a cause: a pooled verdict is read off its aside, which is then its
	// cause, not beside it).
	Aside string
	// Outcome is the verdict's outcome (compare.Outcome*).
	Outcome string
}

// Correct reports whether the verdict named the true cause of a rise (None
// for a null pair): an injected cause named for a fall is not a diagnosis
// of the injection.
func (r Result) Correct() bool {
	if r.Null || r.Truth == None {
		return r.Predicted == None
	}
	return names(r.Truth, r.Predicted) && r.Outcome == compare.OutcomeWorse
}

// names reports whether a verdict's cause names a true one. A memory limit
// below the working set (truth reclaim) holds the threads in one of two
// places, depending on the workload: in reclaim itself, or at the device,
// given the reads the smaller page cache no longer holds and the dirty pages
// it writes back sooner. compare calls the second cache (compare.CauseCache,
// only when CHANGED holds a memory size that moved against the layer), and
// both lead with the memory limit: either is the memory's diagnosis.
func names(truth, predicted string) bool {
	if truth == compare.CauseReclaim && predicted == compare.CauseCache {
		return true
	}
	return predicted == truth
}

// Predicted reads the top-ranked cause off a verdict.
func Predicted(v compare.Verdict) string {
	switch v.Diagnosis.Outcome {
	case compare.OutcomeTooShort:
		return TooShort
	case compare.OutcomeWorse, compare.OutcomeBetter:
		if v.Diagnosis.Cause == "" {
			return Spread
		}
		return v.Diagnosis.Cause
	}
	return None
}

// Run compares every pair with opt.
func Run(ctx context.Context, pairs []Pair, opt compare.Options) ([]Result, error) {
	out := make([]Result, 0, len(pairs))
	for _, p := range pairs {
		a, err := compare.Load(ctx, p.A, false)
		if err != nil {
			return nil, err
		}
		b, err := compare.Load(ctx, p.B, false)
		if err != nil {
			return nil, err
		}
		res, err := compare.Compare(a, b, opt)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.Name(), err)
		}
		v := res.Verdict
		r := Result{Pair: p, Predicted: Predicted(v), Summary: v.Summary, Lead: v.Lead, Outcome: v.Diagnosis.Outcome}
		r.LeadNamesChange = p.Change != "" && strings.Contains(v.Lead+" "+v.Summary, p.Change)
		r.Aside = aside(r.Predicted, v.Diagnosis)
		out = append(out, r)
	}
	return out, nil
}

// aside returns the cause a verdict that names none (predicted None or
// TooShort) gives as moving beside the users' time: its aside layer, or
// the scheduler when a device whose IO scheduler changed moved. A verdict
// that names a cause has no aside: a pooled one keeps the layer it was
// read off in d.Aside, and that is its cause.
func aside(predicted string, d compare.Diagnosis) string {
	if predicted != None && predicted != TooShort {
		return ""
	}
	switch {
	case d.Aside != nil:
		return d.Aside.Kind
	case d.AsideDevice != nil:
		return compare.CauseScheduler
	}
	return ""
}

// setRank places a set in the order the sets are shown in: the ones tuned
// on (dev2: dev recorded again with read and write calls and preemptions),
// the held-out ones by number, the held-out length, the lab, then any other
// (Sets breaks ties by name).
func setRank(set string) int {
	switch set {
	case "dev":
		return -4
	case "dev2":
		return -3
	case "long":
		return 1 << 20
	}
	if isLab(set) {
		return 1<<20 + 1 // "lab" before "lab-long": Sets breaks ties by name
	}
	if n, ok := diag.HeldOut(set); ok {
		return n
	}
	return 1 << 21
}

// Sets lists the sets the results hold, in setRank's order.
func Sets(rs []Result) []string {
	var out []string
	for _, r := range rs {
		if !slices.Contains(out, r.Set) {
			out = append(out, r.Set)
		}
	}
	slices.SortFunc(out, func(a, b string) int {
		return cmp.Or(cmp.Compare(setRank(a), setRank(b)), strings.Compare(a, b))
	})
	return out
}

// Tally counts one set's results.
type Tally struct {
	Injected, InjectedCorrect, InjectedTooShort int
	// Effective counts the injected pairs whose workload measured the
	// injection (Pair.Effective), EffectiveCorrect those named right.
	Effective, EffectiveCorrect     int
	Null, FalseAlarms, NullTooShort int
	// Steady counts the null pairs whose workload's latency held
	// (Pair.Steady), SteadyFalseAlarms the verdicts that named a cause
	// on them.
	Steady, SteadyFalseAlarms int
	WithChange, LeadNamed     int
}

// Count tallies the results of one set ("" for all).
func Count(rs []Result, set string) Tally {
	var t Tally
	for _, r := range rs {
		if set != "" && r.Set != set {
			continue
		}
		switch {
		case r.Null:
			t.Null++
			if r.Steady() {
				t.Steady++
			}
			switch r.Predicted {
			case TooShort:
				t.NullTooShort++
			case None:
			default:
				t.FalseAlarms++
				if r.Steady() {
					t.SteadyFalseAlarms++
				}
			}
		default:
			t.Injected++
			if r.Correct() {
				t.InjectedCorrect++
			}
			if r.Effective() {
				t.Effective++
				if r.Correct() {
					t.EffectiveCorrect++
				}
			}
			if r.Predicted == TooShort {
				t.InjectedTooShort++
			}
			if r.Change != "" {
				t.WithChange++
				if r.LeadNamesChange {
					t.LeadNamed++
				}
			}
		}
	}
	return t
}

// Confusion is the table of true cause (rows) against the verdict (columns).
func Confusion(rs []Result, set string) (rows, cols []string, n map[[2]string]int) {
	n = map[[2]string]int{}
	seenR, seenC := map[string]bool{}, map[string]bool{}
	for _, r := range rs {
		if set != "" && r.Set != set {
			continue
		}
		n[[2]string{r.Truth, r.Predicted}]++
		seenR[r.Truth], seenC[r.Predicted] = true, true
	}
	for k := range seenR {
		rows = append(rows, k)
	}
	for k := range seenC {
		cols = append(cols, k)
	}
	slices.Sort(rows)
	slices.Sort(cols)
	return rows, cols, n
}

type labFile struct {
	// Set names the pairs' set, "lab" when empty.
	Set      string `json:"set"`
	Captures string `json:"captures"`
	Pairs    []struct {
		Scenario string `json:"scenario"`
		Length   string `json:"length"`
		Kernel   string `json:"kernel"`
		A        string `json:"a"`
		B        string `json:"b"`
		Truth    string `json:"truth"`
		Change   string `json:"change"`
	} `json:"pairs"`
}

// LabPairs reads a file of the lab's pairs (testdata/diagnosis/lab*/pairs.json):
// real nfsd captures from the lab, B with the scenario's cause, truth None
// where the change made no difference to the time users feel, or two runs
// of one scenario. Their set is the file's, "lab" when it names none. Where
// the lab's client load left its figures beside a capture (NAME.load.json
// by NAME.nft), the pair's Effect is what its clients felt (clientLatency).
func LabPairs(file string) ([]Pair, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var lf labFile
	if err := json.Unmarshal(b, &lf); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	set := cmp.Or(lf.Set, "lab")
	dir := filepath.Join(filepath.Dir(file), lf.Captures)
	var out []Pair
	for _, p := range lf.Pairs {
		a, b := filepath.Join(dir, p.A), filepath.Join(dir, p.B)
		effect, err := loadEffect(a, b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		out = append(out, Pair{
			Set: set, Scenario: p.Kernel + " " + p.Scenario, Length: p.Length, Null: p.Truth == None,
			A: a + ".nft", B: b + ".nft", Truth: p.Truth, Change: p.Change, Effect: effect,
		})
	}
	return out, nil
}

// loadEffect is B's client latency over A's (see clientLatency), from the
// load figures beside the captures a and b (paths without ".nft"); 0 when
// either has none.
func loadEffect(a, b string) (float64, error) {
	var lat [2]float64
	for i, name := range []string{a, b} {
		buf, err := os.ReadFile(name + ".load.json")
		if errors.Is(err, fs.ErrNotExist) {
			return 0, nil
		}
		if err != nil {
			return 0, err
		}
		if lat[i], err = clientLatency(buf); err != nil {
			return 0, fmt.Errorf("%s.load.json: %w", name, err)
		}
	}
	return lat[1] / lat[0], nil
}

// clientLatency reads the lab's client load figures (nfsload's JSON: its
// client processes, seconds and operations by kind) as the mean time each
// operation took its client: every client issues its next operation as
// the last one returns, so that is the clients' time over the operations.
func clientLatency(b []byte) (float64, error) {
	var l struct {
		Clients int               `json:"clients"`
		Seconds float64           `json:"seconds"`
		Ops     map[string]uint64 `json:"ops"`
	}
	if err := json.Unmarshal(b, &l); err != nil {
		return 0, err
	}
	var ops uint64
	for _, n := range l.Ops {
		ops += n
	}
	if l.Clients <= 0 || l.Seconds <= 0 || ops == 0 {
		return 0, fmt.Errorf("no clients, seconds or operations (%d, %g, %d)", l.Clients, l.Seconds, ops)
	}
	return float64(l.Clients) * l.Seconds / float64(ops), nil
}

// LabFiles expands patterns, comma-separated paths or globs of lab pairs
// files, into the files they name, each glob's in lexical order. A pattern
// that names no file is an error: a set left out would change the scores
// without a word.
func LabFiles(patterns string) ([]string, error) {
	var out []string
	for _, p := range strings.Split(patterns, ",") {
		if p == "" {
			continue
		}
		m, err := filepath.Glob(p)
		if err != nil {
			return nil, fmt.Errorf("lab pairs %q: %w", p, err)
		}
		if len(m) == 0 {
			return nil, fmt.Errorf("lab pairs %q: no such file", p)
		}
		out = append(out, m...)
	}
	return out, nil
}

// Marker separates docs/diagnosis.md's prose from the generated tables.
const Marker = "<!-- generated by nfstrace-diag score: do not edit below -->"

// Benchmark scores the host pairs under hostDir and the lab pairs of
// labFiles, comparing each with opt (the zero value: compare's defaults).
func Benchmark(ctx context.Context, hostDir string, labFiles []string, opt compare.Options) ([]Result, error) {
	ps, err := Pairs(hostDir)
	if err != nil {
		return nil, err
	}
	for _, f := range labFiles {
		lp, err := LabPairs(f)
		if err != nil {
			return nil, err
		}
		ps = append(ps, lp...)
	}
	return Run(ctx, ps, opt)
}
