package ebpf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"runtime"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/nfstrace/nfstrace/internal/host"
	"github.com/nfstrace/nfstrace/internal/model"
	"github.com/nfstrace/nfstrace/internal/testenv"
)

// uringNops submits rounds batches of batch no-op SQEs through one
// io_uring, each batch in one io_uring_enter that waits for all of them
// to complete, and reaps their completions. It returns the SQEs the calls
// reported consumed.
func uringNops(batch, rounds int) (uint64, error) {
	return uringRun(batch, rounds, func([]byte, int) {})
}

// uringRun is uringNops with each SQE (64 bytes, zeroed: a NOP) filled by
// fill, given its position in the batch.
func uringRun(batch, rounds int, fill func(sqe []byte, i int)) (uint64, error) {
	// struct io_uring_params: 10 u32 (sq_entries, cq_entries, flags,
	// sq_thread_cpu, sq_thread_idle, features, wq_fd, resv[3]), then
	// struct io_sqring_offsets and io_cqring_offsets, 40 bytes each.
	var params [120]byte
	fd, _, e := unix.Syscall(unix.SYS_IO_URING_SETUP, uintptr(batch), uintptr(unsafe.Pointer(&params[0])), 0)
	if e != 0 {
		return 0, fmt.Errorf("io_uring_setup: %w", e)
	}
	defer unix.Close(int(fd))
	u32 := func(off int) uint32 { return binary.LittleEndian.Uint32(params[off:]) }
	sqEntries, cqEntries := u32(0), u32(4)
	sqOff, cqOff := 40, 80
	sqTail, sqMask, sqArray := u32(sqOff+4), u32(sqOff+8), u32(sqOff+24)
	cqHead, cqTail, cqes := u32(cqOff), u32(cqOff+4), u32(cqOff+20)

	sq, err := unix.Mmap(int(fd), 0, int(sqArray+4*sqEntries), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE)
	if err != nil {
		return 0, fmt.Errorf("mmap SQ ring: %w", err)
	}
	defer unix.Munmap(sq)
	cq, err := unix.Mmap(int(fd), 0x8000000, int(cqes+16*cqEntries), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE)
	if err != nil {
		return 0, fmt.Errorf("mmap CQ ring: %w", err)
	}
	defer unix.Munmap(cq)
	sqes, err := unix.Mmap(int(fd), 0x10000000, int(64*sqEntries), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE)
	if err != nil {
		return 0, fmt.Errorf("mmap SQEs: %w", err)
	}
	defer unix.Munmap(sqes)

	word := func(b []byte, off uint32) *uint32 { return (*uint32)(unsafe.Pointer(&b[off])) }
	mask := *word(sq, sqMask)
	var consumed uint64
	for r := 0; r < rounds; r++ {
		tail := *word(sq, sqTail)
		for i := 0; i < batch; i++ {
			idx := (tail + uint32(i)) & mask
			clear(sqes[64*idx : 64*(idx+1)]) // opcode 0: IORING_OP_NOP
			fill(sqes[64*idx:64*(idx+1)], i)
			*word(sq, sqArray+4*idx) = idx
		}
		*word(sq, sqTail) = tail + uint32(batch) // the kernel reads it in the call below
		n, _, e := unix.Syscall6(unix.SYS_IO_URING_ENTER, fd, uintptr(batch), uintptr(batch), 1 /* IORING_ENTER_GETEVENTS */, 0, 0)
		if e != 0 {
			return consumed, fmt.Errorf("io_uring_enter: %w", e)
		}
		consumed += uint64(n)
		*word(cq, cqHead) = *word(cq, cqTail)
	}
	return consumed, nil
}

// TestSubmitsCounted: the IOs a traced thread submits through io_uring are
// counted as io_uring_enter returns, exactly, and apart from io_submit's
// (TestAsyncIOWaits checks those); a thread that is not traced adds none.
func TestSubmitsCounted(t *testing.T) {
	for _, raw := range []bool{false, true} {
		t.Run(map[bool]string{false: "tp_btf", true: "raw_tp"}[raw], func(t *testing.T) { testSubmitsCounted(t, raw) })
	}
}

func testSubmitsCounted(t *testing.T, rawTP bool) {
	const batch, rounds = 8, 200
	requireURing(t)
	tr := newLiveTracer(t, Options{Targets: host.Targets{PIDs: []int{os.Getpid()}}, forceRawTP: rawTP})
	collect(t, tr)

	runtime.LockOSThread()
	got, err := uringNops(batch, rounds)
	runtime.UnlockOSThread()
	if err != nil {
		t.Fatal(err)
	}
	s := collect(t, tr)
	if s.Submits == nil {
		t.Fatal("no count of the IOs submitted (sys_exit not attached?)")
	}
	if want := uint64(batch * rounds); got != want || s.Submits.URing != want {
		t.Errorf("io_uring_enter consumed %d SQEs; the tracer counted %d, want %d", got, s.Submits.URing, want)
	}
	if s.Submits.AIO != 0 {
		t.Errorf("%d io_submit iocbs counted for a thread that made none", s.Submits.AIO)
	}

	// Another process's submissions are not the targets'.
	other := newLiveTracer(t, Options{Targets: host.Targets{PIDs: []int{1}}, forceRawTP: rawTP})
	collect(t, other)
	if _, err := uringNops(batch, rounds); err != nil {
		t.Fatal(err)
	}
	if s := collect(t, other); s.Submits == nil || s.Submits.Count() != 0 {
		t.Errorf("submissions of a thread not traced counted: %+v", s.Submits)
	}
}

// uringRW returns an SQE filler for IORING_OP_READ (22) or IORING_OP_WRITE
// (23) of len(buf) bytes of fd at offset 0 into or from buf, or
// IORING_OP_FSYNC (3) of fd when buf is nil.
func uringRW(op uint8, fd int, buf []byte) func([]byte, int) {
	return func(sqe []byte, _ int) {
		// struct io_uring_sqe: u8 opcode, u8 flags, u16 ioprio, s32 fd,
		// u64 off, u64 addr, u32 len.
		sqe[0] = op
		binary.LittleEndian.PutUint32(sqe[4:], uint32(fd))
		if buf != nil {
			binary.LittleEndian.PutUint64(sqe[16:], uint64(uintptr(unsafe.Pointer(&buf[0]))))
			binary.LittleEndian.PutUint32(sqe[24:], uint32(len(buf)))
		}
	}
}

// TestURingLatency: each io_uring read, write and fsync a traced thread
// submits is timed once, in its kind, and NOPs are not; another
// process's are not timed.
func TestURingLatency(t *testing.T) {
	for _, raw := range []bool{false, true} {
		t.Run(map[bool]string{false: "tp_btf", true: "raw_tp"}[raw], func(t *testing.T) { testURingLatency(t, raw) })
	}
}

func testURingLatency(t *testing.T, rawTP bool) {
	const batch, rounds = 4, 50
	requireURing(t)
	fd, buf := dataFile(t)
	run := func(fill func([]byte, int)) {
		t.Helper()
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if _, err := uringRun(batch, rounds, fill); err != nil {
			t.Fatal(err)
		}
	}
	tr := newLiveTracer(t, Options{Targets: host.Targets{PIDs: []int{os.Getpid()}}, forceRawTP: rawTP})
	if p := probeOf(tr, ProbeURing); p.Status != model.ProbeAttached {
		t.Fatalf("probe %s: %s %s", ProbeURing, p.Status, p.Detail)
	}
	collect(t, tr)
	missed := progMisses(t, tr, "io_uring")
	run(uringRW(22, fd, buf))
	run(uringRW(23, fd, buf))
	run(uringRW(22, fd, buf))
	run(uringRW(3, fd, nil))
	run(func([]byte, int) {})
	s := collect(t, tr)
	// NOPs untimed.
	checkTimed(t, s.URing, map[string]uint64{model.AsyncRead: 2 * batch * rounds, model.AsyncWrite: batch * rounds, model.AsyncSync: batch * rounds}, missed())

	other := newLiveTracer(t, Options{Targets: host.Targets{PIDs: []int{1}}, forceRawTP: rawTP})
	collect(t, other)
	run(uringRW(22, fd, buf))
	if s := collect(t, other); len(s.URing) != 0 {
		t.Errorf("requests of a thread not traced timed: %+v", s.URing)
	}
}

// requireURing skips without root or io_uring, and fails where io_uring is
// there but a NOP cannot go through it.
func requireURing(t *testing.T) {
	t.Helper()
	testenv.RequireRoot(t)
	if _, err := uringNops(1, 1); err != nil {
		if errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EPERM) {
			testenv.Skip(t, "io_uring not available: "+err.Error())
		}
		t.Fatal(err)
	}
}
