# Run by the lab's end-to-end test in the guest after the scenarios (bash,
# root, cwd = $LAB_OUT, NFSv3 and NFSv4.2 mounts of the export in place):
# `nfstrace serve` with its defaults (eBPF, nfsd threads), scraped from inside
# the guest before and after NFS load, then SIGHUP (new capture) and SIGTERM
# (clean close). lab/e2e_test.go checks what this leaves in $LAB_OUT.
scrape() {
	exec 3<>/dev/tcp/127.0.0.1/9753 || return 1
	printf 'GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
	sed '1,/^\r$/d' <&3
	exec 3<&-
}
mkdir -p caps
nfstrace serve --capture-dir "$LAB_OUT/caps" --interval 1s >serve.log 2>&1 &
sp=$!
for _ in $(seq 90); do grep -q 'serving metrics' serve.log && break; sleep 1; done
sleep 2
scrape >before.prom
nfsload -dir /mnt/nfs-v3/serve -clients 4 -duration 10s >load-v3.json
nfsload -dir /mnt/nfs-v4.2/serve -clients 4 -duration 10s >load-v4.2.json
sleep 3
scrape >after.prom
kill -HUP "$sp"
sleep 3
kill -TERM "$sp"
wait "$sp"
echo "$?" >serve.rc
ls caps >captures.txt
if [ -x /lab/files/promtool ]; then
	/lab/files/promtool check metrics <after.prom >promtool.out 2>&1
	echo "$?" >promtool.rc
fi
