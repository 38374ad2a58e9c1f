# Every scenario's keys (lab-heldout15). References are rendered as NAME-1 and NAME-2.
A = [("versions", "3"), ("device", "nullb-delay"), ("delay_ms", "10"), ("nullb_gb", "1"),
     ("nullb_params", "submit_queues=2"), ("scheduler", "none"), ("clients", "6"),
     ("mix", "write:4,lookup:1,getattr:1"), ("io_size", "28k"), ("file_size", "224k"),
     ("mount_options", "actimeo=0,lookupcache=none,sync"), ("client_mounts", "one"), ("nfsd_threads", "24")]
B = [("versions", "4.2"), ("device", "nullb-delay"), ("delay_ms", "6"), ("nullb_gb", "1"),
     ("nullb_params", "submit_queues=2"), ("scheduler", "mq-deadline"), ("clients", "3"),
     ("mix", "write:3,read:1,getattr:1"), ("io_size", "320k"), ("file_size", "10m"),
     ("client_mounts", "each"), ("write_direct", "true"), ("nfsd_threads", "8")]
C = [("versions", "3"), ("device", "nullb"), ("nullb_gb", "1"),
     ("nullb_params", "irqmode=2 completion_nsec=3000000 hw_queue_depth=1"), ("scheduler", "none"),
     ("clients", "3"), ("mix", "write:2,commit:1,lookup:2,getattr:1"), ("io_size", "96k"), ("file_size", "3m"),
     ("client_mounts", "each"), ("nfsd_threads", "10")]

def chg(base, **kw):
    out, seen = [], set()
    for k, v in base:
        if k in kw:
            v = kw[k]; seen.add(k)
        out.append((k, v))
    for k, v in kw.items():
        if k not in seen:
            out.append((k, v))
    return out

def sysctl(base, lines):
    return base + [("sysctl", l) for l in lines]

S = {
 "ref-v3-sync-28k-224k-files-6-workers-10ms": dict(desc="NFSv3 sync-mount 28 KiB writes into own 224 KiB files from 6 workers on one client mount, with lookups and fstats; dm-delay 10 ms over a 2-queue null_blk, no scheduler; 24 nfsd threads", keys=A),
 "ref-v42-direct-320k-3-mounts-6ms": dict(desc="NFSv4.2 O_DIRECT 320 KiB writes (UNSTABLE WRITEs + COMMIT) into own 10 MiB files from 3 client mounts, with O_DIRECT reads and fstats; dm-delay 6 ms over a 2-queue null_blk, mq-deadline; 8 nfsd threads", keys=B),
 "ref-v3-commit-96k-3-mounts-qd1-3ms": dict(desc="NFSv3 buffered 96 KiB writes flushed by fsync (UNSTABLE WRITEs + COMMIT) into own 3 MiB files from 3 client mounts, with lookups and fstats; null_blk taking one request at a time, 3 ms each, no scheduler; 10 nfsd threads", keys=C),
 "lock-v3-sync-28k-shared-224k-file": dict(desc="ref-v3-sync-28k-224k-files-6-workers-10ms with one shared 224 KiB file for the six workers' own", keys=chg(A, shared_file="true")),
 "queue-v3-sync-28k-2-threads": dict(desc="ref-v3-sync-28k-224k-files-6-workers-10ms with 2 nfsd threads for 24", keys=chg(A, nfsd_threads="2")),
 "queue-v3-sync-28k-1-thread": dict(desc="ref-v3-sync-28k-224k-files-6-workers-10ms with 1 nfsd thread for 24", keys=chg(A, nfsd_threads="1")),
 "device-v42-direct-320k-16ms": dict(desc="ref-v42-direct-320k-3-mounts-6ms with dm-delay 16 ms for 6", keys=chg(B, delay_ms="16")),
 "device-v42-direct-320k-24ms": dict(desc="ref-v42-direct-320k-3-mounts-6ms with dm-delay 24 ms for 6", keys=chg(B, delay_ms="24")),
 "writeback-v42-direct-320k-160k-dirty": dict(desc="ref-v42-direct-320k-3-mounts-6ms with vm.dirty_bytes = 160 KiB, vm.dirty_background_bytes = 80 KiB", keys=sysctl(B, ["vm.dirty_bytes=163840", "vm.dirty_background_bytes=81920"])),
 "writeback-v42-direct-320k-96k-dirty": dict(desc="ref-v42-direct-320k-3-mounts-6ms with vm.dirty_bytes = 96 KiB, vm.dirty_background_bytes = 48 KiB", keys=sysctl(B, ["vm.dirty_bytes=98304", "vm.dirty_background_bytes=49152"])),
 "workload-v3-commit-96k-7-mounts": dict(desc="ref-v3-commit-96k-3-mounts-qd1-3ms with 7 client mounts for 3", keys=chg(C, clients="7")),
 "workload-v3-commit-96k-9-mounts": dict(desc="ref-v3-commit-96k-3-mounts-qd1-3ms with 9 client mounts for 3", keys=chg(C, clients="9")),
}

# Trial 2: a longer link for the device scenario (24 ms gave x1.72 in trial 1).
S.update({
 "device-v42-direct-320k-32ms": dict(desc="ref-v42-direct-320k-3-mounts-6ms with dm-delay 32 ms for 6", keys=chg(B, delay_ms="32")),
})
