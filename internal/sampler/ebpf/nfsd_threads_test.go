package ebpf

import (
	"strings"
	"testing"

	"github.com/cilium/ebpf/btf"

	"github.com/nfstrace/nfstrace/internal/model"
)

// tracepointSpec returns BTF holding the btf_trace_<name> typedef of each
// tracepoint, with the given argument types after the probe's data pointer.
func tracepointSpec(t *testing.T, tps map[string][]btf.Type) *btf.Spec {
	t.Helper()
	b, err := btf.NewBuilder(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, args := range tps {
		params := []btf.FuncParam{{Name: "__data", Type: &btf.Pointer{Target: &btf.Void{}}}}
		for _, a := range args {
			params = append(params, btf.FuncParam{Type: a})
		}
		td := &btf.Typedef{Name: "btf_trace_" + name, Type: &btf.Pointer{Target: &btf.FuncProto{Return: &btf.Void{}, Params: params}}}
		if _, err := b.Add(td); err != nil {
			t.Fatal(err)
		}
	}
	return builtSpec(t, b)
}

func TestPlanNoIdle(t *testing.T) {
	pool := &btf.Struct{Name: "svc_pool"}
	xprt := &btf.Pointer{Target: &btf.Const{Type: &btf.Struct{Name: "svc_xprt"}}}
	rqst := &btf.Pointer{Target: &btf.Struct{Name: "svc_rqst"}}
	ulong := &btf.Int{Name: "long unsigned int", Size: 8}
	pid := &btf.Typedef{Name: "pid_t", Type: &btf.Int{Name: "int", Size: 4, Encoding: btf.Signed}}
	poolArgs := []btf.Type{&btf.Pointer{Target: &btf.Const{Type: pool}}, pid}

	new617 := map[string][]btf.Type{ // 6.17 on
		"svc_pool_thread_noidle": poolArgs, "svc_pool_thread_wake": poolArgs,
		"svc_pool_thread_running": poolArgs, "svc_xprt_enqueue": {xprt, ulong},
	}
	mid := map[string][]btf.Type{"svc_xprt_enqueue": {xprt, ulong}} // 6.6 to 6.16
	old := map[string][]btf.Type{"svc_xprt_enqueue": {xprt, rqst}}  // 5.11 to 6.5
	k510 := map[string][]btf.Type{"svc_xprt_do_enqueue": {xprt, rqst}}

	for _, tc := range []struct {
		name    string
		tps     map[string][]btf.Type
		want    string
		mode    string
		enqueue string
		why     string
	}{
		{"6.17 pool tracepoints", new617, NoIdleAuto, NoIdlePool, "", ""},
		{"6.17 forced enqueue", new617, NoIdleEnqueue, NoIdleEnqueue, "svc_xprt_enqueue", ""},
		{"6.6 flags argument", mid, NoIdleAuto, "", "", "thread argument to svc_xprt_enqueue: unknown"},
		{"6.1 thread argument", old, "", NoIdleEnqueue, "svc_xprt_enqueue", ""},
		{"5.10 do_enqueue", k510, NoIdleAuto, NoIdleEnqueue, "svc_xprt_do_enqueue", ""},
		{"no sunrpc BTF", nil, NoIdleAuto, "", "", "no svc_pool_thread_noidle or svc_xprt_enqueue tracepoint"},
		{"off", new617, NoIdleOff, "", "", "turned off"},
		{"forced pool", old, NoIdlePool, NoIdlePool, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			specs := []*btf.Spec{nil}
			if tc.tps != nil {
				specs = append(specs, tracepointSpec(t, tc.tps))
			}
			p := planNoIdle(specs, tc.want)
			if p.mode != tc.mode || p.enqueue != tc.enqueue {
				t.Errorf("plan = %q %q, want %q %q", p.mode, p.enqueue, tc.mode, tc.enqueue)
			}
			if !strings.Contains(p.why, tc.why) || (tc.why == "") != (p.why == "") {
				t.Errorf("why = %q, want it to contain %q", p.why, tc.why)
			}
		})
	}
}

func TestThreadUse(t *testing.T) {
	st := NFSDStats{BusyNs: 5e9, Wakeups: 100, NoIdle: 7}
	for _, tc := range []struct {
		name string
		n    *NFSD
		want *model.ThreadUse
	}{
		{"no nfsd programs", nil, nil},
		{"RPC end not traced", &NFSD{noIdle: "sunrpc:svc_pool_thread_noidle"}, nil},
		{"busy only", &NFSD{rpcs: true}, &model.ThreadUse{BusyNs: 5e9}},
		{"busy and no-idle", &NFSD{rpcs: true, noIdle: "sunrpc:svc_xprt_enqueue"},
			&model.ThreadUse{BusyNs: 5e9, Wakeups: 100, NoIdle: 7, NoIdleFrom: "sunrpc:svc_xprt_enqueue"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.n.threadUse(st)
			if (got == nil) != (tc.want == nil) || got != nil && *got != *tc.want {
				t.Errorf("threadUse = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestPlanQueue(t *testing.T) {
	xprt := &btf.Pointer{Target: &btf.Const{Type: &btf.Struct{Name: "svc_xprt"}}}
	rqst := &btf.Pointer{Target: &btf.Struct{Name: "svc_rqst"}}
	ulong := &btf.Typedef{Name: "ulong", Type: &btf.Int{Name: "long unsigned int", Size: 8}}
	for _, tc := range []struct {
		name string
		tps  map[string][]btf.Type
		want queuePlan
	}{
		{"6.6 on: flags, dequeue with the request",
			map[string][]btf.Type{"svc_xprt_enqueue": {xprt, ulong}, "svc_xprt_dequeue": {rqst}},
			queuePlan{enqueue: "svc_xprt_enqueue", flags: true, dequeue: true}},
		{"5.11 to 6.5: the thread woken",
			map[string][]btf.Type{"svc_xprt_enqueue": {xprt, rqst}, "svc_xprt_dequeue": {rqst}},
			queuePlan{enqueue: "svc_xprt_enqueue", dequeue: true}},
		{"5.10: svc_xprt_do_enqueue",
			map[string][]btf.Type{"svc_xprt_do_enqueue": {xprt, rqst}, "svc_xprt_dequeue": {rqst}},
			queuePlan{enqueue: "svc_xprt_do_enqueue", dequeue: true}},
		{"a dequeue of the transport alone ends at svc_process",
			map[string][]btf.Type{"svc_xprt_enqueue": {xprt, rqst}, "svc_xprt_dequeue": {xprt}},
			queuePlan{enqueue: "svc_xprt_enqueue"}},
		{"no BTF for sunrpc: the enqueue by name, nothing else known",
			map[string][]btf.Type{},
			queuePlan{enqueue: "svc_xprt_enqueue"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := planQueue([]*btf.Spec{nil, tracepointSpec(t, tc.tps)}); got != tc.want {
				t.Errorf("planQueue = %+v, want %+v", got, tc.want)
			}
		})
	}
}
