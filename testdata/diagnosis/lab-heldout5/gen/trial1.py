import os
D = "/work/lab5/scenarios"
os.makedirs(D, exist_ok=True)
KEYS = ["description","versions","duration","settle","trace_slack","device","delay_ms","nullb_gb","nullb_params",
        "scheduler","sysctl","clients","mix","io_size","file_size","mount_options","client_mounts","nfsd_threads","shared_file"]
def write(name, base, **over):
    s = dict(base); s.update(over)
    with open(f"{D}/{name}.conf","w") as f:
        f.write(f"# trial 1 candidate ({name})\n")
        for k in KEYS:
            if k not in s or s[k] is None: continue
            v = s[k]
            if isinstance(v, list):
                for x in v: f.write(f"{k} = {x}\n")
            else:
                f.write(f"{k} = {v}\n")
common = dict(duration="30s", settle="15s", trace_slack="15s")
A = dict(common, description="v3 log: 16 KiB buffered records each fsynced (WRITE+COMMIT) from 8 client mounts, own 64 KiB files, 45 ms null_blk (timer, 2x16 queues), 10 nfsd threads",
         versions="3", device="nullb", nullb_gb=1,
         nullb_params="irqmode=2 completion_nsec=45000000 submit_queues=2 hw_queue_depth=16",
         scheduler="none", clients=8, mix="write:4,commit:4,getattr:1", io_size="16k", file_size="64k",
         mount_options="actimeo=0,lookupcache=none", client_mounts="each", nfsd_threads=10)
W = dict(common, description="v3 checkpoints: 32 KiB buffered rewrites of 128 KiB files, fsync every 8th write, 3 clients, 2 MiB/s null_blk (mbps), 6 nfsd threads",
         versions="3", device="nullb", nullb_gb=1, nullb_params="mbps=2 max_sectors=64", scheduler="none",
         clients=3, mix="write:8,commit:1,getattr:1", io_size="32k", file_size="128k",
         mount_options="actimeo=0,lookupcache=none", nfsd_threads=6)
B = dict(common, description="v4.2 1 MiB stable writes and O_DIRECT reads (rsize/wsize 1 MiB) from 3 clients, own 8 MiB files, 16 MiB/s null_blk (mbps), mq-deadline, 6 nfsd threads",
         versions="4.2", device="nullb", nullb_gb=1, nullb_params="mbps=16 max_sectors=64", scheduler="mq-deadline",
         clients=3, mix="write:3,read:2,getattr:1", io_size="1m", file_size="8m",
         mount_options="actimeo=0,lookupcache=none,sync,rsize=1048576,wsize=1048576", nfsd_threads=6)
write("ref-v3-log-8-hosts", A)
write("ref-v3-ckpt-32k", W)
write("ref-v42-1m-sync", B)
write("queue-v3-log-2-threads", A, nfsd_threads=2)
write("queue-v3-log-3-threads", A, nfsd_threads=3)
write("lock-v3-log-shared-file", A, shared_file="true")
write("sched-v3-log-bfq", A, scheduler="bfq")
write("writeback-v3-ckpt-128k-dirty", W, sysctl=["vm.dirty_background_bytes=32768","vm.dirty_bytes=131072"])
write("writeback-v3-ckpt-256k-dirty", W, sysctl=["vm.dirty_background_bytes=65536","vm.dirty_bytes=262144"])
write("device-v42-1m-5mbps", B, nullb_params="mbps=5 max_sectors=64")
write("device-v42-1m-7mbps", B, nullb_params="mbps=7 max_sectors=64")
write("workload-v42-1m-9-clients", B, clients=9)
write("ref-v3-log-8-hosts-b", A)
write("ref-v3-ckpt-32k-b", W)
write("ref-v42-1m-sync-b", B)
