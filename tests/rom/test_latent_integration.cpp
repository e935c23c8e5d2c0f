// tests for src/rom/latent_integration.cpp: a latent ODE that blows up is reported, at the
// step and time it happened, as the typed LatentIntegrationError, not a crash; Rosenbrock-W and
// IMEX types step a stiff latent ODE implicitly.
#include <petscsys.h>

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>
#include <Eigen/QR>
#include <cmath>

#include "metarom/reducers/autoencoder.hpp"
#include "metarom/error.hpp"
#include "metarom/models/heat.hpp"
#include "metarom/rom/latent_integration.hpp"
#include "metarom/reducers/metrics.hpp"
#include "metarom/reducers/pod.hpp"
#include "metarom/models/qg.hpp"
#include "test_support.hpp"

using namespace metarom;

TEST_CASE("a latent ROM that fails is reported, not a crash", "[rom]") {
  // du/dt = u² blows up at t = 1 from u = 1.
  struct Blowup : LatentDynamics {
    int dim() const override { return 1; }
    Vector rhs(double, const Vector& u) const override { return u.array().square(); }
    std::string name() const override { return "blow-up"; }
  } g;
  const test::ScopedOptions beuler{{"-blow_ts_type", "beuler"}};
  test::require_error([&] { integrate_latent(g, Vector::Ones(1), TimeGrid{0.0, 2.0, 4, 1}, "blow_"); },
                      {"blow-up", "failed"});
  // Explicit RK4 (dt = 0.05) carries the blow-up past t = 1 into Inf and NaN without an
  // error of its own: the run stops at the first state that is not finite, saying when.
  test::require_error([&] { integrate_latent(g, Vector::Ones(1), TimeGrid{0.0, 2.0, 40, 1}, "rk_"); },
                      {"blow-up", "not finite at step", "the last finite one: step"});
  // Both are the typed failure a caller can tell from other errors.
  CHECK_THROWS_AS(integrate_latent(g, Vector::Ones(1), TimeGrid{0.0, 2.0, 40, 1}, "rk_"), LatentIntegrationError);
  CHECK_THROWS_AS(integrate_latent(g, Vector::Ones(1), TimeGrid{0.0, 2.0, 4, 1}, "blow_"), LatentIntegrationError);
  // The failure carries the states recorded before it: here classical RK4 with dt = 0.05,
  // whose iterates (computed independently: 1.9999976077358343 at step 10, 163.98... at
  // step 20, then 2.0e12 at step 21 before Inf) are finite up to step 22.
  try {
    integrate_latent(g, Vector::Ones(1), TimeGrid{0.0, 2.0, 40, 1}, "rk_");
    FAIL("the blow-up was not reported");
  } catch (const LatentIntegrationError& e) {
    const LatentTrajectory& p = e.partial();
    REQUIRE(p.U.cols() >= 21);
    REQUIRE(p.t.size() == p.U.cols());
    CHECK(p.U.allFinite());
    CHECK(p.t(0) == 0.0);
    CHECK(p.U(0, 0) == 1.0);
    CHECK(p.t(10) == Approx(0.5).epsilon(1e-14));
    CHECK(p.U(0, 10) == Approx(1.9999976077358343).epsilon(1e-12));  // round-off of 10 steps
    CHECK(p.U(0, 20) == Approx(163.98339544802744).epsilon(1e-12));
  }
}

TEST_CASE("Rosenbrock-W and IMEX types integrate a stiff latent ODE implicitly", "[rom]") {
  // du/dt = diag(−2000, −1) u, u(0) = (1, 1), 20 steps of 0.05 to t = 1 (λΔt = −100: any
  // explicit stage diverges). These types read an RHS function as the explicit part of an
  // IMEX split; the latent ODE is handed to them as F = u̇ − g, so they are linearly implicit
  // on all of it. Exact: (e^{−2000}, e^{−1}). Second-order L-stable methods at Δt = 0.05 miss
  // e^{−1} by C Δt² with C of order 1 (2.5e-3; 1e-2 bounds it) and damp the stiff mode to
  // round-off.
  struct Stiff : LatentDynamics {
    int dim() const override { return 2; }
    Vector rhs(double, const Vector& u) const override { return Vector{{-2000 * u(0), -u(1)}}; }
    Matrix jacobian(double, const Vector&) const override { return Vector{{-2000.0, -1.0}}.asDiagonal(); }
    std::string name() const override { return "stiff"; }
  } g;
  for (const char* type : {"rosw", "arkimex"}) {
    INFO(type);
    const test::ScopedOptions options{{"-stiff_ts_type", type}};
    const LatentTrajectory run = integrate_latent(g, Vector::Ones(2), TimeGrid{0.0, 1.0, 20, 20}, "stiff_", "cn");
    REQUIRE(run.U.cols() == 2);
    CHECK(run.ts_type == type);
    CHECK(std::abs(run.U(1, 1) - std::exp(-1.0)) < 1e-2);
    CHECK(std::abs(run.U(0, 1)) < 1e-8);
  }
}
