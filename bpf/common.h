/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Shared definitions of the nfstrace eBPF programs: the log2 histogram value
 * that user space copies into model.Hist, and the per-thread "operation in
 * progress" map through which the nfsd programs tell the D-state program which
 * NFS operation a blocked nfsd thread was serving.
 *
 * Every .bpf.c file includes this header first. The thread_op map is defined in
 * each object that includes it; user space loads the core (sched/block)
 * collection first and hands its thread_op map to the nfsd collection as a
 * MapReplacement, so both see the same map.
 */
#ifndef NFSTRACE_COMMON_H
#define NFSTRACE_COMMON_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

/* Number of log2 buckets; equals model.NumBuckets. */
#define HIST_SLOTS 64

/*
 * struct hist is a log2 histogram of nanoseconds. slots[i] counts values whose
 * bit length is i (0 for 0), clamped to HIST_SLOTS-1: the bucketing of
 * model.Bucket. Layout is fixed: user space decodes it as 67 little-endian u64.
 */
struct hist {
	__u64 slots[HIST_SLOTS];
	__u64 count;
	__u64 sum_ns;
	__u64 max_ns;
};

/* hist_bucket returns the bit length of v clamped to HIST_SLOTS-1 (loop-free). */
static __always_inline __u32 hist_bucket(__u64 v)
{
	__u32 n = 0;

	if (v >> 32) { v >>= 32; n += 32; }
	if (v >> 16) { v >>= 16; n += 16; }
	if (v >> 8)  { v >>= 8;  n += 8; }
	if (v >> 4)  { v >>= 4;  n += 4; }
	if (v >> 2)  { v >>= 2;  n += 2; }
	if (v >> 1)  { v >>= 1;  n += 1; }
	n += (__u32)v; /* v is now 0 or 1 */
	if (n > HIST_SLOTS - 1)
		n = HIST_SLOTS - 1;
	return n;
}

/*
 * hist_slot returns v's bucket as an index the verifier can prove is inside
 * slots[]. clang proves hist_bucket() <= 63 and drops a plain "& 63"; the 6.1
 * verifier cannot follow that proof through the clamp ("unbounded memory
 * access"), so the empty asm hides the value from clang and the mask stays.
 */
static __always_inline __u64 hist_slot(__u64 v)
{
	__u64 b = hist_bucket(v);

	asm volatile("" : "+r"(b));
	return b & (HIST_SLOTS - 1);
}

/*
 * hist_add records v in h. Counters use atomic adds, so the same entry may be
 * updated from any CPU. The maximum is a plain compare-and-store: two CPUs
 * racing can lose the smaller of two new maxima only, never corrupt it.
 */
static __always_inline void hist_add(struct hist *h, __u64 v)
{
	__sync_fetch_and_add(&h->slots[hist_slot(v)], 1);
	__sync_fetch_and_add(&h->count, 1);
	__sync_fetch_and_add(&h->sum_ns, v);
	if (v > h->max_ns)
		h->max_ns = v;
}

/* An all-zero histogram to create map entries from (never written). */
static struct hist zero_hist;

/*
 * hist_lookup_or_init returns the histogram stored under key in map (a hash
 * map with struct hist values), creating an empty one first if needed; NULL
 * when the map is full.
 */
static __always_inline struct hist *hist_lookup_or_init(void *map, const void *key)
{
	struct hist *h = bpf_map_lookup_elem(map, key);

	if (h)
		return h;
	bpf_map_update_elem(map, key, &zero_hist, BPF_NOEXIST);
	return bpf_map_lookup_elem(map, key);
}

/* thread_op.proto values. */
#define PROTO_UNKNOWN 0
#define PROTO_NFS3 3 /* op is the NFSv3 procedure number */
#define PROTO_NFS4 4 /* op is the NFSv4 operation number (RFC 7862) */

/* What an nfsd thread is serving right now. */
struct thread_op {
	__u32 proto;
	__u32 op;
	__u64 start_ns;
	__u8 addr[16];  /* client address: IPv4 in the first 4 bytes, or IPv6 */
	__u16 family;   /* AF_INET, AF_INET6, 0 when unknown */
	__u16 pad[3];
};

/*
 * thread_op: tid -> operation in progress. The nfsd programs set the entry when
 * a thread starts serving an RPC or a COMPOUND operation and delete it when
 * done; the D-state program reads it when an interval starts.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct thread_op);
} thread_op SEC(".maps");

#endif /* NFSTRACE_COMMON_H */
