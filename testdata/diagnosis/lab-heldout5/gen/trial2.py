import os, sys
sys.path.insert(0, "/work/lab5/gen")
D = "/work/lab5/scenarios"
os.makedirs(D, exist_ok=True)
KEYS = ["description","versions","duration","settle","trace_slack","device","delay_ms","nullb_gb","nullb_params",
        "scheduler","sysctl","clients","mix","io_size","file_size","mount_options","client_mounts","nfsd_threads","shared_file"]
def write(name, base, **over):
    s = dict(base); s.update(over)
    with open(f"{D}/{name}.conf","w") as f:
        f.write(f"# trial 2 candidate ({name})\n")
        for k in KEYS:
            if k not in s or s[k] is None: continue
            v = s[k]
            for x in (v if isinstance(v, list) else [v]):
                f.write(f"{k} = {x}\n")
common = dict(duration="30s", settle="15s", trace_slack="15s")
A2 = dict(common, description="v3 log: 16 KiB records each fsynced (WRITE+COMMIT) from 8 client mounts, own 16 KiB files, 45 ms null_blk (timer, 2x16 queues), 10 nfsd threads",
         versions="3", device="nullb", nullb_gb=1,
         nullb_params="irqmode=2 completion_nsec=45000000 submit_queues=2 hw_queue_depth=16",
         scheduler="none", clients=8, mix="write:4,commit:4,getattr:1", io_size="16k", file_size="16k",
         mount_options="actimeo=0,lookupcache=none", client_mounts="each", nfsd_threads=10)
A3 = dict(A2, nullb_params="irqmode=2 completion_nsec=80000000 submit_queues=2 hw_queue_depth=16",
         description="v3 log: 16 KiB records each fsynced (WRITE+COMMIT) from 8 client mounts, own 16 KiB files, 80 ms null_blk (timer, 2x16 queues), 10 nfsd threads")
AS = dict(A2, mix="write:8,getattr:1", mount_options="actimeo=0,lookupcache=none,sync",
         description="v3 stable 16 KiB record rewrites (sync mount) from 8 client mounts, own 16 KiB files, 45 ms null_blk (timer), 10 nfsd threads")
W = dict(common, description="v3 checkpoints: 32 KiB buffered rewrites of 128 KiB files, fsync every 8th write, 3 clients, 2 MiB/s null_blk (mbps), 6 nfsd threads",
         versions="3", device="nullb", nullb_gb=1, nullb_params="mbps=2 max_sectors=64", scheduler="none",
         clients=3, mix="write:8,commit:1,getattr:1", io_size="32k", file_size="128k",
         mount_options="actimeo=0,lookupcache=none", nfsd_threads=6)
B2 = dict(common, description="v4.2 1 MiB stable writes and some O_DIRECT reads (rsize/wsize 1 MiB) from 3 clients, own 8 MiB files, null_blk at mbps=6 (96 KiB per 20 ms tick), mq-deadline, 6 nfsd threads",
         versions="4.2", device="nullb", nullb_gb=1, nullb_params="mbps=6 max_sectors=64", scheduler="mq-deadline",
         clients=3, mix="write:4,read:1,getattr:1", io_size="1m", file_size="8m",
         mount_options="actimeo=0,lookupcache=none,sync,rsize=1048576,wsize=1048576", nfsd_threads=6)
order = []
def w(name, base, **over):
    write(name, base, **over); order.append(name)
w("ref-v3-log16-45ms", A2)
w("ref-v3-log16-80ms", A3)
w("ref-v42-1m-6mbps", B2)
w("ref-v3-ckpt-32k", W)
w("lock-v3-log16-45ms-shared", A2, shared_file="true")
w("queue-v3-log16-45ms-2-threads", A2, nfsd_threads=2)
w("lock-v3-log16-80ms-shared", A3, shared_file="true")
w("queue-v3-log16-80ms-2-threads", A3, nfsd_threads=2)
w("ref-v3-sync16-45ms", AS)
w("lock-v3-sync16-45ms-shared", AS, shared_file="true")
w("writeback-v3-ckpt-64k-dirty", W, sysctl=["vm.dirty_background_bytes=16384","vm.dirty_bytes=65536"])
w("writeback-v3-ckpt-96k-dirty", W, sysctl=["vm.dirty_background_bytes=24576","vm.dirty_bytes=98304"])
w("device-v42-1m-2mbps", B2, nullb_params="mbps=2 max_sectors=64")
w("workload-v42-1m-8-clients", B2, clients=8)
w("ref-v3-log16-45ms-b", A2)
w("ref-v3-log16-80ms-b", A3)
w("ref-v42-1m-6mbps-b", B2)
open("/tmp/lab5trial2.list","w").write(",".join(f"{D}/{n}.conf" for n in order))
print(len(order))
