#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (serial and 2-rank MPI) with CTest;
# then the same suite built with the sanitizers, and the HDF5 readers' fuzzing
# (scripts/sanitize.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
ctest --test-dir build --output-on-failure
bash scripts/sanitize.sh
