package model

import "strings"

// StackSep joins frames in the short, readable form of a stack, innermost
// first ("io_schedule ← folio_wait_bit ← nfsd_commit").
const StackSep = " ← "

// ParseFrame splits the text of one symbolized kernel frame into its
// function name and module. It accepts the forms the backends and
// /proc/PID/stack use: "io_schedule", "nfsd_vfs_write [nfsd]",
// "nfsd_vfs_write+0x1f/0x80 [nfsd]" and "[<0>] io_schedule+0x42/0x70". The
// module is "" for the core kernel. Compiler suffixes stay (see FuncName).
func ParseFrame(s string) (fn, module string) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "[<") {
		if i := strings.Index(s, "] "); i >= 0 {
			s = strings.TrimSpace(s[i+2:])
		}
	}
	if i := strings.LastIndexByte(s, '['); i > 0 && strings.HasSuffix(s, "]") {
		module = s[i+1 : len(s)-1]
		s = strings.TrimSpace(s[:i])
	}
	if i := strings.IndexByte(s, '+'); i > 0 {
		s = s[:i]
	}
	return s, module
}

// FuncName reduces one symbolized frame to the function name the same code
// has on every kernel build: ParseFrame's function without the suffixes the
// compiler gives clones and split-off parts (".isra.0", ".constprop.0",
// ".part.0", ".cold", ".llvm.123"); kernel function names have no dots of
// their own.
func FuncName(frame string) string {
	fn, _ := ParseFrame(frame)
	return baseName(fn)
}

func baseName(fn string) string {
	if i := strings.IndexByte(fn, '.'); i > 0 {
		return fn[:i]
	}
	return fn
}

// schedFrames are the frames every sleeping task has on top of its stack:
// they say that the task slept, not why.
var schedFrames = map[string]bool{
	"__schedule":                     true,
	"schedule":                       true,
	"schedule_timeout":               true,
	"schedule_preempt_disabled":      true,
	"schedule_hrtimeout":             true,
	"schedule_hrtimeout_range":       true,
	"schedule_hrtimeout_range_clock": true,
	"__switch_to":                    true,
	"__switch_to_asm":                true,
	"context_switch":                 true,
	"finish_task_switch":             true,
	"preempt_schedule_common":        true,
}

// entryFrames are the frames every kernel thread and system call starts
// from: the outermost frames of any stack.
var entryFrames = map[string]bool{
	"ret_from_fork":                  true,
	"ret_from_fork_asm":              true,
	"kthread":                        true,
	"entry_SYSCALL_64_after_hwframe": true,
	"entry_SYSCALL_64":               true,
	"entry_SYSCALL_64_fastpath":      true,
	"do_syscall_64":                  true,
	"system_call_fastpath":           true, // before 4.2
	"x64_sys_call":                   true,
}

// serviceFrames are the loops of the nfsd threads and of workqueue workers
// below the code that waits: the same for every nfsd wait.
var serviceFrames = map[string]bool{
	"nfsd":                true,
	"svc_recv":            true,
	"svc_process":         true,
	"svc_process_common":  true,
	"svc_handle_xprt":     true,
	"svc_process_bc":      true,
	"nfsd_dispatch":       true,
	"nfsd4_proc_compound": true,
	"process_one_work":    true,
	"worker_thread":       true,
}

// schedLook is how far from the top of a stack __schedule is looked for:
// deeper than the tracer's frames and the scheduler's own ever reach, and
// shallow enough that a __schedule further down, below the wait site, is
// not mistaken for the top of the wait.
const schedLook = 12

// TrimSchedFrames drops the scheduler's own frames from the top of a
// sleeping task's stack, innermost first: everything up to and including
// __schedule when it is among the first frames, then schedule or
// schedule_idle, so that the first frame is the wait site (io_schedule,
// schedule_timeout, percpu_rwsem_wait, ...). It keeps at least one frame of
// a non-empty stack and returns a subslice of frames.
func TrimSchedFrames(frames []string) []string {
	if i := schedulePos(frames); i >= 0 {
		frames = frames[i+1:]
	}
	return trimSchedule(frames)
}

// TrimTracerFrames is TrimSchedFrames for a stack a tracer took inside the
// scheduler (the sched_switch tracepoint): when __schedule is not among the
// first frames, the tracer's own frames (bpf_prog_..., bpf_trace_run3,
// __bpf_trace_sched_switch, __traceiter_sched_switch, trace_...) are
// dropped from the top instead.
func TrimTracerFrames(frames []string) []string {
	i := schedulePos(frames)
	if i < 0 {
		for i+1 < len(frames) && isTracerFrame(frames[i+1]) {
			i++
		}
	}
	return trimSchedule(frames[i+1:])
}

// schedulePos is the index of __schedule among the first schedLook frames,
// or -1.
func schedulePos(frames []string) int {
	for i := 0; i < len(frames) && i < schedLook; i++ {
		if frames[i] == "__schedule" {
			return i
		}
	}
	return -1
}

// trimSchedule drops the schedule call on top of a stack cut below
// __schedule, keeping at least one frame.
func trimSchedule(frames []string) []string {
	for len(frames) > 1 && (frames[0] == "schedule" || frames[0] == "schedule_idle") {
		frames = frames[1:]
	}
	return frames
}

// isTracerFrame reports whether a frame is the tracing machinery's: a BPF
// program or trampoline, or a tracepoint's iterator or probe.
func isTracerFrame(f string) bool {
	return strings.HasPrefix(f, "bpf_") || strings.HasPrefix(f, "__bpf_") ||
		strings.HasPrefix(f, "__traceiter_") || strings.HasPrefix(f, "trace_")
}

// IsSchedFrame reports whether a function name (see FuncName) is one of the
// scheduler's frames on top of every sleeping task's stack.
func IsSchedFrame(fn string) bool { return schedFrames[baseName(fn)] }

// IsEntryFrame reports whether a function name is one of the frames a
// kernel thread or a system call starts from.
func IsEntryFrame(fn string) bool { return entryFrames[baseName(fn)] }

// TrimEntryFrames cuts a stack, innermost first, above its first entry
// frame (see IsEntryFrame): what a thread or system call starts from says
// nothing of the wait. It returns a subslice of frames.
func TrimEntryFrames(frames []string) []string {
	for i, f := range frames {
		if IsEntryFrame(f) {
			return frames[:i]
		}
	}
	return frames
}

// isGenericOuter reports whether a function name is an entry frame or a
// service loop: what a short stack drops from its outer end.
func isGenericOuter(fn string) bool {
	fn = baseName(fn)
	return entryFrames[fn] || serviceFrames[fn]
}

// Short returns the frames of a wait site worth reading: function names
// without offsets or modules, with the scheduler frames at the inner end and
// the thread-entry and service-loop frames at the outer end removed. It
// never returns an empty list for a non-empty site. Compiler suffixes stay.
func (w WaitSite) Short() []string {
	raw := w.Frames()
	fns := make([]string, 0, len(raw))
	for _, f := range raw {
		if fn, _ := ParseFrame(f); fn != "" {
			fns = append(fns, fn)
		}
	}
	lo, hi := 0, len(fns)
	for lo < hi-1 && IsSchedFrame(fns[lo]) {
		lo++
	}
	for hi-1 > lo && isGenericOuter(fns[hi-1]) {
		hi--
	}
	return fns[lo:hi]
}

// Norm is Short without compiler suffixes: the frames by which the same
// site matches across kernel builds.
func (w WaitSite) Norm() []string {
	fns := w.Short()
	for i, fn := range fns {
		fns[i] = baseName(fn)
	}
	return fns
}

// Class names what the wait at this site waited for (ClassifyFrames of its
// Norm frames); device is the block device the thread's own IO went to.
func (w WaitSite) Class(device string) WaitClass { return ClassifyFrames(w.Norm(), device) }

// asyncWaitFrames are the functions in which a thread sleeps, interruptibly,
// for the completions of asynchronous IO it submitted: libaio's
// io_getevents and io_pgetevents (read_events, do_io_getevents) and
// io_uring_enter's wait for completions (io_cqring_wait and, in some
// kernels, the schedule step it calls).
var asyncWaitFrames = map[string]bool{
	"read_events":             true,
	"do_io_getevents":         true,
	"io_cqring_wait":          true,
	"io_cqring_wait_schedule": true,
}

// AsyncIOWait reports whether the site is a wait for the completions of
// asynchronous IO (see asyncWaitFrames) among its first frames below the
// scheduler's.
func (w WaitSite) AsyncIOWait() bool {
	for i, f := range w.Norm() {
		if i >= asyncLook {
			break
		}
		if asyncWaitFrames[f] {
			return true
		}
	}
	return false
}

// InAIOSubmit reports whether the wait is inside io_submit, queueing a
// libaio request (io_submit_one): a wait for a request of the device's
// queue or for the file's lock that the iocb's time holds before the call
// returns.
func (w WaitSite) InAIOSubmit() bool {
	for _, f := range w.Norm() {
		if f == "io_submit_one" || strings.HasSuffix(f, "sys_io_submit") {
			return true
		}
	}
	return false
}

// SlotWait reports whether the wait is for a slot of a device's request
// queue, among its first frames below the scheduler's: a tag
// (blk_mq_get_tag), which the requests in flight on that device hold until
// they complete, or room under the queue's writeback throttle (wbt_wait:
// blk-wbt lets a device only so many writes in flight, fewer the longer
// they take to complete). The thread has no request there yet, so the
// tracer cannot name the device, and the time is the device's latency per
// request times the requests ahead of it, bounded by its queue depth
// (nr_requests) or the throttle's. A cgroup's IO latency target
// (blkcg_iolatency_throttle, also through rq_qos_wait) is a policy above
// the device, not its slots.
func (w WaitSite) SlotWait() bool {
	for i, f := range w.Norm() {
		if i >= asyncLook {
			break
		}
		if f == "blk_mq_get_tag" || f == "wbt_wait" {
			return true
		}
	}
	return false
}

// asyncLook is how many frames below the scheduler's a completion wait is
// looked for: it is the wait itself, the first or second frame (a timed
// wait adds schedule_hrtimeout's).
const asyncLook = 3
