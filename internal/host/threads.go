package host

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// FindThreads lists the ids of the threads under proc (a procfs root) that
// s selects, and the io_uring workers of a process one of whose threads it
// selects by comm: they do that thread's IO when io_uring cannot at
// submission (buffered writes, for one, and the dirty-page throttling
// that comes with them), under names of their own (iou-wrk-TID).
func FindThreads(proc string, s Selector) (map[uint32]bool, error) {
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
		matched := false
		var workers []uint32
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
			switch {
			case err != nil:
			case s.Selects(pid, st):
				out[uint32(tid)], matched = true, true
			case st.IOWorker():
				workers = append(workers, uint32(tid))
			}
		}
		if matched {
			for _, tid := range workers {
				out[tid] = true
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
func readStat(path string, buf []byte) (Stat, error) {
	f, err := os.Open(path)
	if err != nil {
		return Stat{}, err
	}
	defer f.Close()
	n, err := f.Read(buf)
	if err != nil {
		return Stat{}, err
	}
	return ParseStat(buf[:n])
}
