#!/usr/bin/env python3
"""report.py: writes /work/lab7/report.md from the trials' load.json (C=v3 chosen)."""
import os, sys
sys.path.insert(0, os.path.dirname(__file__))
from ratio import figures
T1 = figures("/tmp/lab7trial1")
T2 = figures("/tmp/lab7trial2") if os.path.isdir("/tmp/lab7trial2") else {}
T3 = figures("/tmp/lab7trial3") if os.path.isdir("/tmp/lab7trial3") else {}
CTN = os.environ.get("CTRIAL", "trial 2")
TC = {"trial 2": T2, "trial 3": T3}[CTN]
CDELAY = os.environ.get("CDELAY", "4")
A = "ref-v3-sync-256k-wsize32k-4-mounts"; B = "ref-v42-sync-12k-8-workers-40ms"; C = os.environ.get("CREF", "ref-v3-fsync-16k-256k-files-3-mounts")
WB = os.environ.get("CWB", "writeback-v3-fsync-16k-64k-dirty")
def f(T, n):
    r = T[n]; return f"{r['clients']} × {r['seconds']:.1f} s / {r['ops']} ops = {r['ms']:.1f} ms"
def x(Tb, b, Ta, a): return f"x{Tb[b]['ms'] / Ta[a]['ms']:.2f}"
L = []
w = L.append
w("# lab-heldout7: report of the scenario author (2026-12-06)\n")
w("Written blind: I never ran `nfstrace compare` or `nfstrace-diag score`, and did not read internal/compare/, "
  "docs/diagnosis.md, docs/compare.md, diag/score/ or any score results. I read lab/scenarios/README.md, "
  "lab/guest/init.sh (device, mount and save steps), lab/cmd/nfsload/main.go and lab-heldout1..6 (README, pairs.json, "
  "scenarios, lab-heldout6's report). Trials: 30 s scenarios on 6.12 only, under the measurement lock, reading only "
  "each scenario's load.json, steps.tsv and the run log/console progress lines. Effect = clients × seconds / "
  "operations (the clients' mean time per operation), B over A.\n")
w("Files: `scenarios/*.conf` (final, 90 s, settle 15 s, trace_slack 15 s, as lab-heldout4..6), `pairs.json` (16 pairs: "
  "5 injected + 3 nulls on each of 6.1 and 6.12), `gen/gen.py` (every definition tried; `python3 gen.py final DIR` "
  "renders the finals from `gen/stories.json`, written by `C=v3 python3 gen/stories.py` from the trials' load.json), "
  "`gen/pairs.py` (`C=v3 python3 gen/pairs.py pairs.json`), `gen/ratio.py` (the load.json arithmetic), `gen/peek.sh` "
  "(reads the load.json saved so far from a running trial's results.img: the guest rewrites its results tar after each "
  "scenario), `gen/report.py` (this file), `trial30s/` (the 30 s files the trials ran, including dropped ones).\n")
w("## How it differs from lab-heldout1..6\n")
w("- Ref A: NFSv3 `sync` mount with **wsize = rsize = 32 KiB under 256 KiB application writes and O_DIRECT reads**, so "
  "every client operation is eight RPCs (the client sends a multi-RPC synchronous write as several WRITEs and a "
  "COMMIT, or FILE_SYNC WRITEs — I did not check which); 4 client mounts; a null_blk timer device 60 ms, one queue "
  "**4 deep**; 16 nfsd threads. Its device and workload scenarios are on v3 (lab-heldout5/6 had them on v4.2).")
w("- Ref B: NFSv4.2 `sync` mount, **12 KiB whole-file rewrites** (io = file size: every write covers the whole file), "
  "O_DIRECT reads and lookups from **8 workers on one mount**, a 40 ms dm-delay over a 2-queue null_blk with no "
  "scheduler, 8 nfsd threads. Queue and lock are on v4.2 (lab-heldout5/6 had them on v3).")
w("- Ref C: NFSv3 buffered **16 KiB** rewrites of 256 KiB files with an fsync per ~12 writes from **3 separate mounts**, "
  "on a **" + CDELAY + " ms dm-delay** (lab-heldout5: 32 KiB on a 2 MiB/s cap; lab-heldout6: 8 KiB on a 4 ms timer null_blk, one "
  "mount). This one is the closest to an earlier set: it replaced a more unusual design that proved unsteady (below).\n")
w("## The set\n")
w("| scenario | cause | story (one line) | trial figures (30 s, 6.12, load.json) |")
w("|---|---|---|---|")
w(f"| {A}-1/-2 | (ref A) | render farm frame store: 4 hosts (a mount each, NFSv3 `sync`, rsize=wsize=32 KiB) write 256 KiB tiles synchronously and read them back O_DIRECT on own 2 MiB files; null_blk timer 60 ms, 1 queue 4 deep, 32 KiB requests; 16 nfsd threads | trial 1: -1 {f(T1, A+'-1')}; -2 {T1[A+'-2']['ms']:.1f} ms ({x(T1, A+'-2', T1, A+'-1')}) |")
w(f"| device-v3-sync-256k-150ms | device | the frame store moved to an older array of the same shape: 150 ms a request instead of 60 | trial 1: {f(T1, 'device-v3-sync-256k-150ms')}: {x(T1, 'device-v3-sync-256k-150ms', T1, A+'-1')} |")
w(f"| workload-v3-sync-256k-10-mounts | workload | a bigger render job: 10 hosts instead of 4 on the same server and device | trial 1: {f(T1, 'workload-v3-sync-256k-10-mounts')}: {x(T1, 'workload-v3-sync-256k-10-mounts', T1, A+'-1')} |")
w(f"| {B}-1/-2 | (ref B) | CI job-status service: 8 workers on one NFSv4.2 `sync` mount rewrite their own 12 KiB status files whole, read them back O_DIRECT, look up names; 40 ms dm-delay; 8 nfsd threads | trial 1: -1 {f(T1, B+'-1')}; -2 {T1[B+'-2']['ms']:.1f} ms ({x(T1, B+'-2', T1, B+'-1')}) |")
w(f"| queue-v42-sync-12k-2-threads | queue | server rebuilt from a minimal profile: 2 nfsd threads instead of 8 | trial 1: {f(T1, 'queue-v42-sync-12k-2-threads')}: {x(T1, 'queue-v42-sync-12k-2-threads', T1, B+'-1')} (3 threads: {x(T1, 'queue-v42-sync-12k-3-threads', T1, B+'-1')}) |")
w(f"| lock-v42-sync-12k-shared-file | lock | a new release keeps all 8 workers' status in one shared 12 KiB file | trial 1: {f(T1, 'lock-v42-sync-12k-shared-file')}: {x(T1, 'lock-v42-sync-12k-shared-file', T1, B+'-1')} |")
rc = f"{CTN}: -1 {f(TC, C+'-1')}; -2 {TC[C+'-2']['ms']:.1f} ms ({x(TC, C+'-2', TC, C+'-1')})"
extra = [(t, n, T[n]['ms']) for t, T in (("trial 2", T2), ("trial 3", T3)) if t != CTN for n in (C+'-1', C+'-2') if n in T]
if extra:
    rc += "; other runs: " + "; ".join(f"{t} {n[-2:]} {ms:.1f} ms" for t, n, ms in extra)
w(f"| {C}-1/-2 | (ref C) | build cache: 3 hosts (a mount each, NFSv3) rewrite 16 KiB objects of own 256 KiB pack files buffered, fsync about every 12 writes, fstat and lookups; default dirty limits; {CDELAY} ms dm-delay; 8 nfsd threads | {rc} |")
rw = f"{CTN}: {f(TC, WB)}: {x(TC, WB, TC, C+'-1')} (against -2: {x(TC, WB, TC, C+'-2')})"
w(f"| {WB} | writeback | a tuning script for a database host set vm.dirty_bytes = 64 KiB, vm.dirty_background_bytes = 16 KiB on the server (which also runs the clients) | {rw} |")
w("")
w(f"References' repeats: A {x(T1, A+'-2', T1, A+'-1')} and B {x(T1, B+'-2', T1, B+'-1')} (trial 1, the two copies at "
  "the start and the end of one 28-minute boot)" + f"; C {x(TC, C+'-2', TC, C+'-1')} ({CTN}).")
w("")
w("## Trials\n")
w("1. Trial 1 (/tmp/lab7trial1, booted 20:16:44 UTC after waiting for the lock from 19:54, 28 min; every step's exit code 0): "
  "the three first references twice each, device, workload, queue at 2 and 3 threads, lock, writeback at 64 KiB/16 KiB "
  "and 128 KiB/32 KiB.")
w("2. Trial 2 (/tmp/lab7trial2, queued 20:32, the list cut at 20:46 to the replacement reference C and its writeback: "
  "ref C -1, writeback, ref C -2): " + "ran 20:47-20:52 UTC (every step's exit code 0): ref C -1 and -2 at 14.6 and 17.5 ms (x1.20, outside the 10% band), "
  "writeback x3.51 against -1.")
w("3. Trial 3 (/tmp/lab7trial3, 20:52 UTC): the same reference on a 10 ms dm-delay instead of 4 ms "
  "(`ref-v3-fsync-16k-256k-files-10ms` -1 and -2, its writeback scenario), and a third run of the 4 ms reference's -1, "
  "to choose between a more device-bound reference and the 4 ms one. " + ("Every step's exit code 0." if T3 else "Did not finish before I stopped."))
w("")
w("All 30 s figures (ms a operation; load.json):\n")
w("| trial | scenario | clients × s / ops | ms/op |")
w("|---|---|---|---|")
for t, T in (("1", T1), ("2", T2), ("3", T3)):
    for n, r in sorted(T.items()):
        w(f"| {t} | {n} | {r['clients']} × {r['seconds']:.1f} / {r['ops']} | {r['ms']:.1f} |")
w("")
w("## Dropped, and why\n")
w("- `ref-v42-buffered-16k-dread-3-mounts` (NFSv4.2 buffered 16 KiB writes to own 1 MiB files interleaved with O_DIRECT "
  "16 KiB reads, which flush the file's dirty pages, getattrs and lookups, 3 mounts, 2 ms dm-delay) and its writeback "
  f"scenarios: its two copies gave {T1['ref-v42-buffered-16k-dread-3-mounts-1']['ms']:.1f} and "
  f"{T1['ref-v42-buffered-16k-dread-3-mounts-2']['ms']:.1f} ms a operation in one boot (x"
  f"{T1['ref-v42-buffered-16k-dread-3-mounts-2']['ms']/T1['ref-v42-buffered-16k-dread-3-mounts-1']['ms']:.2f}), "
  f"and the dirty limits 64 KiB/16 KiB gave {T1['writeback-v42-buffered-16k-64k-dirty']['ms']:.1f} ms (x"
  f"{T1['writeback-v42-buffered-16k-64k-dirty']['ms']/T1['ref-v42-buffered-16k-dread-3-mounts-1']['ms']:.2f}) and "
  f"128 KiB/32 KiB {T1['writeback-v42-buffered-16k-128k-dirty']['ms']:.1f} ms: no writeback effect and a reference that "
  "does not repeat. Replaced by the NFSv3 buffered-rewrite reference C (v3, not v4.2, because the earlier sets' steady "
  "buffered references were v3 and their unsteady ones v4.2; a v4.2 twin, `ref-v42-fsync-16k-256k-files-3-mounts`, "
  "was defined but cut from trial 2 for time).")
w("- `queue-v42-sync-12k-3-threads`: x" + f"{T1['queue-v42-sync-12k-3-threads']['ms']/T1[B+'-1']['ms']:.2f}, under the x1.8 aim; 2 threads kept.")
if os.environ.get("CDROP"): w(os.environ["CDROP"])
w("- No scheduler scenario: not tried (x0.98-x1.10 in the last three sets; trial time went to the writeback rework).\n")
w("## Margins to watch in the recording\n")
w(f"- The lock scenario is above the x4 aim at 30 s ({x(T1, 'lock-v42-sync-12k-shared-file', T1, B+'-1')}): eight "
  "workers on one client mount serialise on the client's inode as well as nfsd's. I kept it rather than change ref B "
  "(and with it the queue scenario) without a trial.")
w(f"- The device scenario is the smallest effect ({x(T1, 'device-v3-sync-256k-150ms', T1, A+'-1')}), and ref A's "
  "counts are small (about 180 operations in 30 s, about 86 under the slow device): at 90 s about 550 and 260.")
w(os.environ.get("CNOTE", ""))
if False:
    w("- **Ref C and the writeback scenario were not trialled**: they are the replacement design, modelled on the mechanism "
      "that worked in lab-heldout5 (x2.65 at 128 KiB/32 KiB) and lab-heldout6 (x2.58-x2.76 at 64 KiB/16 KiB), but its "
      "steadiness and the effect are unchecked. Trial it before recording if the lock allows (the 30 s files are in trial30s/).")
w("- Trials ran one kernel (6.12) at a time at 30 s; the recording is 90 s on 6.1 and 6.12 with `-parallel`.\n")
w("## How to record (as lab-heldout5/6; after the developer commits the set as testdata/diagnosis/lab-heldout7)\n")
w("    cd /work/main")
w("    S=$(for n in ref-v3-sync-256k-wsize32k-4-mounts-1 ref-v42-sync-12k-8-workers-40ms-1 \\")
w(f"            {C}-1 device-v3-sync-256k-150ms workload-v3-sync-256k-10-mounts \\")
w(f"            queue-v42-sync-12k-2-threads lock-v42-sync-12k-shared-file {WB} \\")
w(f"            ref-v3-sync-256k-wsize32k-4-mounts-2 ref-v42-sync-12k-8-workers-40ms-2 {C}-2; do")
w("          printf '%s,' testdata/diagnosis/lab-heldout7/scenarios/$n.conf; done)")
w("    flock /tmp/nfstrace-measure.lock go run ./lab/cmd/nfstrace-lab run -parallel -q -scenarios \"${S%,}\" -out /tmp/labheldout7")
w("    # then, for each kernel's run directory RUN (SERIES = 6.1 or 6.12), scenario NAME and version V (3 or 4.2):")
w("    #   RUN/results/scenarios/NAME/vV/capture.nft -> captures/SERIES-NAME.nft")
w("    #   RUN/results/scenarios/NAME/vV/load.json   -> captures/SERIES-NAME.load.json")
w("")
w("(Versions recorded: v3 for ref A, device, workload, ref C, writeback; v4.2 for ref B, queue, lock. The 90 s "
  "recording of 11 scenarios will take roughly 11 × 3.3 min ≈ 36 min a kernel, judging by trial 1's 2.2 min a 30 s scenario.)")
open("/work/lab7/report.md", "w").write("\n".join(L) + "\n")
