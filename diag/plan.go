package diag

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Capture is one recording of the plan.
type Capture struct {
	Scenario  *Scenario
	Length    time.Duration
	Condition string // "base" or "inj"
	Seed      int
	Dir       string // OUT/SET/SCENARIO/LENGTH
}

// Name is the capture's name in its directory: base-1, inj-2, ...
func (c Capture) Name() string { return fmt.Sprintf("%s-%d", c.Condition, c.Seed) }

// Path is the capture file.
func (c Capture) Path() string { return filepath.Join(c.Dir, c.Name()+".nft") }

// Cond is the condition the capture runs under.
func (c Capture) Cond() Condition {
	if c.Condition == "inj" {
		return c.Scenario.Inj
	}
	return c.Scenario.Base
}

// Group is the captures of one scenario at one length, in recording order;
// truth.json is written into Dir once all of them are done.
type Group struct {
	Scenario *Scenario
	Length   time.Duration
	Dir      string
	Captures []Capture
}

// Plan lists the groups to record: for each scenario and length, base and
// inj for each seed. Odd seeds record base first and even seeds inj first,
// so that a drift of the host over a group does not always favour one
// condition.
func Plan(scenarios []Scenario, lengths []time.Duration, seeds []int, out string) []Group {
	var groups []Group
	for i := range scenarios {
		s := &scenarios[i]
		for _, l := range lengths {
			g := Group{Scenario: s, Length: l, Dir: filepath.Join(out, s.Set, s.Name, LengthName(l))}
			for _, seed := range seeds {
				order := []string{"base", "inj"}
				if seed%2 == 0 {
					order = []string{"inj", "base"}
				}
				for _, cond := range order {
					g.Captures = append(g.Captures, Capture{Scenario: s, Length: l, Condition: cond, Seed: seed, Dir: g.Dir})
				}
			}
			groups = append(groups, g)
		}
	}
	return groups
}

// LengthName names a length as a directory: whole seconds as "30s" (not Go's
// "2m0s"), anything else as Go writes it.
func LengthName(d time.Duration) string {
	if d%time.Second == 0 {
		return strconv.FormatInt(int64(d/time.Second), 10) + "s"
	}
	return d.String()
}

// ParseLengths parses "5s,30s".
func ParseLengths(s string) ([]time.Duration, error) {
	var out []time.Duration
	for _, f := range strings.Split(s, ",") {
		d, err := time.ParseDuration(strings.TrimSpace(f))
		if err != nil || d < 3*time.Second {
			return nil, fmt.Errorf("length %q: want a duration of at least 3s, such as 5s", f)
		}
		out = append(out, d)
	}
	return out, nil
}

// ParseSeeds parses "1,2"; seeds are positive and distinct.
func ParseSeeds(s string) ([]int, error) {
	var out []int
	seen := map[int]bool{}
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("seed %q: want a positive integer", f)
		}
		if seen[n] {
			return nil, fmt.Errorf("seed %d given twice", n)
		}
		seen[n] = true
		out = append(out, n)
	}
	return out, nil
}

// FioArgs is fio's command line for condition c in directory dir, running
// for runtime with random seed seed; prepare only lays out the files.
func FioArgs(c Condition, dir string, runtime time.Duration, seed int, prepare bool) []string {
	f := c.Fio
	a := []string{
		"--name=diag",
		"--directory=" + dir,
		"--rw=" + f.RW,
		"--bs=" + f.BS,
		"--size=" + f.Size,
		"--ioengine=" + f.IOEngine,
		"--iodepth=" + strconv.Itoa(f.IODepth),
		"--numjobs=" + strconv.Itoa(f.NumJobs),
		"--direct=" + boolArg(f.Direct),
		"--sync=" + boolArg(f.Sync),
		"--randseed=" + strconv.Itoa(seed),
		"--invalidate=0",
		"--group_reporting",
		"--output-format=json",
	}
	if f.RWMixRead > 0 {
		a = append(a, "--rwmixread="+strconv.Itoa(f.RWMixRead))
	}
	if f.RateIOPS > 0 {
		a = append(a, "--rate_iops="+strconv.Itoa(f.RateIOPS))
	}
	if f.Fsync > 0 {
		a = append(a, "--fsync="+strconv.Itoa(f.Fsync))
	}
	if f.SharedFile {
		a = append(a, "--filename=shared")
	}
	if c.CPUs != "" {
		a = append(a, "--cpus_allowed="+c.CPUs)
	}
	if prepare {
		return append(a, "--create_only=1")
	}
	ms := runtime.Milliseconds()
	return append(a, "--time_based", "--runtime="+strconv.FormatInt(ms, 10)+"ms")
}

// FioFiles are the files the jobs of f work on, relative to fio's
// directory: one shared, or fio's default name for each job's one file.
func FioFiles(f Fio) []string {
	if f.SharedFile {
		return []string{"shared"}
	}
	var out []string
	for j := range f.NumJobs {
		out = append(out, fmt.Sprintf("diag.%d.0", j))
	}
	return out
}

func boolArg(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
