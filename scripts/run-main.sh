#!/usr/bin/env bash
# The main job on its default data: simulate the 2-D heat equation (128 x 128), fit POD
# with r chosen by 99.99 % energy, evaluate it, and run the POD-Galerkin ROM against the
# full model; then spin up the QG model on its default grid and write train and test
# snapshot sets (the spin-up is saved in out/ and reused by later runs). Results go to out/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
mkdir -p out
m=build/metarom
$m simulate heat -o out/heat.h5
$m fit pod -i out/heat.h5 -o out/heat_pod.h5 -pod_energy 0.9999
$m eval -m out/heat_pod.h5 -i out/heat.h5
$m rom -m out/heat_pod.h5 -o out/heat_rom.h5
# The QG run on every core (OpenMPI needs to be told that root may run it).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
ranks=$(nproc)
[ "$ranks" -gt 2 ] && ranks=2
mpiexec -n "$ranks" $m simulate qg -o out/qg.h5 -split 0.8
