#!/usr/bin/env python3
"""Scenario definitions of lab-heldout10; render(duration) writes scenarios/*.conf."""
import json, os, sys

HEAD = ("# Written for the tenth blind lab set (lab-heldout10, 2026-12-07), by a helper who never ran compare "
        "on it: checked by trial runs (the lab client's load.json only), never compared before it was scored.")

KEYS = ["description", "versions", "duration", "settle", "trace_slack", "device", "delay_ms", "nullb_gb",
        "nullb_params", "scheduler", "sysctl", "clients", "mix", "io_size", "file_size", "mount_options",
        "client_mounts", "nfsd_threads", "shared_file"]

REFS = {
 "ref-v3-sync-64k-wsize32k-4-mounts-50ms": dict(
    description="NFSv3 sync-mount 64 KiB rewrites sent as two 32 KiB FILE_SYNC WRITEs (wsize=32 KiB) and fstats of own 2 MiB files from 4 client mounts; dm-delay 50 ms (2-queue null_blk, no scheduler), 12 nfsd threads",
    versions="3", device="nullb-delay", delay_ms="50", nullb_gb="1", nullb_params="submit_queues=2",
    scheduler="none", clients="4", mix="write:4,getattr:1", io_size="64k", file_size="2m",
    mount_options="actimeo=0,lookupcache=none,sync,wsize=32768", client_mounts="each", nfsd_threads="12"),
 "ref-v42-sync-16k-3-mounts-2x1q-10ms": dict(
    description="NFSv4.2 sync-mount 16 KiB rewrites, fstats and lookups of own 512 KiB files from 3 client mounts; null_blk timer 10 ms, two queues each 1 deep, mq-deadline, 8 nfsd threads",
    versions="4.2", device="nullb", nullb_gb="1",
    nullb_params="irqmode=2 completion_nsec=10000000 submit_queues=2 hw_queue_depth=1", scheduler="mq-deadline",
    clients="3", mix="write:3,getattr:1,lookup:1", io_size="16k", file_size="512k",
    mount_options="actimeo=0,lookupcache=none,sync", client_mounts="each", nfsd_threads="8"),
 "ref-v42-sync-32k-64k-files-6-workers-30ms": dict(
    description="NFSv4.2 sync-mount 32 KiB rewrites and fstats of own 64 KiB files from 6 workers on one mount; null_blk timer 30 ms, 2 queues 64 deep, no scheduler, 16 nfsd threads",
    versions="4.2", device="nullb", nullb_gb="1",
    nullb_params="irqmode=2 completion_nsec=30000000 submit_queues=2 hw_queue_depth=64", scheduler="none",
    clients="6", mix="write:3,getattr:1", io_size="32k", file_size="64k",
    mount_options="actimeo=0,lookupcache=none,sync", client_mounts="one", nfsd_threads="16"),
}

R1, R2, R3 = list(REFS)

# name: (reference, changed keys, description, truth)
INJ = {
 "queue-v3-sync-64k-wsize32k-1-thread": (R1, dict(nfsd_threads="1"), "ref-v3-sync-64k-wsize32k-4-mounts-50ms served by 1 nfsd thread instead of 12", "queue"),
 "queue-v42-sync-32k-6-workers-2-threads": (R3, dict(nfsd_threads="2"), "ref-v42-sync-32k-64k-files-6-workers-30ms served by 2 nfsd threads instead of 16", "queue"),
 "writeback-v3-sync-64k-wsize32k-64k-dirty": (R1, dict(sysctl=["vm.dirty_bytes=65536", "vm.dirty_background_bytes=16384"]), "ref-v3-sync-64k-wsize32k-4-mounts-50ms with vm.dirty_bytes = 64 KiB, vm.dirty_background_bytes = 16 KiB", "writeback"),
 "device-v42-sync-16k-2x1q-50ms": (R2, dict(nullb_params="irqmode=2 completion_nsec=50000000 submit_queues=2 hw_queue_depth=1"), "ref-v42-sync-16k-3-mounts-2x1q-10ms with the null_blk completing each request after 50 ms instead of 10 ms", "device"),
 "workload-v42-sync-16k-12-mounts": (R2, dict(clients="12"), "ref-v42-sync-16k-3-mounts-2x1q-10ms's load from 12 client mounts instead of 3", "workload"),
 "lock-v42-sync-32k-6-workers-shared-64k-file": (R3, dict(shared_file="true"), "ref-v42-sync-32k-64k-files-6-workers-30ms with all 6 workers rewriting one shared 64 KiB file", "lock"),
}

def conf(d, duration, comment=""):
    lines = [HEAD]
    if comment:
        lines += ["# " + l if l else "#" for l in comment.rstrip("\n").split("\n")]
    d = dict(d, duration=duration, settle="15s", trace_slack="15s")
    for k in KEYS:
        if k not in d:
            continue
        v = d[k]
        for x in (v if isinstance(v, list) else [v]):
            lines.append(f"{k} = {x}")
    return "\n".join(lines) + "\n"

def scenarios():
    out = {}
    for r, d in REFS.items():
        out[r + "-1"] = (r, d)
        out[r + "-2"] = (r, d)
    for n, (r, ch, desc, _) in INJ.items():
        out[n] = (n, dict(REFS[r], description=desc, **ch))
    return out

def render(duration, outdir, stories=None, only=None):
    os.makedirs(outdir, exist_ok=True)
    paths = []
    for n, (key, d) in scenarios().items():
        if only and n not in only:
            continue
        c = (stories or {}).get(key, "")
        p = os.path.join(outdir, n + ".conf")
        open(p, "w").write(conf(d, duration, c))
        paths.append(p)
    return paths

if __name__ == "__main__":
    dur = sys.argv[1]
    ps = render(dur, sys.argv[2])
    print(",".join(ps))
