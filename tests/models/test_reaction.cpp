// tests for src/models/reaction.cpp: with λ = 0 the time integration against the exact
// Crank–Nicolson solution of one Laplacian eigenmode; the assembled Jacobian against central
// differences of f; f and its Jacobian at sample rows against the full evaluation at those rows
// (any row, on any rank, from replicated stencil values); bad settings refused by name.
#include <petscsys.h>

#include <cmath>
#include <numbers>
#include <random>

#include "metarom/error.hpp"
#include "metarom/models/reaction.hpp"
#include "test_support.hpp"

using namespace metarom;
using metarom::test::require_error;

namespace {
// Names unique among the tests: they compile in unity batches.
ReactionConfig small_reaction(double lambda) { return test::reaction_config(13, 9, lambda, 0.7, TimeGrid{0.0, 0.05, 50, 10}); }

// A state with entries of either sign and size about 1 (local rows).
Vector wiggly_state(const ReactionModel& m, double scale) {
  Vector x(m.rows().local());
  for (Index r = 0; r < x.size(); ++r) x(r) = scale * std::sin(0.37 * static_cast<double>(m.rows().begin + r) + 0.2);
  return x;
}
}  // namespace

TEST_CASE("reaction with lambda = 0: Crank-Nicolson's exact solution of one eigenmode", "[models][reaction][mpi]") {
  // u0 = a sin(πx) sin(πy) is an eigenvector of the 5-point Laplacian: Δ_h u0 = −μ u0 with
  // μ = (4/hx²) sin²(π hx/2) + (4/hy²) sin²(π hy/2). CN multiplies it by
  // g = (1 − Δt κμ/2)/(1 + Δt κμ/2) a step, so the snapshot after k steps is g^k u0, up to the
  // linear solver's tolerance (1e-12 relative).
  ReactionConfig c = small_reaction(0.0);
  c.kappa = 0.8;
  ReactionModel model(PETSC_COMM_WORLD, c);
  const SnapshotSet s = model.simulate(false);
  REQUIRE(s.count() == 6);
  const double hx = 1.0 / (c.nx + 1), hy = 1.0 / (c.ny + 1);
  const double pi = std::numbers::pi;
  const double mu = 4 / (hx * hx) * std::pow(std::sin(pi * hx / 2), 2) + 4 / (hy * hy) * std::pow(std::sin(pi * hy / 2), 2);
  const double dt = c.time.dt(), g = (1 - dt * c.kappa * mu / 2) / (1 + dt * c.kappa * mu / 2);
  const Vector u0 = model.initial_state();
  for (Index k = 0; k < s.count(); ++k) {
    const Vector expected = std::pow(g, static_cast<double>(k * c.time.stride)) * u0;
    const double err = std::sqrt(allreduce_sum(s.rows.comm, (s.X.col(k) - expected).squaredNorm()));
    const double ref = std::sqrt(allreduce_sum(s.rows.comm, expected.squaredNorm()));
    CHECK(err <= 1e-10 * ref);
  }
}

TEST_CASE("reaction: the assembled Jacobian against central differences of f", "[models][reaction][mpi]") {
  ReactionModel model(PETSC_COMM_WORLD, small_reaction(5.0));
  const Vector x = wiggly_state(model, 0.8), v = wiggly_state(model, 1.0).reverse();
  const Matrix Jv = model.apply_jacobian(0.0, x, v);
  // f is smooth: the central difference's error is (ε²/6) f''' ~ 1e-10 at ε = 1e-5, far below
  // the round-off floor ~1e-16 |f| / ε ~ 1e-8 relative to f's size (|f| ~ 1e3 from the Laplacian).
  const double eps = 1e-5;
  const Matrix fd = (model.rhs(0.0, x + eps * v) - model.rhs(0.0, x - eps * v)) / (2 * eps);
  const double err = std::sqrt(allreduce_sum(model.rows().comm, (Jv - fd).squaredNorm()));
  const double ref = std::sqrt(allreduce_sum(model.rows().comm, Jv.squaredNorm()));
  CHECK(err <= 1e-7 * ref);
}

TEST_CASE("reaction: f and its Jacobian at sample rows equal the full evaluation there", "[models][reaction][mpi]") {
  ReactionModel model(PETSC_COMM_WORLD, small_reaction(6.0));
  const Vector x = wiggly_state(model, 0.9);
  // Corners, edges and the interior, out of order; the same on every rank. The same
  // arithmetic on the same values: equal to round-off of the terms (|f| ~ 1e3).
  test::check_sampled_rhs(model, x, {0, 12, 13 * 9 - 1, 13 * 8, 5, 13 * 4 + 6, 13 * 3, 13 * 5 + 12, 40}, 1e-12);
  require_error([&] { model.sampled_rhs({13 * 9}); }, {"reaction", "sample row 117", "117 rows"});
}

TEST_CASE("reaction: bad settings are refused by name", "[models][reaction]") {
  ReactionConfig c = small_reaction(1.0);
  c.kappa = 0;
  require_error([&] { ReactionModel(PETSC_COMM_SELF, c); }, {"-reaction_kappa"});
  c = small_reaction(1.0);
  c.nx = 2;
  require_error([&] { ReactionModel(PETSC_COMM_SELF, c); }, {"at least 3 interior points"});
  const Attributes a = small_reaction(2.5).to_attributes();
  CHECK(ReactionConfig::from_attributes(a, "test").lambda == 2.5);
  CHECK(can_rebuild_model(a));
}
