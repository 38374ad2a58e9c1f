#!/bin/sh
# trial 2: take the measurement lock, wait (at most 4 min) for /work/lab15/go2 so that trial 1's figures can shape the list, then run the list in /tmp/lab15trial2.scen
cd /work/main
flock /tmp/nfstrace-measure.lock sh -c '
  for i in $(seq 240); do [ -e /work/lab15/go2 ] && break; sleep 1; done
  echo "lock taken, list: $(cat /tmp/lab15trial2.scen)"; date
  /tmp/nfstrace-lab run -kernels 6.12 -q -bin /work/trialbin/nfstrace -scenarios "$(cat /tmp/lab15trial2.scen)" -out /tmp/lab15trial2'
echo done $(date)
