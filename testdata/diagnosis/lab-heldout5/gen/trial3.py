import os
D = "/work/lab5/scenarios"
os.makedirs(D, exist_ok=True)
KEYS = ["description","versions","duration","settle","trace_slack","device","delay_ms","nullb_gb","nullb_params",
        "scheduler","sysctl","clients","mix","io_size","file_size","mount_options","client_mounts","nfsd_threads","shared_file"]
order = []
def w(name, base, **over):
    s = dict(base); s.update(over)
    with open(f"{D}/{name}.conf","w") as f:
        f.write(f"# trial 3 candidate ({name})\n")
        for k in KEYS:
            if k not in s or s[k] is None: continue
            v = s[k]
            for x in (v if isinstance(v, list) else [v]):
                f.write(f"{k} = {x}\n")
    order.append(name)
common = dict(duration="30s", settle="15s", trace_slack="15s")
A3 = dict(common, description="v3 log: 16 KiB records each fsynced (WRITE+COMMIT) from 8 client mounts, own 16 KiB files, 80 ms null_blk (timer, 2x16 queues), 10 nfsd threads",
         versions="3", device="nullb", nullb_gb=1,
         nullb_params="irqmode=2 completion_nsec=80000000 submit_queues=2 hw_queue_depth=16",
         scheduler="none", clients=8, mix="write:4,commit:4,getattr:1", io_size="16k", file_size="16k",
         mount_options="actimeo=0,lookupcache=none", client_mounts="each", nfsd_threads=10)
A4 = dict(A3, nullb_params="irqmode=2 completion_nsec=100000000 submit_queues=2 hw_queue_depth=16", clients=10, nfsd_threads=12,
         description="v3 log: 16 KiB records each fsynced (WRITE+COMMIT) from 10 client mounts, own 16 KiB files, 100 ms null_blk (timer, 2x16 queues), 12 nfsd threads")
W2 = dict(common, description="v3 checkpoints: 32 KiB buffered rewrites of 128 KiB files, fsync every 16th write, 3 clients, 2 MiB/s null_blk (mbps), 6 nfsd threads",
         versions="3", device="nullb", nullb_gb=1, nullb_params="mbps=2 max_sectors=64", scheduler="none",
         clients=3, mix="write:16,commit:1,getattr:1", io_size="32k", file_size="128k",
         mount_options="actimeo=0,lookupcache=none", nfsd_threads=6)
B2 = dict(common, description="v4.2 1 MiB stable writes and some O_DIRECT reads (rsize/wsize 1 MiB) from 3 clients, own 8 MiB files, null_blk at mbps=6 (96 KiB per 20 ms tick), mq-deadline, 6 nfsd threads",
         versions="4.2", device="nullb", nullb_gb=1, nullb_params="mbps=6 max_sectors=64", scheduler="mq-deadline",
         clients=3, mix="write:4,read:1,getattr:1", io_size="1m", file_size="8m",
         mount_options="actimeo=0,lookupcache=none,sync,rsize=1048576,wsize=1048576", nfsd_threads=6)
w("ref-v3-log16-80ms", A3)
w("ref-v3-log16-100ms-10", A4)
w("ref-v3-ckpt16-32k", W2)
w("ref-v42-1m-6mbps", B2)
w("lock-v3-log16-80ms-shared", A3, shared_file="true")
w("lock-v3-log16-100ms-10-shared", A4, shared_file="true")
w("queue-v3-log16-100ms-10-3-threads", A4, nfsd_threads=3)
w("writeback-v3-ckpt16-128k-dirty", W2, sysctl=["vm.dirty_background_bytes=32768","vm.dirty_bytes=131072"])
w("writeback-v3-ckpt16-256k-dirty", W2, sysctl=["vm.dirty_background_bytes=65536","vm.dirty_bytes=262144"])
w("ref-v3-log16-100ms-10-b", A4)
w("ref-v3-ckpt16-32k-b", W2)
w("ref-v42-1m-6mbps-b", B2)
w("ref-v3-log16-80ms-b", A3)
open("/tmp/lab5trial3.list","w").write(",".join(f"{D}/{n}.conf" for n in order))
print(len(order))
