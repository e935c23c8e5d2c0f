// tests for src/reducers/gauss_newton_encoder.cpp: the steps converge to the least-squares
// encoding, and their adjoint matches finite differences in every input.
#include <cmath>
#include <random>

#include "metarom/reducers/gauss_newton_encoder.hpp"
#include "test_support.hpp"

using namespace metarom;

using metarom::test::random_matrix;
using metarom::test::shifted;

TEST_CASE("Gauss–Newton encoder finds the decoder's preimage", "[reducers][meta-ae][gauss-newton]") {
  Mlp dec({3, 12, 20});
  dec.initialize(1);
  const Matrix Utrue = random_matrix(3, 7, 2, 0.5);
  const Matrix X = dec.forward(Utrue);  // exactly representable: the minimum is u = Utrue
  GaussNewtonEncoder gn(dec);
  const Matrix U = gn.solve(X, Utrue + random_matrix(3, 7, 3, 0.05), GaussNewtonSettings{30, 1e-10, 1e-13});
  CHECK((U - Utrue).norm() < 1e-9);
  CHECK(gn.iterations_done() < 30);  // stopped by the tolerance
  // Off the decoder's range: the gradient Jᵀ(φ(u) − x) vanishes at the solution.
  const Matrix Xn = X + random_matrix(20, 7, 4, 0.01);
  const Matrix Un = gn.solve(Xn, U, GaussNewtonSettings{50, 1e-10, 1e-14});
  for (Index i = 0; i < 7; ++i) {
    const Matrix J = dec.input_jacobian(Un.col(i));
    CHECK((J.transpose() * (dec.forward(Un.col(i)) - Xn.col(i))).norm() < 1e-10);
  }
}

TEST_CASE("Gauss–Newton adjoint matches finite differences", "[reducers][meta-ae][gauss-newton]") {
  Mlp dec({3, 10, 15});
  dec.initialize(5);
  dec.set_parameters(dec.parameters() + random_matrix(dec.parameters().size(), 1, 6, 0.05).col(0));
  const Matrix X = random_matrix(15, 4, 7, 0.5), U0 = random_matrix(3, 4, 8, 0.3), R = random_matrix(3, 4, 9);
  const GaussNewtonSettings s{4, 1e-2, 0};
  // loss = Σ R ⊙ U_I
  auto loss = [&](const Mlp& d, const Matrix& u0) {
    GaussNewtonEncoder gn(d);
    return gn.solve(X, u0, s).cwiseProduct(R).sum();
  };
  GaussNewtonEncoder gn(dec);
  gn.solve(X, U0, s);
  REQUIRE(gn.iterations_done() == 4);
  Vector grad;
  const Matrix U0bar = gn.backward(R, grad);
  const double eps = 1e-6;
  double worst = 0;
  for (Index k = 0; k < dec.parameters().size(); ++k) {
    const Mlp p = shifted(dec, k, eps), m = shifted(dec, k, -eps);
    const double fd = (loss(p, U0) - loss(m, U0)) / (2 * eps);
    worst = std::max(worst, std::abs(fd - grad(k)) / (1 + std::abs(fd)));
  }
  CHECK(worst < 1e-6);
  double worst_u = 0;
  for (Index i = 0; i < U0.rows(); ++i)
    for (Index j = 0; j < U0.cols(); ++j) {
      Matrix up = U0, um = U0;
      up(i, j) += eps;
      um(i, j) -= eps;
      const double fd = (loss(dec, up) - loss(dec, um)) / (2 * eps);
      worst_u = std::max(worst_u, std::abs(fd - U0bar(i, j)) / (1 + std::abs(fd)));
    }
  CHECK(worst_u < 1e-6);
}
