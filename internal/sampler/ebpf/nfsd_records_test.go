package ebpf

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// formats reads the tracepoint format files a kernel's guest wrote
// (testdata/tracefs/KERNEL/NAME.format); a missing file is no tracepoint.
func formats(t *testing.T, kernel string) map[string]map[string]recordField {
	t.Helper()
	out := map[string]map[string]recordField{}
	paths, err := filepath.Glob(filepath.Join("testdata", "tracefs", kernel, "*.format"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no formats for %s: %v", kernel, err)
	}
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		fields, err := parseFormat(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		out[strings.TrimSuffix(filepath.Base(p), ".format")] = fields
	}
	return out
}

func TestParseFormat(t *testing.T) {
	fields := formats(t, "5.10")["svc_xprt_do_enqueue"]
	for name, want := range map[string]recordField{
		"common_type": {Type: "unsigned short", Offset: 0, Size: 2},
		"common_pid":  {Type: "int", Offset: 4, Size: 4},
		"pid":         {Type: "int", Offset: 8, Size: 4},
		"flags":       {Type: "unsigned long", Offset: 16, Size: 8},
		"addr":        {Type: "__data_loc char[]", Offset: 24, Size: 4},
	} {
		if got := fields[name]; got != want {
			t.Errorf("field %s = %+v, want %+v", name, got, want)
		}
	}
	for _, bad := range []string{
		"",
		"name: x\nformat:\n",
		"\tfield:int pid;\toffset:x;\tsize:4;\tsigned:1;\n",
		"\tfield:int pid;\tsize:4;\tsigned:1;\n",
		"\tfield:;\toffset:8;\tsize:4;\tsigned:1;\n",
	} {
		if f, err := parseFormat(strings.NewReader(bad)); err == nil {
			t.Errorf("parseFormat(%q) = %v, want an error", bad, f)
		}
	}
	// An array field keeps its bounds in the type.
	f, err := parseFormat(strings.NewReader("\tfield:char comm[16];\toffset:8;\tsize:16;\tsigned:1;\n"))
	if err != nil || f["comm"] != (recordField{Type: "char[16]", Offset: 8, Size: 16}) {
		t.Errorf("char comm[16]: %+v, %v", f, err)
	}
}

func TestPlanQueueRecords(t *testing.T) {
	for _, tc := range []struct {
		kernel, enqueue string
		want            queueRecordPlan
		err             string
	}{
		{kernel: "5.10", enqueue: "svc_xprt_do_enqueue",
			want: queueRecordPlan{enqueue: "svc_xprt_do_enqueue", enqAddrLoc: 24, enqPidOff: 8, deqAddrLoc: 24}},
		// 6.12's enqueue fires on every call (its record has the flags, no
		// pid) and its dequeue record has no address string.
		{kernel: "6.12", enqueue: "svc_xprt_enqueue", err: "no pid of the thread woken"},
	} {
		t.Run(tc.kernel, func(t *testing.T) {
			fm := formats(t, tc.kernel)
			got, err := planQueueRecords(tc.enqueue, fm[tc.enqueue], fm["svc_xprt_dequeue"])
			switch {
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Errorf("planQueueRecords: %+v, %v; want an error with %q", got, err, tc.err)
			case tc.err == "" && (err != nil || got != tc.want):
				t.Errorf("planQueueRecords = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}
