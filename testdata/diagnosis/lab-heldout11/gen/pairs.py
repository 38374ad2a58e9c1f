#!/usr/bin/env python3
"""Write /work/lab11/pairs.json from the set's definitions (injected scenario, reference, truth, version)."""
import json, sys
INJ = [  # (scenario, reference, truth, version, change)
    ('queue-v42-fsync-8k-2-threads', 'ref-v42-fsync-8k-8-mounts-150ms', 'queue', '4.2', None),
    ('lock-LOCKNAME', 'ref-CREF', 'lock', '3', None),
    ('writeback-WBNAME', 'ref-WBREF', 'writeback', '3', 'sysctl vm.dirty_bytes'),
    ('device-DEVNAME', 'ref-CREF', 'device', '3', None),
    ('workload-v3-sync-256k-9-mounts', 'ref-v3-sync-256k-3-mounts-4mbps', 'workload', '3', None),
]
REFS = [('ref-v3-sync-256k-3-mounts-4mbps', '3'), ('ref-v42-fsync-8k-8-mounts-150ms', '4.2'), ('ref-CREF', '3')]
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
out = {'description': open(sys.argv[1]).read().strip(), 'set': 'lab-heldout11', 'captures': 'captures', 'pairs': pairs}
with open('/work/lab11/pairs.json', 'w') as f:
    json.dump(out, f, indent=1)
    f.write('\n')
