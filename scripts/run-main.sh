#!/usr/bin/env bash
# The main job on its default data: simulate the 2-D heat equation (128 x 128), fit POD
# with r chosen by 99.99 % energy, evaluate it, and run the POD-Galerkin ROM against the
# full model. Results go to out/.
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
