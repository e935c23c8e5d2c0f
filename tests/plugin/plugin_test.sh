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
par "$metarom" fit meta-ae -i "$dir/snaps.h5" -o "$dir/meta.h5" -r 4 -ae_pod_modes 12 -ae_epochs 1000 \
  -ae_batch_size 10 -meta_latent_penalty 1e-2 -quiet > "$dir/fit.txt" 2>&1 && ok || fail "fit meta-ae: $(cat "$dir/fit.txt")"

# 3. Run reduced: the same program, -ts_type rom; it compares its final state with the full run's.
reduced() {  # reduced MODEL BOUND [options]: run on MODEL, require the final-state error < BOUND
  local model=$1 bound=$2
  shift 2
  if par "$app" -dll_append "$lib" -ts_type rom -ts_rom_model "$model" -compare_to "$dir/full.h5" "$@" \
       > "$dir/red.txt" 2>&1; then
    local err
    err=$(grep -o "final state relative error [0-9.e+-]*" "$dir/red.txt" | awk '{print $5}')
    echo "plugin (np=$np): $(basename "$model"): final state relative error $err (bound $bound)"
    if [ -n "$err" ] && below "$err" "$bound"; then ok; else fail "$model: error '$err' not below $bound"; fi
  else
    fail "reduced run on $model: $(cat "$dir/red.txt")"
  fi
}
reduced "$dir/pod.h5" 2e-3
reduced "$dir/meta.h5" 1.5e-2 -ts_rom_latent_file "$dir/latent.h5"
"$metarom" info "$dir/latent.h5" 2>&1 | grep -q "latent states: r = 4" && ok || fail "no latent trajectory written"

# 4. What does not fit is refused with a reason.
expect_failure "name the reduced model with -ts_rom_model" "$app" -dll_append "$lib" -ts_type rom
expect_failure "states of 200 values; this application's state has 100" \
  "$app" -dll_append "$lib" -ts_type rom -ts_rom_model "$dir/pod.h5" -n 100
expect_failure "only in implicit form (TSSetIFunction)" \
  "$app" -dll_append "$lib" -ts_type rom -ts_rom_model "$dir/pod.h5" -implicit_only
expect_failure "no such file" "$app" -dll_append "$lib" -ts_type rom -ts_rom_model "$dir/none.h5"

# 5. -help lists the plugin's types and options.
par "$app" -dll_append "$lib" -ts_type rom -ts_rom_model "$dir/pod.h5" -ts_save_trajectory \
  -ts_trajectory_type metarom -ts_trajectory_metarom_file "$dir/h.h5" -help > "$dir/help.txt" 2>&1
for want in -ts_rom_model -ts_rom_latent_file -ts_rom_ts_type -ts_trajectory_metarom_file -ts_trajectory_metarom_stride; do
  grep -q -- "$want" "$dir/help.txt" && ok || fail "-help does not list $want"
done
# Without -ts_type rom: the TS types PETSc offers include rom, the trajectory types metarom.
par "$app" -dll_append "$lib" -ts_save_trajectory -ts_trajectory_type memory -ts_max_steps 1 -help > "$dir/help2.txt" 2>&1
grep -- "-ts_type <" "$dir/help2.txt" | grep -qE "one of\) .*\brom\b" && ok || fail "-help does not offer TS type rom"
grep -- "-ts_trajectory_type <" "$dir/help2.txt" | grep -qE "one of\) .*\bmetarom\b" && ok \
  || fail "-help does not offer TSTrajectory type metarom"

summary "plugin (np=$np)"
