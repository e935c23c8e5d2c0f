#include "metarom/rom/latent_integration.hpp"

#include <fmt/format.h>
#include <petscts.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "metarom/error.hpp"
#include "metarom/io/petsc_handle.hpp"
#include "models/linear_ode.hpp"

namespace metarom {

Matrix LatentDynamics::jacobian(double t, const Vector& u) const {
  const Index r = u.size();
  Matrix J(r, r);
  for (Index k = 0; k < r; ++k) {
    const double h = 1e-6 * (1.0 + std::abs(u(k)));
    Vector up = u, um = u;
    up(k) += h;
    um(k) -= h;
    J.col(k) = (rhs(t, up) - rhs(t, um)) / (2 * h);
  }
  return J;
}

Matrix ImplicitLatentDynamics::jacobian(double t, const Vector& u, const Vector& udot, double shift) const {
  const Index r = u.size();
  Matrix J(r, r);
  for (Index k = 0; k < r; ++k) {
    const double h = 1e-6 * (1.0 + std::abs(u(k)));
    Vector up = u, um = u, vp = udot, vm = udot;
    up(k) += h;
    um(k) -= h;
    vp(k) += shift * h;
    vm(k) -= shift * h;
    J.col(k) = (residual(t, up, vp) - residual(t, um, vm)) / (2 * h);
  }
  return J;
}

namespace {

// The latent ODE a TS advances: explicit (g) or implicit (F), one of the two set.
struct LatentForm {
  const LatentDynamics* g = nullptr;
  const ImplicitLatentDynamics* F = nullptr;
  int dim() const { return g ? g->dim() : F->dim(); }
  std::string name() const { return g ? g->name() : F->name(); }
};

struct LatentContext {
  LatentForm form;
  const LatentMonitor* monitor;
  int stride;
  LatentRecorder recorded;
  std::string error;  // what a callback threw, for the report
  PetscInt good_step = -1;  // the last step whose state was finite
  double good_t = NAN;
};

// An explicit latent ODE du/dt = g in implicit form, F = u̇ − g(t, u) with ∂F/∂u̇ = I, for
// the TS types that read an RHS function as the explicit part of an IMEX split
// (implicit_form_type below).
class ImplicitFormOf : public ImplicitLatentDynamics {
 public:
  explicit ImplicitFormOf(const LatentDynamics& g) : g_(g) {}
  int dim() const override { return g_.dim(); }
  Vector residual(double t, const Vector& u, const Vector& udot) const override { return udot - g_.rhs(t, u); }
  Matrix jacobian(double t, const Vector& u, const Vector&, double shift) const override {
    Matrix J = -g_.jacobian(t, u);
    J.diagonal().array() += shift;
    return J;
  }
  std::string name() const override { return g_.name(); }

 private:
  const LatentDynamics& g_;
};

// The callbacks below copy the small latent Vecs (r values) in and out, inside petsc_guard so
// what a model throws becomes a PETSc error with the message kept for the report.
Vector latent_values(Vec v) {
  PetscInt r;
  METAROM_PETSC(VecGetLocalSize(v, &r));
  Vector x(r);
  copy_from_vec(v, x.data());
  return x;
}

// The r x r dense Jacobian into P (and A assembled too, when distinct).
void set_dense(Mat A, Mat P, const Matrix& J) {
  PetscScalar* pa;
  METAROM_PETSC(MatDenseGetArray(P, &pa));
  Eigen::Map<Matrix>(pa, J.rows(), J.cols()) = J;
  METAROM_PETSC(MatDenseRestoreArray(P, &pa));
  for (Mat M : {P, A}) {
    METAROM_PETSC(MatAssemblyBegin(M, MAT_FINAL_ASSEMBLY));
    METAROM_PETSC(MatAssemblyEnd(M, MAT_FINAL_ASSEMBLY));
    if (A == P) break;
  }
}

PetscErrorCode latent_rhs(TS, PetscReal t, Vec u, Vec f, void* ctx) {
  auto* c = static_cast<LatentContext*>(ctx);
  PetscFunctionBeginUser;
  PetscCall(petsc_guard(
      PETSC_COMM_SELF,
      [&] {
        const Vector g = c->form.g->rhs(t, latent_values(u));
        copy_to_vec(g.data(), f);
      },
      &c->error));
  PetscFunctionReturn(0);
}

PetscErrorCode latent_jacobian(TS, PetscReal t, Vec u, Mat A, Mat P, void* ctx) {
  auto* c = static_cast<LatentContext*>(ctx);
  PetscFunctionBeginUser;
  PetscCall(petsc_guard(
      PETSC_COMM_SELF, [&] { set_dense(A, P, c->form.g->jacobian(t, latent_values(u))); }, &c->error));
  PetscFunctionReturn(0);
}

PetscErrorCode latent_ifunction(TS, PetscReal t, Vec u, Vec udot, Vec f, void* ctx) {
  auto* c = static_cast<LatentContext*>(ctx);
  PetscFunctionBeginUser;
  PetscCall(petsc_guard(
      PETSC_COMM_SELF,
      [&] {
        const Vector F = c->form.F->residual(t, latent_values(u), latent_values(udot));
        copy_to_vec(F.data(), f);
      },
      &c->error));
  PetscFunctionReturn(0);
}

PetscErrorCode latent_ijacobian(TS, PetscReal t, Vec u, Vec udot, PetscReal shift, Mat A, Mat P, void* ctx) {
  auto* c = static_cast<LatentContext*>(ctx);
  PetscFunctionBeginUser;
  PetscCall(petsc_guard(
      PETSC_COMM_SELF, [&] { set_dense(A, P, c->form.F->jacobian(t, latent_values(u), latent_values(udot), shift)); },
      &c->error));
  PetscFunctionReturn(0);
}

PetscErrorCode latent_record(TS, PetscInt step, PetscReal t, Vec u, void* ctx) {
  auto* c = static_cast<LatentContext*>(ctx);
  PetscFunctionBeginUser;
  const PetscScalar* pu;
  PetscInt r;
  PetscCall(VecGetLocalSize(u, &r));
  PetscCall(VecGetArrayRead(u, &pu));
  const Vector state = Eigen::Map<const Vector>(pu, r);
  PetscCall(VecRestoreArrayRead(u, &pu));
  // A diverging ROM stops at the first state that is not finite (explicit types would carry
  // Inf and NaN to the end otherwise), saying where and when.
  const bool finite = state.allFinite();
  if (finite && step % c->stride == 0) c->recorded.add(t, state.data());
  if (!finite) {
    c->error = fmt::format("the latent state is not finite at step {}, t = {:.6g}; the last finite one: step {}, t = {:.6g}",
                           step, t, c->good_step, c->good_t);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FP, "latent state not finite");
  }
  c->good_step = step;
  c->good_t = t;
  if (c->monitor && *c->monitor)
    PetscCall(petsc_guard(PETSC_COMM_SELF, [&] { (*c->monitor)(step, t, state); }, &c->error));
  PetscFunctionReturn(0);
}

}  // namespace

namespace {

// Whether a latent integration under `prefix` runs an implicit type: -<prefix>ts_type when
// given, else the default `implicit_type` ("" explicit).
bool implicit_run(const std::string& prefix, const std::string& implicit_type) {
  char type[64];
  PetscBool set;
  METAROM_PETSC(PetscOptionsGetString(nullptr, prefix.c_str(), "-ts_type", type, sizeof type, &set));
  return set ? !explicit_ts_type(type) : !implicit_type.empty();
}

// Whether the run's TS type (-<prefix>ts_type, else the default) treats the RHS function as the
// non-stiff part of an IMEX split, integrated explicitly: Rosenbrock–W (rosw) and additive
// Runge–Kutta IMEX (arkimex). Handed du/dt = g as an RHS alone, they would step the stiff
// latent ODE explicitly (on the heat AE ROM, rosw then missed by 0.35 where Crank–Nicolson
// gives 1.2e-3, its Jacobian never asked for); they get F = u̇ − g instead.
bool implicit_form_type(const std::string& prefix, const std::string& default_type) {
  char type[64] = "";
  PetscBool set;
  METAROM_PETSC(PetscOptionsGetString(nullptr, prefix.c_str(), "-ts_type", type, sizeof type, &set));
  const std::string chosen = set ? type : default_type;
  return chosen == TSROSW || chosen == TSARKIMEX;
}

LatentTrajectory integrate_latent_lagged(const LatentForm& form, const Vector& u0, const TimeGrid& grid,
                                         const std::string& prefix, const std::string& implicit_type,
                                         double adaptive_tolerance, PetscInt lag, const LatentMonitor& monitor) {
  const bool adaptive = adaptive_tolerance > 0 && implicit_type.empty() && form.g;
  const PetscInt r = form.dim();
  if (u0.size() != r)
    throw Error(fmt::format("{}: initial latent state has {} entries, r = {}", form.name(), u0.size(), r));
  LatentContext ctx{form, &monitor, adaptive ? 1 : grid.stride, LatentRecorder(r, grid.snapshots()), {}};
  MatHandle J;
  VecHandle u;
  METAROM_PETSC(MatCreateSeqDense(PETSC_COMM_SELF, r, r, nullptr, J.address()));
  METAROM_PETSC(VecCreateSeq(PETSC_COMM_SELF, r, u.address()));
  PetscScalar* pu;
  METAROM_PETSC(VecGetArray(u, &pu));
  Eigen::Map<Vector>(pu, r) = u0;
  METAROM_PETSC(VecRestoreArray(u, &pu));
  TSHandle ts;
  METAROM_PETSC(TSCreate(PETSC_COMM_SELF, ts.address()));
  METAROM_PETSC(TSSetOptionsPrefix(ts, prefix.c_str()));
  METAROM_PETSC(TSSetProblemType(ts, TS_NONLINEAR));
  if (form.g) {
    METAROM_PETSC(TSSetRHSFunction(ts, nullptr, latent_rhs, &ctx));
    METAROM_PETSC(TSSetRHSJacobian(ts, J, J, latent_jacobian, &ctx));
  } else {
    METAROM_PETSC(TSSetIFunction(ts, nullptr, latent_ifunction, &ctx));
    METAROM_PETSC(TSSetIJacobian(ts, J, J, latent_ijacobian, &ctx));
  }
  if (!implicit_type.empty()) {
    METAROM_PETSC(TSSetType(ts, implicit_type.c_str()));
  } else {
    METAROM_PETSC(TSSetType(ts, TSRK));
    METAROM_PETSC(TSRKSetType(ts, adaptive ? TSRK5DP : TSRK4));
  }
  use_direct_solves(ts);  // the Jacobian is a dense r x r matrix
  // Trust-region Newton: a latent ODE of a poorly trained decoder can be stiff and far from
  // linear (heat, meta-AE at r = 20: line-search Newton stalled at the first step, the trust
  // region converged); on well-behaved problems it takes the same full Newton steps.
  // The Jacobian is rebuilt every `lag`-th Newton iteration, across steps (see integrate_latent).
  // The implicit form keeps PETSc's line-search Newton: on PETSc's ex22 (IMEX advection-
  // reaction, POD r = 10) the trust region stopped with DIVERGED_INNER once the residual
  // had reached round-off after one step, while line-search Newton converged.
  // Rosenbrock–W and IMEX types keep their own solver (rosw: one linear solve a stage, the
  // Jacobian formed once a step).
  SNES snes;
  METAROM_PETSC(TSGetSNES(ts, &snes));
  if (!implicit_form_type(prefix, implicit_type)) {
    METAROM_PETSC(SNESSetType(snes, form.g ? SNESNEWTONTR : SNESNEWTONLS));
    METAROM_PETSC(SNESSetLagJacobian(snes, lag));
    METAROM_PETSC(SNESSetLagJacobianPersists(snes, PETSC_TRUE));
  }
  TSAdapt adapt;
  METAROM_PETSC(TSGetAdapt(ts, &adapt));
  if (adaptive) {
    METAROM_PETSC(TSAdaptSetType(adapt, TSADAPTBASIC));
    const double scale = std::max(u0.cwiseAbs().maxCoeff(), 1e-300);
    METAROM_PETSC(TSSetTolerances(ts, adaptive_tolerance * scale, nullptr, adaptive_tolerance, nullptr));
  } else {
    METAROM_PETSC(TSAdaptSetType(adapt, TSADAPTNONE));  // the full model's grid, step for step
  }
  METAROM_PETSC(TSSetTime(ts, grid.t0));
  METAROM_PETSC(TSSetTimeStep(ts, grid.dt()));
  METAROM_PETSC(TSSetMaxTime(ts, grid.t_final));
  METAROM_PETSC(TSSetMaxSteps(ts, adaptive ? 100000000 : grid.steps));
  METAROM_PETSC(TSSetExactFinalTime(ts, TS_EXACTFINALTIME_MATCHSTEP));
  METAROM_PETSC(TSMonitorSet(ts, latent_record, &ctx, nullptr));
  METAROM_PETSC(TSSetFromOptions(ts));
  METAROM_PETSC(TSSetSolution(ts, u));
  METAROM_PETSC(TSSetUp(ts));
  const double start = MPI_Wtime();
  // A ROM that fails (blows up, or its implicit solves diverge) is a result to report, not
  // a crash: PETSc's error is caught here and turned into an exception with the reason.
  METAROM_PETSC(PetscPushErrorHandler(PetscReturnErrorHandler, nullptr));
  const PetscErrorCode ierr = TSSolve(ts, u);
  METAROM_PETSC(PetscPopErrorHandler());
  const double seconds = MPI_Wtime() - start;
  if (ierr) {
    TSConvergedReason reason;
    PetscReal t;
    TSGetConvergedReason(ts, &reason);
    TSGetTime(ts, &t);
    const std::string why = !ctx.error.empty() ? ctx.error
                            : reason < 0       ? std::string(TSConvergedReasons[reason])
                                               : "PETSc error " + std::to_string(ierr);
    TSType type = nullptr;
    PetscInt steps = 0;
    TSGetType(ts, &type);
    TSGetStepNumber(ts, &steps);
    throw LatentIntegrationError(
        fmt::format("{}: the latent time integration failed at t = {:.6g} ({})", form.name(), t, why),
        ctx.recorded.finish(seconds, type ? type : "", steps));
  }
  TSType type;
  METAROM_PETSC(TSGetType(ts, &type));
  PetscInt steps;
  METAROM_PETSC(TSGetStepNumber(ts, &steps));
  return ctx.recorded.finish(seconds, type ? type : "", steps);
}

LatentTrajectory integrate_with_retry(const LatentForm& form, const Vector& u0, const TimeGrid& grid,
                                      const std::string& prefix, const std::string& implicit_type,
                                      double adaptive_tolerance, const LatentMonitor& monitor) {
  // Implicit types rebuild the Jacobian every 10th Newton iteration, across steps: with a
  // fixed step it changes slowly, and a converged Newton solve does not depend on it (heat,
  // r = 20: half the cost per step, errors unchanged to the digits printed). Where the lagged
  // Jacobian lets a Newton solve fail (a stiff, poorly trained decoder), the integration is
  // run again with a fresh Jacobian at every iteration. (An explicit integration has no
  // Jacobian to refresh: its failure stands. Options may still pick an implicit type for
  // an explicit default, so the retry keys on the type actually used.) A monitor sees the
  // states of both runs, the first one's up to its failure.
  try {
    return integrate_latent_lagged(form, u0, grid, prefix, implicit_type, adaptive_tolerance, 10, monitor);
  } catch (const LatentIntegrationError&) {
    if (!implicit_run(prefix, implicit_type)) throw;
    return integrate_latent_lagged(form, u0, grid, prefix, implicit_type, adaptive_tolerance, 1, monitor);
  }
}

}  // namespace

LatentTrajectory integrate_latent(const LatentDynamics& g, const Vector& u0, const TimeGrid& grid,
                                  const std::string& prefix, const std::string& implicit_type,
                                  double adaptive_tolerance, const LatentMonitor& monitor) {
  if (implicit_form_type(prefix, implicit_type)) {
    const ImplicitFormOf F(g);
    return integrate_with_retry(LatentForm{nullptr, &F}, u0, grid, prefix, implicit_type, 0, monitor);
  }
  return integrate_with_retry(LatentForm{&g, nullptr}, u0, grid, prefix, implicit_type, adaptive_tolerance, monitor);
}

LatentTrajectory integrate_latent(const ImplicitLatentDynamics& F, const Vector& u0, const TimeGrid& grid,
                                  const std::string& prefix, const std::string& implicit_type,
                                  const LatentMonitor& monitor) {
  return integrate_with_retry(LatentForm{nullptr, &F}, u0, grid, prefix, implicit_type.empty() ? TSBEULER : implicit_type,
                              0, monitor);
}


LatentTrajectory march_latent(const Vector& u0, const TimeGrid& grid, const LatentStep& step, const std::string& ts_type,
                              const LatentMonitor& monitor) {
  LatentRecorder recorded(u0.size(), grid.snapshots());
  recorded.add(grid.t0, u0.data());
  const double dt = grid.dt();
  const double start = MPI_Wtime();
  if (monitor) monitor(0, grid.t0, u0);
  Vector u = u0;
  for (int k = 1; k <= grid.steps; ++k) {
    const double t = grid.t0 + k * dt;
    u = step(u, t, dt);
    if (k % grid.stride == 0) recorded.add(t, u.data());
    if (monitor) monitor(k, t, u);
  }
  return recorded.finish(MPI_Wtime() - start, ts_type, grid.steps);
}


LatentTrajectory LatentRecorder::finish(double seconds, std::string ts_type, long long steps) const {
  LatentTrajectory out;
  out.seconds = seconds;
  out.ts_type = std::move(ts_type);
  out.steps = steps;
  out.U = Eigen::Map<const Matrix>(data_.data(), r_, count());
  out.t = Eigen::Map<const Vector>(times_.data(), count());
  return out;
}

}  // namespace metarom
