// tests for src/rom/parameter_interpolation.cpp: the polyharmonic spline's cardinal weights
// against what theory fixes — the identity at the points, exact reproduction of affine
// functions (the linear tail), the natural cubic spline in one parameter (computed here
// independently from its tridiagonal second-derivative system), a constant parameter left
// out — and the refusals (coinciding points, points on one hyperplane, a wrong-sized point).
#include "metarom/rom/parameter_interpolation.hpp"

#include <Eigen/LU>
#include <cmath>

#include "test_support.hpp"

using namespace metarom;
using test::require_error;

namespace {
// The natural cubic spline through (x_i, y_i) at z: second derivatives M with M_0 = M_n = 0
// from h_{i-1} M_{i-1} + 2(h_{i-1} + h_i) M_i + h_i M_{i+1} = 6(Δ_i/h_i − Δ_{i-1}/h_{i-1}),
// then the usual piecewise cubic (Burden & Faires, §3.5).
double natural_spline(const Vector& x, const Vector& y, double z) {
  const Index n = x.size() - 1;
  Matrix T = Matrix::Zero(n - 1, n - 1);
  Vector b(n - 1);
  for (Index i = 1; i < n; ++i) {
    const double h0 = x(i) - x(i - 1), h1 = x(i + 1) - x(i);
    if (i > 1) T(i - 1, i - 2) = h0;
    T(i - 1, i - 1) = 2 * (h0 + h1);
    if (i < n - 1) T(i - 1, i) = h1;
    b(i - 1) = 6 * ((y(i + 1) - y(i)) / h1 - (y(i) - y(i - 1)) / h0);
  }
  Vector M = Vector::Zero(n + 1);
  M.segment(1, n - 1) = T.lu().solve(b);
  Index i = 0;
  while (i + 1 < n && z > x(i + 1)) ++i;
  const double h = x(i + 1) - x(i), a = x(i + 1) - z, c = z - x(i);
  return M(i) * a * a * a / (6 * h) + M(i + 1) * c * c * c / (6 * h) + (y(i) / h - M(i) * h / 6) * a +
         (y(i + 1) / h - M(i + 1) * h / 6) * c;
}
}  // namespace

TEST_CASE("parameter interpolation passes through its points and reproduces affine functions", "[rom][interpolation]") {
  // Seven scattered points in two parameters of different units.
  Matrix P(2, 7);
  P << 0.7, 0.9, 0.8, 0.75, 0.85, 0.7, 0.9,  //
      900, 950, 1000, 1080, 1100, 1100, 1010;
  const ParameterInterpolation s(P, "test");
  for (Index j = 0; j < P.cols(); ++j) {
    const Vector w = s.weights(P.col(j));
    // Cardinal at the points: round-off of the 10 x 10 solve only.
    CHECK((w - Vector::Unit(P.cols(), j)).cwiseAbs().maxCoeff() < 1e-10);
  }
  // f(μ) = 3 + 2 μ₁ − 0.005 μ₂ lies in the linear tail's span: interpolated exactly, inside
  // and outside the points' hull.
  auto f = [](const Vector& m) { return 3 + 2 * m(0) - 0.005 * m(1); };
  Vector y(P.cols());
  for (Index j = 0; j < P.cols(); ++j) y(j) = f(P.col(j));
  for (const auto& [a, b] : {std::pair{0.8, 1000.0}, {0.72, 1050.0}, {0.95, 880.0}}) {
    const Vector m = (Vector(2) << a, b).finished();
    const Vector w = s.weights(m);
    CHECK(std::abs(w.sum() - 1) < 1e-12);
    CHECK(std::abs(w.dot(y) - f(m)) < 1e-11);
  }
}

TEST_CASE("parameter interpolation in one parameter is the natural cubic spline", "[rom][interpolation]") {
  const Vector x = (Vector(5) << 0.5, 0.8, 1.0, 1.5, 2.0).finished();
  Vector y(5);
  for (Index i = 0; i < 5; ++i) y(i) = std::sin(3 * x(i));
  // A second parameter held at one value by every point is left out.
  Matrix P(2, 5);
  P.row(0) = Vector::Constant(5, 7.0).transpose();
  P.row(1) = x.transpose();
  const ParameterInterpolation s(P, "test");
  for (const double z : {0.55, 0.9, 1.2, 1.77, 1.99}) {
    const Vector m = (Vector(2) << 7.0, z).finished();
    INFO("z = " << z);
    CHECK(std::abs(s.weights(m).dot(y) - natural_spline(x, y, z)) < 1e-12);
  }
}

TEST_CASE("parameter interpolation refuses points it cannot interpolate between", "[rom][interpolation]") {
  Matrix same(1, 3);
  same << 1.0, 2.0, 1.0;
  require_error([&] { ParameterInterpolation(same, "runs"); }, {"runs", "points 0 and 2 coincide"});
  // Three points on one line in two parameters: the linear tail is not determined.
  Matrix line(2, 3);
  line << 0.0, 1.0, 2.0,  //
      0.0, 2.0, 4.0;
  require_error([&] { ParameterInterpolation(line, "runs"); }, {"runs", "lie on one hyperplane", "at least 3"});
  Matrix two(2, 3);
  two << 0.0, 1.0, 0.0,  //
      0.0, 0.0, 1.0;
  const ParameterInterpolation s(two, "runs");
  require_error([&] { s.weights(Vector::Zero(3)); }, {"3 values", "has 2"});
  // One point: every μ gets it.
  const ParameterInterpolation one(Matrix::Constant(1, 1, 4.0), "run");
  CHECK(one.weights(Vector::Constant(1, 9.0))(0) == 1.0);
}
