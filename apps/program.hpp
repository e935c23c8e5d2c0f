#pragma once
// The frame of metarom's stand-alone programs (benchmarks, paper reproductions): PETSc
// initialized around `body`, any exception reported with the program's name, exit status 1.
#include <petscsys.h>

#include <exception>
#include <iostream>

namespace metarom::apps {

template <class Body>
int run_program(int argc, char** argv, const char* name, Body body) {
  if (PetscInitialize(&argc, &argv, nullptr, nullptr)) return 1;
  int rc = 0;
  try {
    body();
  } catch (const std::exception& e) {
    std::cerr << name << ": error: " << e.what() << "\n";
    rc = 1;
  }
  PetscFinalize();
  return rc;
}

}  // namespace metarom::apps
