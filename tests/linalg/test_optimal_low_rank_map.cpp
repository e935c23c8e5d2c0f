// tests for src/linalg/optimal_low_rank_map.cpp: Z = [C P_K]_ℓ K⁺ against the formula
// computed independently (K = [AB, ηI] and C = [B, 0] formed explicitly, K⁺ and the
// truncated SVD by Eigen's Jacobi SVD), Theorem 1 of Chung as the case A = I, η = 0, no
// random rank-ℓ map doing better, ties reported, and the same map on any rank count.
#include <petscsys.h>

#include <Eigen/SVD>
#include <cmath>

#include "metarom/linalg/optimal_low_rank_map.hpp"
#include "test_support.hpp"

using namespace metarom;
using metarom::test::distribute;
using metarom::test::gather_rows;

namespace {

// Z = W Q assembled on every rank from the distributed factors.
Matrix assembled(const OptimalLowRankMap& map, const RowPartition& n_rows, const RowPartition& m_rows) {
  return gather_rows(map.decoder, n_rows) * gather_rows(map.encoder_t, m_rows).transpose();
}

Matrix pinv(const Matrix& A) {
  Eigen::JacobiSVD<Matrix> svd(A, Eigen::ComputeFullU | Eigen::ComputeFullV);
  const Vector& s = svd.singularValues();
  const double tol = std::max(A.rows(), A.cols()) * 2.2e-16 * s(0);
  Matrix Sinv = Matrix::Zero(A.cols(), A.rows());
  for (Index k = 0; k < s.size(); ++k)
    if (s(k) > tol) Sinv(k, k) = 1.0 / s(k);
  return svd.matrixV() * Sinv * svd.matrixU().transpose();
}

Matrix truncated(const Matrix& A, int ell) {
  Eigen::JacobiSVD<Matrix> svd(A, Eigen::ComputeThinU | Eigen::ComputeThinV);
  return svd.matrixU().leftCols(ell) * svd.singularValues().head(ell).asDiagonal() *
         svd.matrixV().leftCols(ell).transpose();
}

// The Bayes risk of any map: ‖ZAB − B‖_F² + η²‖Z‖_F².
double risk_of(const Matrix& Z, const Matrix& M, const Matrix& B, double eta) {
  return (Z * M - B).squaredNorm() + eta * eta * Z.squaredNorm();
}

// A smoothing forward operator (a Gaussian blur, whose spectrum decays like a backward heat
// problem's) plus 1e-2 I, so its condition (~1e2) keeps K⁺ well defined to 1e-8 with η = 0
// too, and a prior factor with decaying columns.
void problem(Index n, Index p, Matrix& A, Matrix& B) {
  A = Matrix::Zero(n, n);
  for (Index i = 0; i < n; ++i)
    for (Index j = 0; j < n; ++j) A(i, j) = std::exp(-0.5 * std::pow((i - j) / 2.0, 2));
  A /= A.row(n / 2).sum();
  A += 1e-2 * Matrix::Identity(n, n);
  B = test::random_matrix(n, p, 7);
  for (Index k = 0; k < p; ++k) B.col(k) *= 1.0 / (1.0 + k);
}
}  // namespace

TEST_CASE("optimal low-rank map equals [C P_K]_l K+ formed explicitly with K = [AB, eta I]",
          "[linalg][inverse][mpi]") {
  // p = 20 samples (fewer than n = 36) and p = 50 (more: M and B wide).
  const Index n = 36;
  const Index p = GENERATE(20, 50);
  Matrix A, B;
  problem(n, p, A, B);
  const Matrix M = A * B;
  const SnapshotSet Bs = distribute(B, PETSC_COMM_WORLD), Ms = distribute(M, PETSC_COMM_WORLD);
  for (const double eta : {0.0, 1e-3, 0.1}) {
    for (const int ell : {1, 4, 9}) {
      INFO("eta " << eta << ", rank " << ell);
      // Independent: the (n + p)-column K and C, the pseudo-inverse and the truncated SVD.
      Matrix K(n, p + n), C = Matrix::Zero(n, p + n);
      K << M, eta * Matrix::Identity(n, n);
      C.leftCols(p) = B;
      const Matrix Kp = pinv(K);
      const Matrix Zref = truncated(C * (Kp * K), ell) * Kp;

      const OptimalLowRankMap map = optimal_low_rank_map(Bs.X, Ms.X, eta, ell, PETSC_COMM_WORLD);
      const Matrix Z = assembled(map, Bs.rows, Ms.rows);
      // Both sides are backward-stable SVD computations on matrices of condition up to
      // σ_1(M)/η ~ 1e3 (η > 0) or M's (η = 0, ~1e3 here): 1e-8 relative leaves room for that.
      CHECK((Z - Zref).norm() <= 1e-8 * Zref.norm());
      CHECK(std::abs(map.risk - risk_of(Zref, M, B, eta)) <= 1e-10 * B.squaredNorm());
      // The reported risk is the risk the returned map attains.
      CHECK(std::abs(map.risk - risk_of(Z, M, B, eta)) <= 1e-10 * B.squaredNorm());
      // The decoder's columns are orthonormal.
      const Matrix W = gather_rows(map.decoder, Bs.rows);
      CHECK((W.transpose() * W - Matrix::Identity(ell, ell)).cwiseAbs().maxCoeff() < 1e-13);
    }
  }
}

TEST_CASE("optimal low-rank map with A = I and eta = 0 is Theorem 1's U_l U_l^T with risk sum_{k>l} s_k^2",
          "[linalg][inverse][mpi]") {
  const Index n = 30, p = 12;
  const Vector sigma = test::geometric_spectrum(p, 0.6);
  Matrix U;
  const Matrix B = test::matrix_with_singular_values(n, p, sigma, 4, &U);
  const SnapshotSet Bs = distribute(B, PETSC_COMM_WORLD);
  for (const int ell : {1, 3, 7}) {
    const OptimalLowRankMap map = optimal_low_rank_map(Bs.X, Bs.X, 0.0, ell, PETSC_COMM_WORLD);
    const Matrix Z = assembled(map, Bs.rows, Bs.rows);
    const Matrix Ahat = U.leftCols(ell) * U.leftCols(ell).transpose();
    CHECK((Z - Ahat).norm() < 1e-12);
    const double tail = sigma.tail(p - ell).squaredNorm();
    CHECK(std::abs(map.risk - tail) <= 1e-13 * sigma.squaredNorm());
    CHECK(map.unique);
    // ‖Â‖_F = √ℓ (Chung, Theorem 1: the minimal-norm solution).
    CHECK(std::abs(Z.norm() - std::sqrt(static_cast<double>(ell))) < 1e-12);
  }
}

TEST_CASE("no random rank-l map and no perturbation of the optimal map has a smaller Bayes risk",
          "[linalg][inverse]") {
  const Index n = 24, p = 15;
  Matrix A, B;
  problem(n, p, A, B);
  const Matrix M = A * B;
  const double eta = 0.05;
  const int ell = 5;
  const OptimalLowRankMap map = optimal_low_rank_map(B, M, eta, ell, MPI_COMM_SELF);
  const Matrix Z = map.decoder * map.encoder_t.transpose();
  for (int trial = 0; trial < 200; ++trial) {
    const Matrix P = test::random_matrix(n, ell, 300 + 2 * trial), Q = test::random_matrix(ell, n, 301 + 2 * trial);
    // Random maps of every scale, and rank-ℓ perturbations of Z's factors at small scales.
    const double scale = std::pow(10.0, -3.0 + 3.0 * (trial % 4) / 3.0);
    CHECK(risk_of(scale * P * Q / n, M, B, eta) >= map.risk);
    const Matrix Zp = (map.decoder + scale * 1e-2 * P) * (map.encoder_t.transpose() + scale * 1e-2 * Q);
    CHECK(risk_of(Zp, M, B, eta) >= map.risk * (1 - 1e-12));
  }
  CHECK(std::abs(risk_of(Z, M, B, eta) - map.risk) <= 1e-12 * B.squaredNorm());
}

TEST_CASE("optimal low-rank map reports a tie sigma_l = sigma_{l+1} as non-unique", "[linalg][inverse]") {
  // B with singular values 3, 2, 2, 1: ℓ = 2 splits the tied pair, ℓ = 1 and ℓ = 3 do not.
  Vector sigma(4);
  sigma << 3, 2, 2, 1;
  const Matrix B = test::matrix_with_singular_values(10, 4, sigma, 9);
  CHECK(optimal_low_rank_map(B, B, 0.0, 1, MPI_COMM_SELF).unique);
  CHECK_FALSE(optimal_low_rank_map(B, B, 0.0, 2, MPI_COMM_SELF).unique);
  CHECK(optimal_low_rank_map(B, B, 0.0, 3, MPI_COMM_SELF).unique);
  CHECK(singular_value_tie(sigma, 2));
  CHECK_FALSE(singular_value_tie(sigma, 4));
}

TEST_CASE("optimal low-rank map refuses bad input with a message", "[linalg][inverse]") {
  const Matrix B = test::random_matrix(10, 4, 1);
  test::require_error([&] { optimal_low_rank_map(B, Matrix(B.leftCols(3)), 0.0, 1, MPI_COMM_SELF); },
                      {"same samples"});
  test::require_error([&] { optimal_low_rank_map(B, B, -1.0, 1, MPI_COMM_SELF); }, {"η", "-1"});
  test::require_error([&] { optimal_low_rank_map(B, B, 0.0, 5, MPI_COMM_SELF); }, {"rank ℓ = 5"});
  test::require_error([&] { optimal_low_rank_map(B, Matrix::Zero(10, 4), 0.0, 1, MPI_COMM_SELF); }, {"zero"});
}
