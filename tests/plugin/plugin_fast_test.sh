#!/usr/bin/env bash
# The plugin's fast routes on a 2-D, two-field PETSc application (burgers2d_app.c): recorded
# every 25th step (with its right-hand side, -ts_trajectory_metarom_rhs, and without), reduced
# with POD (r = 20) carrying learned latent dynamics, and run reduced on NP ranks:
#  - learned dynamics: the application's right-hand side is called zero times (it counts its
#    calls), from recorded velocities and from finite differences;
#  - the Galerkin route (the application's RHS, basis in its ordering, adaptive latent step);
#  - a linear application (-linear: TSComputeRHSFunctionLinear + constant Jacobian) whose
#    operator is projected once: zero calls as well;
#  - hyper-reduction: the same program with its right-hand side as a DMDA local callback
#    (-local), POD r = 20 with DEIM rows from the recorded f (fit -hr_method deim), run with
#    f evaluated on patches around the sample rows only: within the Galerkin route's error
#    plus the reconstruction's (1e-6 here; measured 1e-7 against 6e-8 at 128 x 128), equal on
#    1 and 2 ranks to 1e-12 (the same latent arithmetic, one reduction of s numbers apart), and
#    refused with -ts_rom_hr_method where the program's f is a global function.
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

# 4. Hyper-reduced Galerkin route (the program's local callback on patches).
par "$metarom" fit pod -i "$dir/snaps.h5" -o "$dir/hr.h5" -r 20 -hr_method deim -hr_modes 30 > "$dir/fit.txt" 2>&1 \
  && grep -q "30 right-hand-side modes of the recorded f" "$dir/fit.txt" && ok || fail "fit -hr_method: $(cat "$dir/fit.txt")"
reduced "hyper-reduced galerkin" "$dir/hr.h5" "$dir/full.h5" some -local -final_out "$dir/hr_final.h5"
grep -q "hyper-reduced Galerkin (deim, 30 sample rows" "$dir/red.txt" && ok || fail "-ts_view does not name the route: $(cat "$dir/red.txt")"
err_hr=$(grep -o "final state relative error [0-9.e+-]*" "$dir/red.txt" | awk '{print $5}')
reduced "galerkin, hyper-reduction off" "$dir/hr.h5" "$dir/full.h5" some -local -ts_rom_hr_method none
err_g=$(grep -o "final state relative error [0-9.e+-]*" "$dir/red.txt" | awk '{print $5}')
below "$err_hr" "$(awk -v a="$err_g" 'BEGIN { print a + 1e-6 }')" && ok \
  || fail "hyper-reduced error $err_hr against the Galerkin route's $err_g"
reduced "global f: hyper-reduction not used" "$dir/hr.h5" "$dir/full.h5" some
grep -q "hyper-reduction is not used: the program's right-hand side is a global function" "$dir/red.txt" && ok \
  || fail "-ts_view does not say why: $(cat "$dir/red.txt")"
if [ "$np" -gt 1 ]; then  # the 2-rank run against a 1-rank one
  "$app" $grid -local -dll_append "$lib" -ts_type rom -ts_rom_model "$dir/hr.h5" -compare_to "$dir/hr_final.h5" \
    > "$dir/one.txt" 2>&1 || fail "1-rank hyper-reduced run: $(cat "$dir/one.txt")"
  d12=$(grep -o "final state relative error [0-9.e+-]*" "$dir/one.txt" | awk '{print $5}')
  echo "plugin fast: hyper-reduced run, 1 rank against $np: $d12"
  [ -n "$d12" ] && below "$d12" 1e-12 && ok || fail "1 and $np ranks differ by '$d12'"
fi
# The recorded f follows its states through merge (and its splits); an input without it
# leaves it out, saying so.
par "$metarom" merge "$dir/snaps.h5" "$dir/snaps.h5" -split 0.5 -o "$dir/two.h5" > "$dir/merge.txt" 2>&1 \
  && grep -q "two_train.h5: 100 snapshots in 2 trajectories, with /rhs" "$dir/merge.txt" && ok \
  || fail "merge with /rhs: $(cat "$dir/merge.txt")"
par "$metarom" fit pod -i "$dir/two_train.h5" -o "$dir/two_hr.h5" -r 10 -hr_method deim -hr_modes 10 > "$dir/fit.txt" 2>&1 \
  && ok || fail "fit -hr_method on the merged recording: $(cat "$dir/fit.txt")"
par "$metarom" merge "$dir/snaps.h5" "$dir/plain.h5" -o "$dir/mixed.h5" > "$dir/merge.txt" 2>&1 \
  && grep -q "warning: /rhs is left out: $dir/plain.h5 has none" "$dir/merge.txt" && ok \
  || fail "merge without /rhs in one input: $(cat "$dir/merge.txt")"
expect_failure "holds no recorded right-hand side (record the program with -ts_trajectory_metarom_rhs" \
  "$metarom" fit pod -i "$dir/mixed.h5" -o "$dir/x.h5" -r 10 -hr_method deim
expect_failure "-ts_rom_hr_method deim: the program's right-hand side is a global function" \
  "$app" $grid -dll_append "$lib" -ts_type rom -ts_rom_model "$dir/hr.h5" -ts_rom_hr_method deim
expect_failure "-ts_rom_hr_points 10: hyper-reduction: 10 sample rows are fewer than the 30" \
  "$app" $grid -local -dll_append "$lib" -ts_type rom -ts_rom_model "$dir/hr.h5" -ts_rom_hr_points 10
expect_failure "-ts_rom_hr_points: $dir/lin_pod.h5 carries no hyper-reduction" \
  "$app" $grid -linear -dll_append "$lib" -ts_type rom -ts_rom_model "$dir/lin_pod.h5" -ts_rom_hr_points 30
expect_failure "carries no hyper-reduction" \
  "$app" $grid -local -dll_append "$lib" -ts_type rom -ts_rom_model "$dir/pod.h5" -ts_rom_hr_method deim

# 5. Refusals.
expect_failure "carries no latent dynamics" \
  "$app" $grid -dll_append "$lib" -ts_type rom -ts_rom_model "$dir/lin_pod.h5" -ts_rom_dynamics learned
expect_failure "must be auto, learned or galerkin" \
  "$app" $grid -dll_append "$lib" -ts_type rom -ts_rom_model "$dir/pod.h5" -ts_rom_dynamics fast

summary "plugin fast (np=$np)"
