#!/usr/bin/env python3
"""pairs.py OUT: pairs.json of lab-heldout8 from the final selection (CREF/CWB name ref C and its writeback scenario)."""
import json, os, sys
CREF = os.environ.get("CREF", "ref-v3-fsync-64k-1m-files-40ms")
CWB = os.environ.get("CWB", "writeback-v3-fsync-64k-40ms-128k-dirty")
CDESC = "NFSv3 buffered 64 KiB rewrites of 1 MiB files with an fsync about every 3 writes from 2 mounts on a 40 ms dm-delay"
LVL = os.environ.get("LVL", "128 KiB (background 32 KiB)")
A, B = "ref-v42-commit-32k-6-mounts-80ms", "ref-v3-sync-128k-whole-4-workers-50ms"
INJ = [  # (scenario, reference, truth, version, change)
    ("device-v42-commit-32k-240ms", A, "device", "v4.2", None),
    ("queue-v42-commit-32k-80ms-2-threads", A, "queue", "v4.2", None),
    ("lock-v3-sync-128k-whole-shared-50ms", B, "lock", "v3", None),
    ("workload-v3-sync-128k-whole-16-workers-50ms", B, "workload", "v3", None),
    (CWB, CREF, "writeback", "v3", "sysctl vm.dirty_bytes"),
]
REFS = [(A, "v4.2"), (B, "v3"), (CREF, "v3")]
DESC = ("The eighth blind set on the real-nfsd lab: NFSv3 and NFSv4.2 clients in the lab guest (Debian 6.1 and 6.12) "
        "loading the guest's own nfsd, 90 s of load per capture (scenarios/*.conf), scored once as recorded: B with the "
        "scenario's cause (device: a dm-delay of 240 ms instead of 80 under NFSv4.2 buffered 32 KiB writes each followed "
        "(on average) by an fsync from 6 client mounts; queue: 2 nfsd threads instead of 16 for that load; lock: 4 workers "
        "on one NFSv3 `sync` mount rewriting one shared 128 KiB file whole instead of one file each, on a null_blk "
        "of 50 ms, one queue 4 deep; workload: 16 workers instead of 4 on that server and device; writeback: dirty limits "
        "of " + LVL + " under " + CDESC + "), or a second run of A's scenario (truth none). Written before "
        "any capture was compared; each capture's NAME.load.json is the lab client's own count of what it did, the pair's effect.")
def main(out):
    pairs = []
    for k in ("6.1", "6.12"):
        for s, r, t, v, ch in INJ:
            p = {"scenario": s, "length": v + " 90s", "kernel": k, "a": f"{k}-{r}-1", "b": f"{k}-{s}", "truth": t}
            if ch: p["change"] = ch
            pairs.append(p)
        for r, v in REFS:
            pairs.append({"scenario": r + " null", "length": v + " 90s", "kernel": k, "a": f"{k}-{r}-1",
                          "b": f"{k}-{r}-2", "truth": "none"})
    json.dump({"description": DESC, "set": "lab-heldout8", "captures": "captures", "pairs": pairs},
              open(out, "w"), indent=1)
    open(out, "a").write("\n")
if __name__ == "__main__":
    main(sys.argv[1])
