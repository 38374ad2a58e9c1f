#!/usr/bin/env python3
"""final.py OUTDIR: render the final (90 s) scenarios of lab-heldout9 with their comments, from gen.py's definitions."""
import os, sys, textwrap
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen import D, render
from sel import SEL  # (final name, definition name, story, trial line)
HEAD = ("# Written for the ninth blind lab set (lab-heldout9, 2026-12-07), by a helper who never ran compare on it: "
        "checked by trial runs (the lab client's load.json only), never compared before it was scored.")
def comment(text):
    return "\n".join("# " + l for l in textwrap.wrap(text, 108))
def main(out):
    os.makedirs(out, exist_ok=True)
    for final, base, story, trial in SEL:
        d = dict(D[base])
        head = HEAD + "\n" + comment(story) + "\n" + comment(trial)
        names = [final + "-1", final + "-2"] if final.startswith("ref-") else [final]
        for n in names:
            open(os.path.join(out, n + ".conf"), "w").write(render(d, "90s", head))
if __name__ == "__main__":
    main(sys.argv[1])
