import json
R1 = "ref-v3-sync-64k-wsize32k-4-mounts-50ms"
R2 = "ref-v42-sync-16k-3-mounts-2x1q-10ms"
R3 = "ref-v42-sync-32k-64k-files-6-workers-30ms"
s = {}
s["_keep"] = ["writeback-v3-sync-64k-wsize32k-64k-dirty", "device-v42-sync-16k-2x1q-50ms",
              "workload-v42-sync-16k-12-mounts", "lock-v42-sync-32k-6-workers-shared-64k-file",
              "queue-v42-sync-32k-6-workers-2-threads"]
s["_description"] = ("The tenth blind set on the real-nfsd lab: NFSv3 and NFSv4.2 clients in the lab guest (Debian 6.1 and 6.12) "
  "loading the guest's own nfsd, 90 s of load per capture (scenarios/*.conf), scored once as recorded: B with the scenario's "
  "cause (writeback: dirty limits of 64 KiB / 16 KiB under NFSv3 sync-mount 64 KiB writes sent as two 32 KiB FILE_SYNC WRITEs "
  "to a 50 ms dm-delay; device: a null_blk of two 1-deep queues completing each request after 50 ms instead of 10 ms; "
  "workload: 12 client mounts instead of 3 on that 10 ms device; lock: six workers on one NFSv4.2 sync mount rewriting one "
  "shared 64 KiB file instead of one each; queue: 2 nfsd threads instead of 16 for those six workers), or a second run of A's "
  "scenario (truth none). Written before any capture was compared; each capture's NAME.load.json is the lab client's own "
  "count of what it did, the pair's effect.")
s[R1] = """Reference: four render nodes of a small studio, each with its own NFSv3 mount of the shared job store (mounted
`sync`, and wsize = 32 KiB, a setting kept from an old firewall that mangled large frames), checkpointing 64 KiB tiles
of their own 2 MiB frame-state files: every write() leaves as two 32 KiB FILE_SYNC WRITEs and returns when both are on
disk; now and then a node fstats its file. The export is on a remote LUN with 50 ms a request (dm-delay 50 ms over a
two-queue null_blk, no IO scheduler); 12 nfsd threads. The clients' time is set by the device: each stable WRITE
costs a data write and a journal commit at 50 ms each (25 client ops a second).
Trial (30 s on 6.12, 2026-12-07; load.json only): trial 1 -1 4 x 30.6 s / 758 ops = 161.5 ms a operation, -2 4 x
30.6 s / 768 ops = 159.6 ms (x0.99); trial 2 -1 4 x 30.8 s / 713 ops = 172.9 ms (x1.07 against trial 1's -1)."""
s["writeback-v3-sync-64k-wsize32k-64k-dirty"] = """Injected (writeback): the render farm of ref-v3-sync-64k-wsize32k-4-mounts-50ms after an admin, chasing reports of
"multi-second stalls when the file server flushes", set vm.dirty_bytes = 64 KiB and vm.dirty_background_bytes = 16 KiB
on the server (a leftover of a tuning guide for small-memory boxes); load, mounts, device and threads unchanged.
Where the throttling should happen: the clients' writes reach nfsd promptly (a `sync` mount: each write() is sent as
FILE_SYNC WRITEs before it returns, no client-side buffering across writes), so each nfsd thread's own buffered
32 KiB write into the export's page cache finds the global dirty count (its own and the other threads' pages waiting
on the 50 ms device) over the tiny limit and is paused in balance_dirty_pages before its fsync even starts. The
lab's clients share the guest's vm.dirty_*: their 64 KiB of pages per write (dirty, then under writeback until nfsd
answers) count against the same limit, so part of the throttling may land in the client processes before their
WRITEs leave; I expect most of it in nfsd, whose pages stay dirty/under writeback for the device's 50 ms.
Trial (30 s on 6.12, trial 1, 2026-12-07; load.json only): 4 x 30.6 s / 367 ops = 333.6 ms a operation against the
reference's 161.5 ms (-1): x2.07 (against -2 159.6 ms: x2.09). 128 KiB / 32 KiB, same boot, not kept: 327.5 ms, x2.03
(the effect is flat below ~128 KiB, not a transient of the first seconds)."""
s[R2] = """Reference: the state store of a small ticketing service, three front-end hosts over NFSv4.2 (a mount each,
mounted `sync`), each rewriting 16 KiB records of its own 512 KiB store file durably (FILE_SYNC WRITEs), fstat'ing it
and looking names up in its directory (lookupcache=none, so each lookup reaches nfsd). The export is on a small
device that completes each request after 10 ms and takes at most two at a time (null_blk in timer mode, two hardware
queues each one request deep, mq-deadline); 8 nfsd threads. The device's two slots set the clients' time.
Trial (30 s on 6.12, 2026-12-07; load.json only): trial 1 -1 3 x 30.4 s / 1618 ops = 56.4 ms a operation, -2 3 x
30.3 s / 1707 ops = 53.3 ms (x0.95); trial 2 -1 3 x 30.4 s / 1571 ops = 58.1 ms (x1.03 against trial 1's -1)."""
s["device-v42-sync-16k-2x1q-50ms"] = """Injected (device): the ticketing store of ref-v42-sync-16k-3-mounts-2x1q-10ms after its volume was migrated to a cheaper
storage tier: the device now completes each request after 50 ms instead of 10 ms (same two 1-deep queues, same
scheduler); the three hosts, their load and the 8 nfsd threads are unchanged.
Trial (30 s on 6.12, trial 2, 2026-12-07; load.json only): 3 x 30.5 s / 569 ops = 161.0 ms a operation against the
reference's 58.1 ms (trial 2's -1): x2.77. 30 ms (trial 1), not kept: 101.9 ms against 56.4 ms, x1.81."""
s["workload-v42-sync-16k-12-mounts"] = """Injected (workload): the ticketing store of ref-v42-sync-16k-3-mounts-2x1q-10ms after the service was scaled out from three
front-end hosts to twelve (12 client mounts instead of 3), each doing the same durable 16 KiB record rewrites, fstats
and lookups on its own file; the server, its 8 nfsd threads and the 10 ms two-slot device are unchanged, so the
twelve hosts queue for the device's two slots.
Trial (30 s on 6.12, trial 1, 2026-12-07; load.json only): 12 x 31.0 s / 2848 ops = 130.8 ms a operation against the
reference's 56.4 ms (-1): x2.32 (against -2 53.3 ms: x2.45). 9 mounts, same boot, not kept: 86.2 ms, x1.53."""
s[R3] = """Reference: an application server with six worker processes sharing one NFSv4.2 mount (mounted `sync`), each keeping
its session state in its own 64 KiB file and rewriting one of its two 32 KiB halves durably (FILE_SYNC WRITEs), with
an fstat now and then. The export is on a null_blk in timer mode that completes each request after 30 ms (two queues
64 deep, no IO scheduler); 16 nfsd threads, so each worker's request finds a thread and the workers' writes overlap
on the device.
Trial (30 s on 6.12, trial 2, 2026-12-07; load.json only): -1 6 x 30.8 s / 1703 ops = 108.6 ms a operation, -2 6 x
30.7 s / 1686 ops = 109.3 ms (x1.01). (Trial 1 had the six workers on six mounts of their own: 119.8 ms and 108.8 ms,
x0.91, and a shared file hurt them only x1.10: not kept.)"""
s["lock-v42-sync-32k-6-workers-shared-64k-file"] = """Injected (lock): the application server of ref-v42-sync-32k-64k-files-6-workers-30ms after a release moved the
session state into one shared 64 KiB file: all six workers rewrite its two 32 KiB halves (`shared_file = true`), so
every write goes to one inode: the writes queue on that inode's lock in the client (one mount) and in nfsd, and each
stable write waits for the others' writeback of the same pages before its own; mount, device, threads unchanged.
Trial (30 s on 6.12, trial 2, 2026-12-07; load.json only): 6 x 31.2 s / 572 ops = 327.1 ms a operation against the
reference's 108.6 ms (-1): x3.01 (against -2 109.3 ms: x2.99)."""
s["queue-v42-sync-32k-6-workers-2-threads"] = """Injected (queue): the application server of ref-v42-sync-32k-64k-files-6-workers-30ms after a configuration-management
change left the NFS server with 2 nfsd threads instead of 16 (RPCNFSDCOUNT from a template for a tiny appliance);
the six workers, their files and the 30 ms device are unchanged. Each thread is held for a whole stable write (data
write and journal commit on the device), so the six workers' requests wait for one of the two threads.
Trial (30 s on 6.12, trial 2, 2026-12-07; load.json only): 6 x 31.5 s / 790 ops = 239.5 ms a operation against the
reference's 108.6 ms (-1): x2.21 (against -2 109.3 ms: x2.19). Not kept: the queue on ref-v3-sync-64k-wsize32k-4-
mounts-50ms (trial 1: 3 threads 186.0 ms, x1.15; 2 threads 252.0 ms, x1.56; trial 2: 1 thread 373.7 ms, x2.16)."""
json.dump(s, open("/work/lab10/gen/stories.json", "w"), indent=1)
