#!/usr/bin/env bash
# A full file system (issue 35): a small tmpfs, mounted here (as root), holds the outputs of a
# model fit, a recording program and a compare report, each first written small (the earlier
# files) and then too large to fit. Each large run must end with exit status != 0 and a
# message saying the file system is full, leave the earlier files byte for byte, and leave no
# temporary file behind (a recording keeps NAME.partial, the documented record of the states
# written before it stopped: it must then read as a valid, incomplete recording). Run on NP
# ranks. Where no tmpfs can be mounted (not root, no mount permission in a container) the test
# says so and is skipped (exit 77, CTest's SKIP_RETURN_CODE).
# usage: disk_full_test.sh /path/to/metarom /path/to/metarom_ts_app /path/to/libmetarom.so NP [mpiexec]
set -u
exe=$1
app=$2
lib=$3
np=${4:-1}
mpiexec=${5:-mpiexec}
# shellcheck source=../test_lib.sh
. "$(dirname "$0")/../test_lib.sh"
full=$dir/full
mkdir -p "$full"
if ! mount -t tmpfs -o size=384k tmpfs "$full" 2> "$dir/mount.txt"; then
  echo "disk full test (np=$np): skipped: cannot mount a tmpfs here ($(head -n 1 "$dir/mount.txt"))"
  exit 77
fi
trap 'umount "$full" 2> /dev/null; rm -rf "$dir"' EXIT
run() { par "$exe" "$@"; }

# refused WHAT command...: exit != 0 (not a crash), the message saying the disk is full.
refused() {
  local what=$1
  shift
  par "$@" > "$dir/out.txt" 2>&1 < /dev/null
  local rc=$?
  if [ $rc -eq 0 ]; then fail "$what: succeeded on a full file system"
  elif [ $rc -gt 127 ] || grep -qE "Sanitizer|SIGSEGV|Caught signal" "$dir/out.txt"; then fail "$what: crashed ($rc): $(head -c 600 "$dir/out.txt")"
  elif ! grep -q "no space left on the file system" "$dir/out.txt"; then fail "$what: did not say the disk is full: $(head -c 600 "$dir/out.txt")"
  else ok; fi
}
# unchanged FILE...: byte for byte the earlier file (FILE.md5, kept outside the tmpfs).
remember() { for f in "$@"; do md5sum < "$f" > "$dir/$(basename "$f").md5"; done; }
unchanged() {
  for f in "$@"; do
    [ "$(md5sum < "$f")" = "$(cat "$dir/$(basename "$f").md5")" ] && ok || fail "$f changed"
  done
}
# only DIR NAME...: DIR holds exactly these names (no temporary left behind).
only() {
  local d=$1
  shift
  local have want
  have=$(cd "$d" && ls -A | sort | tr '\n' ' ')
  want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
  [ "$have" = "$want" ] && ok || fail "$d holds '$have', expected '$want'"
}

heat="simulate heat -heat_snapshot_stride 2 -heat_steps 60 -heat_t_final 0.05 -quiet"
run $heat -heat_nx 8 -heat_ny 8 -o "$dir/small.h5" > /dev/null 2>&1 && ok || fail "simulate (small)"
run $heat -heat_nx 40 -heat_ny 40 -o "$dir/big.h5" > /dev/null 2>&1 && ok || fail "simulate (big)"

# 1. A model: an earlier small fit, then one whose basis (30 x 1600 values) does not fit.
run fit pod -i "$dir/small.h5" -o "$full/pod.h5" -r 3 -quiet > /dev/null 2>&1 && ok || fail "fit (small)"
remember "$full/pod.h5"
refused "fit pod -r 30" "$exe" fit pod -i "$dir/big.h5" -o "$full/pod.h5" -r 30 -quiet
unchanged "$full/pod.h5"
only "$full" pod.h5

# 2. A recording: an earlier short one, then one of 400 states of 800 values.
rec="-dll_append $lib -ts_save_trajectory -ts_trajectory_type metarom -ts_trajectory_metarom_file $full/rec.h5"
par "$app" $rec -ts_max_steps 10 > "$dir/out.txt" 2>&1 && ok || fail "recording (short): $(head -c 600 "$dir/out.txt")"
rm -f "$full/rec.xmf"
remember "$full/rec.h5"
refused "recording" "$app" $rec -n 800 -ts_dt 1e-5 -ts_max_steps 8000 -ts_adapt_type none -ts_trajectory_metarom_stride 20 \
  -ts_trajectory_metarom_flush 8
unchanged "$full/rec.h5"
if [ -e "$full/rec.h5.partial" ]; then
  "$exe" info "$full/rec.h5.partial" -check > "$dir/info.txt" 2>&1 && "$exe" info "$full/rec.h5.partial" 2>&1 | grep -q INCOMPLETE \
    && ok || fail "the recording stopped by the full disk left an unreadable partial file: $(cat "$dir/info.txt")"
  only "$full" pod.h5 rec.h5 rec.h5.partial
  rm -f "$full/rec.h5.partial"
else
  only "$full" pod.h5 rec.h5
fi

# 3. A compare report: an earlier small one, then one whose full-model trajectory does not fit.
cmp="compare -r 2 -reducers pod -latent_dynamics none -plots 0 -quiet -o $full/report"
run $cmp -i "$dir/small.h5" > "$dir/out.txt" 2>&1 && ok || fail "compare (small): $(head -c 600 "$dir/out.txt")"
mapfile -t reports < <(cd "$full/report" && ls -A)
remember "${reports[@]/#/$full/report/}"
refused "compare" "$exe" $cmp -i "$dir/big.h5"
unchanged "${reports[@]/#/$full/report/}"
only "$full/report" "${reports[@]}"
echo "disk full test (np=$np): a model, a recording and a compare report on a full $(df -h "$full" | awk 'NR == 2 { print $2 }') tmpfs: refused, earlier files intact"
summary "disk full test (np=$np)"
