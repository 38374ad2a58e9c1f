#!/usr/bin/env python3
"""Write /work/lab12/pairs.json from the set's definitions (injected scenario, reference, truth, version)."""
import json, sys
INJ = [  # (scenario, reference, truth, version, change)
    ('workload-WLNAME', 'ref-AREF', 'workload', '4.2', None),
    ('device-DEVNAME', 'ref-AREF', 'device', '4.2', None),
    ('writeback-WBNAME', 'ref-BREF', 'writeback', '3', 'sysctl vm.dirty_bytes'),
    ('lock-LOCKNAME', 'ref-CREF', 'lock', '3', None),
    ('queue-QNAME', 'ref-CREF', 'queue', '3', None),
]
REFS = [('ref-AREF', '4.2'), ('ref-BREF', '3'), ('ref-CREF', '3')]
subst = dict(a.split('=', 1) for a in sys.argv[2:])
def s(x):
    for k, v in subst.items():
        x = x.replace(k, v)
    return x
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
out = {'description': open(sys.argv[1]).read().strip(), 'set': 'lab-heldout12', 'captures': 'captures', 'pairs': pairs}
with open('/work/lab12/pairs.json', 'w') as f:
    json.dump(out, f, indent=1)
    f.write('\n')
