#!/usr/bin/env python3
import json, sys
sys.path.insert(0, "/work/lab6")
from gen import REFS as ALLREFS, INJ as ALLINJ, FINAL_REFS, FINAL_INJ
REFS = {n: ALLREFS[n] for n in FINAL_REFS}
INJ = {n: ALLINJ[n] for n in FINAL_INJ}
DROPPED = set()
DESC = sys.argv[1]
pairs = []
for k in ["6.1", "6.12"]:
    for n, (ref, cause, ch, desc) in INJ.items():
        if n in DROPPED: continue
        ver = REFS[ref]["versions"]
        p = {"scenario": n, "length": f"v{ver} 90s", "kernel": k, "a": f"{k}-{ref}-1", "b": f"{k}-{n}", "truth": cause}
        if "sysctl" in ch:
            p["change"] = "sysctl vm.dirty_bytes"
        pairs.append(p)
    for ref, d in REFS.items():
        pairs.append({"scenario": f"{ref} null", "length": f"v{d['versions']} 90s", "kernel": k,
                      "a": f"{k}-{ref}-1", "b": f"{k}-{ref}-2", "truth": "none"})
json.dump({"description": DESC, "set": "lab-heldout6", "captures": "captures", "pairs": pairs},
          open("/work/lab6/pairs.json", "w"), indent=1)
open("/work/lab6/pairs.json", "a").write("\n")
