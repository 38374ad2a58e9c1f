package serve

import (
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/nfstrace/nfstrace/internal/model"
)

// OtherSite is the wait-site label of the D-state time of every site that
// came after the first MaxWaitSites ones.
const OtherSite = "other"

// Histogram bucket range: log2 buckets of model.Hist whose upper bounds lie
// between 2^minBucket and 2^maxBucket nanoseconds (about 1 µs to 68.7 s)
// become Prometheus buckets; faster values fall into the first one, slower
// ones only into +Inf.
const (
	minBucket = 10
	maxBucket = 36
)

// descs are the collector's metric descriptors.
type descs struct {
	info        *prometheus.Desc
	rpc         *prometheus.Desc
	ops         *prometheus.Desc
	dState      *prometheus.Desc
	dStateWaits *prometheus.Desc
	asyncIO     *prometheus.Desc
	asyncWaits  *prometheus.Desc
	block       *prometheus.Desc
	asyncLat    *prometheus.Desc
	threads     *prometheus.Desc
	threadsInD  *prometheus.Desc
	longest     *prometheus.Desc
	packets     *prometheus.Desc
	sockets     *prometheus.Desc
	woken       *prometheus.Desc
	events      *prometheus.Desc
	lost        *prometheus.Desc
	cpu         *prometheus.Desc
	snapshots   *prometheus.Desc
	last        *prometheus.Desc
}

// newDescs names the metrics and says what they mean.
func newDescs() descs {
	return descs{
		info: prometheus.NewDesc("nfstrace_info",
			"Constant 1, labelled with the running kernel, the tracing backend and the nfstrace version.",
			[]string{"kernel", "backend", "version"}, nil),
		rpc: prometheus.NewDesc("nfstrace_nfsd_op_latency_seconds",
			"Latency of nfsd operations (all clients and statuses), by NFS version and operation.",
			[]string{"version", "op"}, nil),
		ops: prometheus.NewDesc("nfstrace_nfsd_ops_total",
			"nfsd operations counted in /proc/net/rpc/nfsd, by protocol and operation.",
			[]string{"proto", "op"}, nil),
		dState: prometheus.NewDesc("nfstrace_dstate_seconds_total",
			"Time the traced threads spent in D state (uninterruptible, not idle), by wait site: its innermost meaningful kernel frames, the first ones seen up to the site limit, the rest in \"other\".",
			[]string{"site"}, nil),
		dStateWaits: prometheus.NewDesc("nfstrace_dstate_waits_total",
			"D-state intervals of the traced threads, by wait site (as nfstrace_dstate_seconds_total).",
			[]string{"site"}, nil),
		asyncIO: prometheus.NewDesc("nfstrace_async_io_wait_seconds_total",
			"Time the traced threads slept, interruptibly (not D state), waiting for the completions of their own asynchronous IO (io_getevents, io_uring_enter), by the device of their requests.",
			[]string{"device"}, nil),
		asyncWaits: prometheus.NewDesc("nfstrace_async_io_waits_total",
			"Waits of the traced threads for the completions of their own asynchronous IO, by device (as nfstrace_async_io_wait_seconds_total).",
			[]string{"device"}, nil),
		block: prometheus.NewDesc("nfstrace_block_latency_seconds",
			"Block request latency by device, IO scheduler and phase: queue (insert to issue, in the scheduler) or device (issue to completion).",
			[]string{"device", "scheduler", "phase"}, nil),
		asyncLat: prometheus.NewDesc("nfstrace_async_io_latency_seconds",
			"Latency of the traced threads' asynchronous IO requests by interface and kind (read, write, sync): io_uring from submission to completion, libaio from io_submit's return to io_getevents' (the time a thread that keeps several in flight does not wait out).",
			[]string{"interface", "kind"}, nil),
		threads: prometheus.NewDesc("nfstrace_nfsd_threads",
			"Number of nfsd threads configured.", nil, nil),
		threadsInD: prometheus.NewDesc("nfstrace_nfsd_threads_in_dstate",
			"nfsd threads in D state at the end of the last interval.", nil, nil),
		longest: prometheus.NewDesc("nfstrace_dstate_longest_wait_seconds",
			"The longest wait in progress of the tasks in D state at the end of the last interval, by command name: how long one of them had been in D without running, at least (to the sampling interval). Such a wait is in no D-state counter until it ends; only tasks seen in D by two samples or more.",
			[]string{"comm"}, nil),
		packets: prometheus.NewDesc("nfstrace_nfsd_pool_packets_arrived_total",
			"Packets that arrived on an nfsd thread pool.", []string{"pool"}, nil),
		sockets: prometheus.NewDesc("nfstrace_nfsd_pool_sockets_queued_total",
			"Transports queued on an nfsd thread pool (pool_stats sockets-enqueued; recent kernels count every one, busy pool or not: nfstrace_nfsd_requests_no_idle_thread_total tells saturation).", []string{"pool"}, nil),
		woken: prometheus.NewDesc("nfstrace_nfsd_pool_threads_woken_total",
			"Threads woken on an nfsd thread pool.", []string{"pool"}, nil),
		events: prometheus.NewDesc("nfstrace_tracer_events_total",
			"Events or samples the tracer processed.", nil, nil),
		lost: prometheus.NewDesc("nfstrace_tracer_lost_events_total",
			"Events the kernel could not deliver to the tracer.", nil, nil),
		cpu: prometheus.NewDesc("nfstrace_tracer_cpu_seconds_total",
			"CPU time (user and system) the tracer spent, as measured by the sampler.", nil, nil),
		snapshots: prometheus.NewDesc("nfstrace_snapshots_total",
			"Intervals sampled since start.", nil, nil),
		last: prometheus.NewDesc("nfstrace_last_snapshot_timestamp_seconds",
			"End of the last sampled interval, Unix time.", nil, nil),
	}
}

// Collector is a prometheus.Collector fed with one model.Snapshot per
// interval: it accumulates the snapshots' per-interval deltas into the
// cumulative counters and histograms Prometheus expects. It is safe for
// concurrent use by Update and Collect.
type Collector struct {
	kernel, backend, version string
	maxSites                 int
	d                        descs

	// probes is what each probe attached as, fixed at start.
	probes    []model.Probe
	probeDesc *prometheus.Desc

	mu         sync.Mutex
	rpc        map[[2]string]*rpcSeries  // version, op: known ones or OtherRPC
	ops        map[[2]string]uint64      // proto, op
	sites      map[string]string         // short site -> label (itself or OtherSite)
	named      int                       // sites with their own label
	dsec       map[string]uint64         // label -> ns
	dwaits     map[string]uint64         // label -> count
	async      map[string]*[2]uint64     // device -> ns, count of the waits for asynchronous IO
	block      map[[3]string]*model.Hist // device, scheduler, phase
	asyncLat   map[[2]string]*model.Hist // interface, kind
	pools      map[int]model.Pool
	threads    int
	threadsInD int
	longest    map[string]time.Duration // comm -> the longest wait in progress, last snapshot
	stats      model.Stats
	snapshots  uint64
	lastEnd    float64
	waits      waitMetrics
	nthreads   threadMetrics
	klog       kernelCounters
}

// NewCollector returns a collector for a host running cfg's kernel and
// backend; maxSites bounds the wait-site label values (plus OtherSite).
func NewCollector(cfg model.Config, version string, maxSites int) *Collector {
	if maxSites < 0 {
		maxSites = 0
	}
	c := &Collector{
		kernel:   cfg.KernelRelease,
		backend:  cfg.Backend.Name,
		version:  version,
		maxSites: maxSites,
		d:        newDescs(),
		rpc:      make(map[[2]string]*rpcSeries),
		ops:      make(map[[2]string]uint64),
		sites:    make(map[string]string),
		dsec:     make(map[string]uint64),
		dwaits:   make(map[string]uint64),
		async:    make(map[string]*[2]uint64),
		block:    make(map[[3]string]*model.Hist),
		asyncLat: make(map[[2]string]*model.Hist),
		pools:    make(map[int]model.Pool),
		threads:  cfg.NFSDThreads,
		waits:    newWaitMetrics(),
		nthreads: newThreadMetrics(),
		klog:     newKernelCounters(cfg),
	}
	c.probes, c.probeDesc = cfg.Backend.Probes, newProbeDesc()
	return c
}

// Update adds one interval's snapshot.
func (c *Collector) Update(s *model.Snapshot) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.addRPC(s.RPC, s.End)
	for _, o := range s.Host.NFSD.Ops {
		c.ops[[2]string{o.Proto, o.Op}] += o.Count
	}
	c.addDState(s.DState)
	for i := range s.AsyncIO {
		d := &s.AsyncIO[i]
		a := c.async[d.Device]
		if a == nil {
			a = new([2]uint64)
			c.async[d.Device] = a
		}
		a[0] += d.Hist.SumNs
		a[1] += d.Hist.Count
	}
	c.waits.update(s, c.siteLabel)
	for _, f := range [...]struct {
		iface string
		rows  []model.AsyncLat
	}{{"io_uring", s.URing}, {"libaio", s.AIO}} {
		for i := range f.rows {
			r := &f.rows[i]
			if !slices.Contains([]string{model.AsyncRead, model.AsyncWrite, model.AsyncSync}, r.Kind) {
				continue // the tracer's kinds only: a capture cannot mint labels
			}
			k := [2]string{f.iface, r.Kind}
			h := c.asyncLat[k]
			if h == nil {
				h = new(model.Hist)
				c.asyncLat[k] = h
			}
			h.Merge(&r.Lat)
		}
	}
	for i := range s.Block {
		b := &s.Block[i]
		for _, ph := range []struct {
			name string
			h    *model.Hist
		}{{"queue", &b.Queue}, {"device", &b.Service}} {
			if ph.h.Empty() {
				continue
			}
			k := [3]string{b.Device, b.Scheduler, ph.name}
			h := c.block[k]
			if h == nil {
				h = new(model.Hist)
				c.block[k] = h
			}
			h.Merge(ph.h)
		}
	}
	for _, p := range s.Host.NFSD.Pools {
		acc := c.pools[p.ID]
		acc.ID = p.ID
		acc.PacketsArrived += p.PacketsArrived
		acc.SocketsQueued += p.SocketsQueued
		acc.ThreadsWoken += p.ThreadsWoken
		c.pools[p.ID] = acc
	}
	c.threads = s.Host.NFSD.Threads
	c.threadsInD = s.Host.NFSD.ThreadsInD
	clear(c.longest)
	for _, g := range s.Host.Load.DGroups {
		if g.Longest > 0 {
			if c.longest == nil {
				c.longest = map[string]time.Duration{}
			}
			c.longest[g.Comm] = max(c.longest[g.Comm], g.Longest)
		}
	}
	c.nthreads.update(s)
	c.stats.Events += s.Stats.Events
	c.stats.Lost += s.Stats.Lost
	c.stats.CPU += s.Stats.CPU
	c.klog.add(s.Kernel)
	c.snapshots++
	if !s.End.IsZero() {
		c.lastEnd = float64(s.End.UnixNano()) / 1e9
	}
}

// OtherRPC is the version or operation label of RPC latency whose version
// or operation is not a known NFS one.
const OtherRPC = "other"

// rpcIdle is how long, in snapshot time, an RPC latency series may go
// without an operation before it is dropped.
const rpcIdle = time.Hour

// rpcSeries is the cumulative latency of one version and operation.
type rpcSeries struct {
	hist     model.Hist
	lastSeen time.Time // End of the last snapshot that added to it
}

// RPCLabels maps an RPC row's version and operation to metric labels: the
// known NFS versions and their procedures and operations keep their names,
// anything else is OtherRPC. The kernel reports replies such as
// PROC_UNAVAIL and PROG_MISMATCH too, so without this any host that reaches
// port 2049 could mint label values.
func RPCLabels(version, op string) (string, string) {
	switch version {
	case "v2", "v3", "v4", "v4.0", "v4.1", "v4.2":
	default:
		return OtherRPC, OtherRPC
	}
	if o := model.OpOf(version, op); o.Name != op || !o.Known() {
		return version, OtherRPC
	}
	return version, op
}

// addRPC adds RPC rows under bounded labels and drops the series that saw
// no operation for rpcIdle before end.
func (c *Collector) addRPC(rows []model.RPC, end time.Time) {
	for i := range rows {
		r := &rows[i]
		v, op := RPCLabels(r.Version, r.Op)
		k := [2]string{v, op}
		ser := c.rpc[k]
		if ser == nil {
			ser = new(rpcSeries)
			c.rpc[k] = ser
		}
		ser.hist.Merge(&r.Hist)
		if !r.Hist.Empty() || ser.lastSeen.IsZero() {
			ser.lastSeen = end
		}
	}
	if end.IsZero() {
		return
	}
	for k, ser := range c.rpc {
		// a series that comes back starts again from zero: rate() sees
		// a counter reset, as after a restart
		if end.Sub(ser.lastSeen) > rpcIdle {
			delete(c.rpc, k)
		}
	}
}

// addDState folds D-state rows into per-site counters. New sites take a
// label of their own, largest first, while fewer than maxSites have one; the
// rest go to OtherSite. A site keeps its label for the collector's life so
// that every counter only grows.
func (c *Collector) addDState(rows []model.DState) {
	type add struct {
		site      string
		ns, count uint64
	}
	bySite := make(map[string]*add)
	var order []*add
	for i := range rows {
		d := &rows[i]
		site := ShortSite(d.WaitSite)
		a := bySite[site]
		if a == nil {
			a = &add{site: site}
			bySite[site] = a
			order = append(order, a)
		}
		a.ns += d.Hist.SumNs
		a.count += d.Hist.Count
	}
	sort.SliceStable(order, func(i, j int) bool { return order[i].ns > order[j].ns })
	for _, a := range order {
		label, ok := c.sites[a.site]
		if !ok {
			label = OtherSite
			if c.named < c.maxSites && a.site != OtherSite {
				label = a.site
				c.named++
			}
			c.sites[a.site] = label
		}
		c.dsec[label] += a.ns
		c.dwaits[label] += a.count
	}
}

// siteLabel is the label addDState gave a short wait site; OtherSite for
// a site it has not seen.
func (c *Collector) siteLabel(site string) string {
	if l, ok := c.sites[site]; ok {
		return l
	}
	return OtherSite
}

// siteFrames is how many frames a wait-site label keeps.
const siteFrames = 3

// ShortSite names a wait site by its innermost meaningful frames: function
// names without offsets or modules, the generic scheduler frames on top
// skipped, at most three joined by ";". An empty site is "unknown".
// Short names make the label readable and merge sites that differ only in
// their outer frames, which keeps the number of series small.
func ShortSite(site model.WaitSite) string {
	fns := site.Short()
	if len(fns) == 0 {
		return "unknown"
	}
	if len(fns) > siteFrames {
		fns = fns[:siteFrames]
	}
	return strings.Join(fns, ";")
}

// Describe sends the descriptors of every metric the collector can send.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.d.info, c.d.rpc, c.d.ops, c.d.dState, c.d.dStateWaits, c.d.asyncIO, c.d.asyncWaits,
		c.d.block, c.d.asyncLat, c.d.threads, c.d.threadsInD, c.d.longest, c.d.packets, c.d.sockets, c.d.woken,
		c.d.events, c.d.lost, c.d.cpu, c.d.snapshots, c.d.last} {
		ch <- d
	}
	ch <- c.probeDesc
	c.waits.describe(ch)
	c.nthreads.describe(ch)
	c.klog.describe(ch)
}

// Collect sends the current cumulative values.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch <- prometheus.MustNewConstMetric(c.d.info, prometheus.GaugeValue, 1, c.kernel, c.backend, c.version)
	for k, ser := range c.rpc {
		ch <- constHistogram(c.d.rpc, &ser.hist, k[0], k[1])
	}
	for k, n := range c.ops {
		ch <- prometheus.MustNewConstMetric(c.d.ops, prometheus.CounterValue, float64(n), k[0], k[1])
	}
	for dev, a := range c.async {
		ch <- prometheus.MustNewConstMetric(c.d.asyncIO, prometheus.CounterValue, float64(a[0])/1e9, dev)
		ch <- prometheus.MustNewConstMetric(c.d.asyncWaits, prometheus.CounterValue, float64(a[1]), dev)
	}
	for label, ns := range c.dsec {
		ch <- prometheus.MustNewConstMetric(c.d.dState, prometheus.CounterValue, float64(ns)/1e9, label)
		ch <- prometheus.MustNewConstMetric(c.d.dStateWaits, prometheus.CounterValue, float64(c.dwaits[label]), label)
	}
	for k, h := range c.block {
		ch <- constHistogram(c.d.block, h, k[0], k[1], k[2])
	}
	for k, h := range c.asyncLat {
		ch <- constHistogram(c.d.asyncLat, h, k[0], k[1])
	}
	ch <- prometheus.MustNewConstMetric(c.d.threads, prometheus.GaugeValue, float64(c.threads))
	ch <- prometheus.MustNewConstMetric(c.d.threadsInD, prometheus.GaugeValue, float64(c.threadsInD))
	for comm, d := range c.longest {
		ch <- prometheus.MustNewConstMetric(c.d.longest, prometheus.GaugeValue, d.Seconds(), comm)
	}
	for id, p := range c.pools {
		pool := strconv.Itoa(id)
		ch <- prometheus.MustNewConstMetric(c.d.packets, prometheus.CounterValue, float64(p.PacketsArrived), pool)
		ch <- prometheus.MustNewConstMetric(c.d.sockets, prometheus.CounterValue, float64(p.SocketsQueued), pool)
		ch <- prometheus.MustNewConstMetric(c.d.woken, prometheus.CounterValue, float64(p.ThreadsWoken), pool)
	}
	ch <- prometheus.MustNewConstMetric(c.d.events, prometheus.CounterValue, float64(c.stats.Events))
	ch <- prometheus.MustNewConstMetric(c.d.lost, prometheus.CounterValue, float64(c.stats.Lost))
	ch <- prometheus.MustNewConstMetric(c.d.cpu, prometheus.CounterValue, c.stats.CPU.Seconds())
	ch <- prometheus.MustNewConstMetric(c.d.snapshots, prometheus.CounterValue, float64(c.snapshots))
	if c.lastEnd > 0 {
		ch <- prometheus.MustNewConstMetric(c.d.last, prometheus.GaugeValue, c.lastEnd)
	}
	collectProbes(ch, c.probeDesc, c.probes)
	c.waits.collect(ch)
	c.nthreads.collect(ch)
	c.klog.collect(ch)
}

// constHistogram converts a log2 histogram in nanoseconds into a Prometheus
// histogram in seconds. Bucket i of model.Hist holds [2^(i-1), 2^i) ns, so
// the cumulative count up to bucket i is the count of values below 2^i ns,
// reported with the upper bound le = 2^i ns.
func constHistogram(desc *prometheus.Desc, h *model.Hist, labels ...string) prometheus.Metric {
	buckets := make(map[float64]uint64, maxBucket-minBucket+1)
	var cum uint64
	for i := 0; i < minBucket; i++ {
		cum += h.Buckets[i]
	}
	for i := minBucket; i <= maxBucket; i++ {
		cum += h.Buckets[i]
		buckets[math.Ldexp(1, i)/1e9] = cum
	}
	return prometheus.MustNewConstHistogram(desc, h.Count, float64(h.SumNs)/1e9, buckets, labels...)
}
