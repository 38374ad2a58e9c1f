package report

import (
	"strings"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/model"
)

// TestAsyncLines: the waits for asynchronous IO's completions get lines of
// their own, summed per command, device and completion wait over the
// window, most wait first, and stay out of the wait-site table of D state.
func TestAsyncLines(t *testing.T) {
	const getevents = "__schedule;schedule;read_events;do_io_getevents;__x64_sys_io_getevents;do_syscall_64"
	const uring = "__schedule;schedule;io_cqring_wait;__do_sys_io_uring_enter;do_syscall_64"
	snap := func(i int, rows ...model.DState) *model.Snapshot {
		s := busySnapshot(i)
		s.AsyncIO = rows
		return s
	}
	window := []*model.Snapshot{
		snap(0, model.DState{Comm: "fio", WaitSite: getevents, Device: "vdb", Scheduler: "none", Threads: 2, Hist: hist(1000, 200*time.Microsecond)}),
		snap(1, model.DState{Comm: "fio", WaitSite: getevents, Device: "vdb", Scheduler: "none", Threads: 2, Hist: hist(1000, 200*time.Microsecond)},
			model.DState{Comm: "db", WaitSite: uring, Device: "vda", Scheduler: "mq-deadline", Threads: 1, Hist: hist(10, time.Millisecond)},
			model.DState{Comm: "db", WaitSite: uring, Device: model.NotBlockIO, Scheduler: model.NotBlockIO, Threads: 1, Hist: hist(5, time.Millisecond)}),
	}
	f, err := NewFrame(busyConfig(), window, Options{})
	if err != nil {
		t.Fatal(err)
	}
	lines, err := f.Lines(Layout{Width: 200})
	if err != nil {
		t.Fatal(err)
	}
	var aio []string
	for _, l := range lines {
		if strings.HasPrefix(l, "aio ") || strings.HasPrefix(l, "... ") && strings.Contains(l, "asynchronous") {
			aio = append(aio, l)
		}
		if strings.Contains(l, "read_events") && !strings.HasPrefix(l, "aio ") {
			t.Errorf("a wait for asynchronous IO outside its line: %q", l)
		}
	}
	want := []string{
		// 2000 waits of 200µs over 2 s: 0.2 threads waiting on average.
		"aio fio: 0.20 threads waiting for their IO on vdb (none) on average; in read_events ← do_io_getevents; wait p50 ",
		"aio db: 0.01 threads waiting for their IO on vda (mq-deadline) on average; in io_cqring_wait ← __do_sys_io_uring_enter; wait p50 ",
		"... 1 more waits for asynchronous IO",
	}
	if len(aio) != len(want) {
		t.Fatalf("aio lines %q, want %d", aio, len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(aio[i], w) {
			t.Errorf("line %d = %q, want prefix %q", i, aio[i], w)
		}
	}
	for _, r := range f.WaitSites {
		if strings.Contains(string(r.Site), "read_events") {
			t.Errorf("wait-site row %q holds a wait for asynchronous IO", r.Site)
		}
	}
	if f.AsyncIO[0].Latency.Count != 2000 || f.AsyncIO[0].Threads != 2 {
		t.Errorf("fio row %+v: want 2000 waits by 2 threads", f.AsyncIO[0])
	}
	last := f.AsyncIO[len(f.AsyncIO)-1]
	if last.Device != model.NotBlockIO {
		t.Fatalf("last row %+v, want the one without a device", last)
	}
	f.AsyncIO = []AsyncRow{last}
	if l := f.asyncLines(0); len(l) != 1 || !strings.HasPrefix(l[0], "aio db: 0.00 threads waiting for their IO with no request of theirs on a device on average; in io_cqring_wait") {
		t.Errorf("line of the waits without a device %q", l)
	}
	// The procfs backend samples the wait and knows no device.
	last.Device = ""
	f.AsyncIO = []AsyncRow{last}
	if l := f.asyncLines(0); len(l) != 1 || !strings.HasPrefix(l[0], "aio db: 0.00 threads waiting for their IO on a device the sampler cannot name on average") {
		t.Errorf("line of the waits the backend could not label %q", l)
	}
}
