package ebpf

import (
	"fmt"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"
	"github.com/cilium/ebpf/link"

	"github.com/nfstrace/nfstrace/internal/model"
)

// Values of NFSDOptions.NoIdle: which tracepoint counts the requests that
// found no idle nfsd thread.
const (
	NoIdleAuto    = "auto"    // what the kernel has, probed once at load
	NoIdlePool    = "pool"    // svc_pool_thread_wake/_running/_noidle (6.17 on)
	NoIdleEnqueue = "enqueue" // svc_xprt_enqueue (svc_xprt_do_enqueue before 5.11) with the woken thread as argument
	NoIdleOff     = "off"     // none: the count is unknown
)

// NoIdleChoices lists the NoIdle values, for the flag's help and checks.
var NoIdleChoices = []string{NoIdleAuto, NoIdlePool, NoIdleEnqueue, NoIdleOff}

// noIdlePlan is the tracepoint choice for one kernel.
type noIdlePlan struct {
	mode string // NoIdlePool or NoIdleEnqueue; "" none
	// enqueue is the name of the enqueue tracepoint (mode NoIdleEnqueue).
	enqueue string
	why     string // why none, when mode is ""
}

// planNoIdle picks the no-idle tracepoint from the kernel's BTF: the
// svc_pool_thread_noidle tracepoint where it exists, else an enqueue
// tracepoint whose second argument is a struct svc_rqst pointer (the thread
// it woke, NULL when none was idle). Tracepoints are told apart by their
// btf_trace_<name> typedefs, which the kernel defines for each one, in the
// BTF of the module (sunrpc) that has them. want forces a mode.
func planNoIdle(specs []*btf.Spec, want string) noIdlePlan {
	if want == NoIdleOff {
		return noIdlePlan{why: "turned off (--nfsd-noidle off)"}
	}
	if want != NoIdleEnqueue {
		if _, ok := tracepointProto(specs, "svc_pool_thread_noidle"); ok || want == NoIdlePool {
			return noIdlePlan{mode: NoIdlePool}
		}
	}
	var seen []string
	for _, name := range []string{"svc_xprt_enqueue", "svc_xprt_do_enqueue"} {
		fp, ok := tracepointProto(specs, name)
		if !ok {
			continue
		}
		if len(fp.Params) >= 3 && isStructPtr(fp.Params[2].Type, "svc_rqst") {
			return noIdlePlan{mode: NoIdleEnqueue, enqueue: name}
		}
		seen = append(seen, name)
	}
	if want == NoIdleEnqueue {
		return noIdlePlan{mode: NoIdleEnqueue, enqueue: "svc_xprt_enqueue"}
	}
	if len(seen) > 0 {
		return noIdlePlan{why: "this kernel has neither svc_pool_thread_noidle nor a thread argument to " + strings.Join(seen, "/") + ": unknown"}
	}
	return noIdlePlan{why: "no svc_pool_thread_noidle or svc_xprt_enqueue tracepoint in the kernel's BTF: unknown"}
}

// tracepointProto returns the prototype of tracepoint name's probe
// functions, from its btf_trace_<name> typedef (a pointer to a function
// whose first parameter is the probe's data, then the tracepoint's
// arguments).
func tracepointProto(specs []*btf.Spec, name string) (*btf.FuncProto, bool) {
	for _, s := range specs {
		if s == nil {
			continue
		}
		var td *btf.Typedef
		if err := s.TypeByName("btf_trace_"+name, &td); err != nil {
			continue
		}
		ptr, ok := btf.UnderlyingType(td.Type).(*btf.Pointer)
		if !ok {
			continue
		}
		if fp, ok := btf.UnderlyingType(ptr.Target).(*btf.FuncProto); ok {
			return fp, true
		}
	}
	return nil, false
}

// isStructPtr reports whether t is a pointer to struct name (qualifiers
// and typedefs skipped).
func isStructPtr(t btf.Type, name string) bool {
	ptr, ok := btf.UnderlyingType(t).(*btf.Pointer)
	if !ok {
		return false
	}
	st, ok := btf.UnderlyingType(ptr.Target).(*btf.Struct)
	return ok && st.Name == name
}

// tracepointSpecs is the BTF in which sunrpc's tracepoint typedefs are
// looked for: the modules', then vmlinux's (sunrpc built in).
func (l *nfsdLoader) tracepointSpecs() []*btf.Spec {
	return append(append([]*btf.Spec{}, l.modules...), l.kernelTypes)
}

// noIdleProbe attaches the programs that count searches for an idle thread
// and those that found none, on the tracepoints planNoIdle picks.
func (l *nfsdLoader) noIdleProbe(want string) model.Probe {
	if l.n.noIdle != "" { // counted by the queue wait's record programs (queueByRecords)
		return model.Probe{Name: ProbeNoIdle, Status: model.ProbeAttached,
			Detail: "tracepoint " + strings.TrimPrefix(l.n.noIdle, "sunrpc:") + " records (woken thread's pid 0): requests that found no idle thread"}
	}
	plan := planNoIdle(l.tracepointSpecs(), want)
	switch plan.mode {
	case NoIdlePool:
		var attached []string
		for _, a := range []struct{ prog, tp string }{
			{nfsdProgNfsdPoolThreadNoidle, "svc_pool_thread_noidle"},
			{nfsdProgNfsdPoolThreadFound, "svc_pool_thread_wake"},
			{nfsdProgNfsdPoolThreadFound, "svc_pool_thread_running"},
		} {
			if err := l.attachRaw(a.prog, a.tp); err != nil {
				if len(attached) == 0 {
					return model.Probe{Name: ProbeNoIdle, Status: model.ProbeUnavailable, Detail: err.Error()}
				}
				return model.Probe{Name: ProbeNoIdle, Status: model.ProbeUnavailable,
					Detail: err.Error() + " (attached " + strings.Join(attached, ", ") + ": counts would be partial)"}
			}
			attached = append(attached, a.tp)
		}
		l.n.noIdle = "sunrpc:svc_pool_thread_noidle"
		return model.Probe{Name: ProbeNoIdle, Status: model.ProbeAttached,
			Detail: "raw_tp svc_pool_thread_wake/_running/_noidle: requests that found no idle thread"}
	case NoIdleEnqueue:
		if err := l.attachRaw(nfsdProgNfsdXprtEnqueueRqst, plan.enqueue); err != nil {
			return model.Probe{Name: ProbeNoIdle, Status: model.ProbeUnavailable, Detail: err.Error()}
		}
		l.n.noIdle = "sunrpc:" + plan.enqueue
		return model.Probe{Name: ProbeNoIdle, Status: model.ProbeAttached,
			Detail: "raw_tp " + plan.enqueue + " (woken thread argument NULL): requests that found no idle thread"}
	}
	return model.Probe{Name: ProbeNoIdle, Status: model.ProbeUnavailable, Detail: plan.why}
}

// attachRaw loads program progName (once) and attaches it to tracepoint tp.
// A program already loaded is reused: one program may serve several
// tracepoints.
func (l *nfsdLoader) attachRaw(progName, tp string) error {
	prog := l.loaded[progName]
	if prog == nil {
		p, err := l.program(progName)
		if err != nil {
			return fmt.Errorf("%s", nfsdLoadDetail(err))
		}
		if l.loaded == nil {
			l.loaded = map[string]*ebpf.Program{}
		}
		l.loaded[progName] = p
		prog = p
	}
	lk, err := link.AttachRawTracepoint(link.RawTracepointOptions{Name: tp, Program: prog})
	if err != nil {
		return fmt.Errorf("attach raw_tp %s: %s", tp, nfsdOneLine(err))
	}
	l.n.links = append(l.n.links, lk)
	return nil
}

// threadUse returns the interval's thread use from the counters' increase:
// busy time always (every RPC's service time is counted), the no-idle count
// only when a probe for it attached.
func (n *NFSD) threadUse(st NFSDStats) *model.ThreadUse {
	if n == nil || !n.rpcs {
		return nil
	}
	u := &model.ThreadUse{BusyNs: st.BusyNs}
	if n.noIdle != "" {
		u.Wakeups, u.NoIdle, u.NoIdleFrom = st.Wakeups, st.NoIdle, n.noIdle
	}
	return u
}
