#!/usr/bin/env python3
"""Render the final (90 s) scenario files: header, story and trial figures (gen/stories/NAME.txt), then the keys."""
import glob, os, re
D = '/work/lab11/scenarios'
HDR = open(os.path.join(D, 'ref-v42-fsync-8k-8-mounts-150ms-1.conf')).readline().rstrip('\n')
for st in sorted(glob.glob('/work/lab11/gen/stories/*.txt')):
    base = os.path.basename(st)[:-4]
    names = [base + '-1', base + '-2'] if base.startswith('ref-') else [base]
    story = [l.rstrip() for l in open(st) if l.strip()]
    for n in names:
        p = os.path.join(D, n + '.conf')
        keys = [l.rstrip('\n') for l in open(p) if l.strip() and not l.startswith('#')]
        keys = [re.sub(r'^duration = .*', 'duration = 90s', k) for k in keys]
        with open(p, 'w') as f:
            f.write(HDR + '\n')
            for l in story:
                f.write('# ' + l + '\n' if not l.startswith('#') else l + '\n')
            f.write('\n'.join(keys) + '\n')
