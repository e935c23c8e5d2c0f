// tests for src/reducers/normalization.cpp: the POD stage against an independent SVD
// (Eckart–Young: the reconstruction error is the discarded singular values), orthonormal
// modes, and the same map on states split over the ranks as on one rank.
#include <petscsys.h>

#include <Eigen/SVD>
#include <cmath>

#include "metarom/reducers/normalization.hpp"
#include "test_support.hpp"

using namespace metarom;

using metarom::test::distribute;

TEST_CASE("the POD stage keeps the leading centered POD modes", "[reducers][normalization][mpi]") {
  const Index n = 30, N = 25;
  Vector sigma(6);
  sigma << 10, 5, 2, 1, 0.1, 0.01;
  Matrix X = test::matrix_with_singular_values(n, N, sigma, 5);
  X.colwise() += Vector::LinSpaced(n, -1.0, 3.0);
  const SnapshotSet s = distribute(X, PETSC_COMM_WORLD);
  const int K = 3;
  Normalization norm;
  norm.fit(s, K);
  REQUIRE(norm.modes == K);
  // Orthonormal modes.
  Matrix G = norm.basis.transpose() * norm.basis;
  allreduce_sum(s.rows.comm, G.data(), G.size());
  CHECK((G - Matrix::Identity(K, K)).norm() < 1e-13);
  // The reference: an SVD of the whole centered matrix on one rank.
  const Matrix C = X.colwise() - X.rowwise().mean();
  const Eigen::JacobiSVD<Matrix> svd(C);
  const Vector sv = svd.singularValues();
  CHECK(norm.scale == Approx(std::sqrt(sv.head(K).squaredNorm() / (K * N))).epsilon(1e-12));
  // undo(apply(X)) is the rank-K centered POD reconstruction: its error is the tail.
  const Matrix Y = norm.apply(s.X);
  REQUIRE(Y.rows() == K);
  REQUIRE(Y.cols() == N);
  const Matrix R = norm.undo(Y) - s.X;
  const double err = std::sqrt(allreduce_sum(s.rows.comm, R.squaredNorm()));
  CHECK(err == Approx(sv.tail(sv.size() - K).norm()).epsilon(1e-10));
  // The coordinates have RMS 1 over the training set, and the same on any number of ranks.
  CHECK(std::sqrt(Y.squaredNorm() / (K * N)) == Approx(1.0).epsilon(1e-12));
  Normalization serial;
  const SnapshotSet whole = distribute(X, MPI_COMM_SELF);
  serial.fit(whole, K);
  CHECK((serial.apply(whole.X).cwiseAbs() - Y.cwiseAbs()).norm() < 1e-10 * Y.norm());  // up to the modes' signs
  // Jacobians map through the linear part alone: undo is affine, so its difference quotient
  // along any direction E (exact for any step) is undo_linear(E), and undo(0) is the offset x̄.
  const Matrix E = test::random_matrix(K, 3, 11, 1.0);
  const Matrix Y3 = Y.leftCols(3);
  const Matrix D = norm.undo(Y3 + 0.5 * E) - norm.undo(Y3);
  const Matrix L = norm.undo_linear(E);
  // Round-off of the two undo calls: relative 1e-12 of the states they return.
  const auto global_norm = [&](const Matrix& M) { return std::sqrt(allreduce_sum(s.rows.comm, M.squaredNorm())); };
  CHECK(global_norm(2 * D - L) < 1e-12 * (global_norm(norm.undo(Y3)) + global_norm(L)));
  CHECK(global_norm(L) == Approx(norm.scale * E.norm()).epsilon(1e-12));  // Φ has orthonormal columns
}

TEST_CASE("scaling alone: unit RMS about the mean, and the identity when not fitted", "[reducers][normalization]") {
  const Matrix X = test::random_matrix(7, 9, 3, 4.0);
  const SnapshotSet s = distribute(X, MPI_COMM_SELF);
  Normalization none;
  CHECK((none.apply(X) - X).norm() == 0.0);
  CHECK((none.undo(X) - X).norm() == 0.0);
  CHECK(none.splits_networks());
  Normalization norm;
  norm.fit(s, 0);
  const Matrix Y = norm.apply(X);
  CHECK(Y.rowwise().mean().norm() < 1e-13);
  CHECK(std::sqrt(Y.squaredNorm() / Y.size()) == Approx(1.0).epsilon(1e-12));
  CHECK((norm.undo(Y) - X).norm() < 1e-13 * X.norm());
  CHECK(norm.network_rows(s.rows).global == 7);
}
