#!/usr/bin/env python3
"""gen.py DURATION DIR NAME...: write each scenario's settings (no story comments) as DIR/NAME.conf."""
import sys
C = {}
# ref A: v4.2 buffered 32 KiB writes each followed (on average) by an fsync, 8 client mounts, 20 ms dm-delay, 16 threads
A = dict(versions="4.2", device="nullb-delay", delay_ms="20", nullb_gb="1", nullb_params="submit_queues=2",
         scheduler="none", clients="8", mix="write:2,commit:2,getattr:1,lookup:1", io_size="32k", file_size="512k",
         mount_options="actimeo=0,lookupcache=none", client_mounts="each", nfsd_threads="16")
C["ref-v42-commit-32k-8-mounts-20ms"] = A
C["device-v42-commit-32k-60ms"] = dict(A, delay_ms="60")
C["queue-v42-commit-32k-2-threads"] = dict(A, nfsd_threads="2")
# ref B: v3 sync-mount 128 KiB writes, O_DIRECT reads, lookups, 4 workers on one mount, null_blk 25 ms one queue 4 deep
B = dict(versions="3", device="nullb", nullb_gb="1",
         nullb_params="irqmode=2 completion_nsec=25000000 submit_queues=1 hw_queue_depth=4 max_sectors=256",
         scheduler="none", clients="4", mix="write:3,read:1,lookup:1", io_size="128k", file_size="1m",
         mount_options="actimeo=0,lookupcache=none,sync", client_mounts="one", nfsd_threads="8")
C["ref-v3-sync-128k-4-workers-qd4"] = B
C["lock-v3-sync-128k-shared-file"] = dict(B, shared_file="true")
C["workload-v3-sync-128k-12-workers"] = dict(B, clients="12")
# ref C (two candidates): v3 buffered rewrites with periodic fsyncs
C1 = dict(versions="3", device="nullb-delay", delay_ms="5", nullb_gb="1", nullb_params="submit_queues=2",
          scheduler="none", clients="2", mix="write:8,commit:1,getattr:1", io_size="64k", file_size="1m",
          mount_options="actimeo=0,lookupcache=none", client_mounts="each", nfsd_threads="8")
C["ref-v3-fsync-64k-1m-files-2-mounts"] = C1
C["writeback-v3-fsync-64k-64k-dirty"] = dict(C1, sysctl=["vm.dirty_bytes=65536", "vm.dirty_background_bytes=16384"])
C2 = dict(versions="3", device="nullb", nullb_gb="1",
          nullb_params="irqmode=2 completion_nsec=2000000 submit_queues=2 hw_queue_depth=8",
          scheduler="none", clients="3", mix="write:16,commit:1,getattr:1", io_size="4k", file_size="128k",
          mount_options="actimeo=0,lookupcache=none", client_mounts="one", nfsd_threads="8")
C["ref-v3-fsync-4k-128k-files-2ms"] = C2
C["writeback-v3-fsync-4k-64k-dirty"] = dict(C2, sysctl=["vm.dirty_bytes=65536", "vm.dirty_background_bytes=16384"])

# trial 2 redesigns: ref A more device-bound (40 ms, no lookups), ref B whole-file rewrites (io = file size)
A2 = dict(A, delay_ms="40", mix="write:2,commit:2,getattr:1")
C["ref-v42-commit-32k-8-mounts-40ms"] = A2
C["device-v42-commit-32k-160ms"] = dict(A2, delay_ms="160")
C["queue-v42-commit-32k-40ms-2-threads"] = dict(A2, nfsd_threads="2")
B2 = dict(B, file_size="128k")
C["ref-v3-sync-128k-whole-4-workers-qd4"] = B2
C["lock-v3-sync-128k-whole-shared-file"] = dict(B2, shared_file="true")
C["workload-v3-sync-128k-whole-16-workers"] = dict(B2, clients="16")

# trial 3 (the second run) redesigns: more device-bound references
A3 = dict(A, delay_ms="80", clients="6", mix="write:2,commit:2,getattr:1")
C["ref-v42-commit-32k-6-mounts-80ms"] = A3
C["device-v42-commit-32k-240ms"] = dict(A3, delay_ms="240")
C["queue-v42-commit-32k-80ms-2-threads"] = dict(A3, nfsd_threads="2")
B3 = dict(B, file_size="128k", nullb_params="irqmode=2 completion_nsec=50000000 submit_queues=1 hw_queue_depth=4 max_sectors=256")
C["ref-v3-sync-128k-whole-4-workers-50ms"] = B3
C["lock-v3-sync-128k-whole-shared-50ms"] = dict(B3, shared_file="true")
C["workload-v3-sync-128k-whole-16-workers-50ms"] = dict(B3, clients="16")
C3 = dict(C1, delay_ms="40", mix="write:3,commit:1,getattr:1")
C["ref-v3-fsync-64k-1m-files-40ms"] = C3
C["writeback-v3-fsync-64k-40ms-128k-dirty"] = dict(C3, sysctl=["vm.dirty_bytes=131072", "vm.dirty_background_bytes=32768"])
C["writeback-v3-fsync-64k-40ms-256k-dirty"] = dict(C3, sysctl=["vm.dirty_bytes=262144", "vm.dirty_background_bytes=65536"])
ORDER = ["versions", "duration", "settle", "trace_slack", "device", "delay_ms", "nullb_gb", "nullb_params", "scheduler",
         "sysctl", "clients", "mix", "io_size", "file_size", "mount_options", "client_mounts", "shared_file", "nfsd_threads"]
def base(n):
    return n[:-2] if n.endswith("-1") or n.endswith("-2") else n
def render(name, dur, header=""):
    s = dict(C[base(name)], duration=dur, settle="15s", trace_slack="15s")
    out = header + f"description = {s.get('description', base(name))}\n"
    for k in ORDER:
        if k not in s: continue
        v = s[k]
        for x in (v if isinstance(v, list) else [v]):
            out += f"{k} = {x}\n"
    return out
if __name__ == "__main__":
    dur, d = sys.argv[1], sys.argv[2]
    for n in sys.argv[3:]:
        open(f"{d}/{n}.conf", "w").write(render(n, dur))
