#!/usr/bin/env bash
# The tutorial bench: PETSc's own TS tutorials (Debian's libpetsc3.18-dev-examples, built
# unmodified by tests/CMakeLists.txt) run by the plugin as a user would, on NP ranks: each is
# recorded (-ts_trajectory_type metarom), reduced with POD (`metarom fit pod -r R`), run
# reduced (-ts_type rom) and its final state (-ts_view_solution hdf5:...) compared with the
# full run's. Prints a Markdown table (tutorial, form, n, r, final-state error, full and
# reduced process times, their ratio); checks every error against 1e-2, the bound the
# project promises for these runs at r <= 20 (each tutorial's POD spectrum has fallen by
# 1e-4 or more at its r, so a correct reduced run is far inside it, while a wrong form,
# basis ordering or time grid gives errors of order one). Times are printed, never checked.
# The implicit route's DAE check (-ts_view) must find the tutorials' algebraic rows: the
# boundary rows of the grid (ex15: 4 × 127 on 128², ex17: 2, ex25: 2 ends × 2 fields, ex22:
# none); the table shows them with the decoded final state's largest residual on them.
# Time integration: the reduced implicit runs default to backward Euler over the program's
# own steps; the tutorials whose default integrator differs (ex17 θ, ex22 ARKIMEX) are
# compared as they are, and ex25 (a Brusselator whose ARKIMEX and backward-Euler full runs
# differ by 35 % at t = 0.5) is run with -ts_type beuler so both runs integrate alike.
# Hyper-reduction: ex29 (Allen–Cahn with varying coefficients, its implicit function a DMDA
# local callback reading a coefficient DM) is also recorded with its implicit function at
# ẋ = 0 (-ts_trajectory_metarom_ifunction), fitted with DEIM rows (fit -hr_method deim) and run
# with F evaluated on patches around the rows only; the same bound holds, and its
# -ts_view must name the hyper-reduced route.
# usage: tutorial_bench.sh BINDIR METAROM LIBMETAROM NP [mpiexec]
set -u
bin=$1
metarom=$2
lib=$3
np=${4:-1}
mpiexec=${5:-mpiexec}
# shellcheck source=../test_lib.sh
. "$(dirname "$0")/../test_lib.sh"
now() { date +%s.%N; }

echo "| tutorial | form | n | r | final-state error | algebraic rows (residual) | full (s) | reduced (s) | full / reduced |"
echo "|---|---|---|---|---|---|---|---|---|"
# tutorial NAME FORM R STRIDE ALGEBRAIC OPTIONS... (ALGEBRAIC: the expected count, - on the RHS route
# and where it is not checked); HR="deim MODES" before the call: hyper-reduced
tutorial() {
  local name=$1 form=$2 r=$3 stride=$4 want_alg=$5
  shift 5
  local app="$bin/metarom_tutorial_${name%%_hr}" t0 t1 t2 t3 err n alg record=() hr=()
  if [ -n "${HR:-}" ]; then
    record=(-ts_trajectory_metarom_ifunction)
    hr=(-hr_method "${HR% *}" -hr_modes "${HR#* }")
  fi
  if ! par "$app" "$@" -dll_append "$lib" -ts_save_trajectory -ts_trajectory_type metarom \
       -ts_trajectory_metarom_file "$dir/$name.h5" -ts_trajectory_metarom_stride "$stride" "${record[@]}" \
       -ts_view_solution "hdf5:$dir/$name.full.h5" > "$dir/$name.rec.txt" 2>&1; then
    fail "$name: recording run: $(tail -n 20 "$dir/$name.rec.txt")"
    return
  fi
  t0=$(now)
  par "$app" "$@" > /dev/null 2>&1
  t1=$(now)
  if ! par "$metarom" fit pod -i "$dir/$name.h5" -o "$dir/$name.pod.h5" -r "$r" "${hr[@]}" -quiet > "$dir/$name.fit.txt" 2>&1; then
    fail "$name: fit pod: $(cat "$dir/$name.fit.txt")"
    return
  fi
  t2=$(now)
  if ! par "$app" "$@" -dll_append "$lib" -ts_type rom -ts_rom_model "$dir/$name.pod.h5" \
       -ts_view_solution "hdf5:$dir/$name.rom.h5" -ts_view > "$dir/$name.rom.txt" 2>&1; then
    fail "$name: reduced run: $(grep -m3 'ERROR: [A-Za-z]' "$dir/$name.rom.txt")"
    return
  fi
  t3=$(now)
  err=$("$bin/metarom_final_state_error" "$dir/$name.rom.h5" "$dir/$name.full.h5")
  n=$("$metarom" info "$dir/$name.h5" 2>/dev/null | grep -o 'n = [0-9]*' | head -n1 | cut -d' ' -f3)
  alg=$(grep -o 'algebraic rows: [0-9]*; largest residual of the decoded final state on them [0-9.e+-]*' "$dir/$name.rom.txt" \
    | awk '{ printf "%s (%.0e)", $3, $13 }' | tr -d ';')
  awk -v name="$name" -v form="$form" -v n="$n" -v r="$r" -v e="$err" -v a="${alg:--}" -v f="$(echo "$t1 - $t0" | bc)" \
    -v d="$(echo "$t3 - $t2" | bc)" 'BEGIN { printf "| %s | %s | %s | %s | %.1e | %s | %.2f | %.2f | %.1f× |\n", name, form, n, r, e, a, f, d, f / d }'
  [ -n "$err" ] && below "$err" 1e-2 && ok || fail "$name: final-state error '$err' (want < 1e-2)"
  if [ -n "${HR:-}" ]; then
    grep -q "hyper-reduced implicit Galerkin (${HR% *}" "$dir/$name.rom.txt" && ok \
      || fail "$name: -ts_view does not name the hyper-reduced route: $(grep -m2 reducer "$dir/$name.rom.txt")"
  fi
  [ "${alg%% *}" = "$want_alg" ] || { [ "$want_alg" = - ] && [ -z "$alg" ]; } && ok \
    || fail "$name: algebraic rows '$alg', expected $want_alg"
}

tutorial adr_ex5 "RHS" 20 4 - -ts_max_steps 200 -ts_adapt_type none -ts_dt 1
tutorial ex2 "RHS" 10 10 - -M 2000
tutorial ex4 "RHS (linear)" 10 10 - -m 400
tutorial ex15 "implicit, DAE (boundary rows)" 10 2 508 -da_grid_x 128 -da_grid_y 128
tutorial ex17 "implicit, DAE (boundary rows)" 10 20 2 -da_grid_x 20000 -ts_dt 0.001
tutorial ex22 "IMEX" 10 20 0 -da_grid_x 1000 -ts_adapt_type none
tutorial ex25 "IMEX, PDAE" 20 50 4 -da_grid_x 200 -ts_adapt_type none -ts_type beuler
ex29="-da_grid_x 128 -da_grid_y 128 -ts_type beuler -ts_adapt_type none -ts_max_steps 100"
# shellcheck disable=SC2086
tutorial ex29 "implicit (DMDA local)" 10 2 - $ex29
# shellcheck disable=SC2086
HR="deim 20" tutorial ex29_hr "implicit, hyper-reduced (DEIM)" 10 2 - $ex29
summary "tutorials (np=$np)"
