// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * nfstrace core programs: D-state intervals with kernel stacks, and block
 * request latency per device, IO scheduler, operation and size class.
 *
 * Everything is aggregated in the kernel into log2 histograms (struct hist);
 * only D-state intervals of at least min_dstate_ns produce an event, so the
 * always-on path costs a few map operations per context switch of a target
 * thread and per block request.
 *
 * Each tracepoint has a tp_btf and a raw_tp program with the same body; user
 * space loads one of the two. The bodies take a constant `btf` flag: tp_btf
 * programs dereference kernel pointers directly (plain loads the verifier
 * checks against BTF), raw_tp programs read them with bpf_probe_read_kernel
 * through BPF_CORE_READ. The compiler drops the branch not taken.
 */
#include "common.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* Task state bits (include/linux/sched.h), stable since 2.6. */
#define TASK_INTERRUPTIBLE 0x0001
#define TASK_UNINTERRUPTIBLE 0x0002
#define TASK_NOLOAD 0x0400

/* req_op mask (include/linux/blk_types.h, REQ_OP_BITS = 8). */
#define REQ_OP_MASK 0xff

#define NAME_LEN 16

/* RD reads ptr->field directly in tp_btf programs, by probe read in raw_tp ones. */
#define RD(btf, ptr, field) ((btf) ? (ptr)->field : BPF_CORE_READ(ptr, field))
#define STACK_DEPTH 64

/* Settings written by user space before load. */
const volatile __u64 min_dstate_ns = 1000000;
const volatile bool trace_all = false;
const volatile bool use_ringbuf = true;

/* counters indexes; mirrored in Go. */
enum counter {
	CNT_EVENTS = 0,    /* long-interval events submitted */
	CNT_LOST = 1,      /* events the ring/perf buffer had no room for */
	CNT_DSTATE_FULL,   /* D-state aggregation or interval map full */
	CNT_BLOCK_FULL,    /* block aggregation or request map full */
	CNT_STACK_ERR,     /* bpf_get_stackid failed (collision or full) */
	CNT_RUN_FULL,      /* run-queue aggregation map full */
	CNT_WAKER_FULL,    /* waker aggregation map full */
	CNT_LOCK_FULL,     /* lock aggregation or wait map full */
	CNT_KP_OPEN,       /* lock waits opened by the slow-path kprobes */
	CNT_KP_SLEPT,      /* of those, sleeps in D found inside a slow path */
	CNT_KP_SPUN,       /* of those, closed without a sleep there (not counted) */
	CNT_AIO_SUBMITTED, /* iocbs target threads queued with io_submit */
	CNT_URING_SUBMITTED, /* SQEs target threads submitted with io_uring_enter */
	CNT_URING_FULL,    /* io_uring requests not timed: the request map was full */
	CNT_AIO_FULL,      /* libaio requests not timed: the request map was full */
	CNT_HOLDER_FULL,   /* run-queue waits not named: the holders map was full */
	CNT_MAX,
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static __always_inline void count(__u32 idx)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &idx);

	if (c)
		*c += 1;
}

/* targets: tid -> 1 for threads to trace, filled by user space, and by
 * inherit with the new threads of traced processes. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u8);
} targets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 16384);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, STACK_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

/* Aggregation key of D-state intervals. */
struct dkey {
	char comm[NAME_LEN];
	char sched[NAME_LEN]; /* IO scheduler of dev, "" when not block IO */
	__s32 stack_id;       /* negative when the stack could not be taken */
	__u32 dev;            /* kernel dev_t of the disk, 0 when not block IO */
	__u32 proto;          /* thread_op.proto when the interval started */
	__u32 op;
	__u8 addr[16];        /* thread_op's client when the interval started */
	__u16 family;         /* its address family, 0 when unknown */
	/*
	 * 1: not D state but an interruptible sleep in a system call that
	 * waits for the completions of asynchronous IO (io_getevents,
	 * io_uring_enter), which sleeps in S; dev is set when a block request
	 * the thread submitted was in flight. User space keeps these at
	 * completion-wait sites only. Neither wakers nor events are kept for
	 * them.
	 */
	__u16 intr;
	__u16 pad[2];
};

/* An interval in progress. */
struct dstart {
	struct dkey key;
	__u64 start_ns;
	__u32 pid;
	__u32 waker_tid;            /* set by sched_waking: who woke it, 0 until then */
	char waker_comm[NAME_LEN];
	__u32 waker_irq;            /* the waker ran on an interrupt stack */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32768);
	__type(key, __u32);
	__type(value, struct dstart);
} dstarts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, struct dkey);
	__type(value, struct hist);
} dhists SEC(".maps");

/* dthreads: which threads contributed to which dkey, for a thread count. */
struct dthread {
	struct dkey key;
	__u32 tid;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 32768);
	__type(key, struct dthread);
	__type(value, __u8);
} dthreads SEC(".maps");

/*
 * Wakers of D-state intervals per wait site: who ended the wait. The waker is
 * the task running sched_waking (try_to_wake_up), in whose context the wakeup
 * is decided; sched_wakeup may run later on the target CPU (a queued remote
 * wakeup) in another task's context. A waker on an interrupt stack is an
 * interrupt (a block completion, a timer), whatever task it interrupted.
 */
struct wkey {
	char comm[NAME_LEN];   /* the woken thread's */
	char waker[NAME_LEN];  /* the waker's comm, "" when waker_irq */
	__s32 stack_id;        /* the woken thread's wait site */
	__u32 waker_irq;
};

struct wval {
	__u64 count;
	__u64 sum_ns; /* D-time of the intervals it ended */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, struct wkey);
	__type(value, struct wval);
} wakers SEC(".maps");

static struct wval zero_wval;

/* Event for one D-state interval of at least min_dstate_ns. Layout mirrored in Go. */
struct dstate_event {
	__u64 start_ns;
	__u64 dur_ns;
	__u32 tid;
	__u32 pid;
	__u32 waker_tid; /* 0 when the thread ran again without a wakeup seen */
	__u32 pad;
	struct dkey key;
	char waker_comm[NAME_LEN];
};

/* Keeps struct dstate_event in the object's BTF, for the Go layout test. */
const struct dstate_event *unused_dstate_event __attribute__((unused));

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} perf_events SEC(".maps");

/*
 * Block requests by address. Requests are preallocated per queue and reused,
 * so entries are kept and reset in place rather than deleted: in steady state
 * a request costs map lookups only, no update or delete (a hash update or
 * delete takes a lock, the most expensive thing on this path). User space
 * prunes entries unused for a minute (stale after a scheduler switch or a
 * device removal).
 */
struct rq_info {
	__u64 issue_ns;  /* 0 until issued */
	__u64 last_ns;   /* when the entry last started a request, for pruning */
	__u64 q;         /* request_queue and elevator_type the labels belong to */
	__u64 et;
	__u32 tid;       /* target thread that submitted it, 0 if none */
	__u32 dev;
	__u32 bytes;     /* size at issue */
	__u32 active;    /* a request is in flight */
	char sched[NAME_LEN];
	__u64 kstamp_q;  /* the queue this entry last found stamped by the kernel */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct rq_info);
} rqs SEC(".maps");

/*
 * Queues whose requests the kernel stamps itself at issue (io_start_time_ns,
 * with their size in stats_sectors: where blk-stat accounting is on, as
 * writeback throttling turns it on for most disks), with the name of their
 * IO scheduler. A request of such a queue that no target thread submitted
 * needs no entry in rqs: its completion reads the kernel's stamps, and the
 * issue program leaves after one lookup here, a read-mostly entry that
 * stays in every CPU's cache, rather than writing the request's entry that
 * the completing CPU wrote last. A completion without the stamp (accounting
 * turned off since) clears the mark.
 */
struct qinfo {
	__u64 et;     /* elevator_type the name belongs to */
	__u32 stamps; /* the kernel stamps this queue's requests */
	__u32 pad;
	char sched[NAME_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64); /* struct request_queue * */
	__type(value, struct qinfo);
} qinfos SEC(".maps");

struct bkey {
	char sched[NAME_LEN]; /* "none" when the queue has no elevator */
	__u32 dev;
	__u8 op;              /* REQ_OP_* masked; user space names it */
	__u8 size_class;
	__u16 pad;
};

struct bval {
	struct hist queue;   /* insert -> issue */
	struct hist service; /* issue -> complete */
};

/*
 * Per-CPU: the hottest update of all (one per request) needs no atomics. A
 * per-CPU hash holds every entry once per possible CPU, so where that would
 * take too much memory user space makes it a plain hash and clears
 * block_percpu: the updates are then atomic.
 */
const volatile bool block_percpu = true;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct bkey);
	__type(value, struct bval);
} bhists SEC(".maps");

/* bhist_add is hist_add for bhists, without atomics where it is per CPU. */
static __always_inline void bhist_add(struct hist *h, __u64 v)
{
	if (!block_percpu) {
		hist_add(h, v);
		return;
	}
	h->slots[hist_slot(v)]++;
	h->count++;
	h->sum_ns += v;
	if (v > h->max_ns)
		h->max_ns = v;
}

static struct bval zero_bval;

/* Kernel type variants for CO-RE. */
struct task_struct___pre514 {
	long state;
} __attribute__((preserve_access_index));

struct request___pre515 {
	struct gendisk *rq_disk;
} __attribute__((preserve_access_index));

struct elevator_type___name_arr {
	char elevator_name[NAME_LEN];
} __attribute__((preserve_access_index));

struct elevator_type___name_ptr {
	const char *elevator_name;
} __attribute__((preserve_access_index));

static __always_inline __u32 task_state(struct task_struct *t, const bool btf)
{
	if (bpf_core_field_exists(t->__state))
		return RD(btf, t, __state);
	return (__u32)RD(btf, (struct task_struct___pre514 *)t, state);
}

/* nr_targets is the size of targets, kept by user space: 0 skips the lookup. */
__u32 nr_targets = 0;

static __always_inline bool is_target(__u32 tid)
{
	if (trace_all)
		return tid != 0;
	if (!nr_targets)
		return false;
	return bpf_map_lookup_elem(&targets, &tid) != NULL;
}

/* ---- run queue ---------------------------------------------------------- */

/*
 * Run-queue and on-CPU time of the target threads. A thread is runnable from
 * its wakeup, or from a switch-out that left it TASK_RUNNING (preempted, or
 * throttled by CFS bandwidth), until its next switch-in; on CPU from switch-in
 * to switch-out. Both are added at switch-out, when current is the thread, so
 * its comm is at hand: one aggregation update per time slice.
 */
const volatile bool track_run = true;

/* Aggregation key of run-queue waits: the D-state key without wait site and device. */
struct rkey {
	char comm[NAME_LEN];
	__u32 proto;
	__u32 op;
	__u8 addr[16];
	__u16 family;
	__u16 pad[3];
};

/*
 * Who had the CPU when a target's run-queue wait ended: the task switched out
 * for it, the one the thread waited behind last (runqslower's "prev"). The
 * idle task after a wakeup: nothing held the CPU, the wait was the wakeup's
 * own latency (an idle CPU leaving its sleep state). The idle task after a
 * switch-out that left the thread runnable: it was held off a CPU that then
 * idled (throttled by a CPU quota), or moved to an idle one. A target: the
 * traced threads outnumber their CPUs. A kernel thread (PF_KTHREAD, not
 * traced): the kernel's own work, such as writeback, block completions in
 * ksoftirqd or reclaim. Other: any other process.
 */
enum { HELD_WAKE, HELD_IDLE, HELD_TARGET, HELD_KERNEL, HELD_OTHER, HELD_N };

#define PF_KTHREAD 0x00200000

struct rval {
	struct hist runnable; /* runnable to switched in */
	__u64 oncpu_ns;       /* total switched in to switched out */
	__u64 slices;         /* time slices ended */
	/* The runnable waits that began with a switch-out that left the
	 * thread runnable (preempted, or throttled by a CPU quota): the CPU
	 * was taken from it, rather than found busy at a wakeup. */
	__u64 preempt_cnt;
	__u64 preempt_ns;
	/* The runnable waits by who had the CPU when they ended (HELD_*). */
	__u64 held_cnt[HELD_N];
	__u64 held_ns[HELD_N];
	/* The run-queue waits that ended outside the thread's calls (see
	 * outside_call), kept apart from the others: runnable, preempt_* and
	 * held_* count only those in calls. */
	__u64 outside_cnt;
	__u64 outside_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct rkey);
	__type(value, struct rval);
} rvals SEC(".maps");

#define TID_RQS 4

/* Per-thread state: the only lookup of the hot path. */
struct runstate {
	__u64 runnable_ns; /* when it became runnable, 0 when not waiting */
	__u64 oncpu_ns;    /* when it was switched in, 0 when not on CPU */
	__u64 wait_ns;     /* run-queue wait that ended at that switch-in */
	__u32 gen;         /* run_gen when last was put in rthreads */
	__u8 has_wait;     /* wait_ns is still to be counted */
	__u8 preempted;    /* the open run-queue wait began with a preemption */
	__u8 wait_preempted; /* so did wait_ns */
	__u8 wait_held;    /* who had the CPU when wait_ns ended (HELD_*) */
	__u8 wait_outside; /* wait_ns ended outside the thread's calls */
	/* The thread submits asynchronous IO (io_submit, io_uring_enter seen
	 * returning IOs): its requests in flight wait for it to reap them, in
	 * user space too. Written only by the thread. */
	__u8 async;
	struct rkey last;  /* key of the last time slice counted in rthreads */
	/*
	 * The block requests the thread submitted last (keys of rqs), newest
	 * at rq_next-1, written only by the thread itself as it submits them.
	 * A D-state wait that begins while one of them is still its request
	 * in flight waited on that request's device. Nothing is written here
	 * at completion, which runs on another CPU: an in-flight count kept
	 * per thread cost an atomic update of a line the submitting CPU wrote
	 * last, twice per request. Requests complete about in the order they
	 * were submitted, so when the newest few are done the older are too.
	 */
	__u64 rq[TID_RQS];
	__u32 rq_next;
	/*
	 * The wait site (stack id) of the thread's last wait for asynchronous
	 * IO, and the system call it waited in: its next wait in the same
	 * call reuses it rather than walk the stack again (the walk is most of
	 * a wait's cost), except every AIO_REWALK-th. Written only by the
	 * thread.
	 */
	__s32 aio_stack;
	__u16 aio_nr;
	__u16 aio_uses;
	__u32 pad;
};

#define AIO_REWALK 64

/*
 * runs: tid -> state. User space creates an entry for each target thread (an
 * entry is what makes a thread a target here); with trace_all the kernel
 * creates them. LRU, so that threads gone without user space noticing cannot
 * fill it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct runstate);
} runs SEC(".maps");

/* rthreads: which threads contributed to which rkey, for a thread count. */
struct rthread {
	struct rkey key;
	__u32 tid;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct rthread);
	__type(value, __u8);
} rthreads SEC(".maps");

/* run_gen is raised by user space each time it drains rthreads. */
__u32 run_gen = 0;

static struct rval zero_rval;

static __always_inline bool rkey_eq(const struct rkey *a, const struct rkey *b)
{
	const __u64 *x = (const __u64 *)a, *y = (const __u64 *)b;

	return x[0] == y[0] && x[1] == y[1] && x[2] == y[2] && x[3] == y[3] &&
	       x[4] == y[4] && x[5] == y[5];
}

/*
 * run_state returns thread tid's run-queue state, NULL when it is not a
 * target; under trace_all the entry is created at the thread's first sight.
 */
static __always_inline struct runstate *run_state(__u32 tid)
{
	struct runstate *rs = bpf_map_lookup_elem(&runs, &tid);
	struct runstate init = {};

	if (rs || !trace_all || !tid)
		return rs;
	bpf_map_update_elem(&runs, &tid, &init, BPF_NOEXIST);
	rs = bpf_map_lookup_elem(&runs, &tid);
	if (!rs)
		count(CNT_RUN_FULL);
	return rs;
}

/* run_out ends the time slice of rs's thread tid, switched out at now. */
static __always_inline void run_out(struct runstate *rs, __u32 tid, bool runnable, __u64 now)
{
	struct rval *v;
	__u64 on;

	if (rs->oncpu_ns && now > rs->oncpu_ns) {
		struct rthread th = {};
		struct thread_op *op;

		on = now - rs->oncpu_ns;
		bpf_get_current_comm(th.key.comm, sizeof(th.key.comm));
		op = bpf_map_lookup_elem(&thread_op, &tid);
		if (op) {
			th.key.proto = op->proto;
			th.key.op = op->op;
			__builtin_memcpy(th.key.addr, op->addr, 16);
			th.key.family = op->family;
		}
		v = bpf_map_lookup_elem(&rvals, &th.key);
		if (!v) {
			bpf_map_update_elem(&rvals, &th.key, &zero_rval, BPF_NOEXIST);
			v = bpf_map_lookup_elem(&rvals, &th.key);
		}
		if (v) {
			__sync_fetch_and_add(&v->oncpu_ns, on);
			__sync_fetch_and_add(&v->slices, 1);
			if (rs->has_wait && rs->wait_outside) {
				__sync_fetch_and_add(&v->outside_cnt, 1);
				__sync_fetch_and_add(&v->outside_ns, rs->wait_ns);
			} else if (rs->has_wait) {
				hist_add(&v->runnable, rs->wait_ns);
				if (rs->wait_preempted) {
					__sync_fetch_and_add(&v->preempt_cnt, 1);
					__sync_fetch_and_add(&v->preempt_ns, rs->wait_ns);
				}
				__u32 held = rs->wait_held;

				if (held < HELD_N) {
					__sync_fetch_and_add(&v->held_cnt[held], 1);
					__sync_fetch_and_add(&v->held_ns[held], rs->wait_ns);
				}
			}
		} else {
			count(CNT_RUN_FULL);
		}
		if (rs->gen != run_gen || !rkey_eq(&rs->last, &th.key)) {
			__u8 one = 1;

			th.tid = tid;
			if (!bpf_map_lookup_elem(&rthreads, &th))
				bpf_map_update_elem(&rthreads, &th, &one, BPF_ANY);
			rs->gen = run_gen;
			rs->last = th.key;
		}
	}
	rs->has_wait = 0;
	rs->oncpu_ns = 0;
	rs->runnable_ns = runnable ? now : 0;
	rs->preempted = runnable;
}

/*
 * System call numbers of the sleeps for time or for events (nanosleep,
 * futex, poll, select, epoll), set by user space for the machine's
 * architecture; unused slots are 0.
 */
#define NR_SLEEPS 12
const volatile __u32 nr_sleeps[NR_SLEEPS] = {};

/*
 * outside_call reports whether user thread p (state rs), about to be
 * switched in, is outside the calls whose time its callers feel: in a sleep
 * for time or for events, as a rate-limited thread pacing itself or an idle
 * worker waiting for work is, or in user space (preempted there: its saved
 * registers hold user mode, which entry code leaves with orig_ax -1) unless
 * it submits asynchronous IO, whose requests wait for it to reap them. Its
 * run-queue wait then delays no call in progress. Needs BTF task pointers
 * (tp_btf).
 */
static __always_inline bool outside_call(struct task_struct *p, struct runstate *rs)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(p);
	unsigned long nr = 0;
	__u32 i;

	if (!regs)
		return false;
	bpf_probe_read_kernel(&nr, sizeof(nr), &regs->orig_ax);
	if (nr == (unsigned long)-1)
		return !rs->async;
	for (i = 0; i < NR_SLEEPS; i++)
		if (nr_sleeps[i] && nr == nr_sleeps[i])
			return true;
	return false;
}

/*
 * run_in starts rs's time slice at now, ending its run-queue wait behind
 * held, outside the thread's calls when outside. It reports whether a wait
 * ended here: rs->has_wait may also be left over from an earlier switch-in
 * whose switch-out was not seen, a wait already named (holder_add).
 */
static __always_inline bool run_in(struct runstate *rs, __u64 now, __u8 held, bool outside)
{
	bool ended = false;

	if (rs->runnable_ns && now > rs->runnable_ns) {
		rs->wait_ns = now - rs->runnable_ns;
		rs->has_wait = 1;
		rs->wait_preempted = rs->preempted;
		rs->wait_held = held == HELD_IDLE && !rs->preempted ? HELD_WAKE : held;
		rs->wait_outside = outside;
		ended = true;
	}
	rs->runnable_ns = 0;
	rs->oncpu_ns = now;
	return ended;
}

/*
 * The run-queue waits in calls that ended behind a task not traced (HELD_KERNEL
 * and HELD_OTHER), by that task's name: the rvals' held_* kernel and other
 * parts, by task. Counted as each wait ends, when the task switched out for
 * the thread is current (rvals count it at the thread's switch-out), so that
 * the two agree over a run, not within each interval.
 */
struct hkey {
	/* prev's comm, or for a workqueue worker (work) the description of its
	 * last work item: the workqueue's name unless the work set one. */
	char name[NAME_LEN];
	__u8 kernel; /* HELD_KERNEL: a kernel thread; else HELD_OTHER */
	__u8 work;   /* name is the worker's struct worker desc */
	__u8 pad[6];
};

struct hval {
	__u64 cnt;
	__u64 ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct hkey);
	__type(value, struct hval);
} holders SEC(".maps");

static struct hval zero_hval;

#define PF_WQ_WORKER 0x00000020

/*
 * worker_desc reads into name (zeroed, NAME_LEN) what workqueue worker p's
 * last work item described: its struct worker's desc, which
 * process_one_work sets to the workqueue's name and set_worker_desc
 * overrides ("flush-7:1" for writeback). The worker is kthread_data(p):
 * the data of the struct kthread that task_struct.worker_private points to
 * (5.17+; before, set_child_tid held it, not read here). It reports whether
 * it read a name; every read is a probe read, as a worker may exit under us.
 */
static __always_inline bool worker_desc(struct task_struct *p, char *name)
{
	struct kthread *k;
	struct worker *w;

	if (!bpf_core_field_exists(p->worker_private) ||
	    !bpf_core_field_exists(((struct kthread *)0)->data) ||
	    !bpf_core_field_exists(((struct worker *)0)->desc))
		return false;
	k = (struct kthread *)BPF_CORE_READ(p, worker_private);
	if (!k)
		return false;
	w = (struct worker *)BPF_CORE_READ(k, data);
	if (!w)
		return false;
	/* Truncated to NAME_LEN-1 characters and a NUL; the rest stays 0. */
	return bpf_probe_read_kernel_str(name, NAME_LEN, &w->desc) > 1;
}

/*
 * holder_add counts a run-queue wait of ns that ended behind current, the
 * task switched out (prev, whose flags are flags), a kernel thread when
 * kernel.
 */
static __always_inline void holder_add(struct task_struct *prev, __u32 flags, bool kernel, __u64 ns)
{
	struct hkey k = {};
	struct hval *v;

	k.kernel = kernel;
	if (kernel && (flags & PF_WQ_WORKER) && worker_desc(prev, k.name)) {
		k.work = 1;
	} else {
		__builtin_memset(k.name, 0, sizeof(k.name));
		bpf_get_current_comm(k.name, sizeof(k.name));
	}
	v = bpf_map_lookup_elem(&holders, &k);
	if (!v) {
		bpf_map_update_elem(&holders, &k, &zero_hval, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&holders, &k);
		if (!v) {
			count(CNT_HOLDER_FULL);
			return;
		}
	}
	__sync_fetch_and_add(&v->cnt, 1);
	__sync_fetch_and_add(&v->ns, ns);
}

/* run_wakeup starts a run-queue wait, unless the thread is on CPU or waits already. */
static __always_inline void run_wakeup(__u32 tid)
{
	struct runstate *rs;

	if ((!trace_all && !nr_targets) || !tid)
		return;
	rs = bpf_map_lookup_elem(&runs, &tid);
	if (rs && !rs->oncpu_ns && !rs->runnable_ns) {
		rs->runnable_ns = bpf_ktime_get_ns();
		rs->preempted = 0;
	}
}

/* ---- lock-wait state --------------------------------------------------- */

/*
 * The lock programs (lock contention, below) keep a target thread's open
 * lock wait here; the D-state start reads it to give the wait the stack it
 * takes anyway, so that contention_begin need not walk the stack too.
 */
/*
 * The wait-for chain beyond the owner: when the owner is itself a target
 * waiting on a lock, the lock it waits on and that lock's owner, read at
 * the same time; then that owner's, up to LOCK_CHAIN hops. A hop with no
 * lock ends the chain (the owner was not waiting on a lock, or was not a
 * target, or the chain came back to a thread already in it).
 */
#define LOCK_CHAIN 2

struct lhop {
	__u64 lock;
	char owner_comm[NAME_LEN]; /* "" when unknown */
	__u32 owner_tid;           /* 0 when unknown */
	__u32 owner_state;
	__s32 owner_stack_id;      /* as lkey's */
	__u32 flags;               /* as lkey's */
};

struct lkey {
	char comm[NAME_LEN];       /* the waiter's */
	char owner_comm[NAME_LEN]; /* "" when unknown */
	__u64 lock;
	__s32 stack_id;            /* the waiter's wait site */
	__s32 owner_stack_id;      /* the owner's wait site when it is a target in D, else -1 */
	__u32 owner_tid;           /* 0 when unknown */
	__u32 owner_state;         /* its task state at contention_begin */
	__u32 flags;               /* LCB_F_* | LKEY_READER_OWNED */
	__u32 pad;
	struct lhop chain[LOCK_CHAIN];
};

struct lval {
	__u64 count;
	__u64 sum_ns;
	__u64 max_waiters; /* most waiters on the lock seen at a contention_begin */
};

struct lwait {
	struct lkey key;
	__u64 start_ns;
	__u64 waiters;
	/* Waits opened by the slow-path kprobes (no contention_end): */
	__u64 woke_ns; /* end of its last D-state sleep in the slow path */
	__u32 kp;      /* opened by a kprobe */
	__u32 slept;   /* slept in D inside the slow path */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, struct lkey);
	__type(value, struct lval);
} lhists SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct lwait);
} lwaits SEC(".maps");

/*
 * lwaiters: lock -> target threads waiting on it now, and the last target
 * thread that took it after waiting (the owner of a wait that began and
 * slept while no one held the lock: it waited for the one woken to take it).
 */
struct lstate {
	__s64 waiters;
	__u64 taken_ns;
	__u32 taker_tid;
	__u32 pad;
	char taker_comm[NAME_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct lstate);
} lwaiters SEC(".maps");

/* open_lwaits counts entries in lwaits, so that contention_end skips the lookup. */
__u64 open_lwaits = 0;

static __always_inline void lock_owner(struct lwait *w, void *lock, __u32 flags, __u32 tid);

/*
 * The slow-path kprobes (the fallback for kernels without lock:contention_*)
 * see a wait begin but not end: a return probe would replace the return
 * address on the waiter's stack, which truncates the stack walks of the D
 * state on kernels before 5.15. Instead, each sleep in D of a thread with an
 * open wait checks its stack for a frame inside one of the probed slow paths
 * (lock_ranges, [start, end) addresses from kallsyms, set by user space): the
 * wait goes on while it sleeps there, and ended at its last wakeup once it
 * sleeps anywhere else or not in D.
 */
#define LOCK_RANGES 4
#define LOCK_FRAMES 10

struct lock_range {
	__u64 start;
	__u64 end;
};

/* Unused entries stay {0, 0}, which contains no address. */
struct lock_range lock_ranges[LOCK_RANGES] = {};

struct lock_frames {
	__u64 pcs[LOCK_FRAMES];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lock_frames);
} lock_scratch SEC(".maps");

/* in_lock_slowpath reports whether current's stack passes through a probed slow path. */
static __always_inline bool in_lock_slowpath(void *ctx)
{
	struct lock_frames *f;
	__u32 zero = 0;
	long n;

	f = bpf_map_lookup_elem(&lock_scratch, &zero);
	if (!f)
		return false;
	__builtin_memset(f->pcs, 0, sizeof(f->pcs));
	n = bpf_get_stack(ctx, f->pcs, sizeof(f->pcs), 0);
	if (n <= 0)
		return false;
#pragma unroll
	for (int i = 0; i < LOCK_FRAMES; i++) {
		__u64 pc = f->pcs[i];

#pragma unroll
		for (int j = 0; j < LOCK_RANGES; j++)
			if (pc >= lock_ranges[j].start && pc < lock_ranges[j].end)
				return true;
	}
	return false;
}

static struct lval zero_lval;
static struct lstate zero_lstate;

/*
 * lock_wait_close ends tid's open wait w: when record, it is added to lhists
 * as lasting until end (its stack is the one it was given, or taken here).
 */
static __always_inline void lock_wait_close(void *ctx, __u32 tid, struct lwait *w, __u64 end, bool record, bool took)
{
	struct lstate *ls;
	struct lval *v;

	ls = bpf_map_lookup_elem(&lwaiters, &w->key.lock);
	if (record && ls) {
		/* No one held the lock when the wait began nor when it slept:
		 * it waited for the thread that took the lock since, which was
		 * running when it did. Then this thread, when it took the lock
		 * (not a wait a signal ended), is the last to have taken it. */
		if (!w->key.owner_tid && ls->taken_ns > w->start_ns && ls->taker_tid != tid) {
			w->key.owner_tid = ls->taker_tid;
			w->key.owner_state = 0;
			__builtin_memcpy(w->key.owner_comm, ls->taker_comm, NAME_LEN);
		}
		if (took) {
			ls->taker_tid = tid;
			ls->taken_ns = end;
			__builtin_memcpy(ls->taker_comm, w->key.comm, NAME_LEN);
		}
	}
	if (record) {
		if (w->key.stack_id < 0) {
			/* It did not sleep in D (it spun, or slept interruptibly): the
			 * stack here is the one contention_begin had. */
			w->key.stack_id = bpf_get_stackid(ctx, &stacks, 0);
			if (w->key.stack_id < 0)
				count(CNT_STACK_ERR);
		}
		v = bpf_map_lookup_elem(&lhists, &w->key);
		if (!v) {
			bpf_map_update_elem(&lhists, &w->key, &zero_lval, BPF_NOEXIST);
			v = bpf_map_lookup_elem(&lhists, &w->key);
		}
		if (v) {
			__sync_fetch_and_add(&v->count, 1);
			__sync_fetch_and_add(&v->sum_ns, end > w->start_ns ? end - w->start_ns : 0);
			if (w->waiters > v->max_waiters)
				v->max_waiters = w->waiters;
		} else {
			count(CNT_LOCK_FULL);
		}
	}
	if (ls && ls->waiters > 0)
		__sync_fetch_and_add(&ls->waiters, -1);
	if (bpf_map_delete_elem(&lwaits, &tid) == 0)
		__sync_fetch_and_add(&open_lwaits, -1);
}

/*
 * kp_wait_left closes tid's kprobe-opened wait, if any, that is no longer in
 * its slow path: recorded up to its last wakeup if it slept there, dropped
 * if it never did (it took the lock spinning: no end time to measure).
 */
static __always_inline void kp_wait_left(void *ctx, __u32 tid, struct lwait *w)
{
	if (!w->slept || !w->woke_ns)
		count(CNT_KP_SPUN);
	lock_wait_close(ctx, tid, w, w->woke_ns, w->slept && w->woke_ns, w->slept && w->woke_ns);
}

/* ---- D-state ---------------------------------------------------------- */

/*
 * open_intervals counts entries in dstarts, so that context switches and
 * wakeups skip the lookup while no target thread is in D state. A race with
 * a starting interval can only delay its end to the thread's next switch-in.
 */
__u64 open_intervals = 0;

/*
 * dstate_close ends the open interval s of thread tid: aggregates it, counts
 * its waker and submits an event when it is long enough. The waker fields of
 * s are set by the caller (the wake program), or left empty when the thread
 * ran again without a wakeup seen.
 */
static __always_inline void dstate_close(void *ctx, __u32 tid, struct dstart *s)
{
	struct hist *h;
	__u64 dur, now;
	__u8 one = 1;

	now = bpf_ktime_get_ns();
	dur = now - s->start_ns;
	if (open_lwaits) {
		struct lwait *w = bpf_map_lookup_elem(&lwaits, &tid);

		if (w && w->kp && w->slept)
			w->woke_ns = now;
	}
	h = hist_lookup_or_init(&dhists, &s->key);
	if (h)
		hist_add(h, dur);
	else
		count(CNT_DSTATE_FULL);
	{
		struct dthread th = {};

		th.key = s->key;
		th.tid = tid;
		if (!bpf_map_lookup_elem(&dthreads, &th))
			bpf_map_update_elem(&dthreads, &th, &one, BPF_ANY);
	}
	if (s->key.intr)
		goto out;
	if (s->waker_tid || s->waker_irq) {
		struct wkey wk = {};
		struct wval *w;

		__builtin_memcpy(wk.comm, s->key.comm, NAME_LEN);
		wk.stack_id = s->key.stack_id;
		wk.waker_irq = s->waker_irq;
		if (!s->waker_irq)
			__builtin_memcpy(wk.waker, s->waker_comm, NAME_LEN);
		w = bpf_map_lookup_elem(&wakers, &wk);
		if (!w) {
			bpf_map_update_elem(&wakers, &wk, &zero_wval, BPF_NOEXIST);
			w = bpf_map_lookup_elem(&wakers, &wk);
		}
		if (w) {
			__sync_fetch_and_add(&w->count, 1);
			__sync_fetch_and_add(&w->sum_ns, dur);
		} else {
			count(CNT_WAKER_FULL);
		}
	}

	if (dur >= min_dstate_ns) {
		struct dstate_event *e, ev;

		if (use_ringbuf) {
			e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
			if (!e) {
				count(CNT_LOST);
				goto out;
			}
			/* Keeps clang from computing field addresses of e
			 * before the null check, which the verifier rejects. */
			asm volatile("" : "+r"(e));
		} else {
			__builtin_memset(&ev, 0, sizeof(ev));
			e = &ev;
		}
		e->start_ns = s->start_ns;
		e->dur_ns = dur;
		e->tid = tid;
		e->pid = s->pid;
		e->key = s->key;
		e->pad = 0;
		if (s->waker_tid || s->waker_irq) {
			e->waker_tid = s->waker_tid; /* 0 for an interrupt, whose comm is "irq" */
			__builtin_memcpy(e->waker_comm, s->waker_comm, NAME_LEN);
		} else {
			e->waker_tid = 0;
			__builtin_memset(e->waker_comm, 0, sizeof(e->waker_comm));
		}
		if (use_ringbuf) {
			bpf_ringbuf_submit(e, 0);
			count(CNT_EVENTS);
		} else if (bpf_perf_event_output(ctx, &perf_events,
						 BPF_F_CURRENT_CPU, e, sizeof(*e)) == 0) {
			count(CNT_EVENTS);
		} else {
			count(CNT_LOST);
		}
	}
out:
	if (bpf_map_delete_elem(&dstarts, &tid) == 0)
		__sync_fetch_and_add(&open_intervals, -1);
}

/* dstate_end ends thread tid's interval, if one is open, at its switch-in. */
static __always_inline void dstate_end(void *ctx, __u32 tid)
{
	struct dstart *s;

	if (!open_intervals)
		return;
	s = bpf_map_lookup_elem(&dstarts, &tid);
	if (s)
		dstate_close(ctx, tid, s);
}

/*
 * own_request labels key with the device and scheduler of a block request
 * that thread tid submitted and that is still in flight, found among the
 * last ones it submitted (rs->rq); it reports whether there was one.
 */
static __always_inline bool own_request(struct runstate *rs, __u32 tid, struct dkey *key)
{
	__u32 i;

	if (!rs)
		return false;
	for (i = 0; i < TID_RQS; i++) {
		__u64 k = rs->rq[(rs->rq_next - 1 - i) & (TID_RQS - 1)];
		struct rq_info *ri;

		if (!k)
			break;
		ri = bpf_map_lookup_elem(&rqs, &k);
		if (ri && ri->active && ri->tid == tid) {
			key->dev = ri->dev;
			__builtin_memcpy(key->sched, ri->sched, NAME_LEN);
			return true;
		}
	}
	return false;
}

/*
 * System call numbers of the waits for asynchronous IO's completions
 * (io_getevents, io_pgetevents, io_uring_enter) on the machine's
 * architecture, set by user space; 0 where it has none.
 */
const volatile __u32 nr_io_getevents = 0;
const volatile __u32 nr_io_pgetevents = 0;
const volatile __u32 nr_io_uring_enter = 0;

/*
 * aio_call returns the number of the system call current, a user thread
 * going to sleep, is in when it is one of those, else 0: the number its
 * entry saved in its registers. Needs BTF task pointers (tp_btf).
 */
static __always_inline __u32 aio_call(void)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	unsigned long nr = 0;

	if (!regs)
		return 0;
	bpf_probe_read_kernel(&nr, sizeof(nr), &regs->orig_ax);
	if (nr && (nr == nr_io_getevents || nr == nr_io_pgetevents || nr == nr_io_uring_enter))
		return nr;
	return 0;
}

/*
 * dstate_start opens an interval of thread tid (prev, switched out at now):
 * a D-state sleep, or with intr an interruptible one, which counts only in
 * a system call that waits for asynchronous IO's completions (tp_btf), or
 * without BTF while a block request of the thread's own is in flight.
 */
static __always_inline void dstate_start(void *ctx, struct task_struct *prev, __u32 tid, __u64 now,
					 struct runstate *rs, const bool btf, const bool intr)
{
	struct thread_op *op;
	struct dstart s = {};
	__u32 nr = 0;

	if (intr && btf) {
		nr = aio_call();
		if (!nr)
			return;
	}
	if (!own_request(rs, tid, &s.key) && intr && !btf)
		return;
	s.key.intr = intr;
	s.start_ns = now;
	s.pid = RD(btf, prev, tgid);
	/* current is still prev in sched_switch: comm and stack are prev's. */
	bpf_get_current_comm(s.key.comm, sizeof(s.key.comm));
	if (nr && rs && rs->aio_nr == (__u16)nr && rs->aio_stack >= 0 && ++rs->aio_uses % AIO_REWALK) {
		s.key.stack_id = rs->aio_stack;
	} else {
		s.key.stack_id = bpf_get_stackid(ctx, &stacks, 0);
		if (s.key.stack_id < 0)
			count(CNT_STACK_ERR);
		if (nr && rs) {
			rs->aio_stack = s.key.stack_id;
			rs->aio_nr = (__u16)nr;
			rs->aio_uses = 0;
		}
	}
	op = bpf_map_lookup_elem(&thread_op, &tid);
	if (op) {
		s.key.proto = op->proto;
		s.key.op = op->op;
		__builtin_memcpy(s.key.addr, op->addr, 16);
		s.key.family = op->family;
	}
	if (!intr && open_lwaits && s.key.stack_id >= 0) {
		/* A lock wait going to sleep: this stack is its wait site. */
		struct lwait *w = bpf_map_lookup_elem(&lwaits, &tid);

		if (w && w->kp) {
			if (in_lock_slowpath(ctx)) {
				if (!w->slept)
					count(CNT_KP_SLEPT);
				w->slept = 1;
			} else {
				kp_wait_left(ctx, tid, w);
				w = NULL;
			}
		}
		if (w && w->key.stack_id < 0)
			w->key.stack_id = s.key.stack_id;
		/* No owner when the wait began: the lock was between a release
		 * and the woken waiter taking it (the releaser is often the next
		 * to wait). Whoever holds it when the waiter goes to sleep is
		 * the one it sleeps for. */
		if (w && !w->key.owner_tid)
			lock_owner(w, (void *)w->key.lock, w->key.flags, tid);
	}
	if (bpf_map_update_elem(&dstarts, &tid, &s, BPF_NOEXIST) == 0)
		__sync_fetch_and_add(&open_intervals, 1);
	else if (bpf_map_update_elem(&dstarts, &tid, &s, BPF_EXIST)) /* stale entry */
		count(CNT_DSTATE_FULL);
}

static __always_inline void on_switch(void *ctx, bool preempt, struct task_struct *prev,
				      struct task_struct *next, const bool btf)
{
	bool tracing = trace_all || nr_targets;
	struct runstate *rp = NULL, *rn = NULL;
	__u32 next_tid, prev_tid, state;
	__u64 now = 0;

	/* Every context switch of the machine comes here: with no target and
	 * no interval open, leave on globals alone, before any task read. */
	if (!tracing && !open_intervals)
		return;
	next_tid = RD(btf, next, pid);
	if (next_tid)
		dstate_end(ctx, next_tid);
	if (!tracing)
		return;
	prev_tid = RD(btf, prev, pid);
	/*
	 * The prev_state argument exists only since 5.18; prev's state field
	 * holds the same value here on every kernel (a pending signal already
	 * reset it to TASK_RUNNING), so read that.
	 */
	state = preempt ? 0 : task_state(prev, btf);
	if (track_run) {
		/* One lookup per task; the clock only when one is a target. */
		rp = run_state(prev_tid);
		if (next_tid)
			rn = bpf_map_lookup_elem(&runs, &next_tid);
		if (rp || rn)
			now = bpf_ktime_get_ns();
		if (rp)
			run_out(rp, prev_tid, state == 0, now);
		if (rn) {
			__u8 held = HELD_OTHER;
			__u32 flags = 0;

			if (!prev_tid) {
				held = HELD_IDLE;
			} else if (rp) {
				held = HELD_TARGET;
			} else {
				flags = RD(btf, prev, flags);
				if (flags & PF_KTHREAD)
					held = HELD_KERNEL;
			}
			/* A kernel thread (nfsd) has no calls: its waits are all in.
			 * A wait in calls that ends here behind a task not traced
			 * is counted under that task's name too. */
			if (run_in(rn, now, held, btf && rn->runnable_ns && !(RD(btf, next, flags) & PF_KTHREAD) &&
							  outside_call(next, rn)) &&
			    !rn->wait_outside && (held == HELD_KERNEL || held == HELD_OTHER))
				holder_add(prev, flags, held == HELD_KERNEL, rn->wait_ns);
		}
	}
	if (!(state & TASK_UNINTERRUPTIBLE) || (state & TASK_NOLOAD)) {
		/* Asleep but not in D: a kprobe-opened lock wait has left its
		 * slow path (they sleep in D; preemption leaves state 0). */
		if (open_lwaits && state) {
			struct lwait *w = bpf_map_lookup_elem(&lwaits, &prev_tid);

			if (w && w->kp)
				kp_wait_left(ctx, prev_tid, w);
		}
		/* An interruptible sleep of a target, which may wait for the
		 * completions of its asynchronous IO: a user thread's (a
		 * kernel thread, such as an idle nfsd, makes no system call
		 * to wait in). */
		if (rp && (state & TASK_INTERRUPTIBLE) && !(state & TASK_UNINTERRUPTIBLE) &&
		    !(RD(btf, prev, flags) & PF_KTHREAD))
			dstate_start(ctx, prev, prev_tid, now, rp, btf, true);
		return;
	}
	/* A runs entry is made for targets only (by user space, or by the
	 * kernel under trace_all): it spares the targets lookup. */
	if (!rp && !is_target(prev_tid))
		return;
	dstate_start(ctx, prev, prev_tid, now ? now : bpf_ktime_get_ns(), rp, btf, false);
}

/*
 * on_irq_stack reports whether the program runs on an interrupt stack rather
 * than the current task's stack. The tracepoint's arguments (ctx) are an array
 * on the kernel stack of the context the tracepoint fired in (bpf_trace_runN),
 * and interrupts run on stacks of their own (x86_64, arm64). Softirqs run from
 * an interrupt's exit count as interrupts; those run by ksoftirqd or on
 * local_bh_enable run on a task stack. The program's own stack is no guide:
 * since 6.13 x86_64 runs tracing programs with 64 bytes of stack or more on a
 * per-CPU private stack.
 */
#define TASK_STACK_MAX (64 * 1024) /* THREAD_SIZE is 16 KiB, 32 with KASAN */

static __always_inline bool on_irq_stack(void *ctx)
{
	struct task_struct *cur = (struct task_struct *)bpf_get_current_task();
	__u64 stack = (__u64)BPF_CORE_READ(cur, stack);
	void *args = ctx;
	__u64 sp = 0;

	/* The verifier forbids arithmetic on the context pointer; a copy of
	 * its value read through a helper is a plain number. */
	bpf_probe_read_kernel(&sp, sizeof(sp), &args);
	return sp - stack >= TASK_STACK_MAX;
}

/*
 * irq_from_user reports an interrupt that arrived while user space ran: x86_64
 * runs it on the interrupted task's kernel stack (it switches to the
 * interrupt stack only from kernel mode), so on_irq_stack cannot see it. The
 * registers saved at the top of that stack then hold user mode and orig_ax -1
 * (no system call), where a system call's hold its number. An exception from
 * user space (a page fault) looks the same; one that wakes a task in D is rare.
 * Needs BTF task pointers (tp_btf); the raw_tp fallback does without.
 */
static __always_inline bool irq_from_user(void)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	unsigned long cs = 0, orig_ax = 0;

	if (!regs)
		return false;
	bpf_probe_read_kernel(&cs, sizeof(cs), &regs->cs);
	bpf_probe_read_kernel(&orig_ax, sizeof(orig_ax), &regs->orig_ax);
	return (cs & 3) == 3 && orig_ax == (unsigned long)-1;
}

/*
 * on_wake is the whole wake path, one program per wakeup: it runs at
 * sched_waking where the kernel has it (in the waker's context, before a
 * remote wakeup is queued to the wakee's CPU), else at sched_wakeup. It ends
 * the thread's D-state interval with its waker, and starts its run-queue wait.
 */
static __always_inline void on_wake(void *ctx, struct task_struct *p, const bool btf)
{
	bool run = track_run && (trace_all || nr_targets);
	struct dstart *s = NULL;
	__u32 tid;

	/* Every wakeup of the machine comes here: globals first. */
	if (!open_intervals && !run)
		return;
	tid = RD(btf, p, pid);
	if (open_intervals)
		s = bpf_map_lookup_elem(&dstarts, &tid);
	if (s) {
		if (on_irq_stack(ctx) || (btf && irq_from_user())) {
			s->waker_irq = 1;
			s->waker_tid = 0;
			__builtin_memset(s->waker_comm, 0, NAME_LEN);
			__builtin_memcpy(s->waker_comm, "irq", 4);
		} else {
			s->waker_irq = 0;
			s->waker_tid = (__u32)bpf_get_current_pid_tgid();
			bpf_get_current_comm(s->waker_comm, sizeof(s->waker_comm));
		}
		dstate_close(ctx, tid, s);
	}
	if (run)
		run_wakeup(tid);
}

SEC("tp_btf/sched_waking")
int BPF_PROG(tp_btf_sched_waking, struct task_struct *p)
{
	on_wake(ctx, p, true);
	return 0;
}

SEC("raw_tp/sched_waking")
int BPF_PROG(raw_tp_sched_waking, struct task_struct *p)
{
	on_wake(ctx, p, false);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(tp_btf_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	on_switch(ctx, preempt, prev, next, true);
	return 0;
}

SEC("raw_tp/sched_switch")
int BPF_PROG(raw_tp_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	on_switch(ctx, preempt, prev, next, false);
	return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(tp_btf_sched_wakeup, struct task_struct *p)
{
	on_wake(ctx, p, true);
	return 0;
}

SEC("raw_tp/sched_wakeup")
int BPF_PROG(raw_tp_sched_wakeup, struct task_struct *p)
{
	on_wake(ctx, p, false);
	return 0;
}

/*
 * inherit makes a new thread of a traced process a target from its first
 * wakeup, which runs in the thread that created it: user space finds its
 * threads once a second, and a pool's new worker would go unseen until then.
 * Threads only (the creator's thread group): a new process is not what --pid
 * named, and user space's next walk of /proc keeps or drops it by its comm.
 */
static __always_inline void inherit(struct task_struct *p, const bool btf)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct runstate init = {};
	__u8 one = 1;
	__u32 tid;

	if (trace_all || !nr_targets || (__u32)(id >> 32) != (__u32)RD(btf, p, tgid) || !is_target((__u32)id))
		return;
	tid = RD(btf, p, pid);
	bpf_map_update_elem(&targets, &tid, &one, BPF_NOEXIST);
	if (track_run)
		bpf_map_update_elem(&runs, &tid, &init, BPF_NOEXIST);
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(tp_btf_sched_wakeup_new, struct task_struct *p)
{
	inherit(p, true);
	on_wake(ctx, p, true);
	return 0;
}

SEC("raw_tp/sched_wakeup_new")
int BPF_PROG(raw_tp_sched_wakeup_new, struct task_struct *p)
{
	inherit(p, false);
	on_wake(ctx, p, false);
	return 0;
}

/* ---- io_uring request latency ------------------------------------------ */

/*
 * The time each io_uring read, write or sync request of a target thread
 * took, from its submission (io_uring:io_uring_submit_req, 5.19+: the
 * request is its argument) to its completion (io_uring:io_uring_complete,
 * whose second argument is the request since 5.19): the latency the
 * thread's own IO had, which its waits do not show (it sleeps until the
 * first of several completes). User space attaches these only where the
 * kernel's BTF gives both tracepoints those arguments (ebpf/uring.go).
 */

/* Kinds of request timed, mirrored in Go (uringKind). */
enum { URING_READ, URING_WRITE, URING_SYNC, URING_KINDS };

struct ureq {
	__u64 start_ns;
	__u32 kind;
	__u32 pad;
};

/* Requests in flight by address; user space deletes those left over (a
 * completion not seen) once they are old. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct ureq);
} uring_reqs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, URING_KINDS);
	__type(key, __u32);
	__type(value, struct hist);
} uring_lat SEC(".maps");

/* uring_kind is the kind of request of an opcode (uapi, stable), -1 for
 * those not timed (polls, sockets, timeouts, files). */
static __always_inline int uring_kind(__u8 op)
{
	switch (op) {
	case 1: /* READV */
	case 4: /* READ_FIXED */
	case 22: /* READ */
	case 60: /* READV_FIXED */
		return URING_READ;
	case 2: /* WRITEV */
	case 5: /* WRITE_FIXED */
	case 23: /* WRITE */
	case 61: /* WRITEV_FIXED */
		return URING_WRITE;
	case 3: /* FSYNC */
	case 8: /* SYNC_FILE_RANGE */
		return URING_SYNC;
	}
	return -1;
}

static __always_inline void uring_submitted(struct io_kiocb *req, const bool btf)
{
	struct ureq r = {};
	__u64 key = (__u64)req;
	int kind;

	kind = uring_kind(RD(btf, req, opcode));
	if (kind < 0 || !key || !is_target((__u32)bpf_get_current_pid_tgid()))
		return;
	r.start_ns = bpf_ktime_get_ns();
	r.kind = kind;
	if (bpf_map_update_elem(&uring_reqs, &key, &r, BPF_ANY))
		count(CNT_URING_FULL);
}

static __always_inline void uring_completed(void *req)
{
	__u64 key = (__u64)req, now;
	struct ureq *r;
	struct hist *h;
	__u32 kind;

	r = bpf_map_lookup_elem(&uring_reqs, &key);
	if (!r)
		return;
	now = bpf_ktime_get_ns();
	kind = r->kind;
	h = bpf_map_lookup_elem(&uring_lat, &kind);
	if (h && now >= r->start_ns)
		hist_add(h, now - r->start_ns);
	bpf_map_delete_elem(&uring_reqs, &key);
}

SEC("tp_btf/io_uring_submit_req")
int BPF_PROG(tp_btf_io_uring_submit_req, struct io_kiocb *req)
{
	uring_submitted(req, true);
	return 0;
}

SEC("raw_tp/io_uring_submit_req")
int BPF_PROG(raw_tp_io_uring_submit_req, struct io_kiocb *req)
{
	uring_submitted(req, false);
	return 0;
}

SEC("tp_btf/io_uring_complete")
int BPF_PROG(tp_btf_io_uring_complete, void *ring, void *req)
{
	uring_completed(req);
	return 0;
}

SEC("raw_tp/io_uring_complete")
int BPF_PROG(raw_tp_io_uring_complete, void *ring, void *req)
{
	uring_completed(req);
	return 0;
}

/* ---- libaio request latency ------------------------------------------- */

/* time_aio is set by user space unless the timing is disabled. */
const volatile __u8 time_aio = 0;

/*
 * The time each libaio read, write or sync of a target process took, from
 * the return of the io_submit that queued its iocb to the return of the
 * io_getevents that reaped its event (the iocb's address, in the event's
 * obj): what the process waited for that IO, which its waits in
 * io_getevents do not show (they end at the first of several). Both ends
 * are read from the calls' arguments in user memory, AIO_BATCH at most
 * per call: the rest of a larger batch is not timed. An iocb whose event
 * is never seen (cancelled, the process gone) is deleted by user space
 * once it is old.
 */
#define AIO_BATCH 64

struct areq_key {
	__u32 tgid;
	__u32 pad;
	__u64 iocb; /* its user address */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct areq_key);
	__type(value, struct ureq);
} aio_reqs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, URING_KINDS);
	__type(key, __u32);
	__type(value, struct hist);
} aio_lat SEC(".maps");

/* aio_kind is the kind of request of an iocb's opcode (uapi IOCB_CMD_*),
 * -1 for those not timed (polls, no-ops). */
static __always_inline int aio_kind(__u16 op)
{
	switch (op) {
	case 0: /* PREAD */
	case 7: /* PREADV */
		return URING_READ;
	case 1: /* PWRITE */
	case 8: /* PWRITEV */
		return URING_WRITE;
	case 2: /* FSYNC */
	case 3: /* FDSYNC */
		return URING_SYNC;
	}
	return -1;
}

/* aio_submitted records the iocbs an io_submit of process tgid queued:
 * n pointers at iocbpp in its memory. */
static __always_inline void aio_submitted(__u32 tgid, const __u64 *iocbpp, long n)
{
	struct areq_key k = {.tgid = tgid};
	struct ureq r = {.start_ns = bpf_ktime_get_ns()};
	__u16 op;
	int i, kind;

	for (i = 0; i < AIO_BATCH && i < n; i++) {
		if (bpf_probe_read_user(&k.iocb, sizeof(k.iocb), &iocbpp[i]))
			return;
		if (!k.iocb || bpf_probe_read_user(&op, sizeof(op), (void *)(k.iocb + __builtin_offsetof(struct iocb, aio_lio_opcode))))
			continue;
		kind = aio_kind(op);
		if (kind < 0)
			continue;
		r.kind = kind;
		if (bpf_map_update_elem(&aio_reqs, &k, &r, BPF_ANY))
			count(CNT_AIO_FULL);
	}
}

/* aio_reaped times the requests whose events an io_getevents of process
 * tgid returned: n events at ev in its memory. */
static __always_inline void aio_reaped(__u32 tgid, const struct io_event *ev, long n)
{
	struct areq_key k = {.tgid = tgid};
	__u64 now = bpf_ktime_get_ns();
	struct ureq *r;
	struct hist *h;
	__u32 kind;
	int i;

	for (i = 0; i < AIO_BATCH && i < n; i++) {
		if (bpf_probe_read_user(&k.iocb, sizeof(k.iocb), &ev[i].obj))
			return;
		r = bpf_map_lookup_elem(&aio_reqs, &k);
		if (!r)
			continue;
		kind = r->kind;
		h = bpf_map_lookup_elem(&aio_lat, &kind);
		if (h && now >= r->start_ns)
			hist_add(h, now - r->start_ns);
		bpf_map_delete_elem(&aio_reqs, &k);
	}
}

/* ---- asynchronous IO submitted ------------------------------------------ */

/* io_submit's number on the machine's architecture, set by user space. */
const volatile __u32 nr_io_submit = 0;

/*
 * on_sys_exit counts the IOs a target thread submitted through the
 * asynchronous interfaces, at the return of the call: io_submit returns the
 * iocbs it queued, io_uring_enter the SQEs it consumed. They are the
 * thread's pieces of work, as its read and write calls are (counted by the
 * kernel in /proc/PID/task/TID/io, which these calls do not reach): a
 * thread that waits for several at once wakes at the first to complete, so
 * its waits do not count them. With time_aio it also times the libaio
 * requests, from io_submit's return to that of the io_getevents or
 * io_pgetevents that reaped them (see aio_submitted). User space attaches
 * this only when it traces selected threads: it runs at the end of every
 * system call on the machine, and a call that returned nothing to count
 * leaves at the first test.
 */
static __always_inline void on_sys_exit(struct pt_regs *regs, long ret, const bool btf)
{
	bool reaped;
	__u64 id, *c;
	__u32 idx;
	unsigned long nr;

	if (ret <= 0 || !nr_targets)
		return;
	nr = RD(btf, regs, orig_ax);
	if (!nr)
		return;
	reaped = time_aio && (nr == nr_io_getevents || nr == nr_io_pgetevents);
	if (nr != nr_io_submit && nr != nr_io_uring_enter && !reaped)
		return;
	id = bpf_get_current_pid_tgid();
	if (!is_target((__u32)id))
		return;
	if (reaped) {
		/* io_getevents(ctx, min_nr, nr, events, timeout): the fourth argument */
		aio_reaped(id >> 32, (const struct io_event *)RD(btf, regs, r10), ret);
		return;
	}
	idx = nr == nr_io_submit ? CNT_AIO_SUBMITTED : CNT_URING_SUBMITTED;
	c = bpf_map_lookup_elem(&counters, &idx);
	if (c)
		*c += (__u64)ret;
	if (track_run) {
		__u32 tid = (__u32)id;
		struct runstate *rs = bpf_map_lookup_elem(&runs, &tid);

		if (rs && !rs->async)
			rs->async = 1;
	}
	if (idx == CNT_AIO_SUBMITTED && time_aio)
		/* io_submit(ctx, nr, iocbpp): the third argument */
		aio_submitted(id >> 32, (const __u64 *)RD(btf, regs, dx), ret);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(tp_btf_sys_exit, struct pt_regs *regs, long ret)
{
	on_sys_exit(regs, ret, true);
	return 0;
}

SEC("raw_tp/sys_exit")
int BPF_PROG(raw_tp_sys_exit, struct pt_regs *regs, long ret)
{
	on_sys_exit(regs, ret, false);
	return 0;
}

/* ---- block ------------------------------------------------------------ */

static __always_inline __u32 rq_dev(struct request *rq, struct request_queue *q, const bool btf)
{
	struct gendisk *disk;
	int major, minor;

	if (bpf_core_field_exists(((struct request_queue *)0)->disk))
		disk = RD(btf, q, disk);
	else
		disk = RD(btf, (struct request___pre515 *)rq, rq_disk);
	if (!disk)
		return 0;
	major = RD(btf, disk, major);
	minor = RD(btf, disk, first_minor);
	return ((__u32)major << 20) | (__u32)minor; /* kernel MKDEV */
}

/* et_name writes the name of an IO scheduler, "none" for none. */
static __always_inline void et_name(struct elevator_type *et, char *buf, const bool btf)
{
	if (!et) {
		__builtin_memcpy(buf, "none", 5);
		return;
	}
	if (bpf_core_field_exists(((struct elevator_type___name_arr *)0)->elevator_name)) {
		struct elevator_type___name_arr *a = (void *)et;

		bpf_probe_read_kernel_str(buf, NAME_LEN, __builtin_preserve_access_index(&a->elevator_name));
	} else {
		const char *name = RD(btf, (struct elevator_type___name_ptr *)et, elevator_name);

		bpf_probe_read_kernel_str(buf, NAME_LEN, name);
	}
}

/*
 * submitter returns the run state of the current thread when it is a
 * target, NULL otherwise: a runs entry is made for each target (by user
 * space and inherit, or by the kernel under trace_all), so one lookup
 * answers both.
 */
static __always_inline struct runstate *submitter(void)
{
	if (!trace_all && !nr_targets)
		return NULL;
	return run_state((__u32)bpf_get_current_pid_tgid());
}

/*
 * rq_begin returns the request's entry set up for a new request, at its
 * first sighting: insert, or issue for requests that bypass the IO scheduler.
 * That runs in the submitting thread: a target submitter (rs, its run state,
 * which the caller has looked up) is remembered in the entry and the entry
 * among the thread's last requests. The device and scheduler are read again
 * only when the request's queue or scheduler changed.
 */
static __always_inline struct rq_info *rq_begin(struct request *rq, __u64 now, struct runstate *rs,
						const bool btf)
{
	__u64 key = (__u64)rq;
	struct request_queue *q;
	struct elevator_queue *eq;
	struct elevator_type *et = NULL;
	struct rq_info *ri;

	ri = bpf_map_lookup_elem(&rqs, &key);
	if (!ri) {
		struct rq_info init = {};

		bpf_map_update_elem(&rqs, &key, &init, BPF_NOEXIST);
		ri = bpf_map_lookup_elem(&rqs, &key);
		if (!ri) {
			count(CNT_BLOCK_FULL);
			return NULL;
		}
	}
	q = RD(btf, rq, q);
	eq = RD(btf, q, elevator);
	if (eq)
		et = RD(btf, eq, type);
	if (ri->q != (__u64)q || ri->et != (__u64)et || !ri->q) {
		ri->dev = rq_dev(rq, q, btf);
		et_name(et, ri->sched, btf);
		ri->q = (__u64)q;
		ri->et = (__u64)et;
	}
	ri->last_ns = now;
	if (ri->active)
		return ri; /* requeued and inserted again: same submitter */
	ri->active = 1;
	ri->tid = 0;
	if (!rs)
		return ri;
	rs->rq[rs->rq_next & (TID_RQS - 1)] = key;
	rs->rq_next++;
	ri->tid = (__u32)bpf_get_current_pid_tgid();
	return ri;
}

/* rq_end marks the request done: no longer in flight for its submitter. */
static __always_inline void rq_end(struct rq_info *ri)
{
	ri->tid = 0;
	ri->active = 0;
}

/*
 * on_insert runs in the submitting thread as the request enters the IO
 * scheduler: the one place its submitter is known when a kernel thread
 * dispatches it later. Its queue time needs nothing from here (the kernel
 * stamps start_time_ns when a queue has a scheduler), so the requests of
 * threads not traced are first touched at issue: their entries were last
 * written on the CPU that completed them, and that first touch is the most
 * expensive part of a request's tracing.
 */
static __always_inline void on_insert(struct request *rq, const bool btf)
{
	struct runstate *rs = submitter();
	struct rq_info *ri;

	if (!rs)
		return;
	ri = rq_begin(rq, bpf_ktime_get_ns(), rs, btf);
	if (ri)
		ri->issue_ns = 0;
}

/*
 * rq_queued_ns is how long the request waited before it was issued: from its
 * allocation (start_time_ns, stamped where the queue has an IO scheduler) to
 * issue, 0 when unknown. Only queues with a scheduler count: without one a
 * request is issued as it is submitted.
 */
static __always_inline __u64 rq_queued_ns(struct request *rq, struct rq_info *ri, const bool btf)
{
	__u64 start;

	if (!ri->et || !bpf_core_field_exists(rq->start_time_ns))
		return 0;
	start = RD(btf, rq, start_time_ns);
	if (!start || start > ri->issue_ns)
		return 0;
	return ri->issue_ns - start;
}

/* bval_get returns the histograms of bk, created empty first if needed;
 * NULL (counted) when the map is full. */
static __always_inline struct bval *bval_get(struct bkey *bk)
{
	struct bval *v = bpf_map_lookup_elem(&bhists, bk);

	if (!v) {
		bpf_map_update_elem(&bhists, bk, &zero_bval, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&bhists, bk);
	}
	if (!v)
		count(CNT_BLOCK_FULL);
	return v;
}

/* kstamp_start is the kernel's own issue stamp of rq, 0 where it has none. */
static __always_inline __u64 kstamp_start(struct request *rq, const bool btf)
{
	if (!bpf_core_field_exists(rq->io_start_time_ns))
		return 0;
	return RD(btf, rq, io_start_time_ns);
}

/* qinfo_get returns the entry of q, its scheduler's name current. */
static __always_inline struct qinfo *qinfo_get(struct request_queue *q, const bool btf)
{
	__u64 key = (__u64)q, et = 0;
	struct elevator_queue *eq = RD(btf, q, elevator);
	struct qinfo *qi;

	if (eq)
		et = (__u64)RD(btf, eq, type);
	qi = bpf_map_lookup_elem(&qinfos, &key);
	if (!qi) {
		struct qinfo init = {.et = 1}; /* no elevator_type is at 1: the name is read below */

		bpf_map_update_elem(&qinfos, &key, &init, BPF_NOEXIST);
		qi = bpf_map_lookup_elem(&qinfos, &key);
		if (!qi)
			return NULL;
	}
	if (qi->et != et) {
		et_name((struct elevator_type *)et, qi->sched, btf);
		qi->et = et;
	}
	return qi;
}

/*
 * kstamped_queue tells the issue program that a request no target thread
 * submits needs no entry: the kernel stamps its queue's requests.
 */
static __always_inline bool kstamped_queue(struct request *rq, const bool btf)
{
	__u64 key;
	struct qinfo *qi;

	key = (__u64)RD(btf, rq, q);
	qi = bpf_map_lookup_elem(&qinfos, &key);
	return qi && qi->stamps;
}

static __always_inline void on_issue(struct request *rq, const bool btf)
{
	__u64 key = (__u64)rq, now;
	struct rq_info *ri = bpf_map_lookup_elem(&rqs, &key);

	/* Not inserted (no scheduler), or an entry left over from a request
	 * whose end was not seen: start a new request here. */
	if (!ri || !ri->active || ri->issue_ns) {
		struct runstate *rs = submitter();

		if (ri && ri->active)
			rq_end(ri);
		if (!rs && kstamped_queue(rq, btf))
			return; /* its completion reads the kernel's stamps */
		now = bpf_ktime_get_ns();
		ri = rq_begin(rq, now, rs, btf);
		if (!ri)
			return;
	} else {
		now = bpf_ktime_get_ns();
	}
	ri->issue_ns = now;
	ri->bytes = RD(btf, rq, __data_len);
}

static __always_inline __u8 size_class(__u32 bytes)
{
	if (bytes <= 4096)
		return 0;
	if (bytes <= 16384)
		return 1;
	if (bytes <= 65536)
		return 2;
	if (bytes <= 262144)
		return 3;
	if (bytes <= 1048576)
		return 4;
	return 5;
}

/*
 * done_kstamp times a request that has no entry from its completion alone,
 * with the kernel's stamps: allocation (start_time_ns) to issue
 * (io_start_time_ns) is its queue time where the queue has a scheduler,
 * issue to now its service time, stats_sectors its size at issue. Without
 * the issue stamp it cannot be timed, and its queue is no longer marked.
 */
static __always_inline void done_kstamp(struct request *rq, const bool btf)
{
	struct request_queue *q = RD(btf, rq, q);
	__u64 start = kstamp_start(rq, btf), now, alloc, key;
	struct bkey bk = {};
	struct qinfo *qi;
	struct bval *v;
	__u32 bytes;

	if (!start) {
		key = (__u64)q;
		qi = bpf_map_lookup_elem(&qinfos, &key);
		if (qi && qi->stamps)
			qi->stamps = 0;
		return;
	}
	now = bpf_ktime_get_ns();
	qi = qinfo_get(q, btf);
	if (!qi) {
		count(CNT_BLOCK_FULL);
		return;
	}
	__builtin_memcpy(bk.sched, qi->sched, NAME_LEN);
	bk.dev = rq_dev(rq, q, btf);
	bk.op = RD(btf, rq, cmd_flags) & REQ_OP_MASK;
	if (bpf_core_field_exists(rq->stats_sectors))
		bytes = (__u32)RD(btf, rq, stats_sectors) << 9;
	else
		bytes = RD(btf, rq, __data_len);
	bk.size_class = size_class(bytes);
	v = bval_get(&bk);
	if (!v)
		return;
	if (qi->et && bpf_core_field_exists(rq->start_time_ns)) {
		alloc = RD(btf, rq, start_time_ns);
		if (alloc && alloc <= start)
			bhist_add(&v->queue, start - alloc);
	}
	if (now >= start)
		bhist_add(&v->service, now - start);
}

static __always_inline void on_done(struct request *rq, const bool btf)
{
	__u64 key = (__u64)rq, now, queued;
	struct rq_info *ri = bpf_map_lookup_elem(&rqs, &key);
	struct bkey bk = {};
	struct qinfo *qi;
	struct bval *v;

	if (!ri || !ri->active) {
		done_kstamp(rq, btf);
		return;
	}
	if (!ri->issue_ns)
		goto out; /* never issued (seen only partly): nothing to measure */
	/* Once per entry and queue: does the kernel stamp this queue's requests? */
	if (ri->kstamp_q != ri->q && kstamp_start(rq, btf)) {
		qi = qinfo_get(RD(btf, rq, q), btf);
		if (qi) {
			qi->stamps = 1;
			ri->kstamp_q = ri->q;
		}
	}
	now = bpf_ktime_get_ns();
	__builtin_memcpy(bk.sched, ri->sched, NAME_LEN);
	bk.dev = ri->dev;
	bk.op = RD(btf, rq, cmd_flags) & REQ_OP_MASK;
	/* __data_len counts down as parts complete: use the size at issue. */
	bk.size_class = size_class(ri->bytes);
	v = bval_get(&bk);
	if (!v)
		goto out;
	queued = rq_queued_ns(rq, ri, btf);
	if (queued)
		bhist_add(&v->queue, queued);
	bhist_add(&v->service, now - ri->issue_ns);
out:
	rq_end(ri);
}

/* A request merged into another is freed without completing. */
static __always_inline void on_merge(struct request *rq, const bool btf)
{
	__u64 key = (__u64)rq;
	struct rq_info *ri = bpf_map_lookup_elem(&rqs, &key);

	if (ri && ri->active)
		rq_end(ri);
}

#define BLOCK_PROG(tp, fn)                                  \
	SEC("tp_btf/" #tp)                                  \
	int BPF_PROG(tp_btf_##tp, struct request *rq)       \
	{                                                   \
		fn(rq, true);                               \
		return 0;                                   \
	}                                                   \
	SEC("raw_tp/" #tp)                                  \
	int BPF_PROG(raw_tp_##tp, struct request *rq)       \
	{                                                   \
		fn(rq, false);                              \
		return 0;                                   \
	}

BLOCK_PROG(block_rq_insert, on_insert)
BLOCK_PROG(block_rq_issue, on_issue)
BLOCK_PROG(block_rq_merge, on_merge)
BLOCK_PROG(block_io_done, on_done)
BLOCK_PROG(block_rq_complete, on_done)

/* ---- lock contention ---------------------------------------------------- */

/*
 * Sleeping-lock waits of the target threads, from lock:contention_begin and
 * contention_end (5.19+; user space attaches them only where the kernel has
 * them). For rwsems and mutexes the owner is read from the lock at
 * contention_begin, and when the owner is itself a target thread in D, its
 * wait site (one level of the wait-for chain). Spinning phases (LCB_F_SPIN),
 * rt-mutexes and spinlocks are left out before any lookup.
 */
#define LCB_F_SPIN (1U << 0)
#define LCB_F_READ (1U << 1)
#define LCB_F_WRITE (1U << 2)
#define LCB_F_RT (1U << 3)
#define LCB_F_PERCPU (1U << 4)
#define LCB_F_MUTEX (1U << 5)
/* Set by us on a key: the rwsem was owned by readers, the owner is the last one. */
#define LKEY_READER_OWNED (1U << 16)

#define OWNER_FLAGS_MASK 0x7UL /* mutex MUTEX_FLAGS, rwsem RWSEM_OWNER_FLAGS_MASK */
#define RWSEM_READER_OWNED 0x1UL


/*
 * read_owner reads the owner of lock (its flags those of contention_begin)
 * into h: its thread, comm and state, and its wait site when it is a target
 * in D; h->flags gets LKEY_READER_OWNED when readers own the rwsem. It
 * returns the owner's thread id, 0 when no task owns it or the kind has no
 * owner field.
 */
static __always_inline __u32 read_owner(void *lock, __u32 flags, struct lhop *h)
{
	struct task_struct *owner;
	struct dstart *d;
	__u64 o;

	h->flags = flags;
	h->owner_stack_id = -1;
	if (flags & LCB_F_MUTEX)
		o = BPF_CORE_READ((struct mutex *)lock, owner.counter);
	else if (!(flags & LCB_F_PERCPU) && (flags & (LCB_F_READ | LCB_F_WRITE)))
		o = BPF_CORE_READ((struct rw_semaphore *)lock, owner.counter);
	else
		return 0;
	if (!(flags & LCB_F_MUTEX) && (o & RWSEM_READER_OWNED))
		h->flags |= LKEY_READER_OWNED;
	owner = (struct task_struct *)(o & ~OWNER_FLAGS_MASK);
	if (!owner)
		return 0;
	h->owner_tid = BPF_CORE_READ(owner, pid);
	h->owner_state = task_state(owner, false);
	bpf_probe_read_kernel_str(h->owner_comm, NAME_LEN, &owner->comm);
	if (h->owner_state & TASK_UNINTERRUPTIBLE) {
		d = bpf_map_lookup_elem(&dstarts, &h->owner_tid);
		if (d)
			h->owner_stack_id = d->key.stack_id;
	}
	return h->owner_tid;
}

/*
 * lock_owner sets the owner of w's lock, waited on by thread tid, then
 * follows the chain: while the last owner found is a target with a lock
 * wait open, the lock it waits on and that lock's owner now.
 */
static __always_inline void lock_owner(struct lwait *w, void *lock, __u32 flags, __u32 tid)
{
	struct lhop h = {};
	__u32 next, prev;

	next = read_owner(lock, flags, &h);
	w->key.flags = h.flags;
	if (!next)
		return;
	w->key.owner_tid = next;
	w->key.owner_state = h.owner_state;
	w->key.owner_stack_id = h.owner_stack_id;
	__builtin_memcpy(w->key.owner_comm, h.owner_comm, NAME_LEN);
	/* An owner on CPU or runnable waits on no lock now (spinning
	 * waiters keep no open wait): the chain ends with it. */
	if (!open_lwaits || !h.owner_state)
		return;
	prev = tid;
#pragma unroll
	for (int i = 0; i < LOCK_CHAIN; i++) {
		struct lwait *ow;
		__u32 at = next;

		if (next == tid || next == prev)
			return; /* back to a thread in the chain: a deadlock */
		ow = bpf_map_lookup_elem(&lwaits, &at);
		if (!ow)
			return;
		w->key.chain[i].lock = ow->key.lock;
		prev = next;
		next = read_owner((void *)ow->key.lock, ow->key.flags & 0xffff, &w->key.chain[i]);
		if (!next || !w->key.chain[i].owner_state)
			return;
	}
}

static __always_inline void on_contention_begin(void *ctx, void *lock, __u32 flags, bool kp)
{
	struct lwait w = {}, *old;
	__u32 tid;
	struct lstate *ls;

	if (flags & (LCB_F_SPIN | LCB_F_RT))
		return;
	if (!trace_all && !nr_targets)
		return;
	tid = (__u32)bpf_get_current_pid_tgid();
	if (!is_target(tid))
		return;
	if (kp && open_lwaits) {
		/* The previous wait never slept anywhere else since. */
		old = bpf_map_lookup_elem(&lwaits, &tid);
		if (old && old->kp)
			kp_wait_left(ctx, tid, old);
	}
	w.kp = kp;
	w.start_ns = bpf_ktime_get_ns();
	w.key.lock = (__u64)lock;
	w.key.flags = flags;
	w.key.owner_stack_id = -1;
	bpf_get_current_comm(w.key.comm, sizeof(w.key.comm));
	/* The wait site: the stack the D-state start takes when the waiter
	 * sleeps, or contention_end's when it did not (walked once, not twice). */
	w.key.stack_id = -1;
	lock_owner(&w, lock, flags, tid);
	ls = bpf_map_lookup_elem(&lwaiters, &w.key.lock);
	if (!ls) {
		bpf_map_update_elem(&lwaiters, &w.key.lock, &zero_lstate, BPF_NOEXIST);
		ls = bpf_map_lookup_elem(&lwaiters, &w.key.lock);
	}
	if (ls) {
		/* No fetching atomic (5.12+): the count read after the add is
		 * this wait's, give or take a waiter arriving at the same time. */
		__sync_fetch_and_add(&ls->waiters, 1);
		w.waiters = ls->waiters;
	}
	if (kp)
		count(CNT_KP_OPEN);
	if (bpf_map_update_elem(&lwaits, &tid, &w, BPF_NOEXIST) == 0)
		__sync_fetch_and_add(&open_lwaits, 1);
	else if (bpf_map_update_elem(&lwaits, &tid, &w, BPF_EXIST)) /* a mutex that spun, then sleeps */
		count(CNT_LOCK_FULL);
}

static __always_inline void on_contention_end(void *ctx, void *lock, int ret)
{
	struct lwait *w;
	__u32 tid;

	if (!open_lwaits)
		return;
	tid = (__u32)bpf_get_current_pid_tgid();
	w = bpf_map_lookup_elem(&lwaits, &tid);
	if (w)
		lock_wait_close(ctx, tid, w, bpf_ktime_get_ns(), true, ret == 0);
}

SEC("tp_btf/contention_begin")
int BPF_PROG(tp_btf_contention_begin, void *lock, unsigned int flags)
{
	on_contention_begin(ctx, lock, flags, false);
	return 0;
}

SEC("raw_tp/contention_begin")
int BPF_PROG(raw_tp_contention_begin, void *lock, unsigned int flags)
{
	on_contention_begin(ctx, lock, flags, false);
	return 0;
}

SEC("tp_btf/contention_end")
int BPF_PROG(tp_btf_contention_end, void *lock, int ret)
{
	on_contention_end(ctx, lock, ret);
	return 0;
}

SEC("raw_tp/contention_end")
int BPF_PROG(raw_tp_contention_end, void *lock, int ret)
{
	on_contention_end(ctx, lock, ret);
	return 0;
}

/*
 * Fallback for kernels without lock:contention_* (before 5.19): the sleeping
 * locks' slow paths themselves, entered only when the fast path failed. The
 * wait then includes the slow path's optimistic spinning, which the
 * tracepoints report apart (LCB_F_SPIN). The lock is the first argument; its
 * register is read through CO-RE (struct pt_regs' di on x86-64), so on another
 * architecture the programs load and never see a lock.
 */
static __always_inline void *kp_lock_arg(struct pt_regs *ctx)
{
	if (bpf_core_field_exists(ctx->di))
		return (void *)BPF_CORE_READ(ctx, di);
	return NULL;
}

static __always_inline void kp_lock_begin(struct pt_regs *ctx, __u32 flags)
{
	void *lock = kp_lock_arg(ctx);

	if (lock)
		on_contention_begin(ctx, lock, flags, true);
}

SEC("kprobe/rwsem_down_write_slowpath")
int kp_lock_rwsem_write(struct pt_regs *ctx)
{
	kp_lock_begin(ctx, LCB_F_WRITE);
	return 0;
}

SEC("kprobe/rwsem_down_read_slowpath")
int kp_lock_rwsem_read(struct pt_regs *ctx)
{
	kp_lock_begin(ctx, LCB_F_READ);
	return 0;
}

SEC("kprobe/__mutex_lock_slowpath")
int kp_lock_mutex(struct pt_regs *ctx)
{
	kp_lock_begin(ctx, LCB_F_MUTEX);
	return 0;
}
