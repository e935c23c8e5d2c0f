// tests for src/linalg/blas.cpp: the BLAS the process runs on is named, and its threads follow
// the rule (a request capped at the cores, one thread per rank where ranks share a node).
#include <petscsys.h>

#include <thread>

#include "metarom/linalg/blas.hpp"
#include "test_support.hpp"

using namespace metarom;

TEST_CASE("BLAS threads: requests are taken up to the cores, one per rank where ranks share a node",
          "[linalg][blas][mpi]") {
  const BlasConfig before = blas_config();
  CHECK(!before.library.empty());  // dgemm_ is found, whichever library provides it
  CHECK(before.threads >= 1);
  CHECK(describe(before).find("BLAS/LAPACK: ") == 0);
  CHECK_THROWS_WITH(configure_blas_threads(PETSC_COMM_WORLD, -1), Catch::Contains("-blas_threads must be >= 0"));
  if (!before.threaded) return;  // a BLAS without thread control (the reference BLAS): nothing to set
  const BlasConfig one = configure_blas_threads(PETSC_COMM_WORLD, 1);
  CHECK(one.threads == 1);
  CHECK(blas_config().threads == 1);
  // Far more than any machine has: capped so that threads x ranks on the node fit its cores.
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  const BlasConfig many = configure_blas_threads(PETSC_COMM_WORLD, 100000);
  CHECK(many.threads >= 1);
  CHECK(many.threads * test::world_size() <= std::max(cores, test::world_size()));
  CHECK(many.reason.find("capped") != std::string::npos);
  const BlasConfig chosen = configure_blas_threads(PETSC_COMM_WORLD, 0);
  if (test::world_size() > 1) {  // the test's ranks run on one node
    CHECK(chosen.threads == 1);
    CHECK(chosen.reason.find("one per rank") != std::string::npos);
  }
  configure_blas_threads(PETSC_COMM_WORLD, before.threads);  // as the other tests found it
}
