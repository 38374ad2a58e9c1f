package model

import "strings"

// ThreadName is the name the threads of one role are counted under. The
// kernel names some threads after a number that differs from thread to
// thread and from run to run: per-CPU kernel threads ("ksoftirqd/1",
// "migration/0"), workqueue workers ("kworker/u8:3-events_unbound") and
// io_uring's threads, named after the process they work for ("iou-wrk-9659",
// "iou-sqp-9632"). Counted under their full names, the same role would be a
// different row in each capture and a label per thread in a metric; each is
// counted under its name without the number ("ksoftirqd", "kworker",
// "iou-wrk"). Any other name is returned as it is.
// URingWorker is the name io_uring's workers are counted under: threads
// the kernel starts for a process's IO that cannot complete at once (a
// buffered read whose pages are not in the page cache, a write that must
// block), not threads the process runs.
const URingWorker = "iou-wrk"

func ThreadName(comm string) string {
	if base, suffix, ok := strings.Cut(comm, "/"); ok {
		if base == "kworker" || suffix != "" && strings.Trim(suffix, "0123456789") == "" {
			return base
		}
		return comm
	}
	for _, p := range []string{"iou-wrk-", "iou-sqp-"} {
		if n, ok := strings.CutPrefix(comm, p); ok && n != "" && strings.Trim(n, "0123456789") == "" {
			return p[:len(p)-1]
		}
	}
	return comm
}
