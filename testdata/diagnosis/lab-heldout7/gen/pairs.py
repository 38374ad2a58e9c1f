#!/usr/bin/env python3
"""pairs.py OUT: pairs.json of lab-heldout7 from the final selection."""
import json, os, sys
CV = os.environ.get("C", "v42")
CVV = "v4.2" if CV == "v42" else "v3"
CREF = os.environ.get("CREF", f"ref-{CV}-fsync-16k-256k-files-3-mounts")
CWB = os.environ.get("CWB", f"writeback-{CV}-fsync-16k-64k-dirty")
INJ = [  # (scenario, reference, truth, version, change)
    ("device-v3-sync-256k-150ms", "ref-v3-sync-256k-wsize32k-4-mounts", "device", "v3", None),
    ("workload-v3-sync-256k-10-mounts", "ref-v3-sync-256k-wsize32k-4-mounts", "workload", "v3", None),
    ("queue-v42-sync-12k-2-threads", "ref-v42-sync-12k-8-workers-40ms", "queue", "v4.2", None),
    ("lock-v42-sync-12k-shared-file", "ref-v42-sync-12k-8-workers-40ms", "lock", "v4.2", None),
    (CWB, CREF, "writeback", CVV, "sysctl vm.dirty_bytes"),
]
REFS = [("ref-v3-sync-256k-wsize32k-4-mounts", "v3"), ("ref-v42-sync-12k-8-workers-40ms", "v4.2"),
        (CREF, CVV)]
DESC = ("The seventh blind set on the real-nfsd lab: NFSv3 and NFSv4.2 clients in the lab guest (Debian 6.1 and 6.12) "
        "loading the guest's own nfsd, 90 s of load per capture (scenarios/*.conf), scored once as recorded: B with the "
        "scenario's cause (device: a null_blk completing each request after 150 ms instead of 60 under NFSv3 256 KiB sync "
        "writes split into 32 KiB RPCs; workload: 10 client mounts instead of 4 on that server and device; queue: 2 nfsd "
        "threads instead of 8 for 8 NFSv4.2 workers making 12 KiB synchronous rewrites on a 40 ms dm-delay; lock: those 8 "
        "workers rewriting one shared 12 KiB file; writeback: dirty limits of 64 KiB under " + ("NFSv4.2" if CV == "v42" else "NFSv3") + " buffered 16 KiB "
        "rewrites of 256 KiB files with an fsync per 12 writes), or a second run of A's scenario (truth none). Written before any capture was "
        "compared; each capture's NAME.load.json is the lab client's own count of what it did, the pair's effect.")
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
    json.dump({"description": DESC, "set": "lab-heldout7", "captures": "captures", "pairs": pairs},
              open(out, "w"), indent=1)
    open(out, "a").write("\n")
if __name__ == "__main__":
    main(sys.argv[1])
