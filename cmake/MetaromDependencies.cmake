# Locate metarom's dependencies: Debian bookworm packages only, nothing downloaded.
# Each lookup failure names the Debian package that provides the missing piece.
find_package(PkgConfig QUIET)
if(NOT PKG_CONFIG_FOUND)
  message(FATAL_ERROR "pkg-config not found: install the Debian package 'pkg-config'")
endif()

macro(metarom_require_pc prefix module debian_pkg)
  pkg_check_modules(${prefix} QUIET IMPORTED_TARGET ${module})
  if(NOT ${prefix}_FOUND)
    message(FATAL_ERROR "metarom needs '${module}' (pkg-config). Install the Debian package '${debian_pkg}': apt-get install ${debian_pkg}")
  endif()
  message(STATUS "Found ${module} ${${prefix}_VERSION}")
endmacro()

metarom_require_pc(PETSC "PETSc>=3.18" petsc-dev)
metarom_require_pc(HDF5MPI "hdf5-openmpi" libhdf5-openmpi-dev)
metarom_require_pc(FFTW "fftw3" libfftw3-dev)
find_library(FFTW_MPI_LIBRARY fftw3_mpi)
find_path(FFTW_MPI_INCLUDE_DIR fftw3-mpi.h)
if(NOT FFTW_MPI_LIBRARY OR NOT FFTW_MPI_INCLUDE_DIR)
  message(FATAL_ERROR "FFTW's MPI transforms not found: install the Debian package 'libfftw3-mpi-dev'")
endif()

# PETSc.pc carries neither the MPI include path nor MPI's C++ link line.
find_package(MPI QUIET COMPONENTS C CXX)
if(NOT MPI_FOUND)
  message(FATAL_ERROR "MPI not found: install the Debian packages 'openmpi-bin' and 'libopenmpi-dev'")
endif()

# BLAS/LAPACK: the generic libblas/liblapack, which Debian's alternatives point at OpenBLAS
# where libopenblas-dev is installed (scripts/install-deps.sh installs it), so metarom, PETSc
# and numpy run on one BLAS, whichever the machine selects.
set(BLA_VENDOR Generic)
find_package(LAPACK QUIET)
if(NOT LAPACK_FOUND)
  message(FATAL_ERROR "BLAS/LAPACK not found: install the Debian package 'libopenblas-dev' (or 'liblapack-dev')")
endif()

find_package(Eigen3 3.4 QUIET NO_MODULE)
if(NOT TARGET Eigen3::Eigen)
  message(FATAL_ERROR "Eigen 3.4 not found: install the Debian package 'libeigen3-dev'")
endif()

find_package(fmt QUIET)
if(NOT TARGET fmt::fmt)
  message(FATAL_ERROR "{fmt} not found: install the Debian package 'libfmt-dev'")
endif()

find_package(nlohmann_json 3 QUIET)
if(NOT TARGET nlohmann_json::nlohmann_json)
  message(FATAL_ERROR "nlohmann_json not found: install the Debian package 'nlohmann-json3-dev'")
endif()

if(METAROM_BUILD_TESTS)
  find_package(Catch2 2 QUIET)
  if(NOT TARGET Catch2::Catch2)
    message(FATAL_ERROR "Catch2 2.x not found: install the Debian package 'catch2' (or configure with -DMETAROM_BUILD_TESTS=OFF)")
  endif()
endif()
