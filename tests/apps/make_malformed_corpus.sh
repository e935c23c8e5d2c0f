#!/usr/bin/env bash
# The malformed-file corpus (issue 35): good files of every kind made by metarom itself on a
# tiny heat problem, then one damaged copy per structural fault (make_malformed_files.py) in
# OUT, with OUT/manifest.tsv. Deterministic: the same commands and edits every run. The
# CTest fixture that malformed_test.sh and the fuzz target's corpus run depend on.
# usage: make_malformed_corpus.sh /path/to/metarom OUT
set -eu
exe=$1
out=$2
rm -rf "$out" && mkdir -p "$out/good"
g=$out/good
q=-quiet
"$exe" simulate heat -o "$g/snap.h5" -heat_nx 8 -heat_ny 8 -heat_steps 20 -heat_snapshot_stride 2 -heat_t_final 0.02 $q
"$exe" fit pod -i "$g/snap.h5" -o "$g/pod.h5" -r 3 -latent_dynamics learned $q > /dev/null
"$exe" fit ae -i "$g/snap.h5" -o "$g/ae.h5" -r 2 -ae_hidden 4 -ae_epochs 2 -ae_checkpoint "$g/ckpt.h5" $q > /dev/null
"$exe" fit meta-ae -i "$g/snap.h5" -o "$g/meta.h5" -r 2 -ae_hidden 4 -ae_epochs 2 $q > /dev/null
"$exe" fit sparse-ae -i "$g/snap.h5" -o "$g/sparse.h5" -r 3 -sparse_epochs 2 $q > /dev/null
"$exe" fit linear-ae -i "$g/snap.h5" -o "$g/linear.h5" -r 3 $q > /dev/null
"$exe" fit linear-inverse -i "$g/snap.h5" -o "$g/inv.h5" -r 3 $q > /dev/null
"$exe" rom -m "$g/pod.h5" -o "$g/traj.h5" $q > /dev/null
rm -f "$g"/*.xmf
/usr/bin/python3 "$(dirname "$0")/make_malformed_files.py" "$g" "$out"
