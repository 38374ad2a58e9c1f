#!/usr/bin/env python3
# mean time per op from load.json files: clients*seconds/ops
import json, glob, sys, os
for out in sys.argv[1:]:
    print("==", out)
    for f in sorted(glob.glob(out + "/**/results/scenarios/*/v*/load.json", recursive=True)):
        j = json.load(open(f)); ops = sum(j["ops"].values())
        name = f.split("/scenarios/")[1].split("/")[0]
        print(f"{name:45s} {j['clients']:3d} x {j['seconds']:6.1f} s / {ops:6d} ops = {1000*j['clients']*j['seconds']/ops:8.1f} ms  {j['ops']} {j.get('errors') or ''}")
