#!/bin/sh
# trial2.sh: wait for the measurement lock; run trial 2's list (/tmp/lab16trial2.scen) only if the lock came
# before 23:25 UTC (the brief's last start), else release it at once.
cd /work/main
date -u +"start wait %T" > /tmp/lab16trial2.times
flock /tmp/nfstrace-measure.lock sh -c '
  date -u +"got lock %T" >> /tmp/lab16trial2.times
  if [ "$(date -u +%H%M)" -lt 2325 ]; then
    date -u +"run %T" >> /tmp/lab16trial2.times
    /tmp/nfstrace-lab run -kernels 6.12 -q -bin /work/trialbin/nfstrace -scenarios "$(cat /tmp/lab16trial2.scen)" -out /tmp/lab16trial2 > /tmp/lab16trial2.log 2>&1
    echo rc=$? >> /tmp/lab16trial2.times
  else date -u +"too late, released without running %T" >> /tmp/lab16trial2.times; fi'
date -u +"end %T" >> /tmp/lab16trial2.times
