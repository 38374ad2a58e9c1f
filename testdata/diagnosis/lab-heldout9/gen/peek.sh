#!/bin/sh
# peek.sh RUNDIR: the load.json figures saved so far by a running trial (the guest rewrites its results tar after each scenario).
d=/tmp/lab9peek/$(basename $1); rm -rf $d; mkdir -p $d/x/r/results; cp $1/*/results.img $d/r.img && tar -C $d/x/r/results -xf $d/r.img 2>/dev/null
python3 /work/lab9/gen/ratio.py $d/x
