#!/usr/bin/env python3
"""Fails unless metarom/metarom.hpp includes every public header under include/metarom/.

Usage: check_umbrella.py REPOSITORY_ROOT
"""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1]).resolve() / "include"
umbrella = root / "metarom" / "metarom.hpp"
included = set(re.findall(r'#\s*include\s+"(metarom/[^"]+)"', umbrella.read_text(encoding="utf-8")))
public = {str(p.relative_to(root)) for p in root.rglob("*.hpp")} - {"metarom/metarom.hpp"}
public.add("metarom/version.hpp")  # generated into the build tree (cmake/version.hpp.in)
missing = sorted(public - included)
stale = sorted(included - public)
for h in missing:
    print(f"metarom/metarom.hpp does not include {h}")
for h in stale:
    print(f"metarom/metarom.hpp includes {h}, which is not a public header")
print(f"umbrella: {len(included)} headers included, {len(missing)} missing, {len(stale)} stale")
sys.exit(1 if missing or stale else 0)
