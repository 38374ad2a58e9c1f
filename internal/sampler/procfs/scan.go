package procfs

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/nfstrace/nfstrace/internal/host"

	"github.com/nfstrace/nfstrace/internal/model"
)

// candidate is a thread found in the listing of /proc.
type candidate struct{ pid, tid int32 }

// rescan lists the host's threads, adopts new targets and retires the ones
// that are gone. It runs on the rescan goroutine (and once in New); it holds
// the sampling lock only to swap the target list.
//
// Threads already sampled and alive are not read again. Other threads are
// read on every rescan, because a comm can change (PR_SET_NAME): their comm
// file (about 1.5 us) and, if it matches, their stat.
func (t *Tracer) rescan() error {
	cands, err := t.list()
	if err != nil {
		return err
	}
	listed := make(map[int32]bool, len(t.known))
	var added []*target
	var buf [1024]byte
	for _, c := range cands {
		if listed[c.tid] {
			continue
		}
		if tg := t.known[c.tid]; tg != nil && !tg.retired.Load() {
			listed[c.tid] = true
			continue
		}
		dir := t.proc + "/" + strconv.Itoa(int(c.pid)) + "/task/" + strconv.Itoa(int(c.tid))
		if !t.sel.All && !t.sel.PIDs[int(c.pid)] {
			// Selected by comm only: the comm file costs a third of stat.
			b, err := readInto(dir+"/comm", buf[:])
			if err != nil || !t.sel.Comm.Match(bytes.TrimSuffix(b, []byte("\n"))) {
				continue
			}
		}
		b, err := readInto(dir+"/stat", buf[:])
		if err != nil {
			continue // exited since the listing
		}
		st, err := host.ParseStat(b)
		if err != nil {
			continue
		}
		if !t.sel.Selects(int(c.pid), st) {
			continue
		}
		fd, err := unix.Open(dir+"/stat", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			if errors.Is(err, unix.EMFILE) || errors.Is(err, unix.ENFILE) {
				return fmt.Errorf("open %s: %w (raise the open-file limit to sample this many threads)", dir+"/stat", err)
			}
			continue
		}
		tg := &target{pid: c.pid, tid: c.tid, comm: model.ThreadName(string(st.Comm)), dir: dir, fd: fd, ssfd: -1,
			user: t.aioOK && !st.Kthread()}
		// Without schedstat (CONFIG_SCHED_INFO off, or out of files) the
		// thread is still sampled, from stat alone.
		if ssfd, err := unix.Open(dir+"/schedstat", unix.O_RDONLY|unix.O_CLOEXEC, 0); err == nil {
			tg.ssfd = ssfd
			tg.run = readRunTrack(ssfd)
		}
		t.known[c.tid] = tg
		listed[c.tid] = true
		added = append(added, tg)
	}
	var gone []*target
	for tid, tg := range t.known {
		if !listed[tid] {
			gone = append(gone, tg)
			delete(t.known, tid)
		}
	}
	if len(added) == 0 && len(gone) == 0 {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.clock()
	for _, tg := range gone {
		if tg.fd >= 0 {
			t.retire(tg, now)
		}
	}
	live := t.targets[:0]
	for _, tg := range t.targets {
		if tg.fd >= 0 {
			live = append(live, tg)
		}
	}
	clear(t.targets[len(live):])
	t.targets = append(live, added...)
	return nil
}

// list returns the threads that may be targets. For the default targets (nfsd
// kernel threads) it lists processes only: a kernel thread is a process of one
// thread.
func (t *Tracer) list() ([]candidate, error) {
	if !t.sel.All && t.sel.Comm == nil {
		var out []candidate
		for p := range t.sel.PIDs {
			out = t.listTasks(out, int32(p))
		}
		return out, nil
	}
	d, err := os.Open(t.proc)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", t.proc, err)
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", t.proc, err)
	}
	out := make([]candidate, 0, len(names))
	for _, n := range names {
		p, err := strconv.ParseInt(n, 10, 32)
		if err != nil || p <= 0 {
			continue
		}
		if t.sel.KthreadOnly {
			out = append(out, candidate{int32(p), int32(p)})
			continue
		}
		out = t.listTasks(out, int32(p))
	}
	return out, nil
}

func (t *Tracer) listTasks(out []candidate, pid int32) []candidate {
	d, err := os.Open(t.proc + "/" + strconv.Itoa(int(pid)) + "/task")
	if err != nil {
		return out // exited
	}
	names, _ := d.Readdirnames(-1)
	d.Close()
	for _, n := range names {
		if tid, err := strconv.ParseInt(n, 10, 32); err == nil && tid > 0 {
			out = append(out, candidate{pid, int32(tid)})
		}
	}
	return out
}
