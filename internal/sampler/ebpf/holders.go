package ebpf

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/cilium/ebpf/btf"

	"github.com/nfstrace/nfstrace/internal/model"
)

// ProbeHolders is the probe that names the tasks the traced threads'
// run-queue waits ended behind (Snapshot.Holders).
const ProbeHolders = "cpu_holders"

// planHolders decides, once at start, whether the holders map is read and
// how its names are made, and records that as ProbeHolders. The programs
// make the same choice by CO-RE field probes (worker_desc in
// bpf/core.bpf.c), never by kernel version.
func (t *Tracer) planHolders(variant string, switched bool) {
	if !switched {
		t.probe(ProbeHolders, model.ProbeUnavailable, "sched_switch not attached")
		return
	}
	t.holders = t.coll.Maps["holders"]
	detail := "sched_switch (" + variant + "): the tasks not traced whose CPU the traced threads waited for, by command name"
	if why := workerDescWhy(t.btfSpec()); why != "" {
		t.probe(ProbeHolders, model.ProbeFallback, detail+"; workqueue workers by theirs too (kworker): "+why)
		return
	}
	t.probe(ProbeHolders, model.ProbeAttached, detail+"; workqueue workers by their last work (its workqueue, or what the work set)")
}

// workerDescWhy says why the programs cannot read a workqueue worker's
// work description in this kernel's types, "" when they can: they follow
// task_struct.worker_private (5.17+) to struct kthread's data, the
// worker, and read its desc.
func workerDescWhy(spec *btf.Spec) string {
	if spec == nil {
		return "no kernel BTF read"
	}
	for _, f := range [][2]string{{"task_struct", "worker_private"}, {"kthread", "data"}, {"worker", "desc"}} {
		if !hasMember(spec, f[0], f[1]) {
			return fmt.Sprintf("struct %s has no %s in this kernel", f[0], f[1])
		}
	}
	return ""
}

// hasMember reports whether a struct named name in spec has a member
// member, directly or in one of its anonymous structs and unions.
func hasMember(spec *btf.Spec, name, member string) bool {
	types, err := spec.AnyTypesByName(name)
	if err != nil {
		return false
	}
	for _, typ := range types {
		if s, ok := typ.(*btf.Struct); ok && membersHave(s.Members, member) {
			return true
		}
	}
	return false
}

func membersHave(members []btf.Member, name string) bool {
	for _, m := range members {
		if m.Name == name {
			return true
		}
		if m.Name != "" {
			continue
		}
		switch u := btf.UnderlyingType(m.Type).(type) {
		case *btf.Struct:
			if membersHave(u.Members, name) {
				return true
			}
		case *btf.Union:
			if membersHave(u.Members, name) {
				return true
			}
		}
	}
	return false
}

// holderName is the name a holder key is counted under: a workqueue
// worker's work description as it is, a command name as Run rows count
// theirs (model.ThreadName: "ksoftirqd/1" is "ksoftirqd").
func holderName(k *coreHkey) string {
	name := string(int8s(&k.Name))
	if k.Work != 0 {
		return name
	}
	return model.ThreadName(name)
}

// collectHolders turns the kernel's holder aggregates (bpf/core.bpf.c,
// holders) into snap.Holders: deltas since the previous call, by name,
// the most time first. Those without waits in the interval are left out,
// and no row leaves Holders nil: the Run rows' HeldBy, set wherever this
// backend reads holders, says the split is known.
func (t *Tracer) collectHolders(snap *model.Snapshot) error {
	type rowKey struct {
		name         string
		kernel, work bool
	}
	rows := make(map[rowKey]*model.CPUHolder)
	err := eachDelta(t.holders, t.prevH, func(cur, last *coreHval) (model.Waits, bool) {
		prev := *last
		if cur.Cnt < prev.Cnt { // the entry was recreated
			prev = coreHval{}
		}
		return model.Waits{Count: cur.Cnt - prev.Cnt, SumNs: cur.Ns - prev.Ns}, cur.Cnt != prev.Cnt
	}, func(k *coreHkey, d *model.Waits) {
		rk := rowKey{name: holderName(k), kernel: k.Kernel != 0, work: k.Work != 0}
		row := rows[rk]
		if row == nil {
			row = &model.CPUHolder{Name: rk.name, Kernel: rk.kernel, Work: rk.work}
			rows[rk] = row
		}
		row.Count += d.Count
		row.SumNs += d.SumNs
	})
	if err != nil {
		return fmt.Errorf("read holders: %w", err)
	}
	for _, r := range rows {
		snap.Holders = append(snap.Holders, *r)
	}
	sortHolders(snap.Holders)
	return nil
}

// sortHolders orders holders by wait time, the most first, then by name,
// kernel threads before processes, and work before command names.
func sortHolders(h []model.CPUHolder) {
	rank := func(b bool) int {
		if b {
			return 0
		}
		return 1
	}
	slices.SortFunc(h, func(a, b model.CPUHolder) int {
		return cmp.Or(cmp.Compare(b.SumNs, a.SumNs), strings.Compare(a.Name, b.Name),
			cmp.Compare(rank(a.Kernel), rank(b.Kernel)), cmp.Compare(rank(a.Work), rank(b.Work)))
	})
}
