import os, sys
sys.path.insert(0, "/work/lab5/gen")
from setdef import *
D = "/work/lab5/trials/t5"
os.makedirs(D, exist_ok=True)
names = []
for name, ref, truth, over, desc in SET:
    open(f"{D}/{name}.conf", "w").write(f"# trial 5: the final set at 30 s ({name})\n" + render(config(name, ref, over, desc), "30s"))
    names.append(name)
open("/tmp/lab5trial5.list", "w").write(",".join(f"{D}/{n}.conf" for n in names))
print(names)
