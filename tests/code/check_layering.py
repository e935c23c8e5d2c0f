#!/usr/bin/env python3
"""Fails on an include that runs against metarom's layering (docs/design.md, "Layers").

The modules of src/ stand on each other in one order; a file may include its own module and
the ones below it, never one above:

    io < linalg < models < nn < optim < reducers < rom < plugin

plus the top-level headers (metarom/error.hpp, types.hpp, version.hpp, program.hpp), which
any module may include. The umbrella header metarom/metarom.hpp includes everything and no
library file may include it. Usage: check_layering.py REPOSITORY_ROOT
"""
import pathlib
import re
import sys

ORDER = ["io", "linalg", "models", "nn", "optim", "reducers", "rom", "plugin"]
INCLUDE = re.compile(r'^\s*#\s*include\s+"(?:metarom/)?([a-z_]+)/[^"]+"')
UMBRELLA = re.compile(r'^\s*#\s*include\s+"metarom/metarom\.hpp"')


def module_of(path, root):
    rel = path.relative_to(root).parts
    if rel[0] == "src" and len(rel) > 2:
        return rel[1]
    if rel[:2] == ("include", "metarom") and len(rel) > 3:
        return rel[2]
    return None


def main():
    root = pathlib.Path(sys.argv[1]).resolve()
    problems = []
    files = [p for d in ("src", "include") for p in (root / d).rglob("*") if p.suffix in (".hpp", ".cpp", ".h")]
    for path in sorted(files):
        mod = module_of(path, root)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            where = f"{path.relative_to(root)}:{number}"
            if UMBRELLA.match(line):
                problems.append(f"{where}: the library includes the umbrella header")
            m = INCLUDE.match(line)
            if not m or mod is None or m.group(1) not in ORDER:
                continue
            if mod not in ORDER:
                problems.append(f"{where}: {mod}/ is not a module of the layering; add it to ORDER")
                break
            if ORDER.index(m.group(1)) > ORDER.index(mod):
                problems.append(f"{where}: {mod} includes {m.group(1)}, a layer above it ({' < '.join(ORDER)})")
    checked = len(files)
    if problems:
        print("\n".join(problems))
        print(f"layering: {len(problems)} back-edge(s) in {checked} files")
        return 1
    print(f"layering: {checked} files, no back-edges ({' < '.join(ORDER)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
