// tests for src/linalg/incremental_svd.cpp: Brand's block update against an independent
// Jacobi SVD of the whole matrix (singular values and principal angles), with and without
// centring (Ross et al.'s mean update) and for any block size, on any rank count; truncation
// keeping the leading modes of a fast-decaying spectrum; a resumed decomposition equal to an
// uninterrupted one.
#include <petscsys.h>

#include <Eigen/SVD>
#include <cmath>

#include "metarom/linalg/incremental_svd.hpp"
#include "test_support.hpp"

using namespace metarom;
using metarom::test::distribute;
using metarom::test::gather_rows;
using metarom::test::subspace_distance;

namespace {
IncrementalSvd run(const SnapshotSet& s, int max_rank, bool center, Index block) {
  IncrementalSvd svd(s.rows.comm, s.rows.local(), max_rank, center);
  for (Index j = 0; j < s.count(); j += block) svd.update(s.X.middleCols(j, std::min(block, s.count() - j)));
  return svd;
}
}  // namespace

TEST_CASE("incremental SVD without truncation is the SVD", "[linalg][incremental][mpi]") {
  // Rank 12 with well separated σ (a decade over the 12) and a non-zero mean: kept whole,
  // the update is exact in exact arithmetic; round-off of a few ε σ_1 per block.
  const Index n = 90, N = 30;
  Vector sigma(12);
  for (Index k = 0; k < 12; ++k) sigma(k) = std::pow(10.0, -double(k) / 11);
  Matrix X = test::matrix_with_singular_values(n, N, sigma, 5);
  X.colwise() += Vector::LinSpaced(n, -1, 2);
  const SnapshotSet s = distribute(X, PETSC_COMM_WORLD);
  for (const bool center : {false, true}) {
    const Vector xbar = X.rowwise().mean();
    const Matrix Xc = center ? Matrix(X.colwise() - xbar) : X;
    const Eigen::JacobiSVD<Matrix> exact(Xc, Eigen::ComputeThinU);
    const Index rank = center ? 12 : 13;  // the mean adds a direction
    for (const Index block : {Index(1), Index(7), N}) {
      INFO("centred " << center << ", block " << block);
      const IncrementalSvd svd = run(s, 40, center, block);
      REQUIRE(svd.sigma().size() == rank);
      CHECK((svd.sigma() - exact.singularValues().head(rank)).cwiseAbs().maxCoeff() < 1e-12 * exact.singularValues()(0));
      const Matrix U = gather_rows(svd.U(), s.rows);
      CHECK((U.transpose() * U - Matrix::Identity(rank, rank)).cwiseAbs().maxCoeff() < 1e-12);
      CHECK(subspace_distance(U.leftCols(rank), exact.matrixU().leftCols(rank)) < 1e-10);
      CHECK(std::abs(svd.energy() - Xc.squaredNorm()) < 1e-12 * Xc.squaredNorm());
      CHECK(svd.count() == N);
      CHECK(svd.dropped() < 1e-13 * exact.singularValues()(0));  // only round-off directions
      if (center) CHECK((gather_rows(Matrix(svd.mean()), s.rows).col(0) - xbar).cwiseAbs().maxCoeff() < 1e-14);
    }
  }
}

TEST_CASE("truncated incremental SVD keeps the leading modes of a decaying spectrum", "[linalg][incremental][mpi]") {
  // σ_j = 0.3^j, 40 of them, keeping k = r + 6 = 10: each update's dropped part is at most
  // σ_{k+1} ~ 0.3^10 ≈ 6e-6 of σ_1, and it perturbs the leading r modes to second order in
  // σ_{k+1}/σ_r (≈ 0.3^6 ≈ 7e-4): within 1e-8 on σ and on principal angles.
  const Index n = 120, N = 60, r = 4;
  const Vector sigma = test::geometric_spectrum(40, 0.3);
  Matrix U0;
  const Matrix X = test::matrix_with_singular_values(n, N, sigma, 9, &U0);
  const SnapshotSet s = distribute(X, PETSC_COMM_WORLD);
  const IncrementalSvd svd = run(s, r + 6, false, 8);
  REQUIRE(svd.sigma().size() == r + 6);
  CHECK(((svd.sigma().head(r) - sigma.head(r)).array() / sigma.head(r).array()).abs().maxCoeff() < 1e-8);
  CHECK(subspace_distance(gather_rows(svd.U(), s.rows).leftCols(r), U0.leftCols(r)) < 1e-8);
  // The largest dropped σ is reported, and it cannot exceed σ_{k+1} of the whole matrix by
  // more than the truncation's own perturbation.
  CHECK(svd.dropped() > 0);
  CHECK(svd.dropped() < 2 * sigma(r + 6));
}

TEST_CASE("incremental SVD resumed from its state equals an uninterrupted run", "[linalg][incremental][mpi]") {
  // The same blocks in the same order: the same floating-point operations, bit for bit.
  const Matrix X = test::random_matrix(50, 33, 17);
  const SnapshotSet s = distribute(X, PETSC_COMM_WORLD);
  for (const bool center : {false, true}) {
    INFO("centred " << center);
    const IncrementalSvd whole = run(s, 12, center, 6);
    IncrementalSvd first(s.rows.comm, s.rows.local(), 12, center);
    for (Index j = 0; j < 18; j += 6) first.update(s.X.middleCols(j, 6));
    IncrementalSvd resumed(s.rows.comm, first.state(), 12, center);
    for (Index j = 18; j < 33; j += 6) resumed.update(s.X.middleCols(j, std::min<Index>(6, 33 - j)));
    CHECK(resumed.sigma() == whole.sigma());
    CHECK(resumed.U() == whole.U());
    CHECK(resumed.count() == whole.count());
    CHECK(resumed.energy() == whole.energy());
    CHECK(resumed.mean() == whole.mean());
  }
  IncrementalSvd::State bad{Matrix::Zero(3, 2), Vector::Zero(3), Vector(), 1, 0, 0};
  CHECK_THROWS_WITH(IncrementalSvd(MPI_COMM_SELF, bad, 4, false), Catch::Contains("does not fit together"));
  CHECK_THROWS_WITH(IncrementalSvd(MPI_COMM_SELF, 3, 0, false), Catch::Contains("kept rank must be >= 1"));
}
