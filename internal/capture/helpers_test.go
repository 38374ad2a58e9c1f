package capture

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/model"
)

// t0 is a fixed wall-clock origin for test data.
var t0 = time.Unix(0, 1_764_000_000_000_000_000)

func ts(ns int64) time.Time { return time.Unix(0, t0.UnixNano()+ns) }

func hist(vals ...uint64) model.Hist {
	var h model.Hist
	for _, v := range vals {
		h.Add(v)
	}
	return h
}

func testMeta() Meta {
	return Meta{
		ToolVersion: "test",
		Start:       t0.UTC(),
		BootID:      "0f1e2d3c-boot",
		Interval:    time.Second,
		MinDState:   time.Millisecond,
		Args:        []string{"record", "-o", "x.cap"},
		Config: model.Config{
			Hostname:      "labstore1004",
			KernelRelease: "6.18.0-test",
			Cmdline:       "root=/dev/vda1 ro",
			BootID:        "0f1e2d3c-boot",
			CPUs:          2,
			MemTotal:      24 << 30,
			Devices:       []model.DeviceConfig{{Name: "vda", Scheduler: "mq-deadline", Available: []string{"none", "mq-deadline"}}},
			Sysctls:       map[string]string{"vm.dirty_ratio": "20"},
			Backend:       model.Backend{Name: "procfs", Detail: "procfs sampler at 100 Hz"},
			Targets:       "nfsd kernel threads",
			Start:         t0.UTC(),
		},
	}
}

// fullSnapshot fills every field the format stores.
func fullSnapshot(i int) *model.Snapshot {
	start := ts(int64(i) * int64(time.Second))
	return &model.Snapshot{
		Start: start,
		End:   ts(int64(i+1) * int64(time.Second)),
		Host: model.Host{
			Load: model.Load{Avg1: 87.4, Avg5: 64.1, Avg15: 35.2, Running: 3, InD: 61,
				DGroups: []model.TaskGroup{{Comm: "nfsd", WaitChan: "io_schedule", Stack: "io_schedule;folio_wait_bit", Count: 58, Longest: 169 * time.Second}}},
			NFSD: model.NFSD{Running: true, Threads: 64, Versions: "+3 +4 +4.1 +4.2", ThreadsInD: 58,
				Pools:  []model.Pool{{ID: 0, PacketsArrived: 100, SocketsQueued: 7, ThreadsWoken: 90, ThreadsTimedout: 1}},
				Ops:    []model.OpCount{{Proto: "v3", Op: "WRITE", Count: 1200, Rate: 1200.5}},
				RCHits: 1, RCMisses: 2, RCNoCache: 3, ReadBytes: 4 << 20, WriteBytes: 5 << 20},
			Devices: []model.Device{{Name: "vda", Scheduler: "mq-deadline", ReadIOPS: 10, WriteIOPS: 3900.25,
				ReadBps: 4096, WriteBps: 16e6, AwaitMs: 3.8, Util: 0.93, InFlight: 12}},
			Pressure: &model.Pressure{SomeAvg10: 71, FullAvg10: 64, SomeUs: 700000, FullUs: 640000},
		},
		DState: []model.DState{{Comm: "nfsd", WaitSite: "rwsem_down_write_failed;ext4_file_write_iter;nfsd_vfs_write",
			Device: model.NotBlockIO, Op: "WRITE", Client: "10.68.17.21", Threads: 17, Hist: hist(820e6, 2.9e9, 1e6)},
			{Comm: "kworker/u8:2", WaitSite: "io_schedule;folio_wait_bit", Device: "vda", Threads: 1, Hist: hist(4e6)}},
		AsyncIO: []model.DState{{Comm: "fio", WaitSite: "read_events;do_io_getevents;__x64_sys_io_getevents",
			Device: "vda", Scheduler: "mq-deadline", Client: "10.68.17.22", Threads: 2, Hist: hist(90e3, 120e3)}},
		Block: []model.Block{{Device: "vda", Scheduler: "mq-deadline", Op: "write", Size: "4K",
			Queue: hist(1100e3), Service: hist(3.8e6, 4.2e6)}},
		RPC: []model.RPC{{Version: "v3", Op: "WRITE", Client: "10.68.17.21", Status: "ok", Hist: hist(310e6)}},
		Locks: []model.LockWait{{Comm: "nfsd", WaitSite: "rwsem_down_write_slowpath;ext4_buffered_write_iter", Lock: "0xffff88820e6cedb8",
			Kind: model.LockRWSemWrite, Waits: 17, Time: 900 * time.Millisecond, MaxWaiters: 17, Owner: "nfsd", OwnerTID: 4242,
			OwnerWaits: 17, OwnerState: "D", OwnerSite: "rwsem_down_write_slowpath;vfs_rename",
			Chain: []model.LockHop{{Lock: "0xffff88820e6c0000", Kind: model.LockRWSemWrite, Owner: "nfsd", OwnerTID: 4243, OwnerState: "D",
				OwnerSite: "jbd2_log_wait_commit"}}}},
		Calls:   &model.Calls{Reads: uint64(10 + i), Writes: 3, ReadBytes: 40960, WriteBytes: 12288, Threads: 2, CPU: &model.ThreadCPU{UserNs: 20e6, SysNs: uint64(i) * 10e6}},
		Submits: &model.Submits{AIO: uint64(100 * i), URing: 7},
		Files: &model.Files{Count: 3, Ops: uint64(40 + i), Top: []model.FileIO{
			{FH: 0xdeadbeef, Writes: uint64(30 + i), WriteBytes: 1 << 20}, {FH: 7, Reads: 6, ReadBytes: 24576}}},
		URing: []model.AsyncLat{{Kind: model.AsyncRead, Lat: hist(90e3, 2e6)}, {Kind: model.AsyncSync, Lat: hist(4e6)}},
		AIO:   []model.AsyncLat{{Kind: model.AsyncWrite, Lat: hist(150e3)}},
		Run: []model.Run{{Comm: "nfsd", Op: "v3 WRITE", Client: "10.68.17.21", Threads: 4, Runnable: hist(40e3, 2e6), OnCPU: 300 * time.Millisecond,
			Preempted: &model.Preempted{Count: 1, SumNs: 2e6},
			HeldBy:    &model.HeldBy{Kernel: model.Waits{Count: 1, SumNs: 2e6}, Traced: model.Waits{Count: 1, SumNs: 40e3}},
			Outside:   &model.Waits{Count: 3, SumNs: 9e6}}},
		Holders: []model.CPUHolder{{Name: "flush-7:1", Kernel: true, Work: true, Waits: model.Waits{Count: 1, SumNs: 2e6}},
			{Name: "rsync", Waits: model.Waits{Count: uint64(1 + i), SumNs: 40e3}}},
		Stats: model.Stats{Events: uint64(1000 + i), Lost: uint64(i), CPU: 12 * time.Millisecond},
	}
}

func events(n int, start int64) []model.DEvent {
	evs := make([]model.DEvent, n)
	sites := []model.WaitSite{"io_schedule;folio_wait_bit;nfsd_commit", "rwsem_down_write_failed;ext4_file_write_iter"}
	for i := range evs {
		evs[i] = model.DEvent{
			Start: t0.UnixNano() + start + int64(i)*10_007,
			Dur:   uint64(1_000_000 + i*7919),
			TID:   uint32(1000 + i%64),
			PID:   uint32(1000 + i%64),
			Comm:  "nfsd",
			Site:  sites[i%2],
			Op:    "WRITE",
		}
		if i%3 == 0 {
			evs[i].WakerTID, evs[i].WakerComm = 77, "jbd2/vda1-8"
			evs[i].Device = "vda"
		}
		if i%4 != 0 {
			evs[i].Client = "10.68.17.21"
		}
	}
	return evs
}

// buffer is an in-memory file for the Writer.
type buffer struct{ bytes.Buffer }

func (b *buffer) Truncate(n int64) error { b.Buffer.Truncate(int(n)); return nil }

// writeCapture writes snaps and returns the file's bytes.
func writeCapture(t testing.TB, snaps []*model.Snapshot, closeIt bool) []byte {
	t.Helper()
	var b buffer
	w, err := NewWriter(&b, testMeta(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range snaps {
		if err := w.WriteSnapshot(s); err != nil {
			t.Fatal(err)
		}
	}
	if closeIt {
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	} else if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// readAll reads every snapshot; it stops at the first error.
func readAll(data []byte, opts ReadOptions) ([]*model.Snapshot, *Reader, error) {
	r, err := NewReader(bytes.NewReader(data), int64(len(data)), opts)
	if err != nil {
		return nil, nil, err
	}
	var out []*model.Snapshot
	for {
		s, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out, r, nil
		}
		if err != nil {
			return out, r, err
		}
		out = append(out, s)
	}
}

// frameSpan is where one frame lies in a file.
type frameSpan struct {
	typ      FrameType
	off, end int64
}

// frames lists the frames of a well-formed file.
func frames(t testing.TB, data []byte) []frameSpan {
	t.Helper()
	var out []frameSpan
	off := int64(fileHeaderLen)
	for off < int64(len(data)) {
		h, ok := parseFrameHeader(data[off:])
		if !ok {
			t.Fatalf("bad frame header at %d", off)
		}
		end := off + frameHeaderLen + int64(h.len)
		out = append(out, frameSpan{h.typ, off, end})
		off = end
	}
	return out
}

func describe(s *model.Snapshot) string {
	return fmt.Sprintf("%+v", *s)
}

// TestWriteIntsInRange writes a snapshot whose counts and ids are out of
// the range the reader takes (negative, beyond MaxInt32): it reads back
// whole, each such figure at the nearest end of the range.
func TestWriteIntsInRange(t *testing.T) {
	s := fullSnapshot(0)
	s.Host.Load.Running, s.Host.Load.InD = -1, 1<<40
	s.Host.NFSD.Threads, s.Host.NFSD.ThreadsInD = math.MaxInt, -5
	s.Host.Load.DGroups[0].Count = 1 << 33
	s.Host.NFSD.Pools[0].ID = -2
	s.DState[0].Threads = 1 << 35
	s.Run[0].Threads = -1
	s.Calls.Threads = 1 << 32
	s.Locks[0].MaxWaiters, s.Locks[0].OwnerTID = 1<<31, -1
	snaps, _, err := readAll(writeCapture(t, []*model.Snapshot{s}, true), ReadOptions{})
	if err != nil || len(snaps) != 1 {
		t.Fatalf("read %d snapshots: %v", len(snaps), err)
	}
	g := snaps[0]
	for name, got := range map[string][2]int{
		"load running":   {g.Host.Load.Running, 0},
		"load in D":      {g.Host.Load.InD, math.MaxInt32},
		"nfsd threads":   {g.Host.NFSD.Threads, math.MaxInt32},
		"nfsd in D":      {g.Host.NFSD.ThreadsInD, 0},
		"group count":    {g.Host.Load.DGroups[0].Count, math.MaxInt32},
		"pool id":        {g.Host.NFSD.Pools[0].ID, 0},
		"D threads":      {g.DState[0].Threads, math.MaxInt32},
		"run threads":    {g.Run[0].Threads, 0},
		"call threads":   {g.Calls.Threads, math.MaxInt32},
		"lock waiters":   {g.Locks[0].MaxWaiters, math.MaxInt32},
		"lock owner tid": {g.Locks[0].OwnerTID, 0},
	} {
		if got[0] != got[1] {
			t.Errorf("%s read back as %d, want %d", name, got[0], got[1])
		}
	}
}
