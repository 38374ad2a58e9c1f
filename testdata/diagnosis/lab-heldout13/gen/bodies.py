# Scenario bodies (keys only); stories are added by render.py from stories/NAME.txt.
A = dict(desc="NFSv3 sync-mount 16 KiB whole-file rewrites of own 16 KiB files from 7 workers on one client mount, with fstats and lookups; null_blk 35 ms completions, queue depth 8, mq-deadline; 10 nfsd threads",
 keys=[("versions","3"),("device","nullb"),("nullb_gb","1"),("nullb_params","irqmode=2 completion_nsec=35000000 submit_queues=1 hw_queue_depth=8"),
 ("scheduler","mq-deadline"),("clients","7"),("mix","write:3,getattr:2,lookup:2"),("io_size","16k"),("file_size","16k"),
 ("mount_options","actimeo=0,lookupcache=none,sync"),("client_mounts","one"),("nfsd_threads","10")])
B = dict(desc="NFSv4.2 O_DIRECT 256 KiB writes (FILE_SYNC) and reads of own 4 MiB files from 4 client mounts, with fstats and lookups; null_blk capped at 16 MB/s, 128 KiB requests, no scheduler; 12 nfsd threads",
 keys=[("versions","4.2"),("device","nullb"),("nullb_gb","1"),("nullb_params","mbps=16 max_sectors=256"),
 ("scheduler","none"),("clients","4"),("mix","write:2,read:2,getattr:1,lookup:1"),("io_size","256k"),("file_size","4m"),
 ("mount_options","actimeo=0,lookupcache=none"),("client_mounts","each"),("write_direct","true"),("nfsd_threads","12")])
C = dict(desc="NFSv3 O_DIRECT 192 KiB writes (3 UNSTABLE 64 KiB WRITEs + COMMIT each) into own 6 MiB files from 6 client mounts, with reads and lookups; dm-delay 15 ms (2-queue null_blk, no scheduler); 20 nfsd threads",
 keys=[("versions","3"),("device","nullb-delay"),("delay_ms","15"),("nullb_gb","1"),("nullb_params","submit_queues=2"),
 ("scheduler","none"),("clients","6"),("mix","write:4,read:1,lookup:1"),("io_size","192k"),("file_size","6m"),
 ("mount_options","actimeo=0,lookupcache=none,rsize=65536,wsize=65536"),("client_mounts","each"),("write_direct","true"),("nfsd_threads","20")])

def change(ref, key, val, desc):
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

AR = "ref-v3-sync-16k-whole-7-workers-qd8-35ms"
BR = "ref-v42-direct-256k-4-mounts-16mbps"
CR = "ref-v3-direct-192k-wsize64k-6-mounts-15ms"
S = {
 AR: A, BR: B, CR: C,
 "lock-v3-sync-16k-whole-shared-file": change(A, "shared_file", "true", AR + " with one shared 16 KiB file for the seven workers' own"),
 "device-v3-sync-16k-whole-qd1": change(A, "nullb_params", "irqmode=2 completion_nsec=35000000 submit_queues=1 hw_queue_depth=1", AR + " with a device queue depth of 1 for 8 (same 35 ms completions)"),
 "device-v3-sync-16k-whole-90ms": change(A, "nullb_params", "irqmode=2 completion_nsec=90000000 submit_queues=1 hw_queue_depth=8", AR + " with 90 ms null_blk completions for 35 ms"),
 "workload-v42-direct-256k-10-mounts": change(B, "clients", "10", BR + " with 10 client mounts for 4"),
 "writeback-v3-direct-192k-256k-dirty": change(C, "sysctl", ["vm.dirty_bytes=262144","vm.dirty_background_bytes=131072"], CR + " with vm.dirty_bytes = 256 KiB, vm.dirty_background_bytes = 128 KiB"),
 "writeback-v3-direct-192k-128k-dirty": change(C, "sysctl", ["vm.dirty_bytes=131072","vm.dirty_background_bytes=65536"], CR + " with vm.dirty_bytes = 128 KiB, vm.dirty_background_bytes = 64 KiB"),
 "queue-v3-direct-192k-3-threads": change(C, "nfsd_threads", "3", CR + " with 3 nfsd threads for 20"),
 "queue-v3-direct-192k-2-threads": change(C, "nfsd_threads", "2", CR + " with 2 nfsd threads for 20"),
}

# trial 2 additions
A5 = change(A, "clients", "5", "")
A5["desc"] = A["desc"].replace("7 workers", "5 workers")
A5R = "ref-v3-sync-16k-whole-5-workers-qd8-35ms"
S.update({
 A5R: A5,
 "queue-v3-sync-16k-whole-3-threads": change(A, "nfsd_threads", "3", AR + " with 3 nfsd threads for 10"),
 "queue-v3-sync-16k-whole-4-threads": change(A, "nfsd_threads", "4", AR + " with 4 nfsd threads for 10"),
 "lock-v3-sync-16k-5w-shared-file": change(A5, "shared_file", "true", A5R + " with one shared 16 KiB file for the five workers' own"),
 "device-v3-sync-16k-5w-qd1": change(A5, "nullb_params", "irqmode=2 completion_nsec=35000000 submit_queues=1 hw_queue_depth=1", A5R + " with a device queue depth of 1 for 8 (same 35 ms completions)"),
 "queue-v3-sync-16k-5w-3-threads": change(A5, "nfsd_threads", "3", A5R + " with 3 nfsd threads for 10"),
 "lock-v3-direct-192k-shared-file": change(C, "shared_file", "true", CR + " with one shared 6 MiB file for the six hosts' own"),
 "writeback-v3-direct-192k-96k-dirty": change(C, "sysctl", ["vm.dirty_bytes=98304","vm.dirty_background_bytes=49152"], CR + " with vm.dirty_bytes = 96 KiB, vm.dirty_background_bytes = 48 KiB"),
})
