#!/bin/sh
# usage: figs.sh OUTDIR  -> per scenario: clients, seconds, ops, mean ms per op; then failed guest steps
for f in $(ls -d $1/*-6.12/results/scenarios/*/v*/load.json 2>/dev/null); do
  n=$(echo $f | sed 's|.*/scenarios/\([^/]*\)/\(v[^/]*\)/load.json|\1 \2|')
  python3 -c "
import json,sys
d=json.load(open('$f')); ops=sum(d['ops'].values())
print('%-48s c=%d s=%.1f ops=%d  %.1f ms  %s err=%s'%('$n',d['clients'],d['seconds'],ops,1000*d['clients']*d['seconds']/ops, d['ops'], d.get('errors')))"
done
echo "steps with a non-zero exit code:"; cat $1/*-6.12/results/steps.tsv 2>/dev/null | awk -F'\t' '$2!=0'
