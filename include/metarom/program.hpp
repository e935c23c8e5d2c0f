#pragma once
// The frame of a program built on metarom (the benchmarks, the examples, yours): PETSc
// initialized around `body`, an exception reported on stderr with the program's name and
// turned into exit status 1, PETSc finalized after the body's objects are gone. The BLAS's
// threads are set first (-blas_threads, -blas_view; metarom/linalg/blas.hpp).
//   int main(int argc, char** argv) { return metarom::run_program(argc, argv, "myprog", [] { ... }); }
#include <petscsys.h>

#include <exception>
#include <iostream>

#include "metarom/linalg/blas.hpp"

namespace metarom {

template <class Body>
int run_program(int argc, char** argv, const char* name, Body body) {
  if (PetscInitialize(&argc, &argv, nullptr, nullptr)) return 1;
  int rc = 0;
  try {
    configure_blas_threads_from_options(PETSC_COMM_WORLD);
    body();
  } catch (const std::exception& e) {
    std::cerr << name << ": error: " << e.what() << "\n";
    rc = 1;
  }
  PetscFinalize();
  return rc;
}

}  // namespace metarom
