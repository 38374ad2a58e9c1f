#!/usr/bin/env python3
"""final.py DIR: render the final 90 s scenario files from gen.py's settings, STORY and gen/figures.json (trial figures)."""
import json, os, sys
sys.argv, argv = ["gen.py"], sys.argv
G = {}
exec(open(os.path.join(os.path.dirname(__file__), "gen.py")).read().split("if __name__")[0], G)
HEAD = ("# Written for the eighth blind lab set (lab-heldout8, 2026-12-06), by a helper who never ran compare on it: "
        "checked by trial runs (the lab client's load.json only), never compared before it was scored.\n")
SEL = json.load(open(os.path.join(os.path.dirname(__file__), "selection.json")))
FIG = json.load(open(os.path.join(os.path.dirname(__file__), "figures.json")))
def wrap(text, width=110):
    out, line = [], "#"
    for w in text.split():
        if len(line) + 1 + len(w) > width:
            out.append(line); line = "#"
        line += " " + w
    out.append(line)
    return "\n".join(out) + "\n"
def main(d):
    for final, (trialname, story, desc) in SEL.items():
        names = [final + "-1", final + "-2"] if final.startswith("ref-") else [final]
        for n in names:
            G["C"][final] = dict(G["C"][trialname], description=desc)
            hdr = HEAD + wrap(story) + wrap(FIG[final])
            open(os.path.join(d, n + ".conf"), "w").write(G["render"](n, "90s", hdr))
if __name__ == "__main__":
    main(argv[1])
