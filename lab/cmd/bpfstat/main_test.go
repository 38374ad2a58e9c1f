package main

import (
	"bytes"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"

	"github.com/nfstrace/nfstrace/internal/testenv"
	"golang.org/x/sys/unix"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []prog
		wantErr string
	}{
		{name: "two", in: "7\tTracing\t10\t2500\tnfsd_rpc\n9\tRawTracepoint\t0\t0\tsched switch\n",
			want: []prog{{7, "Tracing", 10, 2500, "nfsd_rpc"}, {9, "RawTracepoint", 0, 0, "sched switch"}}},
		{name: "blank lines", in: "\n3\tKprobe\t1\t2\tx\n\n", want: []prog{{3, "Kprobe", 1, 2, "x"}}},
		{name: "empty", in: ""},
		{name: "short", in: "7\tTracing\t10\n", wantErr: "line 1: want 5 tab-separated fields, got 3"},
		{name: "not a number", in: "7\tTracing\tten\t1\tx\n", wantErr: `line 1: strconv.ParseUint: parsing "ten"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parse(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("parse = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

// What snap writes, parse reads back.
func TestWriteParse(t *testing.T) {
	progs := []prog{{1, "Tracing", 5, 600, "a"}, {2, "RawTracepoint", 0, 0, "b"}}
	var b bytes.Buffer
	if err := write(&b, progs); err != nil {
		t.Fatal(err)
	}
	got, err := parse(&b)
	if err != nil || !reflect.DeepEqual(got, progs) {
		t.Fatalf("round trip = %+v, %v", got, err)
	}
}

func TestDiff(t *testing.T) {
	skip := []prog{{1, "CGroupDevice", 100, 1000, "systemd"}}
	before := []prog{{1, "CGroupDevice", 100, 1000, "systemd"}, {5, "Tracing", 10, 1000, "a"}, {6, "Tracing", 50, 9000, "b"}}
	after := []prog{
		{1, "CGroupDevice", 300, 3000, "systemd"}, // loaded before the tracer: left out
		{5, "Tracing", 110, 21000, "a"},           // 100 calls, 20000 ns
		{6, "Tracing", 3, 300, "b2"},              // the ID reused by a new program: all of it counts
		{8, "RawTracepoint", 40, 4000, "c"},       // loaded since before
	}
	want := []prog{{5, "Tracing", 100, 20000, "a"}, {8, "RawTracepoint", 40, 4000, "c"}, {6, "Tracing", 3, 300, "b2"}}
	if got := diff(skip, before, after); !reflect.DeepEqual(got, want) {
		t.Fatalf("diff = %+v\nwant %+v", got, want)
	}
}

func TestRender(t *testing.T) {
	progs := []prog{{5, "Tracing", 100, 20000, "a"}, {8, "RawTracepoint", 40, 4000, "c"}, {9, "Tracing", 0, 0, "idle"}}
	var b bytes.Buffer
	render(&b, progs, 50)
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	if len(lines) != 4 { // header, two programs that ran, the sum
		t.Fatalf("%d lines:\n%s", len(lines), b.String())
	}
	for i, want := range [][]string{
		{"calls", "ns/call", "ns", "total", "calls/unit", "ns/unit", "type", "program"},
		{"100", "200", "20000", "2.00", "400", "Tracing", "a"},
		{"40", "100", "4000", "0.80", "80", "RawTracepoint", "c"},
		{"140", "171", "24000", "2.80", "480", "all"},
	} {
		if got := strings.Fields(lines[i]); !slices.Equal(got, want) {
			t.Errorf("line %d = %q, want %q", i, got, want)
		}
	}
}

// snap finds a program this test loads and runs, with the kernel's count of
// its runs.
func TestSnap(t *testing.T) {
	testenv.RequireRoot(t)
	stats, err := ebpf.EnableStats(uint32(unix.BPF_STATS_RUN_TIME))
	if err != nil {
		testenv.Skip(t, "enable BPF run-time statistics: "+err.Error())
	}
	defer stats.Close()
	p, err := ebpf.NewProgram(&ebpf.ProgramSpec{Name: "bpfstat_test", Type: ebpf.SocketFilter, License: "MIT",
		Instructions: asm.Instructions{asm.Mov.Imm(asm.R0, 0), asm.Return()}})
	if err != nil {
		testenv.Skip(t, "load a socket filter: "+err.Error())
	}
	defer p.Close()
	const runs = 10
	for range runs {
		if _, err := p.Run(&ebpf.RunOptions{Data: make([]byte, 14)}); err != nil {
			testenv.Skip(t, "test-run a socket filter: "+err.Error())
		}
	}
	info, err := p.Info()
	if err != nil {
		t.Fatal(err)
	}
	id, _ := info.ID()
	progs, err := snap()
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(progs, func(q prog) bool { return q.ID == uint32(id) })
	if i < 0 {
		t.Fatalf("program %d not in %d programs", id, len(progs))
	}
	if got := progs[i]; got.Name != "bpfstat_test" || got.Type != "SocketFilter" || got.Calls != runs || got.NS == 0 {
		t.Errorf("snap = %+v", got)
	}
}
