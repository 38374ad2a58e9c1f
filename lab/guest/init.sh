#!/bin/bash
# PID 1 of the nfstrace lab guest: bring up nfsd, run each scenario with
# nfstrace inside it, write the results to /dev/vdb as a tar archive, power off.
#
# Every action is a "step" with its own timeout and its own log file; the
# console gets one "LAB-STEP begin/end" line per step, so that the host can
# say which step was running if it had to kill the guest. Nothing runs in a
# pipeline whose reader could stop: output goes to files.
#
# "init.sh --fn NAME ARGS" runs one function of this file; steps use it to put
# shell functions under timeout(1).

export PATH=/lab/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LC_ALL=C
R=/results
# SYSCTL is where the sysctl files are; a test points it at a directory of its own.
SYSCTL=${LAB_SYSCTL_ROOT:-/proc/sys}
LOGS=$R/logs

up() { cut -d' ' -f1 /proc/uptime; }
say() { echo "LAB: $*"; }

# step NAME TIMEOUT_SECONDS CMD...: run CMD with a timeout, output to $LOGS/NAME.log.
step() {
	local name=$1 t=$2 t0 t1 rc
	shift 2
	t0=$(up)
	echo "LAB-STEP begin $name timeout=${t}s at=${t0}s"
	timeout -k 5 "$t" "$@" >>"$LOGS/${name//\//_}.log" 2>&1 </dev/null
	rc=$?
	t1=$(up)
	[ $rc = 124 ] && echo "LAB-STEP timeout $name after ${t}s"
	echo "LAB-STEP end $name rc=$rc at=${t1}s"
	printf '%s\t%s\t%s\t%s\n' "$name" "$rc" "$t0" "$t1" >>$R/steps.tsv
	return $rc
}

# F runs one function of this file as a command, for timeout(1).
F="/lab/init.sh --fn"

# ---------------------------------------------------------------- functions run as steps

load_modules() {
	local m
	for m in virtio_pci virtio_blk ext4 nfsd nfs nfsv3 nfsv4 loop dm_delay kyber_iosched bfq mq_deadline; do
		modprobe "$m" || echo "modprobe $m failed"
	done
}

start_nfsd() {
	mkdir -p /var/lib/nfs/rpc_pipefs /var/lib/nfs/v4recovery /srv/export /mnt/nfs
	mountpoint -q /proc/fs/nfsd || mount -t nfsd nfsd /proc/fs/nfsd || return 1
	mountpoint -q /var/lib/nfs/rpc_pipefs || mount -t rpc_pipefs sunrpc /var/lib/nfs/rpc_pipefs
	: >/etc/exports
	rpcbind -w || return 1
	rpc.nfsd --grace-time 10 8 || return 1
	rpc.mountd || return 1
	echo Y >/proc/fs/nfsd/v4_end_grace 2>/dev/null
	echo "threads: $(cat /proc/fs/nfsd/threads) versions: $(cat /proc/fs/nfsd/versions)"
}

guest_info() {
	echo "release: $(uname -r)"
	echo "cmdline: $(cat /proc/cmdline)"
	echo "cpus: $(nproc)"
	grep -E '^(MemTotal|MemFree):' /proc/meminfo
	echo "lockdown: $(cat /sys/kernel/security/lockdown 2>/dev/null)"
	echo "btf: $(ls /sys/kernel/btf 2>/dev/null | tr '\n' ' ')"
	echo "nfsd tracepoints: $(ls /sys/kernel/tracing/events/nfsd 2>/dev/null | wc -l)"
	echo "sunrpc tracepoints: $(ls /sys/kernel/tracing/events/sunrpc 2>/dev/null | wc -l)"
	echo "block tracepoints: $(ls /sys/kernel/tracing/events/block 2>/dev/null | tr '\n' ' ')"
	echo "lock tracepoints: $(ls /sys/kernel/tracing/events/lock 2>/dev/null | tr '\n' ' ')"
	echo "kprobes: $(test -e /sys/kernel/tracing/kprobe_events && echo yes || echo no)"
}

# dm_create NAME TABLE: a device-mapper device (no udev in the guest),
# recorded as the device to export.
dm_create() {
	DM_DISABLE_UDEV=1 dmsetup create --noudevsync "$1" --table "$2" || return 1
	dmsetup table "$1"
	[ -b "/dev/mapper/$1" ] || dmsetup mknodes "$1"
	echo "/dev/mapper/$1" >/tmp/lab-dev
}

# setup_device: the block device the scenario exports, and the device whose
# IO scheduler it sets, written to /tmp/lab-dev and /tmp/lab-sdev.
setup_device() {
	case $LAB_DEVICE in
	virtio)
		echo /dev/vda >/tmp/lab-dev
		echo vda >/tmp/lab-sdev
		;;
	nullb | nullb-delay | nullb-fail)
		modprobe null_blk nr_devices=1 queue_mode=2 memory_backed=1 gb="$LAB_NULLB_GB" $LAB_NULLB_PARAMS || return 1
		if [ ! -e /sys/module/null_blk/parameters/memory_backed ]; then
			# This null_blk (5.10) takes memory_backed through configfs
			# only: the module's device would drop every write.
			rmmod null_blk || return 1
			modprobe null_blk nr_devices=0 queue_mode=2 $LAB_NULLB_PARAMS || return 1
			mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config || return 1
			local d=/sys/kernel/config/nullb/nullb0
			mkdir "$d" || return 1
			echo 2 >"$d/queue_mode" && echo 1 >"$d/memory_backed" &&
				echo $((LAB_NULLB_GB * 1024)) >"$d/size" && echo 1 >"$d/power" || return 1
		fi
		udevadm settle 2>/dev/null
		for _ in $(seq 50); do [ -b /dev/nullb0 ] && break; sleep 0.1; done
		[ -b /dev/nullb0 ] || { echo "no /dev/nullb0"; return 1; }
		echo nullb0 >/tmp/lab-sdev
		local sz
		sz=$(blockdev --getsz /dev/nullb0) || return 1
		case $LAB_DEVICE in
		nullb-delay) dm_create lab-slow "0 $sz delay /dev/nullb0 0 $LAB_DELAY_MS" || return 1 ;;
		# a linear mapping that fail_device swaps for dm's error target
		nullb-fail) dm_create lab-fail "0 $sz linear /dev/nullb0 0" || return 1 ;;
		*) echo /dev/nullb0 >/tmp/lab-dev ;;
		esac
		;;
	*)
		echo "unknown device $LAB_DEVICE"
		return 1
		;;
	esac
	echo "device $(cat /tmp/lab-dev), scheduler on $(cat /tmp/lab-sdev)"
}

# fail_device: from now on every read and write of the export's device
# fails: its linear mapping is replaced by dm's error target. The device is
# suspended without freezing the file system, as a failing disk would not
# wait for it to be consistent.
fail_device() {
	local sz
	sz=$(blockdev --getsz /dev/mapper/lab-fail) || return 1
	export DM_DISABLE_UDEV=1
	dmsetup suspend --noudevsync --nolockfs lab-fail || return 1
	dmsetup load lab-fail --table "0 $sz error" || return 1
	dmsetup resume --noudevsync lab-fail || return 1
	dmsetup table lab-fail
}

teardown_device() {
	dmsetup remove lab-slow 2>/dev/null
	dmsetup remove lab-fail 2>/dev/null
	[ -d /sys/kernel/config/nullb/nullb0 ] && { echo 0 >/sys/kernel/config/nullb/nullb0/power; rmdir /sys/kernel/config/nullb/nullb0; }
	if [ -d /sys/module/null_blk ]; then rmmod null_blk || return 1; fi
	return 0
}

set_scheduler() { # DEV SCHED
	echo "$2" >"/sys/block/$1/queue/scheduler" || return 1
	grep -q "\[$2\]" "/sys/block/$1/queue/scheduler"
}

# dirty_twin: the vm.dirty_* settings come in exclusive pairs, a size and
# a ratio: writing one zeroes the other. Prints KEY's twin, nothing for a
# key without one.
dirty_twin() { # KEY
	case $1 in
	vm.dirty_bytes) echo vm.dirty_ratio ;;
	vm.dirty_ratio) echo vm.dirty_bytes ;;
	vm.dirty_background_bytes) echo vm.dirty_background_ratio ;;
	vm.dirty_background_ratio) echo vm.dirty_background_bytes ;;
	esac
}

# apply_sysctls saves every key the scenario sets, and the twin of each
# (dirty_twin), before writing any: writing one of a pair zeroes the
# other, so the pair's old setting is the twin's value when the key's is 0.
apply_sysctls() { # OUT
	local kv k t v
	: >"$1/sysctl.restore"
	for kv in $LAB_SYSCTLS; do
		k=${kv%%=*}
		for t in "$k" $(dirty_twin "$k"); do
			grep -q "^$t=" "$1/sysctl.restore" && continue
			v=$(cat "$SYSCTL/${t//.//}") || return 1
			echo "$t=$v" >>"$1/sysctl.restore" || return 1
		done
	done
	for kv in $LAB_SYSCTLS; do
		k=${kv%%=*}
		echo "${kv#*=}" >"$SYSCTL/${k//.//}" || return 1
		echo "$k=$(cat "$SYSCTL/${k//.//}")" >>"$1/sysctl.applied"
	done
	return 0
}

# restore_sysctls writes back what apply_sysctls saved and checks that it
# holds: of a pair, the one that was set (a 0 is its twin's zeroing, which
# writing the twin redoes).
restore_sysctls() { # OUT
	local kv k v f
	[ -f "$1/sysctl.restore" ] || return 0
	while IFS= read -r kv; do
		k=${kv%%=*}
		v=${kv#*=}
		[ "$v" = 0 ] && [ -n "$(dirty_twin "$k")" ] && continue
		f=$SYSCTL/${k//.//}
		echo "$v" >"$f" || return 1
		[ "$(cat "$f")" = "$v" ] || return 1
	done <"$1/sysctl.restore"
}

make_export() { # DEV
	mkfs.ext4 -q -F -E lazy_itable_init=1,lazy_journal_init=1 "$1" || return 1
	# The rootfs's mkfs (bookworm) turns on ext4 features that older
	# kernels cannot mount (5.10: orphan_file, metadata_csum_seed).
	if ! mount "$1" /srv/export; then
		mkfs.ext4 -q -F -E lazy_itable_init=1,lazy_journal_init=1 -O ^orphan_file,^metadata_csum_seed "$1" || return 1
		mount "$1" /srv/export || return 1
	fi
	chmod 1777 /srv/export
	rpc.nfsd "${LAB_NFSD_THREADS:-8}" || return 1
	exportfs -o rw,no_root_squash,no_subtree_check,fsid=1 127.0.0.1:/srv/export || return 1
	exportfs -v
}

# remove_export: unexport and unmount the export. nfsd's file cache keeps
# files of NFSv3 clients open for a few seconds after their last use (its
# laundrette closes them), so an unmount right after the clients' can find
# the file system busy ("target is busy": CI on 6.1, 2026-12-05): retry
# for up to 30 s before failing.
remove_export() {
	local i
	exportfs -ua
	for i in $(seq 30); do
		if umount /srv/export 2>/dev/null; then
			[ "$i" -gt 1 ] && echo "/srv/export was busy: unmounted at try $i, a second apart"
			return 0
		fi
		sleep 1
	done
	umount /srv/export
}

nfs_mount() { # VERSION DIR
	local opts="vers=$1"
	[ "$1" = 3 ] && opts="$opts,nolock"
	[ -n "$LAB_MOUNT_OPTS" ] && opts="$opts,$LAB_MOUNT_OPTS"
	mkdir -p "$2"
	mount -t nfs -o "$opts" 127.0.0.1:/srv/export "$2" || return 1
	grep " $2 " /proc/mounts
}

nfs_umount() { # DIR
	umount "$1" || umount -f "$1" || umount -l "$1"
}

# client_mounts MNT: the mount points the clients work through: MNT alone,
# or with LAB_CLIENT_MOUNTS=each one per client process (MNT.c0, MNT.c1, ...).
client_mounts() {
	local i=0
	if [ "$LAB_CLIENT_MOUNTS" != each ]; then
		echo "$1"
		return
	fi
	while [ $i -lt "$LAB_CLIENTS" ]; do
		echo "$1.c$i"
		i=$((i + 1))
	done
}

# mount_clients VERSION MNT: mount the export at every client mount point;
# separate mounts get their own superblock (nosharecache), hence their own
# inodes and inode locks, as separate client machines would have. When one
# fails, those already made are unmounted: the next scenario mounts there.
mount_clients() {
	local m opts=$LAB_MOUNT_OPTS
	[ "$LAB_CLIENT_MOUNTS" = each ] && opts="${opts:+$opts,}nosharecache"
	for m in $(client_mounts "$2"); do
		if ! LAB_MOUNT_OPTS=$opts nfs_mount "$1" "$m"; then
			umount_clients "$2"
			return 1
		fi
	done
}

umount_clients() { # MNT
	local m rc=0
	for m in $(client_mounts "$1"); do
		nfs_umount "$m" || rc=1
	done
	return $rc
}

# client_dirs MNT VERSION: nfsload's -dir, the load's directory through
# every client mount.
client_dirs() {
	local m out=
	for m in $(client_mounts "$1"); do
		out="${out:+$out,}$m/v$2"
	done
	echo "$out"
}

load() { # PHASE DIR OUT-JSON [DURATION]
	local ok=
	# Once the device fails, the clients' writes and fsyncs fail too.
	[ "$LAB_DEVICE" = nullb-fail ] && ok=-errors-ok
	nfsload -phase "$1" -dir "$2" -clients "$LAB_CLIENTS" -duration "${4:-1}s" -mix "$LAB_MIX" \
		-io-size "$LAB_IO_SIZE" -file-size "$LAB_FILE_SIZE" -shared="${LAB_SHARED_FILE:-false}" \
		-direct-write="${LAB_WRITE_DIRECT:-false}" $ok >"$3"
}

# sample_dstate OUT: once a second, the kernel stack of every nfsd thread in D
# state, read from /proc: ground truth for nfstrace's D-state view.
sample_dstate() {
	local p s
	while :; do
		for p in $(pgrep -x nfsd); do
			read -r s </proc/"$p"/stat 2>/dev/null || continue
			s=${s##*) }
			if [ "${s%% *}" = D ]; then
				echo "== $(up) pid $p"
				cat /proc/"$p"/stack 2>/dev/null
			fi
		done >>"$1"
		sleep 1
	done
}

# sample_all OUT: ten times a second, the state and kernel stack of every nfsd
# and jbd2 thread, whatever its state: ground truth for the lock owners
# nfstrace names (an owner must be one of these threads, caught in the
# write path). One record: "== UPTIME pid PID COMM STATE", then the stack;
# UPTIME is when the round began, the same for every thread of a round.
# The threads are listed once and read with shell builtins: a round that
# forks starved under the load (one round in 33 s on a loaded host).
sample_all() {
	local p s c t l pids
	pids="$(pgrep -x nfsd) $(pgrep '^jbd2/')"
	while :; do
		read -r t _ </proc/uptime
		for p in $pids; do
			read -r s </proc/"$p"/stat 2>/dev/null || continue
			c=${s#*(}
			c=${c%%)*}
			s=${s##*) }
			echo "== $t pid $p $c ${s%% *}"
			# One read to the end: reading line by line seeks back
			# after each line, and a seek makes /proc/PID/stack walk
			# the stack again, tearing lines of a thread that moved.
			l=
			IFS= read -r -d '' l </proc/"$p"/stack 2>/dev/null
			printf '%s' "$l"
		done >>"$1"
		sleep 0.1
	done
}

# links PID: how many BPF links the process holds (its attached probes).
# One ls, not a readlink per descriptor: under TCG each fork costs tens of
# milliseconds, and a tracer holds a hundred descriptors or more, so the
# per-descriptor loop made each round of wait_attached take 15-20 s.
links() {
	ls -l /proc/"$1"/fd 2>/dev/null | grep -c 'bpf.link' || :
}

# wait_attached OUT SETTLE: wait until nfstrace top and record (started by
# trace_start) hold BPF links and their number has not changed for two
# seconds (attached: 9 s on an idle host, over 90 s on a loaded one, when
# a fixed wait let the load end before tracing began; record's first
# progress line comes before that), and top has written its first frame
# (its first interval began: links steady for two seconds can still be
# short of it, as on 7.3 under a loaded host, where top's frames began 13 s
# after the load), then SETTLE seconds more.
wait_attached() {
	local p prev="" cur i
	for i in $(seq 300); do
		# A tracer that already exited will attach nothing more.
		{ [ -s "$1/top.rc" ] || [ -s "$1/record.rc" ]; } && break
		cur=""
		for p in $(pgrep -f '^nfstrace (top|record) '); do
			cur="$cur $(links "$p")"
		done
		case " $cur " in *" 0 "* | "  ") prev="" ;; *)
			[ "$cur" = "$prev" ] && break
			prev=$cur
			;;
		esac
		sleep 2
	done
	echo "links:$cur after ${i} rounds"
	for i in $(seq 300); do
		# top.rc: top exited, or was never started ("skipped"; a step
		# runs in a process of its own, without HAVE_TOP).
		{ [ -s "$1/top.jsonl" ] || [ -s "$1/top.rc" ]; } && break
		sleep 2
	done
	echo "top's first frame after ${i} rounds"
	sleep "$2"
}

# wait_quiet: until nfsd's request counters have not moved for 2 s (60 s
# at most).
wait_quiet() {
	local prev="" cur i same=0
	for i in $(seq 120); do
		cur=$(grep -E '^(rpc|proc[234]|proc4ops) ' /proc/net/rpc/nfsd)
		if [ "$cur" = "$prev" ]; then same=$((same + 1)); else same=0 prev=$cur; fi
		[ "$same" -ge 4 ] && { echo "quiet after $((i / 2)) s"; return 0; }
		sleep 0.5
	done
	echo "nfsd still busy after 60 s"
}

# wait_file FILE: wait for a background job to leave its exit status in FILE.
wait_file() {
	while [ ! -s "$1" ]; do sleep 0.5; done
	cat "$1"
}

save() {
	tar -C $R -cf /tmp/results.tar . || return 1
	dd if=/tmp/results.tar of=/dev/vdb bs=1M conv=fsync status=none || return 1
	echo "saved $(stat -c %s /tmp/results.tar) bytes"
}

# trace_start OUT WINDOW: nfstrace top and record in the background until
# trace_stop. top prints a frame every 2 s, each over the last WINDOW
# seconds (top.jsonl); record writes the capture. Neither stops on a clock
# of its own: attaching took from 9 s (idle host) to over 90 s (loaded
# host), and a fixed --duration counted from the start let the load end
# after nfstrace's window.
trace_start() {
	local out=$1 window=$2
	if [ "$HAVE_TOP" = 1 ]; then
		(timeout -k 5 1800 nfstrace top --format json --interval 2s --window "${window}s" >"$out/top.jsonl" 2>"$out/top.err" </dev/null
			echo $? >"$out/top.rc") &
	else
		echo skipped >"$out/top.rc"
	fi
	if [ "$HAVE_RECORD" = 1 ]; then
		(timeout -k 5 1800 nfstrace record -o "$out/capture.nft" --duration 1500s >"$out/record.out" 2>"$out/record.err" </dev/null
			echo $? >"$out/record.rc") &
	else
		echo skipped >"$out/record.rc"
	fi
}

# trace_stop OUT: after one more of top's intervals (so that a frame ends
# after the load), stop nfstrace with SIGINT, which ends both cleanly, and
# keep top's last frame as top.json.
trace_stop() {
	sleep 4
	pkill -INT -f '^nfstrace (top|record) '
	wait_file "$1/top.rc" && wait_file "$1/record.rc" || return 1
	[ -s "$1/top.jsonl" ] && tail -n 1 "$1/top.jsonl" >"$1/top.json"
	rm -f "$1/top.jsonl"
}

# ---------------------------------------------------------------- a scenario

run_version() { # SCENARIO VERSION OUT
	local s=$1 v=$2 o=$3 mnt=/mnt/nfs sampler dirs
	mkdir -p "$o"
	step "$s/v$v/mount" 120 $F mount_clients "$v" "$mnt" || return 1
	dirs=$(client_dirs "$mnt" "$v")
	step "$s/v$v/prepare" 600 $F load prepare "$dirs" "$o/prepare.json"
	# nfsd's counters (/proc) and nfstrace must count the same requests:
	# the preparation's last requests are let finish before nfstrace
	# starts, top's frame spans all of its run, and the counters are read
	# when the load starts, when it ends (nfsd.end: the load's window,
	# inside nfstrace's) and after nfstrace stops (nfsd.after: the
	# clients' closes after the load send requests too, some after
	# nfstrace's last frame).
	step "$s/v$v/quiet" 120 $F wait_quiet
	trace_start "$o" 3600
	step "$s/v$v/attach" $((LAB_SETTLE + 660)) $F wait_attached "$o" "$LAB_SETTLE"
	date +%s.%N >"$o/load.start"
	cp /proc/net/rpc/nfsd "$o/nfsd.before"
	cp /proc/diskstats "$o/diskstats.before"
	if [ "$LAB_STACK_SAMPLES" = all ]; then
		timeout $((LAB_DURATION + 60)) nice -n -15 $F sample_all "$o/thread-stacks.txt" &
	else
		timeout $((LAB_DURATION + 60)) $F sample_dstate "$o/dstate-stacks.txt" &
	fi
	sampler=$!
	if [ "$LAB_DEVICE" = nullb-fail ]; then
		# The load in two parts, the device failing in between: however
		# slow the guest, it fails while the clients are busy.
		step "$s/v$v/load" $((LAB_FAIL_AFTER + 300)) $F load run "$dirs" "$o/load-healthy.json" "$LAB_FAIL_AFTER"
		date +%s.%N >"$o/fail.at"
		step "$s/v$v/fail-device" 60 $F fail_device
		step "$s/v$v/load-failing" $((LAB_DURATION - LAB_FAIL_AFTER + 300)) $F load run "$dirs" "$o/load.json" $((LAB_DURATION - LAB_FAIL_AFTER))
	else
		step "$s/v$v/load" $((LAB_DURATION + 300)) $F load run "$dirs" "$o/load.json" "$LAB_DURATION"
	fi
	date +%s.%N >"$o/load.end"
	cp /proc/net/rpc/nfsd "$o/nfsd.end"
	cp /proc/diskstats "$o/diskstats.after"
	kill "$sampler" 2>/dev/null
	step "$s/v$v/trace-stop" 150 $F trace_stop "$o"
	cp /proc/net/rpc/nfsd "$o/nfsd.after"
	step "$s/v$v/umount" 60 $F umount_clients "$mnt"
}

run_scenario() { # NAME
	local s=$1 o=$R/scenarios/$1 dev sdev v
	mkdir -p "$o"
	set -a
	. "/lab/scenarios/$s.env"
	set +a
	say "scenario $s start at $(up)s"
	cp "/lab/scenarios/$s.env" "$o/scenario.env"
	step "$s/device" 120 $F setup_device || { step "$s/teardown" 60 $F teardown_device; return 1; }
	dev=$(cat /tmp/lab-dev)
	sdev=$(cat /tmp/lab-sdev)
	if [ -n "$LAB_SCHEDULER" ]; then
		step "$s/scheduler" 30 $F set_scheduler "$sdev" "$LAB_SCHEDULER"
	fi
	echo "$sdev $(cat /sys/block/$sdev/queue/scheduler)" >"$o/scheduler.txt"
	step "$s/sysctl" 30 $F apply_sysctls "$o"
	if step "$s/export" 300 $F make_export "$dev"; then
		if [ "$HAVE_CHECK" = 1 ]; then
			step "$s/check" 300 sh -c "nfstrace check >'$o/check.txt' 2>&1; echo \$? >'$o/check.rc'"
		fi
		for v in $LAB_VERSIONS; do
			run_version "$s" "$v" "$o/v$v"
		done
		step "$s/unexport" 120 $F remove_export
	fi
	step "$s/sysctl-restore" 30 $F restore_sysctls "$o"
	step "$s/teardown" 120 $F teardown_device
	say "scenario $s done at $(up)s"
}

# run_script: the user's script (lab -script) with the export on vda mounted
# over NFSv3 at /mnt/nfs-v3 and NFSv4.2 at /mnt/nfs-v4.2.
run_script() {
	local o=$R/script
	mkdir -p "$o"
	step script/export 300 $F make_export /dev/vda || return 1
	step script/mount-v3 120 $F nfs_mount 3 /mnt/nfs-v3
	step script/mount-v4.2 120 $F nfs_mount 4.2 /mnt/nfs-v4.2
	step script/run "$LAB_SCRIPT_TIMEOUT" env LAB_OUT="$o" sh -c "cd '$o' && exec bash /lab/user/script >'$o/output.log' 2>&1"
	echo $? >"$o/rc"
	step script/umount 60 sh -c "umount /mnt/nfs-v3; umount /mnt/nfs-v4.2"
	step script/unexport 120 $F remove_export
}

# ---------------------------------------------------------------- main

if [ "$1" = --fn ]; then
	shift
	"$@"
	exit $?
fi

# Under systemd (lab.service, LAB_UNDER_SYSTEMD=1) the API file systems and
# the loopback device are systemd's, and /run holds its state.
if [ "$LAB_UNDER_SYSTEMD" != 1 ]; then
	mount -t proc proc /proc
	mount -t sysfs sys /sys
	mount -t devtmpfs dev /dev
	mkdir -p /dev/pts /dev/shm /run /tmp
	mount -t devpts devpts /dev/pts
	mount -t tmpfs tmpfs /run
	ip link set lo up
fi
mountpoint -q /sys/kernel/tracing || mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf 2>/dev/null
hostname lab
mkdir -p $LOGS
: >$R/steps.tsv
set -a
. /lab/job.env
set +a
say "kernel $(uname -r) up at $(up)s; scenarios: ${LAB_SCENARIOS:-none}"

step modules 180 $F load_modules
guest_info >$R/guest-info.txt 2>&1
step nfsd-start 180 $F start_nfsd
say "nfsd up at $(up)s: $(cat /proc/fs/nfsd/threads 2>/dev/null) threads"
step nfstrace-help 60 sh -c "nfstrace help >$R/nfstrace-help.txt 2>&1"
HAVE_CHECK=0 HAVE_TOP=0 HAVE_RECORD=0
grep -qE '^ +check ' $R/nfstrace-help.txt && HAVE_CHECK=1
grep -qE '^ +top ' $R/nfstrace-help.txt && HAVE_TOP=1
grep -qE '^ +record ' $R/nfstrace-help.txt && HAVE_RECORD=1
echo "check=$HAVE_CHECK top=$HAVE_TOP record=$HAVE_RECORD" >$R/nfstrace-commands.txt
step save 120 $F save

for s in $LAB_SCENARIOS; do
	run_scenario "$s"
	step "$s/save" 120 $F save
done
if [ -n "$LAB_SCRIPT" ]; then
	run_script
fi

dmesg >$R/dmesg.txt 2>&1
say "done at $(up)s"
echo "done $(up)" >$R/done
step save 120 $F save
sync
echo o >/proc/sysrq-trigger
sleep 10
poweroff -f
