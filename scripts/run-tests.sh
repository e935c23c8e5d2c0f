#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (serial and 2-rank MPI) with CTest.
# The sanitizer build and the fuzzing are a separate command (scripts/sanitize.sh): under the
# sanitizers the suite takes far longer than CI allows (see README, Reliability).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
ctest --test-dir build --output-on-failure
