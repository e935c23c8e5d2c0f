#!/usr/bin/env bash
# Bad inputs: every command refuses a damaged or unsuitable input with one message naming the
# file, the object and what was expected, and a non-zero exit — never a crash, a hang or an
# allocation failure. One case per line: the damaged files are written by make_bad_inputs.py
# from good ones made here. Run on NP ranks.
# usage: bad_input_test.sh /path/to/metarom /path/to/metarom_ts_app /path/to/libmetarom.so NP [mpiexec]
set -u
exe=$1
app=$2
lib=$3
np=${4:-1}
mpiexec=${5:-mpiexec}
run() { par "$exe" "$@"; }
launch=run
# shellcheck source=../test_lib.sh
. "$(dirname "$0")/../test_lib.sh"
cases=0
# bad "message part" command...: one case; the message must hold the text as it is (no regex).
bad() {
  cases=$((cases + 1))
  local want=$1
  shift
  if $launch "$@" > "$dir/out.txt" 2>&1; then fail "'$*' succeeded"; return; fi
  grep -qF -- "$want" "$dir/out.txt" && ok || fail "'$*' did not say '$want': $(head -c 600 "$dir/out.txt")"
}

heat="-heat_nx 20 -heat_ny 20 -heat_steps 60 -heat_snapshot_stride 2 -heat_t_final 0.05 -quiet"
run simulate heat -o "$dir/heat.h5" $heat > /dev/null 2>&1 && ok || fail "simulate"
run simulate heat -o "$dir/heat16.h5" -heat_nx 16 -heat_ny 16 -heat_steps 20 -heat_snapshot_stride 2 -quiet \
  > /dev/null 2>&1 && ok || fail "simulate (16 x 16)"
run fit pod -i "$dir/heat.h5" -o "$dir/pod.h5" -r 3 -quiet > /dev/null 2>&1 && ok || fail "fit pod"
run fit ae -i "$dir/heat.h5" -o "$dir/ae.h5" -r 3 -ae_hidden 8 -ae_epochs 3 -quiet > /dev/null 2>&1 && ok || fail "fit ae"
# A model of the test program's own state (200 values), for the plugin's cases.
par "$app" -dll_append "$lib" -ts_max_steps 20 -ts_save_trajectory -ts_trajectory_type metarom \
  -ts_trajectory_metarom_file "$dir/app.h5" > /dev/null 2>&1 && ok || fail "recording the test program"
run fit pod -i "$dir/app.h5" -o "$dir/app_pod.h5" -r 3 -quiet > /dev/null 2>&1 && ok || fail "fit pod (program)"
/usr/bin/python3 "$(dirname "$0")/make_bad_inputs.py" "$dir" && ok || fail "make_bad_inputs.py"
d=$dir

# Snapshot files (fit reads them; eval, compare and rom share the reader).
bad "random.h5: is not an HDF5 file" fit pod -i "$d/random.h5" -o "$d/x.h5"
bad "snap_truncated.h5: cannot open HDF5 file (truncated or corrupt?)" fit pod -i "$d/snap_truncated.h5" -o "$d/x.h5"
bad "snap_scrambled.h5" fit pod -i "$d/snap_scrambled.h5" -o "$d/x.h5"
bad "snap_int.h5:/states: has type integer, expected floating point" fit pod -i "$d/snap_int.h5" -o "$d/x.h5"
bad "snap_string_time.h5:/time: has type string, expected floating point" fit pod -i "$d/snap_string_time.h5" -o "$d/x.h5"
bad "snap_rank3.h5:/states: has rank 3, expected a 2-D data set" fit pod -i "$d/snap_rank3.h5" -o "$d/x.h5"
bad "snap_no_states.h5:/states: data set is missing" fit pod -i "$d/snap_no_states.h5" -o "$d/x.h5"
bad "snap_absurd_size.h5:/time: declares 1000000000 values but the file stores" fit pod -i "$d/snap_absurd_size.h5" -o "$d/x.h5"
bad "snap_absurd_layout.h5:/layout: grid dimensions [10000000000, 10000000000] describe more than 1e15" \
  fit pod -i "$d/snap_absurd_layout.h5" -o "$d/x.h5"
bad "snap_version.h5: format version 99 is newer than this metarom understands" fit pod -i "$d/snap_version.h5" -o "$d/x.h5"
bad "snap_not_metarom.h5: not a metarom file" fit pod -i "$d/snap_not_metarom.h5" -o "$d/x.h5"
bad "snap_nan.h5:/states: contains NaN or Inf" fit pod -i "$d/snap_nan.h5" -o "$d/x.h5"
bad "snap_inf_time.h5:/time: contains NaN or Inf" fit pod -i "$d/snap_inf_time.h5" -o "$d/x.h5"
bad "snap_empty.h5:/states: holds no snapshots" fit pod -i "$d/snap_empty.h5" -o "$d/x.h5"
bad "snap_empty.h5:/states: holds no snapshots" eval -m "$d/pod.h5" -i "$d/snap_empty.h5"
bad "no such file" fit pod -i "$d/missing.h5" -o "$d/x.h5"
bad "is a directory" fit pod -i "$d" -o "$d/x.h5"
bad "snap_nan.h5:/states: contains NaN or Inf" compare -i "$d/snap_nan.h5" -r 2 -reducers pod -o "$d/cmp" -plots 0

# Latent dimensions and option values.
bad "-r must be" fit pod -i "$d/heat.h5" -o "$d/x.h5" -r -2
bad "exceeds min(n, N) = 31" fit pod -i "$d/heat.h5" -o "$d/x.h5" -r 40
bad "exceeds min(n, N) = 31" fit ae -i "$d/heat.h5" -o "$d/x.h5" -r 40
bad "-r must be" fit ae -i "$d/heat.h5" -o "$d/x.h5" -r 0
bad "exceeds min(n, N) = 31" compare -i "$d/heat.h5" -r 40 -reducers pod -o "$d/cmp" -plots 0
bad "-pod_svd must be" fit pod -i "$d/heat.h5" -o "$d/x.h5" -r 2 -pod_svd fastest
bad "-ae_optimizer must be" fit ae -i "$d/heat.h5" -o "$d/x.h5" -r 2 -ae_optimizer sgd
bad "unknown reducer type 'nope'" fit nope -i "$d/heat.h5" -o "$d/x.h5"

# Model files, through eval, rom, compare and the plugin's -ts_rom_model.
bad "random.h5: is not an HDF5 file" eval -m "$d/random.h5" -i "$d/heat.h5"
bad "pod_truncated.h5: cannot open HDF5 file (truncated or corrupt?)" eval -m "$d/pod_truncated.h5" -i "$d/heat.h5"
bad "ae_scrambled.h5" eval -m "$d/ae_scrambled.h5" -i "$d/heat.h5"
bad "pod_no_basis.h5:/reducer/basis: data set is missing" eval -m "$d/pod_no_basis.h5" -i "$d/heat.h5"
bad "pod_type.h5:/reducer: unknown reducer type 'nope'" eval -m "$d/pod_type.h5" -i "$d/heat.h5"
bad "pod_absurd_r.h5:/reducer: attribute 'latent_dim' is 1000000000000, expected an integer in [1," \
  eval -m "$d/pod_absurd_r.h5" -i "$d/heat.h5"
bad "pod_negative_r.h5:/reducer: attribute 'latent_dim' is -3" eval -m "$d/pod_negative_r.h5" -i "$d/heat.h5"
bad "pod_version.h5: format version 99 is newer" eval -m "$d/pod_version.h5" -i "$d/heat.h5"
bad "pod_missing_attr.h5:/reducer: attribute 'latent_dim' is missing" eval -m "$d/pod_missing_attr.h5" -i "$d/heat.h5"
bad "pod_string_attr.h5:/reducer: attribute 'latent_dim' is \"three\", expected an integer" \
  eval -m "$d/pod_string_attr.h5" -i "$d/heat.h5"
bad "pod_no_training.h5:/training: group is missing" eval -m "$d/pod_no_training.h5" -i "$d/heat.h5"
bad "ae_nan_weight.h5:/reducer/decoder/W2: contains NaN or Inf" eval -m "$d/ae_nan_weight.h5" -i "$d/heat.h5"
bad "ae_absurd_width.h5:/reducer/decoder: attribute 'widths' holds 1000000000000, widths must be in [1, 2^31)" eval -m "$d/ae_absurd_width.h5" -i "$d/heat.h5"
bad "ae_wrong_layer.h5:/reducer/encoder/W2: has shape [8, 4], expected [8, 3]" eval -m "$d/ae_wrong_layer.h5" -i "$d/heat.h5"
bad "ae_no_decoder.h5:/reducer/decoder: group is missing" eval -m "$d/ae_no_decoder.h5" -i "$d/heat.h5"
bad "heat.h5: holds a 'snapshots', expected a 'model'" eval -m "$d/heat.h5" -i "$d/heat.h5"
bad "pod.h5 is for states of 400 values, $d/heat16.h5 has 256" eval -m "$d/pod.h5" -i "$d/heat16.h5"
bad "pod_truncated.h5: cannot open HDF5 file" rom -m "$d/pod_truncated.h5" -quiet
bad "ae_nan_weight.h5:/reducer/decoder/W2: contains NaN or Inf" rom -m "$d/ae_nan_weight.h5" -quiet
bad "pod.h5: the model is for states of 400 values, the rebuilt heat model has 1600" rom -m "$d/pod.h5" -heat_nx 40 -heat_ny 40 -quiet
bad "pod_absurd_r.h5:/reducer: attribute 'latent_dim'" compare -i "$d/heat.h5" -r 3 -reducers "$d/pod_absurd_r.h5" \
  -o "$d/cmp" -plots 0
bad "pod.h5: the model is for states of size 400, the target has 256" compare -i "$d/heat16.h5" -r 3 -reducers "$d/pod.h5" -o "$d/cmp" -plots 0

# The plugin: a damaged or unsuitable model named by -ts_rom_model stops the host program
# with PETSc's error and the message.
launch=par
plugin() { bad "$1" "$app" -dll_append "$lib" -ts_type rom -ts_rom_model "$2"; }
plugin "app_pod_truncated.h5: cannot open HDF5 file (truncated or corrupt?)" "$d/app_pod_truncated.h5"
plugin "app_pod_absurd_r.h5:/reducer: attribute 'latent_dim' is 1000000000000" "$d/app_pod_absurd_r.h5"
plugin "app_pod_nan.h5:/reducer/basis: contains NaN or Inf" "$d/app_pod_nan.h5"
plugin "pod.h5 holds a reduced model for states of 400 values; this application's state has 200" "$d/pod.h5"
plugin "snap_nan.h5: holds a 'snapshots', expected a 'model'" "$d/snap_nan.h5"
plugin "random.h5: is not an HDF5 file" "$d/random.h5"
echo "bad inputs (np=$np): $cases cases"
summary "bad inputs (np=$np)"
