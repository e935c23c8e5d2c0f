#!/usr/bin/env bash
# The sanitizer stage of the test command (scripts/run-tests.sh), also runnable alone: every
# target built by clang with AddressSanitizer and UndefinedBehaviorSanitizer in
# build-sanitize/ (-O2: at -O1 Eigen's kernels are not inlined and the suite's training runs
# ten times slower; the readers also carry libFuzzer's coverage; a unity build, CMakeLists.txt's
# METAROM_UNITY_BUILD), then the whole test suite
# (serial and 2 ranks) under the sanitizers, and the HDF5 readers' fuzz target on the seed
# corpus tests/fuzz/corpus and the malformed-file corpus for FUZZ_SECONDS (default 60). Any sanitizer report fails the run.
# Leaks: checked on the serial Catch2 suite (the library's code; not on 2 ranks), with full
# stacks (fast_unwind_on_malloc=0: the system libraries have no frame pointers, and truncated
# stacks cannot be told apart) and the suppressions of tests/sanitize/lsan.supp — OpenMPI's
# allocations under MPI_Init, the same a bare PetscInitialize/PetscFinalize reports. Full
# stacks on every allocation make a run 4 times slower, so the script-driven tests run without
# leak checking (ASan's memory errors and UBSan stay on).
# ASan's quarantine (freed memory held back to catch use after free) is 16 MB instead of
# 256 MB: the training loops free and allocate large Eigen temporaries, and with the default
# every allocation takes fresh pages (measured: 40 meta-autoencoder epochs 3.6 s against 2.6 s).
# A use after free is still caught while the block is among the last 16 MB freed.
set -euo pipefail
cd "$(dirname "$0")/.."
build=build-sanitize
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Sanitize -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_C_FLAGS_SANITIZE="-O2 -g1" -DCMAKE_CXX_FLAGS_SANITIZE="-O2 -g1" -DMETAROM_FUZZ=ON -DMETAROM_BUILD_BENCHMARKS=OFF -DMETAROM_UNITY_BUILD=ON > "$build.log" 2>&1 \
  || { cat "$build.log"; exit 1; }
cmake --build "$build" -j"$(nproc)" >> "$build.log" 2>&1 || { tail -n 60 "$build.log"; exit 1; }
echo "sanitize: build ok in ${SECONDS} s (log in $build.log)"
start=$SECONDS
supp=$(pwd)/tests/sanitize
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$supp/ubsan.supp"
export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export METAROM_TEST_SANITIZED=1  # the test scripts shorten their longest trainings (tests/apps/cli_test.sh)
# The whole suite, two tests at a time, the longest first. The serial Catch2 suite (unit)
# adds leak checking to these options (tests/CMakeLists.txt).
export ASAN_OPTIONS="halt_on_error=1:quarantine_size_mb=16:detect_leaks=0"
ctest --test-dir "$build" --output-on-failure -j2
echo "sanitize: suite passed in $((SECONDS - start)) s"
# Fuzzing: a scratch copy of the seed corpus grows. Fork mode keeps going past a finding;
# every new finding is then triaged (tests/fuzz/triage.py; the earlier ones, kept in
# tests/fuzz/hdf5_findings, are the CTest test fuzz_findings): one inside HDF5 itself
# (Debian's 1.10 crashes on some damaged files, inside the API call) is listed, any other
# fails the run.
corpus=$build/fuzz-corpus
findings=$build/fuzz-findings
rm -rf "$corpus" "$findings" && mkdir -p "$corpus" "$findings" && cp tests/fuzz/corpus/* "$corpus"/
# The malformed-file corpus the suite made (tests/apps/make_malformed_corpus.sh) seeds it too:
# structure-aware faults that byte mutations of a file rarely reach.
cp "$build"/tests/malformed-corpus/*.h5 "$corpus"/ 2>/dev/null || true
ASAN_OPTIONS=detect_leaks=0 "$build/tests/metarom_fuzz_readers" -fork=1 -ignore_crashes=1 -ignore_ooms=1 \
  -ignore_timeouts=1 -max_total_time="${FUZZ_SECONDS:-60}" -timeout=30 -rss_limit_mb=2048 \
  -artifact_prefix="$findings/" "$corpus" > "$build/fuzz.log" 2>&1 || true
grep -E "^#[0-9]+: cov" "$build/fuzz.log" | tail -n 1 | sed -E 's|^#([0-9]+): cov: ([0-9]+) .*corp: ([0-9]+) .*oom/timeout/crash: ([0-9/]+) .*|sanitize: fuzzing ran \1 inputs (coverage \2, corpus \3, oom/timeout/crash \4)|'
/usr/bin/python3 tests/fuzz/triage.py "$build/tests/metarom_fuzz_readers" "$findings"
echo "sanitize: suite and fuzzing passed"
