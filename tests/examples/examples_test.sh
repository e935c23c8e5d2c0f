#!/usr/bin/env bash
# The installed package as a user meets it: `cmake --install` of the build into a fresh
# prefix, examples/ configured as a separate project with find_package(metarom) and
# built against it, every example run (serially and on 2 ranks), metarom.pc used by a
# plain compiler line, and no source path left in the installed binaries.
# usage: examples_test.sh BUILD_DIR SOURCE_DIR [mpiexec]
set -u
build=$1
src=$2
mpiexec=${3:-mpiexec}
np=2
# shellcheck source=../test_lib.sh
. "$(dirname "$0")/../test_lib.sh"
prefix=$dir/prefix

if cmake --install "$build" --prefix "$prefix" > "$dir/install.txt" 2>&1; then ok
else fail "cmake --install: $(cat "$dir/install.txt")"; summary examples; exit 1; fi
for f in bin/metarom include/metarom/metarom.hpp include/metarom/version.hpp share/metarom/compare_plots.py; do
  [ -e "$prefix/$f" ] && ok || fail "not installed: $f"
done
ls "$prefix"/lib*/libmetarom.so > /dev/null 2>&1 && ok || fail "libmetarom.so not installed"
# No source path compiled into what is installed (figures' script found from bin/). Not
# under the sanitizers (METAROM_TEST_SANITIZED=1): AddressSanitizer's descriptions of global
# variables name their source files by full path, whatever -ffile-prefix-map says (clang 14).
if [ "${METAROM_TEST_SANITIZED:-0}" = 1 ]; then ok
elif grep -rlaF "$src" "$prefix/bin" "$prefix"/lib* > "$dir/paths.txt" 2>/dev/null; then
  fail "source path $src in: $(cat "$dir/paths.txt")"
else ok; fi

if cmake -S "$src/examples" -B "$dir/build" -DCMAKE_PREFIX_PATH="$prefix" > "$dir/conf.txt" 2>&1 \
   && cmake --build "$dir/build" -j2 > "$dir/make.txt" 2>&1; then ok
else fail "examples against the installed package: $(cat "$dir/conf.txt" "$dir/make.txt" | tail -30)"; fi
grep -q "warning" "$dir/make.txt" && fail "examples build with warnings: $(grep -A3 warning "$dir/make.txt")" || ok

# A C++-only project (no C language enabled) finds the package and builds against the
# umbrella header: find_package(metarom) asks for nothing but the languages the caller uses.
mkdir -p "$dir/cxx_only"
cat > "$dir/cxx_only/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.25)
project(consumer CXX)
find_package(metarom REQUIRED)
add_executable(consumer consumer.cpp)
target_link_libraries(consumer PRIVATE metarom::metarom)
CMAKE
printf '#include <metarom/metarom.hpp>\n#include <cstdio>\nint main() { std::puts(metarom::version_string); }\n' \
  > "$dir/cxx_only/consumer.cpp"
if cmake -S "$dir/cxx_only" -B "$dir/cxx_only/build" -DCMAKE_PREFIX_PATH="$prefix" > "$dir/cxx.txt" 2>&1 \
   && cmake --build "$dir/cxx_only/build" >> "$dir/cxx.txt" 2>&1 \
   && [ "$("$dir/cxx_only/build/consumer")" = "$("$prefix/bin/metarom" --version | awk '{print $2}')" ]; then ok
else fail "a CXX-only project against the installed package: $(tail -30 "$dir/cxx.txt")"; fi

# pkg-config users: one compiler line.
printf '#include <metarom/metarom.hpp>\n#include <cstdio>\nint main() { std::puts(metarom::version_string); }\n' \
  > "$dir/v.cpp"
pcdir=$(dirname "$(ls "$prefix"/lib*/pkgconfig/metarom.pc)")
# CXX, CXXFLAGS and LDFLAGS as CMake takes them (the sanitizer build sets them).
if PKG_CONFIG_PATH=$pcdir ${CXX:-c++} ${CXXFLAGS:-} "$dir/v.cpp" -o "$dir/v" \
     $(PKG_CONFIG_PATH=$pcdir pkg-config --cflags --libs metarom) ${LDFLAGS:-} \
     > "$dir/pc.txt" 2>&1 && [ "$("$dir/v")" = "$("$prefix/bin/metarom" --version | awk '{print $2}')" ]; then ok
else fail "pkg-config metarom: $(cat "$dir/pc.txt")"; fi

cd "$dir" || exit 1
ex=$dir/build
# relerr FILE: the number after "relative error" (first match) in an example's output.
relerr() { grep -o "relative error[^0-9]*[0-9.e+-]*" "$1" | head -1 | grep -o "[0-9.e+-]*$"; }
"$prefix/bin/metarom" simulate heat -o heat.h5 -heat_nx 32 -heat_ny 32 -heat_steps 100 -heat_snapshot_stride 2 \
  -quiet > sim.txt 2>&1 && ok || fail "installed metarom simulate: $(cat sim.txt)"
for n in 1 2; do
  np=$n
  # A linear heat run: its POD-Galerkin ROM with r = 10 is exact to the basis' truncation
  # (the discarded singular values are below 1e-4 of the first), so 1e-3 says it ran right.
  if par "$ex/pod_rom" heat.h5 > pod.txt 2>&1 && below "$(relerr pod.txt)" 1e-3; then ok
  else fail "pod_rom (np=$n): $(cat pod.txt)"; fi
  # Smooth advection–diffusion with 12 POD modes of its own run: a reduced run far from
  # the full one (error above 1e-2) would mean the plugin ran the wrong model or steps.
  if par "$ex/record_and_reduce" -reducer_latent_dim 12 > rec.txt 2>&1 && below "$(relerr rec.txt)" 1e-2; then ok
  else fail "record_and_reduce (np=$n): $(cat rec.txt)"; fi
  "$prefix/bin/metarom" info snaps.h5 2>&1 | grep -q "N = 501 snapshots" && ok || fail "recorded file: $(cat rec.txt)"
done
# The load-and-run API: a POD model fitted by the command line, loaded and run by a few lines
# of C++ (its error is POD-Galerkin's on this linear run: r = 10 is exact to 1e-3, as above).
"$prefix/bin/metarom" fit pod -i heat.h5 -o pod10.h5 -r 10 -quiet > fit.txt 2>&1 && ok || fail "fit pod: $(cat fit.txt)"
for n in 1 2; do
  np=$n
  if par "$ex/load_and_run" pod10.h5 > load.txt 2>&1 && below "$(relerr load.txt)" 1e-3 && grep -q "galerkin ROM of a pod" load.txt
  then ok
  else fail "load_and_run (np=$n): $(cat load.txt)"; fi
done
np=1
# A short training: the run, the saved model and the printed metrics are checked, not
# the accuracy of 30 epochs.
if "$ex/meta_autoencoder" heat.h5 meta.h5 -reducer_latent_dim 3 -ae_hidden 16 -ae_epochs 30 -ae_batch_size 10 \
     > meta.txt 2>&1 && grep -q "meta-autoencoder  MSE" meta.txt \
   && "$prefix/bin/metarom" info meta.h5 2>&1 | grep -q "meta-ae"; then ok
else fail "meta_autoencoder: $(cat meta.txt)"; fi
# The Python package as installed (when the build has it: METAROM_TEST_PYTHON=1): imported from
# the prefix's dist-packages with nothing but PYTHONPATH, it finds the installed program, and the
# notebook-style example runs (a short training: the run and its figure are checked).
if [ "${METAROM_TEST_PYTHON:-0}" = 1 ]; then
  pydir=$(ls -d "$prefix"/lib/python3*/dist-packages 2>/dev/null | head -1)
  if [ -n "$pydir" ] && PYTHONPATH=$pydir METAROM_PROGRAM='' /usr/bin/python3 -c \
       "import sys, metarom; assert metarom.__file__.startswith(sys.argv[1]), metarom.__file__; assert metarom.program() == sys.argv[2], metarom.program()" \
       "$pydir" "$prefix/bin/metarom" > pyimport.txt 2>&1; then ok
  else fail "import metarom from $prefix: $(cat pyimport.txt)"; fi
  if PYTHONPATH=$pydir /usr/bin/python3 "$src/examples/python/heat_pod_meta.py" --epochs 30 --out py > py.txt 2>&1 \
     && grep -q "pod   galerkin" py.txt && [ -s py/errors.png ]; then ok
  else fail "examples/python/heat_pod_meta.py: $(cat py.txt)"; fi
  cat py.txt
fi
cat pod.txt load.txt rec.txt meta.txt
summary examples
