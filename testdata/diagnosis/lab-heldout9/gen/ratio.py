#!/usr/bin/env python3
"""ratio.py OUTDIR...: each scenario's clients x seconds / operations from its load.json (ms a op)."""
import glob, json, os, sys
def figures(outdir):
    res = {}
    for f in sorted(glob.glob(os.path.join(outdir, "*", "results", "scenarios", "*", "v*", "load.json"))):
        name = f.split(os.sep)[-3]
        j = json.load(open(f))
        ops = sum(j["ops"].values())
        res[name] = dict(clients=j["clients"], seconds=j["seconds"], ops=ops,
                         ms=1000.0 * j["clients"] * j["seconds"] / ops if ops else float("nan"),
                         mix=j["ops"], errors=j.get("errors"))
    return res
if __name__ == "__main__":
    for d in sys.argv[1:]:
        print("==", d)
        for n, r in figures(d).items():
            print(f"{n:45s} {r['clients']:3d} x {r['seconds']:5.1f} s / {r['ops']:6d} = {r['ms']:8.1f} ms  {r['mix']} {r['errors'] or ''}")
        for st in glob.glob(os.path.join(d, "*", "results", "steps.tsv")):
            bad = [l for l in open(st) if l.split("\t")[1:2] and l.split("\t")[1] not in ("0",)]
            print("steps:", st, "non-zero:", len(bad)); [print("  ", l.rstrip()) for l in bad[:20]]
