#!/usr/bin/env python3
"""Definitions of lab-heldout6's scenarios; renders scenarios/*.conf.
usage: gen.py DURATION [comments.json]"""
import json, os, sys

HDR = ("# Written for the sixth blind lab set (lab-heldout6, 2026-12-06), by a helper who never ran compare "
       "on it: checked by trial runs (the lab client's load.json only), never compared before it was scored.")

REFS = {
 "ref-v3-sync-4k-30ms-6-clients": dict(
   description="NFSv3 FILE_SYNC 4 KiB writes (sync mount), O_DIRECT 4 KiB reads and lookups from 6 clients on one mount to their own 1 MiB files; dm-delay 30 ms over null_blk under mq-deadline, 12 nfsd threads",
   versions="3", device="nullb-delay", delay_ms="30", nullb_gb="1", scheduler="mq-deadline",
   clients="6", mix="write:5,read:2,lookup:1", io_size="4k", file_size="1m",
   mount_options="actimeo=0,lookupcache=none,sync", client_mounts="one", nfsd_threads="12"),
 "ref-v42-sync-128k-qd2-3-mounts": dict(
   description="NFSv4.2 stable 128 KiB writes and O_DIRECT reads (rsize=wsize=128 KiB) from 3 client mounts to their own 2 MiB files; null_blk timer 15 ms, one queue 2 deep, 32 KiB requests, no IO scheduler, 16 nfsd threads",
   versions="4.2", device="nullb", nullb_gb="1",
   nullb_params="irqmode=2 completion_nsec=15000000 submit_queues=1 hw_queue_depth=2 max_sectors=64",
   scheduler="none", clients="3", mix="write:3,read:1,getattr:1", io_size="128k", file_size="2m",
   mount_options="actimeo=0,lookupcache=none,sync,rsize=131072,wsize=131072", client_mounts="each",
   nfsd_threads="16"),
 "ref-v3-buffered-8k-512k-files-4ms": dict(
   description="NFSv3 buffered 8 KiB rewrites of 512 KiB files with an fsync per 24 writes, getattrs and lookups from 4 clients, default dirty limits; null_blk timer 4 ms (2 queues, 8 deep), no IO scheduler, 8 nfsd threads",
   versions="3", device="nullb", nullb_gb="1",
   nullb_params="irqmode=2 completion_nsec=4000000 submit_queues=2 hw_queue_depth=8",
   scheduler="none", clients="4", mix="write:24,commit:1,getattr:2,lookup:2", io_size="8k", file_size="512k",
   mount_options="actimeo=0,lookupcache=none,rsize=32768,wsize=32768", client_mounts="one", nfsd_threads="8"),
}

for fs in ("16k", "8k"):
    REFS[f"ref-v3-sync-4k-{fs}-files-6-clients"] = dict(REFS["ref-v3-sync-4k-30ms-6-clients"], file_size=fs,
        description=f"NFSv3 FILE_SYNC 4 KiB writes (sync mount), O_DIRECT 4 KiB reads and lookups from 6 clients on one mount to their own {fs[:-1]} KiB files; dm-delay 30 ms over null_blk under mq-deadline, 12 nfsd threads")

# name: (reference, cause, key changes, description)
INJ = {
 "queue-v3-sync-4k-8k-files-2-threads": ("ref-v3-sync-4k-8k-files-6-clients", "queue", dict(nfsd_threads="2"),
   "ref-v3-sync-4k-8k-files-6-clients served by 2 nfsd threads instead of 12"),
 "queue-v3-sync-4k-16k-files-2-threads": ("ref-v3-sync-4k-16k-files-6-clients", "queue", dict(nfsd_threads="2"),
   "ref-v3-sync-4k-16k-files-6-clients served by 2 nfsd threads instead of 12"),
 "lock-v3-sync-4k-shared-16k-file": ("ref-v3-sync-4k-16k-files-6-clients", "lock", dict(shared_file="true"),
   "ref-v3-sync-4k-16k-files-6-clients with every client writing and reading one shared 16 KiB file"),
 "lock-v3-sync-4k-shared-8k-file": ("ref-v3-sync-4k-8k-files-6-clients", "lock", dict(shared_file="true"),
   "ref-v3-sync-4k-8k-files-6-clients with every client writing and reading one shared 8 KiB file"),
 "writeback-v3-buffered-8k-64k-dirty": ("ref-v3-buffered-8k-512k-files-4ms", "writeback",
   dict(sysctl=["vm.dirty_background_bytes=16384", "vm.dirty_bytes=65536"]),
   "ref-v3-buffered-8k-512k-files-4ms with vm.dirty_bytes=64K and vm.dirty_background_bytes=16K"),
 "writeback-v3-buffered-8k-96k-dirty": ("ref-v3-buffered-8k-512k-files-4ms", "writeback",
   dict(sysctl=["vm.dirty_background_bytes=24576", "vm.dirty_bytes=98304"]),
   "ref-v3-buffered-8k-512k-files-4ms with vm.dirty_bytes=96K and vm.dirty_background_bytes=24K"),
 "queue-v3-sync-4k-2-threads": ("ref-v3-sync-4k-30ms-6-clients", "queue", dict(nfsd_threads="2"),
   "ref-v3-sync-4k-30ms-6-clients served by 2 nfsd threads instead of 12"),
 "lock-v3-sync-4k-shared-file": ("ref-v3-sync-4k-30ms-6-clients", "lock", dict(shared_file="true"),
   "ref-v3-sync-4k-30ms-6-clients with every client writing and reading one shared file"),
 "device-v42-sync-128k-45ms": ("ref-v42-sync-128k-qd2-3-mounts", "device",
   dict(nullb_params="irqmode=2 completion_nsec=45000000 submit_queues=1 hw_queue_depth=2 max_sectors=64"),
   "ref-v42-sync-128k-qd2-3-mounts with the null_blk completing each request after 45 ms instead of 15 ms"),
 "workload-v42-sync-128k-9-mounts": ("ref-v42-sync-128k-qd2-3-mounts", "workload", dict(clients="9"),
   "ref-v42-sync-128k-qd2-3-mounts's load from 9 client mounts instead of 3"),
 "writeback-v3-buffered-8k-256k-dirty": ("ref-v3-buffered-8k-512k-files-4ms", "writeback",
   dict(sysctl=["vm.dirty_background_bytes=65536", "vm.dirty_bytes=262144"]),
   "ref-v3-buffered-8k-512k-files-4ms with vm.dirty_bytes=256K and vm.dirty_background_bytes=64K"),
 "writeback-v3-buffered-8k-128k-dirty": ("ref-v3-buffered-8k-512k-files-4ms", "writeback",
   dict(sysctl=["vm.dirty_background_bytes=32768", "vm.dirty_bytes=131072"]),
   "ref-v3-buffered-8k-512k-files-4ms with vm.dirty_bytes=128K and vm.dirty_background_bytes=32K"),
}

# The set as recorded (the others above were trial variants).
FINAL_REFS = ["ref-v3-sync-4k-8k-files-6-clients", "ref-v42-sync-128k-qd2-3-mounts", "ref-v3-buffered-8k-512k-files-4ms"]
FINAL_INJ = ["queue-v3-sync-4k-8k-files-2-threads", "lock-v3-sync-4k-shared-8k-file", "device-v42-sync-128k-45ms",
             "workload-v42-sync-128k-9-mounts", "writeback-v3-buffered-8k-64k-dirty"]

ORDER = ["description", "versions", "duration", "settle", "trace_slack", "device", "delay_ms", "nullb_gb",
         "nullb_params", "scheduler", "sysctl", "clients", "mix", "io_size", "file_size", "mount_options",
         "client_mounts", "nfsd_threads", "shared_file"]

def render(d, duration, comment):
    d = dict(d, duration=duration, settle="15s", trace_slack="15s")
    lines = [HDR] + ["# " + l for l in comment] if comment is not None else [HDR]
    for k in ORDER:
        if k not in d: continue
        v = d[k]
        for x in (v if isinstance(v, list) else [v]):
            lines.append(f"{k} = {x}")
    return "\n".join(lines) + "\n"

def defs():
    out = {}
    for n, d in REFS.items():
        out[n + "-1"] = d; out[n + "-2"] = d
    for n, (ref, cause, ch, desc) in INJ.items():
        out[n] = dict(REFS[ref], **ch, description=desc)
    return out

if __name__ == "__main__":
    if sys.argv[1] == "final":
        import glob
        comments = json.load(open("/work/lab6/stories.json"))
        for f in glob.glob("/work/lab6/scenarios/*.conf"): os.remove(f)
        for n in FINAL_REFS:
            for i in ("1", "2"):
                open(f"/work/lab6/scenarios/{n}-{i}.conf", "w").write(render(REFS[n], "90s", comments[n]))
        for n in FINAL_INJ:
            ref, cause, ch, desc = INJ[n]
            open(f"/work/lab6/scenarios/{n}.conf", "w").write(render(dict(REFS[ref], **ch, description=desc), "90s", comments[n]))
        sys.exit(0)
    dur = sys.argv[1]
    comments = json.load(open(sys.argv[2])) if len(sys.argv) > 2 else {}
    only = set(sys.argv[3].split(",")) if len(sys.argv) > 3 else None
    for n, d in defs().items():
        if only is not None and n not in only: continue
        key = n[:-2] if n.endswith(("-1", "-2")) and n[:-2] in REFS else n
        open(f"/work/lab6/scenarios/{n}.conf", "w").write(render(d, dur, comments.get(key)))
