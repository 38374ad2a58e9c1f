package serve

import (
	"fmt"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/model"
)

func TestRPCLabels(t *testing.T) {
	tests := []struct{ version, op, wantV, wantOp string }{
		{"v3", "READ", "v3", "READ"},
		{"v2", "WRITECACHE", "v2", "WRITECACHE"},
		{"v4.2", "COPY", "v4.2", "COPY"},
		{"v4", "COMPOUND", "v4", "COMPOUND"},
		{"v4.1", "ILLEGAL", "v4.1", "ILLEGAL"},
		{"v3", "COPY", "v3", OtherRPC},    // a v4 operation is not a v3 procedure
		{"v3", "PROC_77", "v3", OtherRPC}, // PROC_UNAVAIL
		{"v4.2", "OP_999", "v4.2", OtherRPC},
		{"v9", "READ", OtherRPC, OtherRPC}, // PROG_MISMATCH
		{"v4.7", "READ", OtherRPC, OtherRPC},
		{"", "", OtherRPC, OtherRPC},
	}
	for _, tt := range tests {
		v, op := RPCLabels(tt.version, tt.op)
		if v != tt.wantV || op != tt.wantOp {
			t.Errorf("RPCLabels(%q, %q) = %q, %q; want %q, %q", tt.version, tt.op, v, op, tt.wantV, tt.wantOp)
		}
	}
}

// TestCollectorRPCFlood: a remote host that sends every procedure number to
// every version mints no label values beyond the known ones and "other",
// and series idle for rpcIdle are dropped.
func TestCollectorRPCFlood(t *testing.T) {
	c := NewCollector(model.Config{KernelRelease: "6.18.0", Backend: model.Backend{Name: "ebpf"}}, "dev", 20)
	base := time.Unix(1_764_000_000, 0)
	var rows []model.RPC
	for v := range 50 {
		for p := range 200 {
			rows = append(rows, model.RPC{Version: fmt.Sprintf("v%d", v), Op: fmt.Sprintf("PROC_%d", p), Client: "192.0.2.1", Status: "rpc:PROC_UNAVAIL", Hist: hist(1000)})
		}
		rows = append(rows, model.RPC{Version: fmt.Sprintf("v4.%d", v), Op: "READ", Status: "rpc:PROG_MISMATCH", Hist: hist(1000)})
	}
	rows = append(rows, model.RPC{Version: "v3", Op: "READ", Status: "ok", Hist: hist(5000)})
	c.Update(&model.Snapshot{Start: base, End: base.Add(time.Second), RPC: rows})

	series := func() map[[2]string]uint64 {
		got := map[[2]string]uint64{}
		for _, m := range gather(t, c)["nfstrace_nfsd_op_latency_seconds"].GetMetric() {
			var k [2]string
			for _, lp := range m.GetLabel() {
				switch lp.GetName() {
				case "version":
					k[0] = lp.GetValue()
				case "op":
					k[1] = lp.GetValue()
				}
			}
			got[k] = m.GetHistogram().GetSampleCount()
		}
		return got
	}
	got := series()
	// v2, v3 and v4.0-v4.2 under their names with "other" ops, v3 READ,
	// v4.0-4.2 READ (v4.0..v4.2 of the PROG_MISMATCH rows are real
	// versions), and other/other for the rest.
	want := map[[2]string]uint64{
		{"v2", OtherRPC}: 200, {"v3", OtherRPC}: 200, {"v4", OtherRPC}: 200,
		{"v3", "READ"}: 1, {"v4.0", "READ"}: 1, {"v4.1", "READ"}: 1, {"v4.2", "READ"}: 1,
		{OtherRPC, OtherRPC}: 50*200 + 50 - 3*200 - 3,
	}
	if len(got) != len(want) {
		t.Errorf("%d RPC series, want %d: %v", len(got), len(want), got)
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("series %v: %d operations, want %d", k, got[k], n)
		}
	}

	// Only v3 READ goes on; an hour later the others are gone.
	for i := 1; i <= 2; i++ {
		at := base.Add(time.Duration(i) * 40 * time.Minute)
		c.Update(&model.Snapshot{Start: at, End: at.Add(time.Second),
			RPC: []model.RPC{{Version: "v3", Op: "READ", Status: "ok", Hist: hist(5000)}}})
	}
	got = series()
	if len(got) != 1 || got[[2]string{"v3", "READ"}] != 3 {
		t.Errorf("after 80 idle minutes: %v, want only v3 READ with 3 operations", got)
	}
}
