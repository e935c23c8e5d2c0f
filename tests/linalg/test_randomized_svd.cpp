// tests for src/linalg/randomized_svd.cpp: the randomized truncated SVD of matrices built
// with known singular values and vectors — exact when the sketch holds the whole range,
// never above the true singular values (interlacing) and within its a posteriori bound
// otherwise, and the same on any number of ranks.
#include <petscsys.h>

#include <cmath>

#include "metarom/linalg/randomized_svd.hpp"
#include "test_support.hpp"

using namespace metarom;
using metarom::test::distribute;
using metarom::test::gather_rows;
using metarom::test::subspace_distance;


TEST_CASE("randomized SVD of a matrix of rank below the sketch size is exact", "[linalg][randomized][mpi]") {
  // Rank 8 and a sketch of r + p = 10 columns: a Gaussian Ω gives range(XΩ) = range(X) with
  // probability one, so the computed triplets are X's own, to round-off.
  const Index n = 257, N = 40;
  Vector sigma(8);
  for (Index k = 0; k < 8; ++k) sigma(k) = std::pow(10.0, -0.5 * k);
  Matrix U;
  const Matrix X = test::matrix_with_singular_values(n, N, sigma, 3, &U);
  const SnapshotSet s = distribute(X, PETSC_COMM_WORLD);
  for (const int q : {0, 2}) {
    INFO("power iterations " << q);
    const RandomizedSvd r = randomized_svd(s.X, PETSC_COMM_WORLD, {5, 5, q, 11});
    REQUIRE(r.svd.sigma.size() == 10);
    CHECK((r.svd.sigma.head(8) - sigma).cwiseAbs().maxCoeff() < 1e-13);
    CHECK(r.svd.sigma.tail(2).cwiseAbs().maxCoeff() < 1e-13);
    // ‖X − QQᵀX‖_F is a difference of squares accurate to about ε‖X‖_F²: ~1e-8 ‖X‖_F at most.
    CHECK(r.residual < 1e-7);
    const Matrix Uf = gather_rows(r.svd.U, s.rows);
    CHECK((Uf.transpose() * Uf - Matrix::Identity(10, 10)).cwiseAbs().maxCoeff() < 1e-13);
    CHECK(subspace_distance(Uf.leftCols(5), U.leftCols(5)) < 1e-10);
  }
}

TEST_CASE("randomized SVD: below the true singular values and within its a posteriori bound",
          "[linalg][randomized][mpi]") {
  // σ_j = 0.7^j: slow decay, so a sketch of k = 14 columns misses part of the leading values. Theory (B = QᵀX): σ_j(B) ≤ σ_j(X) ≤ √(σ_j(B)² + ‖E‖²), whatever Ω is.
  const Index n = 300, N = 60;
  const Vector sigma = test::geometric_spectrum(N, 0.7);
  const Matrix X = test::matrix_with_singular_values(n, N, sigma, 5);
  const SnapshotSet s = distribute(X, PETSC_COMM_WORLD);
  const double tail = std::sqrt(sigma.tail(N - 14).squaredNorm());  // Σ_{j>k} σ_j², k = 14
  for (const int q : {0, 1, 3}) {
    INFO("power iterations " << q);
    const RandomizedSvd r = randomized_svd(s.X, PETSC_COMM_WORLD, {10, 4, q, 2});
    const Vector err = sigma.head(10) - r.svd.sigma.head(10);
    CHECK(err.minCoeff() > -1e-14);  // interlacing, to round-off
    const double worst = (err.array() / r.svd.sigma.head(10).array()).maxCoeff();
    CHECK(worst <= r.sigma_error_bound * (1 + 1e-12) + 1e-14);
    // Eckart–Young: no k-dimensional subspace leaves less of X outside than the SVD's tail.
    CHECK(r.residual >= tail * (1 - 1e-10));
    // The estimate is the change of σ_1..σ_r from the run with one iteration fewer (the
    // same seed gives the same iterates).
    if (q == 0) {
      CHECK(std::isnan(r.sigma_change));
    } else {
      const RandomizedSvd before = randomized_svd(s.X, PETSC_COMM_WORLD, {10, 4, q - 1, 2});
      const double change = ((r.svd.sigma.head(10) - before.svd.sigma.head(10)).array().abs() /
                             r.svd.sigma.head(10).array()).maxCoeff();
      // σ' comes from Z's SVD here and from B's there: equal to round-off, ~1e-15 relative
      // per σ, so the change agrees to an absolute 1e-13 however small it is.
      CHECK(std::abs(r.sigma_change - change) < 1e-13);
    }
  }
}

TEST_CASE("randomized SVD is the same on any number of ranks", "[linalg][randomized][mpi]") {
  const Index n = 201, N = 30;
  Vector sigma(N);
  for (Index k = 0; k < N; ++k) sigma(k) = 1.0 / (1.0 + k);
  const Matrix X = test::matrix_with_singular_values(n, N, sigma, 9);
  const SnapshotSet s = distribute(X, PETSC_COMM_WORLD);
  const RandomizedSvd par = randomized_svd(s.X, PETSC_COMM_WORLD, {6, 4, 1, 4});
  const RandomizedSvd ser = randomized_svd(X, MPI_COMM_SELF, {6, 4, 1, 4});
  // The same Ω (seeded) and the same products, summed in another order: round-off apart.
  CHECK((par.svd.sigma - ser.svd.sigma).cwiseAbs().maxCoeff() < 1e-13);
  CHECK((gather_rows(par.svd.U, s.rows).leftCols(6) - ser.svd.U.leftCols(6)).cwiseAbs().maxCoeff() < 1e-9);
  CHECK(std::abs(par.sigma_error_bound - ser.sigma_error_bound) < 1e-9);
  test::require_error([&] { randomized_svd(s.X, PETSC_COMM_WORLD, {0, 4, 1, 0}); }, {"rank r must be >= 1"});
  test::require_error([&] { randomized_svd(s.X, PETSC_COMM_WORLD, {31, 4, 1, 0}); }, {"exceeds min(m, N)"});
  test::require_error([&] { randomized_svd(s.X, PETSC_COMM_WORLD, {5, -1, 1, 0}); }, {"must be >= 0"});
}
