#!/bin/bash
# Regenerates testdata/captures/ from a fresh lab run: every built-in scenario
# on Debian's 6.1 and 6.12 kernels, `nfstrace record` of each NFS version's
# load, copied as SERIES-SCENARIO-vVERSION.nft. Run as root from anywhere in
# the repository; takes about 15 minutes with a built lab cache.
#
#   lab/captures.sh            # all scenarios
#   lab/captures.sh baseline   # a comma-separated subset
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
scenarios=${1:-all}
runs=$(mktemp -d /tmp/nfstrace-captures.XXXXXX)
go run ./lab/cmd/nfstrace-lab run -parallel -q -scenarios "$scenarios" -out "$runs" | tee "$runs/lab.log"
status=${PIPESTATUS[0]}
mkdir -p testdata/captures
n=0
for c in "$runs"/*-6.*/results/scenarios/*/v*/capture.nft; do
	[ -f "$c" ] || continue
	v=$(basename "$(dirname "$c")")
	s=$(basename "$(dirname "$(dirname "$c")")")
	run=$(dirname "$(dirname "$(dirname "$(dirname "$(dirname "$c")")")")")
	series=${run##*-}
	cp "$c" "testdata/captures/$series-$s-$v.nft"
	n=$((n + 1))
done
echo "copied $n captures to testdata/captures (lab exit status $status; runs in $runs)"
exit "$status"
