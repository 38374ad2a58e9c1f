# Run by the lab's end-to-end test in a guest booted with systemd as PID 1
# (lab.RunConfig.Systemd), after nfsd is up (bash, root, cwd = $LAB_OUT,
# NFSv3 and NFSv4.2 mounts of the export in place): installs the Debian
# package built from the tree, starts its unit, nfstrace.service, as shipped,
# puts NFS load and a kernel message on the host, and keeps what
# lab/systemd_test.go checks: the unit's state, the daemon's capabilities and
# /dev, its scrape (probes, wait sites, kernel log counters) and a clean stop.
scrape() {
	exec 3<>/dev/tcp/127.0.0.1/9753 || return 1
	printf 'GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
	sed '1,/^\r$/d' <&3
	exec 3<&-
}
set -x # to output.log, with the time of each command: the steps are slow under emulation
PS4='+ $(cut -d" " -f1 /proc/uptime) '
cat /proc/1/comm >pid1.txt
systemctl --version >systemd-version.txt

# From here kallsyms addresses and the kernel log need CAP_SYSLOG, which the
# unit must keep: a process without it (setpriv drops it from the bounding
# set, so root's exec does not regain it) reads zero addresses.
sysctl -w kernel.kptr_restrict=1 kernel.dmesg_restrict=1 >sysctl.txt
grep -m1 -w nfsd_dispatch /proc/kallsyms >kallsyms-root.txt
setpriv --bounding-set=-syslog grep -m1 -w nfsd_dispatch /proc/kallsyms >kallsyms-nosyslog.txt

dpkg -i /lab/files/nfsd-trace_*.deb >dpkg.log 2>&1
echo "$?" >dpkg.rc
cp /lib/systemd/system/nfstrace.service unit.installed
# As the README says; enable reloads systemd's configuration first.
timeout 120 systemctl enable --now nfstrace.service
echo "$?" >start.rc
for _ in $(seq 90); do
	scrape >first.prom 2>/dev/null && grep -q '^nfstrace_info' first.prom && break
	systemctl is-active --quiet nfstrace.service || break
	sleep 1
done
journalctl -u nfstrace.service --no-pager -o short-monotonic >journal-start.txt 2>&1

# A kernel message of a class serve counts (fs: "EXT4-fs (loop0): mounted
# filesystem ..."). A line written to /dev/kmsg would not do: the kernel
# gives it the user facility, and nfstrace counts the kernel's own only.
truncate -s 16M /tmp/kmsg.img
mkfs.ext4 -q -F /tmp/kmsg.img
mkdir -p /mnt/kmsg
mount -o loop /tmp/kmsg.img /mnt/kmsg && umount /mnt/kmsg

# nfsd threads in D state, for wait sites.
nfsload -dir /mnt/nfs-v3/systemd -clients 4 -duration 15s >load-v3.json
sleep 3
scrape >after.prom

pid=$(systemctl show -p MainPID --value nfstrace.service)
echo "$pid" >mainpid.txt
for t in /proc/"$pid"/task/*; do
	echo "== ${t##*/} $(cat "$t"/comm)"
	grep -E '^(Cap|NoNewPrivs)' "$t"/status
done >tasks-status.txt
# The daemon's /dev and mounts, seen through its mount namespace.
ls -l /proc/"$pid"/root/dev/ >unit-dev.txt 2>&1
cat /proc/"$pid"/mountinfo >unit-mountinfo.txt
systemctl show nfstrace.service >show.txt
timeout 60 systemd-analyze security --no-pager nfstrace.service >security.txt 2>&1

timeout 60 systemctl stop nfstrace.service
systemctl show -p ActiveState,Result,ExecMainCode,ExecMainStatus nfstrace.service >stopped.txt
ls -l /var/lib/nfstrace >captures.txt 2>&1
journalctl -u nfstrace.service --no-pager -o short-monotonic >journal.txt 2>&1
