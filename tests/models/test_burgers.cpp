// tests for src/models/burgers.cpp: the discrete terms against a manufactured solution
// (second order in space for diffusion, first order for the upwind convection), the
// quadratic structure f = L x + B(x, x) against the direct right-hand side, the assembled
// Jacobian against central differences (exact for a quadratic f), and the x <-> y mirror
// symmetry of the whole time integration; f at sample rows (hyper-reduction) against the
// full evaluation there.
#include <petscsys.h>

#include <cmath>
#include <numbers>

#include "metarom/models/burgers.hpp"
#include "test_support.hpp"

using namespace metarom;

namespace {

const double pi = std::numbers::pi;

// A smooth field vanishing on the boundary and its derivatives:
// u = sin(πx) sin(πy), v = sin(2πx) sin(πy).
struct Manufactured {
  static double u(double x, double y) { return std::sin(pi * x) * std::sin(pi * y); }
  static double v(double x, double y) { return std::sin(2 * pi * x) * std::sin(pi * y); }
  static double ux(double x, double y) { return pi * std::cos(pi * x) * std::sin(pi * y); }
  static double uy(double x, double y) { return pi * std::sin(pi * x) * std::cos(pi * y); }
  static double vx(double x, double y) { return 2 * pi * std::cos(2 * pi * x) * std::sin(pi * y); }
  static double vy(double x, double y) { return pi * std::sin(2 * pi * x) * std::cos(pi * y); }
};

// Local rows of a field given per interior point and component (0: u, 1: v).
template <class F>
Vector sample(const BurgersModel& model, F f) {
  const RowPartition& rows = model.rows();
  const int mx = model.config().nx - 2;
  const double h = 1.0 / (model.config().nx - 1), k = 1.0 / (model.config().ny - 1);
  Vector out(rows.local());
  for (Index r = 0; r < out.size(); ++r) {
    const long long idx = rows.begin + r, point = idx / 2;
    out(r) = f((point % mx + 1) * h, (point / mx + 1) * k, static_cast<int>(idx % 2));
  }
  return out;
}

double max_norm(const Vector& x, MPI_Comm comm) { return allreduce_max(comm, x.lpNorm<Eigen::Infinity>()); }

// Max-norm errors of the linear (diffusion) and quadratic (convection) terms on an n x n grid.
std::pair<double, double> term_errors(int n, double re) {
  BurgersConfig c;
  c.nx = c.ny = n;
  c.re = re;
  BurgersModel model(PETSC_COMM_WORLD, c);
  using M = Manufactured;
  const Vector x = sample(model, [](double px, double py, int f) { return f == 0 ? M::u(px, py) : M::v(px, py); });
  const Vector lap = sample(model, [&](double px, double py, int f) {
    return (f == 0 ? -2 * pi * pi * M::u(px, py) : -5 * pi * pi * M::v(px, py)) / re;
  });
  const Vector conv = sample(model, [](double px, double py, int f) {
    const double u = M::u(px, py), v = M::v(px, py);
    return f == 0 ? -(u * M::ux(px, py) + v * M::uy(px, py)) : -(u * M::vx(px, py) + v * M::vy(px, py));
  });
  const MPI_Comm comm = model.rows().comm;
  const double e_lin = max_norm(model.apply_linear_term(x).col(0) - lap, comm) / max_norm(lap, comm);
  const double e_quad = max_norm(model.apply_quadratic_term(x, x).col(0) - conv, comm) / max_norm(conv, comm);
  return {e_lin, e_quad};
}

}  // namespace

TEST_CASE("Burgers terms converge on a manufactured solution: diffusion O(h²), upwind convection O(h)",
          "[models][burgers][mpi]") {
  const auto [lin1, quad1] = term_errors(21, 10.0);
  const auto [lin2, quad2] = term_errors(41, 10.0);
  const auto [lin3, quad3] = term_errors(81, 10.0);
  INFO("diffusion errors " << lin1 << " " << lin2 << " " << lin3 << "; convection " << quad1 << " " << quad2 << " "
                           << quad3);
  // h halves: the error falls 4x at second order and 2x at first (asymptotically).
  CHECK(lin1 / lin2 == Approx(4).epsilon(0.05));
  CHECK(lin2 / lin3 == Approx(4).epsilon(0.02));
  CHECK(quad1 / quad2 == Approx(2).epsilon(0.1));
  CHECK(quad2 / quad3 == Approx(2).epsilon(0.05));
  CHECK(lin3 < 1e-3);
}

TEST_CASE("Burgers right-hand side is L x + B(x, x), and its Jacobian matches central differences",
          "[models][burgers][mpi]") {
  BurgersConfig c;
  c.nx = 13;
  c.ny = 9;
  c.re = 50;
  BurgersModel model(PETSC_COMM_WORLD, c);
  const RowPartition& rows = model.rows();
  const MPI_Comm comm = rows.comm;
  REQUIRE(rows.global == 2 * 11 * 7);
  const Matrix all = test::random_matrix(rows.global, 3, 5);  // the same data on every rank
  const Matrix X = all.middleRows(rows.begin, rows.local());
  auto norm = [&](const Matrix& A) { return std::sqrt(allreduce_sum(comm, A.squaredNorm())); };
  const Matrix f = model.rhs(0.0, X);
  CHECK(norm(f - model.apply_linear_term(X) - model.apply_quadratic_term(X, X)) < 1e-13 * norm(f));
  CHECK(norm(model.constant_term()) == 0.0);

  // f is quadratic, so (f(x + εv) − f(x − εv))/(2ε) = J(x) v up to round-off.
  const Vector x = X.col(0);
  const Matrix V = X.rightCols(2);
  const Matrix J = model.apply_jacobian(0.0, x, V);
  const double eps = 1e-3;
  for (Index k = 0; k < V.cols(); ++k) {
    Matrix pm(x.size(), 2);
    pm.col(0) = x + eps * V.col(k);
    pm.col(1) = x - eps * V.col(k);
    const Matrix fp = model.rhs(0.0, pm);
    const Matrix fd = (fp.col(0) - fp.col(1)) / (2 * eps);
    CHECK(norm(J.col(k) - fd) < 1e-10 * norm(fd));
  }
}

TEST_CASE("Burgers backward Euler run keeps the x <-> y mirror symmetry of its initial condition",
          "[models][burgers][mpi]") {
  // u0 = v0 = a sin(2πx) sin(2πy) on [0, 0.5]² is symmetric under x <-> y, and so are the
  // equations with u <-> v and the discretization on a square grid: u(x, y, t) = v(y, x, t).
  BurgersConfig c;
  c.nx = c.ny = 21;
  c.re = 200;
  c.time = TimeGrid{0.0, 0.3, 45, 15};
  BurgersModel model(PETSC_COMM_WORLD, c);
  const SnapshotSet s = model.simulate(false);
  REQUIRE(s.count() == 4);
  CHECK(s.t(3) == Approx(0.3).epsilon(1e-12));
  CHECK(model.newton_iterations() >= 45);
  CHECK(s.provenance.get_string("ts_type", "test") == "beuler");
  const int m = c.nx - 2;
  Matrix full = Matrix::Zero(s.n(), s.count());
  full.middleRows(s.rows.begin, s.rows.local()) = s.X;
  allreduce_sum(s.rows.comm, full.data(), full.size());
  for (Index k = 1; k < s.count(); ++k) {
    double worst = 0, scale = 0;
    for (int j = 0; j < m; ++j)
      for (int i = 0; i < m; ++i) {
        worst = std::max(worst, std::abs(full(2 * (i + m * j), k) - full(2 * (j + m * i) + 1, k)));
        scale = std::max(scale, std::abs(full(2 * (i + m * j), k)));
      }
    INFO("snapshot " << k << ": mirror mismatch " << worst << " of " << scale);
    CHECK(scale > 0.1);          // the flow is still there
    CHECK(worst < 1e-8 * scale);  // Newton and its linear solves are converged far below this
  }
  // The provenance rebuilds the same model.
  const BurgersConfig back = BurgersConfig::from_attributes(s.provenance, "test");
  CHECK(back.nx == c.nx);
  CHECK(back.re == c.re);
  CHECK(back.time.steps == c.time.steps);
}

TEST_CASE("Burgers with LaSDI's Gaussian initial condition lives on [-3, 3]^2", "[models][burgers][mpi]") {
  BurgersConfig c;
  c.nx = c.ny = 81;
  c.re = 50;
  c.initial = BurgersInitial::gaussian;
  c.amplitude = 0.8;
  c.width = 1.1;
  BurgersModel model(PETSC_COMM_WORLD, c);
  const RowPartition& rows = model.rows();
  const double h = 6.0 / 80;
  // Grid point (i, j) of the interior sits at (−3 + (i + 1)h, −3 + (j + 1)h).
  auto at = [&](auto f) {
    Vector out(rows.local());
    for (Index r = 0; r < out.size(); ++r) {
      const long long point = (rows.begin + r) / 2;
      out(r) = f(-3 + (point % 79 + 1) * h, -3 + (point / 79 + 1) * h);
    }
    return out;
  };
  const Vector x0 = model.initial_state();
  const Vector gauss = at([](double x, double y) { return 0.8 * std::exp(-(x * x + y * y) / 1.1); });
  CHECK(max_norm(x0 - gauss, rows.comm) <= 1e-15);
  // The diffusion term on this domain: for q = sin(π(x + 3)/6) sin(π(y + 3)/6), which vanishes on
  // the boundary, Δq = −2(π/6)² q; the 5-point stencil's error at h = 0.075 is
  // (π/6)² h²/12 ≈ 1.3e-4 relative (a grid spacing of the unit square's would be 36× off).
  const Vector q = at([](double x, double y) { return std::sin(pi * (x + 3) / 6) * std::sin(pi * (y + 3) / 6); });
  const Vector lap = -2 * (pi / 6) * (pi / 6) / c.re * q;
  CHECK(max_norm(model.apply_linear_term(q).col(0) - lap, rows.comm) <= 2e-4 * max_norm(lap, rows.comm));
  const FieldLayout l = model.layout();
  CHECK(l.lower[0] == Approx(-3 + h));
  CHECK(l.upper[1] == Approx(3 - h));
  // The provenance names the initial condition and its width (a sine run's does not), and
  // rebuilds the same model.
  const Attributes a = model.provenance();
  CHECK(a.get_string("burgers_initial", "test") == "gaussian");
  const BurgersConfig back = BurgersConfig::from_attributes(a, "test");
  CHECK(back.initial == BurgersInitial::gaussian);
  CHECK(back.width == 1.1);
  CHECK_FALSE(BurgersConfig().to_attributes().has("burgers_initial"));
  BurgersConfig bad = c;
  bad.width = 0;
  test::require_error([&] { BurgersModel(PETSC_COMM_WORLD, bad); }, {"-burgers_width must be positive"});
}

TEST_CASE("Burgers: f and its Jacobian at sample rows of either field equal the full evaluation there",
          "[models][burgers][mpi]") {
  // A 9 x 9 grid (7 x 7 interior points, 98 rows): both fields at corners, edges and the
  // interior, out of order, the same on every rank; velocities of either sign, Re = 50 so
  // convection and diffusion weigh alike. Same arithmetic, same values: round-off.
  BurgersConfig c;
  c.nx = c.ny = 9;
  c.re = 50;
  BurgersModel model(PETSC_COMM_WORLD, c);
  Vector x(model.rows().local());
  for (Index r = 0; r < x.size(); ++r) x(r) = std::sin(0.43 * static_cast<double>(model.rows().begin + r) + 0.5);
  test::check_sampled_rhs(model, x, {97, 0, 1, 13, 12, 84, 85, 48, 49, 30, 67}, 1e-12);
  test::require_error([&] { model.sampled_rhs({98}); }, {"burgers", "sample row 98"});
}

