package ebpf

import (
	"encoding/binary"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/nfstrace/nfstrace/internal/host"
	"github.com/nfstrace/nfstrace/internal/model"
)

// aioReads reads the device with libaio's system calls, depth requests of
// 4 KiB O_DIRECT in flight, rounds times: submit them all, then wait in
// io_getevents for all of them. Every tenth round it sleeps for a
// millisecond (nanosleep) with its reads in flight first. It returns how
// many io_getevents calls it made.
func aioReads(dev string, depth, rounds int) (int, error) {
	var calls int
	err := withDirect(dev, unix.O_RDONLY, func(fd int, _ []byte) error {
		bufs, err := unix.Mmap(-1, 0, 4096*depth, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
		if err != nil {
			return err
		}
		defer unix.Munmap(bufs)
		var ctx uint64
		if _, _, e := unix.Syscall(unix.SYS_IO_SETUP, uintptr(depth), uintptr(unsafe.Pointer(&ctx)), 0); e != 0 {
			return fmt.Errorf("io_setup: %w", e)
		}
		defer unix.Syscall(unix.SYS_IO_DESTROY, uintptr(ctx), 0, 0)
		// struct iocb: data u64, key u32, rw_flags u32, opcode u16,
		// reqprio s16, fildes u32, buf u64, nbytes u64, offset s64,
		// reserved u64, flags u32, resfd u32: 64 bytes.
		iocbs := make([]byte, 64*depth)
		ptrs := make([]uintptr, depth)
		events := make([]byte, 32*depth)
		for r := 0; r < rounds; r++ {
			for i := 0; i < depth; i++ {
				cb := iocbs[64*i : 64*(i+1)]
				clear(cb)
				binary.LittleEndian.PutUint16(cb[16:], 0) // IOCB_CMD_PREAD
				binary.LittleEndian.PutUint32(cb[20:], uint32(fd))
				binary.LittleEndian.PutUint64(cb[24:], uint64(uintptr(unsafe.Pointer(&bufs[4096*i]))))
				binary.LittleEndian.PutUint64(cb[32:], 4096)
				binary.LittleEndian.PutUint64(cb[40:], uint64(((r*depth+i)*7919)%8192)*4096)
				ptrs[i] = uintptr(unsafe.Pointer(&cb[0]))
			}
			n, _, e := unix.Syscall(unix.SYS_IO_SUBMIT, uintptr(ctx), uintptr(depth), uintptr(unsafe.Pointer(&ptrs[0])))
			if e != 0 || int(n) != depth {
				return fmt.Errorf("io_submit: %d of %d: %v", n, depth, e)
			}
			if r%10 == 0 {
				ts := unix.NsecToTimespec(int64(time.Millisecond))
				_ = unix.Nanosleep(&ts, nil)
			}
			for done := 0; done < depth; {
				n, _, e := unix.Syscall6(unix.SYS_IO_GETEVENTS, uintptr(ctx), 1, uintptr(depth-done),
					uintptr(unsafe.Pointer(&events[0])), 0, 0)
				calls++
				if e == unix.EINTR {
					continue
				}
				if e != 0 {
					return fmt.Errorf("io_getevents: %w", e)
				}
				for i := 0; i < int(n); i++ {
					if res := int64(binary.LittleEndian.Uint64(events[32*i+16:])); res != 4096 {
						return fmt.Errorf("read of 4096 bytes returned %d", res)
					}
				}
				done += int(n)
			}
			runtime.KeepAlive(iocbs)
		}
		return nil
	})
	return calls, err
}

// TestAsyncIOWaits: a thread that waits in io_getevents for reads of its
// own sleeps interruptibly, not in D; the tracer keeps those sleeps apart
// from D state, at the completion wait, labelled with the device its reads
// went to. Its other interruptible sleeps, such as a nanosleep while its
// reads are in flight, are not kept. With BTF the programs know the wait by
// its system call; as raw_tp, by the thread's own reads in flight.
func TestAsyncIOWaits(t *testing.T) {
	for _, raw := range []bool{false, true} {
		t.Run(map[bool]string{false: "tp_btf", true: "raw_tp"}[raw], func(t *testing.T) { testAsyncIOWaits(t, raw) })
	}
}

func testAsyncIOWaits(t *testing.T, rawTP bool) {
	loop := newLoop(t, 64<<20)
	loop.setScheduler(t, "mq-deadline")

	start, done := make(chan struct{}), make(chan error, 1)
	calls := make(chan int, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		<-start
		n, err := aioReads(loop.path, 8, 500)
		calls <- n
		done <- err
	}()
	tr := newLiveTracer(t, Options{Targets: host.Targets{PIDs: []int{os.Getpid()}}, MinDState: time.Microsecond, forceRawTP: rawTP})
	collect(t, tr)
	close(start)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	n := <-calls
	s := collect(t, tr)

	var waits, labelled, unlabelled uint64
	for _, d := range s.AsyncIO {
		t.Logf("%s %s %s %s n=%d mean=%v threads=%d", d.Comm, d.Device, d.Scheduler, d.WaitSite, d.Hist.Count, d.Hist.Mean(), d.Threads)
		if !d.WaitSite.AsyncIOWait() {
			t.Errorf("async IO row at %q, not a completion wait", d.WaitSite)
		}
		// A wait whose reads were not among the last few the thread
		// submitted, or completed as it went to sleep, has no device.
		switch {
		case d.Device == loop.name && d.Scheduler == "mq-deadline":
			labelled += d.Hist.SumNs
		case d.Device == model.NotBlockIO:
			unlabelled += d.Hist.SumNs
		default:
			t.Errorf("async IO row labelled %s/%s, want %s/mq-deadline or none", d.Device, d.Scheduler, loop.name)
		}
		if !strings.Contains(string(d.WaitSite), "read_events") {
			t.Errorf("async IO row at %q, want io_getevents' read_events", d.WaitSite)
		}
		waits += d.Hist.Count
	}
	// A round's reads that are all done before the thread waits cost no
	// sleep; on a loop device each read goes through the loop worker, so
	// most rounds sleep at least once.
	if waits < uint64(n)/4 {
		t.Errorf("%d async IO waits for %d io_getevents calls, want at least a quarter", waits, n)
	}
	if labelled < 3*unlabelled {
		t.Errorf("%v of the wait time labelled %s, %v with no device: want three quarters labelled",
			time.Duration(labelled), loop.name, time.Duration(unlabelled))
	}
	for _, d := range s.DState {
		if strings.Contains(string(d.WaitSite), "read_events") {
			t.Errorf("io_getevents sleep counted as D state: %+v", d)
		}
	}
	for _, e := range s.Events {
		if strings.Contains(string(e.Site), "read_events") {
			t.Errorf("event for an interruptible sleep: %+v", e)
		}
	}
	var inD uint64
	for _, d := range s.DState {
		if d.Device == loop.name {
			inD += d.Hist.Count
		}
	}
	t.Logf("%d io_getevents calls, %d async IO waits, %d D-state waits on %s", n, waits, inD, loop.name)
}
