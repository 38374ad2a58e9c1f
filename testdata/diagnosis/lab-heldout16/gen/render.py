#!/usr/bin/env python3
# render.py OUTDIR DURATION [STORY-DIR [NAME,NAME...]]: write the scenarios (references as -1 and -2), with their stories if STORY-DIR is given, only the NAMEs if given.
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bodies import S
out, dur = sys.argv[1], sys.argv[2]
stories = sys.argv[3] if len(sys.argv) > 3 else None
os.makedirs(out, exist_ok=True)
only = sys.argv[4].split(",") if len(sys.argv) > 4 else None
for name, sc in S.items():
    if only and name not in only:
        continue
    lines = []
    if stories:
        lines.append("# Written for the sixteenth blind lab set (lab-heldout16, 2026-12-07), by a helper who never ran compare on it: checked by trial runs (the lab client's load.json only), never compared before it was scored.")
        lines += ["# " + l.rstrip("\n") for l in open(os.path.join(stories, name + ".txt")) if l.strip()]
    lines.append("description = " + sc["desc"])
    lines.append("versions = " + dict(sc["keys"])["versions"])
    lines += ["duration = " + dur, "settle = 15s", "trace_slack = 15s"]
    lines += ["%s = %s" % (k, v) for k, v in sc["keys"] if k != "versions"]
    text = "\n".join(lines) + "\n"
    names = [name + "-1", name + "-2"] if name.startswith("ref-") else [name]
    for n in names:
        open(os.path.join(out, n + ".conf"), "w").write(text)
