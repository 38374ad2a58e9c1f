package ebpf

import (
	"encoding/binary"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/nfstrace/nfstrace/internal/host"
	"github.com/nfstrace/nfstrace/internal/model"
	"github.com/nfstrace/nfstrace/internal/testenv"
)

// aioRun submits rounds batches of batch libaio requests of opcode op
// (IOCB_CMD_*) on fd, 4 KiB each at offset 0 (buf for the data), each batch
// in one io_submit; it sleeps hold with them queued, then reaps all their
// events with io_getevents.
func aioRun(fd int, op uint16, buf []byte, batch, rounds int, hold time.Duration) error {
	var ctx uint64
	if _, _, e := unix.Syscall(unix.SYS_IO_SETUP, uintptr(batch), uintptr(unsafe.Pointer(&ctx)), 0); e != 0 {
		return fmt.Errorf("io_setup: %w", e)
	}
	defer unix.Syscall(unix.SYS_IO_DESTROY, uintptr(ctx), 0, 0)
	// struct iocb, 64 bytes: opcode at 16, fildes at 20, buf at 24,
	// nbytes at 32 (see aioReads).
	iocbs := make([]byte, 64*batch)
	ptrs := make([]uintptr, batch)
	events := make([]byte, 32*batch)
	for r := 0; r < rounds; r++ {
		for i := range batch {
			cb := iocbs[64*i : 64*(i+1)]
			clear(cb)
			binary.LittleEndian.PutUint16(cb[16:], op)
			binary.LittleEndian.PutUint32(cb[20:], uint32(fd))
			if buf != nil {
				binary.LittleEndian.PutUint64(cb[24:], uint64(uintptr(unsafe.Pointer(&buf[0]))))
				binary.LittleEndian.PutUint64(cb[32:], uint64(len(buf)))
			}
			ptrs[i] = uintptr(unsafe.Pointer(&cb[0]))
		}
		n, _, e := unix.Syscall(unix.SYS_IO_SUBMIT, uintptr(ctx), uintptr(batch), uintptr(unsafe.Pointer(&ptrs[0])))
		if e != 0 || int(n) != batch {
			return fmt.Errorf("io_submit: %d of %d: %v", n, batch, e)
		}
		if hold > 0 {
			ts := unix.NsecToTimespec(hold.Nanoseconds())
			_ = unix.Nanosleep(&ts, nil)
		}
		for done := 0; done < batch; {
			n, _, e := unix.Syscall6(unix.SYS_IO_GETEVENTS, uintptr(ctx), 1, uintptr(batch-done),
				uintptr(unsafe.Pointer(&events[0])), 0, 0)
			if e == unix.EINTR {
				continue
			}
			if e != 0 {
				return fmt.Errorf("io_getevents: %w", e)
			}
			for i := range int(n) {
				if res := int64(binary.LittleEndian.Uint64(events[32*i+16:])); res < 0 {
					return fmt.Errorf("request of opcode %d failed: %v", op, unix.Errno(-res))
				}
			}
			done += int(n)
		}
		runtime.KeepAlive(iocbs)
		runtime.KeepAlive(buf)
	}
	return nil
}

// TestAIOLatency: each libaio read, write and fdsync a traced process
// queues is timed once, in its kind, from io_submit's return to
// io_getevents': requests held a millisecond before they are reaped take
// at least that. Another process's are not timed, nor any with the timing
// disabled.
func TestAIOLatency(t *testing.T) {
	for _, raw := range []bool{false, true} {
		t.Run(map[bool]string{false: "tp_btf", true: "raw_tp"}[raw], func(t *testing.T) { testAIOLatency(t, raw) })
	}
}

func testAIOLatency(t *testing.T, rawTP bool) {
	const batch, rounds = 4, 50
	testenv.RequireRoot(t)
	f, err := os.Create(filepath.Join(t.TempDir(), "data"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 4096)
	if _, err := f.Write(buf); err != nil {
		t.Fatal(err)
	}
	fd := int(f.Fd())
	run := func(op uint16, b []byte, hold time.Duration) {
		t.Helper()
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := aioRun(fd, op, b, batch, rounds, hold); err != nil {
			t.Fatal(err)
		}
	}
	const pread, pwrite, fdsync = 0, 1, 3
	tr := newLiveTracer(t, Options{Targets: host.Targets{PIDs: []int{os.Getpid()}}, forceRawTP: rawTP})
	if p := probeOf(tr, ProbeAIO); p.Status != model.ProbeAttached {
		t.Fatalf("probe %s: %s %s", ProbeAIO, p.Status, p.Detail)
	}
	collect(t, tr)
	run(pread, buf, 0)
	run(pwrite, buf, 0)
	run(pread, buf, 0)
	run(fdsync, nil, 0)
	s := collect(t, tr)
	want := map[string]uint64{model.AsyncRead: 2 * batch * rounds, model.AsyncWrite: batch * rounds, model.AsyncSync: batch * rounds}
	got := map[string]uint64{}
	for _, r := range s.AIO {
		got[r.Kind] += r.Lat.Count
		if r.Lat.Count > 0 && (r.Lat.SumNs == 0 || r.Lat.MaxNs == 0) {
			t.Errorf("%s: %d requests timed at %d ns in all, max %d", r.Kind, r.Lat.Count, r.Lat.SumNs, r.Lat.MaxNs)
		}
	}
	if !maps.Equal(got, want) {
		t.Errorf("requests timed by kind %v, want %v", got, want)
	}
	if len(s.URing) != 0 {
		t.Errorf("libaio requests timed as io_uring's: %+v", s.URing)
	}

	// Held before they are reaped: the time is the process's, to the reap.
	const hold = time.Millisecond
	run(pread, buf, hold)
	s = collect(t, tr)
	if len(s.AIO) != 1 || s.AIO[0].Kind != model.AsyncRead || s.AIO[0].Lat.Count != batch*rounds {
		t.Fatalf("held reads timed as %+v, want %d reads", s.AIO, batch*rounds)
	}
	h := &s.AIO[0].Lat
	if h.Mean() < hold {
		t.Errorf("reads reaped %v after their submission timed %v on average, want at least the hold", hold, h.Mean())
	}
	for b, n := range h.Buckets[:model.Bucket(uint64(hold))] {
		if n > 0 {
			t.Errorf("%d reads held %v timed in bucket %d, below it", n, hold, b)
		}
	}

	other := newLiveTracer(t, Options{Targets: host.Targets{PIDs: []int{1}}, forceRawTP: rawTP})
	collect(t, other)
	run(pread, buf, 0)
	if s := collect(t, other); len(s.AIO) != 0 {
		t.Errorf("requests of a process not traced timed: %+v", s.AIO)
	}
	off := newLiveTracer(t, Options{Targets: host.Targets{PIDs: []int{os.Getpid()}}, Disable: []string{"aio"}, forceRawTP: rawTP})
	if p := probeOf(off, ProbeAIO); p.Status != model.ProbeUnavailable {
		t.Errorf("probe %s with the timing disabled: %s %s", ProbeAIO, p.Status, p.Detail)
	}
	collect(t, off)
	run(pread, buf, 0)
	if s := collect(t, off); len(s.AIO) != 0 {
		t.Errorf("requests timed with the timing disabled: %+v", s.AIO)
	}
}
