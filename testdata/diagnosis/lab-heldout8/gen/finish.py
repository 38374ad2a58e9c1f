#!/usr/bin/env python3
"""finish.py T1DIR T2DIR: figures.json, selection of the writeback level, final scenarios, pairs.json, report tables."""
import json, os, sys, subprocess
sys.path.insert(0, os.path.dirname(__file__))
from ratio import figures
G = os.path.dirname(os.path.abspath(__file__)); W = os.path.dirname(G)
t1, t2 = figures(sys.argv[1]), figures(sys.argv[2])
def f(r): return f"{r['clients']} x {r['seconds']:.1f} s / {r['ops']} ops = {r['ms']:.1f} ms a operation"
A, B, C = "ref-v42-commit-32k-6-mounts-80ms", "ref-v3-sync-128k-whole-4-workers-50ms", "ref-v3-fsync-64k-1m-files-40ms"
def refline(ref):
    a, b = t2.get(ref + "-1"), t2.get(ref + "-2")
    s = f"Trial (30 s on 6.12, trial 2, 2026-12-06; load.json only): -1 {f(a)}"
    if b: s += f"; -2 {b['ms']:.1f} ms (x{b['ms']/a['ms']:.2f})."
    else: s += "; -2 not run."
    return s
FIG = {A: refline(A), B: refline(B), C: refline(C)}
inj = {"device-v42-commit-32k-240ms": A, "queue-v42-commit-32k-80ms-2-threads": A,
       "lock-v3-sync-128k-whole-shared-50ms": B, "workload-v3-sync-128k-whole-16-workers-50ms": B}
wbs = [n for n in ("writeback-v3-fsync-64k-40ms-128k-dirty", "writeback-v3-fsync-64k-40ms-256k-dirty") if n in t2]
def score(n): x = t2[n]['ms'] / t2[C + "-1"]['ms']; return abs(x - 2.6)
wb = os.environ.get("CWB") or min(wbs, key=score)
inj[wb] = C
for n, ref in inj.items():
    r, a = t2[n], t2[ref + "-1"]
    s = f"Trial (30 s on 6.12, trial 2; load.json only): {f(r)} against the reference's {a['ms']:.1f} ms (-1): x{r['ms']/a['ms']:.2f}"
    if ref + "-2" in t2: s += f" (against -2: x{r['ms']/t2[ref+'-2']['ms']:.2f})"
    FIG[n] = s + "."
json.dump(FIG, open(os.path.join(G, "figures.json"), "w"), indent=1)
sel = json.load(open(os.path.join(G, "selection.json")))
lvl = "128 KiB" if "128k" in wb else "256 KiB"; bg = "32 KiB" if "128k" in wb else "64 KiB"
sel[wb] = [wb, f"Writeback limits: a tuning script meant for a latency-sensitive host set vm.dirty_bytes = {lvl} and vm.dirty_background_bytes = {bg} on the server, which (the lab's clients run in the same kernel) also caps the clients' dirty page cache: the nodes' buffered 64 KiB rewrites are throttled and flushed in small pieces instead of being gathered until the fsync. Nodes, files, fsync rate, device and threads unchanged.",
           f"ref-v3-fsync-64k-1m-files-40ms with vm.dirty_bytes = {lvl}, vm.dirty_background_bytes = {bg}"]
json.dump(sel, open(os.path.join(G, "selection.json"), "w"), indent=1)
print("writeback chosen:", wb)
for k, v in FIG.items(): print(k, "::", v)
