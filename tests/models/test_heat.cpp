// tests for src/models/heat.cpp: the discrete operator against its known eigenvalues, the
// error against the exact PDE solution, second-order convergence under refinement, and f at
// sample rows (hyper-reduction) against the full evaluation there.
#include <petscsys.h>

#include <algorithm>
#include <cmath>
#include <numbers>

#include "metarom/models/heat.hpp"
#include "test_support.hpp"

using namespace metarom;

namespace {

double final_error(const HeatConfig& c) {
  HeatModel heat(PETSC_COMM_WORLD, c);
  const SnapshotSet s = heat.simulate(false);
  REQUIRE(s.count() == c.time.snapshots());
  REQUIRE(s.t(s.count() - 1) == Approx(c.time.t_final).epsilon(1e-12));
  const Vector exact = heat.exact_solution(c.time.t_final);
  const double e2 = allreduce_sum(s.rows.comm, (s.X.col(s.count() - 1) - exact).squaredNorm());
  const double r2 = allreduce_sum(s.rows.comm, exact.squaredNorm());
  return std::sqrt(e2 / r2);
}

}  // namespace

TEST_CASE("heat operator has the discrete Laplacian's eigenvalues on sine modes", "[models][heat][mpi]") {
  HeatConfig c;
  c.dim = 2;
  c.nx = 20;
  c.ny = 13;
  c.kappa = 0.7;
  HeatModel heat(PETSC_COMM_WORLD, c);
  const RowPartition& rows = heat.rows();
  const double pi = std::numbers::pi, hx = 1.0 / 21, hy = 1.0 / 14;
  for (int k : {1, 3, 7})
    for (int l : {1, 2, 5}) {
      Vector v(rows.local());
      for (Index r = 0; r < v.size(); ++r) {
        const long long idx = rows.begin + r;
        v(r) = std::sin(k * pi * (idx % c.nx + 1) * hx) * std::sin(l * pi * (idx / c.nx + 1) * hy);
      }
      // A sin = -κ (4/hx² sin²(kπhx/2) + 4/hy² sin²(lπhy/2)) sin
      const double lambda = -c.kappa * (4 / (hx * hx) * std::pow(std::sin(k * pi * hx / 2), 2) +
                                        4 / (hy * hy) * std::pow(std::sin(l * pi * hy / 2), 2));
      const Matrix Av = heat.apply(v);
      const double err = std::sqrt(allreduce_sum(rows.comm, (Av.col(0) - lambda * v).squaredNorm()));
      const double ref = std::sqrt(allreduce_sum(rows.comm, (lambda * v).squaredNorm()));
      CHECK(err / ref < 1e-12);
      // The model's capabilities: a linear operator, and the quadratic structure of a
      // linear model (c = 0, L = A, B = 0) built on it.
      // Both act on the sine mode by the same exact eigenvalue.
      const LinearOperator* op = heat.linear_operator();
      REQUIRE(op);
      const Matrix Lv = op->apply(v);
      CHECK(std::sqrt(allreduce_sum(rows.comm, (Lv.col(0) - lambda * v).squaredNorm())) / ref < 1e-12);
      const QuadraticStructure* q = heat.quadratic_structure();
      REQUIRE(q);
      CHECK(allreduce_sum(rows.comm, q->constant_term().squaredNorm()) == 0.0);
      const Vector qv = q->apply_linear_term(v);
      CHECK(std::sqrt(allreduce_sum(rows.comm, (qv - lambda * v).squaredNorm())) / ref < 1e-12);
      CHECK(q->apply_quadratic_term(v, v).norm() == 0.0);
    }
}

TEST_CASE("heat solution matches the exact solution and converges at second order", "[models][heat][mpi]") {
  for (int dim : {1, 2}) {
    INFO("dimension " << dim);
    std::vector<double> errors;
    // h halves and dt halves with it: Crank–Nicolson error O(h² + dt²) falls 4x per level.
    for (int level = 0; level < 3; ++level) {
      HeatConfig c;
      c.dim = dim;
      c.nx = c.ny = (16 << level) - 1;
      c.kappa = 1.0;
      c.modes = 3;
      c.time = TimeGrid{0.0, 0.02, 8 << level, 1 << level};
      errors.push_back(final_error(c));
    }
    CHECK(errors[0] < 1e-2);
    for (size_t i = 1; i < errors.size(); ++i) {
      const double order = std::log2(errors[i - 1] / errors[i]);
      INFO("errors " << errors[i - 1] << " -> " << errors[i] << ", observed order " << order);
      CHECK(order > 1.9);
      CHECK(order < 2.1);
    }
  }
}

TEST_CASE("heat configuration round-trips through provenance and rejects bad values", "[models][heat]") {
  HeatConfig c;
  c.dim = 1;
  c.nx = 33;
  c.kappa = 0.25;
  c.ic_decay = 1.5;
  c.time = TimeGrid{0.0, 0.3, 30, 3};
  const HeatConfig d = HeatConfig::from_attributes(c.to_attributes(), "ctx");
  CHECK(d.dim == 1);
  CHECK(d.nx == 33);
  CHECK(d.kappa == 0.25);
  CHECK(d.ic_decay == 1.5);
  CHECK(d.time.steps == 30);
  CHECK(d.time.stride == 3);
  CHECK(d.time.t_final == 0.3);
  Attributes a = c.to_attributes();
  a.set("heat_kappa", -1.0);
  test::require_error([&] { HeatConfig::from_attributes(a, "ctx"); }, {"-heat_kappa must be positive"});
  a = c.to_attributes();
  a.erase("heat_steps");
  test::require_error([&] { HeatConfig::from_attributes(a, "ctx"); }, {"ctx", "'heat_steps'", "missing"});
}

TEST_CASE("heat: f and its Jacobian at sample rows equal the full evaluation there, 1-D and 2-D", "[models][heat][mpi]") {
  // Corners, edges and the interior, out of order, the same on every rank, on a 7 x 5 grid
  // and a 9-point line; a state of either sign. The same arithmetic on the same values:
  // round-off of the terms (|f| ~ κ/h² ~ 1e2).
  for (const int dim : {2, 1}) {
    INFO("dim " << dim);
    HeatConfig c;
    c.dim = dim;
    c.nx = dim == 2 ? 7 : 9;
    c.ny = 5;
    c.kappa = 0.7;
    HeatModel heat(PETSC_COMM_WORLD, c);
    Vector x(heat.rows().local());
    for (Index r = 0; r < x.size(); ++r) x(r) = std::sin(0.61 * static_cast<double>(heat.rows().begin + r) + 0.3);
    const std::vector<long long> at = dim == 2 ? std::vector<long long>{34, 0, 6, 28, 17, 3, 13, 21}
                                               : std::vector<long long>{8, 0, 4, 1};
    const std::vector<long long> stencil = test::check_sampled_rhs(heat, x, at, 1e-12);
    // Row 17 = (3, 2) reads its four neighbours; row 0, a corner, only two (1-D: one).
    CHECK(std::count(stencil.begin(), stencil.end(), dim == 2 ? 10 : 1) == 1);
    test::require_error([&] { heat.sampled_rhs({heat.rows().global}); }, {"heat", "sample row"});
  }
}

