#!/bin/sh
# trial.sh N: run trial N's 30 s scenarios (/tmp/lab16trialN.scen) on 6.12 under the measurement lock
N=$1
cd /work/main
date -u +"start wait %T" > /tmp/lab16trial$N.times
flock /tmp/nfstrace-measure.lock sh -c "date -u +'got lock %T' >> /tmp/lab16trial$N.times; /tmp/nfstrace-lab run -kernels 6.12 -q -bin /work/trialbin/nfstrace -scenarios \"\$(cat /tmp/lab16trial$N.scen)\" -out /tmp/lab16trial$N > /tmp/lab16trial$N.log 2>&1; echo rc=\$? >> /tmp/lab16trial$N.times"
date -u +"end %T" >> /tmp/lab16trial$N.times
