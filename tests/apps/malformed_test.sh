#!/usr/bin/env bash
# Malformed files (issue 35): every command that reads a file refuses each file of the corpus
# (make_malformed_corpus.sh) with exit status 1 and an error naming the file and the faulty
# object — never a crash, a hang or a sanitizer report — and accepts the good controls; and
# `info -check` passes a file exactly when the command that reads its kind (fit for snapshot
# sets, eval for models) accepts it. Run on NP ranks. info -check reads the whole corpus in
# every configuration; the other commands, under the sanitizers (METAROM_TEST_SANITIZED) or on
# several ranks, run on a sample, one file per kind and fault — under the sanitizers on several
# ranks one file per fault, whatever its kind: the serial sanitized run covers every kind, and
# this one the distributed reads (the fuzz target replays the whole corpus under the
# sanitizers: CTest fuzz_malformed).
# usage: malformed_test.sh /path/to/metarom /path/to/metarom_ts_app /path/to/libmetarom.so CORPUS NP [mpiexec]
set -u
exe=$(readlink -f "$1")
app=$2
lib=$3
corpus=$(readlink -f "$4")
np=${5:-1}
mpiexec=${6:-mpiexec}
# shellcheck source=../test_lib.sh
. "$(dirname "$0")/../test_lib.sh"
good=$corpus/good
[ -f "$corpus/manifest.tsv" ] || { echo "FAIL: no corpus in $corpus (make_malformed_corpus.sh)"; exit 1; }
runs=0

# verdict EXPECT MUST NAME COMMAND...: runs it; a rejection must exit 1 with an error line
# naming the file and MUST (empty: the file only), an acceptance exit 0; EXPECT any: either,
# cleanly. Sets $accepted.
verdict() {
  local expect=$1 must=$2 name=$3
  shift 3
  runs=$((runs + 1))
  par "$@" > "$dir/out.txt" 2>&1 < /dev/null
  local rc=$?
  accepted=$([ $rc -eq 0 ] && echo 1 || echo 0)
  if grep -qE "Sanitizer|SIGSEGV|Caught signal|terminate called|std::bad_alloc" "$dir/out.txt"; then
    fail "$name: crashed under '${*:1:3}': $(head -c 800 "$dir/out.txt")"
  elif [ "$expect" = accept ] || { [ "$expect" = any ] && [ $rc -eq 0 ]; }; then
    [ $rc -eq 0 ] && ok || fail "$name: refused by '${*:1:3}' (good control): $(head -c 600 "$dir/out.txt")"
  elif [ $rc -ne 1 ] && { [ "$1" = "$exe" ] || [ $rc -eq 0 ] || [ $rc -gt 127 ]; }; then
    # metarom exits 1 on an error; a PETSc program with PETSc's error code
    fail "$name: '${*:1:3}' exited $rc, expected an error: $(head -c 600 "$dir/out.txt")"
  elif ! grep -i "error" "$dir/out.txt" | grep -F -- "$name" | grep -qF -- "$must"; then
    fail "$name: '${*:1:3}' did not name the file and '$must': $(head -c 600 "$dir/out.txt")"
  else ok; fi
}

# The sample: the first file of each kind and fault (the name's last part).
declare -A seen
sample() {
  local key
  key="$2:$(basename "$1" .h5 | sed -E 's/.*\.//')"
  [ -z "${seen[$key]:-}" ] && seen[$key]=1 && return 0
  return 1
}

# info -check: the whole corpus in one run.
mapfile -t names < <(cut -f1 "$corpus/manifest.tsv")
(cd "$corpus" && par "$exe" info "${names[@]}" -check > "$dir/check.txt" 2>&1 < /dev/null)
check_rc=$?
[ $check_rc -eq 1 ] && ok || fail "info -check on the corpus exited $check_rc, expected 1"
grep -qE "Sanitizer|SIGSEGV|Caught signal" "$dir/check.txt" && fail "info -check crashed: $(grep -m3 -E "Sanitizer|SIGSEGV|Caught signal" "$dir/check.txt")"

files=0 rejected=0 agree_fit=0 agree_eval=0 pass_fit=0 pass_eval=0
while IFS=$'\t' read -r name kind expect must; do
  files=$((files + 1))
  f=$corpus/$name
  # -check's verdict, and the problem naming MUST.
  if grep -qF "$name: conforms to the documented schema" "$dir/check.txt"; then conforms=1; else conforms=0; fi
  if [ "$expect" = accept ]; then
    [ $conforms -eq 1 ] && ok || fail "$name: info -check refused a good control: $(grep -F "$name" "$dir/check.txt" | head -n 3)"
  else
    rejected=$((rejected + 1))
    [ $conforms -eq 0 ] && grep -F "$name:" "$dir/check.txt" | grep -v "^note:" | grep -qF -- "$must" && ok \
      || fail "$name: info -check did not report '$must': $(grep -F "$name" "$dir/check.txt" | head -n 3)"
  fi
  # Serially in the ordinary build: every file through info and fit/eval. Under the
  # sanitizers or on several ranks: the sample. compare, rom and the plugin: serially, on the
  # sample (they share those readers).
  all=1
  if [ -n "${METAROM_TEST_SANITIZED:-}" ] && [ "$np" -gt 1 ]; then sample "$name" "any kind" || all=0
  elif [ -n "${METAROM_TEST_SANITIZED:-}" ] || [ "$np" -gt 1 ]; then sample "$name" "$kind" || all=0; fi
  some=0
  [ "$np" -eq 1 ] && sample "$name" "heavy:$kind" && some=1
  [ $all -eq 1 ] || continue
  # info describes what a file holds without reading its values (-check reads them).
  case $name in
    *.nan.h5|*.inf.h5) verdict any "$must" "$name" "$exe" info "$f" ;;
    *) verdict "$expect" "$must" "$name" "$exe" info "$f" ;;
  esac
  case $kind in
    snapshots|trajectory)
      verdict "$expect" "$must" "$name" "$exe" fit pod -i "$f" -o "$dir/x.h5" -r 2 -quiet
      [ "$accepted" -eq "$conforms" ] && { ok; agree_fit=$((agree_fit + 1)); pass_fit=$((pass_fit + conforms)); } \
        || fail "$name: info -check says $conforms, fit $accepted"
      verdict "$expect" "$must" "$name" "$exe" eval -m "$good/pod.h5" -i "$f" -quiet
      [ $some -eq 1 ] && verdict "$expect" "$must" "$name" "$exe" compare -i "$f" -r 2 -reducers pod -o "$dir/cmp" -plots 0 -quiet
      ;;
    model)
      verdict "$expect" "$must" "$name" "$exe" eval -m "$f" -i "$good/snap.h5" -quiet
      [ "$accepted" -eq "$conforms" ] && { ok; agree_eval=$((agree_eval + 1)); pass_eval=$((pass_eval + conforms)); } \
        || fail "$name: info -check says $conforms, eval $accepted"
      if [ $some -eq 1 ] && [ "$expect" = reject ]; then
        verdict reject "$must" "$name" "$exe" rom -m "$f" -quiet
        verdict reject "$must" "$name" "$exe" compare -i "$good/snap.h5" -r 2 -reducers "$f" -o "$dir/cmp" -plots 0 -quiet
        # The plugin's host program holds 200 values, the corpus' models 64: the file is named
        # (its structure is checked first; a value fault then meets the size check).
        verdict reject "" "$name" "$app" -dll_append "$lib" -ts_type rom -ts_rom_model "$f"
      fi
      ;;
    checkpoint)
      # fit resumes from a checkpoint (one per rank on several ranks: serially only).
      if [ "$np" -eq 1 ]; then
        cp "$f" "$dir/$name"
        verdict "$expect" "$must" "$name" "$exe" fit ae -i "$good/snap.h5" -o "$dir/x.h5" -r 2 -ae_hidden 4 \
          -ae_epochs 3 -ae_checkpoint "$dir/$name" -quiet
        rm -f "$dir/$name" "$dir/$name".*
      fi
      ;;
  esac
done < "$corpus/manifest.tsv"
echo "malformed (np=$np): $files files ($rejected malformed), $runs command runs; info -check agrees with fit on" \
  "$agree_fit snapshot files ($pass_fit pass) and with eval on $agree_eval model files ($pass_eval pass)"
summary "malformed (np=$np)"
