/* An ordinary PETSc TS application, knowing nothing of metarom, for the plugin test:
   viscous Burgers' equation on the periodic unit interval,
       u_t = nu u_xx - (u^2/2)_x,   u(0, x) = 1 + 0.5 sin(2 pi x) + 0.25 cos(4 pi x),
   on a 1-D DMDA with second-order central differences, advanced by TS (RK by default).
   Options: -n points (200), -nu viscosity (0.02), any -ts_* option, and
     -final_out f.h5   write the final state with VecView to an HDF5 viewer
     -series_out f.h5  write every -series_stride-th state with HDF5 timestepping
     -compare_to f.h5  read a final state written by -final_out and print the relative
                       error of this run's final state against it
     -implicit_only    define the equations by TSSetIFunction only (F = u_t - f), with its
                       Jacobian (TSSetIJacobian), backward Euler
     -monitor_norm     print every step's number, time and the state's 2-norm (a TSMonitor)
     -imex             the IMEX form: F = u_t - nu u_xx (TSSetIFunction, TSSetIJacobian),
                       G = -(u^2/2)_x (TSSetRHSFunction), ARKIMEX                             */
#include <petscdmda.h>
#include <petscts.h>
#include <petscviewerhdf5.h>

#include "app_support.h"

typedef struct {
  PetscReal nu;
  PetscInt series_stride;
  PetscViewer series;
  PetscReal diffusion, advection; /* weights of the two terms in RHS (1 or 0) */
} AppCtx;

static PetscErrorCode RHS(TS ts, PetscReal t, Vec U, Vec F, void *ptr) {
  AppCtx *app = (AppCtx *)ptr;
  DM da;
  Vec Ul;
  const PetscScalar *u;
  PetscScalar *f;
  PetscInt i, xs, xm, M;
  PetscReal h;

  PetscFunctionBeginUser;
  (void)t;
  PetscCall(TSGetDM(ts, &da));
  PetscCall(DMDAGetInfo(da, NULL, &M, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
  h = 1.0 / M;
  PetscCall(DMGetLocalVector(da, &Ul));
  PetscCall(DMGlobalToLocalBegin(da, U, INSERT_VALUES, Ul));
  PetscCall(DMGlobalToLocalEnd(da, U, INSERT_VALUES, Ul));
  PetscCall(DMDAVecGetArrayRead(da, Ul, &u));
  PetscCall(DMDAVecGetArray(da, F, &f));
  PetscCall(DMDAGetCorners(da, &xs, NULL, NULL, &xm, NULL, NULL));
  for (i = xs; i < xs + xm; i++) {
    const PetscScalar diff = app->nu * (u[i - 1] - 2 * u[i] + u[i + 1]) / (h * h);
    const PetscScalar adv = (u[i + 1] * u[i + 1] - u[i - 1] * u[i - 1]) / (4 * h);
    f[i] = app->diffusion * diff - app->advection * adv;
  }
  PetscCall(DMDAVecRestoreArrayRead(da, Ul, &u));
  PetscCall(DMDAVecRestoreArray(da, F, &f));
  PetscCall(DMRestoreLocalVector(da, &Ul));
  PetscFunctionReturn(0);
}

/* F = u_t - f_I, f_I the implicit part: everything (-implicit_only) or the diffusion (-imex). */
static PetscErrorCode IFunction(TS ts, PetscReal t, Vec U, Vec Udot, Vec F, void *ptr) {
  AppCtx *app = (AppCtx *)ptr;
  AppCtx part = *app;
  PetscFunctionBeginUser;
  part.advection = 1 - app->advection; /* the terms the RHS leaves out */
  part.diffusion = 1 - app->diffusion;
  PetscCall(RHS(ts, t, U, F, &part));
  PetscCall(VecAYPX(F, -1.0, Udot));
  PetscFunctionReturn(0);
}

/* shift I - df_I/du: periodic tridiagonal. */
static PetscErrorCode IJacobian(TS ts, PetscReal t, Vec U, Vec Udot, PetscReal shift, Mat A, Mat P, void *ptr) {
  AppCtx *app = (AppCtx *)ptr;
  const PetscReal wd = 1 - app->diffusion, wa = 1 - app->advection;
  DM da;
  Vec Ul;
  const PetscScalar *u;
  PetscInt i, xs, xm, M;
  PetscReal h;

  PetscFunctionBeginUser;
  (void)t;
  (void)Udot;
  PetscCall(TSGetDM(ts, &da));
  PetscCall(DMDAGetInfo(da, NULL, &M, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
  h = 1.0 / M;
  PetscCall(DMGetLocalVector(da, &Ul));
  PetscCall(DMGlobalToLocalBegin(da, U, INSERT_VALUES, Ul));
  PetscCall(DMGlobalToLocalEnd(da, U, INSERT_VALUES, Ul));
  PetscCall(DMDAVecGetArrayRead(da, Ul, &u));
  PetscCall(DMDAGetCorners(da, &xs, NULL, NULL, &xm, NULL, NULL));
  for (i = xs; i < xs + xm; i++) {
    MatStencil row = {0}, col[3] = {{0}};
    PetscScalar v[3];
    row.i = i;
    col[0].i = i - 1;
    col[1].i = i;
    col[2].i = i + 1;
    v[0] = -(wd * app->nu / (h * h) + wa * u[i - 1] / (2 * h));
    v[1] = shift + wd * 2 * app->nu / (h * h);
    v[2] = -(wd * app->nu / (h * h) - wa * u[i + 1] / (2 * h));
    PetscCall(MatSetValuesStencil(P, 1, &row, 3, col, v, INSERT_VALUES));
  }
  PetscCall(DMDAVecRestoreArrayRead(da, Ul, &u));
  PetscCall(DMRestoreLocalVector(da, &Ul));
  PetscCall(MatAssemblyBegin(P, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(P, MAT_FINAL_ASSEMBLY));
  if (A != P) {
    PetscCall(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
    PetscCall(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode Series(TS ts, PetscInt step, PetscReal t, Vec U, void *ptr) {
  AppCtx *app = (AppCtx *)ptr;
  PetscFunctionBeginUser;
  (void)ts;
  (void)t;
  if (step % app->series_stride == 0) {
    PetscCall(PetscViewerHDF5SetTimestep(app->series, step / app->series_stride));
    PetscCall(VecView(U, app->series));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode MonitorNorm(TS ts, PetscInt step, PetscReal t, Vec U, void *ptr) {
  PetscReal norm;
  PetscFunctionBeginUser;
  (void)ptr;
  PetscCall(VecNorm(U, NORM_2, &norm));
  PetscCall(PetscPrintf(PetscObjectComm((PetscObject)ts), "monitor %" PetscInt_FMT " %.10g %.15e\n", step, (double)t,
                        (double)norm));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv) {
  AppCtx app = {0.02, 10, NULL, 1, 1};
  PetscInt n = 200, i, xs, xm;
  PetscBool implicit_only = PETSC_FALSE, imex = PETSC_FALSE, monitor_norm = PETSC_FALSE;
  Mat J;
  char final_out[PETSC_MAX_PATH_LEN] = "", series_out[PETSC_MAX_PATH_LEN] = "", compare_to[PETSC_MAX_PATH_LEN] = "";
  DM da;
  TS ts;
  Vec U;
  PetscScalar *u;

  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, "Viscous Burgers' equation: an ordinary PETSc TS application.\n"));
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "Burgers application", NULL);
  PetscCall(PetscOptionsInt("-n", "Grid points", NULL, n, &n, NULL));
  PetscCall(PetscOptionsReal("-nu", "Viscosity", NULL, app.nu, &app.nu, NULL));
  PetscCall(PetscOptionsString("-final_out", "HDF5 file for the final state", NULL, final_out, final_out, sizeof final_out, NULL));
  PetscCall(PetscOptionsString("-series_out", "HDF5 file for a time series (timestepping)", NULL, series_out, series_out,
                               sizeof series_out, NULL));
  PetscCall(PetscOptionsInt("-series_stride", "Steps between states in -series_out", NULL, app.series_stride,
                            &app.series_stride, NULL));
  PetscCall(PetscOptionsString("-compare_to", "HDF5 file with a reference final state", NULL, compare_to, compare_to,
                               sizeof compare_to, NULL));
  PetscCall(PetscOptionsBool("-implicit_only", "Define the equations by an IFunction only", NULL, implicit_only,
                             &implicit_only, NULL));
  PetscCall(PetscOptionsBool("-monitor_norm", "Print each step's state norm", NULL, monitor_norm, &monitor_norm, NULL));
  PetscCall(PetscOptionsBool("-imex", "IMEX form: diffusion implicit, advection explicit", NULL, imex, &imex, NULL));
  PetscOptionsEnd();

  PetscCall(DMDACreate1d(PETSC_COMM_WORLD, DM_BOUNDARY_PERIODIC, n, 1, 1, NULL, &da));
  PetscCall(DMSetFromOptions(da));
  PetscCall(DMSetUp(da));
  PetscCall(DMDASetFieldName(da, 0, "u"));
  PetscCall(DMCreateGlobalVector(da, &U));
  PetscCall(PetscObjectSetName((PetscObject)U, "u"));
  PetscCall(DMDAVecGetArray(da, U, &u));
  PetscCall(DMDAGetCorners(da, &xs, NULL, NULL, &xm, NULL, NULL));
  for (i = xs; i < xs + xm; i++) {
    const PetscReal x = (PetscReal)i / n;
    u[i] = 1 + 0.5 * PetscSinReal(2 * PETSC_PI * x) + 0.25 * PetscCosReal(4 * PETSC_PI * x);
  }
  PetscCall(DMDAVecRestoreArray(da, U, &u));

  PetscCall(TSCreate(PETSC_COMM_WORLD, &ts));
  PetscCall(TSSetDM(ts, da));
  if (implicit_only || imex) {
    /* RHS keeps what the IFunction leaves out: nothing, or the advection. */
    app.diffusion = 0;
    app.advection = imex ? 1 : 0;
    PetscCall(DMCreateMatrix(da, &J));
    PetscCall(TSSetIFunction(ts, NULL, IFunction, &app));
    PetscCall(TSSetIJacobian(ts, J, J, IJacobian, &app));
    PetscCall(MatDestroy(&J)); /* the TS holds it */
    if (imex) {
      PetscCall(TSSetRHSFunction(ts, NULL, RHS, &app));
      PetscCall(TSSetType(ts, TSARKIMEX));
    } else {
      PetscCall(TSSetType(ts, TSBEULER));
    }
  } else {
    PetscCall(TSSetRHSFunction(ts, NULL, RHS, &app));
    PetscCall(TSSetType(ts, TSRK));
  }
  PetscCall(TSSetTimeStep(ts, 1e-4));
  PetscCall(TSSetMaxTime(ts, 0.3));
  PetscCall(TSSetExactFinalTime(ts, TS_EXACTFINALTIME_MATCHSTEP));
  if (series_out[0]) {
    PetscCall(PetscViewerHDF5Open(PETSC_COMM_WORLD, series_out, FILE_MODE_WRITE, &app.series));
    PetscCall(PetscViewerHDF5PushTimestepping(app.series));
    PetscCall(TSMonitorSet(ts, Series, &app, NULL));
  }
  if (monitor_norm) PetscCall(TSMonitorSet(ts, MonitorNorm, NULL, NULL));
  PetscCall(TSSetFromOptions(ts));
  PetscCall(TSSolve(ts, U));

  if (final_out[0]) PetscCall(WriteFinalState(U, final_out));
  if (compare_to[0]) PetscCall(CompareFinalState(U, compare_to));
  if (app.series) PetscCall(PetscViewerDestroy(&app.series));
  PetscCall(TSDestroy(&ts));
  PetscCall(VecDestroy(&U));
  PetscCall(DMDestroy(&da));
  PetscCall(PetscFinalize());
  return 0;
}
