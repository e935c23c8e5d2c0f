#!/usr/bin/env bash
# metarom's benchmark suite, one command: every figure beside its baseline measured in the
# same run (the machines are shared and noisy: ratios, not absolute times, are the result).
#   POD          exact (TSQR), randomized and incremental routes on a 65,536 x 2,000 matrix
#                (metarom_bench_pod) on 1 and 2 ranks, numpy's thin SVD (LAPACK dgesdd) on the
#                same data (apps/bench_pod_numpy.py), and each route's time as m and N double;
#   autoencoders canonical AE and meta-AE training against PyTorch on the CPU
#                (metarom_bench_autoencoder);
#   QG           the full model's step and its Poisson solvers (metarom_bench_qg), 1 and 2 ranks;
#   ROMs         online µs per step and speedup of every reducer's ROM on the default heat set
#                (metarom compare);
#   plugin       the PETSc plugin's reduced runs against the application (scripts/bench-plugin.sh);
#   hyper-reduction  POD-Galerkin ROMs of the reaction-diffusion model u_t = Δu + λe^u with f
#                everywhere, hyper-reduced (DEIM) and learned, and an AE's manifold Galerkin
#                ROM with f everywhere and on its hyper-reduced POD stage, at two grid sizes
#                (metarom_bench_hyper_reduction);
#   Python       a POD fit and a 1,000-step ROM called from Python against the command line's
#                timers (apps/bench_python.py).
# Writes the outputs with the machine and date to docs/bench-suite.md (or the file given).
# Takes about 20 minutes on 2 cores. --quick runs small sizes (a check of the suite itself).
# One BLAS thread per process throughout (OPENBLAS_NUM_THREADS=1), metarom, numpy and PyTorch
# alike: the figures compare kernels, not thread counts; each baseline's BLAS is named.
# usage: bash scripts/bench.sh [--quick] [output.md]
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
if [ "${1:-}" = "--quick" ]; then quick=1; shift; fi
out=${1:-docs/bench-suite.md}
bash scripts/install-deps.sh --bench
bash scripts/build.sh  # incremental; builds the benchmark programs the test command leaves out
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OPENBLAS_NUM_THREADS=1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python=/usr/bin/python3
if [ $quick -eq 1 ]; then
  podsize="-bench_m 8192 -bench_n 500 -bench_incremental_rank 60 -bench_memory_fraction 0.5"
  qgsize="-qg_nx 63 -qg_ny 127 -bench_steps 5 -bench_solves 5"
  aesize="-bench_epochs 1"
  aeepochs=2
  growthsize="-bench_m 4096 -bench_n 200"
  plugin_n=32
  hrsizes="32 64"
else
  podsize=""
  qgsize=""
  aesize=""
  aeepochs=20
  growthsize=""
  plugin_n=128
  hrsizes="96 192"
fi
section() { echo "== $1" >&2; }
# seconds_of FILE LABEL: the number before " s" on the line holding LABEL.
seconds_of() { grep "$2" "$1" | head -n1 | grep -o '[0-9.]* s' | head -n1 | cut -d' ' -f1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "n/a" }'; }
round() { awk -v a="$1" 'BEGIN { if (a > 0) printf "%.2f", a; else print "not run" }'; }

section "POD, 1 rank"
build/metarom_bench_pod $podsize -bench_file "$dir/pod.h5" -bench_keep_file 1 -blas_view > "$dir/pod1.txt" 2>&1
section "POD, 2 ranks"
mpiexec -n 2 build/metarom_bench_pod $podsize -bench_file "$dir/pod2.h5" > "$dir/pod2.txt" 2>&1
section "POD growth"
build/metarom_bench_pod -bench_growth 1 $growthsize > "$dir/growth.txt" 2>&1
section "POD, numpy on the same matrix"
$python build/share/metarom/bench_pod_numpy.py "$dir/pod.h5" > "$dir/numpy.json" 2>&1 || true
rm -f "$dir/pod.h5"
exact1=$(seconds_of "$dir/pod1.txt" "exact (TSQR)")
exact2=$(seconds_of "$dir/pod2.txt" "exact (TSQR)")
inc1=$(grep -A2 "incremental, k" "$dir/pod1.txt" | tail -n1 | awk '{print $1}')
inc2=$(grep -A2 "incremental, k" "$dir/pod2.txt" | tail -n1 | awk '{print $1}')
numpy=$(grep -o '"seconds": [0-9.e+-]*' "$dir/numpy.json" | cut -d' ' -f2 || true)
blas=$(grep -o '"blas": "[^"]*"' "$dir/numpy.json" | cut -d'"' -f4 || true)
ours=$(grep '^BLAS/LAPACK: ' "$dir/pod1.txt" | sed 's/^BLAS\/LAPACK: //' || true)
read1=$(seconds_of "$dir/pod1.txt" "one read of the file")

section "autoencoders"
build/metarom_bench_autoencoder $aesize > "$dir/ae.txt" 2>&1
section "autoencoder training, 1 and 2 ranks"
build/metarom simulate heat -o "$dir/heat.h5" -quiet > /dev/null
# On the pixels (no POD stage), so the networks' first and last layers are split by rows.
fit_seconds() {  # fit_seconds NP TYPE [OPTIONS]: the fit time of TYPE on NP ranks
  local np=$1 type=$2
  shift 2
  mpiexec -n "$np" build/metarom fit "$type" -i "$dir/heat.h5" -o "$dir/ae_$np.h5" -r 5 -ae_pod_modes 0 -ae_epochs $aeepochs \
    "$@" -json 2>/dev/null | grep -o '"fit_seconds":[0-9.e+-]*' | cut -d: -f2
}
ae1=$(fit_seconds 1 ae); ae2=$(fit_seconds 2 ae); meta1=$(fit_seconds 1 meta-ae); meta2=$(fit_seconds 2 meta-ae)
# TAO (LMVM, full batch): -ae_epochs caps its iterations.
tao1=$(fit_seconds 1 ae -ae_optimizer tao); tao2=$(fit_seconds 2 ae -ae_optimizer tao)
mtao1=$(fit_seconds 1 meta-ae -ae_optimizer tao -meta_gradient implicit)
mtao2=$(fit_seconds 2 meta-ae -ae_optimizer tao -meta_gradient implicit)
section "QG, 1 and 2 ranks"
build/metarom_bench_qg $qgsize > "$dir/qg1.txt" 2>&1
mpiexec -n 2 build/metarom_bench_qg $qgsize > "$dir/qg2.txt" 2>&1
section "ROMs on the default heat set"
build/metarom compare -i "$dir/heat.h5" -r 5 -reducers pod,linear-ae,sparse-ae,ae,meta-ae -o "$dir/cmp" -plots 0 \
  -quiet > "$dir/cmp.txt" 2>&1
section "PETSc plugin"
bash scripts/bench-plugin.sh build $plugin_n > "$dir/plugin.txt" 2>&1
section "Hyper-reduction"
for nx in $hrsizes; do
  build/metarom_bench_hyper_reduction -reaction_nx "$nx" -reaction_ny "$nx" > "$dir/hr$nx.txt" 2>&1
done
hrsmall=${hrsizes% *}
hrlarge=${hrsizes#* }
# hrfield SIZE ROW KEY: a number from the JSON line of the run at SIZE.
hrfield() {
  $python -c "import json, sys; d = json.loads(open(sys.argv[1]).read().splitlines()[-1]); v = d[sys.argv[2]] if sys.argv[3] == '-' else d[sys.argv[2]][sys.argv[3]]; print(v if isinstance(v, int) else f'{v:.3g}')" \
    "$dir/hr$1.txt" "$2" "$3" 2>/dev/null || echo n/a
}
section "Python module"
pybench=n/a
if [ -d build/python/metarom ]; then
  PYTHONPATH=build/python METAROM_PROGRAM=build/metarom $python build/share/metarom/bench_python.py "$dir" \
    $([ $quick -eq 1 ] && echo "--nx 32 --repeats 2") > "$dir/python.json" 2>&1 || true
  pybench=$(cat "$dir/python.json")
fi
pyfield() { $python -c "import json, sys; print(f'{json.loads(sys.argv[1])[sys.argv[2]]:.3g}')" "$pybench" "$1" 2>/dev/null || echo n/a; }

{
  echo "# metarom benchmarks"
  echo
  echo "Written by \`bash scripts/bench.sh$([ $quick -eq 1 ] && echo ' --quick')\` on $(date -u '+%Y-%m-%d %H:%M UTC')."
  echo "Machine: $(lscpu | sed -n 's/^Model name: *//p' | head -n1), $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB;"
  echo "$(gcc --version | head -n1), PETSc $(pkg-config --modversion PETSc 2>/dev/null || echo '?'), metarom's BLAS: ${ours:-unknown}; numpy's: ${blas:-not run}; PyTorch: Debian's build, on the same libblas.so.3 (the alternatives), one thread."
  echo "Every ratio compares two figures measured in this run."
  echo
  echo "## Summary"
  echo
  echo "| figure | value | target |"
  echo "|---|---|---|"
  echo "| exact POD (TSQR), 1 rank, against numpy's thin SVD (dgesdd) of the same matrix (time ratio numpy / metarom) | $(ratio "${numpy:-0}" "$exact1") (metarom ${exact1} s, numpy $(round "${numpy:-0}") s) | ≥ 1 |"
  echo "| exact POD (TSQR), 1 rank, against one read of the matrix from its file (time ratio) | $(ratio "$exact1" "${read1:-0}") | ≤ 3 |"
  echo "| exact POD, 2 ranks against 1 (speedup) | $(ratio "$exact1" "$exact2") | ≥ 1.8 |"
  echo "| incremental POD, 2 ranks against 1 (speedup) | $(ratio "$inc1" "$inc2") | ≥ 1.6 |"
  echo "| randomized POD (2 ranks, q = 3) against exact: speedup, σ_1..σ_r error | $(grep 'q = 3' "$dir/pod2.txt" | awk '{print $6 ", " $7}') | ≥ 10×, ≤ 1e-6 |"
  fraction=$(grep -o '([0-9.]* of the local data' "$dir/pod2.txt" | tr -d '(' | cut -d' ' -f1)
  echo "| incremental POD (2 ranks) from a file $(awk -v f="$fraction" 'BEGIN { printf "%g", 1 / f }')× its memory bound: speedup against exact, largest principal angle to the exact leading modes | $(grep -A2 'incremental, k' "$dir/pod2.txt" | tail -n1 | awk '{print $3}'), $(grep -o 'principal angle [0-9.e+-]*' "$dir/pod2.txt" | cut -d' ' -f3) | —, ≤ 1e-8 (a file 4× the bound) |"
  q1=$(grep "RK4 step with the dst" "$dir/qg1.txt" | grep -o '[0-9.]* ms per step' | cut -d' ' -f1)
  q2=$(grep "RK4 step with the dst" "$dir/qg2.txt" | grep -o '[0-9.]* ms per step' | cut -d' ' -f1)
  echo "| QG RK4 step (DST Poisson solver), 2 ranks against 1 (speedup) | $(ratio "$q1" "$q2") ($q1 → $q2 ms) | — |"
  echo "| AE training on the heat set's pixels (n = 16,384, $aeepochs epochs), 2 ranks against 1 | $(ratio "$ae1" "$ae2") ($(round "$ae1") → $(round "$ae2") s) | ≥ 1.6 |"
  echo "| meta-AE training, the same, 2 ranks against 1 | $(ratio "$meta1" "$meta2") ($(round "$meta1") → $(round "$meta2") s) | ≥ 1.6 |"
  echo "| AE training by TAO (LMVM, full batch, $aeepochs iterations), the same, 2 ranks against 1 | $(ratio "$tao1" "$tao2") ($(round "$tao1") → $(round "$tao2") s) | ≥ 1.6 |"
  echo "| meta-AE training by TAO (implicit gradient), the same, 2 ranks against 1 | $(ratio "$mtao1" "$mtao2") ($(round "$mtao1") → $(round "$mtao2") s) | ≥ 1.6 |"
  echo "| canonical AE throughput against PyTorch | $(grep -o 'metarom / PyTorch: [0-9.]*x' "$dir/ae.txt" | cut -d' ' -f4 || echo 'n/a') | ≥ 6× |"
  # µs per step (column 13 of compare.md's table) of the AE's manifold Galerkin ROM and POD's Galerkin ROM.
  step() { awk -F'|' -v name=" $1 " '$2 == name { gsub(/ /, "", $13); print $13; exit }' "$dir/cmp/compare.md"; }
  echo "| neural manifold Galerkin step (ae, r = 5) against the POD-Galerkin step at the same r (time ratio) | $(ratio "$(step ae)" "$(step pod)") ($(step ae) against $(step pod) µs) | ≤ 3 |"
  echo "| meta-AE epoch / canonical epoch | $(grep -o '= [0-9.]*x a canonical epoch$' "$dir/ae.txt" | cut -d' ' -f2) | ≤ 2× |"
  echo "| meta-AE epoch with the implicit gradient (β = 1e-3) / canonical epoch | $(grep -o '= [0-9.]*x a canonical epoch (implicit)' "$dir/ae.txt" | cut -d' ' -f2) | ≤ 2× |"
  echo "| hyper-reduced POD-Galerkin (DEIM) on the reaction model, n = $(hrfield "$hrlarge" n -), r = 10: error over the run, against the Galerkin ROM's (f everywhere) | $(hrfield "$hrlarge" hyper error) against $(hrfield "$hrlarge" galerkin error) | ≤ 2×, ≤ 1e-3 |"
  echo "| the same: speedup over the full model's solve (Galerkin ROM with f everywhere; learned quadratic dynamics, error) | $(hrfield "$hrlarge" hyper speedup)× ($(hrfield "$hrlarge" galerkin speedup)×; $(hrfield "$hrlarge" learned speedup)×, $(hrfield "$hrlarge" learned error)) | ≥ 50× |"
  echo "| the same, ECSW (NNLS-weighted rows, reduced forces to 1e-4): error, rows, speedup | $(hrfield "$hrlarge" ecsw error), $(hrfield "$hrlarge" ecsw_points -) rows, $(hrfield "$hrlarge" ecsw speedup)× | ≤ 2× the Galerkin ROM's, ≥ 50× |"
  echo "| the same: latent step and right-hand-side evaluation at n = $(hrfield "$hrlarge" n -) against n = $(hrfield "$hrsmall" n -) (time ratios) | $(ratio "$(hrfield "$hrlarge" hyper microseconds_per_step)" "$(hrfield "$hrsmall" hyper microseconds_per_step)"), $(ratio "$(hrfield "$hrlarge" hyper microseconds_per_evaluation)" "$(hrfield "$hrsmall" hyper microseconds_per_evaluation)") | ≤ 1.3 |"
  echo "| the same model, AE r = 5 manifold Galerkin on its hyper-reduced POD stage: error against f everywhere; speedup (f everywhere) | $(hrfield "$hrlarge" ae-manifold-hr error) against $(hrfield "$hrlarge" ae-manifold error); $(hrfield "$hrlarge" ae-manifold-hr speedup)× ($(hrfield "$hrlarge" ae-manifold speedup)×) | ≤ 2×, ≥ 50× |"
  echo "| Python: POD fit / the command line's (time ratio; on a Fortran-ordered array, read in place) | $(pyfield fit_ratio) ($(pyfield array_fit_ratio)) | ≤ 1.1 |"
  echo "| Python: 1,000-step POD-Galerkin run / the command line's (time ratio) | $(pyfield run_ratio) | ≤ 1.1 |"
  echo
  for f in pod1 pod2; do
    echo "## POD, $([ $f = pod1 ] && echo 1 rank || echo 2 ranks)"
    echo; echo '```'; cat "$dir/$f.txt"; echo '```'; echo
  done
  echo "## POD growth (1 rank)"
  echo; echo '```'; cat "$dir/growth.txt"; echo '```'; echo
  echo "## numpy on the 1-rank run's matrix"
  echo; echo '```'; cat "$dir/numpy.json" | cut -c1-400; echo '```'; echo
  echo "## Autoencoder training"
  echo; echo '```'; cat "$dir/ae.txt"; echo '```'; echo
  echo "## QG model, 1 rank"
  echo; echo '```'; cat "$dir/qg1.txt"; echo '```'; echo
  echo "## QG model, 2 ranks"
  echo; echo '```'; cat "$dir/qg2.txt"; echo '```'; echo
  echo "## ROMs on the default heat set (metarom compare -r 5)"
  echo
  sed -n '/^| reducer/,/^$/p' "$dir/cmp/compare.md"
  echo
  echo "## PETSc plugin"
  echo; echo '```'; cat "$dir/plugin.txt"; echo '```'
  echo
  for nx in $hrsizes; do
    echo "## Hyper-reduction, reaction model on $nx x $nx (metarom_bench_hyper_reduction)"
    echo; echo '```'; head -n -1 "$dir/hr$nx.txt"; echo '```'; echo
  done
  echo "## Python module (apps/bench_python.py)"
  echo; echo '```'; echo "$pybench"; echo '```'
} > "$out"
echo "bench: wrote $out" >&2
