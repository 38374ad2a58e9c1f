package serve

import (
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/nfstrace/nfstrace/internal/model"
)

// kernelCounters counts the kernel's messages of interest by class: the
// label takes the values of model.KlogClasses only, never a template's text.
type kernelCounters struct {
	enabled bool // the kernel log is read: every class is sent, from 0
	byClass map[string]uint64
	lost    uint64
	msgs    *prometheus.Desc
	lostD   *prometheus.Desc
}

func newKernelCounters(cfg model.Config) kernelCounters {
	return kernelCounters{
		enabled: cfg.KernelLog != "" && !strings.HasPrefix(cfg.KernelLog, "unavailable"),
		byClass: make(map[string]uint64),
		msgs: prometheus.NewDesc("nfstrace_kernel_messages_total",
			"Kernel log messages of interest since start, by class: hung_task, soft_lockup, oom, alloc_fail, nfsd, sunrpc, lockd, block, fs. Sent only when the kernel log can be read.",
			[]string{"class"}, nil),
		lostD: prometheus.NewDesc("nfstrace_kernel_log_lost_total",
			"Kernel log records the ring buffer overwrote before nfstrace read them.", nil, nil),
	}
}

// add counts one interval's messages; those logged before the run are not
// counted.
func (k *kernelCounters) add(l *model.KernelLog) {
	if l == nil {
		return
	}
	k.enabled = true
	for _, t := range l.Templates {
		k.byClass[classLabel(t.Class)] += t.Count
	}
	for c, n := range l.Other {
		k.byClass[classLabel(c)] += n
	}
	k.lost += l.Lost
}

// classLabel keeps the label's values to the known classes.
func classLabel(c string) string {
	if model.KlogRank(c) == len(model.KlogClasses()) {
		return "other"
	}
	return c
}

func (k *kernelCounters) describe(ch chan<- *prometheus.Desc) {
	ch <- k.msgs
	ch <- k.lostD
}

func (k *kernelCounters) collect(ch chan<- prometheus.Metric) {
	if !k.enabled {
		return
	}
	for _, c := range model.KlogClasses() {
		ch <- prometheus.MustNewConstMetric(k.msgs, prometheus.CounterValue, float64(k.byClass[c]), c)
	}
	if n, ok := k.byClass["other"]; ok {
		ch <- prometheus.MustNewConstMetric(k.msgs, prometheus.CounterValue, float64(n), "other")
	}
	ch <- prometheus.MustNewConstMetric(k.lostD, prometheus.CounterValue, float64(k.lost))
}
