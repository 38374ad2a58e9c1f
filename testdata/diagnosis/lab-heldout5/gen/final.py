import os, sys, json
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from setdef import *
HEAD = "# Written for the fifth blind lab set (lab-heldout5, 2026-12-06). Its settings were chosen by a helper who never ran compare on it and checked them by trial runs (the lab client's load.json only); the developer rendered them at 90 s with these comments from the helper's definitions (gen/setdef.py), changing no setting. Never compared before it was scored."
STORY = json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "stories.json")))
D = sys.argv[1] if len(sys.argv) > 1 else "scenarios"
os.makedirs(D, exist_ok=True)
for name, ref, truth, over, desc in SET:
    key = name[:-2] if ref is None else name
    text = STORY[key].rstrip("\n")
    lines = [HEAD] + ["# " + l if l else "#" for l in text.split("\n")]
    open(f"{D}/{name}.conf", "w").write("\n".join(lines) + "\n" + render(config(name, ref, over, desc), "90s"))
print(sorted(os.listdir(D)))
