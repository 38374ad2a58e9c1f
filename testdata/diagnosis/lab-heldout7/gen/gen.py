#!/usr/bin/env python3
"""Scenario definitions of lab-heldout7 (trial and final rendering).
python3 gen.py trial OUTDIR NAME...   -> 30 s files
python3 gen.py final OUTDIR           -> 90 s files with stories (stories.json)
"""
import json, os, sys

HEAD = ("# Written for the seventh blind lab set (lab-heldout7, 2026-12-06), by a helper who never ran "
        "compare on it: checked by trial runs (the lab client's load.json only), never compared before it was scored.")

ORDER = ["description", "versions", "duration", "settle", "trace_slack", "device", "delay_ms", "nullb_gb",
         "nullb_params", "scheduler", "sysctl", "clients", "mix", "io_size", "file_size", "mount_options",
         "client_mounts", "nfsd_threads", "shared_file", "stack_samples"]

# Reference A: NFSv3, 256 KiB sync writes split into 32 KiB RPCs, 4 mounts, 60 ms 4-deep null_blk.
A = dict(
    description="NFSv3 256 KiB synchronous writes (sync mount, wsize=rsize=32 KiB: 8 RPCs each) and O_DIRECT reads from 4 client mounts to their own 2 MiB files on a null_blk timer 60 ms, one queue 4 deep, 32 KiB requests, no IO scheduler, 16 nfsd threads",
    versions="3", device="nullb", nullb_gb="1",
    nullb_params="irqmode=2 completion_nsec=60000000 submit_queues=1 hw_queue_depth=4 max_sectors=64",
    scheduler="none", clients="4", mix="write:4,read:1,getattr:1", io_size="256k", file_size="2m",
    mount_options="actimeo=0,lookupcache=none,sync,wsize=32768,rsize=32768", client_mounts="each",
    nfsd_threads="16")
# Reference B: NFSv4.2, 12 KiB whole-file sync rewrites + O_DIRECT reads from 8 workers on one mount, dm-delay 40 ms.
B = dict(
    description="NFSv4.2 12 KiB whole-file synchronous rewrites (sync mount) and O_DIRECT reads from 8 workers on one client mount to their own 12 KiB files, lookups; null_blk (2 queues) behind a 40 ms dm-delay, no IO scheduler, 8 nfsd threads",
    versions="4.2", device="nullb-delay", delay_ms="40", nullb_gb="1", nullb_params="submit_queues=2",
    scheduler="none", clients="8", mix="write:6,read:2,lookup:1", io_size="12k", file_size="12k",
    mount_options="actimeo=0,lookupcache=none", client_mounts="one", nfsd_threads="8")
B["mount_options"] = "actimeo=0,lookupcache=none,sync"
# Reference C: NFSv4.2 buffered 16 KiB writes interleaved with O_DIRECT reads (which flush), 3 mounts, 2 ms dm-delay.
C = dict(
    description="NFSv4.2 buffered 16 KiB writes to own 1 MiB files interleaved with O_DIRECT 16 KiB reads (each flushes the file's dirty pages), getattrs and lookups, from 3 client mounts, default dirty limits; null_blk behind a 2 ms dm-delay, no IO scheduler, 8 nfsd threads",
    versions="4.2", device="nullb-delay", delay_ms="2", nullb_gb="1", scheduler="none", clients="3",
    mix="write:6,read:1,getattr:1,lookup:1", io_size="16k", file_size="1m",
    mount_options="actimeo=0,lookupcache=none", client_mounts="each", nfsd_threads="8")

# Reference C, second design (trial 2): buffered 16 KiB rewrites of 256 KiB files with an fsync per ~12 writes.
C2 = dict(
    description="NFSv4.2 buffered 16 KiB rewrites of their own 256 KiB files with an fsync per 12 writes, getattrs and lookups, from 3 client mounts, default dirty limits; null_blk behind a 4 ms dm-delay, no IO scheduler, 8 nfsd threads",
    versions="4.2", device="nullb-delay", delay_ms="4", nullb_gb="1", scheduler="none", clients="3",
    mix="write:12,commit:1,getattr:1,lookup:1", io_size="16k", file_size="256k",
    mount_options="actimeo=0,lookupcache=none", client_mounts="each", nfsd_threads="8")
C3 = dict(C2, versions="3", description=C2["description"].replace("NFSv4.2", "NFSv3"))
# Trial 3: the same on a 10 ms dm-delay (more device-bound, less host-CPU-bound).
C4 = dict(C3, delay_ms="10", description=C3["description"].replace("4 ms dm-delay", "10 ms dm-delay"))

def var(base, refname, desc, **kw):
    d = dict(base); d.update(kw); d["description"] = refname + " " + desc; return d

DEFS = {
    "ref-v3-sync-256k-wsize32k-4-mounts": A,
    "device-v3-sync-256k-150ms": var(A, "ref-v3-sync-256k-wsize32k-4-mounts",
        "with the null_blk completing each request after 150 ms instead of 60 ms",
        nullb_params="irqmode=2 completion_nsec=150000000 submit_queues=1 hw_queue_depth=4 max_sectors=64"),
    "workload-v3-sync-256k-10-mounts": var(A, "ref-v3-sync-256k-wsize32k-4-mounts",
        "'s load from 10 client mounts instead of 4", clients="10"),
    "ref-v42-sync-12k-8-workers-40ms": B,
    "queue-v42-sync-12k-2-threads": var(B, "ref-v42-sync-12k-8-workers-40ms",
        "served by 2 nfsd threads instead of 8", nfsd_threads="2"),
    "queue-v42-sync-12k-3-threads": var(B, "ref-v42-sync-12k-8-workers-40ms",
        "served by 3 nfsd threads instead of 8", nfsd_threads="3"),
    "lock-v42-sync-12k-shared-file": var(B, "ref-v42-sync-12k-8-workers-40ms",
        "with all 8 workers rewriting one shared 12 KiB file", shared_file="true"),
    "ref-v42-buffered-16k-dread-3-mounts": C,
    "writeback-v42-buffered-16k-64k-dirty": var(C, "ref-v42-buffered-16k-dread-3-mounts",
        "with vm.dirty_bytes=64K and vm.dirty_background_bytes=16K",
        sysctl=["vm.dirty_background_bytes=16384", "vm.dirty_bytes=65536"]),
    "writeback-v42-buffered-16k-128k-dirty": var(C, "ref-v42-buffered-16k-dread-3-mounts",
        "with vm.dirty_bytes=128K and vm.dirty_background_bytes=32K",
        sysctl=["vm.dirty_background_bytes=32768", "vm.dirty_bytes=131072"]),
    "ref-v42-fsync-16k-256k-files-3-mounts": C2,
    "writeback-v42-fsync-16k-64k-dirty": var(C2, "ref-v42-fsync-16k-256k-files-3-mounts",
        "with vm.dirty_bytes=64K and vm.dirty_background_bytes=16K",
        sysctl=["vm.dirty_background_bytes=16384", "vm.dirty_bytes=65536"]),
    "ref-v3-fsync-16k-256k-files-3-mounts": C3,
    "writeback-v3-fsync-16k-64k-dirty": var(C3, "ref-v3-fsync-16k-256k-files-3-mounts",
        "with vm.dirty_bytes=64K and vm.dirty_background_bytes=16K",
        sysctl=["vm.dirty_background_bytes=16384", "vm.dirty_bytes=65536"]),
    "ref-v3-fsync-16k-256k-files-10ms": C4,
    "writeback-v3-fsync-16k-10ms-64k-dirty": var(C4, "ref-v3-fsync-16k-256k-files-10ms",
        "with vm.dirty_bytes=64K and vm.dirty_background_bytes=16K",
        sysctl=["vm.dirty_background_bytes=16384", "vm.dirty_bytes=65536"]),
}
for k in list(DEFS):
    DEFS[k]["description"] = DEFS[k]["description"].replace(" 's", "'s")

def base_of(name):
    if name.endswith("-1") or name.endswith("-2"):
        return name[:-2]
    return name

def render(name, duration, comment_lines):
    d = dict(DEFS[base_of(name)])
    d["duration"] = duration; d["settle"] = "15s"; d["trace_slack"] = "15s"
    out = [HEAD] + ["# " + l if l else "#" for l in comment_lines]
    for k in ORDER:
        if k not in d: continue
        v = d[k]
        if isinstance(v, list):
            out += [f"{k} = {x}" for x in v]
        else:
            out.append(f"{k} = {v}")
    return "\n".join(out) + "\n"

if __name__ == "__main__":
    mode, outdir = sys.argv[1], sys.argv[2]
    os.makedirs(outdir, exist_ok=True)
    if mode == "trial":
        for n in sys.argv[3:]:
            open(os.path.join(outdir, n + ".conf"), "w").write(render(n, "30s", ["Trial file (30 s)."]))
    else:
        stories = json.load(open(os.path.join(os.path.dirname(__file__), "stories.json")))
        for n, lines in stories["final"].items():
            open(os.path.join(outdir, n + ".conf"), "w").write(render(n, "90s", lines))
