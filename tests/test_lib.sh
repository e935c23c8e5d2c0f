# Shared by the test scripts (sourced): a scratch directory removed at exit, pass/fail
# counters, and number comparisons. The script sets np and mpiexec before sourcing, and
# defines how to run its program on np ranks.
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# OpenMPI's session directories under this script's own: programs of tests run side by side
# raced for /tmp/ompi.HOST.UID (one removed it as another created its job directory there).
export OMPI_MCA_orte_tmpdir_base=$dir
fails=0
passes=0
ok() { passes=$((passes + 1)); }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# below A B: A < B as floating-point numbers.
below() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }
# par command args...: on np ranks.
par() { if [ "$np" -gt 1 ]; then "$mpiexec" -n "$np" "$@"; else "$@"; fi; }
# expect_failure "message part" command args...: a non-zero exit and a message naming the
# problem; `launch` (par by default) runs the command.
expect_failure() {
  local want=$1
  shift
  if ${launch:-par} "$@" > "$dir/out.txt" 2>&1; then fail "'$*' succeeded"; return; fi
  grep -q -- "$want" "$dir/out.txt" && ok || fail "'$*' did not say '$want': $(cat "$dir/out.txt")"
}
# summary NAME: the closing count line and the script's exit status.
summary() {
  echo "$1: $passes passed, $fails failed"
  [ "$fails" -eq 0 ]
}
