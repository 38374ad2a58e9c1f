package ebpf

import (
	"testing"

	"github.com/cilium/ebpf/btf"
)

// TestPlanURing: the programs are attached where the kernel's BTF gives
// io_uring_submit_req the request and io_uring_complete its address, and
// not on kernels whose tracepoints lack them.
func TestPlanURing(t *testing.T) {
	data := btf.FuncParam{Name: "__data", Type: &btf.Pointer{Target: &btf.Void{}}}
	req := btf.FuncParam{Type: &btf.Pointer{Target: &btf.Struct{Name: "io_kiocb"}}}
	ctx := btf.FuncParam{Type: &btf.Pointer{Target: &btf.Struct{Name: "io_ring_ctx"}}}
	void := btf.FuncParam{Type: &btf.Pointer{Target: &btf.Void{}}}
	u64 := btf.FuncParam{Type: &btf.Int{Name: "u64", Size: 8}}
	proto := func(p ...btf.FuncParam) *btf.FuncProto { return &btf.FuncProto{Params: p} }
	for _, tt := range []struct {
		name     string
		sub, cmp *btf.FuncProto
		ok       bool
	}{
		// 6.3 on: complete(ctx, req, cqe); 5.19 to 6.2: complete(ctx,
		// req, user_data, res, cflags, extra1, extra2).
		{"6.18", proto(data, req), proto(data, ctx, void, void), true},
		{"6.1", proto(data, req), proto(data, ctx, void, u64, u64), true},
		// 5.11 to 5.18: submit_sqe, and complete(ctx, user_data, ...).
		{"5.15", nil, proto(data, void, u64, u64), false},
		{"submission without the request", proto(data, ctx), proto(data, ctx, void, void), false},
		{"completion without the request", proto(data, req), proto(data, ctx, u64, u64), false},
		{"no completion tracepoint", proto(data, req), nil, false},
	} {
		if err := planURing(tt.sub, tt.cmp); (err == nil) != tt.ok {
			t.Errorf("%s: planURing = %v, want ok %v", tt.name, err, tt.ok)
		}
	}
}
