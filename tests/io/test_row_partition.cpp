// tests for src/io/row_partition.cpp: the split is PETSc's, and a reduced sum is bitwise the
// same on every rank (decisions taken on it must agree) and equals the exact sum of the
// contributions to double rounding.
#include <petscsys.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "metarom/io/row_partition.hpp"
#include "test_support.hpp"

using namespace metarom;

TEST_CASE("RowPartition::split: PETSc's default ownership", "[io][mpi]") {
  for (long long n : {0LL, 1LL, 7LL, 1000LL}) {
    const RowPartition p = RowPartition::split(PETSC_COMM_WORLD, n);
    PetscInt local = PETSC_DECIDE, global = n;
    REQUIRE(PetscSplitOwnership(PETSC_COMM_WORLD, &local, &global) == 0);
    CHECK(p.local() == local);
    CHECK(p.global == n);
    CHECK(allreduce_sum(PETSC_COMM_WORLD, static_cast<double>(p.local())) == n);
  }
}

TEST_CASE("allreduce_sum: bitwise equal on every rank, the exact sum to rounding", "[io][mpi]") {
  const int rank = test::world_rank(), size = test::world_size();
  // Contributions of very different sizes whose sum depends on the order of addition.
  auto contribution = [](int r, int k) { return std::ldexp(1.0 + 0.1 * k, 30 * (r % 3)) * (r % 2 ? -1 : 1) + 1e-3 * r; };
  std::vector<double> v(64);
  for (int k = 0; k < 64; ++k) v[k] = contribution(rank, k);
  allreduce_sum(PETSC_COMM_WORLD, v.data(), static_cast<long long>(v.size()));
  // Every rank's result against rank 0's, bit for bit.
  std::vector<double> root = v;
  MPI_Bcast(root.data(), static_cast<int>(root.size()), MPI_DOUBLE, 0, PETSC_COMM_WORLD);
  CHECK(std::memcmp(root.data(), v.data(), v.size() * sizeof(double)) == 0);
  // Against the exact sum (long double, every rank's contribution recomputed here).
  for (int k = 0; k < 64; ++k) {
    long double exact = 0;
    for (int r = 0; r < size; ++r) exact += contribution(r, k);
    CHECK(std::abs(v[k] - static_cast<double>(exact)) <= 4 * size * 1e-16 * std::ldexp(2.0, 60));
  }
}
