#!/usr/bin/env python3
"""pairs.py DESCRIPTION-FILE [KEY=NAME...]: write /work/lab16/pairs.json from the set's definitions (injected scenario, reference, truth, version)."""
import json, sys
INJ = [  # (scenario, reference, truth, version, change)
    ('LOCK', 'REFA', 'lock', '4.2', None),
    ('QUEUE', 'REFA', 'queue', '4.2', None),
    ('WRITEBACK', 'REFB', 'writeback', '3', 'sysctl vm.dirty_bytes'),
    ('DEVICE', 'REFB', 'device', '3', None),
    ('WORKLOAD', 'REFC', 'workload', '4.2', None),
]
REFS = [('REFA', '4.2'), ('REFB', '3'), ('REFC', '4.2')]
subst = dict(a.split('=', 1) for a in sys.argv[2:])
s = lambda x: subst.get(x, x)
pairs = []
for k in ['6.1', '6.12']:
    for n, r, t, v, ch in INJ:
        n, r = s(n), s(r)
        p = {'scenario': n, 'length': 'v%s 90s' % v, 'kernel': k, 'a': '%s-%s-1' % (k, r), 'b': '%s-%s' % (k, n), 'truth': t}
        if ch:
            p['change'] = ch
        pairs.append(p)
    for r, v in REFS:
        r = s(r)
        pairs.append({'scenario': r + ' null', 'length': 'v%s 90s' % v, 'kernel': k, 'a': '%s-%s-1' % (k, r), 'b': '%s-%s-2' % (k, r), 'truth': 'none'})
out = {'description': open(sys.argv[1]).read().strip(), 'set': 'lab-heldout16', 'captures': 'captures', 'pairs': pairs}
with open('/work/lab16/pairs.json', 'w') as f:
    json.dump(out, f, indent=1)
    f.write('\n')
