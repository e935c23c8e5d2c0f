#include "models/linear_ode.hpp"

#include <cstring>

#include "metarom/error.hpp"
#include "metarom/io/petsc_handle.hpp"

namespace metarom {

struct LinearOdeTs::Context {
  Mat A;
  Vec c;  // may be null
  PetscReal last_shift = -1;
  std::function<void(PetscInt, PetscReal, Vec)> record;
};

namespace {

PetscErrorCode ode_rhs(TS, PetscReal, Vec u, Vec f, void* ctx) {
  auto* oc = static_cast<LinearOdeTs::Context*>(ctx);
  PetscFunctionBeginUser;
  PetscCall(MatMult(oc->A, u, f));
  if (oc->c) PetscCall(VecAXPY(f, 1.0, oc->c));
  PetscFunctionReturn(0);
}

PetscErrorCode ode_ifunction(TS, PetscReal, Vec u, Vec udot, Vec F, void* ctx) {
  auto* oc = static_cast<LinearOdeTs::Context*>(ctx);
  PetscFunctionBeginUser;
  PetscCall(MatMult(oc->A, u, F));
  if (oc->c) PetscCall(VecAXPY(F, 1.0, oc->c));
  PetscCall(VecAYPX(F, -1.0, udot));  // F = u' - (A u + c)
  PetscFunctionReturn(0);
}

PetscErrorCode ode_ijacobian(TS, PetscReal, Vec, Vec, PetscReal shift, Mat J, Mat P, void* ctx) {
  auto* oc = static_cast<LinearOdeTs::Context*>(ctx);
  PetscFunctionBeginUser;
  if (shift != oc->last_shift) {  // unchanged matrix: PETSc reuses its factors
    PetscCall(MatCopy(oc->A, P, SAME_NONZERO_PATTERN));
    PetscCall(MatScale(P, -1.0));
    PetscCall(MatShift(P, shift));
    if (J != P) {
      PetscCall(MatAssemblyBegin(J, MAT_FINAL_ASSEMBLY));
      PetscCall(MatAssemblyEnd(J, MAT_FINAL_ASSEMBLY));
    }
    oc->last_shift = shift;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode ode_monitor(TS, PetscInt step, PetscReal t, Vec u, void* ctx) {
  auto* oc = static_cast<LinearOdeTs::Context*>(ctx);
  PetscFunctionBeginUser;
  PetscCallCXX(oc->record(step, t, u));
  PetscFunctionReturn(0);
}

}  // namespace

bool explicit_ts_type(const char* type) {
  for (const char* t : {TSEULER, TSRK, TSSSP, TSMPRK})
    if (!std::strcmp(type, t)) return true;
  return false;
}

void use_direct_solves(TS ts) {
  SNES snes;
  KSP ksp;
  PC pc;
  METAROM_PETSC(TSGetSNES(ts, &snes));
  METAROM_PETSC(SNESGetKSP(snes, &ksp));
  METAROM_PETSC(KSPSetType(ksp, KSPPREONLY));
  METAROM_PETSC(KSPGetPC(ksp, &pc));
  METAROM_PETSC(PCSetType(pc, PCLU));
}

LinearOdeTs::LinearOdeTs(Mat A, Vec c, const TimeGrid& grid, const std::string& prefix, TSType default_type,
                         std::function<void(PetscInt, PetscReal, Vec)> record)
    : ctx_(new Context{A, c, -1, std::move(record)}) {
  MPI_Comm comm;
  METAROM_PETSC(PetscObjectGetComm(reinterpret_cast<PetscObject>(A), &comm));
  METAROM_PETSC(TSCreate(comm, &ts_));
  if (!prefix.empty()) METAROM_PETSC(TSSetOptionsPrefix(ts_, prefix.c_str()));
  METAROM_PETSC(TSSetProblemType(ts_, TS_LINEAR));
  METAROM_PETSC(TSSetType(ts_, default_type));
  METAROM_PETSC(TSSetTime(ts_, grid.t0));
  METAROM_PETSC(TSSetTimeStep(ts_, grid.dt()));
  METAROM_PETSC(TSSetMaxTime(ts_, grid.t_final));
  METAROM_PETSC(TSSetMaxSteps(ts_, grid.steps));
  METAROM_PETSC(TSSetExactFinalTime(ts_, TS_EXACTFINALTIME_MATCHSTEP));
  if (ctx_->record) METAROM_PETSC(TSMonitorSet(ts_, ode_monitor, ctx_, nullptr));
}

LinearOdeTs::~LinearOdeTs() {
  TSDestroy(&ts_);
  MatDestroy(&J_);
  delete ctx_;
}

void LinearOdeTs::set_from_options() {
  METAROM_PETSC(TSSetFromOptions(ts_));
  TSType type;
  METAROM_PETSC(TSGetType(ts_, &type));
  if (explicit_ts_type(type)) {
    METAROM_PETSC(TSSetRHSFunction(ts_, nullptr, ode_rhs, ctx_));
  } else {
    METAROM_PETSC(MatDuplicate(ctx_->A, MAT_COPY_VALUES, &J_));
    METAROM_PETSC(TSSetIFunction(ts_, nullptr, ode_ifunction, ctx_));
    METAROM_PETSC(TSSetIJacobian(ts_, J_, J_, ode_ijacobian, ctx_));
  }
}

double LinearOdeTs::solve(Vec u) {
  MPI_Comm comm;
  METAROM_PETSC(PetscObjectGetComm(reinterpret_cast<PetscObject>(ts_), &comm));
  METAROM_PETSC(TSSetSolution(ts_, u));
  METAROM_PETSC(TSSetUp(ts_));
  MPI_Barrier(comm);
  const double start = MPI_Wtime();
  METAROM_PETSC(TSSolve(ts_, u));
  MPI_Barrier(comm);
  return MPI_Wtime() - start;
}

std::string LinearOdeTs::type() const {
  TSType type;
  METAROM_PETSC(TSGetType(ts_, &type));
  return type ? type : "";
}

}  // namespace metarom
