#!/bin/sh
# peek.sh RUNDIR: extract load.json from the (possibly still growing) results tar and print figures
rm -rf /tmp/l11peek && mkdir /tmp/l11peek && cd /tmp/l11peek && cp $1/*-6.12/results.img r.img && tar -xf r.img --wildcards '*load.json' 2>/dev/null
find . -name load.json | sort | while read f; do python3 -c "
import json
d=json.load(open('$f')); ops=sum(d['ops'].values())
print('%-52s c=%d s=%.1f ops=%d  %.1f ms  %s'%('$f'.split('/')[2],d['clients'],d['seconds'],ops,1000*d['clients']*d['seconds']/ops, d['ops']))"; done
