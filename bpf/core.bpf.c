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
 * space loads one of the two. Pointers are read with BPF_CORE_READ in both, so
 * the bodies need not differ.
 */
#include "common.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* Task state bits (include/linux/sched.h), stable since 2.6. */
#define TASK_UNINTERRUPTIBLE 0x0002
#define TASK_NOLOAD 0x0400

/* req_op mask (include/linux/blk_types.h, REQ_OP_BITS = 8). */
#define REQ_OP_MASK 0xff

#define NAME_LEN 16
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

/* targets: tid -> 1 for threads to trace, filled by user space. */
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
};

/* An interval in progress. */
struct dstart {
	struct dkey key;
	__u64 start_ns;
	__u32 pid;
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

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} perf_events SEC(".maps");

/* Per-thread block requests in flight that the thread submitted. */
struct tid_io {
	__s64 inflight;
	__u32 dev;
	__u32 pad;
	char sched[NAME_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct tid_io);
} tid_ios SEC(".maps");

/* A block request in flight, keyed by its address. */
struct rq_info {
	__u64 insert_ns; /* 0 when the request bypassed the IO scheduler */
	__u64 issue_ns;
	__u32 tid;       /* target thread that submitted it, 0 if none */
	__u32 dev;
	__u32 bytes;     /* size at issue */
	__u32 pad;
	char sched[NAME_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct rq_info);
} rqs SEC(".maps");

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

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct bkey);
	__type(value, struct bval);
} bhists SEC(".maps");

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

static __always_inline __u32 task_state(struct task_struct *t)
{
	if (bpf_core_field_exists(t->__state))
		return BPF_CORE_READ(t, __state);
	return (__u32)BPF_CORE_READ((struct task_struct___pre514 *)t, state);
}

static __always_inline bool is_target(__u32 tid)
{
	if (trace_all)
		return tid != 0;
	return bpf_map_lookup_elem(&targets, &tid) != NULL;
}

/* ---- D-state ---------------------------------------------------------- */

static __always_inline void dstate_end(void *ctx, __u32 tid, __u64 now, bool woken)
{
	struct dstart *s = bpf_map_lookup_elem(&dstarts, &tid);
	struct dthread th = {};
	struct hist *h;
	__u64 dur;
	__u8 one = 1;

	if (!s)
		return;
	dur = now - s->start_ns;
	h = hist_lookup_or_init(&dhists, &s->key);
	if (h)
		hist_add(h, dur);
	else
		count(CNT_DSTATE_FULL);
	th.key = s->key;
	th.tid = tid;
	if (!bpf_map_lookup_elem(&dthreads, &th))
		bpf_map_update_elem(&dthreads, &th, &one, BPF_ANY);

	if (dur >= min_dstate_ns) {
		struct dstate_event *e, ev;

		if (use_ringbuf) {
			e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
			if (!e) {
				count(CNT_LOST);
				goto out;
			}
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
		if (woken) {
			e->waker_tid = (__u32)bpf_get_current_pid_tgid();
			bpf_get_current_comm(e->waker_comm, sizeof(e->waker_comm));
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
	bpf_map_delete_elem(&dstarts, &tid);
}

static __always_inline void dstate_start(void *ctx, struct task_struct *prev, __u64 now)
{
	__u32 tid = BPF_CORE_READ(prev, pid);
	struct thread_op *op;
	struct tid_io *io;
	struct dstart s = {};

	s.start_ns = now;
	s.pid = BPF_CORE_READ(prev, tgid);
	/* current is still prev in sched_switch: comm and stack are prev's. */
	bpf_get_current_comm(s.key.comm, sizeof(s.key.comm));
	s.key.stack_id = bpf_get_stackid(ctx, &stacks, 0);
	if (s.key.stack_id < 0)
		count(CNT_STACK_ERR);
	op = bpf_map_lookup_elem(&thread_op, &tid);
	if (op) {
		s.key.proto = op->proto;
		s.key.op = op->op;
	}
	io = bpf_map_lookup_elem(&tid_ios, &tid);
	if (io && io->inflight > 0) {
		s.key.dev = io->dev;
		__builtin_memcpy(s.key.sched, io->sched, NAME_LEN);
	}
	if (bpf_map_update_elem(&dstarts, &tid, &s, BPF_ANY))
		count(CNT_DSTATE_FULL);
}

static __always_inline void on_switch(void *ctx, bool preempt, struct task_struct *prev,
				      struct task_struct *next)
{
	__u64 now = bpf_ktime_get_ns();
	__u32 next_tid = BPF_CORE_READ(next, pid);
	__u32 prev_tid, state;

	if (next_tid)
		dstate_end(ctx, next_tid, now, false);
	if (preempt)
		return;
	prev_tid = BPF_CORE_READ(prev, pid);
	if (!is_target(prev_tid))
		return;
	/*
	 * The prev_state argument exists only since 5.18; prev's state field
	 * holds the same value here on every kernel (a pending signal already
	 * reset it to TASK_RUNNING), so read that.
	 */
	state = task_state(prev);
	if (!(state & TASK_UNINTERRUPTIBLE) || (state & TASK_NOLOAD))
		return;
	dstate_start(ctx, prev, now);
}

static __always_inline void on_wakeup(void *ctx, struct task_struct *p)
{
	__u32 tid = BPF_CORE_READ(p, pid);

	dstate_end(ctx, tid, bpf_ktime_get_ns(), true);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(tp_btf_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	on_switch(ctx, preempt, prev, next);
	return 0;
}

SEC("raw_tp/sched_switch")
int BPF_PROG(raw_tp_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	on_switch(ctx, preempt, prev, next);
	return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(tp_btf_sched_wakeup, struct task_struct *p)
{
	on_wakeup(ctx, p);
	return 0;
}

SEC("raw_tp/sched_wakeup")
int BPF_PROG(raw_tp_sched_wakeup, struct task_struct *p)
{
	on_wakeup(ctx, p);
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(tp_btf_sched_wakeup_new, struct task_struct *p)
{
	on_wakeup(ctx, p);
	return 0;
}

SEC("raw_tp/sched_wakeup_new")
int BPF_PROG(raw_tp_sched_wakeup_new, struct task_struct *p)
{
	on_wakeup(ctx, p);
	return 0;
}

/* ---- block ------------------------------------------------------------ */

static __always_inline __u32 rq_dev(struct request *rq)
{
	struct gendisk *disk;
	int major, minor;

	if (bpf_core_field_exists(((struct request_queue *)0)->disk))
		disk = BPF_CORE_READ(rq, q, disk);
	else
		disk = BPF_CORE_READ((struct request___pre515 *)rq, rq_disk);
	if (!disk)
		return 0;
	major = BPF_CORE_READ(disk, major);
	minor = BPF_CORE_READ(disk, first_minor);
	return ((__u32)major << 20) | (__u32)minor; /* kernel MKDEV */
}

/* rq_sched writes the name of the request queue's IO scheduler, "none" if none. */
static __always_inline void rq_sched(struct request *rq, char *buf)
{
	struct elevator_queue *eq = BPF_CORE_READ(rq, q, elevator);
	struct elevator_type *et;

	if (!eq) {
		__builtin_memcpy(buf, "none", 5);
		return;
	}
	et = BPF_CORE_READ(eq, type);
	if (bpf_core_field_exists(((struct elevator_type___name_arr *)0)->elevator_name)) {
		struct elevator_type___name_arr *a = (void *)et;

		bpf_probe_read_kernel_str(buf, NAME_LEN, __builtin_preserve_access_index(&a->elevator_name));
	} else {
		const char *name = BPF_CORE_READ((struct elevator_type___name_ptr *)et, elevator_name);

		bpf_probe_read_kernel_str(buf, NAME_LEN, name);
	}
}

/*
 * rq_track returns the request's entry, creating it at its first sighting
 * (block_io_start where the kernel has it, else insert or issue), which runs
 * in the submitting thread: a target submitter is remembered and its count of
 * requests in flight raised.
 */
static __always_inline struct rq_info *rq_track(struct request *rq, bool fresh)
{
	__u64 key = (__u64)rq;
	struct rq_info *ri, init = {};
	struct tid_io *io;
	__u32 tid;

	if (!fresh) {
		ri = bpf_map_lookup_elem(&rqs, &key);
		if (ri)
			return ri;
	}
	init.dev = rq_dev(rq);
	rq_sched(rq, init.sched);
	tid = (__u32)bpf_get_current_pid_tgid();
	if (is_target(tid)) {
		init.tid = tid;
		io = bpf_map_lookup_elem(&tid_ios, &tid);
		if (!io) {
			struct tid_io zero = {};

			bpf_map_update_elem(&tid_ios, &tid, &zero, BPF_NOEXIST);
			io = bpf_map_lookup_elem(&tid_ios, &tid);
		}
		if (io) {
			__sync_fetch_and_add(&io->inflight, 1);
			io->dev = init.dev;
			__builtin_memcpy(io->sched, init.sched, NAME_LEN);
		} else {
			init.tid = 0;
		}
	}
	if (bpf_map_update_elem(&rqs, &key, &init, BPF_ANY)) {
		count(CNT_BLOCK_FULL);
		return NULL;
	}
	return bpf_map_lookup_elem(&rqs, &key);
}

/* rq_untrack forgets the request and its submitter's in-flight count. */
static __always_inline void rq_untrack(__u64 key, struct rq_info *ri)
{
	if (ri->tid) {
		struct tid_io *io = bpf_map_lookup_elem(&tid_ios, &ri->tid);

		if (io)
			__sync_fetch_and_add(&io->inflight, -1);
	}
	bpf_map_delete_elem(&rqs, &key);
}

static __always_inline void on_io_start(struct request *rq)
{
	rq_track(rq, true);
}

static __always_inline void on_insert(struct request *rq)
{
	struct rq_info *ri = rq_track(rq, false);

	if (ri)
		ri->insert_ns = bpf_ktime_get_ns();
}

static __always_inline void on_issue(struct request *rq)
{
	struct rq_info *ri = rq_track(rq, false);

	if (ri) {
		ri->issue_ns = bpf_ktime_get_ns();
		ri->bytes = BPF_CORE_READ(rq, __data_len);
	}
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

static __always_inline void on_done(struct request *rq)
{
	__u64 key = (__u64)rq, now;
	struct rq_info *ri = bpf_map_lookup_elem(&rqs, &key);
	struct bkey bk = {};
	struct bval *v;

	if (!ri)
		return;
	if (!ri->issue_ns)
		goto out; /* never issued (seen only partly): nothing to measure */
	now = bpf_ktime_get_ns();
	__builtin_memcpy(bk.sched, ri->sched, NAME_LEN);
	bk.dev = ri->dev;
	bk.op = BPF_CORE_READ(rq, cmd_flags) & REQ_OP_MASK;
	/* __data_len counts down as parts complete: use the size at issue. */
	bk.size_class = size_class(ri->bytes);
	v = bpf_map_lookup_elem(&bhists, &bk);
	if (!v) {
		bpf_map_update_elem(&bhists, &bk, &zero_bval, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&bhists, &bk);
	}
	if (!v) {
		count(CNT_BLOCK_FULL);
		goto out;
	}
	if (ri->insert_ns && ri->insert_ns <= ri->issue_ns)
		hist_add(&v->queue, ri->issue_ns - ri->insert_ns);
	hist_add(&v->service, now - ri->issue_ns);
out:
	rq_untrack(key, ri);
}

/* A request merged into another is freed without completing. */
static __always_inline void on_merge(struct request *rq)
{
	__u64 key = (__u64)rq;
	struct rq_info *ri = bpf_map_lookup_elem(&rqs, &key);

	if (ri)
		rq_untrack(key, ri);
}

#define BLOCK_PROG(tp, fn)                                  \
	SEC("tp_btf/" #tp)                                  \
	int BPF_PROG(tp_btf_##tp, struct request *rq)       \
	{                                                   \
		fn(rq);                                     \
		return 0;                                   \
	}                                                   \
	SEC("raw_tp/" #tp)                                  \
	int BPF_PROG(raw_tp_##tp, struct request *rq)       \
	{                                                   \
		fn(rq);                                     \
		return 0;                                   \
	}

BLOCK_PROG(block_io_start, on_io_start)
BLOCK_PROG(block_rq_insert, on_insert)
BLOCK_PROG(block_rq_issue, on_issue)
BLOCK_PROG(block_rq_merge, on_merge)
BLOCK_PROG(block_io_done, on_done)
BLOCK_PROG(block_rq_complete, on_done)
