// tests for src/rom/learned_dynamics.cpp: operator inference recovers a known quadratic
// system; with POD and re-projected velocities it recovers the intrusive POD-Galerkin
// operators (Peherstorfer 2020); the exact Jacobian and the fourth-order finite-difference
// velocities against independent derivatives; model files round-trip the operators.
#include <petscsys.h>

#include <fmt/format.h>

#include <cmath>

#include "metarom/io/hdf5_file.hpp"
#include "metarom/io/trajectory_set.hpp"
#include "metarom/models/heat.hpp"
#include "metarom/rom/latent_rom.hpp"
#include "metarom/rom/learned_dynamics.hpp"
#include "metarom/reducers/pod.hpp"
#include "metarom/models/qg.hpp"
#include "metarom/rom/model_file.hpp"
#include "metarom/rom/reduced_model.hpp"
#include "metarom/reducers/reducer.hpp"
#include "test_support.hpp"

using namespace metarom;

namespace {

// A stable random quadratic system: A = −2I + 0.3·N(0, 1), small c and H.
LearnedDynamics random_system(Index r, unsigned seed) {
  const Matrix A = -2 * Matrix::Identity(r, r) + test::random_matrix(r, r, seed, 0.3);
  return LearnedDynamics(test::random_matrix(r, 1, seed + 1, 0.5).col(0), A,
                         test::random_matrix(r, compact_quadratic_size(r), seed + 2, 0.2));
}

// The compact operator H of T_r (T(u, v) = T (v ⊗ u), galerkin's r x r² layout).
Matrix compact_of_tensor(const Matrix& T, Index r) {
  Matrix H(r, compact_quadratic_size(r));
  Index k = 0;
  for (Index i = 0; i < r; ++i)
    for (Index j = i; j < r; ++j) H.col(k++) = i == j ? Matrix(T.col(i + r * i)) : Matrix(T.col(i + r * j) + T.col(j + r * i));
  return H;
}

}  // namespace

TEST_CASE("operator inference recovers a known quadratic system from its trajectories", "[rom][learned]") {
  const Index r = 4;
  const LearnedDynamics truth = random_system(r, 11);
  // Five trajectories from random initial states, 20 samples each, exact velocities.
  Vector t(20);
  for (Index k = 0; k < t.size(); ++k) t(k) = 0.05 * static_cast<double>(k);
  Matrix U(r, 100), V(r, 100);
  for (int traj = 0; traj < 5; ++traj) {
    const Matrix Ut = integrate_rk4(truth, test::random_matrix(r, 1, 100 + traj).col(0), t, 1e6);
    REQUIRE(Ut.allFinite());
    for (Index k = 0; k < t.size(); ++k) {
      U.col(20 * traj + k) = Ut.col(k);
      V.col(20 * traj + k) = truth.rhs(0, Ut.col(k));
    }
  }
  const LearnedDynamics fit = regress_dynamics(U, V, 0.0, 0.0);
  // Consistent data with a full-rank regression matrix: recovery to round-off, bounded by
  // the conditioning of D (about 1e4 here), so 1e-8 relative.
  CHECK((fit.constant() - truth.constant()).norm() <= 1e-8 * truth.constant().norm());
  CHECK((fit.linear() - truth.linear()).norm() <= 1e-8 * truth.linear().norm());
  CHECK((fit.quadratic() - truth.quadratic()).norm() <= 1e-8 * truth.quadratic().norm());
  CHECK(fit.report().residual < 1e-10);
}

TEST_CASE("automatic regularization keeps a consistent fit and reports its held-out error", "[rom][learned]") {
  const Index r = 3;
  const LearnedDynamics truth = random_system(r, 21);
  Vector t(60);
  for (Index k = 0; k < t.size(); ++k) t(k) = 0.02 * static_cast<double>(k);
  const Matrix U = integrate_rk4(truth, Vector::Constant(r, 1.5), t, 1e6);
  Matrix V(r, U.cols());
  for (Index k = 0; k < U.cols(); ++k) V.col(k) = truth.rhs(0, U.col(k));
  OperatorInference oi;
  const LearnedDynamics fit = oi.fit(U, V, t);
  CHECK(fit.report().automatic);
  CHECK(fit.report().candidates == 8 * 9);
  // The learned model integrated over the held-out fifth of the span: consistent data leave
  // only the regularization's bias, far below the trajectory's size.
  CHECK(fit.report().holdout_error < 1e-3);
  CHECK(fit.report().sample_dt == Approx(0.02));
  // Given λ are used as given.
  oi.lambda_linear = 1e-6;
  oi.lambda_quadratic = 1e-4;
  const LearnedDynamics fixed = oi.fit(U, V, t);
  CHECK_FALSE(fixed.report().automatic);
  CHECK(fixed.report().lambda_quadratic == 1e-4);
}

TEST_CASE("automatic regularization over several trajectories integrates each from its own start",
          "[rom][learned][parametric]") {
  const Index r = 3;
  const LearnedDynamics truth = random_system(r, 21);
  // Three trajectories of 40 samples, each from its own initial state and with its own times.
  Matrix U(r, 120), V(r, 120);
  Vector t(120);
  for (int j = 0; j < 3; ++j) {
    Vector tj(40);
    for (Index k = 0; k < 40; ++k) tj(k) = 0.5 * j + 0.02 * static_cast<double>(k);
    const Matrix Uj = integrate_rk4(truth, Vector::Constant(r, 1.0 + 0.25 * j), tj, 1e6);
    REQUIRE(Uj.allFinite());
    U.middleCols(40 * j, 40) = Uj;
    t.segment(40 * j, 40) = tj;
    for (Index k = 0; k < 40; ++k) V.col(40 * j + k) = truth.rhs(0, Uj.col(k));
  }
  OperatorInference oi;
  const LearnedDynamics fit = oi.fit(U, V, t, nullptr, {0, 40, 80});
  // Consistent data: each trajectory's held-out fifth is predicted up to the regularization's
  // bias, as for one trajectory above.
  CHECK(fit.report().automatic);
  CHECK(fit.report().holdout_error < 1e-3);
  CHECK(fit.report().sample_dt == Approx(0.02));
  // The operators are the system's (consistent data from three starting points: identifiable).
  CHECK((fit.linear() - truth.linear()).norm() < 1e-3 * truth.linear().norm());
  // Taken as one trajectory, the times jump back at each seam and the held-out samples are
  // trajectory 3's end reached from trajectory 1's start: the same data score far worse.
  const LearnedDynamics seamless = oi.fit(U, V, Vector::LinSpaced(120, 0.0, 119 * 0.02));
  CHECK(seamless.report().holdout_error > 100 * fit.report().holdout_error);
  // Starts that do not increase within the samples are refused.
  test::require_error([&] { oi.fit(U, V, t, nullptr, {0, 80, 40}); }, {"trajectory starts must increase"});
}

TEST_CASE("the learned dynamics' Jacobian is exact", "[rom][learned]") {
  const LearnedDynamics g = random_system(5, 31);
  const Vector u = test::random_matrix(5, 1, 32).col(0);
  const Matrix J = g.jacobian(0, u);
  const Matrix Jfd = g.LatentDynamics::jacobian(0, u);  // central differences, O(h²) ≈ 1e-12
  CHECK((J - Jfd).norm() < 1e-7 * J.norm());
  // compact_quadratic against its definition.
  const Vector q = compact_quadratic(u);
  REQUIRE(q.size() == 15);
  CHECK(q(0) == u(0) * u(0));
  CHECK(q(1) == u(0) * u(1));
  CHECK(q(5) == u(1) * u(1));
  CHECK(q(14) == u(4) * u(4));
}

TEST_CASE("finite-difference velocities are fourth order, also on uneven samples", "[rom][learned]") {
  // u(t) = (sin 3t, e^{−t}); errors for spacings h and h/2: ratio ≈ 16.
  auto error = [](double h, bool uneven) {
    const Index K = 41;
    Vector t(K);
    for (Index k = 0; k < K; ++k) t(k) = h * (static_cast<double>(k) + (uneven && k % 2 ? 0.3 : 0.0));
    Matrix U(2, K), exact(2, K);
    for (Index k = 0; k < K; ++k) {
      U.col(k) << std::sin(3 * t(k)), std::exp(-t(k));
      exact.col(k) << 3 * std::cos(3 * t(k)), -std::exp(-t(k));
    }
    return (finite_difference_velocities(U, t) - exact).cwiseAbs().maxCoeff();
  };
  for (bool uneven : {false, true}) {
    INFO("uneven " << uneven);
    const double e1 = error(0.02, uneven), e2 = error(0.01, uneven);
    CHECK(std::log2(e1 / e2) > 3.7);
    CHECK(e1 < 1e-4);
  }
  test::require_error([] { finite_difference_velocities(Matrix::Zero(1, 4), Vector::LinSpaced(4, 0, 1)); },
                      {"at least 5"});
}

TEST_CASE("POD with re-projected velocities recovers the intrusive Galerkin operators", "[rom][learned][qg][mpi]") {
  QgConfig c;
  c.nx = 15;
  c.ny = 31;
  c.spinup_time = 0.02;
  c.window = 0.02;
  c.stride = 10;
  QgModel qg(PETSC_COMM_WORLD, c);
  const SnapshotSet s = qg.simulate(false);
  for (bool centered : {false, true}) {
    INFO("centered " << centered);
    const Index r = 4;
    Pod pod;
    auto pod_settings = pod.settings();
    pod_settings.latent_dim = static_cast<int>(r);
    pod_settings.center = centered;
    pod.set_settings(pod_settings);
    pod.fit(s);
    const QuadraticGalerkinRom galerkin(qg, pod);
    // Full-rank data: states on the POD subspace at 40 seeded latent points spread over the
    // range of the encoded snapshots (D then has full column rank p = 15).
    const Matrix Us = pod.encode(s.X);
    const double range = Us.cwiseAbs().maxCoeff();
    SnapshotSet train = s;
    train.X = pod.decode(test::random_matrix(r, 40, 41, range / 2));
    train.t = Vector::LinSpaced(40, 0, 1);
    OperatorInference oi;
    oi.velocity = "reprojected";
    oi.lambda_linear = oi.lambda_quadratic = 0;
    const LearnedDynamics learned = fit_learned_dynamics(pod, train, &qg, Matrix(), oi);
    CHECK(learned.report().velocities == "reprojected");
    // Both are the same quadratic polynomial; the regression adds round-off amplified by
    // the conditioning of D (≈1e3 here): 1e-8 relative.
    const double scale = galerkin.linear().norm();
    CHECK((learned.constant() - galerkin.constant()).norm() <= 1e-8 * (scale * range + galerkin.constant().norm()));
    CHECK((learned.linear() - galerkin.linear()).norm() <= 1e-8 * scale);
    const Matrix H = compact_of_tensor(galerkin.tensor(), r);
    CHECK((learned.quadratic() - H).norm() <= 1e-8 * (H.norm() + scale / range));
  }
}

TEST_CASE("learned dynamics and closures round-trip through a model file", "[rom][learned][closure][io][mpi]") {
  test::ScratchDir dir;
  HeatConfig c = test::heat_config(12, TimeGrid{0.0, 0.02, 40, 2});
  HeatModel heat(PETSC_COMM_WORLD, c);
  const SnapshotSet s = heat.simulate(false);
  Pod pod;
  auto pod_settings = pod.settings();
  pod_settings.latent_dim = 3;
  pod.set_settings(pod_settings);
  pod.fit(s);
  OperatorInference oi;
  LearnedDynamics d = fit_learned_dynamics(pod, s, &heat, Matrix(), oi);
  CHECK(d.report().velocities == "exact");
  const std::string path = dir.path("model.h5");
  save_model(path, pod, s, "heat.h5", 0.1, &d);
  const ModelFile m = load_model(path, PETSC_COMM_WORLD, [&](const ModelFile&) { return s.rows; });
  REQUIRE(m.dynamics);
  CHECK(m.dynamics->constant() == d.constant());
  CHECK(m.dynamics->linear() == d.linear());
  CHECK(m.dynamics->quadratic() == d.quadratic());
  CHECK(m.dynamics->report().lambda_linear == d.report().lambda_linear);
  CHECK(m.dynamics->report().velocities == "exact");
  // A model without dynamics has none, and the learned ROM refuses it by name.
  save_model(dir.path("plain.h5"), pod, s, "heat.h5", 0.1);
  const ModelFile plain = load_model(dir.path("plain.h5"), PETSC_COMM_WORLD, [&](const ModelFile&) { return s.rows; });
  CHECK_FALSE(plain.dynamics);
  test::require_error([&] { LatentRom("learned", heat, *plain.reducer, plain.dynamics); }, {"-latent_dynamics learned"});
  // Heat is linear: exact velocities Uᵀ A x_k; the learned ROM tracks the full run as
  // closely as POD-Galerkin does (both are limited by the same projection error, ≈1e-3 at r = 3).
  const LatentRom learned_rom("learned", heat, pod, m.dynamics), galerkin("galerkin", heat, pod);
  const Vector u0 = pod.encode(s.X.leftCols(1)).col(0);
  const LatentTrajectory a = learned_rom.solve(u0, heat.time_grid()), b = galerkin.solve(u0, heat.time_grid());
  REQUIRE(a.U.cols() == s.count());
  const Matrix Ufull = pod.encode(s.X);
  CHECK((a.U - Ufull).norm() <= 2 * (b.U - Ufull).norm() + 1e-12 * Ufull.norm());
  // A closure of POD-Galerkin, saved: its model file names the ROM it corrects.
  const auto base = galerkin_dynamics("galerkin", heat, pod);
  const LearnedDynamics dc = fit_learned_dynamics(pod, s, &heat, Matrix(), oi, base.get(), "galerkin");
  save_model(dir.path("closure.h5"), pod, s, "heat.h5", 0.1, &dc);
  const ModelFile mc = load_model(dir.path("closure.h5"), PETSC_COMM_WORLD, [&](const ModelFile&) { return s.rows; });
  REQUIRE(mc.dynamics);
  CHECK(mc.dynamics->report().closure_of == "galerkin");
  CHECK(mc.dynamics->report().selection == "trajectory");  // heat is not chaotic
  // The ROM of the saved closure is Galerkin + closure: the same trajectory as integrating
  // ClosedDynamics directly, and no farther from the data than twice POD-Galerkin's.
  const LatentRom closed_rom("learned", heat, pod, mc.dynamics);
  const LatentTrajectory ac = closed_rom.solve(u0, heat.time_grid());
  const LatentTrajectory direct =
      integrate_latent(ClosedDynamics(base, mc.dynamics), u0, heat.time_grid(), "rom_", heat.implicit_ts_type());
  CHECK((ac.U - direct.U).norm() <= 1e-12 * direct.U.norm());
  CHECK((ac.U - Ufull).norm() <= 2 * (b.U - Ufull).norm() + 1e-12 * Ufull.norm());
}

TEST_CASE("a closure of POD-Galerkin learns nothing where Galerkin is exact, and corrects what it misses",
          "[rom][learned][closure][qg][mpi]") {
  QgConfig c;
  c.nx = 15;
  c.ny = 31;
  c.spinup_time = 0.02;
  c.window = 0.02;
  c.stride = 10;
  QgModel qg(PETSC_COMM_WORLD, c);
  const SnapshotSet s = qg.simulate(false);
  const Index r = 4;
  Pod pod;
  auto pod_settings = pod.settings();
  pod_settings.latent_dim = static_cast<int>(r);
  pod_settings.center = true;
  pod.set_settings(pod_settings);
  pod.fit(s);
  const auto galerkin = galerkin_dynamics("galerkin", qg, pod);
  // Re-projected velocities are Galerkin's own right-hand side: the closure's target
  // u̇_k − g_G(u_k) is zero, so its operators vanish to round-off at any λ.
  OperatorInference oi;
  oi.velocity = "reprojected";
  oi.lambda_linear = oi.lambda_quadratic = 1e-8;
  const LearnedDynamics zero = fit_learned_dynamics(pod, s, &qg, Matrix(), oi, galerkin.get(), "galerkin");
  CHECK(zero.report().closure_of == "galerkin");
  const double scale = std::static_pointer_cast<const QuadraticGalerkinRom>(galerkin)->linear().norm();
  CHECK(zero.linear().norm() <= 1e-9 * scale);
  CHECK(zero.constant().norm() <= 1e-9 * scale * pod.encode(s.X).cwiseAbs().maxCoeff());
  // Exact velocities Φᵀf(x_k): with λ = 0 the closed model's right-hand side matches them
  // at the samples as closely as the quadratic ansatz allows, at least as closely as
  // Galerkin alone; and ClosedDynamics is Galerkin plus the learned terms.
  oi.velocity = "exact";
  oi.lambda_linear = oi.lambda_quadratic = 0;
  const auto closure = std::make_shared<const LearnedDynamics>(
      fit_learned_dynamics(pod, s, &qg, Matrix(), oi, galerkin.get(), "galerkin"));
  const ClosedDynamics closed(galerkin, closure);
  const Matrix U = pod.encode(s.X);
  Matrix F(s.X.rows(), s.count());
  for (Index k = 0; k < s.count(); ++k) F.col(k) = qg.rhs(s.t(k), s.X.col(k));
  const Matrix V = latent_velocities(pod, U, F);
  double e_closed = 0, e_galerkin = 0;
  const Vector& c0 = closure->constant();
  const Matrix& A0 = closure->linear();
  const Matrix& H0 = closure->quadratic();
  for (Index k = 0; k < s.count(); ++k) {
    const Vector u = U.col(k);
    // The closed right-hand side formed independently: the projected full model at the decoded
    // state, Φᵀf(x̄ + Φu) (POD-Galerkin of a quadratic model, without its tensors), plus
    // c + Au + Σ_{i≤j} h_ij u_i u_j summed here term by term.
    Vector expected = latent_velocities(pod, u, qg.rhs(0, pod.decode(u).col(0))).col(0) + c0 + A0 * u;
    Index m = 0;
    for (Index i = 0; i < r; ++i)
      for (Index j = i; j < r; ++j, ++m) expected += H0.col(m) * u(i) * u(j);
    CHECK((closed.rhs(0, u) - expected).norm() <= 1e-10 * V.col(k).norm());
    e_closed += (closed.rhs(0, u) - V.col(k)).squaredNorm();
    e_galerkin += (galerkin->rhs(0, u) - V.col(k)).squaredNorm();
  }
  INFO("velocity misfit: Galerkin " << std::sqrt(e_galerkin) << ", closed " << std::sqrt(e_closed));
  CHECK(e_closed <= e_galerkin * (1 + 1e-12));
  // Its Jacobian is the sum's: against central differences of the right-hand side.
  const Vector u = U.col(1);
  const Matrix J = closed.jacobian(0, u);
  const double h = 1e-6 * (1 + u.norm());
  for (Index j = 0; j < r; ++j) {
    Vector e = Vector::Zero(r);
    e(j) = h;
    const Vector fd = (closed.rhs(0, u + e) - closed.rhs(0, u - e)) / (2 * h);
    CHECK((J.col(j) - fd).norm() <= 1e-6 * (1 + J.norm()));
  }
}

TEST_CASE("learned dynamics fit across the runs of a parametric set where the parameters enter the initial state only",
          "[rom][learned][parametric][mpi]") {
  HeatConfig c = test::heat_config(12, TimeGrid{0.0, 0.02, 200, 1});
  auto sweep = [&](const std::string& name, std::initializer_list<double> values) {
    std::vector<SnapshotSet> runs;
    for (const double v : values)
      runs.push_back(create_model(PETSC_COMM_WORLD, with_parameters(c.to_attributes(), {name}, Vector::Constant(1, v), "t"),
                                  "test")
                         ->simulate(false));
    return merge_trajectories(runs, {});
  };
  // The initial amplitudes' decay p (heat_ic_decay) changes x(0) only: one linear operator
  // governs every run, and the runs stay in the same invariant 9-mode span (POD r = 9), where
  // u̇ = UᵀAU u holds exactly. So with exact velocities and no regularization the 603 samples
  // of the three runs are fitted to round-off (55 unknowns per row, consistent data).
  const SnapshotSet s = sweep("heat_ic_decay", {1.0, 2.0, 3.0});
  REQUIRE(s.trajectory_count() == 3);
  HeatModel heat(PETSC_COMM_WORLD, c);
  Pod pod;
  pod.set_latent_dim(9);
  pod.fit(s);
  OperatorInference oi;
  oi.lambda_linear = oi.lambda_quadratic = 0;
  oi.velocity = "exact";
  const LearnedDynamics d = fit_learned_dynamics(pod, s, &heat, Matrix(), oi);
  CHECK(d.report().samples == 603);
  CHECK(d.report().residual < 1e-8);
  // Finite differences along each run (the times restart at each seam; differencing across
  // one would be refused): fourth order at λ_max Δt ≈ 0.02 leaves about 1e-6 relative.
  oi.velocity = "fd";
  // Without the full model nothing can check where the parameters enter: refused unless the
  // user says they enter the initial state only.
  test::require_error([&] { fit_learned_dynamics(pod, s, nullptr, Matrix(), oi); },
                      {"3 runs at different heat_ic_decay", "-latent_dynamics_parametric shared",
                       "-latent_dynamics_parametric interpolated"});
  oi.assume_shared = true;
  const LearnedDynamics f = fit_learned_dynamics(pod, s, nullptr, Matrix(), oi);
  CHECK(f.report().velocities == "finite-difference");
  CHECK(f.report().residual < 1e-4);
  CHECK(f.report().parametric == "one operator set shared by 3 runs: as asked (-latent_dynamics_parametric)");
  // κ changes the right-hand side: one shared operator set cannot fit the runs, and the fit
  // says so when it is asked for one.
  const SnapshotSet k = sweep("heat_kappa", {0.5, 2.0});
  Pod pk;
  pk.set_latent_dim(9);
  pk.fit(k);
  oi.velocity = "exact";
  test::require_error([&] { fit_learned_dynamics(pk, k, &heat, Matrix(), oi); },
                      {"heat_kappa", "change the right-hand side", "trajectory 1", "parametric interpolated"});
  oi.assume_shared = false;
  oi.parametric = "auto";
  const LearnedDynamics shared = fit_learned_dynamics(pod, s, &heat, Matrix(), oi);
  CHECK_FALSE(shared.parametric());
  CHECK(shared.report().parametric == "one operator set shared by 3 runs: the parameters enter the initial state only");
  // Interpolated operators need several runs with named parameters, and are not closures.
  oi.parametric = "interpolated";
  const SnapshotSet one = select_trajectory(s, 0);
  test::require_error([&] { fit_learned_dynamics(pod, one, &heat, Matrix(), oi); }, {"needs a training set of several runs"});
}

TEST_CASE("learned operators interpolated in kappa predict a kappa they were never fitted at",
          "[rom][learned][parametric][mpi]") {
  test::ScratchDir dir;
  HeatConfig c = test::heat_config(12, TimeGrid{0.0, 0.02, 200, 2});
  std::vector<SnapshotSet> runs;
  for (const double kappa : {0.5, 1.0, 2.0})
    runs.push_back(create_model(PETSC_COMM_WORLD,
                                with_parameters(c.to_attributes(), {"heat_kappa"}, Vector::Constant(1, kappa), "t"), "test")
                       ->simulate(false));
  const SnapshotSet s = merge_trajectories(runs, {});
  HeatModel heat(PETSC_COMM_WORLD, c);
  Pod pod;
  pod.set_latent_dim(9);
  pod.fit(s);
  OperatorInference oi;  // λ chosen on the runs' held-out ends, exact velocities
  const LearnedDynamics d = fit_learned_dynamics(pod, s, &heat, Matrix(), oi);
  // κ scales f = κ L x: auto gives each run its own operators, interpolated in κ.
  REQUIRE(d.parametric());
  CHECK(d.parameter_names() == std::vector<std::string>{"heat_kappa"});
  CHECK(d.runs().size() == 3);
  CHECK(d.report().parametric ==
        "one operator set per run, interpolated in heat_kappa: the parameters change the right-hand side");
  test::require_error([&] { d.rhs(0, Vector::Zero(9)); }, {"depend on heat_kappa", "resolve them"});
  // Saved and read back: the same runs, points and interpolated operators.
  const std::string path = dir.path("pod_kappa_learned.h5");
  save_model(path, pod, s, "sweep.h5", 0.1, &d);
  const ModelFile m = load_model(path, pod.rows());
  REQUIRE(m.dynamics);
  REQUIRE(m.dynamics->parametric());
  CHECK(m.dynamics->parameter_points() == d.parameter_points());
  const Vector kappa = Vector::Constant(1, 1.2);
  CHECK(m.dynamics->at(kappa).linear() == d.at(kappa).linear());
  CHECK(m.dynamics->report().parametric == d.report().parametric);
  // The runs stay in the invariant span of 3 x 3 sine modes, where u̇ = κ Ã u: each run's fit
  // is A_j ≈ κ_j Ã, and interpolation is exact for operators affine in κ. So at κ = 1.2 the
  // learned ROM follows the full run up to the fits' regularization bias and the latent
  // integration; 1e-3 is the bound for learned operators interpolated in κ.
  for (const double k : {1.2, 0.7}) {
    const std::string value = fmt::format("{}", k);
    const test::ScopedOptions held_out{{"-heat_kappa", value.c_str()}};
    ReducedModel model = load_reduced_model(path, PETSC_COMM_WORLD);
    const LatentRom rom = model.rom(RomKind::learned);
    const RomRun run = model.run(rom);
    const SnapshotSet full = model.full_model().simulate(false);
    const RomErrors e = model.errors(run, full);
    INFO("kappa = " << k << ": relative error " << e.rel_error);
    CHECK(e.rel_error < 1e-3);
  }
  // Affine in κ itself: f = κ L x makes u̇ = κ Ã u exact in this basis, so one operator set
  // fitted to all three runs jointly predicts even κ = 3, outside the trained [0.5, 2], to the
  // fit's regularization bias (1e-3 again the bound; the interpolated operators' error at
  // κ = 2.5 was 6e-4 on the 128² grid).
  oi.parametric = "affine";
  oi.affine = "heat_kappa";
  const LearnedDynamics a = fit_learned_dynamics(pod, s, &heat, Matrix(), oi);
  REQUIRE(a.parametric());
  CHECK(a.affine_terms() == std::vector<std::string>{"heat_kappa"});
  CHECK(a.runs().size() == 1);
  CHECK(a.report().parametric == "affine in (heat_kappa) over 3 runs: as asked (-latent_dynamics_parametric)");
  const std::string apath = dir.path("pod_kappa_affine.h5");
  save_model(apath, pod, s, "sweep.h5", 0.1, &a);
  CHECK(load_model(apath, pod.rows()).dynamics->at(kappa).linear() == a.at(kappa).linear());
  for (const char* k : {"1.2", "3"}) {
    const test::ScopedOptions held_out{{"-heat_kappa", k}};
    ReducedModel model = load_reduced_model(apath, PETSC_COMM_WORLD);
    const RomRun run = model.run(model.rom(RomKind::learned));
    const RomErrors e = model.errors(run, model.full_model().simulate(false));
    INFO("affine, kappa = " << k << ": relative error " << e.rel_error);
    CHECK(e.rel_error < 1e-3);
  }
  // Terms whose values over the runs are linearly dependent (1 and κ⁰, one function spelt
  // twice) leave their operators undetermined, and are refused.
  oi.affine = "1,heat_kappa^0";
  test::require_error([&] { fit_learned_dynamics(pod, s, &heat, Matrix(), oi); }, {"linearly dependent", "3 runs"});
}
