#!/usr/bin/env python3
"""pairs.py OUT: pairs.json of lab-heldout9 from the final selection (WB, LVL: the writeback scenario and its level)."""
import json, os, sys
A, B = "ref-v42-sync-4k-16-mounts-100ms", "ref-v3-sync-32k-2-mounts-qd1-25ms"
C = os.environ.get("CREF", "ref-v42-fsync-128k-4-workers-60ms")
CL = os.environ.get("CLOCK", "lock-v42-fsync-128k-shared-60ms")
WB = os.environ["WB"]
LVL = os.environ["LVL"]
CMS = os.environ.get("CMS", "60")
INJ = [  # (scenario, reference, truth, version, change)
    ("queue-v42-sync-4k-16-mounts-6-threads", A, "queue", "v4.2", None),
    ("device-v3-sync-32k-qd1-75ms", B, "device", "v3", None),
    ("workload-v3-sync-32k-8-mounts", B, "workload", "v3", None),
    (CL, C, "lock", "v4.2", None),
    (WB, C, "writeback", "v4.2", "sysctl vm.dirty_bytes"),
]
REFS = [(A, "v4.2"), (B, "v3"), (C, "v4.2")]
DESC = ("The ninth blind set on the real-nfsd lab: NFSv3 and NFSv4.2 clients in the lab guest (Debian 6.1 and 6.12) "
        "loading the guest's own nfsd, 90 s of load per capture (scenarios/*.conf), scored once as recorded: B with the "
        "scenario's cause (queue: 6 nfsd threads instead of 24 under NFSv4.2 `sync`-mount 4 KiB rewrites and lookups "
        "from 16 client mounts on a 100 ms dm-delay; device: a null_blk completing each request after 75 ms instead of "
        "25, one queue 1 deep, under NFSv3 `sync`-mount 32 KiB rewrites (rsize = wsize = 32 KiB), O_DIRECT reads and "
        "fstats from 2 client mounts; workload: 8 client mounts instead of 2 on that server and device; lock: 4 workers "
        "on one NFSv4.2 mount rewriting one shared 2 MiB file instead of one each, with buffered 128 KiB writes each "
        "followed (on average) by an fsync, on a null_blk of " + CMS + " ms, two queues 16 deep; writeback: dirty limits of "
        + LVL + " under that buffered-fsync load), or a second run of A's scenario (truth none). Written before any "
        "capture was compared; each capture's NAME.load.json is the lab client's own count of what it did, the pair's effect.")
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
    json.dump({"description": DESC, "set": "lab-heldout9", "captures": "captures", "pairs": pairs},
              open(out, "w"), indent=1)
    open(out, "a").write("\n")
if __name__ == "__main__":
    main(sys.argv[1])
