// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * nfstrace nfsd programs: latency of every NFS RPC the server answers, per
 * version, procedure or NFSv4 operation, client address and status, summed in
 * the kernel into log2 histograms (struct hist). No event leaves the kernel per
 * RPC.
 *
 * Attach points, all in modules (sunrpc.ko, nfsd.ko), read through raw_tp so
 * that no module BTF is needed to attach (it is needed for CO-RE, below):
 *
 *   sunrpc:svc_process        RPC header decoded (prog, vers, proc known):
 *                             an NFS request starts; sets thread_op.
 *   sunrpc:svc_stats_latency  reply encoded, about to be sent: the RPC ends;
 *                             latency = now - rq_stime (set when the request
 *                             was received); the status is read from the
 *                             encoded reply. Deletes thread_op.
 *   sunrpc:svc_drop           request dropped: deletes thread_op.
 *   nfsd:nfsd_compound        NFSv4 COMPOUND decoded: first operation starts.
 *   nfsd:nfsd_compound_status one COMPOUND operation done (and encoded): its
 *                             latency runs from the end of the previous one.
 *   kprobe/kretprobe nfsd_dispatch: fallback for kernels without the sunrpc
 *                             tracepoints; same start/end logic.
 *
 * struct svc_rqst and the nfsd4 types are not in vmlinux BTF when sunrpc and
 * nfsd are modules: the ___nfst flavours below are relocated by CO-RE against
 * the module BTF, so field moves across kernels need no version checks.
 */
#include "common.h"
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "Dual MIT/GPL";

#define NFS_PROGRAM 100003
#define RPCSEC_GSS 6

/* rpc_key.level */
#define LEVEL_RPC 0 /* op is the RPC procedure */
#define LEVEL_OP 1  /* op is an NFSv4 COMPOUND operation */

/* rpc_key.status_kind */
#define ST_NFS 0     /* status is the nfsstat3/nfsstat4 of the reply */
#define ST_RPC 1     /* status is the RPC accept_stat (not SUCCESS) */
#define ST_DENIED 2  /* the call was rejected (reject_stat in status) */
#define ST_UNKNOWN 3 /* the reply could not be read (e.g. RPCSEC_GSS) */

#define MINOR_UNKNOWN 0xff

/* nfsd_counters slots */
#define CNT_RPCS 0
#define CNT_OPS 1
#define CNT_FULL 2
#define CNT_BUSY_NS 3 /* thread time serving requests: sum of their service times (ns) */
#define CNT_WAKEUPS 4 /* arrivals that looked for an idle thread */
#define CNT_NOIDLE 5  /* ... and found none */
#define CNT_FILES_FULL 6 /* reads and writes not counted: nfsd_files full */
#define CNT_MAX 8

/* Longest RPC verifier body (RFC 5531 MAX_AUTH_BYTES). */
#define MAX_AUTH_BYTES 400
/* Bound on the COMPOUND operation index (kernel limit is 200 or less). */
#define MAX_OPS 1024

struct kvec___nfst {
	void *iov_base;
	size_t iov_len;
} __attribute__((preserve_access_index));

struct xdr_buf___nfst {
	struct kvec___nfst head[1];
} __attribute__((preserve_access_index));

struct svc_rqst___nfst {
	struct sockaddr_in6 rq_addr; /* sockaddr_storage; only its offset is used */
	__be32 rq_xid;
	__u32 rq_prog;
	__u32 rq_vers;
	__u32 rq_proc;
	struct xdr_buf___nfst rq_res;
	void *rq_argp;
	ktime_t rq_stime;
	struct svc_pool___nfst *rq_pool;
	void *rq_xprt;
} __attribute__((preserve_access_index));

struct svc_pool___nfst {
	unsigned int sp_id;
} __attribute__((preserve_access_index));

struct nfsd4_op___nfst {
	__u32 opnum;
} __attribute__((preserve_access_index));

struct nfsd4_compoundargs___nfst {
	__u32 opcnt;
	__u32 minorversion;
	struct nfsd4_op___nfst *ops;
} __attribute__((preserve_access_index));

/* Aggregation key; user space decodes it field by field (nfsd_decode.go). */
struct rpc_key {
	__u8 addr[16]; /* IPv4 in the first 4 bytes, or IPv6 */
	__u16 family;  /* AF_INET, AF_INET6, 0 unknown */
	__u8 gen;      /* collection generation (nfsd_gen) */
	__u8 vers;     /* NFS version: 2, 3, 4 */
	__u8 minor;    /* NFSv4 minor version, MINOR_UNKNOWN if not known */
	__u8 level;    /* LEVEL_RPC or LEVEL_OP */
	__u8 status_kind;
	__u8 pad;
	__u32 op;
	__u32 status;
};

/* What a thread is serving, between start and end of one RPC. */
struct req_state {
	__u64 rqst;     /* struct svc_rqst * */
	__u64 args;     /* struct nfsd4_compoundargs *, 0 outside a COMPOUND */
	__u64 op_start; /* start of the current COMPOUND operation */
	__u8 addr[16];
	__u16 family;
	__u8 vers;
	__u8 minor;
	__u32 proc;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct rpc_key);
	__type(value, struct hist);
} nfsd_rpc SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct req_state);
} nfsd_req SEC(".maps");

/* The generation new samples go to; user space flips it before reading. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} nfsd_gen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} nfsd_counters SEC(".maps");

static __always_inline void count_n(__u32 slot, __u64 n)
{
	__u64 *c = bpf_map_lookup_elem(&nfsd_counters, &slot);

	if (c)
		*c += n;
}

static __always_inline void count(__u32 slot)
{
	count_n(slot, 1);
}

static __always_inline __u8 current_gen(void)
{
	__u32 zero = 0;
	__u32 *g = bpf_map_lookup_elem(&nfsd_gen, &zero);

	return g ? (__u8)(*g & 1) : 0;
}

static __always_inline __u32 current_tid(void)
{
	return (__u32)bpf_get_current_pid_tgid();
}

/* read_client copies the client address of rqst (rq_addr) into addr/family. */
static __always_inline void read_client(struct svc_rqst___nfst *rqst, __u8 addr[16], __u16 *family)
{
	struct sockaddr_in6 sa = {};
	void *p = (void *)rqst + bpf_core_field_offset(rqst->rq_addr);

	*family = 0;
	if (bpf_probe_read_kernel(&sa, sizeof(sa), p))
		return;
	if (sa.sin6_family == 2 /* AF_INET */) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&sa;

		__builtin_memcpy(addr, &sin->sin_addr, 4);
		*family = 2;
	} else if (sa.sin6_family == 10 /* AF_INET6 */) {
		__builtin_memcpy(addr, &sa.sin6_addr, 16);
		*family = 10;
	}
}

/* set_thread_op records what thread tid serves now, and for which client. */
static __always_inline void set_thread_op(__u32 tid, __u32 proto, __u32 op, __u64 now,
					  const __u8 addr[16], __u16 family)
{
	struct thread_op t = { .proto = proto, .op = op, .start_ns = now, .family = family };

	__builtin_memcpy(t.addr, addr, 16);
	bpf_map_update_elem(&thread_op, &tid, &t, BPF_ANY);
}

/*
 * start_rpc: an nfsd thread starts serving rqst. Returns 0 for non-NFS programs
 * (NFSACL, NLM, callbacks), which are ignored.
 */
static __always_inline int start_rpc(struct svc_rqst___nfst *rqst)
{
	__u32 tid = current_tid();
	__u64 now = bpf_ktime_get_ns();
	struct req_state st = {};

	if (BPF_CORE_READ(rqst, rq_prog) != NFS_PROGRAM)
		return 0;
	st.rqst = (__u64)rqst;
	st.vers = (__u8)BPF_CORE_READ(rqst, rq_vers);
	st.proc = BPF_CORE_READ(rqst, rq_proc);
	st.minor = MINOR_UNKNOWN;
	read_client(rqst, st.addr, &st.family);
	bpf_map_update_elem(&nfsd_req, &tid, &st, BPF_ANY);

	if (st.vers == 3)
		set_thread_op(tid, PROTO_NFS3, st.proc, now, st.addr, st.family);
	else if (st.vers == 4)
		set_thread_op(tid, PROTO_NFS4, 0, now, st.addr, st.family); /* op 0: COMPOUND, no operation yet */
	else
		set_thread_op(tid, PROTO_UNKNOWN, st.proc, now, st.addr, st.family);
	return 1;
}

static __always_inline void record(struct rpc_key *k, __u64 ns, __u32 slot)
{
	struct hist *h;

	k->gen = current_gen();
	h = hist_lookup_or_init(&nfsd_rpc, k);
	if (!h) {
		count(CNT_FULL);
		return;
	}
	hist_add(h, ns);
	count(slot);
}

/*
 * reply_status reads the RPC reply header at the start of rq_res.head[0] and
 * the first word of the result (nfsstat3 for every NFSv3 procedure but NULL,
 * the COMPOUND status for NFSv4). A TCP record marker may precede the XID
 * (older kernels reserve it in the head), so the XID is looked for at words 0
 * and 1.
 */
static __always_inline void reply_status(struct svc_rqst___nfst *rqst, __u32 proc, struct rpc_key *k)
{
	__u32 w[5];
	__u32 a[2];
	void *base = BPF_CORE_READ(rqst, rq_res.head[0].iov_base);
	__u64 len = BPF_CORE_READ(rqst, rq_res.head[0].iov_len);
	__u32 xid = BPF_CORE_READ(rqst, rq_xid);
	__u32 off = 0, vlen, idx;

	k->status_kind = ST_UNKNOWN;
	k->status = 0;
	if (!base || len < 24 || len > 65536)
		return;
	if (bpf_probe_read_kernel(w, sizeof(w), base))
		return;
	if (w[0] != xid) {
		if (w[1] != xid)
			return;
		off = 1;
		if (bpf_probe_read_kernel(w, sizeof(w), base + 4))
			return;
	}
	if (bpf_ntohl(w[1]) != 1 /* REPLY */)
		return;
	if (w[2] != 0 /* MSG_ACCEPTED */) {
		/* MSG_DENIED: reject_stat follows */
		k->status_kind = ST_DENIED;
		k->status = bpf_ntohl(w[3]);
		return;
	}
	if (bpf_ntohl(w[3]) == RPCSEC_GSS)
		return; /* the body may be wrapped (krb5i/krb5p) */
	vlen = bpf_ntohl(w[4]);
	if (vlen > MAX_AUTH_BYTES)
		return;
	idx = off + 5 + (vlen + 3) / 4;
	if ((__u64)(idx + 1) * 4 > len)
		return;
	if (bpf_probe_read_kernel(a, sizeof(a), base + idx * 4))
		return;
	if (a[0] != 0 /* SUCCESS */) {
		k->status_kind = ST_RPC;
		k->status = bpf_ntohl(a[0]);
		return;
	}
	if (proc == 0) { /* NULL has an empty result */
		k->status_kind = ST_NFS;
		return;
	}
	if ((__u64)(idx + 2) * 4 > len)
		return;
	k->status_kind = ST_NFS;
	k->status = bpf_ntohl(a[1]);
}

/* end_rpc: the reply to rqst is ready. */
static __always_inline void end_rpc(struct svc_rqst___nfst *rqst)
{
	__u32 tid = current_tid();
	__u64 now = bpf_ktime_get_ns();
	struct rpc_key k = {};
	struct req_state *st;
	__s64 start;
	__u64 dur;

	if (BPF_CORE_READ(rqst, rq_prog) != NFS_PROGRAM)
		return;
	k.vers = (__u8)BPF_CORE_READ(rqst, rq_vers);
	k.op = BPF_CORE_READ(rqst, rq_proc);
	k.level = LEVEL_RPC;
	k.minor = MINOR_UNKNOWN;
	st = bpf_map_lookup_elem(&nfsd_req, &tid);
	if (st && st->rqst == (__u64)rqst) {
		k.minor = st->minor;
		__builtin_memcpy(k.addr, st->addr, 16);
		k.family = st->family;
	} else {
		read_client(rqst, k.addr, &k.family);
	}
	reply_status(rqst, k.op, &k);
	start = BPF_CORE_READ(rqst, rq_stime);
	dur = (start > 0 && (__u64)start < now) ? now - (__u64)start : 0;
	record(&k, dur, CNT_RPCS);
	count_n(CNT_BUSY_NS, dur);

	bpf_map_delete_elem(&nfsd_req, &tid);
	bpf_map_delete_elem(&thread_op, &tid);
}

static __always_inline void drop_rpc(void)
{
	__u32 tid = current_tid();

	bpf_map_delete_elem(&nfsd_req, &tid);
	bpf_map_delete_elem(&thread_op, &tid);
}

/* op_at returns the operation number of args->ops[i]. */
static __always_inline __u32 op_at(struct nfsd4_compoundargs___nfst *args, __u32 i)
{
	struct nfsd4_op___nfst *ops = BPF_CORE_READ(args, ops);
	__u64 size = bpf_core_type_size(struct nfsd4_op___nfst);
	__u32 opnum = 0;

	if (!ops || i >= MAX_OPS)
		return 0;
	bpf_probe_read_kernel(&opnum, sizeof(opnum),
			      (void *)ops + (__u64)i * size + bpf_core_field_offset(ops->opnum));
	return opnum;
}

SEC("raw_tp/svc_process")
int BPF_PROG(nfsd_svc_process, struct svc_rqst___nfst *rqst)
{
	start_rpc(rqst);
	return 0;
}

SEC("raw_tp/svc_stats_latency")
int BPF_PROG(nfsd_svc_stats_latency, struct svc_rqst___nfst *rqst)
{
	end_rpc(rqst);
	return 0;
}

SEC("raw_tp/svc_drop")
int BPF_PROG(nfsd_svc_drop, struct svc_rqst___nfst *rqst)
{
	drop_rpc();
	return 0;
}

/* nfsd_compound: (rqst, args_opcnt) before 6.x, (rqst, tag, taglen, opcnt) after; only rqst is used. */
SEC("raw_tp/nfsd_compound")
int BPF_PROG(nfsd_compound, struct svc_rqst___nfst *rqst)
{
	__u32 tid = current_tid();
	__u64 now = bpf_ktime_get_ns();
	struct nfsd4_compoundargs___nfst *args;
	struct req_state *st;

	st = bpf_map_lookup_elem(&nfsd_req, &tid);
	if (!st || st->rqst != (__u64)rqst)
		return 0;
	args = BPF_CORE_READ(rqst, rq_argp);
	if (!args)
		return 0;
	st->args = (__u64)args;
	st->op_start = now;
	st->minor = (__u8)BPF_CORE_READ(args, minorversion);
	if (BPF_CORE_READ(args, opcnt) > 0)
		set_thread_op(tid, PROTO_NFS4, op_at(args, 0), now, st->addr, st->family);
	return 0;
}

/* nfsd_compound_status: (args_opcnt, resp_opcnt, __be32 status, const char *name). */
SEC("raw_tp/nfsd_compound_status")
int BPF_PROG(nfsd_compound_status, __u32 args_opcnt, __u32 resp_opcnt, __u32 status)
{
	__u32 tid = current_tid();
	__u64 now = bpf_ktime_get_ns();
	struct nfsd4_compoundargs___nfst *args;
	struct rpc_key k = {};
	struct req_state *st;
	__u32 opcnt;

	st = bpf_map_lookup_elem(&nfsd_req, &tid);
	if (!st || !st->args || resp_opcnt == 0)
		return 0;
	args = (struct nfsd4_compoundargs___nfst *)st->args;
	__builtin_memcpy(k.addr, st->addr, 16);
	k.family = st->family;
	k.vers = 4;
	k.minor = st->minor;
	k.level = LEVEL_OP;
	k.op = op_at(args, resp_opcnt - 1);
	k.status_kind = ST_NFS;
	k.status = bpf_ntohl(status);
	record(&k, now > st->op_start ? now - st->op_start : 0, CNT_OPS);

	st->op_start = now;
	opcnt = BPF_CORE_READ(args, opcnt);
	set_thread_op(tid, PROTO_NFS4, resp_opcnt < opcnt ? op_at(args, resp_opcnt) : 0, now,
		      st->addr, st->family);
	return 0;
}

/* Fallback for kernels without the sunrpc tracepoints. */
SEC("kprobe/nfsd_dispatch")
int BPF_KPROBE(nfsd_dispatch_entry, struct svc_rqst___nfst *rqst)
{
	start_rpc(rqst);
	return 0;
}

/* nfsd_dispatch returns 0 when the request is dropped, non-zero to send the reply. */
SEC("kretprobe/nfsd_dispatch")
int BPF_KRETPROBE(nfsd_dispatch_return, int ret)
{
	__u32 tid = current_tid();
	struct req_state *st = bpf_map_lookup_elem(&nfsd_req, &tid);

	if (!st)
		return 0;
	if (!ret) {
		drop_rpc();
		return 0;
	}
	end_rpc((struct svc_rqst___nfst *)st->rqst);
	return 0;
}

/* ---- thread-pool queueing ------------------------------------------------ */

/*
 * Time a request waited for a free nfsd thread: from sunrpc:svc_xprt_enqueue
 * of its transport (data arrived, the transport queued on its pool) to a
 * thread taking the transport, paired per transport. Where the kernel has
 * sunrpc:svc_xprt_dequeue with the request (the thread) as its argument,
 * the wait ends there, whatever the thread then finds on the transport;
 * elsewhere it ends at sunrpc:svc_process of the next request from that
 * transport, which also counts the read of the request, and which an
 * enqueue that brought no complete request leaves waiting (an idle
 * connection's last enqueue paired with the next request seconds later).
 * Where the enqueue tracepoint fires only on transports queued, the first
 * since a thread last took the transport counts; where it fires on every
 * call (it passes the flags), the last call that queues does.
 * svc_xprt_enqueue's first argument is the transport on every kernel (the
 * second changed), so no field is read from the event.
 */
#define MAX_POOLS 64

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);   /* struct svc_xprt * */
	__type(value, __u64); /* first enqueue not yet taken */
} nfsd_xq SEC(".maps");

/* Queue wait per pool (sp_id & (MAX_POOLS-1)), cumulative. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_POOLS);
	__type(key, __u32);
	__type(value, struct hist);
} nfsd_qwait SEC(".maps");

SEC("raw_tp/svc_xprt_enqueue")
int BPF_PROG(nfsd_xprt_enqueue, void *xprt)
{
	__u64 key = (__u64)xprt, now = bpf_ktime_get_ns();

	bpf_map_update_elem(&nfsd_xq, &key, &now, BPF_NOEXIST);
	return 0;
}

/* Bits of svc_xprt's xpt_flags (enum xpt_flags, the same since 2.6). */
#define XPT_BUSY_BIT (1UL << 0)
#define XPT_READY_BITS ((1UL << 1) /* CONN */ | (1UL << 2) /* CLOSE */ | (1UL << 3) /* DATA */ | (1UL << 8) /* DEFERRED */)

/*
 * Where the tracepoint passes the transport's flags (xprt, flags), it fires
 * on every call of svc_xprt_enqueue, before the kernel decides whether to
 * queue: a transport already taken by a thread (BUSY) or with nothing to
 * do is not queued, and its call must not start a wait, or the next request
 * on an idle connection would wait from it, seconds earlier. A call that
 * queues is the last one before the dequeue, so it replaces any earlier.
 */
SEC("raw_tp/svc_xprt_enqueue")
int BPF_PROG(nfsd_xprt_enqueue_flags, void *xprt, unsigned long flags)
{
	__u64 key = (__u64)xprt, now = bpf_ktime_get_ns();

	if ((flags & XPT_BUSY_BIT) || !(flags & XPT_READY_BITS))
		return 0;
	bpf_map_update_elem(&nfsd_xq, &key, &now, BPF_ANY);
	return 0;
}

/* queue_taken ends the wait of rqst's transport, taken by rqst's thread. */
static __always_inline void queue_taken(struct svc_rqst___nfst *rqst)
{
	__u64 key = (__u64)BPF_CORE_READ(rqst, rq_xprt), now = bpf_ktime_get_ns();
	__u64 *ts = bpf_map_lookup_elem(&nfsd_xq, &key);
	struct svc_pool___nfst *pool;
	struct hist *h;
	__u32 id = 0;

	if (!ts)
		return;
	pool = BPF_CORE_READ(rqst, rq_pool);
	if (pool)
		id = BPF_CORE_READ(pool, sp_id) & (MAX_POOLS - 1);
	h = bpf_map_lookup_elem(&nfsd_qwait, &id);
	if (h && now >= *ts)
		hist_add(h, now - *ts);
	bpf_map_delete_elem(&nfsd_xq, &key);
}

SEC("raw_tp/svc_xprt_dequeue")
int BPF_PROG(nfsd_queue_dequeue, struct svc_rqst___nfst *rqst)
{
	queue_taken(rqst);
	return 0;
}

SEC("raw_tp/svc_process")
int BPF_PROG(nfsd_queue_process, struct svc_rqst___nfst *rqst)
{
	queue_taken(rqst);
	return 0;
}

/*
 * The same wait without sunrpc's BTF (5.10 has no module BTF, so the
 * programs above cannot read svc_rqst): from the records of the classic
 * tracepoints, whose fields user space reads from their format files. Both
 * ends carry the transport's remote address (__data_loc char[] addr); a
 * wait is paired per address, in one pool (the records do not say which).
 * The enqueue tracepoint must be one that fires only on a transport
 * queued (svc_xprt_do_enqueue before 5.11). Where the enqueue record has
 * the pid of the thread woken (0: none was idle), it also counts the
 * searches for an idle thread. Offsets are 0 when the field is absent.
 */
const volatile __u32 enq_addr_loc = 0;
const volatile __u32 enq_pid_off = 0;
const volatile __u32 deq_addr_loc = 0;

struct xq_addr {
	char addr[64]; /* svc_xprt's xpt_remotebuf, NUL padded */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct xq_addr);
	__type(value, __u64); /* first enqueue not yet taken */
} nfsd_xq_addr SEC(".maps");

/* record_addr reads the __data_loc string whose descriptor is at loc_off. */
static __always_inline int record_addr(void *ctx, __u32 loc_off, struct xq_addr *k)
{
	__u32 loc = 0;

	if (!loc_off || bpf_probe_read_kernel(&loc, sizeof(loc), ctx + loc_off))
		return -1;
	if (bpf_probe_read_kernel_str(k->addr, sizeof(k->addr), ctx + (loc & 0xffff)) < 0)
		return -1;
	return 0;
}

SEC("tracepoint/sunrpc/svc_xprt_enqueue")
int nfsd_xprt_enqueue_rec(void *ctx)
{
	struct xq_addr k = {};
	__u64 now = bpf_ktime_get_ns();
	__s32 pid = 0;

	if (enq_pid_off && !bpf_probe_read_kernel(&pid, sizeof(pid), ctx + enq_pid_off)) {
		count(CNT_WAKEUPS);
		if (!pid)
			count(CNT_NOIDLE);
	}
	if (record_addr(ctx, enq_addr_loc, &k))
		return 0;
	bpf_map_update_elem(&nfsd_xq_addr, &k, &now, BPF_NOEXIST);
	return 0;
}

SEC("tracepoint/sunrpc/svc_xprt_dequeue")
int nfsd_xprt_dequeue_rec(void *ctx)
{
	struct xq_addr k = {};
	__u64 now = bpf_ktime_get_ns(), *ts;
	__u32 pool = 0;
	struct hist *h;

	if (record_addr(ctx, deq_addr_loc, &k))
		return 0;
	ts = bpf_map_lookup_elem(&nfsd_xq_addr, &k);
	if (!ts)
		return 0;
	h = bpf_map_lookup_elem(&nfsd_qwait, &pool);
	if (h && now >= *ts)
		hist_add(h, now - *ts);
	bpf_map_delete_elem(&nfsd_xq_addr, &k);
	return 0;
}

/* ---- thread utilisation ------------------------------------------------- */

/*
 * How often a request found no idle nfsd thread. Which tracepoint tells
 * depends on the kernel; user space attaches the one this kernel has
 * (ebpf/nfsd_threads.go):
 *   svc_pool_thread_wake / _running / _noidle (pool, pid): one event per
 *     search for an idle thread (since 6.17); noidle when none was found.
 *   svc_xprt_enqueue or svc_xprt_do_enqueue (xprt, rqst) where the second
 *     argument is the thread woken (older kernels): NULL when none was idle.
 * Kernels in between (the second argument became the transport's flags)
 * have neither, and the count is unknown.
 */
SEC("raw_tp/svc_pool_thread_wake")
int BPF_PROG(nfsd_pool_thread_found)
{
	count(CNT_WAKEUPS);
	return 0;
}

SEC("raw_tp/svc_pool_thread_noidle")
int BPF_PROG(nfsd_pool_thread_noidle)
{
	count(CNT_WAKEUPS);
	count(CNT_NOIDLE);
	return 0;
}

SEC("raw_tp/svc_xprt_enqueue")
int BPF_PROG(nfsd_xprt_enqueue_rqst, void *xprt, void *rqst)
{
	count(CNT_WAKEUPS);
	if (!rqst)
		count(CNT_NOIDLE);
	return 0;
}

/* ---- reads and writes per file ------------------------------------------- */

/*
 * What nfsd read and wrote, per file, summed in the kernel by the file
 * handle's hash (the kernel's knfsd_fh_hash, as nfsd's own tracepoints
 * print it): nfsd:nfsd_read_start and nfsd:nfsd_write_start, one event per
 * READ or WRITE of any NFS version, read through their records. User space
 * sets the offsets of the records' u32 fh_hash and u32 len fields from the
 * tracepoints' format files (ebpf/nfsd_files.go), so that no struct layout
 * is assumed; 0 leaves the program idle. Entries go to the generation of
 * nfsd_gen, read and deleted per interval with the RPC histograms.
 */
const volatile __u32 io_fh_off = 0;
const volatile __u32 io_len_off = 0;

struct file_key {
	__u32 fh;    /* knfsd_fh_hash of the file handle */
	__u8 gen;    /* collection generation (nfsd_gen) */
	__u8 write;  /* 1 for WRITE, 0 for READ */
	__u8 pad[2];
};

struct file_val {
	__u64 ops;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, struct file_key);
	__type(value, struct file_val);
} nfsd_files SEC(".maps");

static __always_inline int file_io(void *ctx, __u8 write)
{
	struct file_key k = {.write = write};
	struct file_val zero = {}, *v;
	__u32 len = 0;

	if (!io_fh_off || !io_len_off)
		return 0;
	if (bpf_probe_read_kernel(&k.fh, sizeof(k.fh), ctx + io_fh_off) ||
	    bpf_probe_read_kernel(&len, sizeof(len), ctx + io_len_off))
		return 0;
	k.gen = current_gen();
	v = bpf_map_lookup_elem(&nfsd_files, &k);
	if (!v) {
		if (bpf_map_update_elem(&nfsd_files, &k, &zero, BPF_NOEXIST) &&
		    !bpf_map_lookup_elem(&nfsd_files, &k)) {
			count(CNT_FILES_FULL);
			return 0;
		}
		v = bpf_map_lookup_elem(&nfsd_files, &k);
		if (!v)
			return 0;
	}
	__sync_fetch_and_add(&v->ops, 1);
	__sync_fetch_and_add(&v->bytes, len);
	return 0;
}

SEC("tracepoint/nfsd/nfsd_read_start")
int nfsd_file_read(void *ctx)
{
	return file_io(ctx, 0);
}

SEC("tracepoint/nfsd/nfsd_write_start")
int nfsd_file_write(void *ctx)
{
	return file_io(ctx, 1);
}
