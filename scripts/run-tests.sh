#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (serial and 2-rank MPI) with CTest;
# then the sanitizer stage (scripts/sanitize.sh): the same suite built by clang with
# AddressSanitizer and UndefinedBehaviorSanitizer, and the HDF5 readers fuzzed for a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
ctest --test-dir build --output-on-failure -j2  # two at a time, the longest first
bash scripts/sanitize.sh
