package ebpf

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cilium/ebpf/btf"

	"github.com/nfstrace/nfstrace/internal/model"
)

// rawEvent builds a struct dstate_event as the kernel lays it out.
func rawEvent(start, dur uint64, tid, pid, waker uint32, comm, sched string, stack int32, dev, proto, op uint32, family uint16, addr [16]byte, wakerComm string) []byte {
	b := make([]byte, eventSize)
	le := binary.LittleEndian
	le.PutUint64(b[0:], start)
	le.PutUint64(b[8:], dur)
	le.PutUint32(b[16:], tid)
	le.PutUint32(b[20:], pid)
	le.PutUint32(b[24:], waker)
	copy(b[32:48], comm)
	copy(b[48:64], sched)
	le.PutUint32(b[64:], uint32(stack))
	le.PutUint32(b[68:], dev)
	le.PutUint32(b[72:], proto)
	le.PutUint32(b[76:], op)
	copy(b[80:96], addr[:])
	le.PutUint16(b[96:], family)
	copy(b[104:120], wakerComm)
	return b
}

type fakeLabeler struct{}

func (fakeLabeler) site(id int32) model.WaitSite {
	if id < 0 {
		return UnknownSite
	}
	return "io_schedule;folio_wait_bit_common"
}

func (fakeLabeler) device(dev uint32) string {
	if dev == 0 {
		return model.NotBlockIO
	}
	return "loop0"
}

func (fakeLabeler) op(proto, op uint32) string {
	if proto == ProtoNFS4 && op == 38 {
		return "v4 WRITE" // constant: the real labeler caches its labels
	}
	return ThreadOpName(proto, op)
}

func (fakeLabeler) client(family uint16, addr [16]byte) string {
	if family == rpcAFInet && addr == v4addr(10, 0, 0, 7) {
		return "10.0.0.7" // constant: the real labeler caches its labels
	}
	return rpcClient(family, addr)
}

func TestDecodeAndAggregate(t *testing.T) {
	a := newAggregator(fakeLabeler{}, 2)
	a.monoToUTC = 1000
	tests := []struct {
		raw  []byte
		want model.DEvent
	}{
		{
			rawEvent(5, 2_000_000, 42, 40, 7, "nfsd", "bfq", 3, 7<<20|1, ProtoNFS4, 38, rpcAFInet, v4addr(10, 0, 0, 7), "kworker/0:1"),
			model.DEvent{Start: 1005, Dur: 2_000_000, TID: 42, PID: 40, Comm: "nfsd", Site: "io_schedule;folio_wait_bit_common",
				WakerTID: 7, WakerComm: "kworker/0:1", Device: "loop0", Op: "v4 WRITE", Client: "10.0.0.7"},
		},
		{
			// woken by no task: the waker comm of the idle task is not reported
			rawEvent(6, 1_500_000, 43, 40, 0, "nfsd", "", -14, 0, ProtoNFS3, 6, 0, [16]byte{}, "swapper/1"),
			model.DEvent{Start: 1006, Dur: 1_500_000, TID: 43, PID: 40, Comm: "nfsd", Site: UnknownSite,
				Device: model.NotBlockIO, Op: "v3 READ"},
		},
	}
	var ev dEvent
	for _, tt := range tests {
		if !decodeEvent(tt.raw, &ev) {
			t.Fatal("decodeEvent rejected a full event")
		}
		a.add(&ev)
	}
	if decodeEvent(make([]byte, eventSize-1), &ev) {
		t.Error("decodeEvent accepted a short event")
	}
	a.add(&ev) // third event: over the limit of 2, counted but not kept
	events, read, lost, dropped, bad := a.take()
	if read != 3 || dropped != 1 || lost != 0 || bad != 0 {
		t.Errorf("read %d dropped %d lost %d bad %d, want 3 1 0 0", read, dropped, lost, bad)
	}
	if len(events) != len(tests) {
		t.Fatalf("%d events, want %d", len(events), len(tests))
	}
	for i, tt := range tests {
		if events[i] != tt.want {
			t.Errorf("event %d:\n got %+v\nwant %+v", i, events[i], tt.want)
		}
	}
	if events, read, _, _, _ := a.take(); len(events) != 0 || read != 0 {
		t.Errorf("second take: %d events, %d read; want nothing", len(events), read)
	}
}

func TestOpLabels(t *testing.T) {
	tests := []struct {
		proto, op uint32
		want      string
	}{
		{ProtoNFS3, 0, "v3 NULL"},
		{ProtoNFS3, 21, "v3 COMMIT"},
		{ProtoNFS3, 22, "v3 PROC_22"},
		{ProtoNFS4, 53, "v4 SEQUENCE"},
		{ProtoNFS4, 75, "v4 REMOVEXATTR"},
		{ProtoNFS4, 0, "v4 COMPOUND"}, // inside a COMPOUND, between operations
		{ProtoNFS4, 1, "v4 OP_1"},
		{ProtoNFS4, 1000, "v4 OP_1000"},
		{ProtoUnknown, 5, ""},
	}
	for _, tt := range tests {
		if got := ThreadOpName(tt.proto, tt.op); got != tt.want {
			t.Errorf("ThreadOpName(%d, %d) = %q, want %q", tt.proto, tt.op, got, tt.want)
		}
	}
}

func TestTrimSchedFrames(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"bpf_prog_x;bpf_trace_run3;__bpf_trace_sched_switch;__traceiter_sched_switch;__schedule;schedule;io_schedule;folio_wait_bit_common",
			"io_schedule;folio_wait_bit_common"},
		{"__schedule;schedule;schedule_timeout;io_schedule_timeout", "schedule_timeout;io_schedule_timeout"},
		{"bpf_prog_x;bpf_trace_run3;some_wait", "some_wait"},
		{"io_schedule;folio_wait_bit_common", "io_schedule;folio_wait_bit_common"},
	}
	for _, tt := range tests {
		got := model.NewWaitSite(trimSchedFrames(model.WaitSite(tt.in).Frames()))
		if string(got) != tt.want {
			t.Errorf("trim(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// BenchmarkReader measures the per-event hot path of the reader: fixed-offset
// decoding into a reused struct and aggregation into the interval's event
// buffer, emptied every 4096 events (model.DEvents are made once per
// interval by Collect, see BenchmarkTake).
func BenchmarkReader(b *testing.B) {
	raw := rawEvent(5, 2_000_000, 42, 40, 7, "nfsd", "bfq", 3, 7<<20|1, ProtoNFS4, 38, rpcAFInet, v4addr(10, 0, 0, 7), "kworker/0:1")
	a := newAggregator(fakeLabeler{}, 4096)
	var ev dEvent
	b.ReportAllocs()
	b.SetBytes(eventSize)
	n := 0
	for b.Loop() {
		decodeEvent(raw, &ev)
		a.add(&ev)
		if n++; n == 4096 {
			a.mu.Lock()
			a.bufs[a.cur] = a.bufs[a.cur][:0]
			a.mu.Unlock()
			n = 0
		}
	}
}

// BenchmarkTake measures turning a full interval of 4096 events into
// model.DEvents, as Collect does once per interval.
func BenchmarkTake(b *testing.B) {
	raw := rawEvent(5, 2_000_000, 42, 40, 7, "nfsd", "bfq", 3, 7<<20|1, ProtoNFS4, 38, rpcAFInet, v4addr(10, 0, 0, 7), "kworker/0:1")
	a := newAggregator(fakeLabeler{}, 4096)
	var ev dEvent
	decodeEvent(raw, &ev)
	b.ReportAllocs()
	for b.Loop() {
		for range 4096 {
			a.add(&ev)
		}
		a.take()
	}
}

func TestStackSymbolName(t *testing.T) {
	s := newStackSymbolizer("../../symbols/testdata") // a kallsyms fixture with [nfsd] and [sunrpc]
	s.load()
	if s.symErr != nil {
		t.Fatal(s.symErr)
	}
	tests := []struct {
		pc   uint64
		want string
	}{
		{0xffffffff81003020, "io_schedule"},
		{0xffffffffc0a01abc, "nfsd_dispatch"},
		// Past the last symbol by more than maxSymbolSpan: a module loaded
		// after kallsyms was read, not part of svc_process.
		{0xffffffffc0b00000 + maxSymbolSpan + 1, "0xffffffffc0c00001"},
		{0x1000, "0x1000"},
	}
	for _, tt := range tests {
		if got := s.name(tt.pc); got != tt.want {
			t.Errorf("name(%#x) = %q, want %q", tt.pc, got, tt.want)
		}
	}
	s.pcs[0] = 0xffffffff81003020
	if !s.resolves() {
		t.Error("resolves() = false for a known address")
	}
	s.pcs[1] = 0xffffffffc0c00001
	if s.resolves() {
		t.Error("resolves() = true with an address past the table")
	}
}

// TestEventLayout checks decodeEvent's offsets against struct dstate_event
// as compiled into the committed object (its BTF), so that a change to the C
// struct cannot silently shift the fields the reader takes.
func TestEventLayout(t *testing.T) {
	spec, err := loadCore()
	if err != nil {
		t.Fatal(err)
	}
	var ev *btf.Struct
	if err := spec.Types.TypeByName("dstate_event", &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Size != eventSize {
		t.Errorf("sizeof(struct dstate_event) = %d, eventSize = %d", ev.Size, eventSize)
	}
	offsets := map[string]uint32{}
	var walk func(prefix string, s *btf.Struct, base uint32)
	walk = func(prefix string, s *btf.Struct, base uint32) {
		for _, m := range s.Members {
			off := base + m.Offset.Bytes()
			offsets[prefix+m.Name] = off
			if inner, ok := btf.UnderlyingType(m.Type).(*btf.Struct); ok {
				walk(prefix+m.Name+".", inner, off)
			}
		}
	}
	walk("", ev, 0)
	// the offsets decodeEvent reads
	for name, want := range map[string]uint32{
		"start_ns": 0, "dur_ns": 8, "tid": 16, "pid": 20, "waker_tid": 24,
		"key.comm": 32, "key.sched": 48, "key.stack_id": 64, "key.dev": 68, "key.proto": 72, "key.op": 76,
		"key.addr": 80, "key.family": 96, "waker_comm": 104,
	} {
		got, ok := offsets[name]
		if !ok {
			t.Errorf("struct dstate_event has no %s", name)
		} else if got != want {
			t.Errorf("offset of %s: object %d, decodeEvent %d", name, got, want)
		}
	}
}

// TestStackSymbolizerReload: kallsyms is read again only when the modules
// changed since it was read, not whenever an address fails to resolve.
func TestStackSymbolizerReload(t *testing.T) {
	dir := t.TempDir()
	ksyms, err := os.ReadFile("../../symbols/testdata/kallsyms")
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("kallsyms", string(ksyms))
	write("modules", "nfsd 1 0 - Live 0xffffffffc0a00000\nsunrpc 2 1 nfsd, Live 0xffffffffc0b00000\n")
	s := newStackSymbolizer(dir)
	if err := s.preload(); err != nil {
		t.Fatal(err)
	}
	if s.modulesChanged() {
		t.Error("modules changed right after loading")
	}
	// Reference counts and states change all the time; names are what count.
	write("modules", "nfsd 1 8 - Live 0xffffffffc0a00000\nsunrpc 2 3 nfsd, Live 0xffffffffc0b00000\n")
	if s.modulesChanged() {
		t.Error("a reference count change counted as a module change")
	}
	write("modules", "nfsd 1 8 - Live 0xffffffffc0a00000\nsunrpc 2 3 nfsd, Live 0xffffffffc0b00000\ndm_delay 1 0 - Live 0xffffffffc0c00000\n")
	if !s.modulesChanged() {
		t.Error("a newly loaded module not seen")
	}

	// Without kallsyms: preload says why.
	if err := newStackSymbolizer(t.TempDir()).preload(); err == nil || !strings.Contains(err.Error(), "kallsyms") {
		t.Errorf("preload without kallsyms: %v", err)
	}
}
