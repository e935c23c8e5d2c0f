// tests for src/models/qg.cpp: Arakawa's Jacobian conserves energy and enstrophy and is
// antisymmetric, it is second-order accurate, the right-hand side matches the analytic
// vorticity tendency to second order, f = c + Lψ + B(ψ, ψ) holds, and short runs are
// deterministic, finite and the same on 1 and 2 ranks.
#include <petscsys.h>

#include <cmath>
#include <numbers>
#include <random>

#include "metarom/reducers/metrics.hpp"
#include "metarom/models/qg.hpp"
#include "test_support.hpp"

using namespace metarom;

namespace {

// The basin at nx interior points across and 2 nx + 1 along (twice as long, the same h).
QgConfig small_config(int nx = 31) {
  QgConfig c;
  c.nx = nx;
  c.ny = 2 * nx + 1;
  c.spinup_time = 0;
  c.window = 0.005;  // 50 steps of 1e-4
  c.stride = 10;
  return c;
}

// Smooth random field vanishing on the boundary: a few sine modes with random amplitudes.
Matrix random_field(const QgModel& m, unsigned seed, Index columns = 1) {
  const RowPartition& rows = m.rows();
  const int nx = m.config().nx, ny = m.config().ny;
  const double pi = std::numbers::pi, hx = 1.0 / (nx + 1), hy = 2.0 / (ny + 1);
  std::mt19937 gen(seed);
  std::normal_distribution<double> g;
  Matrix X(rows.local(), columns);
  for (Index c = 0; c < columns; ++c) {
    double amp[5][5];
    for (auto& row : amp)
      for (auto& a : row) a = g(gen);
    for (Index r = 0; r < rows.local(); ++r) {
      const long long idx = rows.begin + r;
      const double x = (idx % nx + 1) * hx, y = (idx / nx + 1) * hy;
      double v = 0;
      for (int k = 1; k <= 5; ++k)
        for (int l = 1; l <= 5; ++l) v += amp[k - 1][l - 1] * std::sin(k * pi * x) * std::sin(l * pi * y / 2) / (k * l);
      X(r, c) = v;
    }
  }
  return X;
}

double dot(const Vector& a, const Vector& b, MPI_Comm comm) { return allreduce_sum(comm, a.dot(b)); }

}  // namespace

TEST_CASE("Arakawa Jacobian conserves energy and enstrophy and is antisymmetric", "[models][qg][mpi]") {
  QgModel qg(PETSC_COMM_WORLD, small_config());
  const MPI_Comm comm = qg.rows().comm;
  // Rough fields too: conservation is algebraic, it does not need smoothness.
  std::mt19937 gen(11 + qg.rows().rank());
  std::uniform_real_distribution<double> u(-1, 1);
  Matrix A = random_field(qg, 1), B = random_field(qg, 2);
  Matrix R(qg.rows().local(), 1), S(qg.rows().local(), 1);
  for (Index i = 0; i < R.rows(); ++i) {
    R(i, 0) = u(gen);
    S(i, 0) = u(gen);
  }
  for (const auto& [a, b] : {std::pair{A, B}, std::pair{R, S}}) {
    const Matrix J = qg.arakawa(a, b);
    const double scale = std::sqrt(dot(J.col(0), J.col(0), comm) * dot(a.col(0), a.col(0), comm));
    CHECK(std::abs(dot(a.col(0), J.col(0), comm)) < 1e-13 * scale);  // Σ a J(a, b) = 0
    const double scale_b = std::sqrt(dot(J.col(0), J.col(0), comm) * dot(b.col(0), b.col(0), comm));
    CHECK(std::abs(dot(b.col(0), J.col(0), comm)) < 1e-13 * scale_b);  // Σ b J(a, b) = 0
    const Matrix Jba = qg.arakawa(b, a);
    CHECK(std::sqrt(distributed_squared_distance(J, -Jba, comm)) < 1e-14 * std::sqrt(dot(J.col(0), J.col(0), comm)));
  }
}

TEST_CASE("Arakawa Jacobian is second-order accurate", "[models][qg][mpi]") {
  // a = sin(πx) sin(πy/2), b = sin(2πx) sin(πy): J_A = a_x b_y - a_y b_x analytically.
  const double pi = std::numbers::pi;
  std::vector<double> errors;
  for (int nx : {15, 31, 63}) {
    const QgConfig c = small_config(nx);
    QgModel qg(PETSC_COMM_WORLD, c);
    const RowPartition& rows = qg.rows();
    const double hx = 1.0 / (nx + 1), hy = 2.0 / (c.ny + 1);
    Matrix a(rows.local(), 1), b(rows.local(), 1), ref(rows.local(), 1);
    for (Index r = 0; r < rows.local(); ++r) {
      const long long idx = rows.begin + r;
      const double x = (idx % nx + 1) * hx, y = (idx / nx + 1) * hy;
      a(r, 0) = std::sin(pi * x) * std::sin(pi * y / 2);
      b(r, 0) = std::sin(2 * pi * x) * std::sin(pi * y);
      const double ax = pi * std::cos(pi * x) * std::sin(pi * y / 2), ay = pi / 2 * std::sin(pi * x) * std::cos(pi * y / 2);
      const double bx = 2 * pi * std::cos(2 * pi * x) * std::sin(pi * y), by = pi * std::sin(2 * pi * x) * std::cos(pi * y);
      ref(r, 0) = ax * by - ay * bx;
    }
    const Matrix J = qg.arakawa(a, b);
    errors.push_back(std::sqrt(distributed_squared_distance(J, ref, rows.comm) / allreduce_sum(rows.comm, ref.squaredNorm())));
  }
  for (size_t k = 1; k < errors.size(); ++k) {
    const double order = std::log2(errors[k - 1] / errors[k]);
    INFO("errors " << errors[k - 1] << " -> " << errors[k] << ", order " << order);
    CHECK(order > 1.9);
  }
}

TEST_CASE("QG right-hand side against the analytic vorticity tendency, second order", "[models][qg][mpi]") {
  // ψ = a s₁ + b s₂ with s₁ = sin(πx) sin(πy/2), s₂ = sin(2πx) sin(πy): ψ = ω = Δω = 0 on the
  // walls (the model's boundary conditions), ω = −Δψ = a κ₁ s₁ + b κ₂ s₂ (κ₁ = 5π²/4,
  // κ₂ = 5π²). The QG equation (qg.hpp) ω_t = −J(ψ, ω) + Ro⁻¹ψ_x + Re⁻¹Δω + Ro⁻¹ sin(π(y − 1))
  // with J(ψ, ω) = ψ_y ω_x − ψ_x ω_y (the advection u·∇ω for u = ψ_y, v = −ψ_x) gives
  // −J(ψ, ω) = ab (κ₂ − κ₁)(s₁ₓ s₂ᵧ − s₁ᵧ s₂ₓ). The model's ψ_t = f(ψ) must satisfy
  // −Δ_h f = ω_t up to O(h²): a wrong sign in any term leaves an O(1) error.
  const double pi = std::numbers::pi, a = 1.0, b = 0.5, k1 = 1.25 * pi * pi, k2 = 5 * pi * pi;
  std::vector<double> errors;
  for (int nx : {15, 31, 63}) {
    const QgConfig c = small_config(nx);
    QgModel qg(PETSC_COMM_WORLD, c);
    const RowPartition& rows = qg.rows();
    const double h = 1.0 / (nx + 1);
    Matrix psi(rows.local(), 1), ref(rows.local(), 1);
    for (Index r = 0; r < rows.local(); ++r) {
      const long long idx = rows.begin + r;
      const double x = (idx % nx + 1) * h, y = (idx / nx + 1) * h;
      const double s1 = std::sin(pi * x) * std::sin(pi * y / 2), s2 = std::sin(2 * pi * x) * std::sin(pi * y);
      const double s1x = pi * std::cos(pi * x) * std::sin(pi * y / 2), s1y = pi / 2 * std::sin(pi * x) * std::cos(pi * y / 2);
      const double s2x = 2 * pi * std::cos(2 * pi * x) * std::sin(pi * y), s2y = pi * std::sin(2 * pi * x) * std::cos(pi * y);
      psi(r, 0) = a * s1 + b * s2;
      const double minus_jacobian = a * b * (k2 - k1) * (s1x * s2y - s1y * s2x);
      const double psi_x = a * s1x + b * s2x, lap_omega = -(a * k1 * k1 * s1 + b * k2 * k2 * s2);
      ref(r, 0) = minus_jacobian + psi_x / c.ro + lap_omega / c.re + std::sin(pi * (y - 1)) / c.ro;
    }
    const Matrix omega_t = qg.vorticity(qg.rhs(0.0, psi));
    errors.push_back(
        std::sqrt(distributed_squared_distance(omega_t, ref, rows.comm) / allreduce_sum(rows.comm, ref.squaredNorm())));
  }
  INFO("relative errors " << errors[0] << ", " << errors[1] << ", " << errors[2]);
  CHECK(errors[2] < 1e-2);
  for (size_t k = 1; k < errors.size(); ++k) CHECK(std::log2(errors[k - 1] / errors[k]) > 1.9);
}

TEST_CASE("QG right-hand side splits into constant, linear and quadratic parts", "[models][qg][mpi]") {
  QgModel qg(PETSC_COMM_WORLD, small_config());
  // Capabilities: quadratic structure, no linear operator.
  CHECK(qg.quadratic_structure() == &qg);
  CHECK(qg.linear_operator() == nullptr);
  const MPI_Comm comm = qg.rows().comm;
  const Matrix psi = 50 * random_field(qg, 5, 2);
  const Matrix f = qg.rhs(0.0, psi);
  Matrix sum = qg.apply_linear_term(psi) + qg.apply_quadratic_term(psi, psi);
  sum.colwise() += qg.constant_term();
  CHECK(std::sqrt(distributed_squared_distance(f, sum, comm) / allreduce_sum(comm, f.squaredNorm())) < 1e-12);
  // B is bilinear; L is linear.
  const Matrix v = psi.col(0), w = psi.col(1);
  const Matrix b1 = qg.apply_quadratic_term(2 * v + w, w), b2 = 2 * qg.apply_quadratic_term(v, w) + qg.apply_quadratic_term(w, w);
  CHECK(std::sqrt(distributed_squared_distance(b1, b2, comm) / allreduce_sum(comm, b1.squaredNorm())) < 1e-12);
  // At rest only the wind forcing acts: f(0) = (-Δ_h)⁻¹ Ro⁻¹ F, so -Δ_h f(0) = Ro⁻¹ sin(π(y - 1)).
  const Matrix w0 = qg.vorticity(qg.rhs(0.0, Matrix::Zero(qg.rows().local(), 1)));
  const int nx = qg.config().nx, ny = qg.config().ny;
  double worst = 0;
  for (Index r = 0; r < w0.rows(); ++r) {
    const double y = ((qg.rows().begin + r) / nx + 1) * 2.0 / (ny + 1);
    worst = std::max(worst, std::abs(w0(r, 0) - std::sin(std::numbers::pi * (y - 1)) / qg.config().ro));
  }
  CHECK(allreduce_max(comm, worst) < 1e-9 / qg.config().ro);
}

TEST_CASE("QG evaluates its vorticity tendency g at sample rows, f = (-Δ_h)⁻¹ g", "[models][qg][hyper][mpi]") {
  QgModel qg(PETSC_COMM_WORLD, small_config(15));
  const MPI_Comm comm = qg.rows().comm;
  const Matrix psi = 50 * random_field(qg, 7, 2);
  // f = M g with M = (−Δ_h)⁻¹, symmetric (hyper-reduction projects with MᵀV = MV).
  const Matrix g = qg.local_rhs(0.0, psi);
  const Matrix f = qg.rhs(0.0, psi);
  CHECK(std::sqrt(distributed_squared_distance(qg.poisson(g), f, comm) / allreduce_sum(comm, f.squaredNorm())) < 1e-12);
  const Matrix Ma = qg.rhs_operator_transpose(psi);
  const double ab = allreduce_sum(comm, Ma.col(0).dot(psi.col(1))), ba = allreduce_sum(comm, psi.col(0).dot(Ma.col(1)));
  CHECK(std::abs(ab - ba) <= 1e-12 * std::abs(ab));
  // Corners, edges, the middle and rows next to the boundary (nx = 15, ny = 31).
  const int nx = 15, ny = 31;
  const std::vector<long long> at{0, nx - 1, nx * (ny - 1), nx * ny - 1, 7 + nx * 15, 1 + nx, nx + 13, 3, nx * 30 + 4, 2 + nx * 9};
  // g is quadratic: central differences give its Jacobian to round-off.
  const auto stencil = test::check_sampled_rhs(qg, psi.col(0), at, 1e-9, true);
  CHECK(stencil.size() < 10 * 21);
}

TEST_CASE("short QG runs are deterministic, finite and equal on 1 and 2 ranks", "[models][qg][mpi]") {
  const QgConfig c = small_config();
  QgModel qg(PETSC_COMM_WORLD, c);
  const SnapshotSet a = qg.simulate(false);
  QgModel again(PETSC_COMM_WORLD, c);
  const SnapshotSet b = again.simulate(false);
  REQUIRE(a.count() == c.window_grid().snapshots());
  CHECK(a.X.allFinite());
  CHECK((a.X - b.X).norm() == 0.0);  // bit for bit
  CHECK(allreduce_sum(a.rows.comm, a.X.col(a.count() - 1).squaredNorm()) > 0);

  // The same run on one rank (every rank runs it alone) against the distributed one.
  QgModel serial(MPI_COMM_SELF, c);
  const SnapshotSet s = serial.simulate(false);
  const Matrix mine = s.X.middleRows(a.rows.begin, a.rows.local());
  const double diff = std::sqrt(distributed_squared_distance(mine, a.X, a.rows.comm));
  const double ref = std::sqrt(allreduce_sum(a.rows.comm, a.X.squaredNorm()));
  CHECK(diff <= 1e-12 * ref);
}
