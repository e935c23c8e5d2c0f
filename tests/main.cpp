// Catch2 runner inside PetscInitialize/PetscFinalize, so tests can use PETSc, MPI and the
// options database; run it serially and with `mpiexec -n 2`.
#define CATCH_CONFIG_RUNNER
#include <petscsys.h>

#include <catch2/catch.hpp>

int main(int argc, char** argv) {
  // PETSc gets no arguments: Catch2's own options must not reach its options database.
  int pargc = 1;
  char** pargv = argv;
  if (PetscInitialize(&pargc, &pargv, nullptr, nullptr)) return 1;
  int rank = 0;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  Catch::Session session;
  // Every rank runs every test (collectives need all ranks); only rank 0 reports.
  if (int rc = session.applyCommandLine(argc, argv)) return rc;
  if (rank != 0) session.configData().outputFilename = "/dev/null";
  const int failed = session.run();
  int any = failed;
  MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_MAX, PETSC_COMM_WORLD);
  PetscFinalize();
  return any ? 1 : 0;
}
