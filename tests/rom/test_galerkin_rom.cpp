// tests for src/rom/galerkin_rom.cpp: the projected operator against the discrete
// eigenvalues, exactness on an invariant subspace, and the latent time integration against
// closed forms (Crank–Nicolson's amplification matrix, the matrix exponential); the quadratic
// POD-Galerkin operators against the projected QG right-hand side.
#include <petscsys.h>

#include <Eigen/Eigenvalues>
#include <Eigen/LU>
#include <algorithm>
#include <cmath>
#include <numbers>

#include "metarom/error.hpp"
#include "metarom/rom/galerkin_rom.hpp"
#include "metarom/models/heat.hpp"
#include "metarom/models/qg.hpp"
#include "metarom/reducers/metrics.hpp"
#include "metarom/reducers/pod.hpp"
#include "test_support.hpp"

using namespace metarom;

namespace {
HeatConfig heat_1d_three_modes() {
  HeatConfig c;
  c.dim = 1;
  c.nx = 200;
  c.modes = 3;  // sin(kπx), k = 1, 2, 3: eigenvectors of the discrete Laplacian
  c.time = TimeGrid{0.0, 0.05, 100, 5};
  return c;
}
}  // namespace

TEST_CASE("Galerkin ROM on an invariant subspace reproduces the full model", "[rom][galerkin][mpi]") {
  const HeatConfig c = heat_1d_three_modes();
  HeatModel heat(PETSC_COMM_WORLD, c);
  const SnapshotSet full = heat.simulate(false);
  Pod pod;
  auto pod_settings = pod.settings();
  pod_settings.latent_dim = 3;
  pod.set_settings(pod_settings);
  pod.fit(full);
  LinearGalerkinRom rom(heat, pod);

  // The eigenvalues of A_r are the discrete eigenvalues -4κ/h² sin²(kπh/2), k = 1, 2, 3.
  Eigen::SelfAdjointEigenSolver<Matrix> eig(0.5 * (rom.reduced_operator() + rom.reduced_operator().transpose()));
  const double h = 1.0 / (c.nx + 1), pi = std::numbers::pi;
  for (int k = 1; k <= 3; ++k) {
    const double lambda = -4 * c.kappa / (h * h) * std::pow(std::sin(k * pi * h / 2), 2);
    CHECK(eig.eigenvalues()(3 - k) == Approx(lambda).epsilon(1e-9));
  }
  CHECK(rom.affine_term().norm() < 1e-12);

  const LatentTrajectory traj = rom.solve(pod.encode(full.X.leftCols(1)).col(0), c.time);
  REQUIRE(traj.U.cols() == full.count());
  CHECK((traj.t - full.t).cwiseAbs().maxCoeff() < 1e-14);
  const Matrix decoded = pod.decode(traj.U);
  const double err = std::sqrt(distributed_squared_distance(decoded, full.X, full.rows.comm) /
                               allreduce_sum(full.rows.comm, full.X.squaredNorm()));
  // Limited only by the full model's linear-solver tolerance (1e-10 relative per step).
  CHECK(err < 1e-8);
}

TEST_CASE("latent Crank–Nicolson and RK4 match their closed forms", "[rom][galerkin][mpi]") {
  HeatConfig c = test::heat_config(24, TimeGrid{0.0, 0.04, 80, 10});
  HeatModel heat(PETSC_COMM_WORLD, c);
  const SnapshotSet full = heat.simulate(false);
  Pod pod;
  auto pod_settings = pod.settings();
  pod_settings.latent_dim = 4;
  pod.set_settings(pod_settings);
  pod.fit(full);
  LinearGalerkinRom rom(heat, pod);
  const Matrix& Ar = rom.reduced_operator();
  // A_r = Uᵀ A U for an orthonormal basis.
  const Matrix AU = heat.apply(pod.basis());
  Matrix UtAU = pod.basis().transpose() * AU;
  allreduce_sum(full.rows.comm, UtAU.data(), UtAU.size());
  CHECK((Ar - UtAU).cwiseAbs().maxCoeff() < 1e-9 * UtAU.cwiseAbs().maxCoeff());

  const Vector u0 = pod.encode(full.X.leftCols(1)).col(0);
  const double dt = c.time.dt();
  const Index r = Ar.rows();
  const Matrix I = Matrix::Identity(r, r);
  // Crank–Nicolson: u_{k+1} = (I - dt/2 A_r)⁻¹ (I + dt/2 A_r) u_k.
  const Matrix G = (I - 0.5 * dt * Ar).lu().solve(I + 0.5 * dt * Ar);
  Vector u = u0;
  const LatentTrajectory cn = rom.solve(u0, c.time);
  for (int k = 0; k < c.time.steps; ++k) u = G * u;
  CHECK((cn.U.rightCols(1) - u).norm() < 1e-12 * u.norm());

  // RK4 with fixed steps against exp(A_r T) u0: fourth-order accurate, error ~ (dt λ)⁴.
  const LatentTrajectory rk = [&] {
    const test::ScopedOptions rk4{{"-test_rk_ts_type", "rk"}, {"-test_rk_ts_rk_type", "4"}};
    return rom.solve(u0, c.time, "test_rk_");
  }();
  CHECK(rk.ts_type == "rk");
  Eigen::SelfAdjointEigenSolver<Matrix> eig(0.5 * (Ar + Ar.transpose()));
  const Vector ue = eig.eigenvectors() *
                    (eig.eigenvalues() * c.time.t_final).array().exp().matrix().asDiagonal() *
                    eig.eigenvectors().transpose() * u0;
  const double lam = eig.eigenvalues().cwiseAbs().maxCoeff();
  CHECK((rk.U.rightCols(1) - ue).norm() < 0.1 * std::pow(dt * lam, 4) * u0.norm());
  CHECK((rk.U.rightCols(1) - ue).norm() < (cn.U.rightCols(1) - ue).norm());
}

TEST_CASE("Galerkin ROM refuses a reducer on other rows", "[rom][galerkin]") {
  HeatConfig c;
  c.dim = 1;
  c.nx = 30;
  HeatModel heat(MPI_COMM_SELF, c);
  Pod pod;
  SnapshotSet s;
  s.rows = RowPartition::serial(31);
  s.X = Matrix::Random(31, 4);
  s.t = Vector::LinSpaced(4, 0, 1);
  auto pod_settings = pod.settings();
  pod_settings.latent_dim = 2;
  pod.set_settings(pod_settings);
  pod.fit(s);
  test::require_error([&] { LinearGalerkinRom(heat, pod); }, {"do not match", "31 in all", "30 in all"});
}

TEST_CASE("quadratic POD-Galerkin operators equal the projected QG right-hand side", "[rom][galerkin][qg][mpi]") {
  QgConfig c;
  c.nx = 15;
  c.ny = 31;
  c.spinup_time = 0.02;
  c.window = 0.01;
  c.stride = 10;
  QgModel qg(PETSC_COMM_WORLD, c);
  const SnapshotSet s = qg.simulate(false);
  for (bool centered : {false, true}) {
    INFO("centered " << centered);
    Pod pod;
    auto pod_settings = pod.settings();
    pod_settings.latent_dim = 4;
    pod_settings.center = centered;
    pod.set_settings(pod_settings);
    pod.fit(s);
    const QuadraticGalerkinRom rom(qg, pod);
    // For any u: g(u) = Uᵀ f(x̄ + U u) (U orthonormal), because f is exactly quadratic.
    Vector u(4);
    u << 0.3, -1.2, 0.7, 2.0;
    const Matrix x = pod.decode(u);
    Matrix projected = pod.basis().transpose() * qg.rhs(0.0, x);
    allreduce_sum(s.rows.comm, projected.data(), projected.size());
    const Vector g = rom.rhs(0.0, u);
    CHECK((g - projected.col(0)).norm() < 1e-9 * projected.norm());
    // The analytic Jacobian against finite differences.
    const Matrix J = rom.jacobian(0.0, u);
    const Matrix Jfd = rom.LatentDynamics::jacobian(0.0, u);
    CHECK((J - Jfd).norm() < 1e-6 * J.norm());
  }
}
