#!/usr/bin/env python3
# ratios.py LOADDIR: ms per op (clients x seconds / ops) of each NAME.load.json in LOADDIR
import json, sys, glob, os
for f in sorted(glob.glob(os.path.join(sys.argv[1], '*.load.json'))):
    d = json.load(open(f)); ops = sum(d['ops'].values())
    print('%-48s %2d x %.1f s / %5d ops = %6.1f ms  %s' % (os.path.basename(f)[:-10], d['clients'], d['seconds'], ops, 1000 * d['clients'] * d['seconds'] / ops, d['ops']))
