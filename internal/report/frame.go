// Package report turns model data into what an engineer reads: the `top`
// screen (a Frame rendered as tables that fit the terminal, or as JSON), the
// summary of a whole capture with its time series, and the off-CPU profile in
// pprof format. It reads only internal/model: everything it shows must be in
// a snapshot or the config, so a capture renders the same anywhere.
package report

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/nfstrace/nfstrace/internal/model"
)

// FrameVersion is the version of the Frame JSON schema. Fields are only ever
// added; a removal or a change of meaning bumps the version.
const FrameVersion = 1

// Frame is one screen of `nfstrace top`, and the unit of `--format json`:
// host gauges (load, threads, in-flight requests, schedulers) from the latest
// snapshot, rates and latency percentiles over a window of recent snapshots.
// Durations are integer nanoseconds (fields ending in _ns), rates are per
// second, fractions are 0..1.
type Frame struct {
	Version int `json:"version"`
	// Start and End bound the window; IntervalSec is the latest snapshot's
	// length, WindowSec the total length the rates and percentiles cover.
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	IntervalSec float64   `json:"interval_s"`
	WindowSec   float64   `json:"window_s"`
	Snapshots   int       `json:"snapshots"`
	Sort        string    `json:"sort"`

	Header    Header        `json:"header"`
	Load      LoadSummary   `json:"load"`
	Pressure  *PressureLine `json:"io_pressure,omitempty"`
	NFSD      NFSDSummary   `json:"nfsd"`
	WaitSites []WaitSiteRow `json:"wait_sites"`
	Devices   []DeviceRow   `json:"devices"`
	Ops       []OpRow       `json:"nfs_ops"`
	DGroups   []DGroupRow   `json:"d_groups"`
	// Stuck are the task groups whose longest wait reached
	// model.StuckAfter without ending at some snapshot of the window,
	// longest first; absent when none did.
	Stuck []DGroupRow `json:"stuck,omitempty"`
	// Run is the traced threads' run-queue wait and on-CPU time per command
	// name, most wait first; absent when the backend does not measure it.
	Run []RunRow `json:"run,omitempty"`
	// CPUHolders are the tasks not traced that the threads waited behind
	// for a CPU in their calls, most wait first; absent when none was
	// named or the backend cannot name them.
	CPUHolders []HolderRow `json:"cpu_holders,omitempty"`
	// AsyncIO is the traced threads' waits for the completions of their
	// own asynchronous IO, most wait time first; absent when there were
	// none or the backend cannot tell.
	AsyncIO []AsyncRow `json:"async_io,omitempty"`
	// URing is the latency of the traced threads' io_uring requests by
	// kind, most requests first; absent when none was timed.
	URing []URingRow `json:"io_uring,omitempty"`
	// AIO is the same for their libaio requests, io_submit's return to
	// io_getevents'.
	AIO []URingRow `json:"libaio,omitempty"`
	// Locks are the sleeping locks the traced threads waited on, with their
	// owners, most wait time first; absent when the backend cannot tell.
	Locks   []LockRow       `json:"locks,omitempty"`
	Changes []SchedChangeAt `json:"sched_changes,omitempty"`
	// Kernel is what the kernel logged in the window; nil when the run did
	// not read the kernel log.
	Kernel *KernelLogSummary `json:"kernel_log,omitempty"`
}

// Header describes the host and the tracer.
type Header struct {
	Host            string `json:"host"`
	Kernel          string `json:"kernel"`
	InstalledKernel string `json:"installed_kernel,omitempty"`
	// NextBootKernel is what the next boot runs (the boot loader's choice, else
	// the newest kernel in /boot); NextBootDiffers says it is not the running one.
	NextBootKernel string `json:"next_boot_kernel,omitempty"`
	// UptimeSec is the host's time since boot at the end of the window.
	UptimeSec       float64 `json:"uptime_sec,omitempty"`
	NextBootDiffers bool    `json:"next_boot_differs"`
	Backend         string  `json:"backend"`
	BackendDetail   string  `json:"backend_detail"`
	Targets         string  `json:"targets"`
	// Events and Lost are summed over the window; TracerCPU is the tracer's
	// own CPU time as a fraction of one CPU over the window.
	Events    uint64  `json:"events"`
	Lost      uint64  `json:"lost"`
	TracerCPU float64 `json:"tracer_cpu"`
}

// LoadSummary is the load average and its decomposition at the window's end.
type LoadSummary struct {
	Avg1    float64 `json:"avg1"`
	Avg5    float64 `json:"avg5"`
	Avg15   float64 `json:"avg15"`
	Running int     `json:"running"`
	InD     int     `json:"in_d"`
	// DByComm counts the tasks in D by command name, most first.
	DByComm []CommCount `json:"d_by_comm"`
}

// CommCount is a number of tasks with one command name.
type CommCount struct {
	Comm  string `json:"comm"`
	Count int    `json:"count"`
}

// PressureLine is IO pressure (/proc/pressure/io) at the window's end, in percent.
type PressureLine struct {
	Some10 float64 `json:"some_avg10"`
	Full10 float64 `json:"full_avg10"`
}

// NFSDSummary is the state of the NFS server.
type NFSDSummary struct {
	Running  bool   `json:"running"`
	Threads  int    `json:"threads"`
	InD      int    `json:"in_d"`
	Versions string `json:"versions,omitempty"`
	// DShare is the share of nfsd thread time spent in D over the window:
	// D-state time of nfsd threads / (threads x window). Absent without a
	// tracer (backend "" or "none") or when it does not follow nfsd threads.
	DShare *float64 `json:"d_share,omitempty"`
	// DTimePerSec is the D-state time of nfsd threads per second of window.
	DTimePerSec float64    `json:"d_time_per_s"`
	OpsPerSec   float64    `json:"ops_per_s"`
	ReadBps     float64    `json:"read_bytes_per_s"`
	WriteBps    float64    `json:"write_bytes_per_s"`
	RCHitsPerS  float64    `json:"rc_hits_per_s"`
	Pools       []PoolRate `json:"pools,omitempty"`
	// QueueWait is how long requests waited for a free nfsd thread, all
	// pools together (eBPF); absent when not measured.
	QueueWait *Latency `json:"queue_wait,omitempty"`
	// Busy is the share of nfsd thread time spent serving requests over
	// the window (eBPF: the requests' service times over threads x window,
	// at most 1); absent when not measured.
	Busy *float64 `json:"busy,omitempty"`
	// NoIdle is the share of arriving requests that found no idle thread
	// and NoIdlePerSec their rate; absent when unknown. NoIdleEstimate says
	// they come from pool_stats (sockets enqueued minus threads woken), not
	// from a tracepoint that counts them.
	NoIdle         *float64 `json:"no_idle,omitempty"`
	NoIdlePerSec   float64  `json:"no_idle_per_s,omitempty"`
	NoIdleEstimate bool     `json:"no_idle_estimate,omitempty"`
	// Files is how the reads and writes spread over files; absent when
	// not counted.
	Files *FilesSummary `json:"files,omitempty"`
}

// PoolRate is one nfsd thread pool's activity per second.
type PoolRate struct {
	ID              int     `json:"id"`
	PacketsPerSec   float64 `json:"packets_per_s"`
	QueuedPerSec    float64 `json:"sockets_queued_per_s"`
	WokenPerSec     float64 `json:"threads_woken_per_s"`
	TimedoutPerSec  float64 `json:"threads_timedout_per_s"`
	PacketsInWindow uint64  `json:"packets"`
}

// Latency summarizes a histogram.
type Latency struct {
	Count  uint64 `json:"count"`
	MeanNs int64  `json:"mean_ns"`
	P50Ns  int64  `json:"p50_ns"`
	P99Ns  int64  `json:"p99_ns"`
	MaxNs  int64  `json:"max_ns"`
}

func latencyOf(h *model.Hist) *Latency {
	if h.Empty() {
		return nil
	}
	return &Latency{
		Count:  h.Count,
		MeanNs: int64(h.Mean()),
		P50Ns:  int64(h.Quantile(0.5)),
		P99Ns:  int64(h.Quantile(0.99)),
		MaxNs:  int64(h.Max()),
	}
}

// WaitSiteRow is D-state at one kernel stack, device and IO scheduler over the window.
type WaitSiteRow struct {
	// Site is the full stack as in the model (frames innermost first, joined by ";").
	Site model.WaitSite `json:"site"`
	// Short is the readable form: generic scheduler and thread-entry frames
	// removed, frames joined by " ← ", innermost first.
	Short     string   `json:"short"`
	Device    string   `json:"device,omitempty"`
	Scheduler string   `json:"scheduler,omitempty"`
	Comms     []string `json:"comms"`
	Ops       []string `json:"ops,omitempty"`
	// Clients are the NFS clients whose requests the threads were serving
	// while they waited here, most D-time first (eBPF backend with nfsd probes).
	Clients []ClientTime `json:"clients,omitempty"`
	// Wakers ended the waits at this site (on any device), most wakeups
	// first, at most three (eBPF backend).
	Wakers []WakerShare `json:"wakers,omitempty"`
	// Threads is the largest number of distinct threads seen at this site in one interval.
	Threads     int     `json:"threads"`
	DTimePerSec float64 `json:"d_time_per_s"`
	SumNs       int64   `json:"sum_ns"`
	Latency     Latency `json:"latency"`

	frames []string
}

// ClientTime is one client's share of a wait site's D-time.
type ClientTime struct {
	Client string  `json:"client"`
	SumNs  int64   `json:"sum_ns"`
	Share  float64 `json:"share"` // of the site's D-time, 0..1
}

// DiskStats is a device's /proc/diskstats activity averaged over the window
// (InFlight is from the latest snapshot).
type DiskStats struct {
	ReadIOPS  float64 `json:"read_iops"`
	WriteIOPS float64 `json:"write_iops"`
	ReadBps   float64 `json:"read_bytes_per_s"`
	WriteBps  float64 `json:"write_bytes_per_s"`
	AwaitMs   float64 `json:"await_ms"`
	Util      float64 `json:"util"`
	InFlight  uint64  `json:"in_flight"`
}

// DeviceRow is one block device under one IO scheduler. A device whose
// scheduler changed inside the window has one row per scheduler; only the
// row of its current scheduler carries DiskStats.
type DeviceRow struct {
	Name      string     `json:"name"`
	Scheduler string     `json:"scheduler"`
	Stats     *DiskStats `json:"diskstats,omitempty"`
	// Queue (insert to issue, time in the scheduler) and Service (issue to
	// complete, time in the device) come from the tracer's block histograms.
	Queue   *Latency `json:"queue,omitempty"`
	Service *Latency `json:"service,omitempty"`
}

// OpRow is one NFS operation.
type OpRow struct {
	Proto   string   `json:"proto"` // "v3", "v4"
	Op      string   `json:"op"`
	PerSec  float64  `json:"per_s"`
	Count   uint64   `json:"count"`
	Latency *Latency `json:"latency,omitempty"`
	Errors  uint64   `json:"errors,omitempty"`
	// TopClient sent most of this operation's RPCs; TopClientShare is its share.
	TopClient      string  `json:"top_client,omitempty"`
	TopClientShare float64 `json:"top_client_share,omitempty"`
}

// DGroupRow counts host tasks in D by command name and wait channel
// (procfs, every task on the host, at the window's end).
type DGroupRow struct {
	Comm     string         `json:"comm"`
	WaitChan string         `json:"wchan"`
	Stack    model.WaitSite `json:"stack,omitempty"`
	Short    string         `json:"short"`
	Count    int            `json:"count"`
	// Longest is how long the group's longest waiter had been in its wait
	// without running, at least; 0 when unknown (model.TaskGroup).
	Longest time.Duration `json:"longest_ns,omitempty"`
	// Open is set, in Frame.Stuck, when the window's latest snapshot
	// still had the group stuck.
	Open bool `json:"open,omitempty"`

	frames []string
}

// SchedChangeAt is an IO scheduler switch seen inside the window.
type SchedChangeAt struct {
	Time   time.Time `json:"time"`
	Device string    `json:"device"`
	From   string    `json:"from"`
	To     string    `json:"to"`
}

// SortMode orders the frame's tables.
type SortMode int

// Sort modes.
const (
	// SortDTime ranks wait sites by D-time per second (the default).
	SortDTime SortMode = iota
	// SortWaitSite orders wait sites by their stack, so rows stay put.
	SortWaitSite
	// SortDevice groups wait sites by device and ranks devices by latency,
	// showing the device table first.
	SortDevice
)

func (m SortMode) String() string {
	switch m {
	case SortWaitSite:
		return "wait-site"
	case SortDevice:
		return "device"
	default:
		return "d-time"
	}
}

// ParseSortMode parses "d-time", "wait-site" or "device".
func ParseSortMode(s string) (SortMode, error) {
	switch s {
	case "d-time", "dtime", "":
		return SortDTime, nil
	case "wait-site", "site":
		return SortWaitSite, nil
	case "device":
		return SortDevice, nil
	}
	return 0, fmt.Errorf("sort %q: want d-time, wait-site or device", s)
}

// Options tune NewFrame.
type Options struct {
	Sort SortMode
}

// errNoSnapshots is returned for an empty window.
var errNoSnapshots = errors.New("no snapshots to report")

// NewFrame builds the frame for cfg over window, a run of consecutive
// snapshots oldest first; the last one is the latest.
func NewFrame(cfg model.Config, window []*model.Snapshot, opt Options) (*Frame, error) {
	if len(window) == 0 {
		return nil, errNoSnapshots
	}
	for i, s := range window {
		if s == nil {
			return nil, fmt.Errorf("snapshot %d is missing", i)
		}
	}
	a := newFrameAcc(cfg)
	for _, s := range window {
		a.add(s)
	}
	return a.frame(opt)
}

// seconds is a snapshot's length; a clock that stepped back counts as 0.
func seconds(s *model.Snapshot) float64 { return max(s.Interval().Seconds(), 0) }

func perSec(v, sec float64) float64 {
	if sec <= 0 {
		return 0
	}
	return v / sec
}

func buildLoad(l *model.Load) LoadSummary {
	ls := LoadSummary{Avg1: l.Avg1, Avg5: l.Avg5, Avg15: l.Avg15, Running: l.Running, InD: l.InD}
	by := map[string]int{}
	for _, g := range l.DGroups {
		by[g.Comm] += g.Count
	}
	ls.DByComm = make([]CommCount, 0, len(by))
	for c, n := range by {
		ls.DByComm = append(ls.DByComm, CommCount{c, n})
	}
	sort.Slice(ls.DByComm, func(i, j int) bool {
		a, b := ls.DByComm[i], ls.DByComm[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return a.Comm < b.Comm
	})
	return ls
}

// clientTimes orders a site's clients by D-time, most first.
func clientTimes(m map[string]int64, total uint64) []ClientTime {
	if len(m) == 0 {
		return nil
	}
	out := make([]ClientTime, 0, len(m))
	for c, ns := range m {
		ct := ClientTime{Client: c, SumNs: ns}
		if total > 0 {
			ct.Share = float64(ns) / float64(total)
		}
		out = append(out, ct)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].SumNs != out[j].SumNs {
			return out[i].SumNs > out[j].SumNs
		}
		return out[i].Client < out[j].Client
	})
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// key is what makes two task groups one row: the command and the frames
// the row shows.
func (r *DGroupRow) key() [2]string { return [2]string{r.Comm, strings.Join(r.frames, ";")} }

func buildDGroups(groups []model.TaskGroup) []DGroupRow {
	rows := make([]DGroupRow, 0, len(groups))
	// Groups that would show the same line (same command, same short
	// stack) are one row.
	index := make(map[[2]string]int, len(groups))
	for _, g := range groups {
		r := DGroupRow{Comm: g.Comm, WaitChan: g.WaitChan, Stack: g.Stack, Count: g.Count, Longest: g.Longest}
		if g.Stack != "" {
			r.frames = g.Stack.Short()
		} else if g.WaitChan != "" {
			r.frames = []string{g.WaitChan}
		}
		r.Short = shortStack(r.frames, 0, 0)
		k := r.key()
		if i, ok := index[k]; ok {
			rows[i].Count += r.Count
			rows[i].Longest = max(rows[i].Longest, r.Longest)
			continue
		}
		index[k] = len(rows)
		rows = append(rows, r)
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		if a.Comm != b.Comm {
			return a.Comm < b.Comm
		}
		return a.Short < b.Short
	})
	return rows
}

// SortBy orders the frame's tables for mode. Every order ends in a total
// tie-break, so equal inputs render identically.
func (f *Frame) SortBy(mode SortMode) {
	f.Sort = mode.String()
	ws := f.WaitSites
	byDTime := func(a, b WaitSiteRow) int {
		if a.SumNs != b.SumNs {
			if a.SumNs > b.SumNs {
				return -1
			}
			return 1
		}
		return strings.Compare(string(a.Site)+"\x00"+a.Device+"\x00"+a.Scheduler,
			string(b.Site)+"\x00"+b.Device+"\x00"+b.Scheduler)
	}
	switch mode {
	case SortWaitSite:
		slices.SortFunc(ws, func(a, b WaitSiteRow) int {
			if c := strings.Compare(a.Short, b.Short); c != 0 {
				return c
			}
			return byDTime(a, b)
		})
	case SortDevice:
		// Waits on block devices first, grouped by device and scheduler.
		noDev := func(r WaitSiteRow) bool { return r.Device == "" || r.Device == model.NotBlockIO }
		slices.SortFunc(ws, func(a, b WaitSiteRow) int {
			if na, nb := noDev(a), noDev(b); na != nb {
				if nb {
					return -1
				}
				return 1
			}
			if c := strings.Compare(a.Device+"\x00"+a.Scheduler, b.Device+"\x00"+b.Scheduler); c != 0 {
				return c
			}
			return byDTime(a, b)
		})
	default:
		slices.SortFunc(ws, byDTime)
	}

	devLatency := func(r DeviceRow) float64 {
		if r.Service != nil {
			return float64(r.Service.P99Ns)
		}
		if r.Stats != nil {
			return r.Stats.AwaitMs * 1e6
		}
		return 0
	}
	slices.SortFunc(f.Devices, func(a, b DeviceRow) int {
		c := cmpBusy(a, b)
		if mode == SortDevice {
			c = cmpDesc(devLatency(a), devLatency(b))
		}
		if c != 0 {
			return c
		}
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		// The current scheduler's row first.
		if (a.Stats != nil) != (b.Stats != nil) {
			if a.Stats != nil {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Scheduler, b.Scheduler)
	})

	slices.SortFunc(f.Ops, func(a, b OpRow) int {
		if a.PerSec != b.PerSec {
			if a.PerSec > b.PerSec {
				return -1
			}
			return 1
		}
		var x, y uint64
		if a.Latency != nil {
			x = a.Latency.Count
		}
		if b.Latency != nil {
			y = b.Latency.Count
		}
		if x != y {
			if x > y {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Proto+" "+a.Op, b.Proto+" "+b.Op)
	})
}

// cmpDesc orders larger values first.
func cmpDesc[T int | uint64 | float64](x, y T) int {
	switch {
	case x > y:
		return -1
	case x < y:
		return 1
	}
	return 0
}

// cmpBusy ranks devices for the default view: utilization, then IOPS, then
// requests in flight, then traced requests.
func cmpBusy(a, b DeviceRow) int {
	var sa, sb DiskStats
	if a.Stats != nil {
		sa = *a.Stats
	}
	if b.Stats != nil {
		sb = *b.Stats
	}
	if c := cmpDesc(sa.Util, sb.Util); c != 0 {
		return c
	}
	if c := cmpDesc(sa.ReadIOPS+sa.WriteIOPS, sb.ReadIOPS+sb.WriteIOPS); c != 0 {
		return c
	}
	if c := cmpDesc(sa.InFlight, sb.InFlight); c != 0 {
		return c
	}
	var x, y uint64
	if a.Service != nil {
		x = a.Service.Count
	}
	if b.Service != nil {
		y = b.Service.Count
	}
	return cmpDesc(x, y)
}
