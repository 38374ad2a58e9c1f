#!/bin/bash
# Lab script (nfstrace-lab run -script) for what nfstrace's eBPF programs cost per NFS request on the guest's
# real nfsd: the kernel's own run-time accounting of each program (kernel.bpf_stats_enabled=1, read by
# lab/cmd/bpfstat, passed with -file) over a fixed nfsload run on each NFS version while `nfstrace record`
# traces nfsd, divided by the RPCs nfsd answered (/proc/net/rpc/nfsd). See docs/bench/nfsd.md:
#
#   CGO_ENABLED=0 go build -o /tmp/nfsdcost/bpfstat ./lab/cmd/bpfstat
#   make build
#   go run ./lab/cmd/nfstrace-lab run -kernels 6.1,6.12 -scenarios none -script docs/bench/nfsdcost.sh \
#       -file /tmp/nfsdcost/bpfstat -bin bin/nfstrace -out /tmp/nfsdcost/runs
#   # then, in RUN/results/script/, for each version V:
#   #   bpfstat diff -skip pre.tsv -per $(( $(cat vV.rpcs.after) - $(cat vV.rpcs.before) )) vV.before.tsv vV.after.tsv
#
# LOAD overrides nfsload's options (default: 4 clients of the lab's default mix for 30 s).
out=${LAB_OUT:-.}
stat=/lab/files/bpfstat
load=${LOAD:-"-clients 4 -duration 30s"}
rpcs() { while read -r k n _; do [ "$k" = rpc ] && echo "$n"; done </proc/net/rpc/nfsd; }
progs() { "$stat" snap | wc -l; }

uname -r >"$out/kernel.txt"
rpc.nfsd 8
echo Y >/proc/fs/nfsd/v4_end_grace 2>/dev/null
for v in 3 4.2; do
	grep -q " /mnt/nfs-v$v nfs" /proc/mounts || { echo "/mnt/nfs-v$v is not an NFS mount" >&2; exit 1; }
done
echo 1 >/proc/sys/kernel/bpf_stats_enabled
for v in 3 4.2; do
	# shellcheck disable=SC2086 # load is a list of options
	nfsload -phase prepare -dir /mnt/nfs-v$v/cost $load >"$out/v$v.prepare.json" || exit 1
done
"$stat" snap >"$out/pre.tsv" || exit 1

nfstrace record -o "$out/cost.nft" --duration 10m >"$out/record.out" 2>"$out/record.err" &
rec=$!
# Attached: the tracer's programs are loaded and their number has held for 3 s (at most 3 minutes).
before=$(wc -l <"$out/pre.tsv") last=0 same=0
for _ in $(seq 180); do
	sleep 1
	n=$(progs)
	if [ "$n" -gt "$before" ] && [ "$n" -eq "$last" ]; then
		same=$((same + 1))
		[ $same -ge 3 ] && break
	else
		same=0
	fi
	last=$n
done
echo "programs: $before before nfstrace, $last with it" >"$out/attach.txt"

for v in 3 4.2; do
	"$stat" snap >"$out/v$v.before.tsv"
	rpcs >"$out/v$v.rpcs.before"
	# shellcheck disable=SC2086
	nfsload -phase run -dir /mnt/nfs-v$v/cost $load >"$out/v$v.load.json"
	rpcs >"$out/v$v.rpcs.after"
	"$stat" snap >"$out/v$v.after.tsv"
done

kill -INT $rec
wait $rec
echo $? >"$out/record.rc"
echo 0 >/proc/sys/kernel/bpf_stats_enabled
