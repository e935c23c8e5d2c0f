#!/usr/bin/env bash
# The PETSc plugin end to end: an ordinary PETSc TS program (ts_app.c, Burgers' equation,
# PETSc only) is recorded into a snapshot file, reduced with POD and with the
# meta-autoencoder, and run on each reduced model — all through run-time options with
# libmetarom.so loaded by -dll_append — on NP ranks. The reduced runs' final-state errors
# against the full run are printed and bounded.
# usage: plugin_test.sh /path/to/metarom_ts_app /path/to/metarom /path/to/libmetarom.so NP [mpiexec]
set -u
app=$1
metarom=$2
lib=$3
np=${4:-1}
mpiexec=${5:-mpiexec}
# shellcheck source=../test_lib.sh
. "$(dirname "$0")/../test_lib.sh"
fixed="-ts_adapt_type none"  # the recorded run steps as the reduced one does

# 1. Record: the program's own run, plus a plugin trajectory type and its options.
if par "$app" $fixed -dll_append "$lib" -ts_save_trajectory -ts_trajectory_type metarom \
     -ts_trajectory_metarom_file "$dir/snaps.h5" -ts_trajectory_metarom_stride 30 \
     -final_out "$dir/full.h5" -series_out "$dir/series.h5" -series_stride 30 > "$dir/rec.txt" 2>&1; then ok
else fail "recording run: $(cat "$dir/rec.txt")"; fi
"$metarom" info "$dir/snaps.h5" > "$dir/info.txt" 2>&1
grep -q "N = 101 snapshots" "$dir/info.txt" && grep -q "grid: 200 points" "$dir/info.txt" && ok \
  || fail "recorded file: $(cat "$dir/info.txt")"
# PETSc's own VecView output of the same run, imported.
par "$metarom" import-petsc "$dir/series.h5" -o "$dir/imported.h5" -dt 0.003 -grid 200 > "$dir/imp.txt" 2>&1 \
  && grep -q "101 snapshot(s) of 200 values" "$dir/imp.txt" && ok || fail "import-petsc: $(cat "$dir/imp.txt")"

# 2. Reduce: POD (r = 8) and the meta-autoencoder (r = 4, POD stage of 12 modes).
par "$metarom" fit pod -i "$dir/snaps.h5" -o "$dir/pod.h5" -r 8 -quiet > "$dir/fit.txt" 2>&1 && ok \
  || fail "fit pod: $(cat "$dir/fit.txt")"
# Under the sanitizers (METAROM_TEST_SANITIZED=1, scripts/sanitize.sh) 100 epochs instead of
# 1000 (the 1000 took 66 s of this script's 85 there, measured): the bounds below derive from
# the trained model's own projection error, so they hold whatever the training reached.
meta_epochs=1000
[ "${METAROM_TEST_SANITIZED:-0}" = 1 ] && meta_epochs=100
par "$metarom" fit meta-ae -i "$dir/snaps.h5" -o "$dir/meta.h5" -r 4 -ae_pod_modes 12 -ae_epochs $meta_epochs \
  -ae_batch_size 10 -meta_latent_penalty 1e-2 -quiet > "$dir/fit.txt" 2>&1 && ok || fail "fit meta-ae: $(cat "$dir/fit.txt")"

# Error bounds, derived from each model's reconstruction error of the recorded run (metarom
# eval: ‖X − φ(θ(X))‖_F/‖X‖_F, the least error any ROM in that latent space can have over the
# run). A Galerkin ROM is quasi-optimal: its error is a multiple of that projection error
# whose constant grows with the flow's Lipschitz constant times the time span (here small:
# viscous Burgers, ν = 0.02, |u| ≤ 1, T = 0.3), and it steps as the full run does (the
# program's own steps and integrator), adding no time-discretization error of its own. The
# constant is not known sharply for this nonlinear flow: the bound allows 10 times the
# projection error, and the run prints the measured multiple.
proj() { par "$metarom" eval -m "$1" -i "$dir/snaps.h5" -json 2>/dev/null | grep -o '"rel_error":[^,}]*' | cut -d: -f2; }
pod_proj=$(proj "$dir/pod.h5")
meta_proj=$(proj "$dir/meta.h5")
[ -n "$pod_proj" ] && [ -n "$meta_proj" ] && ok || fail "eval of the models on the recording: '$pod_proj' '$meta_proj'"
pod_bound=$(awk -v p="$pod_proj" 'BEGIN { printf "%.3g", 10 * p }')
meta_bound=$(awk -v p="$meta_proj" 'BEGIN { printf "%.3g", 10 * p }')
echo "plugin (np=$np): projection errors of the recording: POD r = 8 $pod_proj, meta-AE r = 4 $meta_proj"

# 3. Run reduced: the same program, -ts_type rom; it compares its final state with the full run's.
reduced() {  # reduced MODEL BOUND [options]: run on MODEL, require the final-state error < BOUND
  local model=$1 bound=$2
  shift 2
  if par "$app" -dll_append "$lib" -ts_type rom -ts_rom_model "$model" -compare_to "$dir/full.h5" "$@" \
       > "$dir/red.txt" 2>&1; then
    local err
    err=$(grep -o "final state relative error [0-9.e+-]*" "$dir/red.txt" | awk '{print $5}')
    echo "plugin (np=$np): $(basename "$model") $*: final state relative error $err (bound $bound)"
    if [ -n "$err" ] && below "$err" "$bound"; then ok; else fail "$model: error '$err' not below $bound"; fi
  else
    fail "reduced run on $model: $(cat "$dir/red.txt")"
  fi
}
reduced "$dir/pod.h5" "$pod_bound"
reduced "$dir/meta.h5" "$meta_bound" -ts_rom_latent_file "$dir/latent.h5"
"$metarom" info "$dir/latent.h5" 2>&1 | grep -q "latent states: r = 4" && ok || fail "no latent trajectory written"
for f in snaps.h5 latent.h5; do  # the recorder's and the reduced run's files, against the schema
  "$metarom" info "$dir/$f" -check > "$dir/check.txt" 2>&1 && ok || fail "$f does not conform: $(cat "$dir/check.txt")"
done

# 3a. Parametric: the program recorded at ν = 0.015 and 0.025 (its -nu named as the run's
# parameter), the runs merged into one set, POD fitted across them, and the reduced program run
# at ν = 0.02, which no recording saw: the Galerkin route evaluates the program's own f at the
# new ν, so the quasi-optimality bound above holds with the projection error of the ν = 0.02 run
# (recorded here only to measure it) onto the basis. At ν = 0.05 the run extrapolates and says so.
for nu in 0.015 0.025 0.02; do
  par "$app" $fixed -nu $nu -dll_append "$lib" -ts_save_trajectory -ts_trajectory_type metarom \
    -ts_trajectory_metarom_file "$dir/nu$nu.h5" -ts_trajectory_metarom_stride 30 -ts_trajectory_metarom_parameters nu \
    -final_out "$dir/full_nu$nu.h5" > "$dir/nurec.txt" 2>&1 && ok || fail "recording at nu = $nu: $(cat "$dir/nurec.txt")"
done
par "$metarom" merge "$dir/nu0.015.h5" "$dir/nu0.025.h5" -o "$dir/nu.h5" -quiet > "$dir/numerge.txt" 2>&1 \
  && grep -q "2 trajectories, parameters nu" "$dir/numerge.txt" && ok || fail "merge of the recordings: $(cat "$dir/numerge.txt")"
par "$metarom" fit pod -i "$dir/nu.h5" -o "$dir/podnu.h5" -r 8 -quiet > /dev/null 2>&1 && ok || fail "fit pod on the two runs"
nu_proj=$(par "$metarom" eval -m "$dir/podnu.h5" -i "$dir/nu0.02.h5" -json 2>/dev/null | grep -o '"rel_error":[^,}]*' | cut -d: -f2)
[ -n "$nu_proj" ] && ok || fail "eval of the two-run model on the nu = 0.02 recording"
echo "plugin (np=$np): projection error of the nu = 0.02 run onto the POD of the 0.015 and 0.025 runs: $nu_proj"
reduced "$dir/podnu.h5" "$(awk -v p="$nu_proj" 'BEGIN { printf "%.3g", 10 * p }')" -nu 0.02
if par "$app" -nu 0.05 -dll_append "$lib" -ts_type rom -ts_rom_model "$dir/podnu.h5" -ts_view > "$dir/nuout.txt" 2>&1; then ok
else fail "reduced run at nu = 0.05: $(cat "$dir/nuout.txt")"; fi
grep -q "warning: extrapolates: nu = 0.05 outside the trained \[0.015, 0.025\]" "$dir/nuout.txt" \
  && grep -q "  extrapolates: nu = 0.05" "$dir/nuout.txt" && ok || fail "no extrapolation warning at nu = 0.05: $(cat "$dir/nuout.txt")"
expect_failure "-nu is not given" "$app" $fixed -dll_append "$lib" -ts_save_trajectory -ts_trajectory_type metarom \
  -ts_trajectory_metarom_file "$dir/x.h5" -ts_trajectory_metarom_parameters nu
# The learned route: latent operators fitted to each recording and interpolated in ν (linearly,
# between two runs) at the run's -nu; the program's f is never called. No theorem bounds it:
# 1e-2 is issue 30's target for this route (measured 3.2e-3 serially at ν = 0.02).
par "$metarom" fit pod -i "$dir/nu.h5" -o "$dir/podnu_learned.h5" -r 8 -latent_dynamics learned \
  -latent_dynamics_parametric interpolated -quiet > "$dir/nufit.txt" 2>&1 && ok || fail "learned fit: $(cat "$dir/nufit.txt")"
reduced "$dir/podnu_learned.h5" 1e-2 -nu 0.02 -ts_view
grep -q "learned latent dynamics, interpolated at nu = 0.02 between 2 runs" "$dir/red.txt" && ok \
  || fail "-ts_view does not say the operators were interpolated at nu = 0.02: $(cat "$dir/red.txt")"
expect_failure "depend on the option -nu; give it" "$app" -dll_append "$lib" -ts_type rom \
  -ts_rom_model "$dir/podnu_learned.h5"

# 3b. Implicit and IMEX forms. The program states the same equations three ways: u_t = f
# (RHS), F = u_t − f = 0 (-implicit_only, with its IJacobian) and u_t − νu_xx = −(u²/2)_x
# (-imex). With a backward-Euler latent step of the application's size, the RHS route solves
# Vᵀ(V(u_{k+1} − u_k)/Δt − f(Vu_{k+1})) = 0 for POD, which is exactly the implicit route's
# projected residual: the three final states agree to the Newton solves' tolerance (each
# converges quadratically to round-off here: measured 1e-14), bounded by 1e-10.
steps="-ts_max_steps 300"
par "$app" $steps -dll_append "$lib" -ts_type rom -ts_rom_model "$dir/pod.h5" -ts_rom_ts_type beuler -ts_rom_dt 1e-4 \
  -final_out "$dir/rhs_be.h5" > "$dir/be.txt" 2>&1 && ok || fail "RHS route with backward Euler: $(cat "$dir/be.txt")"
for form in -implicit_only -imex; do
  if par "$app" $steps $form -dll_append "$lib" -ts_type rom -ts_rom_model "$dir/pod.h5" -compare_to "$dir/rhs_be.h5" \
       -ts_view > "$dir/form.txt" 2>&1; then
    err=$(grep -o "final state relative error [0-9.e+-]*" "$dir/form.txt" | awk '{print $5}')
    echo "plugin (np=$np): $form reduced run against the RHS route: $err"
    [ -n "$err" ] && below "$err" 1e-10 && ok || fail "$form: implicit route against the RHS route '$err'"
    grep -q "Jacobian projected from its IJacobian" "$dir/form.txt" && ok || fail "$form: route: $(grep -i galerkin "$dir/form.txt")"
  else
    fail "$form reduced run: $(cat "$dir/form.txt")"
  fi
done
# A nonlinear decoder on the implicit route (the meta-autoencoder's POD stage, Gauss–Newton
# Jacobian): the same bound as on the RHS route above (its backward-Euler steps differ from
# the RK full run by 1.6e-4, far below it).
reduced "$dir/meta.h5" "$meta_bound" -implicit_only
# The LSPG variant (the backward-Euler residual minimized over the latent space) with POD: held
# to the Galerkin run's bound (both are optimal in the same subspace, Galerkin for the
# projected, LSPG for the full residual).
reduced "$dir/pod.h5" "$pod_bound" -implicit_only -ts_rom_implicit_method lspg -ts_view
grep -q "LSPG (backward-Euler residual" "$dir/red.txt" && ok || fail "-ts_rom_implicit_method lspg: route not named"
expect_failure "must be galerkin or lspg" "$app" -dll_append "$lib" -ts_type rom -ts_rom_model "$dir/pod.h5" \
  -implicit_only -ts_rom_implicit_method nope
# Learned latent dynamics from a recording of the implicit program (finite-difference
# velocities): the program's implicit function is never called, the same bound.
par "$app" -implicit_only $fixed -dll_append "$lib" -ts_save_trajectory -ts_trajectory_type metarom \
  -ts_trajectory_metarom_file "$dir/isnaps.h5" -ts_trajectory_metarom_stride 30 -final_out "$dir/ifull.h5" \
  > "$dir/irec.txt" 2>&1 && ok || fail "recording the implicit program: $(cat "$dir/irec.txt")"
par "$metarom" fit pod -i "$dir/isnaps.h5" -o "$dir/ipod.h5" -r 8 -latent_dynamics learned -quiet > "$dir/ifit.txt" 2>&1 \
  && ok || fail "fit pod -latent_dynamics learned on the implicit recording: $(cat "$dir/ifit.txt")"
if par "$app" -implicit_only -dll_append "$lib" -ts_type rom -ts_rom_model "$dir/ipod.h5" -compare_to "$dir/ifull.h5" \
     -ts_view > "$dir/ired.txt" 2>&1; then
  err=$(grep -o "final state relative error [0-9.e+-]*" "$dir/ired.txt" | awk '{print $5}')
  echo "plugin (np=$np): learned dynamics from the implicit program: $err"
  [ -n "$err" ] && below "$err" "$pod_bound" && ok || fail "learned dynamics from the implicit program: error '$err' (bound $pod_bound)"
  grep -q "learned latent dynamics" "$dir/ired.txt" && grep -q " 0 application right-hand side evaluations" "$dir/ired.txt" \
    && ok || fail "learned route on the implicit program: $(grep -i 'latent' "$dir/ired.txt")"
else
  fail "learned dynamics on the implicit program: $(cat "$dir/ired.txt")"
fi
# The application's monitors during a reduced run: called once per latent step (steps 0 …
# 300 of the fixed grid) with the decoded state: its norms follow the full run's to the
# ROM's accuracy (POD r = 8: the bound above).
par "$app" $steps -implicit_only -monitor_norm > "$dir/mon_full.txt" 2>&1 || fail "full implicit run: $(cat "$dir/mon_full.txt")"
par "$app" $steps -implicit_only -monitor_norm -dll_append "$lib" -ts_type rom -ts_rom_model "$dir/pod.h5" \
  > "$dir/mon_red.txt" 2>&1 || fail "reduced implicit run with monitors: $(cat "$dir/mon_red.txt")"
calls=$(grep -c "^monitor " "$dir/mon_red.txt")
[ "$calls" = 301 ] && grep -q "^monitor 300 0.03 " "$dir/mon_red.txt" && ok || fail "monitor called $calls times (want 301, last at step 300, t = 0.03)"
worst=$(paste <(grep "^monitor " "$dir/mon_full.txt") <(grep "^monitor " "$dir/mon_red.txt") \
  | awk '{ d = ($4 - $8) / $4; if (d < 0) d = -d; if (d > w) w = d } END { printf "%g", w + 0 }')
[ -n "$worst" ] && below "$worst" "$pod_bound" && ok || fail "monitored norms against the full run's: worst relative difference '$worst' (bound $pod_bound)"
par "$app" $steps -implicit_only -monitor_norm -dll_append "$lib" -ts_type rom -ts_rom_model "$dir/pod.h5" -ts_rom_monitor 0 \
  > "$dir/mon_off.txt" 2>&1 && [ "$(grep -c "^monitor " "$dir/mon_off.txt")" = 0 ] && ok || fail "-ts_rom_monitor 0 still monitors"

# 4. What does not fit is refused with a reason.
expect_failure "name the reduced model with -ts_rom_model" "$app" -dll_append "$lib" -ts_type rom
expect_failure "states of 200 values; this application's state has 100" \
  "$app" -dll_append "$lib" -ts_type rom -ts_rom_model "$dir/pod.h5" -n 100
expect_failure "no such file" "$app" -dll_append "$lib" -ts_type rom -ts_rom_model "$dir/none.h5"

# 5. -help lists the plugin's types and options.
par "$app" -dll_append "$lib" -ts_type rom -ts_rom_model "$dir/pod.h5" -ts_save_trajectory \
  -ts_trajectory_type metarom -ts_trajectory_metarom_file "$dir/h.h5" -help > "$dir/help.txt" 2>&1
for want in -ts_rom_model -ts_rom_latent_file -ts_rom_ts_type -ts_rom_monitor -ts_rom_implicit_method -ts_rom_dae_tolerance \
  -ts_trajectory_metarom_file -ts_trajectory_metarom_stride; do
  grep -q -- "$want" "$dir/help.txt" && ok || fail "-help does not list $want"
done
# Without -ts_type rom: the TS types PETSc offers include rom, the trajectory types metarom.
par "$app" -dll_append "$lib" -ts_save_trajectory -ts_trajectory_type memory -ts_max_steps 1 -help > "$dir/help2.txt" 2>&1
grep -- "-ts_type <" "$dir/help2.txt" | grep -qE "one of\) .*\brom\b" && ok || fail "-help does not offer TS type rom"
grep -- "-ts_trajectory_type <" "$dir/help2.txt" | grep -qE "one of\) .*\bmetarom\b" && ok \
  || fail "-help does not offer TSTrajectory type metarom"

summary "plugin (np=$np)"
