package diag

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/sys/unix"
)

// Recorder records the captures of a plan with the real nfstrace.
type Recorder struct {
	Host      Host
	Bin       string // nfstrace binary
	Version   string // its "nfstrace version" output
	MinDState time.Duration
	Force     bool      // re-record groups that already have a truth.json
	Log       io.Writer // progress, one line per capture
}

// Truth is the ground truth of one scenario at one length, written as
// truth.json next to its captures.
type Truth struct {
	Scenario    string         `json:"scenario"`
	Description string         `json:"description"`
	Cause       string         `json:"cause"`
	Change      string         `json:"change"`
	Set         string         `json:"set"`
	Length      string         `json:"length"`
	LengthSec   float64        `json:"length_seconds"`
	Nfstrace    string         `json:"nfstrace"`
	Recorded    time.Time      `json:"recorded"`
	Captures    []TruthCapture `json:"captures"`
	Effect      []Effect       `json:"effect"`
}

// TruthCapture is one capture and what fio measured during it.
type TruthCapture struct {
	File      string    `json:"file"`
	Condition string    `json:"condition"`
	Seed      int       `json:"seed"`
	Order     int       `json:"order"` // 0-based position in the recording sequence
	Fio       FioResult `json:"fio"`
}

// Effect is inj over base for one seed: IOPS over both directions, the
// mean per IO over both (PerIORatio, what the benchmark judges by), the
// rest from fio's main direction. Above 1 for latency or below 1 for IOPS
// means the injection made things worse.
type Effect struct {
	Seed      int     `json:"seed"`
	IOPSRatio float64 `json:"iops_ratio"`
	MeanRatio float64 `json:"clat_mean_ratio"`
	LatRatio  float64 `json:"lat_mean_ratio,omitempty"` // total latency (lat), from issue to completion
	// PerIORatio is the mean latency per IO, reads and writes together
	// (LatencyRatio): the benchmark's measure of the injection's effect.
	PerIORatio float64 `json:"per_io_mean_ratio,omitempty"`
	P50Ratio   float64 `json:"clat_p50_ratio"`
	P99Ratio   float64 `json:"clat_p99_ratio"`
}

// Record records every group of the plan in turn. A group whose truth.json
// exists is skipped unless Force is set, so an interrupted run resumes.
func (r Recorder) Record(ctx context.Context, groups []Group) error {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return fmt.Errorf("the CPUs this process may run on: %w", err)
	}
	if err := checkCPUs(groups, set.IsSet); err != nil {
		return err
	}
	for _, g := range groups {
		truthPath := filepath.Join(g.Dir, "truth.json")
		if _, err := os.Stat(truthPath); err == nil && !r.Force {
			fmt.Fprintf(r.Log, "%s/%s: have %s, skipped (-force re-records)\n", g.Scenario.Name, LengthName(g.Length), truthPath)
			continue
		}
		if err := os.MkdirAll(g.Dir, 0o755); err != nil {
			return err
		}
		t := Truth{
			Scenario: g.Scenario.Name, Description: g.Scenario.Description,
			Cause: g.Scenario.Cause, Change: g.Scenario.Change, Set: g.Scenario.Set,
			Length: LengthName(g.Length), LengthSec: g.Length.Seconds(),
			Nfstrace: r.Version, Recorded: time.Now().UTC().Truncate(time.Second),
		}
		for i, c := range g.Captures {
			res, err := r.capture(ctx, c)
			if err != nil {
				return fmt.Errorf("%s/%s %s: %w", c.Scenario.Name, LengthName(c.Length), c.Name(), err)
			}
			fmt.Fprintf(r.Log, "%s/%s %-6s %s\n", c.Scenario.Name, LengthName(c.Length), c.Name(), res)
			t.Captures = append(t.Captures, TruthCapture{File: c.Name() + ".nft", Condition: c.Condition, Seed: c.Seed, Order: i, Fio: res})
		}
		t.Effect = Effects(t.Captures)
		for _, e := range t.Effect {
			fmt.Fprintf(r.Log, "%s/%s seed %d: inj/base IOPS x%.2f, mean per IO x%.2f; main direction lat mean x%.2f, clat mean x%.2f, p50 x%.2f, p99 x%.2f\n",
				g.Scenario.Name, LengthName(g.Length), e.Seed, e.IOPSRatio, e.PerIORatio, e.LatRatio, e.MeanRatio, e.P50Ratio, e.P99Ratio)
		}
		b, err := json.MarshalIndent(t, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(truthPath+".tmp", append(b, '\n'), 0o644); err != nil {
			return err
		}
		if err := os.Rename(truthPath+".tmp", truthPath); err != nil {
			return err
		}
	}
	return nil
}

// checkCPUs rejects, before anything is recorded, a scenario whose cpus
// list names a CPU the recording may not run on (allowed): fio cannot pin
// itself there (diag/cpuset.sh leaves CPU 1 alone to the recording), and a
// run of many groups would stop at that scenario's first capture.
func checkCPUs(groups []Group, allowed func(int) bool) error {
	for _, g := range groups {
		for _, c := range []Condition{g.Scenario.Base, g.Scenario.Inj} {
			if c.CPUs == "" {
				continue
			}
			cpus, err := cpuList(c.CPUs)
			if err != nil {
				return fmt.Errorf("%s: cpus %w", g.Scenario.Name, err)
			}
			for _, n := range cpus {
				if !allowed(n) {
					return fmt.Errorf("%s: cpus = %s names CPU %d, which this recording may not run on", g.Scenario.Name, c.CPUs, n)
				}
			}
		}
	}
	return nil
}

// cpuList reads a CPU list such as 0, 1-3 or 0,2-3.
func cpuList(s string) ([]int, error) {
	var out []int
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil || a < 0 {
			return nil, fmt.Errorf("%q: want a CPU list such as 0 or 0-1", s)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a || b-a > 4096 {
				return nil, fmt.Errorf("%q: want a CPU list such as 0 or 0-1", s)
			}
		}
		for n := a; n <= b; n++ {
			out = append(out, n)
		}
	}
	return out, nil
}

// Effects pairs base-k with inj-k.
func Effects(cs []TruthCapture) []Effect {
	var out []Effect
	for _, b := range cs {
		if b.Condition != "base" {
			continue
		}
		for _, i := range cs {
			if i.Condition != "inj" || i.Seed != b.Seed {
				continue
			}
			bm, im := Mains(b.Fio, i.Fio)
			if bm == nil || im == nil {
				continue
			}
			out = append(out, Effect{
				Seed:       b.Seed,
				IOPSRatio:  ratio(i.Fio.IOPS(), b.Fio.IOPS()),
				MeanRatio:  ratio(im.ClatMeanUs, bm.ClatMeanUs),
				LatRatio:   ratio(im.LatMeanUs, bm.LatMeanUs),
				PerIORatio: LatencyRatio(b.Fio, i.Fio),
				P50Ratio:   ratio(im.ClatP50Us, bm.ClatP50Us),
				P99Ratio:   ratio(im.ClatP99Us, bm.ClatP99Us),
			})
		}
	}
	return out
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// capture sets up c's condition, starts nfstrace, starts fio once nfstrace
// has written its first snapshot, stops fio a second before nfstrace ends,
// and undoes the condition whatever happened.
func (r Recorder) capture(ctx context.Context, c Capture) (_ FioResult, err error) {
	if err := r.Host.WaitIdle(ctx, r.Log, 10*time.Minute); err != nil {
		return FioResult{}, err
	}
	env, err := r.Host.Setup(ctx, c.Cond(), c.Seed)
	if err != nil {
		return FioResult{}, fmt.Errorf("set up %s: %w", c.Condition, err)
	}
	defer func() {
		if cerr := env.Close(); cerr != nil {
			err = errors.Join(err, cerr)
		}
	}()

	path := c.Path()
	_ = os.Remove(path)
	nctx, cancelN := context.WithTimeout(ctx, c.Length+time.Minute)
	defer cancelN()
	nft := exec.CommandContext(nctx, r.Bin, "record", "--comm", "^fio$",
		"--min-dstate", r.MinDState.String(), "--duration", c.Length.String(), "-o", path)
	var nftErr bytes.Buffer
	nft.Stdout, nft.Stderr = &nftErr, &nftErr
	if err := nft.Start(); err != nil {
		return FioResult{}, fmt.Errorf("nfstrace: %w", err)
	}
	nftDone := make(chan struct{})
	var nftWaitErr error
	go func() { nftWaitErr = nft.Wait(); close(nftDone) }()
	waitNft := func() error {
		<-nftDone
		if err := nftWaitErr; err != nil {
			return fmt.Errorf("nfstrace record: %w: %s", err, firstLine(nftErr.String()))
		}
		return nil
	}

	started, err := firstSnapshot(ctx, path, nftDone)
	if err != nil {
		cancelN()
		return FioResult{}, errors.Join(err, waitNft())
	}
	runtime := c.Length - time.Since(started) - time.Second
	if runtime < time.Second {
		cancelN()
		return FioResult{}, errors.Join(fmt.Errorf("%v is too short: nfstrace took %v to its first snapshot", c.Length, time.Since(started).Round(time.Millisecond)), waitNft())
	}
	fctx, cancelF := context.WithTimeout(ctx, runtime+30*time.Second)
	defer cancelF()
	fio := env.FioCommand(fctx, FioArgs(c.Cond(), env.Mount, runtime, c.Seed, false))
	var fioOut, fioErr bytes.Buffer
	fio.Stdout, fio.Stderr = &fioOut, &fioErr
	ferr := fio.Run()
	nerr := waitNft()
	if ferr != nil {
		return FioResult{}, errors.Join(fmt.Errorf("fio: %w: %s", ferr, firstLine(fioErr.String())), nerr)
	}
	if nerr != nil {
		return FioResult{}, nerr
	}
	out := fioOut.Bytes()
	if i := bytes.IndexByte(out, '{'); i > 0 {
		out = out[i:] // fio may print a notice before the JSON
	}
	return ParseFio(out)
}

// firstSnapshot waits until nfstrace has created path and written to it
// once more (its first snapshot after the header), and returns when the
// file appeared, which is about when nfstrace's duration started.
func firstSnapshot(ctx context.Context, path string, done <-chan struct{}) (time.Time, error) {
	deadline := time.After(30 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	var created time.Time
	var size0 int64
	for {
		select {
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		case <-done:
			return time.Time{}, fmt.Errorf("nfstrace record ended before its first snapshot")
		case <-deadline:
			return time.Time{}, fmt.Errorf("nfstrace record wrote no snapshot in 30s")
		case <-tick.C:
		}
		fi, err := os.Stat(path)
		if err != nil {
			continue
		}
		if created.IsZero() {
			created, size0 = time.Now(), fi.Size()
			continue
		}
		if fi.Size() > size0 {
			return created, nil
		}
	}
}

// String is a one-line summary of fio's figures.
func (r FioResult) String() string {
	var b bytes.Buffer
	for _, d := range []struct {
		name string
		d    *Direction
	}{{"read", r.Read}, {"write", r.Write}} {
		if d.d != nil {
			fmt.Fprintf(&b, "%s %.0f IOPS lat mean %.0fus clat mean %.0fus p50 %.0fus p99 %.0fus  ", d.name, d.d.IOPS, d.d.LatMeanUs, d.d.ClatMeanUs, d.d.ClatP50Us, d.d.ClatP99Us)
		}
	}
	return string(bytes.TrimSpace(b.Bytes()))
}

// LoadTruths reads every truth.json under dir, in path order.
func LoadTruths(dir string) ([]Truth, error) {
	var out []Truth
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "truth.json" {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var t Truth
		if err := json.Unmarshal(b, &t); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		out = append(out, t)
		return nil
	})
	if err == nil && len(out) == 0 {
		err = fmt.Errorf("no truth.json under %s", dir)
	}
	return out, err
}

// WriteSummary prints one line per scenario, length and seed: fio's inj/base
// ratios, so that an injection that did not move the workload stands out.
func WriteSummary(w io.Writer, ts []Truth) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SET\tSCENARIO\tCAUSE\tLENGTH\tSEED\tIOPS inj/base\tCLAT MEAN inj/base\tP50 inj/base\tP99 inj/base")
	for _, t := range ts {
		for _, e := range t.Effect {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\tx%.2f\tx%.2f\tx%.2f\tx%.2f\n",
				t.Set, t.Scenario, t.Cause, t.Length, e.Seed, e.IOPSRatio, e.MeanRatio, e.P50Ratio, e.P99Ratio)
		}
	}
	return tw.Flush()
}
