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

// IsSchedFrame reports whether a function name (see FuncName) is one of the
// scheduler's frames on top of every sleeping task's stack.
func IsSchedFrame(fn string) bool { return schedFrames[baseName(fn)] }

// IsEntryFrame reports whether a function name is one of the frames a
// kernel thread or a system call starts from.
func IsEntryFrame(fn string) bool { return entryFrames[baseName(fn)] }

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
