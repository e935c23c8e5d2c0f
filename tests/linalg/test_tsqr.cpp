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

TEST_CASE("TSQR SVD forms only the left singular vectors asked for, and they are X v_j / σ_j",
          "[linalg][tsqr][mpi]") {
  const Index n = 257, N = 30;
  Vector sigma(N);
  for (Index k = 0; k < N; ++k) sigma(k) = std::pow(0.7, static_cast<double>(k));  // distinct: vectors unique up to sign
  const Matrix X = test::matrix_with_singular_values(n, N, sigma, 11);
  const SnapshotSet s = distribute(X, PETSC_COMM_WORLD);
  const DistributedSvd svd(s.X, PETSC_COMM_WORLD);
  REQUIRE(svd.sigma().size() == N);
  CHECK((svd.sigma() - sigma).cwiseAbs().maxCoeff() < 1e-14);
  // The definition u_j = X v_j / σ_j, with V from the same factorization: an error of order
  // eps·σ_1/σ_j (σ_5/σ_1 = 0.24, so 1e-13 leaves a factor 20 to the round-off of 300 rows).
  const Index k = 5;
  const Matrix Uk = svd.left_vectors(k);
  REQUIRE(Uk.rows() == s.X.rows());
  REQUIRE(Uk.cols() == k);
  Matrix expected = s.X * svd.V().leftCols(k);
  for (Index j = 0; j < k; ++j) expected.col(j) /= sigma(j);
  CHECK((Uk - expected).cwiseAbs().maxCoeff() < 1e-13);
  CHECK(svd.left_vectors(0).cols() == 0);
  CHECK_THROWS_WITH(svd.left_vectors(N + 1), Catch::Contains("31 left singular vectors asked of 30"));
}
