// tests for src/reducers/gauss_newton_encoder.cpp: the steps converge to the least-squares
// encoding (regularized or not), and their adjoint matches finite differences in every input.
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

TEST_CASE("Regularized Gauss–Newton encoder meets its first-order condition", "[reducers][meta-ae][gauss-newton]") {
  // n = 20 > h = 12 forms JᵀJ as AᵀMA, n = 8 < h through J = W₂A.
  const int n = GENERATE(20, 8);
  Mlp dec({3, 12, n});
  dec.initialize(1);
  const Matrix X = dec.forward(random_matrix(3, 7, 2, 0.5)) + random_matrix(n, 7, 4, 0.05);
  const Matrix U0 = random_matrix(3, 7, 3, 0.3);
  const double lambda = 0.2;
  GaussNewtonEncoder gn(dec);
  const GaussNewtonSettings fixed{60, 1e-3, 1e-14, false, lambda}, adaptive{100, 0.1, 1e-14, true, lambda},
      newton{100, 0.1, 1e-14, true, lambda, true};
  for (const GaussNewtonSettings& s : {fixed, adaptive, newton}) {
    const Matrix U = gn.solve(X, U0, s);
    // ∇(½‖φ(u) − x‖² + ½λ‖u‖²) = Jᵀ(φ(u) − x) + λu = 0, J from the network itself; round-off
    // in the h = 12 sums of unit-sized terms stays far below 1e-10.
    for (Index i = 0; i < X.cols(); ++i) {
      const Matrix J = dec.input_jacobian(U.col(i));
      CHECK((J.transpose() * (dec.forward(U.col(i)) - X.col(i)) + lambda * U.col(i)).norm() < 1e-10);
    }
  }
  // Residuals through W₂ᵀW₂ resolve the objective only to ε‖x‖² ≈ 1e-15 here, so the minimizer
  // only to about √ε: the gradient to ~1e-8 (cancellation), checked at 1e-6.
  const Matrix U = gn.solve(X, U0, GaussNewtonSettings{100, 0.1, 1e-14, true, lambda, true, true});
  for (Index i = 0; i < X.cols(); ++i) {
    const Matrix J = dec.input_jacobian(U.col(i));
    CHECK((J.transpose() * (dec.forward(U.col(i)) - X.col(i)) + lambda * U.col(i)).norm() < 1e-6);
  }
}

TEST_CASE("The adaptive encoder stops once no step can lower the objective", "[reducers][meta-ae][gauss-newton]") {
  // Off the decoder's range, with a step tolerance round-off cannot meet: the iteration ends
  // when the undamped model promises less than f resolves, at a minimizer (first-order
  // condition), instead of raising γ by 4x per refused step up to 1e12 (some 25 steps more).
  Mlp dec({3, 12, 20});
  dec.initialize(1);
  const Matrix X = dec.forward(random_matrix(3, 7, 2, 0.5)) + random_matrix(20, 7, 4, 0.01);
  GaussNewtonEncoder gn(dec);
  const Matrix U = gn.solve(X, random_matrix(3, 7, 3, 0.3), GaussNewtonSettings{100, 0.1, 1e-300, true});
  for (Index i = 0; i < 7; ++i) {
    const Matrix J = dec.input_jacobian(U.col(i));
    CHECK((J.transpose() * (dec.forward(U.col(i)) - X.col(i))).norm() < 1e-10);
  }
  CHECK(gn.iterations_done() < 25);
}

TEST_CASE("Regularization gives the encoder a minimizer where the plain one has none",
          "[reducers][meta-ae][gauss-newton]") {
  // φ(u) = tanh(u) and x = 1.2, off the closure of φ's range: ½(tanh u − x)² falls for ever
  // as u grows, and the iterates run away; with λ the minimizer is the root of
  // (tanh u − x)(1 − tanh² u) + λu, found here by bisection on [0, 2x/λ] (the function is
  // negative at 0 and positive once λu > 2x ≥ |(tanh u − x)(1 − tanh² u)|). λ = 0.5 because
  // the residual is large: Gauss–Newton then converges only linearly, at the rate
  // |F φ''| / (φ'² + λ) = 0.50 at the root (above 1, no convergence, for λ ≤ 0.05).
  Mlp dec({1, 1, 1});
  Vector p = Vector::Zero(dec.parameters().size());
  dec.weight_in(p, 0)(0, 0) = 1;
  dec.weight_in(p, 1)(0, 0) = 1;
  dec.set_parameters(p);
  const double x = 1.2;
  const Matrix X = Matrix::Constant(1, 1, x), U0 = Matrix::Zero(1, 1);
  GaussNewtonEncoder gn(dec);
  const Matrix plain = gn.solve(X, U0, GaussNewtonSettings{100, 0.1, 1e-10, true});
  CHECK(plain(0, 0) > 5);  // tanh'(5) = 1.8e-4: well into saturation
  const double lambda = 0.5;
  auto dg = [&](double u) { return (std::tanh(u) - x) * (1 - std::tanh(u) * std::tanh(u)) + lambda * u; };
  double lo = 0, hi = 2 * x / lambda;
  for (int k = 0; k < 200; ++k) (dg(0.5 * (lo + hi)) < 0 ? lo : hi) = 0.5 * (lo + hi);
  const Matrix reg = gn.solve(X, U0, GaussNewtonSettings{100, 0.1, 1e-12, true, lambda});
  CHECK(std::abs(reg(0, 0) - 0.5 * (lo + hi)) < 1e-9);
}

TEST_CASE("Newton's encoder converges where Gauss–Newton's rate exceeds one", "[reducers][meta-ae][gauss-newton]") {
  // The problem above with λ = 0.05: at the minimizer Gauss–Newton's linear rate
  // |F φ''| / (φ'² + λ) is 1.25, so its damped iteration only creeps (γ held up by refused
  // steps); Newton's Hessian (φ'² + Fφ'' + λ, positive there) converges quadratically. The
  // root again by bisection; 1e-12 is a few ulps of u ≈ 1.4 times the conditioning.
  Mlp dec({1, 1, 1});
  Vector p = Vector::Zero(dec.parameters().size());
  dec.weight_in(p, 0)(0, 0) = 1;
  dec.weight_in(p, 1)(0, 0) = 1;
  dec.set_parameters(p);
  const double x = 1.2, lambda = 0.05;
  auto dg = [&](double u) { return (std::tanh(u) - x) * (1 - std::tanh(u) * std::tanh(u)) + lambda * u; };
  double lo = 0, hi = 2 * x / lambda;
  for (int k = 0; k < 200; ++k) (dg(0.5 * (lo + hi)) < 0 ? lo : hi) = 0.5 * (lo + hi);
  const double root = 0.5 * (lo + hi);
  GaussNewtonEncoder gn(dec);
  const Matrix X = Matrix::Constant(1, 1, x), U0 = Matrix::Zero(1, 1);
  // 10 iterations at most (the loop's cap is 4x): Newton needs about 6, Gauss–Newton is off.
  const Matrix un = gn.solve(X, U0, GaussNewtonSettings{10, 0.1, 1e-14, true, lambda, true});
  const Matrix ug = gn.solve(X, U0, GaussNewtonSettings{10, 0.1, 1e-14, true, lambda, false});
  CHECK(std::abs(un(0, 0) - root) < 1e-12);
  CHECK(std::abs(ug(0, 0) - root) > 1e-6);
}

TEST_CASE("Gauss–Newton adjoint matches finite differences", "[reducers][meta-ae][gauss-newton]") {
  // More state rows than hidden units (Hessians through M = W₂ᵀW₂), fewer (through the
  // Jacobians W₂A_i), and a linear hidden layer (no curvature terms).
  struct Shape {
    int n;
    Mlp::Activation act;
  };
  const Shape shape = GENERATE(Shape{15, Mlp::Activation::tanh}, Shape{6, Mlp::Activation::tanh},
                               Shape{15, Mlp::Activation::identity});
  Mlp dec({3, 10, shape.n}, shape.act);
  dec.initialize(5);
  dec.set_parameters(dec.parameters() + random_matrix(dec.parameters().size(), 1, 6, 0.05).col(0));
  const Matrix X = random_matrix(shape.n, 4, 7, 0.5), U0 = random_matrix(3, 4, 8, 0.3), R = random_matrix(3, 4, 9);
  // Plain and regularized steps (λ adds a term of its own to ∂U_k/∂U_{k-1}).
  const GaussNewtonSettings s = GENERATE(GaussNewtonSettings{4, 1e-2, 0}, GaussNewtonSettings{4, 1e-2, 0, false, 0.3});
  // Without and with the reconstruction term s‖φ(U_I) − X‖², which backward() adds itself.
  const double scale = GENERATE(0.0, 0.7);
  // loss = Σ R ⊙ U_I + s‖φ(U_I) − X‖², the reconstruction formed directly from the decoder
  auto loss = [&](const Mlp& d, const Matrix& u0) {
    GaussNewtonEncoder gn(d);
    const Matrix U = gn.solve(X, u0, s);
    return U.cwiseProduct(R).sum() + scale * (d.forward(U) - X).squaredNorm();
  };
  GaussNewtonEncoder gn(dec);
  const Matrix U = gn.solve(X, U0, s);
  REQUIRE(gn.iterations_done() == 4);
  // M and Q reproduce the residual to cancellation in ‖X − b₂‖² (about 1e-15 here).
  CHECK(std::abs(gn.reconstruction_loss(scale) - scale * (dec.forward(U) - X).squaredNorm()) < 1e-13);
  Vector grad;
  const Matrix U0bar = gn.backward(R, grad, scale);
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
