// tests for src/linalg/tsqr.cpp: the distributed thin SVD of a matrix built with known
// singular values and vectors, serial and on several ranks.
#include <petscsys.h>

#include <cmath>

#include "metarom/linalg/tsqr.hpp"
#include "test_support.hpp"

using namespace metarom;
using metarom::test::distribute;
using metarom::test::subspace_distance;

TEST_CASE("TSQR thin SVD recovers prescribed singular values and vectors", "[linalg][tsqr][mpi]") {
  const Index n = 301, N = 40;
  Vector sigma(N);
  for (Index k = 0; k < N; ++k) sigma(k) = std::pow(10.0, -6.0 * k / (N - 1));  // 1 .. 1e-6
  Matrix U;
  const Matrix X = test::matrix_with_singular_values(n, N, sigma, 7, &U);
  const SnapshotSet s = distribute(X, PETSC_COMM_WORLD);
  const ThinSvd svd = distributed_thin_svd(s.X, PETSC_COMM_WORLD);
  REQUIRE(svd.sigma.size() == N);
  // Backward stable: absolute errors of order eps * sigma_1.
  CHECK((svd.sigma - sigma).cwiseAbs().maxCoeff() < 1e-14);
  Matrix Ufull = Matrix::Zero(n, N);
  Ufull.middleRows(s.rows.begin, s.rows.local()) = svd.U;
  allreduce_sum(PETSC_COMM_WORLD, Ufull.data(), Ufull.size());
  CHECK((Ufull.transpose() * Ufull - Matrix::Identity(N, N)).cwiseAbs().maxCoeff() < 1e-13);
  CHECK(subspace_distance(Ufull.leftCols(10), U.leftCols(10)) < 1e-10);
}
