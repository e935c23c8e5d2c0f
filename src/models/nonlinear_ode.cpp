#include "models/nonlinear_ode.hpp"

#include <fmt/format.h>

#include <vector>

#include "metarom/error.hpp"
#include "metarom/io/petsc_handle.hpp"

namespace metarom {

namespace {

struct NonlinearOdeContext {
  const NonlinearOde* ode;
  std::function<void(PetscInt, PetscReal, Vec)> record;
};

PetscErrorCode nonlinear_rhs(TS, PetscReal, Vec x, Vec f, void* ctx) {
  PetscFunctionBeginUser;
  PetscCallCXX(static_cast<NonlinearOdeContext*>(ctx)->ode->rhs(x, f));
  PetscFunctionReturn(0);
}

PetscErrorCode nonlinear_jacobian(TS, PetscReal, Vec x, Mat J, Mat P, void* ctx) {
  PetscFunctionBeginUser;
  PetscCallCXX(static_cast<NonlinearOdeContext*>(ctx)->ode->assemble_jacobian(x, P));
  if (J != P) {
    PetscCall(MatAssemblyBegin(J, MAT_FINAL_ASSEMBLY));
    PetscCall(MatAssemblyEnd(J, MAT_FINAL_ASSEMBLY));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode nonlinear_monitor(TS, PetscInt step, PetscReal t, Vec x, void* ctx) {
  PetscFunctionBeginUser;
  PetscCallCXX(static_cast<NonlinearOdeContext*>(ctx)->record(step, t, x));
  PetscFunctionReturn(0);
}

}  // namespace

NonlinearOdeRun integrate_nonlinear_ode(MPI_Comm comm, const NonlinearOde& ode, const TimeGrid& tg, Vec x,
                                        SnapshotRecorder& recorder, bool progress) {
  PetscInt local_size;
  METAROM_PETSC(VecGetLocalSize(x, &local_size));
  std::vector<double> local(static_cast<size_t>(local_size));
  int last_tenth = -1;
  const double start_wall = MPI_Wtime();
  NonlinearOdeContext ctx{&ode, [&](PetscInt step, PetscReal t, Vec state) {
                            if (step % tg.stride == 0) {
                              copy_from_vec(state, local.data());
                              recorder.keep(step, t, local.data());
                            }
                            const int tenth = static_cast<int>(10 * step / tg.steps);
                            if (progress && tenth != last_tenth) {
                              last_tenth = tenth;
                              METAROM_PETSC(PetscFPrintf(comm, PETSC_STDERR,
                                                         "  %s: step %" PetscInt_FMT "/%d  t = %.4f  %.1f s elapsed\n",
                                                         ode.model.c_str(), step, tg.steps, (double)t,
                                                         MPI_Wtime() - start_wall));
                            }
                          }};
  TSHandle ts;
  METAROM_PETSC(TSCreate(comm, ts.address()));
  METAROM_PETSC(TSSetDM(ts, ode.da));
  METAROM_PETSC(TSSetProblemType(ts, TS_NONLINEAR));
  METAROM_PETSC(TSSetType(ts, ode.default_type));
  METAROM_PETSC(TSSetRHSFunction(ts, nullptr, nonlinear_rhs, &ctx));
  MatHandle J;
  METAROM_PETSC(MatDuplicate(ode.jacobian, MAT_DO_NOT_COPY_VALUES, J.address()));
  METAROM_PETSC(TSSetRHSJacobian(ts, J, J, nonlinear_jacobian, &ctx));
  METAROM_PETSC(TSSetTime(ts, tg.t0));
  METAROM_PETSC(TSSetTimeStep(ts, tg.dt()));
  METAROM_PETSC(TSSetMaxSteps(ts, tg.steps));
  METAROM_PETSC(TSSetMaxTime(ts, tg.t_final));
  METAROM_PETSC(TSSetExactFinalTime(ts, TS_EXACTFINALTIME_MATCHSTEP));
  METAROM_PETSC(TSMonitorSet(ts, nonlinear_monitor, &ctx, nullptr));
  // Newton to a residual far below the time-discretization error (NM-ROM: 1e-8); a failed
  // Newton solve ends the run with PETSc's message instead of a silently rejected step.
  SNES snes;
  KSP ksp;
  METAROM_PETSC(TSGetSNES(ts, &snes));
  METAROM_PETSC(SNESSetTolerances(snes, 1e-12, 1e-10, PETSC_DEFAULT, 20, PETSC_DEFAULT));
  METAROM_PETSC(SNESGetKSP(snes, &ksp));
  if (ode.ksp_type) METAROM_PETSC(KSPSetType(ksp, ode.ksp_type));
  METAROM_PETSC(KSPSetTolerances(ksp, 1e-12, 1e-14, PETSC_DEFAULT, PETSC_DEFAULT));
  METAROM_PETSC(TSSetMaxSNESFailures(ts, 1));
  METAROM_PETSC(TSSetFromOptions(ts));

  METAROM_PETSC(TSSetSolution(ts, x));
  METAROM_PETSC(TSSetUp(ts));
  MPI_Barrier(comm);
  const double start = MPI_Wtime();
  METAROM_PETSC(TSSolve(ts, x));
  MPI_Barrier(comm);
  NonlinearOdeRun run;
  run.seconds = MPI_Wtime() - start;
  PetscInt newton;
  METAROM_PETSC(TSGetSNESIterations(ts, &newton));
  run.newton = newton;
  TSConvergedReason reason;
  METAROM_PETSC(TSGetConvergedReason(ts, &reason));
  if (reason < 0)
    throw Error(fmt::format("{}: the time integration failed ({})", ode.model, TSConvergedReasons[reason]));
  TSType type;
  METAROM_PETSC(TSGetType(ts, &type));
  run.ts_type = type ? type : "";
  return run;
}

}  // namespace metarom
