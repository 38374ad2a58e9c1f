# The set's scenarios (final names), without comments.
KEYS = ["description","versions","duration","settle","trace_slack","device","delay_ms","nullb_gb","nullb_params",
        "scheduler","sysctl","clients","mix","io_size","file_size","mount_options","client_mounts","nfsd_threads","shared_file"]
common = dict(settle="15s", trace_slack="15s")
A = dict(common, description="NFSv3 16 KiB records each fsynced (UNSTABLE WRITE + COMMIT) from 10 client mounts to their own 16 KiB files on a 150 ms null_blk (timer mode, 2x16 queues), 12 nfsd threads",
         versions="3", device="nullb", nullb_gb=1,
         nullb_params="irqmode=2 completion_nsec=150000000 submit_queues=2 hw_queue_depth=16",
         scheduler="none", clients=10, mix="write:4,commit:4,getattr:1", io_size="16k", file_size="16k",
         mount_options="actimeo=0,lookupcache=none", client_mounts="each", nfsd_threads=12)
W = dict(common, description="NFSv3 buffered 32 KiB rewrites of 128 KiB files with an fsync per 16 writes from 3 clients, default dirty limits; null_blk capped at mbps=2 (32 KiB requests), 6 nfsd threads",
         versions="3", device="nullb", nullb_gb=1, nullb_params="mbps=2 max_sectors=64", scheduler="none",
         clients=3, mix="write:16,commit:1,getattr:1", io_size="32k", file_size="128k",
         mount_options="actimeo=0,lookupcache=none", nfsd_threads=6)
B = dict(common, description="NFSv4.2 stable 1 MiB writes and O_DIRECT reads (rsize=wsize=1 MiB) from 3 clients to their own 8 MiB files on a null_blk capped at mbps=6 (32 KiB requests), mq-deadline, 10 nfsd threads",
         versions="4.2", device="nullb", nullb_gb=1, nullb_params="mbps=6 max_sectors=64", scheduler="mq-deadline",
         clients=3, mix="write:4,read:1,getattr:1", io_size="1m", file_size="8m",
         mount_options="actimeo=0,lookupcache=none,sync,rsize=1048576,wsize=1048576", nfsd_threads=10)
RA, RW, RB = "ref-v3-commit-16k-150ms-10-mounts", "ref-v3-fsync-32k-128k-files-2mbps", "ref-v42-sync-1m-6mbps-3-clients"
SET = [
 # name, ref, truth, overrides, description
 (RA+"-1", None, "none", {}, None),
 (RW+"-1", None, "none", {}, None),
 (RB+"-1", None, "none", {}, None),
 ("queue-v3-commit-16k-3-threads", RA, "queue", dict(nfsd_threads=3), RA+" served by 3 nfsd threads instead of 12"),
 ("lock-v3-commit-16k-shared-record", RA, "lock", dict(shared_file="true"), RA+" with every client mount rewriting one shared 16 KiB record file"),
 ("writeback-v3-fsync-32k-128k-dirty", RW, "writeback", dict(sysctl=["vm.dirty_background_bytes=32768","vm.dirty_bytes=131072"]), RW+" with vm.dirty_bytes=128K and vm.dirty_background_bytes=32K"),
 ("device-v42-sync-1m-2mbps", RB, "device", dict(nullb_params="mbps=2 max_sectors=64"), RB+" with the device capped at mbps=2 instead of 6"),
 ("workload-v42-sync-1m-8-clients", RB, "workload", dict(clients=8), RB+"'s load from 8 clients instead of 3"),
 (RA+"-2", None, "none", {}, None),
 (RW+"-2", None, "none", {}, None),
 (RB+"-2", None, "none", {}, None),
]
BASE = {RA: A, RW: W, RB: B}
def config(name, ref, over, desc):
    if ref is None:
        base = BASE[name[:-2]]
    else:
        base = BASE[ref]
    s = dict(base); s.update(over)
    if desc: s["description"] = desc
    return s
def render(s, duration):
    s = dict(s, duration=duration)
    out = []
    for k in KEYS:
        if k not in s or s[k] is None: continue
        v = s[k]
        for x in (v if isinstance(v, list) else [v]):
            out.append(f"{k} = {x}")
    return "\n".join(out) + "\n"
