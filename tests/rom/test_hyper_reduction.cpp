// tests for src/rom/hyper_reduction.cpp: on a right-hand side inside span(W) the
// hyper-reduced Galerkin ROM equals the Galerkin ROM (interpolation is exact there); on the
// exponential reaction term it holds the Galerkin ROM's accuracy along a whole run; the same
// rows and results on any number of ranks; bad settings refused by option name.
#include <petscsys.h>

#include <cmath>

#include "metarom/error.hpp"
#include "metarom/models/heat.hpp"
#include "metarom/models/qg.hpp"
#include "metarom/models/reaction.hpp"
#include "metarom/reducers/pod.hpp"
#include "metarom/rom/galerkin_rom.hpp"
#include "metarom/rom/hyper_reduction.hpp"
#include "metarom/rom/manifold_rom.hpp"
#include "metarom/rom/model_file.hpp"
#include "metarom/rom/reduced_model.hpp"
#include "test_support.hpp"

using namespace metarom;
using metarom::test::fitted_pod;
using metarom::test::require_error;
using metarom::test::ScratchDir;

namespace {
// Names unique among the tests: they compile in unity batches.
ReactionConfig hr_grid(double lambda) { return test::reaction_config(24, 20, lambda, 0.5, TimeGrid{0.0, 0.1, 100, 2}); }

double hr_relative_error(const Matrix& A, const Matrix& B, MPI_Comm comm) {
  return std::sqrt(allreduce_sum(comm, (A - B).squaredNorm()) / allreduce_sum(comm, B.squaredNorm()));
}

}  // namespace

TEST_CASE("hyper-reduced Galerkin equals Galerkin where f lies in span(W)", "[rom][hyper][mpi]") {
  // λ = 0: f(Vy) = κΔ_h V y lies in span(κΔ_h V), r-dimensional; W from those r columns
  // interpolates it exactly at r DEIM rows, so E f_P(V_S y) = Vᵀ f(V y) up to round-off.
  ReactionModel model(PETSC_COMM_WORLD, hr_grid(0.0));
  const SnapshotSet s = model.simulate(false);
  const int r = 5;
  const Pod pod = fitted_pod(s, r);
  const Matrix V = pod.decoder_jacobian(Vector::Zero(r));
  for (const char* method : {"deim", "qdeim"}) {
    HyperReductionSettings hs;
    hs.method = method;
    hs.modes = r;
    const HyperReduction hr = HyperReduction::fit(model.rhs(0.0, V), model.rows(), hs);
    CHECK(hr.points.count() == r);
    const HyperReducedGalerkinRom rom(model, pod, hr);
    const ManifoldGalerkinRom galerkin(model, pod);  // Vᵀ f(V y): the full right-hand side projected
    for (int trial = 0; trial < 3; ++trial) {
      const Vector y = Vector::LinSpaced(r, -1.0 + trial, 2.0 - trial);
      const Vector exact = galerkin.rhs(0.0, y);
      // Round-off amplified by ‖(PᵀW)⁻¹‖ (below 1e3 here) on entries of size |f| ~ 1e3.
      CHECK((rom.rhs(0.0, y) - exact).norm() <= 1e-9 * exact.norm());
      const Matrix J = rom.jacobian(0.0, y);
      CHECK((J - galerkin.jacobian(0.0, y)).norm() <= 1e-9 * J.norm());
    }
  }
}

TEST_CASE("hyper-reduced Galerkin holds the Galerkin ROM's accuracy on the exponential source",
          "[rom][hyper][mpi]") {
  ReactionModel model(PETSC_COMM_WORLD, hr_grid(6.0));
  const SnapshotSet s = model.simulate(false);
  const int r = 6;
  const Pod pod = fitted_pod(s, r);
  const Matrix F = projected_rhs_snapshots(model, pod, s);
  // f is autonomous: the snapshots are f at the projected states, column by column (up to
  // round-off: a projection of one column and of all sum in other orders).
  const Matrix f7 = model.rhs(0.0, pod.decode(pod.encode(s.X.col(7))));
  CHECK(std::sqrt(allreduce_sum(s.rows.comm, (F.col(7) - f7).squaredNorm())) <=
        1e-12 * std::sqrt(allreduce_sum(s.rows.comm, f7.squaredNorm())));
  HyperReductionSettings hs;
  hs.modes = 12;
  const HyperReduction hr = HyperReduction::fit(F, model.rows(), hs);
  CHECK(hr.training_error(F, model.rows()) < 1e-3);
  const Vector u0 = pod.encode(s.X.col(0)).col(0);
  const TimeGrid& tg = model.time_grid();
  const LatentTrajectory full = integrate_latent(ManifoldGalerkinRom(model, pod), u0, tg, "test_hr_", "cn");
  const LatentTrajectory reduced = integrate_latent(HyperReducedGalerkinRom(model, pod, hr), u0, tg, "test_hr_", "cn");
  const double e_full = hr_relative_error(pod.decode(full.U), s.X, s.rows.comm);
  const double e_hr = hr_relative_error(pod.decode(reduced.U), s.X, s.rows.comm);
  INFO("Galerkin " << e_full << ", hyper-reduced " << e_hr);
  // The target: within 2× the error of the ROM that evaluates f everywhere.
  CHECK(e_full < 1e-3);
  CHECK(e_hr <= 2 * e_full);
}

TEST_CASE("hyper-reduction refuses what it cannot do, naming the option", "[rom][hyper]") {
  ReactionModel model(PETSC_COMM_SELF, hr_grid(1.0));
  const Matrix F = model.rhs(0.0, model.simulate(false).X);
  HyperReductionSettings hs;
  hs.modes = 8;
  hs.points = 5;
  require_error([&] { HyperReduction::fit(F, model.rows(), hs); }, {"-hr_points 5", "8 modes"});
  hs.points = 0;
  hs.modes = 500;
  require_error([&] { HyperReduction::fit(F, model.rows(), hs); }, {"-hr_modes 500"});
  hs.modes = 4;
  hs.method = "gnat";
  require_error([&] { HyperReduction::fit(F, model.rows(), hs); }, {"-hr_method", "gnat"});
}

TEST_CASE("hyper-reduced QG Galerkin equals the projected-tensor Galerkin ROM where g lies in span(W)",
          "[rom][hyper][mpi]") {
  // f = M g with M = (−Δ_h)⁻¹ and g quadratic: g(Vy) lies in the span of the 1 + r + r(r+1)/2
  // vectors g(0), its linear and quadratic parts along V. W from g at 30 random y spans it;
  // DEIM interpolates g exactly there, and E = (VᵀV)⁻¹(MV)ᵀW(PᵀW)⁻¹ projects M g: the ROM equals
  // the QG Galerkin ROM with projected tensors (galerkin_rom.hpp), up to round-off.
  QgConfig qc;
  qc.nx = 15;
  qc.ny = 31;
  QgModel qg(PETSC_COMM_WORLD, qc);
  const SnapshotSet qs = test::distribute(test::random_matrix(qg.rows().global, 6, 41), qg.rows());
  const Pod pod = fitted_pod(qs, 3);
  const Matrix V = pod.decoder_jacobian(Vector::Zero(3));
  const Matrix Y = test::random_matrix(3, 30, 43);
  HyperReductionSettings hs;
  hs.modes = 10;
  const HyperReduction hr = HyperReduction::fit(qg.local_rhs(0.0, pod.decode(Y)), qg.rows(), hs);
  CHECK(hr.sigma(10) < 1e-12 * hr.sigma(0));  // the span is 10-dimensional
  const HyperReducedGalerkinRom rom(qg, pod, hr);
  const QuadraticGalerkinRom galerkin(qg, pod);
  for (unsigned seed : {44u, 45u}) {
    const Vector y = test::random_matrix(3, 1, seed).col(0);
    const Vector exact = galerkin.rhs(0.0, y);
    // Round-off amplified by ‖(PᵀW)⁻¹‖ (about 10 here) on g's entries (h⁻² ~ 250 times ψ's).
    CHECK((rom.rhs(0.0, y) - exact).norm() <= 1e-9 * exact.norm());
    const Matrix J = galerkin.jacobian(0.0, y);
    CHECK((rom.jacobian(0.0, y) - J).norm() <= 1e-9 * J.norm());
  }
}

TEST_CASE("hyper-reduction keeps max(20, 2r) right-hand-side modes unless told, at most the snapshots' rank",
          "[rom][hyper]") {
  // F of known rank 30 (singular values 1 … 0.5^29): the automatic m is 20 for r ≤ 10, 2r up
  // to the rank, then the rank (no error: the automatic count adapts); an explicit m is kept.
  const RowPartition rows = RowPartition::serial(200);
  const Matrix F = test::matrix_with_singular_values(200, 50, test::geometric_spectrum(30, 0.5), 42);
  HyperReductionSettings hs;
  CHECK(hs.modes == 0);
  CHECK(HyperReduction::fit(F, rows, hs, 5).basis.cols() == 20);
  CHECK(HyperReduction::fit(F, rows, hs, 12).basis.cols() == 24);
  CHECK(HyperReduction::fit(F, rows, hs, 40).basis.cols() == 30);
  hs.modes = 7;
  CHECK(HyperReduction::fit(F, rows, hs, 40).basis.cols() == 7);
  hs.modes = -1;
  require_error([&] { HyperReduction::fit(F, rows, hs, 5); }, {"-hr_modes", "-1"});
}

TEST_CASE("a model file carries the hyper-reduction; galerkin-hr runs it", "[rom][hyper][mpi]") {
  ScratchDir dir;
  ReactionModel model(PETSC_COMM_WORLD, hr_grid(5.0));
  const SnapshotSet s = model.simulate(false);
  const Pod pod = fitted_pod(s, 5);
  HyperReductionSettings hs;
  hs.modes = 8;
  hs.points = 12;
  const HyperReduction hr = HyperReduction::fit(projected_rhs_snapshots(model, pod, s), model.rows(), hs);
  const std::string path = dir.path("pod_hr.h5");
  save_model(path, pod, s, "reaction.h5", 0.0, nullptr, -1, &hr);
  // Loaded with the rows PETSc would give (the same here): rows, PᵀW and W as saved.
  const ModelFile back = load_model(path, PETSC_COMM_WORLD);
  REQUIRE(back.hyper_reduction);
  CHECK(back.hyper_reduction->points.rows == hr.points.rows);
  CHECK(back.hyper_reduction->method == "deim + oversampled");
  CHECK((back.hyper_reduction->basis - hr.basis).cwiseAbs().maxCoeff() == 0.0);
  CHECK((back.hyper_reduction->points.sampled_basis - hr.points.sampled_basis).cwiseAbs().maxCoeff() == 0.0);
  // The file's automatic ROM is the hyper-reduced one and runs as the ROM built here does.
  const ReducedModel reduced = load_reduced_model(path, PETSC_COMM_WORLD);
  const LatentRom rom = reduced.rom();
  CHECK(rom.type() == "galerkin-hr");
  const Vector u0 = pod.encode(s.X.col(0)).col(0);
  const LatentTrajectory a = rom.solve(u0, model.time_grid());
  const LatentTrajectory b =
      integrate_latent(HyperReducedGalerkinRom(model, pod, hr), u0, model.time_grid(), "rom_", model.implicit_ts_type());
  REQUIRE(a.U.cols() == b.U.cols());
  CHECK((a.U - b.U).cwiseAbs().maxCoeff() <= 1e-12 * b.U.cwiseAbs().maxCoeff());
  // Other kinds still run on such a file: LSPG of the affine decoder with its full residual.
  CHECK(reduced.rom(RomKind::lspg).type() == "lspg");
  // Without a hyper-reduction in the file, asking for galerkin-hr says how to get one.
  const std::string plain = dir.path("pod.h5");
  save_model(plain, pod, s, "reaction.h5", 0.0);
  const ReducedModel without = load_reduced_model(plain, PETSC_COMM_WORLD);
  CHECK(without.rom().type() == "manifold-galerkin");
  require_error([&] { without.rom(RomKind::galerkin_hr); }, {"no hyper-reduction", "-hr_method deim"});
}

TEST_CASE("ECSW weights reproduce the training reduced forces; its ROM holds the Galerkin ROM's accuracy",
          "[rom][hyper][ecsw][mpi]") {
  ReactionModel model(PETSC_COMM_WORLD, hr_grid(6.0));
  const SnapshotSet s = model.simulate(false);
  const int r = 6;
  const Pod pod = fitted_pod(s, r);
  const Matrix V = pod.decoder_jacobian(Vector::Zero(r));
  const Matrix F = projected_rhs_snapshots(model, pod, s);
  HyperReductionSettings hs;
  hs.method = "ecsw";
  hs.tolerance = 1e-6;
  const HyperReduction hr = HyperReduction::fit_ecsw(V, F, model.rows(), hs);
  CHECK(hr.weights.minCoeff() > 0.0);
  CHECK(hr.points.count() < model.rows().global / 4);  // a sparse sample
  CHECK(hr.reduced_force_error <= 1e-6);
  // Recomputed independently: the weighted sample rows' contributions, evaluated by the
  // model's sampled f at the projected states, against Vᵀf from the full evaluation.
  const auto sampled = model.sampled_rhs(hr.points.rows);
  const Matrix projected = pod.decode(pod.encode(s.X));
  const Matrix xs = sample_rows(projected, s.rows, sampled->stencil());
  const Matrix VP = sample_rows(V, s.rows, hr.points.rows);
  Matrix full = V.transpose() * F;
  allreduce_sum(s.rows.comm, full.data(), full.size());
  Matrix weighted(r, s.count());
  for (Index k = 0; k < s.count(); ++k)
    weighted.col(k) = VP.transpose() * hr.weights.cwiseProduct(sampled->rhs(s.t(k), xs.col(k)));
  CHECK((weighted - full).norm() <= 1.01e-6 * full.norm());
  // The ROM: within 2× the error of the Galerkin ROM that evaluates f everywhere.
  const Vector u0 = pod.encode(s.X.col(0)).col(0);
  const TimeGrid& tg = model.time_grid();
  const LatentTrajectory galerkin = integrate_latent(ManifoldGalerkinRom(model, pod), u0, tg, "test_hr_", "cn");
  const LatentTrajectory ecsw = integrate_latent(HyperReducedGalerkinRom(model, pod, hr), u0, tg, "test_hr_", "cn");
  const double e_full = hr_relative_error(pod.decode(galerkin.U), s.X, s.rows.comm);
  const double e_ecsw = hr_relative_error(pod.decode(ecsw.U), s.X, s.rows.comm);
  INFO("Galerkin " << e_full << ", ECSW " << e_ecsw << " on " << hr.points.count() << " rows");
  CHECK(e_ecsw <= 2 * e_full);
  // Saved and loaded with the model.
  ScratchDir dir;
  save_model(dir.path("ecsw.h5"), pod, s, "reaction.h5", 0.0, nullptr, -1, &hr);
  const ModelFile back = load_model(dir.path("ecsw.h5"), PETSC_COMM_WORLD);
  REQUIRE(back.hyper_reduction);
  CHECK(back.hyper_reduction->ecsw());
  CHECK(back.hyper_reduction->points.rows == hr.points.rows);
  CHECK((back.hyper_reduction->weights - hr.weights).norm() == 0.0);
}
