package ebpf

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/cilium/ebpf"

	"github.com/nfstrace/nfstrace/internal/host"
)

// findTargets lists the thread ids under proc that s selects.
func findTargets(proc string, s host.Selector) (map[uint32]bool, error) {
	d, err := os.Open(proc)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", proc, err)
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", proc, err)
	}
	out := make(map[uint32]bool)
	var buf [1024]byte
	for _, n := range names {
		pid, err := strconv.Atoi(n)
		if err != nil {
			continue
		}
		if s.Comm == nil && !s.PIDs[pid] {
			continue
		}
		taskDir := filepath.Join(proc, n, "task")
		if s.KthreadOnly && !s.PIDs[pid] {
			// A kernel thread is a process of one thread: read the process's stat only.
			st, err := readStat(filepath.Join(proc, n, "stat"), buf[:])
			if err == nil && s.Selects(pid, st) {
				out[uint32(pid)] = true
			}
			continue
		}
		tids, err := readDirNames(taskDir)
		if err != nil {
			continue // exited
		}
		for _, tn := range tids {
			tid, err := strconv.Atoi(tn)
			if err != nil {
				continue
			}
			if s.PIDs[pid] {
				out[uint32(tid)] = true
				continue
			}
			st, err := readStat(filepath.Join(taskDir, tn, "stat"), buf[:])
			if err == nil && s.Selects(pid, st) {
				out[uint32(tid)] = true
			}
		}
	}
	return out, nil
}

func readDirNames(dir string) ([]string, error) {
	d, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return d.Readdirnames(-1)
}

// readStat reads and parses a stat file into buf; the Stat's Comm aliases buf.
func readStat(path string, buf []byte) (host.Stat, error) {
	f, err := os.Open(path)
	if err != nil {
		return host.Stat{}, err
	}
	defer f.Close()
	n, err := f.Read(buf)
	if err != nil {
		return host.Stat{}, err
	}
	return host.ParseStat(buf[:n])
}

// scanTargets brings the kernel's targets map up to date with /proc.
func (t *Tracer) scanTargets() error {
	want, err := findTargets(t.opts.Proc, t.opts.Targets.Selector())
	if err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil
	}
	var one uint8 = 1
	var zero coreRunstate
	var errs int
	for tid := range want {
		if !t.current[tid] {
			if err := t.targets.Put(tid, one); err != nil {
				errs++
				continue
			}
			// An entry in runs makes the thread a target of the
			// run-queue programs; an existing one keeps its state.
			if t.runs != nil {
				if err := t.runs.Update(tid, &zero, ebpf.UpdateNoExist); err != nil && !errors.Is(err, ebpf.ErrKeyExist) {
					errs++
				}
			}
			t.current[tid] = true
		}
	}
	for tid := range t.current {
		if !want[tid] {
			_ = t.targets.Delete(tid)
			if t.runs != nil {
				_ = t.runs.Delete(tid)
			}
			delete(t.current, tid)
		}
	}
	t.targetN = len(t.current)
	if v := t.coll.Variables["nr_targets"]; v != nil {
		if err := v.Set(uint32(len(t.current))); err != nil {
			return fmt.Errorf("set nr_targets: %w", err)
		}
	}
	if errs > 0 {
		return fmt.Errorf("targets map: %d threads could not be added (map full?)", errs)
	}
	return nil
}

// scanLoop rescans the targets until Close.
func (t *Tracer) scanLoop() {
	defer close(t.scanDone)
	tick := time.NewTicker(t.opts.Rescan)
	defer tick.Stop()
	for {
		select {
		case <-t.stop:
			return
		case <-tick.C:
			if err := t.scanTargets(); err != nil {
				t.log.Warn("ebpf target scan", "err", err)
			}
		}
	}
}
