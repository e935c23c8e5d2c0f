// tests for src/plugin/application_implicit.cpp (and app_basis.cpp): the implicit route's
// latent Jacobian, the application's IJacobian projected onto a POD basis, equals finite
// differences of the latent residual F_r(t, u, u̇) = Vᵀ[F(t, Vu, Vu̇) − G(t, Vu)], for an
// application in implicit form and in IMEX form (with and without an RHSJacobian), on a 2-D two-field DMDA (whose ordering
// differs from the natural one on 2 ranks) on any number of ranks.
#include <petscdmda.h>
#include <petscts.h>

#include "metarom/reducers/pod.hpp"
#include "plugin/app_state.hpp"
#include "plugin/application_implicit.hpp"
#include "test_support.hpp"

using namespace metarom;

namespace {
// Pointwise, two fields a, b with a mass factor 2 on b: F = (ȧ + a³ − b, 2ḃ + ab) and, in
// IMEX form, G = (0, −b²).
struct Point {
  PetscScalar a, b;
};

PetscErrorCode ifunction(TS ts, PetscReal, Vec U, Vec Udot, Vec F, void*) {
  DM da;
  Point **u, **v, **f;
  PetscInt xs, ys, xm, ym;
  PetscFunctionBeginUser;
  PetscCall(TSGetDM(ts, &da));
  PetscCall(DMDAGetCorners(da, &xs, &ys, nullptr, &xm, &ym, nullptr));
  PetscCall(DMDAVecGetArrayRead(da, U, &u));
  PetscCall(DMDAVecGetArrayRead(da, Udot, &v));
  PetscCall(DMDAVecGetArray(da, F, &f));
  for (PetscInt j = ys; j < ys + ym; ++j)
    for (PetscInt i = xs; i < xs + xm; ++i) {
      const Point p = u[j][i];
      f[j][i].a = v[j][i].a + p.a * p.a * p.a - p.b;
      f[j][i].b = 2 * v[j][i].b + p.a * p.b;
    }
  PetscCall(DMDAVecRestoreArrayRead(da, U, &u));
  PetscCall(DMDAVecRestoreArrayRead(da, Udot, &v));
  PetscCall(DMDAVecRestoreArray(da, F, &f));
  PetscFunctionReturn(0);
}

// Sets the 2 x 2 block of every point from `block(p, shift)`.
template <class Block>
PetscErrorCode set_blocks(TS ts, Vec U, PetscReal shift, Mat P, Block block) {
  DM da;
  Point** u;
  PetscInt xs, ys, xm, ym;
  PetscFunctionBeginUser;
  PetscCall(TSGetDM(ts, &da));
  PetscCall(DMDAGetCorners(da, &xs, &ys, nullptr, &xm, &ym, nullptr));
  PetscCall(DMDAVecGetArrayRead(da, U, &u));
  PetscCall(MatZeroEntries(P));
  for (PetscInt j = ys; j < ys + ym; ++j)
    for (PetscInt i = xs; i < xs + xm; ++i) {
      MatStencil rows[2] = {{0, j, i, 0}, {0, j, i, 1}};
      PetscScalar values[4];
      block(u[j][i], shift, values);
      PetscCall(MatSetValuesStencil(P, 2, rows, 2, rows, values, INSERT_VALUES));
    }
  PetscCall(DMDAVecRestoreArrayRead(da, U, &u));
  PetscCall(MatAssemblyBegin(P, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(P, MAT_FINAL_ASSEMBLY));
  PetscFunctionReturn(0);
}

PetscErrorCode ijacobian(TS ts, PetscReal, Vec U, Vec, PetscReal shift, Mat, Mat P, void*) {
  return set_blocks(ts, U, shift, P, [](const Point& p, PetscReal a, PetscScalar* v) {
    v[0] = a + 3 * p.a * p.a;  // ∂F_a/∂(a, b), ∂F_b/∂(a, b), row-major
    v[1] = -1;
    v[2] = p.b;
    v[3] = 2 * a + p.a;
  });
}

PetscErrorCode rhs(TS ts, PetscReal, Vec U, Vec G, void*) {
  DM da;
  Point **u, **g;
  PetscInt xs, ys, xm, ym;
  PetscFunctionBeginUser;
  PetscCall(TSGetDM(ts, &da));
  PetscCall(DMDAGetCorners(da, &xs, &ys, nullptr, &xm, &ym, nullptr));
  PetscCall(DMDAVecGetArrayRead(da, U, &u));
  PetscCall(DMDAVecGetArray(da, G, &g));
  for (PetscInt j = ys; j < ys + ym; ++j)
    for (PetscInt i = xs; i < xs + xm; ++i) g[j][i] = {0, -u[j][i].b * u[j][i].b};
  PetscCall(DMDAVecRestoreArrayRead(da, U, &u));
  PetscCall(DMDAVecRestoreArray(da, G, &g));
  PetscFunctionReturn(0);
}

PetscErrorCode rhs_jacobian(TS ts, PetscReal, Vec U, Mat, Mat P, void*) {
  return set_blocks(ts, U, 0, P, [](const Point& p, PetscReal, PetscScalar* v) {
    v[0] = v[1] = v[2] = 0;
    v[3] = -2 * p.b;
  });
}
}  // namespace

TEST_CASE("the implicit route's latent Jacobian is the application's IJacobian projected", "[plugin][implicit][mpi]") {
  const PetscInt M = 6, N = 5, dof = 2;
  // 0: implicit form; 1: IMEX with an RHSJacobian; 2: IMEX without (G_x by differences).
  for (const int form : {0, 1, 2}) {
    const bool imex = form > 0;
    INFO("form " << form);
    // A DM per form: a TS keeps its callbacks in its DM.
    const test::DmdaField u(M, N, dof, [](PetscInt i, PetscInt j, PetscInt c) { return 0.1 * i - 0.2 * j + 0.3 * c; });
    TS ts;
    Mat J, Jr;
    REQUIRE(TSCreate(PETSC_COMM_WORLD, &ts) == 0);
    REQUIRE(TSSetDM(ts, u.da) == 0);
    REQUIRE(DMCreateMatrix(u.da, &J) == 0);
    REQUIRE(TSSetIFunction(ts, nullptr, ifunction, nullptr) == 0);
    REQUIRE(TSSetIJacobian(ts, J, J, ijacobian, nullptr) == 0);
    if (imex) {
      REQUIRE(DMCreateMatrix(u.da, &Jr) == 0);
      REQUIRE(TSSetRHSFunction(ts, nullptr, rhs, nullptr) == 0);
      if (form == 1) REQUIRE(TSSetRHSJacobian(ts, Jr, Jr, rhs_jacobian, nullptr) == 0);
      REQUIRE(MatDestroy(&Jr) == 0);
    }
    REQUIRE(MatDestroy(&J) == 0);
    REQUIRE(TSSetSolution(ts, u.x) == 0);
    {
      const AppState state(ts, u.x);
      // A POD basis of random states in metarom's (natural) rows.
      SnapshotSet data;
      data.rows = state.rows();
      const Index n = M * N * dof;
      data.X = test::random_matrix(n, 12, 5).middleRows(data.rows.begin, data.rows.local());
      data.t = Vector::LinSpaced(12, 0, 1);
      Pod pod;
      auto pod_settings = pod.settings();
      pod_settings.latent_dim = 4;
      pod.set_settings(pod_settings);
      pod.fit(data);
      const ApplicationImplicit F(ts, state, pod);
      CHECK(F.jacobian_source() == (form == 2 ? ApplicationImplicit::JacobianSource::ijacobian_and_rhs_differences
                                              : ApplicationImplicit::JacobianSource::application));
      CHECK(F.name() == (imex ? "implicit Galerkin (IMEX form)" : "implicit Galerkin"));
      const Vector ul = test::random_matrix(4, 1, 7, 0.5).col(0), udot = test::random_matrix(4, 1, 8).col(0);
      const double shift = 3.7;
      const Matrix analytic = F.jacobian(0.1, ul, udot, shift);
      const Matrix fd = F.ImplicitLatentDynamics::jacobian(0.1, ul, udot, shift);
      INFO("analytic\n" << analytic << "\nfinite differences\n" << fd);
      // Central differences of a cubic with step 1e-6: truncation ~1e-12, round-off
      // ~1e-16/1e-6 relative to the residual's size (order 1 here); form 2 differences G
      // itself, with the same two errors.
      CHECK((analytic - fd).norm() <= 1e-8 * fd.norm());
      CHECK(F.jacobian_calls() == 1);
    }
    REQUIRE(TSDestroy(&ts) == 0);
  }
}
