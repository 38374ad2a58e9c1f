#!/usr/bin/env python3
"""Render the final (90 s) scenarios with their comments, and pairs.json, from setdef.py + stories.json."""
import json, os, sys
sys.path.insert(0, os.path.dirname(__file__))
import setdef

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
stories = json.load(open(os.path.join(here, "stories.json")))
keep = stories["_keep"]
out = os.path.join(root, "scenarios")
for f in os.listdir(out):
    if f.endswith(".conf"):
        os.remove(os.path.join(out, f))
names = [r + s for r in setdef.REFS for s in ("-1", "-2")] + keep
setdef.render("90s", out, stories, only=set(names))

pairs = []
for k in ("6.1", "6.12"):
    for n in keep:
        r, ch, desc, truth = setdef.INJ[n]
        v = setdef.REFS[r]["versions"]
        p = {"scenario": n, "length": f"v{v} 90s", "kernel": k, "a": f"{k}-{r}-1", "b": f"{k}-{n}", "truth": truth}
        if truth == "writeback":
            p["change"] = "sysctl vm.dirty_bytes"
        pairs.append(p)
    for r, d in setdef.REFS.items():
        pairs.append({"scenario": f"{r} null", "length": f"v{d['versions']} 90s", "kernel": k,
                      "a": f"{k}-{r}-1", "b": f"{k}-{r}-2", "truth": "none"})
doc = {"description": stories["_description"], "set": "lab-heldout10", "captures": "captures", "pairs": pairs}
open(os.path.join(root, "pairs.json"), "w").write(json.dumps(doc, indent=1) + "\n")
print("\n".join(sorted(names)))
