#!/bin/bash
# Lab script (nfstrace-lab run -script) for the nfsd probes: runs the package's
# test binary, passed with -file, against the guest's real nfsd over NFSv3 and
# NFSv4.2 mounts of the guest's own export. See docs/bench/nfsd.md.
#
# It makes its own mounts (and makes sure nfsd has threads) rather than rely
# on the lab's /mnt/nfs-v3 and /mnt/nfs-v4.2.
out=${LAB_OUT:-.}
uname -r >"$out/kernel.txt"
ls /sys/kernel/btf >"$out/btf.txt" 2>&1
rpc.nfsd 8
echo Y >/proc/fs/nfsd/v4_end_grace 2>/dev/null
dirs=
for v in 3 4.2; do
	m=/mnt/nfsd-test-v$v
	mkdir -p $m
	opts=vers=$v
	[ $v = 3 ] && opts=$opts,nolock
	if timeout -k 5 90 mount -t nfs -o $opts 127.0.0.1:/srv/export $m >>"$out/mount.log" 2>&1; then
		dirs=$dirs${dirs:+,}$m
	else
		echo "mount v$v failed" >>"$out/mount.log"
	fi
done
grep nfs /proc/mounts >>"$out/mount.log"
cp /proc/net/rpc/nfsd "$out/nfsd.before"
# The product's view of the same probes: check, and top over the test's workload.
timeout -k 5 120 nfstrace check >"$out/check.txt" 2>&1
echo $? >"$out/check.rc"
(timeout -k 5 120 nfstrace top --once --format json --interval 25s >"$out/top.json" 2>"$out/top.err" </dev/null
	echo $? >"$out/top.rc") &
top=$!
sleep 3
NFSTRACE_LAB_GUEST=1 NFSTRACE_STRICT=1 NFSTRACE_NFS_DIRS=$dirs \
	timeout -k 5 400 /lab/files/ebpf.test -test.v -test.count=1 -test.timeout 380s \
	-test.run 'TestNFSDGuest|TestLoadNFSD|TestRPC|TestNFSD|TestThreadOp|TestParseNFSD' >"$out/nfsd-test.log" 2>&1
echo $? >"$out/nfsd-test.rc"
wait $top
cp /proc/net/rpc/nfsd "$out/nfsd.after"
for v in 3 4.2; do umount /mnt/nfsd-test-v$v 2>/dev/null; done
cat "$out/nfsd-test.rc"
