#!/bin/bash
# BPF cost per lock contention event: many fio jobs writing one file on ext4 (a tmpfs-backed loop device) contend
# on its inode lock (i_rwsem, taken for write by ext4_buffered_write_iter). For each tracer the kernel's own
# accounting of its BPF programs (kernel.bpf_stats_enabled=1, bpftool prog show: run_time_ns, run_cnt) over the
# fio run, printed per program; "ns per contention" is the run time of the programs on lock:contention_begin/end
# divided by the contention_begin runs (every contention event of the machine, whichever thread), and "all ns per
# contention" is every program the tracer loaded (nfstrace also runs sched_switch, block and nfsd programs).
# Tracers: nfstrace (the command given, its threads restricted with --comm), and the equivalent bpftrace script of
# `perf lock contention -b` (wait time and count per lock address, all threads), as perf here lacks -b.
# usage: lockcost.sh 'NFSTRACE COMMAND' [ROUNDS]   (root; fio, bpftool, bpftrace, mkfs.ext4, python3)
#   e.g. lockcost.sh "bin/nfstrace record -o /dev/shm/lk.nft --force --comm '^fio$'" 3
set -u
CMD=$1 ROUNDS=${2:-3}
f=$(mktemp -p /dev/shm lk.XXXX); truncate -s 2G "$f"; dev=$(losetup -f --show "$f")
mnt=$(mktemp -d); mkfs.ext4 -q "$dev" && mount "$dev" "$mnt"
stats0=$(cat /proc/sys/kernel/bpf_stats_enabled); echo 1 > /proc/sys/kernel/bpf_stats_enabled
trap 'umount "$mnt"; rmdir "$mnt"; losetup -d "$dev"; rm -f "$f"; echo "$stats0" > /proc/sys/kernel/bpf_stats_enabled' EXIT
fio_run() { fio --name=lk --filename="$mnt/one" --rw=randwrite --bs=4k --size=256m --numjobs=16 --ioengine=psync \
      --time_based --runtime=15 --group_reporting --output-format=terse 2>/dev/null | awk -F';' '{print $49}'; }
# "id name run_cnt run_time_ns" of every loaded program
progs() { bpftool prog show -j 2>/dev/null | python3 -c 'import json,sys
for p in json.load(sys.stdin): print(p["id"], p.get("name", "?"), p.get("run_cnt", 0), p.get("run_time_ns", 0))'; }
with() { # runs fio under a tracer in its own session; prints its programs' deltas and the per-event figures
  local before after fin p iops
  before=$(progs)
  setsid "$@" >/dev/null 2>&1 & p=$!; sleep 3
  after=$(progs); iops=$(fio_run); fin=$(progs)
  kill -INT -- -$p 2>/dev/null; sleep 2; kill -KILL -- -$p 2>/dev/null; wait $p 2>/dev/null
  python3 - "$before" "$after" "$fin" "$iops" <<'PY'
import sys
def parse(s):
    return {int(l.split()[0]): l.split()[1:] for l in s.splitlines() if l.strip()}
b, a, f = (parse(x) for x in sys.argv[1:4])
rows, begin, lock_ns, all_ns = [], 0, 0, 0
for i, (name, cnt, ns) in f.items():
    if i in b:
        continue
    a0 = a.get(i, [name, 0, 0])
    dc, dn = int(cnt) - int(a0[1]), int(ns) - int(a0[2])
    rows.append("%s cnt=%d ns=%d" % (name, dc, dn))
    all_ns += dn
    if "conten" in name:  # bpftool shows names cut to 15 characters: "contention_begi"
        lock_ns += dn
        if "begi" in name:
            begin = max(begin, dc)
print("  iops %s; programs: %s" % (sys.argv[4], ", ".join(sorted(rows))))
print("  contention events %d; lock ns per contention %.0f; all ns per contention %.0f" % (
    begin, lock_ns / begin if begin else float("nan"), all_ns / begin if begin else float("nan")))
PY
}
BT='tracepoint:lock:contention_begin { @s[tid] = nsecs; @l[tid] = args->lock_addr; }
tracepoint:lock:contention_end /@s[tid]/ { @wait[@l[tid]] = sum(nsecs - @s[tid]); @n[@l[tid]] = count(); delete(@s[tid]); delete(@l[tid]); }'
for r in $(seq 1 "$ROUNDS"); do
  echo "round $r: nfstrace"; with sh -c "exec $CMD"
  echo "round $r: bpftrace (perf lock contention -b equivalent)"; with timeout -s INT 60 bpftrace -e "$BT"
done
