package ebpf

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

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
		a, err := newAIOCtx(depth)
		if err != nil {
			return err
		}
		defer a.close()
		for r := range rounds {
			for i := range depth {
				a.prep(i, 0, fd, bufs[4096*i:4096*(i+1)], int64(((r*depth+i)*7919)%8192)*4096) // IOCB_CMD_PREAD
			}
			if err := a.submit(depth); err != nil {
				return err
			}
			if r%10 == 0 {
				holdThread(time.Millisecond)
			}
			n, err := a.reap(depth, func(res int64) error {
				if res != 4096 {
					return fmt.Errorf("read of 4096 bytes returned %d", res)
				}
				return nil
			})
			calls += n
			if err != nil {
				return err
			}
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
	// A round whose reads are all done before the thread waits costs no
	// sleep, and how many are depends on the machine's load: a quarter of
	// the calls slept on a quiet machine, a fifth or as few as 3 in 500
	// with two busy loops beside. So batches of rounds run until the
	// tracer has seen minWaits waits, at most maxBatches of them.
	const rounds, minWaits, maxBatches = 500, 50, 40
	loop := newLoop(t, 64<<20)
	loop.setScheduler(t, "mq-deadline")

	batch := make(chan struct{})
	type result struct {
		calls int
		err   error
	}
	results := make(chan result)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		for range batch {
			// As many in flight as the requests the programs remember
			// per thread (TID_RQS), so that a wait with reads in
			// flight finds one of them.
			n, err := aioReads(loop.path, 4, rounds)
			results <- result{n, err}
		}
	}()
	defer close(batch)
	tr := newLiveTracer(t, Options{Targets: host.Targets{PIDs: []int{os.Getpid()}}, MinDState: time.Microsecond, forceRawTP: rawTP})
	collect(t, tr)
	var s model.Snapshot
	var n, batches int
	var submitted uint64
	for seen := uint64(0); seen < minWaits && batches < maxBatches; batches++ {
		batch <- struct{}{}
		r := <-results
		if r.err != nil {
			t.Fatal(r.err)
		}
		n += r.calls
		b := collect(t, tr)
		if b.Submits == nil {
			t.Fatal("no count of the IOs submitted (sys_exit not attached?)")
		}
		if b.Submits.URing != 0 {
			t.Errorf("%d io_uring submissions counted for a thread that made none", b.Submits.URing)
		}
		submitted += b.Submits.AIO
		for _, d := range b.AsyncIO {
			seen += d.Hist.Count
		}
		s.AsyncIO = append(s.AsyncIO, b.AsyncIO...)
		s.DState = append(s.DState, b.DState...)
		s.Events = append(s.Events, b.Events...)
	}

	// Every io_submit queued all its reads: the count is exact.
	if want := uint64(batches * rounds * 4); submitted != want {
		t.Errorf("%d iocbs counted as submitted, want %d (%d batches of %d rounds of 4)", submitted, want, batches, rounds)
	}
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
		case d.Device == model.NotBlockIO && !rawTP:
			unlabelled += d.Hist.SumNs
		default:
			t.Errorf("async IO row labelled %s/%s, want %s/mq-deadline or none", d.Device, d.Scheduler, loop.name)
		}
		if !strings.Contains(string(d.WaitSite), "read_events") {
			t.Errorf("async IO row at %q, want io_getevents' read_events", d.WaitSite)
		}
		waits += d.Hist.Count
	}
	if waits < minWaits {
		t.Errorf("%d async IO waits in %d batches of %d rounds (%d io_getevents calls), want at least %d", waits, batches, rounds, n, minWaits)
	}
	// A wait whose reads completed as it went to sleep has no device:
	// short, and the lesser part of the time.
	if labelled <= unlabelled {
		t.Errorf("%v of the wait time labelled %s, %v with no device: want most labelled",
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
	t.Logf("%d batches, %d io_getevents calls, %d async IO waits, %d D-state waits on %s", batches, n, waits, inD, loop.name)
}
