// Command bpfstat reads the kernel's own run-time accounting of the loaded
// eBPF programs (kernel.bpf_stats_enabled=1) where bpftool is not at hand, as
// in the lab guest, and turns two readings into a cost per unit of work.
//
//	bpfstat snap > before.tsv        # id, type, run count, run ns, name
//	bpfstat diff -skip pre.tsv -per 12345 before.tsv after.tsv
//
// diff prints, for every program in after that is not in the skip reading
// (programs that were loaded before the tracer), its calls, ns per call and
// ns per unit (-per: the units of work done between the two readings, such
// as the NFS requests nfsd answered), and the sum over the programs.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/cilium/ebpf"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "bpfstat: %v\n", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: bpfstat snap | bpfstat diff [-skip FILE] [-per N] BEFORE AFTER")
	}
	switch args[0] {
	case "snap":
		progs, err := snap()
		if err != nil {
			return err
		}
		return write(out, progs)
	case "diff":
		fs := flag.NewFlagSet("bpfstat diff", flag.ContinueOnError)
		skip := fs.String("skip", "", "a reading whose programs are left out (loaded before the tracer)")
		per := fs.Float64("per", 0, "units of work done between BEFORE and AFTER (0: no per-unit column)")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if fs.NArg() != 2 {
			return errors.New("diff: want BEFORE and AFTER readings")
		}
		var skipped []prog
		if *skip != "" {
			var err error
			if skipped, err = readFile(*skip); err != nil {
				return err
			}
		}
		before, err := readFile(fs.Arg(0))
		if err != nil {
			return err
		}
		after, err := readFile(fs.Arg(1))
		if err != nil {
			return err
		}
		render(out, diff(skipped, before, after), *per)
		return nil
	}
	return fmt.Errorf("unknown command %q (want snap or diff)", args[0])
}

// prog is one program's reading.
type prog struct {
	ID    uint32
	Type  string
	Calls uint64
	NS    uint64
	Name  string
}

// snap reads every loaded program's run count and run time.
func snap() ([]prog, error) {
	var progs []prog
	id := ebpf.ProgramID(0)
	for {
		next, err := ebpf.ProgramGetNextID(id)
		if errors.Is(err, os.ErrNotExist) {
			return progs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("next program after %d: %w", id, err)
		}
		id = next
		p, err := ebpf.NewProgramFromID(id)
		if errors.Is(err, os.ErrNotExist) {
			continue // unloaded since
		}
		if err != nil {
			return nil, fmt.Errorf("program %d: %w", id, err)
		}
		info, ierr := p.Info()
		stats, serr := p.Stats()
		p.Close()
		if ierr != nil {
			return nil, fmt.Errorf("program %d info: %w", id, ierr)
		}
		if serr != nil {
			return nil, fmt.Errorf("program %d stats: %w", id, serr)
		}
		progs = append(progs, prog{ID: uint32(id), Type: info.Type.String(), Calls: stats.RunCount,
			NS: uint64(stats.Runtime.Nanoseconds()), Name: info.Name})
	}
}

func write(w io.Writer, progs []prog) error {
	for _, p := range progs {
		if _, err := fmt.Fprintf(w, "%d\t%s\t%d\t%d\t%s\n", p.ID, p.Type, p.Calls, p.NS, p.Name); err != nil {
			return err
		}
	}
	return nil
}

func readFile(path string) ([]prog, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	progs, err := parse(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return progs, nil
}

// parse reads what snap wrote.
func parse(r io.Reader) ([]prog, error) {
	var progs []prog
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		if sc.Text() == "" {
			continue
		}
		f := strings.SplitN(sc.Text(), "\t", 5)
		if len(f) != 5 {
			return nil, fmt.Errorf("line %d: want 5 tab-separated fields, got %d", n, len(f))
		}
		id, err1 := strconv.ParseUint(f[0], 10, 32)
		calls, err2 := strconv.ParseUint(f[2], 10, 64)
		ns, err3 := strconv.ParseUint(f[3], 10, 64)
		if err := errors.Join(err1, err2, err3); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		progs = append(progs, prog{ID: uint32(id), Type: f[1], Calls: calls, NS: ns, Name: f[4]})
	}
	return progs, sc.Err()
}

// diff returns each program of after not in skip, with the calls and run
// time it gained since before (all of them when it was loaded since),
// busiest first.
func diff(skip, before, after []prog) []prog {
	old := map[uint32]bool{}
	for _, p := range skip {
		old[p.ID] = true
	}
	start := map[uint32]prog{}
	for _, p := range before {
		start[p.ID] = p
	}
	var out []prog
	for _, p := range after {
		if old[p.ID] {
			continue
		}
		s := start[p.ID]
		if p.Calls < s.Calls || p.NS < s.NS {
			s = prog{} // the ID was reused by a program loaded since
		}
		p.Calls -= s.Calls
		p.NS -= s.NS
		out = append(out, p)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].NS > out[j].NS })
	return out
}

func render(w io.Writer, progs []prog, per float64) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := "calls\tns/call\tns total\t"
	if per > 0 {
		head += "calls/unit\tns/unit\t"
	}
	fmt.Fprintln(tw, head+"type\tprogram\t")
	var calls, ns uint64
	for _, p := range progs {
		if p.Calls == 0 {
			continue
		}
		calls += p.Calls
		ns += p.NS
		fmt.Fprintf(tw, "%s\t%s\t", row(p.Calls, p.NS, per), p.Type)
		fmt.Fprintf(tw, "%s\t\n", p.Name)
	}
	fmt.Fprintf(tw, "%s\t\tall\t\n", row(calls, ns, per))
	tw.Flush()
}

func row(calls, ns uint64, per float64) string {
	s := fmt.Sprintf("%d\t%.0f\t%d\t", calls, float64(ns)/max(float64(calls), 1), ns)
	if per > 0 {
		s += fmt.Sprintf("%.2f\t%.0f\t", float64(calls)/per, float64(ns)/per)
	}
	return strings.TrimSuffix(s, "\t")
}
