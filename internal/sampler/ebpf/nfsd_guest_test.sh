#!/bin/bash
# Lab script (nfstrace-lab run -script) for the nfsd probes: runs the package's
# test binary, passed with -file, against the guest's real nfsd over the
# NFSv3 and NFSv4.2 mounts the lab provides. See docs/bench/nfsd.md.
out=${LAB_OUT:-.}
uname -r >"$out/kernel.txt"
ls /sys/kernel/btf >"$out/btf.txt" 2>&1
cp /proc/net/rpc/nfsd "$out/nfsd.before"
NFSTRACE_LAB_GUEST=1 NFSTRACE_STRICT=1 NFSTRACE_NFS_DIRS=/mnt/nfs-v3,/mnt/nfs-v4.2 \
	timeout -k 5 400 /lab/files/ebpf.test -test.v -test.count=1 -test.timeout 380s \
	-test.run 'TestNFSDGuest|TestLoadNFSD|TestRPC|TestNFSD|TestThreadOp|TestParseNFSD' >"$out/nfsd-test.log" 2>&1
echo $? >"$out/nfsd-test.rc"
cp /proc/net/rpc/nfsd "$out/nfsd.after"
cat "$out/nfsd-test.rc"
