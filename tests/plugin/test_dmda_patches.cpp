// tests for src/plugin/dmda_patches.cpp: a program's DMDA local right-hand side called on
// one-point patches gives, at the sample rows, exactly what the program's full evaluation
// gives there (corners, edges and interior points, periodic and bounded directions, star and
// box stencils of widths 1 and 2, several fields of one point), on any number of ranks; its
// Jacobian equals central differences of the full evaluation; a global right-hand side is
// recognised as one. The same for a local implicit function F(t, x, ẋ) and its two Jacobians.
#include <petscdmda.h>
#include <petscts.h>

#include <cmath>

#include "metarom/linalg/empirical_interpolation.hpp"
#include "plugin/app_state.hpp"
#include "plugin/dmda_patches.hpp"
#include "test_support.hpp"

using namespace metarom;

namespace {
struct PatchPoint {
  PetscScalar u, v;
};

// Reads every neighbour the stencil allows (skipping those beyond a bounded edge), each with
// its own weight, so a neighbour missing from a patch or put in the wrong place changes f.
PetscErrorCode patch_test_rhs(DMDALocalInfo* info, PetscReal t, void* in, void* out, void*) {
  auto x = static_cast<const PatchPoint**>(in);
  auto f = static_cast<PatchPoint**>(out);
  const PetscInt sw = info->sw;
  PetscFunctionBeginUser;
  for (PetscInt j = info->ys; j < info->ys + info->ym; ++j)
    for (PetscInt i = info->xs; i < info->xs + info->xm; ++i) {
      PatchPoint g = {t + std::sin(x[j][i].u) + 0.01 * i, t * x[j][i].v + std::cos(x[j][i].v) - 0.02 * j};
      for (PetscInt dj = -sw; dj <= sw; ++dj)
        for (PetscInt di = -sw; di <= sw; ++di) {
          if ((di == 0 && dj == 0) || (info->st == DMDA_STENCIL_STAR && di != 0 && dj != 0)) continue;
          const PetscInt ii = i + di, jj = j + dj;
          if ((info->bx != DM_BOUNDARY_PERIODIC && (ii < 0 || ii >= info->mx)) ||
              (info->by != DM_BOUNDARY_PERIODIC && (jj < 0 || jj >= info->my)))
            continue;
          const double w = 1 + 0.1 * (di + 3 * dj);
          g.u += w * x[jj][ii].u * x[jj][ii].v;
          g.v += w * x[jj][ii].v * x[jj][ii].v - 0.5 * x[jj][ii].u;
        }
      f[j][i] = g;
    }
  PetscFunctionReturn(0);
}

PetscErrorCode patch_test_global_rhs(TS, PetscReal, Vec, Vec F, void*) { return VecSet(F, 1.0); }

// F(t, x, ẋ) = (1 + 0.1 i) ẋ u·v-coupled − f(t, x) with f above: ẋ enters nonlinearly too.
PetscErrorCode patch_test_ifunction(DMDALocalInfo* info, PetscReal t, void* in, void* in_dot, void* out, void* ctx) {
  PetscFunctionBeginUser;
  PetscCall(patch_test_rhs(info, t, in, out, ctx));
  auto x = static_cast<const PatchPoint**>(in);
  auto xd = static_cast<const PatchPoint**>(in_dot);
  auto f = static_cast<PatchPoint**>(out);
  for (PetscInt j = info->ys; j < info->ys + info->ym; ++j)
    for (PetscInt i = info->xs; i < info->xs + info->xm; ++i) {
      const PetscInt e = info->bx == DM_BOUNDARY_PERIODIC || i + 1 < info->mx ? i + 1 : i;
      f[j][i].u = (1 + 0.1 * i) * xd[j][i].u + x[j][i].v * xd[j][e].v - f[j][i].u;
      f[j][i].v = xd[j][i].v * (1 + xd[j][i].u * xd[j][i].u) - f[j][i].v;
    }
  PetscFunctionReturn(0);
}
}  // namespace

TEST_CASE("a DMDA local right-hand side on patches equals the full evaluation at the sample rows",
          "[plugin][hyper][mpi]") {
  struct Grid {
    DMDAStencilType st;
    PetscInt sw;
    DMBoundaryType bx, by;
  };
  for (const Grid& grid : {Grid{DMDA_STENCIL_STAR, 1, DM_BOUNDARY_PERIODIC, DM_BOUNDARY_NONE},
                           Grid{DMDA_STENCIL_BOX, 2, DM_BOUNDARY_NONE, DM_BOUNDARY_PERIODIC}}) {
    INFO("stencil " << (grid.st == DMDA_STENCIL_STAR ? "star" : "box") << ", width " << grid.sw);
    const PetscInt M = 9, N = 7, dof = 2;
    DM da;
    TS ts;
    Vec x, F;
    REQUIRE(DMDACreate2d(PETSC_COMM_WORLD, grid.bx, grid.by, grid.st, M, N, PETSC_DECIDE, PETSC_DECIDE, dof, grid.sw,
                         nullptr, nullptr, &da) == 0);
    REQUIRE(DMSetUp(da) == 0);
    REQUIRE(TSCreate(PETSC_COMM_WORLD, &ts) == 0);
    REQUIRE(TSSetDM(ts, da) == 0);
    REQUIRE(DMDATSSetRHSFunctionLocal(da, INSERT_VALUES, patch_test_rhs, nullptr) == 0);
    REQUIRE(DMCreateGlobalVector(da, &x) == 0);
    REQUIRE(VecDuplicate(x, &F) == 0);
    {
      const AppState state(ts, x);
      const RowPartition& rows = state.rows();
      const Matrix all = test::random_matrix(M * N * dof, 1, 11, 0.7);
      state.from_rows(all.middleRows(rows.begin, rows.local()).col(0), x);
      const double t = 0.3;
      REQUIRE(TSComputeRHSFunction(ts, t, x, F) == 0);
      const Matrix full = state.to_rows(F);

      std::string why;
      const auto local = DmdaLocalRhs::find(ts, why);
      REQUIRE(local);
      auto row = [&](PetscInt i, PetscInt j, PetscInt c) { return static_cast<long long>((j * M + i) * dof + c); };
      // Corners, edge points, an interior point with both fields, a point next to a corner.
      const std::vector<long long> at = {row(0, 0, 0),     row(M - 1, 0, 1), row(0, N - 1, 1), row(M - 1, N - 1, 0),
                                         row(4, 3, 0),     row(4, 3, 1),     row(1, N - 1, 0), row(M - 2, 1, 1),
                                         row(4, 0, 1),     row(0, 3, 0)};
      const DmdaPatchRhs sampled(ts, *local, at);
      const Matrix xs = sample_rows(state.to_rows(x), rows, sampled.stencil());
      const Vector got = sampled.rhs(t, xs.col(0));
      const Matrix want = sample_rows(full, rows, at);
      INFO("patches\n" << got.transpose() << "\nfull evaluation\n" << want.col(0).transpose());
      // The same operations on the same values, in the same order: equal to round-off.
      CHECK((got - want.col(0)).norm() <= 1e-14 * want.norm());

      // Its Jacobian against central differences of the full evaluation (an independent path:
      // the whole state perturbed in the program's Vec).
      const Matrix J = sampled.jacobian(t, xs.col(0));
      REQUIRE(J.rows() == static_cast<Index>(at.size()));
      REQUIRE(J.cols() == static_cast<Index>(sampled.stencil().size()));
      Matrix fd(J.rows(), J.cols());
      const double h = 1e-5;
      for (Index q = 0; q < J.cols(); ++q) {
        Matrix shifted = all;
        shifted(sampled.stencil()[static_cast<size_t>(q)], 0) += h;
        state.from_rows(shifted.middleRows(rows.begin, rows.local()).col(0), x);
        REQUIRE(TSComputeRHSFunction(ts, t, x, F) == 0);
        const Matrix plus = sample_rows(state.to_rows(F), rows, at);
        shifted(sampled.stencil()[static_cast<size_t>(q)], 0) -= 2 * h;
        state.from_rows(shifted.middleRows(rows.begin, rows.local()).col(0), x);
        REQUIRE(TSComputeRHSFunction(ts, t, x, F) == 0);
        fd.col(q) = (plus - sample_rows(state.to_rows(F), rows, at)).col(0) / (2 * h);
      }
      INFO("patch Jacobian\n" << J << "\ncentral differences\n" << fd);
      // Both central differences of a smooth f of O(1) entries: truncation ~h² ≈ 1e-10 and
      // round-off ~1e-16/h ≈ 1e-11 each.
      CHECK((J - fd).cwiseAbs().maxCoeff() <= 1e-8);
      CHECK(J.cwiseAbs().maxCoeff() > 0.1);  // the test reads something
    }

    // The same program with a global right-hand side: no patches.
    REQUIRE(TSSetRHSFunction(ts, nullptr, patch_test_global_rhs, nullptr) == 0);
    std::string why;
    CHECK_FALSE(DmdaLocalRhs::find(ts, why));
    CHECK(why.find("global function") != std::string::npos);
    REQUIRE(VecDestroy(&F) == 0);
    REQUIRE(VecDestroy(&x) == 0);
    REQUIRE(TSDestroy(&ts) == 0);
    REQUIRE(DMDestroy(&da) == 0);
  }
}

TEST_CASE("a DMDA local implicit function on patches equals the full evaluation at the sample rows",
          "[plugin][hyper][mpi]") {
  const PetscInt M = 8, N = 6, dof = 2;
  DM da;
  TS ts;
  Vec x, xdot, F;
  REQUIRE(DMDACreate2d(PETSC_COMM_WORLD, DM_BOUNDARY_PERIODIC, DM_BOUNDARY_NONE, DMDA_STENCIL_STAR, M, N, PETSC_DECIDE,
                       PETSC_DECIDE, dof, 1, nullptr, nullptr, &da) == 0);
  REQUIRE(DMSetUp(da) == 0);
  REQUIRE(TSCreate(PETSC_COMM_WORLD, &ts) == 0);
  REQUIRE(TSSetDM(ts, da) == 0);
  REQUIRE(DMDATSSetIFunctionLocal(da, INSERT_VALUES, patch_test_ifunction, nullptr) == 0);
  REQUIRE(DMCreateGlobalVector(da, &x) == 0);
  REQUIRE(VecDuplicate(x, &xdot) == 0);
  REQUIRE(VecDuplicate(x, &F) == 0);
  {
    const AppState state(ts, x);
    const RowPartition& rows = state.rows();
    Matrix all(M * N * dof, 2);
    all << test::random_matrix(M * N * dof, 1, 21, 0.7), test::random_matrix(M * N * dof, 1, 22, 0.5);
    auto full = [&](const Matrix& xx) {  // F at the rows `at` from the whole state (x, ẋ)
      state.from_rows(xx.middleRows(rows.begin, rows.local()).col(0), x);
      state.from_rows(xx.middleRows(rows.begin, rows.local()).col(1), xdot);
      REQUIRE(TSComputeIFunction(ts, 0.3, x, xdot, F, PETSC_FALSE) == 0);
      return state.to_rows(F);
    };
    std::string why;
    const auto local = DmdaLocalIFunction::find(ts, why);
    REQUIRE(local);
    CHECK_FALSE(DmdaLocalRhs::find(ts, why));  // it sets no right-hand side
    auto row = [&](PetscInt i, PetscInt j, PetscInt c) { return static_cast<long long>((j * M + i) * dof + c); };
    const std::vector<long long> at = {row(0, 0, 0), row(M - 1, 0, 1), row(3, 2, 0), row(3, 2, 1), row(M - 1, N - 1, 0)};
    const DmdaPatchIFunction sampled(ts, *local, at);
    const Matrix xs = sample_rows(all.middleRows(rows.begin, rows.local()), rows, sampled.stencil());
    const Vector got = sampled.residual(0.3, xs.col(0), xs.col(1));
    const Matrix want = sample_rows(full(all), rows, at);
    INFO("patches\n" << got.transpose() << "\nfull evaluation\n" << want.col(0).transpose());
    CHECK((got - want.col(0)).norm() <= 1e-14 * want.norm());  // the same arithmetic
    // Both Jacobians against central differences of the full evaluation (h = 1e-5: truncation
    // ~1e-10, round-off ~1e-11 on O(1) entries).
    for (int which : {0, 1}) {
      const Matrix J = which == 0 ? sampled.jacobian_x(0.3, xs.col(0), xs.col(1))
                                  : sampled.jacobian_xdot(0.3, xs.col(0), xs.col(1));
      Matrix fd(J.rows(), J.cols());
      const double h = 1e-5;
      for (Index q = 0; q < J.cols(); ++q) {
        Matrix shifted = all;
        shifted(sampled.stencil()[static_cast<size_t>(q)], which) += h;
        const Matrix plus = sample_rows(full(shifted), rows, at);
        shifted(sampled.stencil()[static_cast<size_t>(q)], which) -= 2 * h;
        fd.col(q) = (plus - sample_rows(full(shifted), rows, at)).col(0) / (2 * h);
      }
      INFO((which == 0 ? "dF/dx" : "dF/dxdot") << "\npatches\n" << J << "\ncentral differences\n" << fd);
      CHECK((J - fd).cwiseAbs().maxCoeff() <= 1e-8);
      CHECK(J.cwiseAbs().maxCoeff() > 0.1);
    }
  }
  REQUIRE(VecDestroy(&F) == 0);
  REQUIRE(VecDestroy(&xdot) == 0);
  REQUIRE(VecDestroy(&x) == 0);
  REQUIRE(TSDestroy(&ts) == 0);
  REQUIRE(DMDestroy(&da) == 0);
}

namespace {
// 1-D and 3-D callbacks: every neighbour within the stencil width (a star's arms in 3-D), each
// with its own weight, skipping those beyond a bounded edge.
PetscErrorCode patch_test_rhs_1d(DMDALocalInfo* info, PetscReal t, void* in, void* out, void*) {
  auto x = static_cast<const PatchPoint*>(in);
  auto f = static_cast<PatchPoint*>(out);
  PetscFunctionBeginUser;
  for (PetscInt i = info->xs; i < info->xs + info->xm; ++i) {
    PatchPoint g = {t + std::sin(x[i].u), std::cos(x[i].v) + 0.01 * i};
    for (PetscInt d = -info->sw; d <= info->sw; ++d) {
      const PetscInt ii = i + d;
      if (d == 0 || (info->bx != DM_BOUNDARY_PERIODIC && (ii < 0 || ii >= info->mx))) continue;
      g.u += (1 + 0.1 * d) * x[ii].u * x[ii].v;
      g.v -= (1 + 0.2 * d) * x[ii].u;
    }
    f[i] = g;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode patch_test_rhs_3d(DMDALocalInfo* info, PetscReal t, void* in, void* out, void*) {
  auto x = static_cast<const PatchPoint***>(in);
  auto f = static_cast<PatchPoint***>(out);
  PetscFunctionBeginUser;
  for (PetscInt k = info->zs; k < info->zs + info->zm; ++k)
    for (PetscInt j = info->ys; j < info->ys + info->ym; ++j)
      for (PetscInt i = info->xs; i < info->xs + info->xm; ++i) {
        PatchPoint g = {t + std::sin(x[k][j][i].u), std::cos(x[k][j][i].v) + 0.01 * (i + 2 * j + 3 * k)};
        const PetscInt arms[6][3] = {{1, 0, 0}, {-1, 0, 0}, {0, 1, 0}, {0, -1, 0}, {0, 0, 1}, {0, 0, -1}};
        for (int a = 0; a < 6; ++a) {
          const PetscInt ii = i + arms[a][0], jj = j + arms[a][1], kk = k + arms[a][2];
          if (ii < 0 || ii >= info->mx || jj < 0 || jj >= info->my ||
              (info->bz != DM_BOUNDARY_PERIODIC && (kk < 0 || kk >= info->mz)))
            continue;
          g.u += (1 + 0.1 * a) * x[kk][jj][ii].u * x[kk][jj][ii].v;
          g.v -= (1 + 0.2 * a) * x[kk][jj][ii].u;
        }
        f[k][j][i] = g;
      }
  PetscFunctionReturn(0);
}
}  // namespace

TEST_CASE("DMDA local right-hand sides on patches in 1-D and 3-D equal the full evaluation", "[plugin][hyper][mpi]") {
  for (const int dim : {1, 3}) {
    INFO("dimension " << dim);
    const PetscInt dof = 2, M = 9, N = 4, P = 5;
    DM da;
    TS ts;
    Vec x, F;
    if (dim == 1)
      REQUIRE(DMDACreate1d(PETSC_COMM_WORLD, DM_BOUNDARY_PERIODIC, M, dof, 2, nullptr, &da) == 0);
    else
      REQUIRE(DMDACreate3d(PETSC_COMM_WORLD, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DM_BOUNDARY_PERIODIC,
                           DMDA_STENCIL_STAR, M, N, P, PETSC_DECIDE, PETSC_DECIDE, PETSC_DECIDE, dof, 1, nullptr,
                           nullptr, nullptr, &da) == 0);
    REQUIRE(DMSetUp(da) == 0);
    REQUIRE(TSCreate(PETSC_COMM_WORLD, &ts) == 0);
    REQUIRE(TSSetDM(ts, da) == 0);
    REQUIRE(DMDATSSetRHSFunctionLocal(da, INSERT_VALUES, dim == 1 ? patch_test_rhs_1d : patch_test_rhs_3d, nullptr) ==
            0);
    REQUIRE(DMCreateGlobalVector(da, &x) == 0);
    REQUIRE(VecDuplicate(x, &F) == 0);
    {
      const AppState state(ts, x);
      const RowPartition& rows = state.rows();
      const long long n = rows.global;
      const Matrix all = test::random_matrix(n, 1, 31, 0.7);
      state.from_rows(all.middleRows(rows.begin, rows.local()).col(0), x);
      REQUIRE(TSComputeRHSFunction(ts, 0.2, x, F) == 0);
      const Matrix full = state.to_rows(F);
      std::string why;
      const auto local = DmdaLocalRhs::find(ts, why);
      REQUIRE(local);
      // The first and last points, one in the middle, both fields.
      const std::vector<long long> at = {0, 1, n / 2, n / 2 + 1, n - 2, n - 1, (n / 3) / 2 * 2};
      const DmdaPatchRhs sampled(ts, *local, at);
      const Matrix xs = sample_rows(state.to_rows(x), rows, sampled.stencil());
      const Vector got = sampled.rhs(0.2, xs.col(0));
      const Matrix want = sample_rows(full, rows, at);
      INFO("patches\n" << got.transpose() << "\nfull evaluation\n" << want.col(0).transpose());
      CHECK((got - want.col(0)).norm() <= 1e-14 * want.norm());
    }
    REQUIRE(VecDestroy(&F) == 0);
    REQUIRE(VecDestroy(&x) == 0);
    REQUIRE(TSDestroy(&ts) == 0);
    REQUIRE(DMDestroy(&da) == 0);
  }
}
