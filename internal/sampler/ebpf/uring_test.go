package ebpf

import "testing"

// TestPlanURing: the programs read the request's address and opcode where
// the records have them, and are not attached where they do not.
func TestPlanURing(t *testing.T) {
	f := formats(t, "6.18")
	p, err := planURing("io_uring_submit_req", f["io_uring_submit_req"], f["io_uring_complete"])
	if err != nil {
		t.Fatal(err)
	}
	if want := (uringPlan{submit: "io_uring_submit_req", subReq: 16, subOp: 32, cmpReq: 16}); p != want {
		t.Errorf("plan %+v, want %+v", p, want)
	}
	// 5.10's records, as its TRACE_EVENTs define them: no request address
	// in either.
	sub510 := map[string]recordField{"ctx": {"void *", 8, 8}, "opcode": {"u8", 16, 1}, "user_data": {"u64", 24, 8}}
	cmp510 := map[string]recordField{"ctx": {"void *", 8, 8}, "user_data": {"u64", 16, 8}, "res": {"long", 24, 8}}
	// 5.11 to 5.18: the submission has it, the completion not.
	sub515 := map[string]recordField{"ctx": {"void *", 8, 8}, "req": {"void *", 16, 8}, "opcode": {"u8", 24, 1}}
	for _, tt := range []struct {
		name     string
		sub, cmp map[string]recordField
	}{
		{"5.10", sub510, cmp510},
		{"5.15", sub515, cmp510},
		{"no opcode", map[string]recordField{"req": {"void *", 16, 8}}, f["io_uring_complete"]},
		{"a 4-byte req", map[string]recordField{"req": {"u32", 16, 4}, "opcode": {"u8", 24, 1}}, f["io_uring_complete"]},
	} {
		if p, err := planURing("io_uring_submit_sqe", tt.sub, tt.cmp); err == nil {
			t.Errorf("%s: plan %+v, want an error", tt.name, p)
		}
	}
}
