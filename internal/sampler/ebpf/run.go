package ebpf

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nfstrace/nfstrace/internal/model"
)

type runRowKey struct {
	comm, op, client string
}

// collectRun turns the kernel's run-queue aggregates (bpf/core.bpf.c, run
// queue) into snap.Run rows: deltas since the previous call, keyed by comm,
// NFS operation and client.
func (t *Tracer) collectRun(snap *model.Snapshot) error {
	threads, err := drainThreads(t.rthreads, func(th *coreRthread) coreRkey { return th.Key })
	if err != nil {
		return fmt.Errorf("read rthreads: %w", err)
	}
	// Threads re-enter rthreads at their next time slice of the new generation.
	t.runGen++
	if v := t.coll.Variables["run_gen"]; v != nil {
		if err := v.Set(t.runGen); err != nil {
			return fmt.Errorf("set run_gen: %w", err)
		}
	}

	type runDelta struct {
		h                   model.Hist
		onCPU               uint64
		preempts, preemptNs uint64
		held                model.HeldBy
		outside             model.Waits
	}
	rows := make(map[runRowKey]*model.Run)
	err = eachDelta(t.rvals, t.prevR, func(cur, last *coreRval) (runDelta, bool) {
		prev := last
		if cur.Slices < prev.Slices { // the entry was recreated
			prev = &coreRval{}
		}
		d := runDelta{h: delta(&cur.Runnable, &prev.Runnable), onCPU: cur.OncpuNs - prev.OncpuNs,
			preempts: cur.PreemptCnt - prev.PreemptCnt, preemptNs: cur.PreemptNs - prev.PreemptNs,
			outside: model.Waits{Count: cur.OutsideCnt - prev.OutsideCnt, SumNs: cur.OutsideNs - prev.OutsideNs}}
		// Parts' order is bpf/core.bpf.c's HELD_*; the assignment fails
		// to compile when their numbers differ.
		var cnt, ns [model.HeldParts]uint64 = cur.HeldCnt, cur.HeldNs
		for i, w := range d.held.Parts() {
			w.Count, w.SumNs = cnt[i]-prev.HeldCnt[i], ns[i]-prev.HeldNs[i]
		}
		return d, cur.Slices != prev.Slices
	}, func(k *coreRkey, d *runDelta) {
		rk := runRowKey{comm: threadName(&k.Comm), op: t.op(k.Proto, k.Op), client: t.client(k.Family, k.Addr)}
		row := rows[rk]
		if row == nil {
			row = &model.Run{Comm: rk.comm, Op: rk.op, Client: rk.client, Preempted: &model.Preempted{}, HeldBy: &model.HeldBy{}}
			if t.btfTasks {
				row.Outside = &model.Waits{}
			}
			rows[rk] = row
		}
		if row.Outside != nil {
			row.Outside.Count += d.outside.Count
			row.Outside.SumNs += d.outside.SumNs
		}
		row.Runnable.Merge(&d.h)
		row.Preempted.Count += d.preempts
		row.Preempted.SumNs += d.preemptNs
		row.HeldBy.Add(&d.held)
		row.OnCPU += time.Duration(d.onCPU)
		row.Threads += threads[*k]
	})
	if err != nil {
		return fmt.Errorf("read rvals: %w", err)
	}
	for _, r := range rows {
		snap.Run = append(snap.Run, *r)
	}
	slices.SortFunc(snap.Run, func(a, b model.Run) int {
		return cmp.Or(cmp.Compare(b.Runnable.SumNs, a.Runnable.SumNs),
			strings.Compare(a.Comm+"\x00"+a.Op+"\x00"+a.Client, b.Comm+"\x00"+b.Op+"\x00"+b.Client))
	})
	return nil
}
