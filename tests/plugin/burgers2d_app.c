/* An ordinary PETSc TS application, knowing nothing of metarom, for the plugin's tests and
   its benchmark: the 2-D viscous Burgers' equations for (u, v) on the periodic unit square,
       u_t = nu (u_xx + u_yy) - (u u_x + v u_y),
       v_t = nu (v_xx + v_yy) - (u v_x + v v_y),
   u(0) = a sin(2 pi x) sin(2 pi y) + 0.3 a cos(2 pi y),  v(0) = a cos(2 pi x) sin(4 pi y) / 2,
   on a 2-D DMDA with two fields and second-order central differences, advanced by TS
   (RK 3bs with 2,500 fixed steps of 2e-4 by default). Options: -n points per direction (128), -nu (0.01),
   -a amplitude (1), any -ts_* option, and
     -final_out f.h5   write the final state with VecView to an HDF5 viewer
     -compare_to f.h5  read such a final state and print the relative error of this run's
     -linear           drop the advection terms (the heat equation), stated as a constant
                       RHS Jacobian (TS_LINEAR, TSComputeRHSFunctionLinear)
     -local            give the right-hand side as a DMDA local callback
                       (DMDATSSetRHSFunctionLocal) instead of a global function
   It prints the wall time of TSSolve and the number of right-hand-side evaluations.   */
#include <petscdmda.h>
#include <petscts.h>
#include <petscviewerhdf5.h>

#include "app_support.h"

typedef struct {
  PetscReal nu;
  PetscInt rhs_calls;
} AppCtx;

typedef struct {
  PetscScalar u, v;
} Field;

/* The right-hand side on the points a DMDALocalInfo owns, from ghosted values: the program's
   DMDA local callback under -local, and the body of its global one otherwise. */
static PetscErrorCode RHSLocal(DMDALocalInfo *info, PetscReal t, const Field **x, Field **f, AppCtx *app) {
  PetscInt i, j;
  const PetscReal h = 1.0 / info->mx;

  PetscFunctionBeginUser;
  (void)t;
  app->rhs_calls++;
  for (j = info->ys; j < info->ys + info->ym; j++)
    for (i = info->xs; i < info->xs + info->xm; i++) {
      const Field c = x[j][i], e = x[j][i + 1], w = x[j][i - 1], n = x[j + 1][i], s = x[j - 1][i];
      const PetscScalar lu = (e.u + w.u + n.u + s.u - 4 * c.u) / (h * h), lv = (e.v + w.v + n.v + s.v - 4 * c.v) / (h * h);
      const PetscScalar ux = (e.u - w.u) / (2 * h), uy = (n.u - s.u) / (2 * h);
      const PetscScalar vx = (e.v - w.v) / (2 * h), vy = (n.v - s.v) / (2 * h);
      f[j][i].u = app->nu * lu - (c.u * ux + c.v * uy);
      f[j][i].v = app->nu * lv - (c.u * vx + c.v * vy);
    }
  PetscFunctionReturn(0);
}

static PetscErrorCode RHS(TS ts, PetscReal t, Vec U, Vec F, void *ptr) {
  DM da;
  Vec Ul;
  const Field **x;
  Field **f;
  DMDALocalInfo info;

  PetscFunctionBeginUser;
  PetscCall(TSGetDM(ts, &da));
  PetscCall(DMGetLocalVector(da, &Ul));
  PetscCall(DMGlobalToLocalBegin(da, U, INSERT_VALUES, Ul));
  PetscCall(DMGlobalToLocalEnd(da, U, INSERT_VALUES, Ul));
  PetscCall(DMDAGetLocalInfo(da, &info));
  PetscCall(DMDAVecGetArrayRead(da, Ul, &x));
  PetscCall(DMDAVecGetArray(da, F, &f));
  PetscCall(RHSLocal(&info, t, x, f, (AppCtx *)ptr));
  PetscCall(DMDAVecRestoreArrayRead(da, Ul, &x));
  PetscCall(DMDAVecRestoreArray(da, F, &f));
  PetscCall(DMRestoreLocalVector(da, &Ul));
  PetscFunctionReturn(0);
}

/* The diffusion operator alone, assembled (the -linear variant). */
static PetscErrorCode AssembleLaplacian(DM da, PetscReal nu, Mat A) {
  PetscInt i, j, xs, ys, xm, ym, M, c;
  PetscReal h;
  PetscFunctionBeginUser;
  PetscCall(DMDAGetInfo(da, NULL, &M, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
  h = 1.0 / M;
  PetscCall(DMDAGetCorners(da, &xs, &ys, NULL, &xm, &ym, NULL));
  for (j = ys; j < ys + ym; j++)
    for (i = xs; i < xs + xm; i++)
      for (c = 0; c < 2; c++) {
        MatStencil row = {0}, col[5] = {{0}};
        PetscScalar val[5] = {-4 * nu / (h * h), nu / (h * h), nu / (h * h), nu / (h * h), nu / (h * h)};
        row.i = i, row.j = j, row.c = c;
        col[0] = row;
        col[1] = row, col[1].i = i + 1;
        col[2] = row, col[2].i = i - 1;
        col[3] = row, col[3].j = j + 1;
        col[4] = row, col[4].j = j - 1;
        PetscCall(MatSetValuesStencil(A, 1, &row, 5, col, val, INSERT_VALUES));
      }
  PetscCall(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv) {
  AppCtx app = {0.01, 0};
  PetscInt n = 128, i, j, xs, ys, xm, ym;
  PetscReal a = 1.0, t0, seconds;
  PetscBool linear = PETSC_FALSE, local = PETSC_FALSE;
  char final_out[PETSC_MAX_PATH_LEN] = "", compare_to[PETSC_MAX_PATH_LEN] = "";
  DM da;
  TS ts;
  Vec U;
  Mat A = NULL;
  Field **x;

  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, "2-D viscous Burgers' equations: an ordinary PETSc TS application.\n"));
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "2-D Burgers application", NULL);
  PetscCall(PetscOptionsInt("-n", "Grid points per direction", NULL, n, &n, NULL));
  PetscCall(PetscOptionsReal("-nu", "Viscosity", NULL, app.nu, &app.nu, NULL));
  PetscCall(PetscOptionsReal("-a", "Amplitude of the initial velocity", NULL, a, &a, NULL));
  PetscCall(PetscOptionsString("-final_out", "HDF5 file for the final state", NULL, final_out, final_out, sizeof final_out, NULL));
  PetscCall(PetscOptionsString("-compare_to", "HDF5 file with a reference final state", NULL, compare_to, compare_to,
                               sizeof compare_to, NULL));
  PetscCall(PetscOptionsBool("-linear", "Diffusion only, as a constant RHS Jacobian", NULL, linear, &linear, NULL));
  PetscCall(PetscOptionsBool("-local", "The right-hand side as a DMDA local callback", NULL, local, &local, NULL));
  PetscOptionsEnd();

  PetscCall(DMDACreate2d(PETSC_COMM_WORLD, DM_BOUNDARY_PERIODIC, DM_BOUNDARY_PERIODIC, DMDA_STENCIL_STAR, n, n,
                         PETSC_DECIDE, PETSC_DECIDE, 2, 1, NULL, NULL, &da));
  PetscCall(DMSetFromOptions(da));
  PetscCall(DMSetUp(da));
  PetscCall(DMDASetFieldName(da, 0, "u"));
  PetscCall(DMDASetFieldName(da, 1, "v"));
  PetscCall(DMCreateGlobalVector(da, &U));
  PetscCall(PetscObjectSetName((PetscObject)U, "uv"));
  PetscCall(DMDAVecGetArray(da, U, &x));
  PetscCall(DMDAGetCorners(da, &xs, &ys, NULL, &xm, &ym, NULL));
  for (j = ys; j < ys + ym; j++)
    for (i = xs; i < xs + xm; i++) {
      const PetscReal px = (PetscReal)i / n, py = (PetscReal)j / n;
      x[j][i].u = a * (PetscSinReal(2 * PETSC_PI * px) * PetscSinReal(2 * PETSC_PI * py) + 0.3 * PetscCosReal(2 * PETSC_PI * py));
      x[j][i].v = 0.5 * a * PetscCosReal(2 * PETSC_PI * px) * PetscSinReal(4 * PETSC_PI * py);
    }
  PetscCall(DMDAVecRestoreArray(da, U, &x));

  PetscCall(TSCreate(PETSC_COMM_WORLD, &ts));
  PetscCall(TSSetDM(ts, da));
  if (linear) {
    PetscCall(DMCreateMatrix(da, &A));
    PetscCall(AssembleLaplacian(da, app.nu, A));
    PetscCall(TSSetProblemType(ts, TS_LINEAR));
    PetscCall(TSSetRHSFunction(ts, NULL, TSComputeRHSFunctionLinear, NULL));
    PetscCall(TSSetRHSJacobian(ts, A, A, TSComputeRHSJacobianConstant, NULL));
  } else if (local) {
    PetscCall(DMDATSSetRHSFunctionLocal(da, INSERT_VALUES, (DMDATSRHSFunctionLocal)RHSLocal, &app));
  } else {
    PetscCall(TSSetRHSFunction(ts, NULL, RHS, &app));
  }
  PetscCall(TSSetType(ts, TSRK));
  {
    TSAdapt adapt;
    PetscCall(TSGetAdapt(ts, &adapt));
    PetscCall(TSAdaptSetType(adapt, TSADAPTNONE)); /* fixed steps unless -ts_adapt_type says otherwise */
  }
  PetscCall(TSSetTimeStep(ts, 2e-4));
  PetscCall(TSSetMaxTime(ts, 0.5));
  PetscCall(TSSetExactFinalTime(ts, TS_EXACTFINALTIME_MATCHSTEP));
  PetscCall(TSSetFromOptions(ts));
  PetscCall(MPI_Barrier(PETSC_COMM_WORLD));
  t0 = MPI_Wtime();
  PetscCall(TSSolve(ts, U));
  seconds = MPI_Wtime() - t0;
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "TSSolve %.6f s\n", (double)seconds));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "rhs calls %" PetscInt_FMT "\n", app.rhs_calls));

  if (final_out[0]) PetscCall(WriteFinalState(U, final_out));
  if (compare_to[0]) PetscCall(CompareFinalState(U, compare_to));
  PetscCall(TSDestroy(&ts));
  PetscCall(MatDestroy(&A));
  PetscCall(VecDestroy(&U));
  PetscCall(DMDestroy(&da));
  PetscCall(PetscFinalize());
  return 0;
}
