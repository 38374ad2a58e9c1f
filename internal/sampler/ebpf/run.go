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

	rows := make(map[runRowKey]*model.Run)
	var k coreRkey
	var v coreRval
	seen := make(map[coreRkey]bool, len(t.prevR))
	it := t.rvals.Iterate()
	for it.Next(&k, &v) {
		seen[k] = true
		st := t.prevR[k]
		if st == nil {
			st = &kstate[coreRval]{}
			t.prevR[k] = st
		}
		prev := st.last
		if v.Slices < prev.Slices { // the entry was recreated
			prev = coreRval{}
		}
		h := delta(&v.Runnable, &prev.Runnable)
		on := v.OncpuNs - prev.OncpuNs
		n := v.Slices - prev.Slices
		st.last = v
		if n == 0 {
			st.idle++
			continue
		}
		st.idle = 0
		rk := runRowKey{comm: string(int8s(&k.Comm)), op: t.op(k.Proto, k.Op), client: t.client(k.Family, k.Addr)}
		row := rows[rk]
		if row == nil {
			row = &model.Run{Comm: rk.comm, Op: rk.op, Client: rk.client}
			rows[rk] = row
		}
		row.Runnable.Merge(&h)
		row.OnCPU += time.Duration(on)
		row.Threads += threads[k]
	}
	if err := it.Err(); err != nil {
		return fmt.Errorf("read rvals: %w", err)
	}
	forget(t.rvals, t.prevR, seen)
	for _, r := range rows {
		snap.Run = append(snap.Run, *r)
	}
	slices.SortFunc(snap.Run, func(a, b model.Run) int {
		return cmp.Or(cmp.Compare(b.Runnable.SumNs, a.Runnable.SumNs),
			strings.Compare(a.Comm+"\x00"+a.Op+"\x00"+a.Client, b.Comm+"\x00"+b.Op+"\x00"+b.Client))
	})
	return nil
}
