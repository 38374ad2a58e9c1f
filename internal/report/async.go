package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/nfstrace/nfstrace/internal/model"
)

// AsyncRow is the time the traced threads of one command name waited for
// the completions of their asynchronous IO on one device (libaio's
// io_getevents, io_uring_enter): interruptible sleeps, not D state, which
// the wait-site table does not hold.
type AsyncRow struct {
	Comm string `json:"comm"`
	// Device is the device of a request of theirs in flight when they
	// went to sleep, model.NotBlockIO when none was (IO held above the
	// device, or completed just then), "" when the backend cannot tell
	// (procfs).
	Device    string `json:"device"`
	Scheduler string `json:"scheduler"`
	// Site is the completion wait, its first two frames ("read_events ←
	// do_io_getevents").
	Site string `json:"site"`
	// WaitPerSec is wait time per second: how many of the threads waited
	// for their IO on average.
	WaitPerSec float64 `json:"wait_per_s"`
	Threads    int     `json:"threads"`
	Latency    Latency `json:"latency"`
}

// maxAsyncLines bounds the asynchronous IO lines of the top screen.
const maxAsyncLines = 2

type asyncKey struct{ comm, device, sched, site string }

// asyncTable sums the waits for asynchronous IO per command name, device
// and completion wait.
type asyncTable struct {
	by map[asyncKey]*asyncAcc
}

type asyncAcc struct {
	h       model.Hist
	threads int
}

func (t *asyncTable) add(s *model.Snapshot) {
	for i := range s.AsyncIO {
		d := &s.AsyncIO[i]
		if t.by == nil {
			t.by = map[asyncKey]*asyncAcc{}
		}
		fr := d.WaitSite.Short()
		k := asyncKey{d.Comm, d.Device, d.Scheduler, strings.Join(fr[:min(len(fr), 2)], model.StackSep)}
		a := t.by[k]
		if a == nil {
			a = &asyncAcc{}
			t.by[k] = a
		}
		a.h.Merge(&d.Hist)
		a.threads = max(a.threads, d.Threads)
	}
}

// rows are the waits, most wait time first, rates over sec seconds.
func (t *asyncTable) rows(sec float64) []AsyncRow {
	rows := make([]AsyncRow, 0, len(t.by))
	for k, a := range t.by {
		if a.h.Count == 0 {
			continue
		}
		r := AsyncRow{Comm: k.comm, Device: k.device, Scheduler: k.sched,
			Site:       k.site,
			WaitPerSec: perSec(a.h.Sum().Seconds(), sec), Threads: a.threads}
		if l := latencyOf(&a.h); l != nil {
			r.Latency = *l
		}
		rows = append(rows, r)
	}
	slices.SortFunc(rows, func(a, b AsyncRow) int {
		if c := cmpDesc(a.WaitPerSec, b.WaitPerSec); c != 0 {
			return c
		}
		return strings.Compare(a.Comm+a.Device+a.Site, b.Comm+b.Device+b.Site)
	})
	return rows
}

// asyncLines are the top screen's lines for the waits for asynchronous
// IO: "aio fio: 0.22 threads waiting for their IO on loop0 (mq-deadline)
// on average; in read_events ← do_io_getevents; wait p50 61µs p99 310µs",
// its parts wrapped at maxWidth columns (0: one line).
func (f *Frame) asyncLines(maxWidth int) []string {
	var lines []string
	for i, r := range f.AsyncIO {
		if i == maxAsyncLines {
			lines = append(lines, fmt.Sprintf("... %d more waits for asynchronous IO", len(f.AsyncIO)-maxAsyncLines))
			break
		}
		on := fmt.Sprintf("on %s (%s)", r.Device, orDash(r.Scheduler))
		switch r.Device {
		case model.NotBlockIO:
			// None of their requests was in flight as they went to
			// sleep: held above the device, or just completed.
			on = "with no request of theirs on a device"
		case "":
			// The procfs backend samples the wait, not the requests.
			on = "on a device the sampler cannot name"
		}
		parts := []string{fmt.Sprintf("aio %s: %.2f threads waiting for their IO %s on average", r.Comm, r.WaitPerSec, on),
			"in " + r.Site}
		if r.Latency.Count > 0 {
			parts = append(parts, "wait p50 "+fmtNs(r.Latency.P50Ns)+" p99 "+fmtNs(r.Latency.P99Ns))
		}
		lines = append(lines, wrapParts(parts, maxWidth, "  ")...)
	}
	return lines
}
