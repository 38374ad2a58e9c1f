#!/bin/bash
# Per-program BPF cost of one tracer during one fio run on a tmpfs-backed loop device: for each program the
# tracer loaded, the kernel's own accounting (kernel.bpf_stats_enabled=1, bpftool prog show: run_cnt,
# run_time_ns) over the fio run, as calls per IO, ns per call and ns per IO, and their sum per IO.
# The default job is overhead.sh's (4k randwrite, libaio QD16, O_DIRECT). FIO replaces its options and NIO the
# IOs per job: with numjobs=N the per-IO columns are per N IOs (divide by N). SCHED sets the loop device's IO
# scheduler (the kernel's default for loop devices otherwise, none here).
# usage: progcost.sh 'TRACER COMMAND'   (root; fio, bpftool, python3)
#   e.g. progcost.sh 'bin/nfstrace record -o /dev/shm/pc.nft --force'
#        NIO=50000 FIO='--direct=1 --ioengine=psync --rw=randwrite --bs=4k --numjobs=4 --group_reporting' \
#          progcost.sh "bin/nfstrace record --comm '^fio\$' -o /dev/shm/pc.nft --force"
set -u
CMD=$1
NIO=${NIO:-200000}
FIO=${FIO:-"--direct=1 --ioengine=libaio --rw=randwrite --bs=4k --iodepth=16"}
f=$(mktemp -p /dev/shm pc.XXXX); truncate -s 1G "$f"; dev=$(losetup -f --show "$f")
[ -n "${SCHED:-}" ] && echo "$SCHED" > "/sys/block/${dev#/dev/}/queue/scheduler"
stats0=$(cat /proc/sys/kernel/bpf_stats_enabled); echo 1 > /proc/sys/kernel/bpf_stats_enabled
trap 'losetup -d "$dev"; rm -f "$f"; echo "$stats0" > /proc/sys/kernel/bpf_stats_enabled' EXIT
snap() { bpftool prog show -j 2>/dev/null; }
before=$(snap)
setsid sh -c "exec $CMD" >/dev/null 2>&1 & p=$!; sleep 3
after=$(snap)
# shellcheck disable=SC2086 # FIO is a list of options
fio --name=pc --filename="$dev" $FIO --number_ios="$NIO" --size=1g --output-format=terse 2>/dev/null | awk -F';' '{print "iops", $49}'
fin=$(snap)
kill -TERM -- -$p 2>/dev/null; sleep 1; kill -KILL -- -$p 2>/dev/null; wait $p 2>/dev/null
python3 - "$before" "$after" "$fin" "$NIO" <<'PY'
import json, sys
b, a, f = (json.loads(x) for x in sys.argv[1:4]); nio = int(sys.argv[4])
old = {p["id"] for p in b}; start = {p["id"]: p for p in a}
total = 0
for p in sorted(f, key=lambda p: p.get("name", "")):
    if p["id"] in old:  # not the tracer's
        continue
    s = start.get(p["id"], {})
    calls = p.get("run_cnt", 0) - s.get("run_cnt", 0)
    ns = p.get("run_time_ns", 0) - s.get("run_time_ns", 0)
    total += ns
    if calls:
        print("%-28s cnt=%9d calls/IO=%6.3f ns/call=%6.0f ns/IO=%6.1f" % (p.get("name"), calls, calls / nio, ns / calls, ns / nio))
print("total BPF ns per IO: %.0f" % (total / nio))
PY
