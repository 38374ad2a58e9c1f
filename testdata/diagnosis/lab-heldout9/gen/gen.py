#!/usr/bin/env python3
"""gen.py DIR DURATION NAME...: write the named scenario definitions as DIR/NAME.conf (settings only)."""
import sys, os
KEYS = ["description", "versions", "duration", "settle", "trace_slack", "device", "delay_ms", "nullb_gb",
        "nullb_params", "scheduler", "sysctl", "clients", "mix", "io_size", "file_size", "mount_options",
        "client_mounts", "nfsd_threads", "shared_file"]
D = {}
# Ref A: NFSv4.2 sync 4 KiB writes + lookups from 16 mounts on a 100 ms dm-delay, 24 threads.
A = dict(versions="4.2", device="nullb-delay", delay_ms="100", nullb_gb="1", nullb_params="submit_queues=2",
         scheduler="none", clients="16", mix="write:4,lookup:1", io_size="4k", file_size="64k",
         mount_options="actimeo=0,lookupcache=none,sync", client_mounts="each", nfsd_threads="24",
         description="NFSv4.2 sync-mount 4 KiB rewrites of own 64 KiB files and lookups from 16 client mounts, dm-delay 100 ms (2-queue null_blk, no scheduler), 24 nfsd threads")
D["ref-v42-sync-4k-16-mounts-100ms"] = A
D["queue-v42-sync-4k-16-mounts-6-threads"] = dict(A, nfsd_threads="6",
    description="ref-v42-sync-4k-16-mounts-100ms served by 6 nfsd threads instead of 24")
D["lock-v42-sync-4k-16-mounts-shared"] = dict(A, shared_file="true",
    description="ref-v42-sync-4k-16-mounts-100ms with all 16 client mounts rewriting one shared 64 KiB file")
# Ref B: NFSv3 sync 32 KiB writes (wsize 32k), O_DIRECT reads, fstats from 2 mounts on a 1-deep 25 ms null_blk.
B = dict(versions="3", device="nullb", nullb_gb="1",
         nullb_params="irqmode=2 completion_nsec=25000000 submit_queues=1 hw_queue_depth=1 max_sectors=64",
         scheduler="none", clients="2", mix="write:3,read:1,getattr:1", io_size="32k", file_size="1m",
         mount_options="actimeo=0,lookupcache=none,sync,rsize=32768,wsize=32768", client_mounts="each",
         nfsd_threads="8",
         description="NFSv3 sync-mount 32 KiB rewrites (rsize=wsize=32 KiB), O_DIRECT reads and fstats of own 1 MiB files from 2 client mounts; null_blk timer 25 ms, one queue 1 deep, no scheduler, 8 nfsd threads")
D["ref-v3-sync-32k-2-mounts-qd1-25ms"] = B
D["device-v3-sync-32k-qd1-75ms"] = dict(B,
    nullb_params="irqmode=2 completion_nsec=75000000 submit_queues=1 hw_queue_depth=1 max_sectors=64",
    description="ref-v3-sync-32k-2-mounts-qd1-25ms with the null_blk completing each request after 75 ms instead of 25 ms")
D["workload-v3-sync-32k-6-mounts"] = dict(B, clients="6",
    description="ref-v3-sync-32k-2-mounts-qd1-25ms's load from 6 client mounts instead of 2")
# Ref C: NFSv4.2 buffered 128 KiB writes each followed (on average) by an fsync, 4 workers on one mount,
# own 2 MiB files, null_blk timer 30 ms, 2 queues 16 deep.
C = dict(versions="4.2", device="nullb", nullb_gb="1",
         nullb_params="irqmode=2 completion_nsec=30000000 submit_queues=2 hw_queue_depth=16",
         scheduler="none", clients="4", mix="write:2,commit:2,getattr:1", io_size="128k", file_size="2m",
         mount_options="actimeo=0,lookupcache=none", client_mounts="one", nfsd_threads="8",
         description="NFSv4.2 buffered 128 KiB rewrites of own 2 MiB files each followed (on average) by an fsync, fstats, 4 workers on one mount; null_blk timer 30 ms, 2 queues 16 deep, no scheduler, 8 nfsd threads")
D["ref-v42-fsync-128k-4-workers-30ms"] = C
D["lock-v42-fsync-128k-shared"] = dict(C, shared_file="true",
    description="ref-v42-fsync-128k-4-workers-30ms with all 4 workers rewriting one shared 2 MiB file")
D["writeback-v42-fsync-128k-256k-dirty"] = dict(C, sysctl=["vm.dirty_bytes=262144", "vm.dirty_background_bytes=65536"],
    description="ref-v42-fsync-128k-4-workers-30ms with vm.dirty_bytes = 256 KiB, vm.dirty_background_bytes = 64 KiB")
D["writeback-v42-fsync-128k-128k-dirty"] = dict(C, sysctl=["vm.dirty_bytes=131072", "vm.dirty_background_bytes=32768"],
    description="ref-v42-fsync-128k-4-workers-30ms with vm.dirty_bytes = 128 KiB, vm.dirty_background_bytes = 32 KiB")

# Trial 2: ref C on a 60 ms null_blk (more device-bound, fewer ops a second), and B's workload at 8 mounts.
C60 = dict(C, nullb_params="irqmode=2 completion_nsec=60000000 submit_queues=2 hw_queue_depth=16",
           description="NFSv4.2 buffered 128 KiB rewrites of own 2 MiB files each followed (on average) by an fsync, fstats, 4 workers on one mount; null_blk timer 60 ms, 2 queues 16 deep, no scheduler, 8 nfsd threads")
D["ref-v42-fsync-128k-4-workers-60ms"] = C60
D["lock-v42-fsync-128k-shared-60ms"] = dict(C60, shared_file="true",
    description="ref-v42-fsync-128k-4-workers-60ms with all 4 workers rewriting one shared 2 MiB file")
D["writeback-v42-fsync-128k-60ms-256k-dirty"] = dict(C60, sysctl=["vm.dirty_bytes=262144", "vm.dirty_background_bytes=65536"],
    description="ref-v42-fsync-128k-4-workers-60ms with vm.dirty_bytes = 256 KiB, vm.dirty_background_bytes = 64 KiB")
D["workload-v3-sync-32k-8-mounts"] = dict(B, clients="8",
    description="ref-v3-sync-32k-2-mounts-qd1-25ms's load from 8 client mounts instead of 2")

# Trial 3: a higher dirty-limit level for the 60 ms ref C.
D["writeback-v42-fsync-128k-60ms-512k-dirty"] = dict(C60, sysctl=["vm.dirty_bytes=524288", "vm.dirty_background_bytes=131072"],
    description="ref-v42-fsync-128k-4-workers-60ms with vm.dirty_bytes = 512 KiB, vm.dirty_background_bytes = 128 KiB")

def render(d, duration, head=""):
    d = dict(d, duration=duration, settle="15s", trace_slack="15s")
    out = [head] if head else []
    for k in KEYS:
        if k not in d: continue
        v = d[k]
        for x in (v if isinstance(v, list) else [v]):
            out.append(f"{k} = {x}")
    return "\n".join(out) + "\n"

if __name__ == "__main__":
    outdir, dur = sys.argv[1], sys.argv[2]
    for n in sys.argv[3:]:
        base = n[:-2] if n.endswith(("-1", "-2")) and n[:-2] in D else n
        open(os.path.join(outdir, n + ".conf"), "w").write(render(D[base], dur))
