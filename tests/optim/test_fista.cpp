// tests for src/optim/fista.cpp: the soft-thresholding prox against its definition
// (the minimizer of t‖y‖₁ + ½‖y − v‖², checked by brute force), FISTA on lasso problems with
// a known solution (orthonormal design: x* = S_λ(Aᵀb)) and on a general one by its optimality
// conditions, the momentum sequence, and accelerated gradient on a quadratic.
#include <Eigen/QR>
#include <Eigen/SVD>
#include <catch2/catch.hpp>
#include <cmath>

#include "metarom/optim/fista.hpp"
#include "test_support.hpp"

using namespace metarom;

TEST_CASE("soft thresholding is the prox of t||.||_1", "[optim][fista]") {
  Vector v(5);
  v << 2.0, -0.3, 0.5, -1.5, 0.0;
  const Vector y = soft_threshold(v, 0.5);
  Vector expected(5);
  expected << 1.5, 0.0, 0.0, -1.0, 0.0;
  CHECK((y - expected).norm() == 0.0);
  // Entry by entry, the minimizer of 0.5|y| + ½(y − v)² on a fine grid is within its spacing.
  for (Index i = 0; i < v.size(); ++i) {
    double best = 0, best_val = INFINITY;
    for (int k = -40000; k <= 40000; ++k) {
      const double c = k * 1e-4;
      const double val = 0.5 * std::abs(c) + 0.5 * (c - v(i)) * (c - v(i));
      if (val < best_val) best_val = val, best = c;
    }
    CHECK(std::abs(best - y(i)) <= 1e-4);
  }
}

TEST_CASE("momentum sequence s_{j+1} = (1 + sqrt(1 + 4 s_j^2))/2 grows like (j + 2)/2", "[optim][fista]") {
  double s = 1.0;
  for (int j = 0; j < 1000; ++j) s = fista_momentum_next(s);
  CHECK(fista_momentum_next(1.0) == Approx((1 + std::sqrt(5.0)) / 2));
  // s_j ≥ (j + 2)/2 (Beck & Teboulle, Lemma 4.3) and s_j − (j + 2)/2 grows only like log j.
  CHECK(s >= 501.0);
  CHECK(s <= 501.0 + std::log(1000.0));
}

TEST_CASE("FISTA solves lasso problems with known solutions", "[optim][fista]") {
  const double lambda = 0.3;
  // Orthonormal columns: ½‖Ax − b‖² + λ‖x‖₁ has the closed-form solution S_λ(Aᵀb).
  const Matrix R = test::random_matrix(30, 8, 4);
  const Matrix A = Eigen::HouseholderQR<Matrix>(R).householderQ() * Matrix::Identity(30, 8);
  const Vector b = test::random_matrix(30, 1, 5).col(0);
  auto grad = [&](const Vector& x) { return Vector(A.transpose() * (A * x - b)); };
  auto prox = [&](const Vector& v, double e) { return soft_threshold(v, lambda * e); };
  // L = 1: from x₀ = 0 the first step already lands on the solution.
  const Vector x = fista(grad, prox, Vector::Zero(8), 1.0, 50);
  CHECK((x - soft_threshold(A.transpose() * b, lambda)).norm() < 1e-14);

  // A general design: the optimality conditions |Aᵀ(Ax − b)|_i ≤ λ, with equality and
  // opposite sign on the support. FISTA's O(1/k²) rate makes 3,000 steps ample here.
  const Matrix G = test::random_matrix(25, 10, 6);
  const Vector c = test::random_matrix(25, 1, 7).col(0);
  const double L = Eigen::JacobiSVD<Matrix>(G).singularValues()(0);
  auto grad2 = [&](const Vector& x) { return Vector(G.transpose() * (G * x - c)); };
  const Vector z = fista(grad2, prox, Vector::Zero(10), 1.0 / (L * L), 3000);
  const Vector r = G.transpose() * (G * z - c);
  int support = 0;
  for (Index i = 0; i < 10; ++i) {
    if (z(i) != 0.0) {
      ++support;
      CHECK(std::abs(r(i) + lambda * (z(i) > 0 ? 1 : -1)) < 1e-8);
    } else {
      CHECK(std::abs(r(i)) <= lambda + 1e-8);
    }
  }
  CHECK(support > 0);
  CHECK(support < 10);
}

TEST_CASE("accelerated gradient minimizes a quadratic", "[optim][fista]") {
  Vector d(4);
  d << 1.0, 2.0, 5.0, 10.0;
  const Vector target = Vector::LinSpaced(4, -1, 2);
  auto grad = [&](const Vector& x) { return Vector(d.cwiseProduct(x - target)); };
  auto f = [&](const Vector& x) { return 0.5 * (x - target).cwiseProduct(d).dot(x - target); };
  // Beck & Teboulle, Theorem 4.4: f(x_k) − f* ≤ 2L‖x₀ − x*‖²/(k + 1)² with step 1/L, L = 10.
  for (const int k : {5, 20, 100}) {
    const Vector x = accelerated_gradient(grad, Vector::Zero(4), 0.1, k);
    CHECK(f(x) <= 2 * 10.0 * target.squaredNorm() / ((k + 1.0) * (k + 1.0)));
  }
  // On this strongly convex quadratic it converges linearly in practice (3e-10 after 300
  // steps); 1e-8 leaves a 30x margin.
  CHECK((accelerated_gradient(grad, Vector::Zero(4), 0.1, 300) - target).norm() < 1e-8);
}
