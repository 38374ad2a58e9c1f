# Every scenario's keys (trial 1 set). Reference names: ref-...; injected: one key changed.
A = [("versions","4.2"),("device","nullb-delay"),("delay_ms","18"),("nullb_gb","1"),("nullb_params","submit_queues=4"),
     ("scheduler","mq-deadline"),("clients","7"),("mix","write:3,read:1,getattr:1"),("io_size","20k"),("file_size","40k"),
     ("mount_options","actimeo=0,lookupcache=none,sync"),("client_mounts","one"),("nfsd_threads","20")]
B = [("versions","3"),("device","nullb"),("nullb_gb","1"),("nullb_params","irqmode=2 completion_nsec=2000000 submit_queues=2 hw_queue_depth=16"),
     ("scheduler","kyber"),("clients","2"),("mix","write:2,read:1,getattr:1"),("io_size","768k"),("file_size","24m"),
     ("mount_options","actimeo=0,lookupcache=none,nconnect=4"),("client_mounts","each"),("write_direct","true"),("nfsd_threads","12")]
C = [("versions","4.2"),("device","nullb"),("nullb_gb","1"),("nullb_params","irqmode=2 completion_nsec=8000000 submit_queues=1 hw_queue_depth=2"),
     ("scheduler","none"),("clients","4"),("mix","write:3,commit:2,lookup:1"),("io_size","12k"),("file_size","1536k"),
     ("client_mounts","each"),("nfsd_threads","16")]
def ch(base, **kw):
    out = []
    for k, v in base:
        if k in kw: v = kw.pop(k)
        out.append((k, v))
    for k, v in kw.items(): out.append((k, v))
    return out
def addsys(base, *lines):
    return base + [("sysctl", l) for l in lines]
S = {
 "ref-v42-sync-20k-40k-files-7-workers-18ms": dict(keys=A, desc="NFSv4.2 sync-mount 20 KiB writes into own 40 KiB files from 7 workers on one client mount, with O_DIRECT reads and fstats; dm-delay 18 ms over a 4-queue null_blk, mq-deadline; 20 nfsd threads"),
 "ref-v3-direct-768k-nconnect4-2-mounts-2ms": dict(keys=B, desc="NFSv3 O_DIRECT 768 KiB writes (UNSTABLE WRITEs + COMMIT) into own 24 MiB files from 2 client mounts with nconnect=4, with O_DIRECT reads and fstats; null_blk 2 ms completions, depth 16, kyber; 12 nfsd threads"),
 "ref-v42-fsync-12k-4-mounts-qd2-8ms": dict(keys=C, desc="NFSv4.2 buffered 12 KiB writes flushed by fsync into own 1.5 MiB files from 4 client mounts, with lookups; null_blk taking two requests at a time, 8 ms each, no scheduler; 16 nfsd threads"),
 "lock-v42-sync-20k-shared-40k-file": dict(keys=ch(A, shared_file="true"), desc="ref-v42-sync-20k-40k-files-7-workers-18ms with one shared 40 KiB file for the seven workers' own"),
 "queue-v42-sync-20k-2-threads": dict(keys=ch(A, nfsd_threads="2"), desc="ref-v42-sync-20k-40k-files-7-workers-18ms with 2 nfsd threads for 20"),
 "queue-v42-sync-20k-3-threads": dict(keys=ch(A, nfsd_threads="3"), desc="ref-v42-sync-20k-40k-files-7-workers-18ms with 3 nfsd threads for 20"),
 "writeback-v3-direct-768k-192k-dirty": dict(keys=addsys(B, "vm.dirty_bytes=196608", "vm.dirty_background_bytes=98304"), desc="ref-v3-direct-768k-nconnect4-2-mounts-2ms with vm.dirty_bytes = 192 KiB, vm.dirty_background_bytes = 96 KiB"),
 "writeback-v3-direct-768k-384k-dirty": dict(keys=addsys(B, "vm.dirty_bytes=393216", "vm.dirty_background_bytes=131072"), desc="ref-v3-direct-768k-nconnect4-2-mounts-2ms with vm.dirty_bytes = 384 KiB, vm.dirty_background_bytes = 128 KiB"),
 "device-v3-direct-768k-7ms": dict(keys=ch(B, nullb_params="irqmode=2 completion_nsec=7000000 submit_queues=2 hw_queue_depth=16"), desc="ref-v3-direct-768k-nconnect4-2-mounts-2ms with null_blk completions of 7 ms for 2 ms"),
 "device-v3-direct-768k-10ms": dict(keys=ch(B, nullb_params="irqmode=2 completion_nsec=10000000 submit_queues=2 hw_queue_depth=16"), desc="ref-v3-direct-768k-nconnect4-2-mounts-2ms with null_blk completions of 10 ms for 2 ms"),
 "workload-v42-fsync-12k-11-mounts": dict(keys=ch(C, clients="11"), desc="ref-v42-fsync-12k-4-mounts-qd2-8ms with 11 client mounts for 4"),
 "workload-v42-fsync-12k-8-mounts": dict(keys=ch(C, clients="8"), desc="ref-v42-fsync-12k-4-mounts-qd2-8ms with 8 client mounts for 4"),
 "device-v3-direct-768k-14ms": dict(keys=ch(B, nullb_params="irqmode=2 completion_nsec=14000000 submit_queues=2 hw_queue_depth=16"), desc="ref-v3-direct-768k-nconnect4-2-mounts-2ms with null_blk completions of 14 ms for 2 ms"),
 "device-v3-direct-768k-20ms": dict(keys=ch(B, nullb_params="irqmode=2 completion_nsec=20000000 submit_queues=2 hw_queue_depth=16"), desc="ref-v3-direct-768k-nconnect4-2-mounts-2ms with null_blk completions of 20 ms for 2 ms"),
}
