package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/nfstrace/nfstrace/internal/model"
	"github.com/nfstrace/nfstrace/internal/sampler"
	"github.com/nfstrace/nfstrace/internal/sampler/ebpf"
)

// runCheck loads and attaches the eBPF programs (core and nfsd), prints each probe's status
// and why, and fails when nothing useful attached. With --hold it keeps
// tracing (collecting once per --interval, as top and record do) until the
// duration ends or a signal arrives, then prints what it measured: a way to
// measure the tracer's own cost.
func runCheck(ctx context.Context, io stdio, args []string) error {
	fs := newFlagSet(io, "check")
	var sf sourceFlags
	sf.register(fs)
	hold := fs.Duration("hold", 0, "keep tracing for this long (0: load, report and exit; negative: until a signal)")
	verbose := fs.Bool("v", false, "log what the loader does")
	if err := parseFlags(io, fs, args); err != nil {
		return err
	}
	tg, err := sf.validate(io.err)
	if err != nil {
		return err
	}
	btfSrc := filepath.Join(sf.sysfs, "kernel", "btf", "vmlinux")
	if sf.kernelBTF != "" {
		btfSrc = sf.kernelBTF
	}
	fmt.Fprintf(io.out, "kernel BTF: %s\n", btfSrc)
	start := time.Now()
	tr, err := sampler.OpenEBPF(sf.tracerOptions(tg, newLogger(io.err, *verbose)))
	if err != nil {
		fmt.Fprintf(io.out, "ebpf: unavailable: %v\n", err)
		return fmt.Errorf("check: no eBPF probe attached: %w", err)
	}
	defer tr.Close()
	loadTime := time.Since(start)

	b := tr.Backend()
	w := tabwriter.NewWriter(io.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "PROBE\tSTATUS\tDETAIL")
	for _, p := range b.Probes {
		fmt.Fprintf(w, "%s\t%s\t%s\n", p.Name, p.Status, p.Detail)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(io.out, "backend: %s; load and attach: %v\n", b.Detail, loadTime.Round(time.Millisecond))
	if n := tr.Targets(); n >= 0 {
		fmt.Fprintf(io.out, "targets: %s: %d threads now\n", tg.String(), n)
	} else {
		fmt.Fprintf(io.out, "targets: %s\n", tg.String())
	}
	if !useful(b.Probes) {
		return errors.New("check: neither the D-state nor the block probes attached")
	}
	if *hold == 0 {
		return nil
	}
	return holdTracing(ctx, io, tr, sf.interval, *hold)
}

// useful reports whether D-state or block latency can be measured.
func useful(probes []model.Probe) bool {
	ok := func(name string) bool {
		for _, p := range probes {
			if p.Name == name && p.Status != model.ProbeUnavailable {
				return true
			}
		}
		return false
	}
	return ok("sched_switch") || (ok("block_rq_issue") && (ok("block_io_done") || ok("block_rq_complete")))
}

// holdTracing collects every interval until hold ends (never for a negative
// hold) or ctx is cancelled, then prints totals.
func holdTracing(ctx context.Context, io stdio, tr *ebpf.Tracer, interval, hold time.Duration) error {
	if hold > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, hold)
		defer cancel()
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	var dstate, block, events, lost uint64
	start := time.Now()
	collect := func() error {
		var s model.Snapshot
		if err := tr.Collect(&s); err != nil {
			return fmt.Errorf("collect: %w", err)
		}
		for _, d := range s.DState {
			dstate += d.Hist.Count
		}
		for _, b := range s.Block {
			block += b.Service.Count
		}
		events += s.Stats.Events
		lost += s.Stats.Lost
		return nil
	}
	for {
		select {
		case <-ctx.Done():
			if err := collect(); err != nil {
				return err
			}
			fmt.Fprintf(io.out, "traced %v: %d D-state intervals, %d block requests, %d events, %d lost\n",
				time.Since(start).Round(time.Millisecond), dstate, block, events, lost)
			if err := rss(io); err != nil {
				fmt.Fprintf(io.err, "nfstrace: %v\n", err)
			}
			return nil
		case <-tick.C:
			if err := collect(); err != nil {
				return err
			}
		}
	}
}

// rss prints the process's current and peak resident memory.
func rss(io stdio) error {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return fmt.Errorf("read /proc/self/status: %w", err)
	}
	var hwm, cur string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "VmHWM:":
			hwm = f[1]
		case "VmRSS:":
			cur = f[1]
		}
	}
	fmt.Fprintf(io.out, "resident memory: %s kB now, %s kB peak\n", cur, hwm)
	return nil
}
