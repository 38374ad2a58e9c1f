# The final selection of lab-heldout9: (final name, gen.py definition, story, trial figures).
A = "ref-v42-sync-4k-16-mounts-100ms"
B = "ref-v3-sync-32k-2-mounts-qd1-25ms"
C = "ref-v42-fsync-128k-4-workers-60ms"
SEL = [
 (A, A,
  "Reference: a fleet of sixteen small edge hosts over NFSv4.2 (a mount each, mounted `sync`), each keeping its "
  "state in its own 64 KiB file of 4 KiB slots: every slot update is a stable 4 KiB WRITE (FILE_SYNC), and now and "
  "then the host looks a name up in its directory (lookupcache=none, so each lookup reaches nfsd). The export is on "
  "a remote LUN with 100 ms a request (dm-delay 100 ms over a two-queue null_blk, no IO scheduler), so each stable "
  "write costs the data write and a journal commit on that device; 24 nfsd threads, so every host's request finds a thread.",
  'Trial (30 s on 6.12, trial 1, 2026-12-07; load.json only): -1 16 x 31.4 s / 1343 ops = 374.5 ms a operation; -2 16 x 31.6 s / 1291 ops = 391.3 ms (x1.04).'),
 ("queue-v42-sync-4k-16-mounts-6-threads", "queue-v42-sync-4k-16-mounts-6-threads",
  "Too few nfsd threads: the server was moved to a new VM whose nfs.conf starts 6 nfsd threads instead of 24. "
  "Each stable 4 KiB WRITE holds its thread through the 100 ms data write and the journal commit, so the sixteen "
  "hosts' WRITEs and LOOKUPs wait for one of 6 threads. Hosts, load, files and device unchanged.",
  "Trial (30 s on 6.12, trial 1; load.json only): 16 x 32.6 s / 593 ops = 879.0 ms a operation against the reference's 374.5 ms (-1): x2.35 (against -2: x2.25)."),
 (B, B,
  "Reference: the index tier of a small search service over NFSv3. Two application servers (a mount each, mounted "
  "`sync`, rsize = wsize = 32 KiB) rewrite 32 KiB records of their own 1 MiB index files durably (FILE_SYNC WRITEs), "
  "read records back with O_DIRECT and fstat the files. The export is on a small single-queue device that takes one "
  "request at a time, 25 ms each (null_blk in timer mode, one queue 1 deep, 32 KiB requests, no IO scheduler); 8 nfsd threads.",
  'Trial (30 s on 6.12, 2026-12-07; load.json only): trial 1 -1 2 x 30.5 s / 662 ops = 92.1 ms a operation, -2 2 x 30.2 s / 677 ops = 89.4 ms (x0.97); trial 2 -1 2 x 30.4 s / 718 ops = 84.6 ms.'),
 ("device-v3-sync-32k-qd1-75ms", "device-v3-sync-32k-qd1-75ms",
  "A slower device: the index export was moved to an older device of the same shape (one queue, one request at a "
  "time, 32 KiB requests) that completes each request after 75 ms instead of 25. Servers, load and nfsd unchanged.",
  "Trial (30 s on 6.12, trial 1; load.json only): 2 x 30.4 s / 253 ops = 240.6 ms a operation against the reference's 92.1 ms (-1): x2.61 (against -2: x2.69)."),
 ("workload-v3-sync-32k-8-mounts", "workload-v3-sync-32k-8-mounts",
  "More demand: the service scaled out to eight application servers (a mount each) instead of two, each with the "
  "same load on its own index file, through the same server onto the same one-request-at-a-time device.",
  "Trial (30 s on 6.12, trial 2; load.json only): 8 x 30.9 s / 1264 ops = 195.6 ms a operation against the reference's 84.6 ms (-1, same boot): x2.31 (against trial 1's -1 92.1 ms: x2.12, -2 89.4 ms: x2.19). Six mounts (trial 1) gave only x1.90."),
 (C, C,
  "Reference: a message broker's four partition writers on one host, over NFSv4.2 (one mount): each rewrites 128 "
  "KiB chunks of its own 2 MiB segment file through the page cache and makes each chunk durable with an fsync "
  "about once a write (UNSTABLE WRITE, then COMMIT), with an fstat now and then; default dirty limits. The export is "
  "on a null_blk that completes each request after 60 ms (timer mode, two queues 16 deep, no IO scheduler); 8 nfsd threads.",
  'Trial (30 s on 6.12, 2026-12-07; load.json only): trial 2 -1 4 x 30.6 s / 2210 ops = 55.5 ms a operation, -2 4 x 30.6 s / 2003 ops = 61.0 ms (x1.10); trial 3 -1 4 x 30.8 s / 2028 ops = 60.7 ms, -2 4 x 30.7 s / 1992 ops = 61.7 ms (x1.02).'),
 ("lock-v42-fsync-128k-shared-60ms", "lock-v42-fsync-128k-shared-60ms",
  "One shared file: a new broker release keeps all four partitions in one shared 2 MiB segment file instead of one "
  "file each. The writers' writes, fsyncs and COMMITs now meet on one inode (the client's, as they share one mount, "
  "and nfsd's): an fsync flushes and commits the other writers' dirty chunks too and waits behind their flushes. "
  "Writers, chunk size, fsync rate, device and threads unchanged.",
  "Trial (30 s on 6.12; load.json only): trial 2 4 x 30.9 s / 1258 ops = 98.3 ms a operation against the reference's 55.5 ms (-1): x1.77 (against -2 61.0 ms: x1.61); trial 3 4 x 30.8 s / 1257 ops = 97.9 ms against -1 60.7 ms: x1.61 (against -2 61.7 ms: x1.59). Below the x1.8 aim: the weakest pair of the set."),
 ("writeback-v42-fsync-128k-60ms-256k-dirty", "writeback-v42-fsync-128k-60ms-256k-dirty",
  "Writeback limits: a tuning script meant for a latency-sensitive host set vm.dirty_bytes = 256 KiB and vm.dirty_background_bytes = 64 KiB on the server. "
  "The lab's clients run in the same kernel, so the limit applies to both sides; with an fsync after about every "
  "128 KiB write, each chunk reaches nfsd promptly as an UNSTABLE WRITE, and I expect the throttling mainly where "
  "nfsd copies those 128 KiB WRITEs into the server's page cache (balance_dirty_pages in the nfsd threads, four "
  "writers' chunks being more than the limit), and also in the writers' own write() calls on the client. Writers, "
  "files, fsync rate, device and threads unchanged.",
  "Trial (30 s on 6.12, trial 2; load.json only): 4 x 31.4 s / 542 ops = 231.5 ms a operation against the reference's 55.5 ms (-1): x4.17 (against -2 61.0 ms: x3.80; against trial 3's -1 60.7 ms: x3.81). The 512 KiB / 128 KiB level (trial 3) gave only 124.7 ms, x2.05 against -1 60.7 ms."),
]
