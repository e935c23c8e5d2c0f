#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (serial and 2-rank MPI) with CTest;
# then the sanitizer stage (scripts/sanitize.sh): the same suite built by clang with
# AddressSanitizer and UndefinedBehaviorSanitizer, and the HDF5 readers fuzzed for a minute.
# --quick: the quick tier only (CTest label `quick`: every module once, about two minutes
# after an incremental build; no sanitizer stage), for the edit–test loop. CI runs everything.
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
for arg in "$@"; do
  case $arg in
    --quick) quick=1 ;;
    *) echo "usage: scripts/run-tests.sh [--quick]" >&2; exit 2 ;;
  esac
done
bash scripts/install-deps.sh
bash scripts/build.sh --no-benchmarks  # no test runs them
if [ "$quick" = 1 ]; then
  ctest --test-dir build --output-on-failure -j2 -L quick
  exit 0
fi
# Two at a time, the longest first. The tutorial bench (PETSc's TS tutorials through the
# plugin) runs once, in the sanitizer stage below: the same programs and checks, under ASan and
# UBSan (a plain `ctest --test-dir build` runs it here too).
ctest --test-dir build --output-on-failure -j2 -E '^tutorials'
bash scripts/sanitize.sh
