// tests for src/linalg/nonnegative_least_squares.cpp: the Karush–Kuhn–Tucker conditions at
// the solution, the exact recovery of a non-negative solution when A has full column rank,
// the early stop at a tolerance, the same result on any number of ranks (columns split).
#include <petscsys.h>

#include <random>

#include "metarom/linalg/nonnegative_least_squares.hpp"
#include "test_support.hpp"

using namespace metarom;

namespace {
// A's columns split over the ranks as the rows of a state: this rank's block of Aᵀr, and
// column j where this rank owns it.
NonnegativeLeastSquares nnls_split_solve(const Matrix& A, const Vector& b, double tolerance, long long max_columns) {
  const RowPartition cols = RowPartition::split(PETSC_COMM_WORLD, A.cols());
  return nonnegative_least_squares(
      b, cols, [&](const Vector& r) { return Vector(A.middleCols(cols.begin, cols.local()).transpose() * r); },
      [&](long long j) { return j >= cols.begin && j < cols.end ? Vector(A.col(j)) : Vector(Vector::Zero(A.rows())); },
      tolerance, max_columns);
}

Matrix nnls_gaussian(Index m, Index n, unsigned seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<double> g;
  Matrix A(m, n);
  for (Index j = 0; j < n; ++j)
    for (Index i = 0; i < m; ++i) A(i, j) = g(gen);
  return A;
}
}  // namespace

TEST_CASE("NNLS: the KKT conditions hold at the solution", "[linalg][nnls][mpi]") {
  // min ‖Aξ − b‖, ξ ≥ 0 is solved when ξ ≥ 0, w = Aᵀ(b − Aξ) ≤ 0, and w_j = 0 where ξ_j > 0.
  const Matrix A = nnls_gaussian(30, 50, 3);
  const Vector b = nnls_gaussian(30, 1, 4).col(0);
  const NonnegativeLeastSquares s = nnls_split_solve(A, b, 0.0, 50);
  Vector xi = Vector::Zero(50);
  for (size_t k = 0; k < s.columns.size(); ++k) xi(s.columns[k]) = s.weights(static_cast<Index>(k));
  CHECK(xi.minCoeff() >= 0.0);
  const Vector w = A.transpose() * (b - A * xi);
  const double scale = A.norm() * b.norm();  // round-off in w is a few ulps of this
  CHECK(w.maxCoeff() <= 1e-12 * scale);
  for (long long j : s.columns) CHECK(std::abs(w(j)) <= 1e-12 * scale);
  CHECK(s.residual == Approx((b - A * xi).norm() / b.norm()).epsilon(1e-12));
}

TEST_CASE("NNLS: recovers a non-negative solution exactly; stops early at a tolerance", "[linalg][nnls][mpi]") {
  // Full column rank (60 × 20): the solution of Aξ = b with ξ ≥ 0 is the unique minimizer.
  const Matrix A = nnls_gaussian(60, 20, 5);
  Vector truth = Vector::Zero(20);
  truth(3) = 2.0;
  truth(11) = 0.5;
  truth(17) = 1.25;
  const Vector b = A * truth;
  const NonnegativeLeastSquares s = nnls_split_solve(A, b, 0.0, 20);
  Vector xi = Vector::Zero(20);
  for (size_t k = 0; k < s.columns.size(); ++k) xi(s.columns[k]) = s.weights(static_cast<Index>(k));
  CHECK((xi - truth).norm() <= 1e-12 * truth.norm());
  CHECK(s.residual <= 1e-13);
  // Stopped at 30 % relative residual: at most as many columns as needed to get there.
  const NonnegativeLeastSquares early = nnls_split_solve(A, b, 0.3, 20);
  CHECK(early.residual <= 0.3);
  CHECK(early.columns.size() <= s.columns.size());
  // And a cap on the columns holds whatever the residual.
  CHECK(nnls_split_solve(A, b, 0.0, 1).columns.size() == 1);
}
