#!/usr/bin/env bash
# The LaSDI family's two-parameter benchmark (issue 30): 2-D Burgers, Re = 1e4, 60 x 60 grid,
# u = v = a exp(-(x^2 + y^2)/w) on [-3, 3]^2, t in [0, 1] in 200 backward-Euler steps;
# amplitude a in [0.7, 0.9] and width w in [0.9, 1.1], tested on the 21 x 21 grid of both.
# 1. `metarom greedy` chooses the training runs (POD r = 10, 4 runs spread over the grid, then
#    where the ROM's full-order residual is largest, up to BUDGET runs) and validates its
#    indicator against the true error at all 441 points.
# 2. `metarom compare` runs the full model and POD-Galerkin and POD + learned latent dynamics
#    (latent RK4 at the full model's step) at all 441 points: the largest error in time at the
#    worst point and the median speedup.
# About 9 minutes on two cores.
# usage: bash scripts/bench-lasdi.sh [output directory (default out/lasdi)] [BUDGET (default 9)]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-out/lasdi}
budget=${2:-9}
[ -x build/metarom ] || bash scripts/build.sh
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
mkdir -p "$out"
setup="-burgers_initial gaussian -burgers_t_final 1 -burgers_steps 200 -burgers_snapshot_stride 1"
grid="burgers_amplitude=0.7:0.9:21;burgers_width=0.9:1.1:21"
# shellcheck disable=SC2086
mpiexec -n 2 build/metarom greedy burgers $setup -candidates "$grid" -r 10 -pod_center 1 -greedy_start 4 \
  -greedy_budget "$budget" -greedy_tol 1e-3 -validate -o "$out/train.h5" -m "$out/pod10.h5" > "$out/greedy.txt"
grep -v "validating at" "$out/greedy.txt" | grep -v "^| burgers" | tail -n 8
# shellcheck disable=SC2086
mpiexec -n 2 build/metarom compare -i "$out/train.h5" $setup -r 10 -reducers pod -latent_dynamics learned \
  -rom_ts_type rk -rom_ts_rk_type 4 -rom_ts_adapt_type none -test_parameters "$grid" -o "$out/compare" -plots 0 -quiet
sed -n '/^## Prediction/,/^Failed points/p' "$out/compare/compare.md" | grep "^| [a-z]" | grep -v "^| reducer" \
  | awk -F'|' '{ printf "%s, r =%s,%s: worst held-out point%s, median speedup%s\n", $2, $3, $4, $(NF-2), $(NF-1) }'
echo "bench-lasdi: wrote $out/greedy.txt and $out/compare/compare.md"
