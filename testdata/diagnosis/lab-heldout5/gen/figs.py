import json, sys, glob, os
run = sys.argv[1]
d = glob.glob(run + "/*-6.12/results")[0]
steps = open(d + "/steps.tsv").read().splitlines()
bad = [l for l in steps if len(l.split("\t")) > 1 and l.split("\t")[1] not in ("0",)]
print("non-zero steps:", bad[:20])
res = {}
for sd in sorted(glob.glob(d + "/scenarios/*")):
    n = os.path.basename(sd)
    for lj in glob.glob(sd + "/v*/load.json"):
        j = json.load(open(lj))
        ops = sum(j["ops"].values())
        t = j["clients"] * j["seconds"] / ops * 1000
        res[n] = t
        print(f"{n:40s} {os.path.basename(os.path.dirname(lj)):5s} clients={j['clients']:2d} s={j['seconds']:.1f} ops={ops:6d} mean={t:7.1f} ms  {j['ops']} {j.get('errors') or ''}")
json.dump(res, open(run + "/means.json", "w"), indent=1)
