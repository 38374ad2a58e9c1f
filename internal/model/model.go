package model

import (
	"strings"
	"time"
)

// FrameSep joins the frames of a symbolized kernel stack into a WaitSite key.
const FrameSep = ";"

// WaitSite is where a thread slept in D state: a symbolized kernel stack,
// innermost frame first, frames joined by FrameSep ("io_schedule;folio_wait_bit;...").
// The procfs backend knows only the wait channel, a single frame. Frames are
// function names without offsets, so the same site matches across kernels.
type WaitSite string

// Frames splits the site into its frames, innermost first.
func (w WaitSite) Frames() []string {
	if w == "" {
		return nil
	}
	return strings.Split(string(w), FrameSep)
}

// NewWaitSite builds a WaitSite from frames, innermost first.
func NewWaitSite(frames []string) WaitSite { return WaitSite(strings.Join(frames, FrameSep)) }

// NotBlockIO labels D-state that did not wait on a block request.
const NotBlockIO = "-"

// DState aggregates the D-state (uninterruptible, not TASK_NOLOAD) intervals of
// the target threads of one command name at one wait site during an interval.
type DState struct {
	Comm     string   `json:"comm"`
	WaitSite WaitSite `json:"wait_site"`
	// Device and Scheduler name the block device and its IO scheduler when the
	// wait was for block IO the thread submitted; NotBlockIO otherwise, "" when
	// the backend cannot tell (procfs).
	Device    string `json:"device,omitempty"`
	Scheduler string `json:"scheduler,omitempty"`
	// Op is the NFS operation the thread was serving when it blocked, and
	// Client the address it was serving it for; "" if unknown.
	Op      string `json:"op,omitempty"`
	Client  string `json:"client,omitempty"`
	Threads int    `json:"threads"` // distinct threads seen
	Hist    Hist   `json:"hist"`
}

// Block aggregates block requests of one device, scheduler, operation and size class.
type Block struct {
	Device    string `json:"device"`
	Scheduler string `json:"scheduler"`
	Op        string `json:"op"`      // read, write, flush, discard, other
	Size      string `json:"size"`    // size class, e.g. "4K", "<=64K", ">1M"
	Queue     Hist   `json:"queue"`   // insert to issue: time in the IO scheduler
	Service   Hist   `json:"service"` // issue to complete: time in the device
}

// RPC aggregates nfsd RPC latency for one version, operation, client and status.
type RPC struct {
	Version string `json:"version"` // "v3", "v4.2", ...
	Op      string `json:"op"`      // v3 procedure or v4 operation (COMPOUND split when possible)
	Client  string `json:"client"`  // client address
	Status  string `json:"status"`  // "ok" or the nfs/rpc status name
	Hist    Hist   `json:"hist"`
}

// OpCount is the count of one nfsd operation over an interval, from
// /proc/net/rpc/nfsd: coarse but available on every kernel.
type OpCount struct {
	Proto string  `json:"proto"` // "v3", "v4op"...
	Op    string  `json:"op"`
	Count uint64  `json:"count"`
	Rate  float64 `json:"rate"` // per second
}

// Pool is one nfsd thread pool (/proc/fs/nfsd/pool_stats), deltas over the interval.
type Pool struct {
	ID              int    `json:"id"`
	PacketsArrived  uint64 `json:"packets_arrived"`
	SocketsQueued   uint64 `json:"sockets_queued"`
	ThreadsWoken    uint64 `json:"threads_woken"`
	ThreadsTimedout uint64 `json:"threads_timedout,omitempty"`
}

// NFSD is the nfsd state of the host over an interval.
type NFSD struct {
	Running  bool      `json:"running"`
	Threads  int       `json:"threads"`
	Versions string    `json:"versions,omitempty"` // /proc/fs/nfsd/versions
	Pools    []Pool    `json:"pools,omitempty"`
	Ops      []OpCount `json:"ops,omitempty"` // non-zero only
	// Reply cache deltas and IO bytes deltas.
	RCHits     uint64 `json:"rc_hits,omitempty"`
	RCMisses   uint64 `json:"rc_misses,omitempty"`
	RCNoCache  uint64 `json:"rc_nocache,omitempty"`
	ReadBytes  uint64 `json:"read_bytes,omitempty"`
	WriteBytes uint64 `json:"write_bytes,omitempty"`
	// ThreadsInD is how many nfsd threads were in D state when sampled.
	ThreadsInD int `json:"threads_in_d"`
}

// Device is one block device over an interval, from /proc/diskstats deltas.
type Device struct {
	Name      string  `json:"name"`
	Scheduler string  `json:"scheduler"` // active scheduler, "" if the device has none
	ReadIOPS  float64 `json:"read_iops"`
	WriteIOPS float64 `json:"write_iops"`
	ReadBps   float64 `json:"read_bps"`
	WriteBps  float64 `json:"write_bps"`
	// AwaitMs is the mean time per completed request (queue + device), like iostat's await.
	AwaitMs  float64 `json:"await_ms"`
	Util     float64 `json:"util"` // 0..1 fraction of time busy
	InFlight uint64  `json:"in_flight"`
}

// TaskGroup counts tasks in one state grouped by comm and wait channel.
type TaskGroup struct {
	Comm     string   `json:"comm"`
	WaitChan string   `json:"wchan"`
	Stack    WaitSite `json:"stack,omitempty"` // top frames of /proc/PID/stack when readable
	Count    int      `json:"count"`
	// Longest is how long the group's longest waiter had been in its wait
	// without running, at least: from the first scan that saw it in D in
	// that wait. 0 when none was seen in the same wait by an earlier scan,
	// when it cannot be told (no switch count readable), and in captures
	// older than it. A wait still open is in no D-time histogram, which
	// holds waits that ended.
	Longest time.Duration `json:"longest_ns,omitempty"`
}

// StuckAfter is how long a wait that has not ended must have lasted to be
// shown as stuck: far past any wait of a working device or lock (disks
// answer in milliseconds, a journal commit in tens of them, and a SCSI
// command times out after 30 s), and short enough to be seen in a capture
// of seconds. Such a wait is in no D-time histogram until it ends.
const StuckAfter = 5 * time.Second

// Load is the load average and what it is made of at the end of the interval.
type Load struct {
	Avg1    float64     `json:"avg1"`
	Avg5    float64     `json:"avg5"`
	Avg15   float64     `json:"avg15"`
	Running int         `json:"running"` // tasks in R (procs_running)
	InD     int         `json:"in_d"`    // tasks in D, excluding TASK_IDLE
	DGroups []TaskGroup `json:"d_groups,omitempty"`
}

// Pressure is /proc/pressure/io.
type Pressure struct {
	SomeAvg10 float64 `json:"some_avg10"`
	FullAvg10 float64 `json:"full_avg10"`
	SomeUs    uint64  `json:"some_us"` // delta of total stall time over the interval
	FullUs    uint64  `json:"full_us"`
}

// SchedChange records an IO scheduler switch seen between two samples.
type SchedChange struct {
	Time   time.Time `json:"time"`
	Device string    `json:"device"`
	From   string    `json:"from"`
	To     string    `json:"to"`
}

// Host is the procfs/sysfs view of the host over one interval.
type Host struct {
	// Uptime is the time since boot at the end of the interval.
	Uptime   time.Duration `json:"uptime_ns,omitempty"`
	Load     Load          `json:"load"`
	NFSD     NFSD          `json:"nfsd"`
	Devices  []Device      `json:"devices"`
	Pressure *Pressure     `json:"pressure,omitempty"`
	Changes  []SchedChange `json:"sched_changes,omitempty"`
	// Cgroups are the traced threads' cgroup limits (keyed as
	// Config.Cgroups) that were new or changed in the interval: those of a
	// target that appeared after the capture began, or a limit set while
	// it ran. Config.Cgroups overlaid with them in order is what bound the
	// threads at a snapshot's end.
	Cgroups map[string]string `json:"cgroups,omitempty"`
}

// Stats describes the tracer itself over the interval.
type Stats struct {
	Events uint64 `json:"events"` // events or samples processed
	Lost   uint64 `json:"lost"`   // events the kernel could not deliver
	// CPU is the tracer's own CPU time (user+system of this process) in the interval.
	CPU time.Duration `json:"cpu_ns"`
}

// Snapshot is everything observed during one interval.
type Snapshot struct {
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	Host   Host      `json:"host"`
	DState []DState  `json:"dstate,omitempty"`
	Block  []Block   `json:"block,omitempty"`
	RPC    []RPC     `json:"rpc,omitempty"`
	// Run is the run-queue wait and on-CPU time of the target threads; nil
	// when the backend does not measure it (and in captures older than it).
	Run []Run `json:"run,omitempty"`
	// Holders names the tasks the target threads' run-queue waits in their
	// calls ended behind (Run's HeldBy Kernel and Other parts, by task),
	// the most time first; only those with waits in the interval. nil
	// when the backend cannot tell (procfs, and captures older than it),
	// and also when it can but no such wait ended: a Run row's HeldBy,
	// set wherever the backend names holders, tells the two apart.
	Holders []CPUHolder `json:"cpu_holders,omitempty"`
	// AsyncIO are the target threads' interruptible sleeps (S, not D) at
	// the waits for the completions of asynchronous IO (io_getevents,
	// io_uring_enter): the time such threads wait for their IO, which D
	// state does not hold. Device and Scheduler name those of a block
	// request of the thread's own in flight when it went to sleep,
	// NotBlockIO when none was (IO held above the device, or completed
	// just then); nil when the backend cannot tell (procfs, and captures
	// older than it).
	AsyncIO []DState `json:"async_io,omitempty"`
	// Wakers says who ended the D-state intervals of DState, per wait site;
	// nil when the backend cannot tell (procfs, and captures older than it).
	Wakers []Waker `json:"wakers,omitempty"`
	// Locks are the sleeping-lock waits of the target threads with the
	// locks' owners; nil when the backend cannot tell.
	Locks []LockWait `json:"locks,omitempty"`
	// Queue is the wait of nfsd requests for a free thread per pool; nil
	// when the backend does not measure it.
	Queue []PoolQueue `json:"queue,omitempty"`
	// Threads is how busy the nfsd threads were and how often a request
	// found none idle; nil when the backend does not measure it.
	Threads *ThreadUse `json:"thread_use,omitempty"`
	// Files is what nfsd read and wrote per file; nil when the backend
	// does not count it.
	Files *Files `json:"files,omitempty"`
	// Calls is the read and write system calls of the traced user threads;
	// nil when they were not counted (kernel threads such as nfsd's, which
	// make none; too many targets; captures older than it).
	Calls *Calls `json:"calls,omitempty"`
	// Submits is what the traced threads submitted through the
	// asynchronous IO interfaces in the interval; nil when not counted
	// (the procfs backend, nfsd's threads, captures older than it).
	Submits *Submits `json:"submits,omitempty"`
	// URing is the latency of the traced threads' io_uring requests
	// that completed in the interval, by kind; nil when none did or they
	// were not timed (see the probe io_uring_latency).
	URing []AsyncLat `json:"uring,omitempty"`
	// AIO is the same for the traced threads' libaio requests, from the
	// return of the io_submit that queued them to that of the
	// io_getevents that reaped them; nil when none were reaped or they
	// were not timed (see the probe libaio_latency).
	AIO   []AsyncLat `json:"aio,omitempty"`
	Stats Stats      `json:"stats"`
	// Events are the individual D-state intervals above the event threshold
	// that ended in this interval, in the order the backend saw them.
	Events []DEvent `json:"events,omitempty"`
	// Kernel is what the kernel logged in the interval (nil: nothing, or
	// no kernel log source).
	Kernel *KernelLog `json:"kernel_log,omitempty"`
}

// Calls is what the traced threads asked of the kernel through read and
// write system calls in an interval (/proc/PID/task/TID/io): the unit of
// work of a process that does its IO that way, as NFS operations are
// nfsd's. IO submitted through io_submit or io_uring is not counted.
type Calls struct {
	Reads      uint64 `json:"reads"`       // read system calls (syscr)
	Writes     uint64 `json:"writes"`      // write system calls (syscw)
	ReadBytes  uint64 `json:"read_bytes"`  // bytes they returned (rchar)
	WriteBytes uint64 `json:"write_bytes"` // bytes they were given (wchar)
	Threads    int    `json:"threads"`     // threads counted
	// CPU is the counted threads' CPU time in the interval, in user mode
	// and in the kernel; nil when not read (a stat that could not be
	// parsed, captures older than it).
	CPU *ThreadCPU `json:"cpu,omitempty"`
}

// ThreadCPU is threads' CPU time split by mode (/proc/PID/task/TID/stat's
// utime and stime, in ticks the kernel scales to the time they ran): the
// kernel's part of a system call's time on a CPU is the call's, the user
// part is the program's own work between its calls.
type ThreadCPU struct {
	UserNs uint64 `json:"user_ns"`
	SysNs  uint64 `json:"sys_ns"`
}

// Count is the read and write calls together.
func (c *Calls) Count() uint64 { return c.Reads + c.Writes }

// Submits counts the IOs threads submitted through the asynchronous
// interfaces, which their read and write calls (Calls) leave out: each is
// a piece of their work, as a call is.
type Submits struct {
	AIO   uint64 `json:"aio"`   // iocbs io_submit queued
	URing uint64 `json:"uring"` // SQEs io_uring_enter consumed
}

// Count is the IOs submitted through either interface.
func (s *Submits) Count() uint64 { return s.AIO + s.URing }

// AsyncLat is the time asynchronous IO requests (io_uring's or libaio's)
// of one kind took from their submission to their completion: the latency
// a thread that keeps several in flight gives its own IO, which its waits
// (ended by the first completion) do not show.
type AsyncLat struct {
	Kind string `json:"kind"` // AsyncRead, AsyncWrite or AsyncSync
	Lat  Hist   `json:"lat"`
}

// The kinds of asynchronous request timed: reads (io_uring's READ, READV
// and their fixed-buffer forms; libaio's PREAD, PREADV), writes (likewise)
// and syncs (io_uring's FSYNC, SYNC_FILE_RANGE; libaio's FSYNC, FDSYNC).
const (
	AsyncRead  = "read"
	AsyncWrite = "write"
	AsyncSync  = "sync"
)

// Interval returns the snapshot's length.
func (s *Snapshot) Interval() time.Duration { return s.End.Sub(s.Start) }

// Probe is one piece of instrumentation and whether it attached.
type Probe struct {
	Name   string `json:"name"`
	Status string `json:"status"` // ProbeAttached, ProbeFallback, ProbeUnavailable
	Detail string `json:"detail,omitempty"`
}

// Probe statuses.
const (
	ProbeAttached    = "attached"
	ProbeFallback    = "fallback"
	ProbeUnavailable = "unavailable"
)

// The tracing backends' names, as Backend.Name and captures carry them.
const (
	BackendEBPF   = "ebpf"
	BackendProcfs = "procfs"
)

// Backend describes the active tracing backend.
type Backend struct {
	Name string `json:"name"` // BackendEBPF or BackendProcfs
	// Detail is the one-line label the header shows, e.g.
	// "procfs sampler at 100 Hz: eBPF unavailable: ...".
	Detail string  `json:"detail"`
	Probes []Probe `json:"probes,omitempty"`
}

// DeviceConfig is a block device's configuration.
type DeviceConfig struct {
	Name       string   `json:"name"`
	Scheduler  string   `json:"scheduler"`
	Available  []string `json:"available,omitempty"`
	Rotational bool     `json:"rotational"`
	NrRequests int      `json:"nr_requests,omitempty"`
	// Dev is the device's number, MAJ:MIN, by which cgroup IO limits
	// (io.max, blkio.throttle.*) name it; "" when unknown.
	Dev string `json:"dev,omitempty"`
}

// Config is what describes the host and the run, read once at start: what a
// comparison of two captures must check first.
type Config struct {
	Hostname        string            `json:"hostname"`
	KernelRelease   string            `json:"kernel_release"`
	KernelVersion   string            `json:"kernel_version"`
	Cmdline         string            `json:"cmdline"`
	InstalledKernel string            `json:"installed_kernel,omitempty"` // newest kernel in /boot
	NextBootKernel  string            `json:"next_boot_kernel,omitempty"` // what the boot loader starts next: GRUB's default, saved or next entry, else the newest in /boot
	NextBootFrom    string            `json:"next_boot_from,omitempty"`   // how NextBootKernel was found, e.g. "grub saved_entry"
	BootID          string            `json:"boot_id"`
	CPUs            int               `json:"cpus"`
	MemTotal        uint64            `json:"mem_total"`
	Devices         []DeviceConfig    `json:"devices"`
	Sysctls         map[string]string `json:"sysctls,omitempty"`
	// Cgroups are the limits of the traced threads' cgroups (v2) and their
	// ancestors when the run began, "PATH FILE" → value ("/bench cpu.max" →
	// "10000 100000"); none for threads in the root cgroup, such as nfsd's.
	Cgroups      map[string]string `json:"cgroups,omitempty"`
	NFSDThreads  int               `json:"nfsd_threads"`
	NFSDVersions string            `json:"nfsd_versions,omitempty"`
	Backend      Backend           `json:"backend"`
	Targets      string            `json:"targets"` // which threads are traced, e.g. "comm ^nfsd$"
	// KernelLog says where kernel messages were read from ("/dev/kmsg"),
	// or why they could not be ("unavailable: ..."); "" when not tried.
	KernelLog string    `json:"kernel_log,omitempty"`
	Start     time.Time `json:"start"`
}

// NextBoot returns the kernel the next boot will run: the boot loader's
// choice when it could be read, else the newest installed kernel.
func (c *Config) NextBoot() string {
	if c.NextBootKernel != "" {
		return c.NextBootKernel
	}
	return c.InstalledKernel
}

// NextBootDiffers reports whether the next boot would run another kernel than
// the running one: the incident's "installed but not rebooted" trap.
func (c *Config) NextBootDiffers() bool {
	n := c.NextBoot()
	return n != "" && n != c.KernelRelease
}
