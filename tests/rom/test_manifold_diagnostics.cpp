// tests for src/rom/manifold_diagnostics.cpp: the decoder Jacobian's extreme singular values
// against an SVD of the known Jacobian, and the path's distances against the definitions
// evaluated by hand.
#include <petscsys.h>

#include <Eigen/SVD>
#include <algorithm>
#include <cmath>

#include "metarom/models/heat.hpp"
#include "metarom/reducers/autoencoder.hpp"
#include "metarom/reducers/pod.hpp"
#include "metarom/rom/latent_rom.hpp"
#include "metarom/rom/manifold_diagnostics.hpp"
#include "test_support.hpp"

using namespace metarom;

TEST_CASE("manifold diagnostics of POD: an orthonormal decoder, distances as defined", "[rom][mpi]") {
  const Index n = 40, N = 12;
  const SnapshotSet s = test::distribute(test::random_matrix(n, N, 3), PETSC_COMM_WORLD);
  Pod pod;
  pod.set_latent_dim(3);
  pod.fit(s);
  const Matrix U = pod.encode(s.X);  // r x N, replicated
  const Vector t = Vector::LinSpaced(N, 0.0, 1.0);
  // ρ and the latent scale from their definitions.
  const Vector mean = U.rowwise().mean();
  double rho2 = 0;
  Vector var = Vector::Zero(3);
  for (Index j = 0; j < N; ++j) {
    rho2 += (U.col(j) - mean).squaredNorm() / N;
    var += (U.col(j) - mean).cwiseAbs2() / N;
  }
  SECTION("on the encoded run itself") {
    const ManifoldDiagnostics d = manifold_diagnostics(pod, U, t, pod.encode(s.X));
    CHECK(d.rho == Approx(std::sqrt(rho2)).epsilon(1e-13));
    CHECK((d.latent_scale - var.cwiseSqrt()).norm() < 1e-13 * var.norm());
    // J = U_r, orthonormal columns: every singular value is 1 (to the modes' orthonormality).
    CHECK((d.sigma_min.array() - 1).abs().maxCoeff() < 1e-12);
    CHECK((d.sigma_max.array() - 1).abs().maxCoeff() < 1e-12);
    CHECK(d.max_cond() == Approx(1).epsilon(1e-12));
    CHECK(d.offset.maxCoeff() == 0.0);
    CHECK(d.reach.maxCoeff() == 0.0);
    CHECK(d.reencode.maxCoeff() < 1e-13);  // E(D(u)) = u for POD
    CHECK(std::isnan(d.first_time_beyond(0.0)));
  }
  SECTION("a path moved off the run by δ along the first coordinate") {
    const double delta = 0.3 * std::sqrt(rho2);
    Matrix moved = U;
    moved.row(0).array() += delta;
    const ManifoldDiagnostics d = manifold_diagnostics(pod, moved, t, pod.encode(s.X));
    CHECK((d.offset.array() - 0.3).abs().maxCoeff() < 1e-12);
    for (Index k = 0; k < N; ++k) {
      double nearest = INFINITY;
      for (Index j = 0; j < N; ++j) nearest = std::min(nearest, (moved.col(k) - U.col(j)).norm());
      CHECK(d.reach(k) == Approx(nearest / std::sqrt(rho2)).epsilon(1e-12));
    }
    CHECK(d.reencode.maxCoeff() < 1e-12);  // still on POD's (flat) manifold
    // Beyond a level below every reach, the first time is the first recorded one.
    CHECK(d.first_time_beyond(0.5 * d.reach.minCoeff()) == 0.0);
  }
}

TEST_CASE("decoder Jacobian extremes: the singular values of W₂W₁, and 0 where it loses rank", "[rom]") {
  // An identity-activation decoder φ(u) = W₂(W₁u + b₁) + b₂ has J = W₂W₁ at every u.
  Autoencoder ae;
  NeuralSettings s;
  s.latent_dim = 2;
  s.hidden = {3};
  s.pod_modes = 0;
  s.activation = Mlp::Activation::identity;
  ae.set_settings(s);
  ae.initialize(6);
  Mlp dec = ae.decoder();
  const Vector u = test::random_matrix(2, 1, 7).col(0);
  auto expected = [&](const Mlp& d) {
    return Eigen::JacobiSVD<Matrix>(d.weight(1) * d.weight(0)).singularValues();  // descending
  };
  const Vector sv = expected(dec);
  const auto [smin, smax] = decoder_jacobian_extremes(ae, u);
  CHECK(smax == Approx(sv(0)).epsilon(1e-12));
  CHECK(smin == Approx(sv(1)).epsilon(1e-10));
  // W₁'s second column zero: J has rank 1, σ_min = 0 up to round-off, the condition infinite
  // or of the order of 1/ε.
  dec.weight(0).col(1).setZero();
  Vector p(ae.encoder().parameters().size() + dec.parameters().size());
  p << ae.encoder().parameters(), dec.parameters();
  ae.set_parameters(p);
  const auto [zmin, zmax] = decoder_jacobian_extremes(ae, u);
  CHECK(zmax == Approx(expected(dec)(0)).epsilon(1e-12));
  CHECK(zmin < 1e-7 * zmax);  // √(round-off of JᵀJ's zero eigenvalue)
  CHECK(ManifoldDiagnostics::cond(zmin, zmax) > 1e7);
}

TEST_CASE("velocity consistency: with a basis that spans the run, f at the decoded and at the full state agree",
          "[rom][mpi]") {
  // POD with as many modes as snapshots reconstructs every snapshot (UUᵀx_k = x_k), so the
  // Galerkin field Uᵀf(UUᵀx_k) is Uᵀf(x_k), the projected field at the full state, to
  // round-off; both differ from the codes' finite-difference velocity only by the time
  // discretization (backward Euler's O(dt) against the exact ODE) and the difference stencil.
  HeatModel heat(PETSC_COMM_WORLD, test::heat_config(12, TimeGrid{0.0, 0.02, 40, 2}));
  const SnapshotSet s = heat.simulate(false);
  Pod pod;
  pod.set_latent_dim(static_cast<int>(s.count()));
  pod.fit(s);
  const auto g = galerkin_dynamics("galerkin", heat, pod);
  const VelocityConsistency v = velocity_consistency(pod, *g, heat, s, pod.encode(s.X));
  REQUIRE(v.rom_defect.size() == s.count());
  CHECK(v.velocity_rms > 0);
  CHECK((v.rom_defect - v.state_defect).cwiseAbs().maxCoeff() < 1e-8);
  // The run's velocities are matched to the discretization's accuracy: well under 10 %.
  CHECK(v.state_defect.maxCoeff() < 0.1);
}
