#!/usr/bin/env bash
# Installs metarom's build and run dependencies from Debian bookworm's packages (as root).
# Idempotent: does nothing when everything is already installed. With --bench, also the
# baselines of the benchmark suite (scripts/bench.sh): PyTorch.
set -euo pipefail
packages=(
  build-essential cmake pkg-config          # C++20 compiler, CMake >= 3.25
  petsc-dev                                 # PETSc 3.18 with TAO (OpenMPI, HDF5, FFTW)
  libhdf5-openmpi-dev libeigen3-dev         # parallel HDF5 1.10, Eigen 3.4
  libfftw3-dev libfftw3-mpi-dev             # FFTW (serial and MPI) for the QG Poisson solve
  openmpi-bin libopenmpi-dev                # mpiexec
  libfmt-dev nlohmann-json3-dev             # text formatting, JSON output
  libopenblas-dev                           # optimized BLAS/LAPACK for metarom, PETSc and numpy (alternatives)
  catch2                                    # Catch2 2.13 (tests)
  libpetsc3.18-dev-examples                 # PETSc's TS tutorials: the plugin's tutorial bench (tests)
  clang libclang-rt-14-dev                  # the sanitizer and libFuzzer build (tests: scripts/sanitize.sh)
  python3-matplotlib python3-h5py python3-numpy  # figures of the main job (compare_plots.py)
  python3-dev pybind11-dev python3-petsc4py python3-mpi4py python3-pytest  # the Python module and its tests
)
if [ "${1:-}" = "--bench" ]; then
  packages+=(python3-torch)                 # the autoencoder benchmark's PyTorch baseline
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
