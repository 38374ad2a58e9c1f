package serve

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/nfstrace/nfstrace/internal/model"
)

// OtherLabel is the label value of whatever came after a label's first
// values (wakers, commands), so that the number of series stays bounded.
const OtherLabel = "other"

// maxLabelValues bounds the waker and command label values, OtherLabel aside.
const maxLabelValues = 16

// boundedLabels hands out label values: the first max values seen keep
// their own, later ones get OtherLabel, for the collector's life (so that
// every counter only grows).
type boundedLabels struct {
	max    int
	labels map[string]string
}

func newBoundedLabels(max int) boundedLabels {
	return boundedLabels{max: max, labels: make(map[string]string)}
}

func (b *boundedLabels) label(v string) string {
	if l, ok := b.labels[v]; ok {
		return l
	}
	l := OtherLabel
	if len(b.labels) < b.max && v != OtherLabel {
		l = v
	}
	b.labels[v] = l
	return l
}

// waitMetrics are the run-queue and waker series: the waits the D-state
// series do not show.
type waitMetrics struct {
	wakeups, wakeupSec *prometheus.Desc
	runnable, onCPU    *prometheus.Desc
	behind, outside    *prometheus.Desc
	behindTask         *prometheus.Desc
	lockSec, lockWaits *prometheus.Desc
	queue              *prometheus.Desc

	wakers  boundedLabels
	comms   boundedLabels
	wCount  map[[2]string]uint64 // site label, waker label
	wNs     map[[2]string]uint64
	runNs   map[string]uint64    // comm label
	outNs   map[string]uint64    // comm label
	heldNs  map[[2]string]uint64 // comm label, holder
	tasks   boundedLabels
	taskNs  map[[2]string]uint64 // task label, holder (kernel or other)
	onCPUNs map[string]uint64
	owners  boundedLabels
	lNs     map[[3]string]uint64 // site label, kind, owner label
	lCount  map[[3]string]uint64
	qwait   map[int]*model.Hist // pool id
}

func newWaitMetrics() waitMetrics {
	return waitMetrics{
		wakeups: prometheus.NewDesc("nfstrace_dstate_wakeups_total",
			"D-state intervals of the traced threads ended by a waker, by wait site (as nfstrace_dstate_seconds_total) and waker: a command name, \"irq\" or \"softirq\"; the first 16 wakers seen, the rest in \"other\".",
			[]string{"site", "waker"}, nil),
		wakeupSec: prometheus.NewDesc("nfstrace_dstate_woken_seconds_total",
			"D-state time of the intervals a waker ended, by wait site and waker (as nfstrace_dstate_wakeups_total).",
			[]string{"site", "waker"}, nil),
		runnable: prometheus.NewDesc("nfstrace_runnable_seconds_total",
			"Time the traced threads waited on a run queue for a CPU (runnable, preempted or throttled), by command name: the first 16 seen, the rest in \"other\". An estimate with the procfs backend.",
			[]string{"comm"}, nil),
		behind: prometheus.NewDesc("nfstrace_runnable_behind_seconds_total",
			"Run-queue time of the traced threads in their calls (nfstrace_runnable_seconds_total less nfstrace_runnable_outside_calls_seconds_total) by who had the CPU when each wait ended: \"wake\" (woken onto an idle CPU: the wakeup's own latency), \"idle\" (held off a CPU that then idled, as a CPU quota's throttling does, or moved to an idle one), \"traced\" (another traced thread), \"kernel\" (a kernel thread not traced) or \"other\" (any other process). eBPF only.",
			[]string{"comm", "holder"}, nil),
		behindTask: prometheus.NewDesc("nfstrace_runnable_behind_task_seconds_total",
			"The \"kernel\" and \"other\" parts of nfstrace_runnable_behind_seconds_total (all traced commands) by the task that had the CPU: its command name, or \"kworker \" and the work of a workqueue worker (\"kworker loop0\", \"kworker flush-7:0\"; plain \"kworker\" before 5.17); the first 16 tasks seen, the rest in \"other\". eBPF only.",
			[]string{"task", "holder"}, nil),
		outside: prometheus.NewDesc("nfstrace_runnable_outside_calls_seconds_total",
			"The part of nfstrace_runnable_seconds_total whose waits ended with the thread outside its calls: asleep for time or events (nanosleep, futex, poll, epoll), as a rate-limited thread pacing itself or an idle worker is, or in user space unless it submits asynchronous IO; they delay none of its calls. By command name. eBPF with tp_btf only; nfsd's kernel threads make no calls.",
			[]string{"comm"}, nil),
		onCPU: prometheus.NewDesc("nfstrace_on_cpu_seconds_total",
			"Time the traced threads ran on a CPU, by command name (as nfstrace_runnable_seconds_total).",
			[]string{"comm"}, nil),
		lockSec: prometheus.NewDesc("nfstrace_lock_wait_seconds_total",
			"Time the traced threads waited for a sleeping lock (rwsem, mutex), by wait site (as nfstrace_dstate_seconds_total), kind and the owner's command name when the wait began (the first 16 owners seen, the rest \"other\", \"unknown\" when no owner was read).",
			[]string{"site", "kind", "owner"}, nil),
		lockWaits: prometheus.NewDesc("nfstrace_lock_waits_total",
			"Sleeping-lock waits of the traced threads, by wait site, kind and owner (as nfstrace_lock_wait_seconds_total).",
			[]string{"site", "kind", "owner"}, nil),
		queue: prometheus.NewDesc("nfstrace_nfsd_queue_wait_seconds",
			"Time nfsd requests waited for a free thread, by thread pool: from their transport's enqueue to a thread processing them (eBPF).",
			[]string{"pool"}, nil),
		qwait:   make(map[int]*model.Hist),
		owners:  newBoundedLabels(maxLabelValues),
		lNs:     make(map[[3]string]uint64),
		lCount:  make(map[[3]string]uint64),
		wakers:  newBoundedLabels(maxLabelValues),
		comms:   newBoundedLabels(maxLabelValues),
		wCount:  make(map[[2]string]uint64),
		wNs:     make(map[[2]string]uint64),
		runNs:   make(map[string]uint64),
		outNs:   make(map[string]uint64),
		heldNs:  make(map[[2]string]uint64),
		tasks:   newBoundedLabels(maxLabelValues),
		taskNs:  make(map[[2]string]uint64),
		onCPUNs: make(map[string]uint64),
	}
}

// update adds a snapshot's run and waker rows; siteLabel maps a short wait
// site to its label.
func (w *waitMetrics) update(s *model.Snapshot, siteLabel func(string) string) {
	for i := range s.Wakers {
		r := &s.Wakers[i]
		k := [2]string{siteLabel(ShortSite(r.WaitSite)), w.wakers.label(r.Waker)}
		w.wCount[k] += r.Count
		w.wNs[k] += uint64(max(r.Time, 0))
	}
	for i := range s.Queue {
		q := &s.Queue[i]
		h := w.qwait[q.Pool]
		if h == nil {
			h = new(model.Hist)
			w.qwait[q.Pool] = h
		}
		h.Merge(&q.Wait)
	}
	for i := range s.Locks {
		r := &s.Locks[i]
		owner := "unknown"
		if r.Owner != "" {
			owner = w.owners.label(r.Owner)
		}
		k := [3]string{siteLabel(ShortSite(r.WaitSite)), r.Kind, owner}
		w.lNs[k] += uint64(max(r.Time, 0))
		w.lCount[k] += r.Waits
	}
	for i := range s.Run {
		r := &s.Run[i]
		c := w.comms.label(r.Comm)
		w.runNs[c] += r.Runnable.SumNs
		if r.Outside != nil {
			w.runNs[c] += r.Outside.SumNs
			w.outNs[c] += r.Outside.SumNs
		}
		if r.HeldBy != nil {
			for _, p := range r.HeldBy.Holders() {
				w.heldNs[[2]string{c, p.Key}] += p.Waits.SumNs
			}
		}
		w.onCPUNs[c] += uint64(max(r.OnCPU, 0))
	}
	for i := range s.Holders {
		h := &s.Holders[i]
		holder := model.HeldOther
		if h.Kernel {
			holder = model.HeldKernel
		}
		w.taskNs[[2]string{w.tasks.label(model.HolderLabel(h.Name, h.Work)), holder}] += h.SumNs
	}
}

func (w *waitMetrics) describe(ch chan<- *prometheus.Desc) {
	ch <- w.wakeups
	ch <- w.wakeupSec
	ch <- w.runnable
	ch <- w.onCPU
	ch <- w.behind
	ch <- w.behindTask
	ch <- w.outside
	ch <- w.lockSec
	ch <- w.lockWaits
	ch <- w.queue
}

func (w *waitMetrics) collect(ch chan<- prometheus.Metric) {
	for k, n := range w.wCount {
		ch <- prometheus.MustNewConstMetric(w.wakeups, prometheus.CounterValue, float64(n), k[0], k[1])
		ch <- prometheus.MustNewConstMetric(w.wakeupSec, prometheus.CounterValue, float64(w.wNs[k])/1e9, k[0], k[1])
	}
	for k, ns := range w.lNs {
		ch <- prometheus.MustNewConstMetric(w.lockSec, prometheus.CounterValue, float64(ns)/1e9, k[0], k[1], k[2])
		ch <- prometheus.MustNewConstMetric(w.lockWaits, prometheus.CounterValue, float64(w.lCount[k]), k[0], k[1], k[2])
	}
	for pool, h := range w.qwait {
		ch <- constHistogram(w.queue, h, strconv.Itoa(pool))
	}
	for c, ns := range w.runNs {
		ch <- prometheus.MustNewConstMetric(w.runnable, prometheus.CounterValue, float64(ns)/1e9, c)
		ch <- prometheus.MustNewConstMetric(w.onCPU, prometheus.CounterValue, float64(w.onCPUNs[c])/1e9, c)
	}
	for c, ns := range w.outNs {
		ch <- prometheus.MustNewConstMetric(w.outside, prometheus.CounterValue, float64(ns)/1e9, c)
	}
	for k, ns := range w.heldNs {
		ch <- prometheus.MustNewConstMetric(w.behind, prometheus.CounterValue, float64(ns)/1e9, k[0], k[1])
	}
	for k, ns := range w.taskNs {
		ch <- prometheus.MustNewConstMetric(w.behindTask, prometheus.CounterValue, float64(ns)/1e9, k[0], k[1])
	}
}
