// tests for src/optim/adam.cpp: steps against Kingma & Ba's Algorithm 1 written out per entry
// (with bias correction), and the state a checkpoint restores.
#include <cmath>
#include <vector>

#include "metarom/optim/adam.hpp"
#include "test_support.hpp"

using namespace metarom;

TEST_CASE("Adam steps are Kingma and Ba's algorithm 1, entry by entry", "[optim][adam]") {
  // Reference: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², p ← p − α (m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε),
  // in scalar arithmetic. The moments are the same operations: equal to the last bit. The
  // step is arranged differently (PyTorch's form, fewer divisions): Δp differs in its last
  // bits, which can round p − Δp to a neighbouring double, one ulp of p (≤ 8.9e-16 for the
  // |p| < 8 here) a step: 1e-15 per step bounds it.
  const Index n = 37;
  Adam::Settings s;
  s.learning_rate = 0.01;
  s.beta1 = 0.8;
  s.beta2 = 0.99;
  s.epsilon = 1e-6;
  Adam adam(n, s);
  Vector p = test::random_matrix(n, 1, 3).col(0);
  std::vector<double> rp(p.data(), p.data() + n), rm(n, 0.0), rv(n, 0.0);
  for (int t = 1; t <= 5; ++t) {
    const Vector g = test::random_matrix(n, 1, 10 + t).col(0) * std::pow(10.0, t - 3);  // scales 1e-2 … 1e2
    adam.step(p, g);
    const double c1 = 1 - std::pow(s.beta1, t), c2 = 1 - std::pow(s.beta2, t);
    for (Index i = 0; i < n; ++i) {
      rm[i] = s.beta1 * rm[i] + (1 - s.beta1) * g(i);
      rv[i] = s.beta2 * rv[i] + (1 - s.beta2) * (g(i) * g(i));
      rp[i] -= s.learning_rate * (rm[i] / c1) / (std::sqrt(rv[i] / c2) + s.epsilon);
    }
    for (Index i = 0; i < n; ++i) {
      CHECK(std::abs(p(i) - rp[i]) <= 1e-15 * t);
      CHECK(adam.first_moment()(i) == rm[i]);
      CHECK(adam.second_moment()(i) == rv[i]);
    }
  }
  CHECK(adam.steps() == 5);
  // A restored optimizer continues exactly where the first one is.
  Adam copy(n, s);
  copy.restore(adam.first_moment(), adam.second_moment(), adam.steps());
  Vector p1 = p, p2 = p;
  const Vector g = test::random_matrix(n, 1, 99).col(0);
  adam.step(p1, g);
  copy.step(p2, g);
  CHECK(p1 == p2);
  // The first step is α g/(|g| + ε) whatever the gradient's scale (bias correction: m̂ = g,
  // v̂ = g²): about the learning rate in every entry, to a few ulps.
  Adam fresh(n, s);
  Vector q = Vector::Zero(n);
  const Vector g1 = test::random_matrix(n, 1, 7).col(0) * 1e3;
  fresh.step(q, g1);
  const Vector expected = -s.learning_rate * g1.array() / (g1.array().abs() + s.epsilon);
  CHECK((q - expected).cwiseAbs().maxCoeff() <= 1e-15 * s.learning_rate);
  Vector wrong(n + 1);
  test::require_error([&] { fresh.step(wrong, Vector::Zero(n + 1)); }, {"Adam", "sizes"});
}
