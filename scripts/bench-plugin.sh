#!/usr/bin/env bash
# Benchmark of the PETSc plugin's reduced runs against the application they replace, timed
# in the same run: the 2-D, two-field viscous Burgers application (tests/plugin/burgers2d_app.c,
# periodic 128 x 128 DMDA, n = 32,768, RK 3bs, 2,500 fixed steps) reports the wall time of its
# own TSSolve. It is recorded every 25th step, reduced with POD (r = 20) carrying learned
# latent dynamics, and run again with -ts_type rom: through the learned dynamics (the
# application's right-hand side never called) and through the Galerkin route (its RHS called).
# Then the program at a viscosity never recorded, from runs at four others (learned operators
# interpolated in nu, and affine in it). Hyper-reduction: the same program with its right-hand
# side given as a DMDA local callback (-local), POD r = 20 with DEIM sample rows of its recorded
# f (fit -hr_method deim), run with f evaluated by that callback on patches around the sample
# rows only, against the -local program's own TSSolve; and at the viscosity never recorded.
# Each time is the best of three runs (the machine is shared); ratios are full / reduced.
# usage: bash scripts/bench-plugin.sh [build-dir] [grid points per direction]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
n=${2:-128}
app=$build/tests/metarom_burgers2d_app
lib=$PWD/$build/libmetarom.so
m=$build/metarom
[ -x "$app" ] || { echo "bench-plugin: build first (bash scripts/build.sh): $app is missing"; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
best() {  # best N command...: prints the smallest "TSSolve" time of N runs; keeps the last output
  local runs=$1 b=""
  shift
  for _ in $(seq "$runs"); do
    "$@" > "$dir/out.txt" 2>&1 || { cat "$dir/out.txt"; exit 1; }
    local t
    t=$(awk '/^TSSolve/ {print $2}' "$dir/out.txt")
    if [ -z "$b" ] || awk -v a="$t" -v b="$b" 'BEGIN { exit !(a < b) }'; then b=$t; fi
  done
  echo "$b"
}
field() { awk -v k="$1" 'index($0, k) == 1 { print $NF }' "$dir/out.txt"; }

full=$(best 3 "$app" -n "$n" -final_out "$dir/full.h5")
full_calls=$(awk '/^rhs calls/ {print $3}' "$dir/out.txt")
"$app" -n "$n" -dll_append "$lib" -ts_save_trajectory -ts_trajectory_type metarom -ts_trajectory_metarom_stride 25 \
  -ts_trajectory_metarom_file "$dir/snaps.h5" -ts_trajectory_metarom_rhs > /dev/null
"$app" -n "$n" -dll_append "$lib" -ts_save_trajectory -ts_trajectory_type metarom -ts_trajectory_metarom_stride 25 \
  -ts_trajectory_metarom_file "$dir/plain.h5" > /dev/null
$m fit pod -i "$dir/snaps.h5" -o "$dir/pod.h5" -r 20 -latent_dynamics learned -json > "$dir/fit.json"
$m fit pod -i "$dir/plain.h5" -o "$dir/pod_fd.h5" -r 20 -latent_dynamics learned -json > /dev/null

echo "plugin benchmark: 2-D Burgers, ${n} x ${n} x 2 fields (n = $((2 * n * n))), 2,500 RK steps; POD r = 20"
echo "full application: TSSolve ${full} s, ${full_calls} right-hand-side evaluations"
printf "%-52s %12s %10s %14s %10s\n" "reduced run (-ts_type rom)" "TSSolve (s)" "speedup" "final error" "rhs calls"
ref=$dir/full.h5  # the full run the reduced ones are compared with (timed as $full)
run() {  # run LABEL options...
  local label=$1
  shift
  local t
  t=$(best 3 "$app" -n "$n" -dll_append "$lib" -ts_type rom -compare_to "$ref" "$@")
  printf "%-52s %12s %9.1fx %14s %10s\n" "$label" "$t" "$(awk -v a="$full" -v b="$t" 'BEGIN { print a / b }')" \
    "$(field "final state relative error")" "$(awk '/^rhs calls/ {print $3}' "$dir/out.txt")"
}
run "learned dynamics (recorded f), adaptive step" -ts_rom_model "$dir/pod.h5"
run "learned dynamics (finite differences), adaptive" -ts_rom_model "$dir/pod_fd.h5"
run "learned dynamics (recorded f), 250 RK4 steps" -ts_rom_model "$dir/pod.h5" -ts_rom_dt 2e-3
run "Galerkin on the application's RHS, adaptive step" -ts_rom_model "$dir/pod.h5" -ts_rom_dynamics galerkin
run "Galerkin on the application's RHS, 2,500 steps" -ts_rom_model "$dir/pod.h5" -ts_rom_dynamics galerkin -ts_rom_dt 2e-4
echo "operator inference: $(tr -d '\n' < "$dir/fit.json" | grep -o '"latent_dynamics":{[^}]*}')"

# Hyper-reduction on the DMDA-local-callback version of the program.
$m fit pod -i "$dir/snaps.h5" -o "$dir/pod_hr.h5" -r 20 -hr_method deim -hr_modes 40 -json > "$dir/fit_hr.json"
full=$(best 3 "$app" -n "$n" -local -final_out "$dir/full_local.h5")
ref=$dir/full_local.h5
echo "the program with its right-hand side as a DMDA local callback (-local): TSSolve ${full} s"
run "hyper-reduced Galerkin, DEIM 40 rows, adaptive" -local -ts_rom_model "$dir/pod_hr.h5"
run "hyper-reduced Galerkin, 80 rows (oversampled)" -local -ts_rom_model "$dir/pod_hr.h5" -ts_rom_hr_points 80
run "hyper-reduced Galerkin, Q-DEIM 40 rows" -local -ts_rom_model "$dir/pod_hr.h5" -ts_rom_hr_method qdeim
run "Galerkin on the local callback, whole grid" -local -ts_rom_model "$dir/pod_hr.h5" -ts_rom_hr_method none
echo "DEIM: $(tr -d '\n' < "$dir/fit_hr.json" | grep -o '"hyper_reduction":{[^}]*}')"

# A value of the program's viscosity never recorded: recorded at nu = 0.008, 0.01, 0.012 and
# 0.014 (-ts_trajectory_metarom_parameters nu), merged, POD r = 20 with learned operators
# interpolated in nu and affine in (1, nu), run at nu = 0.011 against the program's own run there.
for nu in 0.008 0.01 0.012 0.014; do
  "$app" -n "$n" -nu $nu -dll_append "$lib" -ts_save_trajectory -ts_trajectory_type metarom \
    -ts_trajectory_metarom_stride 25 -ts_trajectory_metarom_file "$dir/nu$nu.h5" -ts_trajectory_metarom_rhs \
    -ts_trajectory_metarom_parameters nu > /dev/null
done
$m merge "$dir/nu0.008.h5" "$dir/nu0.01.h5" "$dir/nu0.012.h5" "$dir/nu0.014.h5" -o "$dir/nu.h5" -quiet > /dev/null
$m fit pod -i "$dir/nu.h5" -o "$dir/pod_nu_hr.h5" -r 20 -hr_method deim -hr_modes 40 -quiet > /dev/null
for form in interpolated affine; do
  $m fit pod -i "$dir/nu.h5" -o "$dir/pod_$form.h5" -r 20 -latent_dynamics learned -latent_dynamics_parametric $form \
    -quiet > "$dir/fit_$form.txt" 2>&1 || { cat "$dir/fit_$form.txt"; exit 1; }  # (it warns: the runs share x0)
done
full=$(best 3 "$app" -n "$n" -nu 0.011 -final_out "$dir/full011.h5")
ref=$dir/full011.h5
echo "at nu = 0.011, recorded at 0.008, 0.01, 0.012, 0.014: full application TSSolve ${full} s"
run "learned, interpolated in nu (recorded f), adaptive" -nu 0.011 -ts_rom_model "$dir/pod_interpolated.h5"
run "learned, affine in (1, nu) (recorded f), adaptive" -nu 0.011 -ts_rom_model "$dir/pod_affine.h5"
full=$(best 3 "$app" -n "$n" -nu 0.011 -local -final_out "$dir/full011_local.h5")
ref=$dir/full011_local.h5
echo "the -local program at nu = 0.011: TSSolve ${full} s"
run "hyper-reduced Galerkin, DEIM 40 rows (of the 4 runs' f)" -nu 0.011 -local -ts_rom_model "$dir/pod_nu_hr.h5"
run "Galerkin on the local callback, whole grid" -nu 0.011 -local -ts_rom_model "$dir/pod_nu_hr.h5" -ts_rom_hr_method none
