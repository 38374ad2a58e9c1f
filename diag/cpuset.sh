#!/bin/sh
# cpuset.sh on|off|run CMD...: keep a measurement alone on CPU 1 of a
# 2-CPU machine (cgroup v1 cpuset). "on" moves every process to CPU 0
# (cpuset "rest"), "run" starts CMD in cpuset "bench" (CPU 1), "off" puts
# everything back and removes both. See docs/diagnosis.md.
set -eu
C=${CPUSET_ROOT:-/sys/fs/cgroup/cpuset}
case ${1:-} in
on)
	mkdir -p "$C/rest" "$C/bench"
	echo 0 > "$C/rest/cpuset.mems"; echo 0 > "$C/rest/cpuset.cpus"
	echo 0 > "$C/bench/cpuset.mems"; echo 1 > "$C/bench/cpuset.cpus"
	for p in $(cat "$C/cgroup.procs"); do echo "$p" > "$C/rest/cgroup.procs"; done 2>/dev/null || true
	;;
off)
	for g in rest bench; do
		[ -d "$C/$g" ] || continue
		for p in $(cat "$C/$g/cgroup.procs"); do echo "$p" > "$C/cgroup.procs"; done 2>/dev/null || true
		rmdir "$C/$g" 2>/dev/null || true
	done
	;;
run)
	shift
	echo $$ > "$C/bench/cgroup.procs"
	exec "$@"
	;;
*)
	echo "usage: $0 on|off|run CMD..." >&2
	exit 2
	;;
esac
