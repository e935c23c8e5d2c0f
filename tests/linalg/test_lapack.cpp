// tests for src/linalg/lapack.cpp: LAPACK's QR, the application of its thin Q and its SVD,
// checked against their definitions (Q orthonormal and QR = A; A = U diag(σ) Vᵀ with the
// singular values a matrix was built with).
#include <cmath>
#include <limits>

#include "linalg/lapack.hpp"
#include "test_support.hpp"

using namespace metarom;

TEST_CASE("LAPACK QR: the thin Q applied to the identity is orthonormal and Q R = A", "[linalg][lapack]") {
  for (const auto& [m, n] : {std::pair<Index, Index>{40, 7}, {7, 12}, {1, 1}}) {
    const Matrix A = Matrix::Random(m, n);
    Matrix qr = A;
    const Vector tau = lapack::householder_qr(qr);
    const Index k = std::min(m, n);
    REQUIRE(tau.size() == k);
    const Matrix Q = lapack::apply_thin_q(qr, tau, Matrix::Identity(k, k));
    const Matrix R = qr.topRows(k).triangularView<Eigen::Upper>();
    // Householder QR is backward stable: residuals of a few eps times ‖A‖ (entries ≤ 1).
    CHECK((Q.transpose() * Q - Matrix::Identity(k, k)).cwiseAbs().maxCoeff() < 1e-14);
    CHECK((Q * R - A).cwiseAbs().maxCoeff() < 1e-13);
    // Q·C for C of other widths: linear in C, so Q applied to C's columns one by one.
    const Matrix C = Matrix::Random(k, 3);
    CHECK((lapack::apply_thin_q(qr, tau, C) - Q * C).cwiseAbs().maxCoeff() < 1e-14);
  }
  Matrix qr = Matrix::Random(5, 3);
  const Vector tau = lapack::householder_qr(qr);
  CHECK_THROWS_WITH(lapack::apply_thin_q(qr, tau, Matrix::Zero(4, 2)), Catch::Contains("4 rows given for a thin Q of 3"));
}

TEST_CASE("LAPACK SVD returns the singular values a matrix was built with", "[linalg][lapack]") {
  const Index n = 120, N = 25;
  Vector sigma(N);
  for (Index k = 0; k < N; ++k) sigma(k) = std::pow(10.0, -8.0 * k / (N - 1));  // 1 .. 1e-8
  Matrix U0;
  const Matrix A = test::matrix_with_singular_values(n, N, sigma, 3, &U0);
  for (const Matrix& M : {A, Matrix(A.transpose())}) {  // tall and wide
    const ThinSvd svd = lapack::thin_svd(M, SvdVectors::both);
    REQUIRE(svd.sigma.size() == N);
    // Backward stable: absolute errors of order eps·σ_1.
    CHECK((svd.sigma - sigma).cwiseAbs().maxCoeff() < 1e-14);
    CHECK((svd.U * svd.sigma.asDiagonal() * svd.V.transpose() - M).cwiseAbs().maxCoeff() < 1e-13);
    CHECK((svd.U.transpose() * svd.U - Matrix::Identity(N, N)).cwiseAbs().maxCoeff() < 1e-13);
    CHECK((svd.V.transpose() * svd.V - Matrix::Identity(N, N)).cwiseAbs().maxCoeff() < 1e-13);
  }
  const ThinSvd none = lapack::thin_svd(A, SvdVectors::none);
  CHECK((none.sigma - sigma).cwiseAbs().maxCoeff() < 1e-14);
  CHECK(none.U.size() == 0);
  CHECK(none.V.size() == 0);
  const ThinSvd left = lapack::thin_svd(A, SvdVectors::left);
  CHECK(left.U.cols() == N);
  CHECK(left.V.size() == 0);
  CHECK(lapack::thin_svd(Matrix(0, 4), SvdVectors::both).sigma.size() == 0);
  Matrix bad = A;
  bad(3, 4) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(lapack::thin_svd(bad, SvdVectors::both), Catch::Contains("holds NaN or Inf"));
}
