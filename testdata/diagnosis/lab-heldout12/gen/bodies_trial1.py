# Scenario bodies (keys only); stories are added by finalize.py.
A = dict(desc="NFSv4.2 O_DIRECT 64 KiB writes and reads of own 32 MiB files from 4 client mounts; null_blk 6 ms completions, queue depth 2, mq-deadline; 16 nfsd threads",
 keys=[("versions","4.2"),("device","nullb"),("nullb_gb","1"),("nullb_params","irqmode=2 completion_nsec=6000000 submit_queues=1 hw_queue_depth=2"),
 ("scheduler","mq-deadline"),("clients","4"),("mix","read:4,write:2,getattr:1,lookup:1"),("io_size","64k"),("file_size","32m"),
 ("mount_options","actimeo=0,lookupcache=none"),("client_mounts","each"),("write_direct","true"),("nfsd_threads","16")])
B = dict(desc="NFSv3 O_DIRECT 512 KiB writes (4 UNSTABLE 128 KiB WRITEs + COMMIT each) into own 8 MiB files from 3 client mounts, with reads and lookups; null_blk 12 ms completions, queue depth 64; 16 nfsd threads",
 keys=[("versions","3"),("device","nullb"),("nullb_gb","1"),("nullb_params","irqmode=2 completion_nsec=12000000 submit_queues=2 hw_queue_depth=64"),
 ("scheduler","none"),("clients","3"),("mix","write:5,read:1,lookup:2"),("io_size","512k"),("file_size","8m"),
 ("mount_options","actimeo=0,lookupcache=none,rsize=131072,wsize=131072"),("client_mounts","each"),("write_direct","true"),("nfsd_threads","16")])
C = dict(desc="NFSv3 O_DIRECT whole-file 20 KiB rewrites (FILE_SYNC) of own 20 KiB files from 6 client mounts, with reads and fstats; dm-delay 25 ms (2-queue null_blk, no scheduler); 12 nfsd threads",
 keys=[("versions","3"),("device","nullb-delay"),("delay_ms","25"),("nullb_gb","1"),("nullb_params","submit_queues=2"),
 ("scheduler","none"),("clients","6"),("mix","write:3,read:2,getattr:1"),("io_size","20k"),("file_size","20k"),
 ("mount_options","actimeo=0,lookupcache=none"),("client_mounts","each"),("write_direct","true"),("nfsd_threads","12")])

def change(ref, key, val, desc, extra=None):
    keys = [(k, v) for k, v in ref["keys"]]
    if key == "sysctl":
        i = [k for k, _ in keys].index("scheduler") + 1
        keys[i:i] = [("sysctl", s) for s in val]
    else:
        ks = [k for k, _ in keys]
        if key in ks:
            keys[ks.index(key)] = (key, val)
        else:
            keys.insert(ks.index("client_mounts") + 1, (key, val))
    return dict(desc=desc, keys=keys)

S = {
 "ref-v42-direct-64k-reads-4-mounts-qd2-6ms": A,
 "ref-v3-direct-512k-wsize128k-3-mounts-12ms": B,
 "ref-v3-direct-20k-whole-6-mounts-25ms": C,
 "workload-v42-direct-64k-reads-12-mounts": change(A, "clients", "12", "ref-v42-direct-64k-reads-4-mounts-qd2-6ms with 12 client mounts for 4"),
 "device-v42-direct-64k-reads-15ms": change(A, "nullb_params", "irqmode=2 completion_nsec=15000000 submit_queues=1 hw_queue_depth=2", "ref-v42-direct-64k-reads-4-mounts-qd2-6ms with 15 ms null_blk completions for 6 ms"),
 "writeback-v3-direct-512k-256k-dirty": change(B, "sysctl", ["vm.dirty_bytes=262144","vm.dirty_background_bytes=131072"], "ref-v3-direct-512k-wsize128k-3-mounts-12ms with vm.dirty_bytes = 256 KiB, vm.dirty_background_bytes = 128 KiB"),
 "writeback-v3-direct-512k-96k-dirty": change(B, "sysctl", ["vm.dirty_bytes=98304","vm.dirty_background_bytes=49152"], "ref-v3-direct-512k-wsize128k-3-mounts-12ms with vm.dirty_bytes = 96 KiB, vm.dirty_background_bytes = 48 KiB"),
 "lock-v3-direct-20k-whole-shared-file": change(C, "shared_file", "true", "ref-v3-direct-20k-whole-6-mounts-25ms with one shared 20 KiB file for the six clients' own"),
 "queue-v3-direct-20k-whole-2-threads": change(C, "nfsd_threads", "2", "ref-v3-direct-20k-whole-6-mounts-25ms with 2 nfsd threads for 12"),
}
