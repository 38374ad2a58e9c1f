# Every scenario's keys (lab-heldout14). The kept injected scenarios' descriptions were reworded after trial 2 (keys unchanged). References are rendered as NAME-1 and NAME-2.
A = [("versions", "4.2"), ("device", "nullb-delay"), ("delay_ms", "20"), ("nullb_gb", "1"),
     ("scheduler", "mq-deadline"), ("clients", "4"), ("mix", "write:3,read:2,getattr:1"),
     ("io_size", "8k"), ("file_size", "64k"), ("mount_options", "actimeo=0,lookupcache=none,sync"),
     ("client_mounts", "one"), ("nfsd_threads", "12")]
B = [("versions", "3"), ("device", "nullb-delay"), ("delay_ms", "8"), ("nullb_gb", "1"),
     ("nullb_params", "submit_queues=4"), ("scheduler", "none"), ("clients", "2"),
     ("mix", "write:4,read:1,lookup:1"), ("io_size", "1m"), ("file_size", "16m"),
     ("client_mounts", "each"), ("write_direct", "true"), ("nfsd_threads", "6")]
C = [("versions", "3"), ("device", "nullb"), ("nullb_gb", "1"), ("clients", "3"),
     ("mix", "getattr:3,lookup:3,read:2,write:1"), ("io_size", "12k"), ("file_size", "4m"),
     ("client_mounts", "each"), ("write_direct", "true"), ("nfsd_threads", "6")]

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
 "ref-v42-sync-8k-64k-files-4-workers-20ms": dict(desc="NFSv4.2 sync-mount 8 KiB writes into own 64 KiB files from 4 workers on one client mount, with O_DIRECT reads and fstats; dm-delay 20 ms over null_blk, mq-deadline; 12 nfsd threads", keys=A),
 "ref-v3-direct-1m-2-mounts-8ms": dict(desc="NFSv3 O_DIRECT 1 MiB writes (UNSTABLE WRITEs + COMMIT) into own 16 MiB files from 2 client mounts, with reads and lookups; dm-delay 8 ms over a 4-queue null_blk, no scheduler; 6 nfsd threads", keys=B),
 "ref-v3-meta-12k-3-mounts-nullb": dict(desc="NFSv3 metadata-heavy load (fstat, lookup) with 12 KiB O_DIRECT reads and writes on own 4 MiB files from 3 client mounts; memory null_blk, no added latency; 6 nfsd threads", keys=C),
 "lock-v42-sync-8k-shared-64k-file": dict(desc="ref-v42-sync-8k-64k-files-4-workers-20ms with one shared 64 KiB file for the four workers' own", keys=chg(A, shared_file="true")),
 "queue-v42-sync-8k-2-threads": dict(desc="as ref-v42-sync-8k-64k-files-4-workers-20ms, but 2 nfsd threads", keys=chg(A, nfsd_threads="2")),
 "queue-v42-sync-8k-1-thread": dict(desc="ref-v42-sync-8k-64k-files-4-workers-20ms with 1 nfsd thread for 12", keys=chg(A, nfsd_threads="1")),
 "device-v42-sync-8k-disk-25ms": dict(desc="ref-v42-sync-8k-64k-files-4-workers-20ms with the null_blk under the 20 ms dm-delay completing each request in 25 ms (timer completions) instead of at once", keys=chg(A, nullb_params="irqmode=2 completion_nsec=25000000")),
 "writeback-v3-direct-1m-256k-dirty": dict(desc="ref-v3-direct-1m-2-mounts-8ms with vm.dirty_bytes = 256 KiB, vm.dirty_background_bytes = 128 KiB", keys=sysctl(B, ["vm.dirty_bytes=262144", "vm.dirty_background_bytes=131072"])),
 "writeback-v3-direct-1m-128k-dirty": dict(desc="as ref-v3-direct-1m-2-mounts-8ms, but vm.dirty_bytes 128 KiB, vm.dirty_background_bytes 64 KiB", keys=sysctl(B, ["vm.dirty_bytes=131072", "vm.dirty_background_bytes=65536"])),
 "workload-v3-meta-12k-8-mounts": dict(desc="ref-v3-meta-12k-3-mounts-nullb with 8 client mounts for 3", keys=chg(C, clients="8")),
}

# Trial 2: the reservation reference with a write-heavier mix (write:4,read:1,getattr:1) to strengthen lock and device.
A2 = chg(A, mix="write:4,read:1,getattr:1")
S.update({
 "ref-v42-sync-8k-64k-files-4-workers-20ms-w4": dict(desc="NFSv4.2 sync-mount 8 KiB writes into own 64 KiB files from 4 workers on one client mount, with O_DIRECT reads and fstats (write:4,read:1,getattr:1); dm-delay 20 ms over null_blk, mq-deadline; 12 nfsd threads", keys=A2),
 "lock-v42-sync-8k-w4-shared-64k-file": dict(desc="as ref-v42-sync-8k-64k-files-4-workers-20ms-w4, but one shared 64 KiB file", keys=chg(A2, shared_file="true")),
 "queue-v42-sync-8k-w4-2-threads": dict(desc="as ref-v42-sync-8k-64k-files-4-workers-20ms-w4, but 2 nfsd threads", keys=chg(A2, nfsd_threads="2")),
 "queue-v42-sync-8k-w4-1-thread": dict(desc="as ref-v42-sync-8k-64k-files-4-workers-20ms-w4, but 1 nfsd thread", keys=chg(A2, nfsd_threads="1")),
 "device-v42-sync-8k-w4-disk-25ms": dict(desc="as ref-v42-sync-8k-64k-files-4-workers-20ms-w4, but null_blk 25 ms completions under the 20 ms dm-delay", keys=chg(A2, nullb_params="irqmode=2 completion_nsec=25000000")),
 "device-v42-sync-8k-w4-disk-40ms": dict(desc="as ref-v42-sync-8k-64k-files-4-workers-20ms-w4, but null_blk 40 ms completions under the 20 ms dm-delay", keys=chg(A2, nullb_params="irqmode=2 completion_nsec=40000000")),
})
