#!/usr/bin/env bash
# The sanitizer configuration: every target built by clang with AddressSanitizer,
# UndefinedBehaviorSanitizer and libFuzzer's coverage, in build-sanitize/ (-O1: the suite's
# numerical work stays fast enough), then the whole test suite (serial and 2 ranks) under the
# sanitizers and the HDF5 readers' fuzz target on the seed corpus tests/fuzz/corpus for
# FUZZ_SECONDS (default 120). Any sanitizer report fails the run. Leak reports are suppressed
# only in the dependencies listed, with the reason, in tests/sanitize/lsan.supp.
set -euo pipefail
cd "$(dirname "$0")/.."
build=build-sanitize
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Sanitize -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_C_FLAGS_SANITIZE="-O1 -g1" -DCMAKE_CXX_FLAGS_SANITIZE="-O1 -g1" -DMETAROM_FUZZ=ON > "$build.log" 2>&1 \
  || { cat "$build.log"; exit 1; }
cmake --build "$build" -j"$(nproc)" >> "$build.log" 2>&1 || { tail -n 60 "$build.log"; exit 1; }
echo "sanitize: build ok (log in $build.log)"
supp=$(pwd)/tests/sanitize
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1:detect_odr_violation=0"
export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$supp/ubsan.supp"
ctest --test-dir "$build" --output-on-failure
# Fuzzing: a scratch copy of the seed corpus grows; crashes land in $build/fuzz-artifacts.
corpus=$build/fuzz-corpus
rm -rf "$corpus" && mkdir -p "$corpus" "$build/fuzz-artifacts" && cp tests/fuzz/corpus/* "$corpus"/
"$build/tests/metarom_fuzz_readers" -max_total_time="${FUZZ_SECONDS:-120}" -timeout=30 -rss_limit_mb=2048 \
  -artifact_prefix="$build/fuzz-artifacts/" -print_final_stats=1 "$corpus" 2>&1 | tail -n 25
echo "sanitize: suite and fuzzing passed"
