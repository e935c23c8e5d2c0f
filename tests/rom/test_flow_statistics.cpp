// tests for src/rom/flow_statistics.cpp (and QgModel::energy_enstrophy): series statistics
// of series with known means and variances; E and Z of a field whose discrete and continuous
// values are known in closed form; the ROM-against-full statistics of a scaled trajectory.
#include <petscsys.h>

#include <cmath>

#include "metarom/rom/flow_statistics.hpp"
#include "metarom/models/heat.hpp"
#include "metarom/models/qg.hpp"
#include "test_support.hpp"

using namespace metarom;

TEST_CASE("series statistics of series with known mean and variance", "[rom][statistics]") {
  // sin over whole periods: mean 0, population variance 1/2 exactly (Σ sin² = N/2).
  const int N = 40;
  Vector s(N), l(N);
  for (int k = 0; k < N; ++k) {
    s(k) = std::sin(2 * M_PI * k / N);
    l(k) = k;
  }
  const SeriesStatistics a = series_statistics(s), b = series_statistics(l);
  CHECK(std::abs(a.mean) < 1e-15);
  CHECK(a.std == Approx(std::sqrt(0.5)).epsilon(1e-14));
  // 0, 1, ..., N−1: mean (N−1)/2, variance (N² − 1)/12.
  CHECK(b.mean == Approx((N - 1) / 2.0).epsilon(1e-15));
  CHECK(b.std == Approx(std::sqrt((N * N - 1) / 12.0)).epsilon(1e-14));
  test::require_error([] { series_statistics(Vector()); }, {"empty"});
}

namespace {
// ψ = sin(πx) sin(πy/2) at the interior points of an nx x ny QG grid, this rank's rows.
Vector sine_field(const QgModel& qg) {
  const QgConfig& c = qg.config();
  const double hx = 1.0 / (c.nx + 1), hy = 2.0 / (c.ny + 1);
  const RowPartition& rows = qg.rows();
  Vector psi(rows.local());
  for (long long g = rows.begin; g < rows.end; ++g) {
    const long long i = g % c.nx + 1, j = g / c.nx + 1;
    psi(g - rows.begin) = std::sin(M_PI * i * hx) * std::sin(M_PI * j * hy / 2);
  }
  return psi;
}
}  // namespace

TEST_CASE("QG energy and enstrophy of a sine field: exact discrete values, second order", "[rom][statistics][qg][mpi]") {
  // ψ is an eigenvector of −Δ_h with λ_h = (4/h_x²) sin²(πh_x/2) + (4/h_y²) sin²(πh_y/4), and
  // Σψ² h_x h_y = 1/2 exactly (discrete orthogonality), so E_h = λ_h/4 and Z_h = λ_h²/4; they
  // converge at second order to the continuous E = 5π²/16 and Z = 25π⁴/64.
  double previous = 0;
  for (int level = 0; level < 3; ++level) {
    QgConfig c;
    c.nx = 16 * (1 << level) - 1;
    c.ny = 2 * (c.nx + 1) - 1;
    const QgModel qg(PETSC_COMM_WORLD, c);
    const double hx = 1.0 / (c.nx + 1), hy = 2.0 / (c.ny + 1);
    const double lh = 4 / (hx * hx) * std::pow(std::sin(M_PI * hx / 2), 2) + 4 / (hy * hy) * std::pow(std::sin(M_PI * hy / 4), 2);
    const Matrix EZ = qg.energy_enstrophy(sine_field(qg));
    CHECK(EZ(0, 0) == Approx(lh / 4).epsilon(1e-12));
    CHECK(EZ(1, 0) == Approx(lh * lh / 4).epsilon(1e-12));
    const double err = std::abs(EZ(0, 0) - 5 * M_PI * M_PI / 16);
    if (level > 0) CHECK(std::log2(previous / err) == Approx(2.0).margin(0.05));
    previous = err;
  }
}

TEST_CASE("flow statistics of a scaled trajectory and the valid time", "[rom][statistics][qg][mpi]") {
  QgConfig c;
  c.nx = 15;
  c.ny = 31;
  const QgModel qg(PETSC_COMM_WORLD, c);
  const RowPartition& rows = qg.rows();
  const Matrix full = test::random_matrix(rows.global, 12, 3).middleRows(rows.begin, rows.local()) +
                      sine_field(qg).replicate(1, 12);
  // x_rom = 1.1 x: the mean field is off by 10 %; E and Z are quadratic, so their means and
  // standard deviations are off by 1.1² − 1 = 21 %.
  const FlowStatistics s = flow_statistics(qg, 1.1 * full, full, 2, 10, rows.comm);
  CHECK(s.mean_field_rel_error == Approx(0.1).epsilon(1e-12));
  CHECK(s.energy_mean_rel_error == Approx(0.21).epsilon(1e-12));
  CHECK(s.energy_std_rel_error == Approx(0.21).epsilon(1e-12));
  CHECK(s.enstrophy_mean_rel_error == Approx(0.21).epsilon(1e-12));
  test::require_error([&] { flow_statistics(qg, full, full, 5, 20, rows.comm); }, {"window"});
  // A model without an energy: NaN for those, the mean field still scored.
  HeatConfig hc;
  hc.nx = hc.ny = 8;
  const HeatModel heat(PETSC_COMM_WORLD, hc);
  const Matrix h = test::random_matrix(heat.rows().global, 4, 5).middleRows(heat.rows().begin, heat.rows().local());
  const FlowStatistics hs = flow_statistics(heat, 0.5 * h, h, 0, 4, heat.rows().comm);
  CHECK(hs.mean_field_rel_error == Approx(0.5).epsilon(1e-12));
  CHECK(std::isnan(hs.energy_mean_rel_error));
  // Errors 0, 0.25, 0.5, 0.75, 1 at t = 10 … 14: 0.5 is not past the threshold, 0.75 is.
  const Vector t = Vector::LinSpaced(5, 10, 14);
  CHECK(valid_time({0, 0.25, 0.5, 0.75, 1}, t) == 13);
  CHECK(valid_time({0, 0.1, 0.2, 0.3, 0.4}, t) == 14);
  CHECK(valid_time({0, NAN, 0.2, 0.3, 0.4}, t) == 11);
}

TEST_CASE("perturbed initial state: exact relative size, the same state on any number of ranks",
          "[rom][statistics][mpi]") {
  const long long n = 1001;
  const RowPartition rows = RowPartition::split(PETSC_COMM_WORLD, n);
  const RowPartition serial = RowPartition::serial(n);
  const Matrix x = test::random_matrix(n, 1, 11);
  const Vector x0 = x.col(0).segment(rows.begin, rows.local());
  for (const double eps : {1e-6, 0.3}) {
    const Vector p = perturbed_initial_state(x0, rows, eps);
    // ‖p − x0‖ = ε‖x0‖ by construction, to round-off: p − x0 keeps only the last digits of
    // x0's entries, a relative error of about 1e-16/ε.
    const double d = std::sqrt(allreduce_sum(rows.comm, (p - x0).squaredNorm()));
    const double nx = std::sqrt(allreduce_sum(rows.comm, x0.squaredNorm()));
    CHECK(d / nx == Approx(eps).epsilon(1e-14 + 1e-15 / eps));
    // Every rank's rows equal the same rows of the state perturbed on one rank.
    const Vector whole = perturbed_initial_state(x.col(0), serial, eps);
    CHECK((p - whole.segment(rows.begin, rows.local())).cwiseAbs().maxCoeff() == 0.0);
  }
  // ε = 0 leaves the state; the noise is centred: the mean of its n entries (independent,
  // uniform) lies within 5 standard errors of 0.
  const Vector d = perturbed_initial_state(Vector::Zero(n), serial, 0.0);
  CHECK(d.cwiseAbs().maxCoeff() == 0.0);
  const Vector u = perturbed_initial_state(Vector::Ones(n), serial, 1.0) - Vector::Ones(n);
  CHECK(std::abs(u.mean()) < 5 * u.norm() / std::sqrt(double(n)) / std::sqrt(double(n)));
  test::require_error([&] { perturbed_initial_state(Vector::Zero(3), rows, 1e-6); }, {"local rows"});
  test::require_error([&] { perturbed_initial_state(x0, rows, -1); }, {">= 0"});
}
