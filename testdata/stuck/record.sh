#!/bin/sh
# record.sh OUT BIN: records OUT-a.nft (1 MiB O_DIRECT writes by fio to a
# loop device from a blkio cgroup) and OUT (the same, with the cgroup's
# write bandwidth cut to 1 KiB/s 6 s in, so one write waits in D for the
# rest of the capture). Needs root, cgroup v1 blkio, fio and losetup.
set -eu
out=$1; bin=$2
img=$(mktemp /tmp/stuck.XXXXXX.img)
truncate -s 256M "$img"
loop=$(losetup -f --show "$img")
majmin=$(lsblk -dno MAJ:MIN "$loop" | tr -d ' ')
cg=/sys/fs/cgroup/blkio/nfst-stuck
mkdir -p $cg
cleanup() {
	echo "$majmin 0" > $cg/blkio.throttle.write_bps_device 2>/dev/null || true
	touch /tmp/stuck-stop; sleep 2
	rmdir $cg 2>/dev/null || true
	losetup -d "$loop" || true
	rm -f "$img" /tmp/stuck-stop
}
trap cleanup EXIT
one() { # one FILE THROTTLE
	sh -c "echo \$\$ > $cg/cgroup.procs; exec fio --name=w --filename=$loop --rw=write --bs=1M --size=200M --direct=1 --rate=20m --time_based --runtime=60 --output=/dev/null" &
	w=$!
	"$bin" record --comm '^fio$' --duration 20s --interval 250ms -o "$1" --force > "$1.log" 2>&1 &
	r=$!
	sleep 6
	if [ "$2" = 1 ]; then echo "$majmin 1024" > $cg/blkio.throttle.write_bps_device; fi
	wait $r
	touch /tmp/stuck-stop
	if [ "$2" = 1 ]; then
		for p in $(pgrep -x fio); do grep -E '^(State|voluntary)' /proc/$p/status || true; done
		echo "$majmin 0" > $cg/blkio.throttle.write_bps_device
	fi
	kill $w 2>/dev/null || true
	wait $w || true
	rm -f /tmp/stuck-stop
}
rm -f /tmp/stuck-stop
one "${out%.nft}-a.nft" 0
one "$out" 1
