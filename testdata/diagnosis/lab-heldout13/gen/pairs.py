#!/usr/bin/env python3
"""pairs.py DESCRIPTION-FILE: write /work/lab13/pairs.json from the set's definitions (injected scenario, reference, truth, version)."""
import json, sys
INJ = [  # (scenario, reference, truth, version, change)
    ('workload-v42-direct-256k-10-mounts', 'ref-v42-direct-256k-4-mounts-16mbps', 'workload', '4.2', None),
    ('DEVICE', 'ref-v3-sync-16k-whole-5-workers-qd8-35ms', 'device', '3', None),
    ('WRITEBACK', 'ref-v3-direct-192k-wsize64k-6-mounts-15ms', 'writeback', '3', 'sysctl vm.dirty_bytes'),
    ('lock-v3-sync-16k-5w-shared-file', 'ref-v3-sync-16k-whole-5-workers-qd8-35ms', 'lock', '3', None),
    ('QUEUE', 'ref-v3-sync-16k-whole-5-workers-qd8-35ms', 'queue', '3', None),
]
REFS = [('ref-v42-direct-256k-4-mounts-16mbps', '4.2'), ('ref-v3-sync-16k-whole-5-workers-qd8-35ms', '3'),
        ('ref-v3-direct-192k-wsize64k-6-mounts-15ms', '3')]
subst = dict(a.split('=', 1) for a in sys.argv[2:])
s = lambda x: subst.get(x, x)
pairs = []
for k in ['6.1', '6.12']:
    for n, r, t, v, ch in INJ:
        n = s(n)
        p = {'scenario': n, 'length': 'v%s 90s' % v, 'kernel': k, 'a': '%s-%s-1' % (k, r), 'b': '%s-%s' % (k, n), 'truth': t}
        if ch:
            p['change'] = ch
        pairs.append(p)
    for r, v in REFS:
        pairs.append({'scenario': r + ' null', 'length': 'v%s 90s' % v, 'kernel': k, 'a': '%s-%s-1' % (k, r), 'b': '%s-%s-2' % (k, r), 'truth': 'none'})
out = {'description': open(sys.argv[1]).read().strip(), 'set': 'lab-heldout13', 'captures': 'captures', 'pairs': pairs}
with open('/work/lab13/pairs.json', 'w') as f:
    json.dump(out, f, indent=1)
    f.write('\n')
