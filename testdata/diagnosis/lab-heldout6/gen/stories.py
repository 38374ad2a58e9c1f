#!/usr/bin/env python3
# Writes stories.json: each final scenario's story and trial figures, wrapped for the .conf comments.
import json, textwrap
W = lambda *paras: [l for p in paras for l in textwrap.wrap(p, 104)]
A = "ref-v3-sync-4k-8k-files-6-clients"
B = "ref-v42-sync-128k-qd2-3-mounts"
C = "ref-v3-buffered-8k-512k-files-4ms"
S = {
 A: W("Reference: a job-status store over NFSv3. Six worker processes on one client host (one mount, "
      "mounted sync) each keep their status in their own 8 KiB file: they rewrite 4 KiB records of it "
      "(FILE_SYNC WRITEs), read records back with O_DIRECT and look up names in their directory. The "
      "export sits on a device that takes 30 ms per IO (dm-delay over a memory-backed null_blk, "
      "mq-deadline), served by 12 nfsd threads.",
      "Trials (30 s on 6.12; load.json only): trial 3 (2026-12-06): 6 x 30.8 s / 1694 ops = 108.9 ms a "
      "operation, its second copy 100.7 ms (x0.92); trial 2: 107.2 ms. The same load with 16 KiB files (trial 2): 105.0 ms and, its second copy, 108.8 ms "
      "(x1.04); with 1 MiB files (trial 1): 105.3 ms and 114.6 ms (x1.09)."),
 "queue-v3-sync-4k-8k-files-2-threads": W(
      "Too few nfsd threads: the status store's server comes back from a reinstall with 2 nfsd threads "
      "instead of 12 (the packaged default of a small appliance); the workers, their files and the device "
      "are unchanged. Each FILE_SYNC WRITE holds its thread for the 30 ms data write and the journal "
      "commit behind it, so the workers' other requests wait for a free thread.",
      "Trial 3 (30 s on 6.12; load.json only): 6 x 31.2 s / 857 ops = 218.3 ms a operation against the "
      "reference's 108.9 ms: x2.00. Earlier, with 16 KiB files in both (trial 2): 6 x 30.8 s / 829 ops "
      "= 223.0 ms a operation against the reference's 105.0 ms: x2.12; with 1 MiB files in both (trial "
      "1): 216.6 ms against 105.3 ms: x2.06."),
 "lock-v3-sync-4k-shared-8k-file": W(
      "One shared file: a new release of the workers keeps every worker's status records in one shared "
      "8 KiB file instead of one file each, so their stable 4 KiB writes and O_DIRECT reads all land on "
      "one inode (on the client mount and on nfsd) and wait for each other's writeback of its two pages.",
      "Trial 3 (30 s on 6.12; load.json only): 6 x 30.9 s / 601 ops = 308.1 ms a operation against the "
      "reference's 108.9 ms: x2.83. Trial 2: 6 x 30.8 s / 590 ops = 313.1 ms a operation against "
      "the reference's 107.2 ms: x2.92 (with 16 KiB files in both: x2.26; with 1 MiB files: x1.41, "
      "hence the small file)."),
 B: W("Reference: a media ingest over NFSv4.2. Three capture hosts (one mount each, mounted sync, "
      "rsize = wsize = 128 KiB) make stable 128 KiB writes and O_DIRECT 128 KiB reads on their own 2 MiB "
      "files, with an fstat now and then. The export's device is a narrow one: a null_blk in timer mode "
      "completing each request after 15 ms, one queue 2 deep, 32 KiB requests, no IO scheduler; 16 nfsd "
      "threads.",
      "Trials (30 s on 6.12; load.json only): trial 1 (2026-12-06): 3 x 30.7 s / 581 ops = 158.8 ms a "
      "operation, its second copy 151.6 ms (x0.95); trial 2: 152.6 ms (x0.96)."),
 "device-v42-sync-128k-45ms": W(
      "A slower device: the ingest's export moved to a slower tier of the same shape, each request "
      "completing after 45 ms instead of 15 (same queue, depth and request size); hosts, load and nfsd "
      "unchanged.",
      "Trial (30 s on 6.12, trial 1; load.json only): 3 x 30.7 s / 262 ops = 352.0 ms a operation against "
      "the reference's 158.8 ms: x2.22."),
 "workload-v42-sync-128k-9-mounts": W(
      "More demand: nine capture hosts instead of three ingest through the same server onto the same "
      "narrow device (each host's load unchanged).",
      "Trial (30 s on 6.12, trial 1; load.json only): 9 x 31.5 s / 604 ops = 468.9 ms a operation against "
      "the reference's 158.8 ms: x2.95."),
 C: W("Reference: a build farm's object cache over NFSv3. Four build jobs on one client host (one mount, "
      "rsize = wsize = 32 KiB) rewrite 8 KiB blocks of their own 512 KiB cache files through the page "
      "cache with an fsync about every 24 writes (UNSTABLE WRITEs + COMMIT), stat their file and look up "
      "names, under the default dirty limits; null_blk in timer mode at 4 ms a request (2 queues, 8 deep), "
      "no IO scheduler, 8 nfsd threads.",
      "Trial (30 s on 6.12, trial 1, 2026-12-06; load.json only): 4 x 30.5 s / 13195 ops = 9.25 ms a "
      "operation; its second copy 9.29 ms (x1.01); trial 3: 9.26 ms."),
 "writeback-v3-buffered-8k-64k-dirty": W(
      "Tiny dirty limits: a tuning script meant for a latency-sensitive database host sets vm.dirty_bytes "
      "= 64 KiB and vm.dirty_background_bytes = 16 KiB on the build server (which also runs the build "
      "jobs' NFS client), so the jobs' buffered writes and nfsd's writes are throttled in "
      "balance_dirty_pages long before the fsyncs; load, files and device unchanged.",
      "Trial 3 (30 s on 6.12; load.json only): 4 x 30.5 s / 5110 ops = 23.9 ms a operation against the "
      "reference's 9.26 ms: x2.58. Trial 2: 4 x 30.8 s / 4833 ops = 25.5 ms a operation against "
      "the reference's 9.25 ms (trial 1): x2.76 (96 KiB/24 KiB gave x2.24, 128 KiB/32 KiB x1.95, 256 "
      "KiB/64 KiB x1.02)."),
}
json.dump(S, open("/work/lab6/stories.json", "w"), indent=1)
