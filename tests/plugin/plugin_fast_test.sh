#!/usr/bin/env bash
# The plugin's fast routes on a 2-D, two-field PETSc application (burgers2d_app.c): recorded
# every 25th step (with its right-hand side, -ts_trajectory_metarom_rhs, and without), reduced
# with POD (r = 20) carrying learned latent dynamics, and run reduced on NP ranks:
#  - learned dynamics: the application's right-hand side is called zero times (it counts its
#    calls), from recorded velocities and from finite differences;
#  - the Galerkin route (the application's RHS, basis in its ordering, adaptive latent step);
#  - a linear application (-linear: TSComputeRHSFunctionLinear + constant Jacobian) whose
#    operator is projected once: zero calls as well.
# Each final state is compared with the full run's. The bound 1e-3 is the accuracy the
# project promises for these reduced runs (README, "Coupling into a PETSc program"); the
# smooth flow's POD spectrum falls below 1e-6 σ₁ by r = 20, so a correct reduced run lies far
# inside it, while a wrong operator, basis ordering or time grid gives errors of order one.
# usage: plugin_fast_test.sh APP METAROM LIBMETAROM NP [mpiexec]
set -u
app=$1
metarom=$2
lib=$3
np=${4:-1}
mpiexec=${5:-mpiexec}
# shellcheck source=../test_lib.sh
. "$(dirname "$0")/../test_lib.sh"
grid="-n 48"
rec="-dll_append $lib -ts_save_trajectory -ts_trajectory_type metarom -ts_trajectory_metarom_stride 25"

# 1. Full runs, recorded.
par "$app" $grid $rec -ts_trajectory_metarom_file "$dir/snaps.h5" -ts_trajectory_metarom_rhs -final_out "$dir/full.h5" \
  > "$dir/rec.txt" 2>&1 && ok || fail "recording: $(cat "$dir/rec.txt")"
par "$app" $grid $rec -ts_trajectory_metarom_file "$dir/plain.h5" > "$dir/rec2.txt" 2>&1 && ok \
  || fail "recording without rhs: $(cat "$dir/rec2.txt")"
"$metarom" info "$dir/snaps.h5" 2>&1 | grep -q "N = 101 snapshots" && ok || fail "recorded file: $("$metarom" info "$dir/snaps.h5" 2>&1)"
par "$app" $grid -linear $rec -ts_trajectory_metarom_file "$dir/lin.h5" -final_out "$dir/lin_full.h5" > "$dir/rec3.txt" 2>&1 \
  && ok || fail "linear recording: $(cat "$dir/rec3.txt")"

# 2. Reduce: POD r = 20 with learned dynamics from recorded velocities and from finite differences.
fit() {  # fit IN OUT WANT [options]
  local in=$1 out=$2 want=$3
  shift 3
  if par "$metarom" fit pod -i "$in" -o "$out" -r 20 -latent_dynamics learned "$@" > "$dir/fit.txt" 2>&1 \
       && grep -q "$want velocities" "$dir/fit.txt"; then ok; else fail "fit $out: $(cat "$dir/fit.txt")"; fi
}
fit "$dir/snaps.h5" "$dir/pod.h5" recorded
fit "$dir/plain.h5" "$dir/pod_fd.h5" finite-difference
par "$metarom" fit pod -i "$dir/lin.h5" -o "$dir/lin_pod.h5" -r 20 -quiet > "$dir/fit.txt" 2>&1 && ok || fail "fit linear"

# 3. Reduced runs.
reduced() {  # reduced NAME MODEL REFERENCE CALLS [options]: error < 1e-3; CALLS: "zero" or "some"
  local name=$1 model=$2 ref=$3 calls=$4
  shift 4
  if par "$app" $grid -dll_append "$lib" -ts_type rom -ts_rom_model "$model" -compare_to "$ref" -ts_view "$@" \
       > "$dir/red.txt" 2>&1; then
    local err n
    err=$(grep -o "final state relative error [0-9.e+-]*" "$dir/red.txt" | awk '{print $5}')
    n=$(grep -o "^rhs calls [0-9]*" "$dir/red.txt" | awk '{print $3}')
    echo "plugin fast (np=$np): $name: final state relative error $err, application rhs calls $n"
    if [ -n "$err" ] && below "$err" 1e-3; then ok; else fail "$name: error '$err' not below 1e-3"; fi
    if [ "$calls" = zero ]; then [ "$n" = 0 ] && ok || fail "$name: $n rhs calls, expected none"
    else [ -n "$n" ] && [ "$n" -gt 0 ] && ok || fail "$name: the Galerkin route called the rhs $n times"; fi
  else
    fail "$name: $(cat "$dir/red.txt")"
  fi
}
reduced "learned (recorded velocities)" "$dir/pod.h5" "$dir/full.h5" zero
grep -q "learned latent dynamics" "$dir/red.txt" && ok || fail "-ts_view does not name the learned route"
reduced "learned (finite differences)" "$dir/pod_fd.h5" "$dir/full.h5" zero
reduced "learned, fixed step" "$dir/pod.h5" "$dir/full.h5" zero -ts_rom_dt 2e-3
reduced "galerkin" "$dir/pod.h5" "$dir/full.h5" some -ts_rom_dynamics galerkin
reduced "linear, projected once" "$dir/lin_pod.h5" "$dir/lin_full.h5" zero -linear

# 4. Refusals.
expect_failure "carries no latent dynamics" \
  "$app" $grid -dll_append "$lib" -ts_type rom -ts_rom_model "$dir/lin_pod.h5" -ts_rom_dynamics learned
expect_failure "must be auto, learned or galerkin" \
  "$app" $grid -dll_append "$lib" -ts_type rom -ts_rom_model "$dir/pod.h5" -ts_rom_dynamics fast

summary "plugin fast (np=$np)"
