package ebpf

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/host"
	"github.com/nfstrace/nfstrace/internal/model"
	"github.com/nfstrace/nfstrace/internal/testenv"
)

// TestLockOwners: 16 dd processes append to one file on ext4 with
// O_DIRECT|O_DSYNC, so each write extends the file under the inode's
// i_rwsem taken for writing, held across the device wait. The waiters show
// as rwsem-write waits whose owner is one of the writers, itself often in D,
// a row per owner; the owner's kernel stack, read as soon as a row names
// it, is in the write path.
func TestLockOwners(t *testing.T) {
	_, mnt := newExt4(t, 256<<20)
	file := filepath.Join(mnt, "shared")
	const writers = 16
	var cmds []*exec.Cmd
	var stdins []io.WriteCloser
	pids := map[int]bool{}
	var pidList []int
	for i := range writers {
		// Each writer appends in a region of its own: every write extends the file.
		cmd, in := commandOnCue(t, "dd", "if=/dev/zero", "of="+file, "bs=4k", "count=150", fmt.Sprintf("seek=%d", i*1000),
			"oflag=direct,dsync", "conv=notrunc", "status=none")
		cmds, stdins = append(cmds, cmd), append(stdins, in)
		pids[cmd.Process.Pid] = true
		pidList = append(pidList, cmd.Process.Pid)
	}
	tr := newLiveTracer(t, Options{Targets: host.Targets{PIDs: pidList}, Disable: []string{"block"}})
	if p := probeOf(tr, "contention_begin"); p.Status == model.ProbeUnavailable {
		testenv.Skip(t, "lock contention probe unavailable: "+p.Detail)
	}
	collect(t, tr)
	for _, in := range stdins {
		fmt.Fprintln(in)
	}
	done := make(chan error, 1)
	go func() {
		var err error
		for _, c := range cmds {
			if e := c.Wait(); e != nil && err == nil {
				err = e
			}
		}
		done <- err
	}()

	var rows []model.LockWait
	var ownerStacks, ownerInWrite, turns int
	var finished bool
	for !finished {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("dd: %v", err)
			}
			finished = true
		case <-time.After(100 * time.Millisecond):
		}
		s := collect(t, tr)
		owners := map[[2]string]map[int]bool{}
		for _, r := range s.Locks {
			if r.OwnerTID != 0 {
				k := [2]string{r.Lock, string(r.WaitSite)}
				if owners[k] == nil {
					owners[k] = map[int]bool{}
				}
				owners[k][r.OwnerTID] = true
			}
		}
		for _, tids := range owners {
			if len(tids) > 1 {
				turns++
				break
			}
		}
		for _, r := range s.Locks {
			rows = append(rows, r)
			if r.OwnerTID == 0 || !pids[r.OwnerTID] {
				continue
			}
			// Read the owner's stack now: it writes in a loop, so it is in
			// the write path unless it is between two writes.
			b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stack", r.OwnerTID))
			if err != nil {
				continue // exited
			}
			ownerStacks++
			if strings.Contains(string(b), "write") {
				ownerInWrite++
			}
		}
	}
	var waits, known, ours uint64
	for _, r := range rows {
		if r.Kind != model.LockRWSemWrite || !strings.Contains(string(r.WaitSite), "write") {
			continue
		}
		waits += r.Waits
		if r.OwnerTID != 0 {
			known += r.OwnerWaits
			if pids[r.OwnerTID] {
				ours += r.OwnerWaits
			}
		}
		t.Logf("%d %s waits, %v (max %d waiters) on %s %s at %s; owner %s/%d (%d waits) in %s at %s",
			r.Waits, r.Comm, r.Time, r.MaxWaiters, r.Kind, r.Lock, r.WaitSite, r.Owner, r.OwnerTID, r.OwnerWaits, r.OwnerState, r.OwnerSite)
	}
	if waits == 0 {
		t.Fatalf("no rwsem-write waits in the write path among %d lock rows", len(rows))
	}
	if known == 0 || ours != known {
		t.Errorf("owners known for %d waits, %d of them writers of the file: want some, and all writers", known, ours)
	}
	// The writers take turns holding the lock, each wait counts under the
	// owner that held it when the wait began or, when it was between two
	// holders then, when the waiter went to sleep, or else the writer that
	// took the lock after waiting while this wait went on. A writer that
	// released it is often the next to wait, before the woken waiter took
	// it: from the start alone the owner was known for 19% of the waits
	// here (6.18, 2 CPUs), with the sleep 45-70%, with the taker 97-99%.
	t.Logf("owners known for %d of %d waits (%.0f%%); %d snapshots had two owners or more of one lock and site",
		known, waits, 100*float64(known)/float64(waits), turns)
	if 4*known < 3*waits {
		t.Errorf("owners known for %d of %d waits: want three quarters or more", known, waits)
	}
	// Owners that took turns within one interval each have a row.
	if turns == 0 {
		t.Errorf("no snapshot had two owners of one lock and wait site: the writers did not take turns, or the rows lost them")
	}
	t.Logf("owner stacks read: %d, in the write path: %d", ownerStacks, ownerInWrite)
	if ownerInWrite == 0 {
		t.Errorf("no owner's /proc stack was in the write path (%d read)", ownerStacks)
	}
}

func probeOf(tr *Tracer, name string) model.Probe {
	for _, p := range tr.Backend().Probes {
		if p.Name == name {
			return p
		}
	}
	return model.Probe{Name: name, Status: model.ProbeUnavailable, Detail: "not planned"}
}

// TestLockKprobeFallback: with the lock tracepoints set aside, the tracer
// probes the slow paths instead (kernels before 5.19). Where kprobes cannot
// attach (this project's CI host has none) the lock probe says so with a
// reason and everything else still runs; where they can, it is a fallback
// naming the functions. The lab's 5.10 guest checks the owners it finds.
func TestLockKprobeFallback(t *testing.T) {
	tr := newLiveTracer(t, Options{Targets: host.Targets{PIDs: []int{os.Getpid()}}, Disable: []string{"block"}, forceLockKprobes: true})
	p := probeOf(tr, "contention_begin")
	t.Logf("contention_begin: %s: %s", p.Status, p.Detail)
	switch p.Status {
	case model.ProbeFallback:
		if !strings.Contains(p.Detail, "kprobe on rwsem_down_write_slowpath") {
			t.Errorf("fallback detail %q does not name the rwsem slow path", p.Detail)
		}
		if tr.lhists == nil {
			t.Error("the kprobes attached but lock waits are not collected")
		}
	case model.ProbeUnavailable:
		if !strings.Contains(p.Detail, "kprobe fallback: ") || !strings.HasSuffix(p.Detail, "no lock owners") {
			t.Errorf("unavailable without the fallback's reason: %q", p.Detail)
		}
		if tr.lhists != nil {
			t.Error("no lock probe attached, yet lock waits are collected")
		}
	default:
		t.Errorf("contention_begin %s, want fallback or unavailable", p.Status)
	}
	if s := probeOf(tr, "sched_switch"); s.Status != model.ProbeAttached {
		t.Errorf("sched_switch %s (%s): the lock fallback must not cost the D-state probes", s.Status, s.Detail)
	}
	if tr.lockColl != nil && p.Status != model.ProbeFallback {
		t.Error("the slow-path programs stay loaded although none attached")
	}
	collect(t, tr)
}
