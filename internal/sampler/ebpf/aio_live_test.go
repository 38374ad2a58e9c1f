package ebpf

import (
	"encoding/binary"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/nfstrace/nfstrace/internal/host"
	"github.com/nfstrace/nfstrace/internal/model"
	"github.com/nfstrace/nfstrace/internal/testenv"
)

// aioCtx is a libaio context with room for depth requests: their iocbs,
// the pointers io_submit takes and the events io_getevents fills.
type aioCtx struct {
	ctx    uint64
	iocbs  []byte
	ptrs   []uintptr
	events []byte
}

func newAIOCtx(depth int) (*aioCtx, error) {
	a := &aioCtx{iocbs: make([]byte, 64*depth), ptrs: make([]uintptr, depth), events: make([]byte, 32*depth)}
	if _, _, e := unix.Syscall(unix.SYS_IO_SETUP, uintptr(depth), uintptr(unsafe.Pointer(&a.ctx)), 0); e != 0 {
		return nil, fmt.Errorf("io_setup: %w", e)
	}
	return a, nil
}

func (a *aioCtx) close() { unix.Syscall(unix.SYS_IO_DESTROY, uintptr(a.ctx), 0, 0) }

// prep fills iocb i: opcode op (IOCB_CMD_*) on fd, buf's bytes at off.
// struct iocb, 64 bytes: data u64, key u32, rw_flags u32, opcode u16 (at
// 16), reqprio s16, fildes u32 (20), buf u64 (24), nbytes u64 (32), offset
// s64 (40), reserved u64, flags u32, resfd u32.
func (a *aioCtx) prep(i int, op uint16, fd int, buf []byte, off int64) {
	cb := a.iocbs[64*i : 64*(i+1)]
	clear(cb)
	binary.LittleEndian.PutUint16(cb[16:], op)
	binary.LittleEndian.PutUint32(cb[20:], uint32(fd))
	if len(buf) > 0 {
		binary.LittleEndian.PutUint64(cb[24:], uint64(uintptr(unsafe.Pointer(&buf[0]))))
		binary.LittleEndian.PutUint64(cb[32:], uint64(len(buf)))
	}
	binary.LittleEndian.PutUint64(cb[40:], uint64(off))
	a.ptrs[i] = uintptr(unsafe.Pointer(&cb[0]))
}

// submit queues the first n iocbs in one io_submit.
func (a *aioCtx) submit(n int) error {
	got, _, e := unix.Syscall(unix.SYS_IO_SUBMIT, uintptr(a.ctx), uintptr(n), uintptr(unsafe.Pointer(&a.ptrs[0])))
	if e != 0 || int(got) != n {
		return fmt.Errorf("io_submit: %d of %d: %v", got, n, e)
	}
	return nil
}

// reap waits in io_getevents for n events and checks each result; it
// returns the calls it made.
func (a *aioCtx) reap(n int, check func(res int64) error) (int, error) {
	calls := 0
	for done := 0; done < n; {
		got, _, e := unix.Syscall6(unix.SYS_IO_GETEVENTS, uintptr(a.ctx), 1, uintptr(n-done),
			uintptr(unsafe.Pointer(&a.events[0])), 0, 0)
		calls++
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return calls, fmt.Errorf("io_getevents: %w", e)
		}
		for i := range int(got) {
			if err := check(int64(binary.LittleEndian.Uint64(a.events[32*i+16:]))); err != nil {
				return calls, err
			}
		}
		done += int(got)
	}
	runtime.KeepAlive(a.iocbs)
	return calls, nil
}

// aioRun submits rounds batches of batch libaio requests of opcode op
// (IOCB_CMD_*) on fd, at offset 0 with buf for the data, each batch in one
// io_submit; it sleeps hold with them queued, then reaps all their events
// with io_getevents.
func aioRun(fd int, op uint16, buf []byte, batch, rounds int, hold time.Duration) error {
	a, err := newAIOCtx(batch)
	if err != nil {
		return err
	}
	defer a.close()
	for range rounds {
		for i := range batch {
			a.prep(i, op, fd, buf, 0)
		}
		if err := a.submit(batch); err != nil {
			return err
		}
		if hold > 0 {
			holdThread(hold)
		}
		if _, err := a.reap(batch, func(res int64) error {
			if res < 0 {
				return fmt.Errorf("request of opcode %d failed: %v", op, unix.Errno(-res))
			}
			return nil
		}); err != nil {
			return err
		}
	}
	runtime.KeepAlive(buf)
	return nil
}

// holdThread keeps the calling thread asleep in the kernel for d at
// least, as a process busy elsewhere leaves its completions unreaped. A
// signal (the Go runtime's preemption signal among them) ends nanosleep
// early, so it sleeps again for the rest: a test that holds requests a
// millisecond must not see one held less.
func holdThread(d time.Duration) {
	ts := unix.NsecToTimespec(d.Nanoseconds())
	for {
		var rem unix.Timespec
		if err := unix.Nanosleep(&ts, &rem); err != unix.EINTR {
			return
		}
		ts = rem
	}
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
	fd, buf := dataFile(t)
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
	missed := progMisses(t, tr, "sys_exit")
	run(pread, buf, 0)
	run(pwrite, buf, 0)
	run(pread, buf, 0)
	run(fdsync, nil, 0)
	s := collect(t, tr)
	checkTimed(t, s.AIO, map[string]uint64{model.AsyncRead: 2 * batch * rounds, model.AsyncWrite: batch * rounds, model.AsyncSync: batch * rounds}, missed())
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

// dataFile is a 4 KiB file in a test directory, open for reading and
// writing, and a buffer of its size.
func dataFile(t *testing.T) (int, []byte) {
	t.Helper()
	f, err := os.Create(filepath.Join(t.TempDir(), "data"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	buf := make([]byte, 4096)
	if _, err := f.Write(buf); err != nil {
		t.Fatal(err)
	}
	return int(f.Fd()), buf
}

// checkTimed checks the requests timed by kind against want, and that
// every kind timed took some time. A shortfall is allowed only up to the
// misses the kernel counted for the programs that time them (missed: where
// tracepoints run programs preemptibly, a thread preempted inside one makes
// the next on its CPU skip it), and is logged: never silent, never more.
func checkTimed(t *testing.T, rows []model.AsyncLat, want map[string]uint64, missed uint64) {
	t.Helper()
	got := map[string]uint64{}
	for _, r := range rows {
		got[r.Kind] += r.Lat.Count
		if r.Lat.Count > 0 && (r.Lat.SumNs == 0 || r.Lat.MaxNs == 0) {
			t.Errorf("%s: %d requests timed at %d ns in all, max %d", r.Kind, r.Lat.Count, r.Lat.SumNs, r.Lat.MaxNs)
		}
	}
	if maps.Equal(got, want) {
		return
	}
	var short uint64
	for k, w := range want {
		if got[k] > w {
			t.Errorf("requests timed by kind %v, want %v: more %s than made", got, want, k)
			return
		}
		short += w - got[k]
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("requests timed by kind %v, want %v: %s made none", got, want, k)
			return
		}
	}
	if short > missed {
		t.Errorf("requests timed by kind %v, want %v: %d short, the programs missed %d", got, want, short, missed)
		return
	}
	t.Logf("requests timed by kind %v, want %v: %d short, as many as the programs the kernel skipped (%d)", got, want, short, missed)
}

// progMisses is a counter of the skips (recursion misses) of tr's programs
// whose names contain sub: each call returns those since the previous.
func progMisses(t *testing.T, tr *Tracer, sub string) func() uint64 {
	t.Helper()
	var progs []*ebpf.Program
	for name, p := range tr.coll.Programs {
		if strings.Contains(name, sub) {
			progs = append(progs, p)
		}
	}
	if len(progs) == 0 {
		t.Fatalf("no program named *%s* loaded", sub)
	}
	var m missCounter
	next := func() uint64 {
		n, err := missDelta(&m, progs)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	next()
	return next
}
