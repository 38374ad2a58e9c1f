#!/usr/bin/env python3
"""report.py T1DIR T2DIR > report.md body tables (appended to report_head.md and the hand-written sections)."""
import os, sys, json
sys.path.insert(0, os.path.dirname(__file__))
from ratio import figures
for i, d in enumerate(sys.argv[1:], 1):
    for n, r in figures(d).items():
        print(f"| {i} | {n} | {r['clients']} × {r['seconds']:.1f} / {r['ops']} | {r['ms']:.1f} |")
