#!/usr/bin/env bash
# Configures and builds metarom into build/ (Release, both cores).
# --no-benchmarks: leaves the benchmark and paper-reproduction programs out (the test command:
# no test runs them; scripts/bench.sh builds them).
set -euo pipefail
cd "$(dirname "$0")/.."
benchmarks=ON
for arg in "$@"; do
  case $arg in
    --no-benchmarks) benchmarks=OFF ;;
    *) echo "usage: scripts/build.sh [--no-benchmarks]" >&2; exit 2 ;;
  esac
done
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DMETAROM_BUILD_BENCHMARKS=$benchmarks > build.log 2>&1 \
  || { cat build.log; exit 1; }
cmake --build build -j"$(nproc)" >> build.log 2>&1 || { tail -n 60 build.log; exit 1; }
echo "build: ok in ${SECONDS} s (log in build.log)"
