#include "metarom/rom/latent_rom.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <petscts.h>

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "metarom/error.hpp"
#include "metarom/rom/learned_dynamics.hpp"
#include "models/linear_ode.hpp"
#include "metarom/reducers/normalization.hpp"
#include "metarom/io/petsc_handle.hpp"

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
  SNES snes;
  METAROM_PETSC(TSGetSNES(ts, &snes));
  METAROM_PETSC(SNESSetType(snes, form.g ? SNESNEWTONTR : SNESNEWTONLS));
  METAROM_PETSC(SNESSetLagJacobian(snes, lag));
  METAROM_PETSC(SNESSetLagJacobianPersists(snes, PETSC_TRUE));
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
    throw LatentIntegrationError(
        fmt::format("{}: the latent time integration failed at t = {:.6g} ({})", form.name(), t, why));
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
  return integrate_with_retry(LatentForm{&g, nullptr}, u0, grid, prefix, implicit_type, adaptive_tolerance, monitor);
}

LatentTrajectory integrate_latent(const ImplicitLatentDynamics& F, const Vector& u0, const TimeGrid& grid,
                                  const std::string& prefix, const std::string& implicit_type,
                                  const LatentMonitor& monitor) {
  return integrate_with_retry(LatentForm{nullptr, &F}, u0, grid, prefix, implicit_type.empty() ? TSBEULER : implicit_type,
                              0, monitor);
}

QuadraticGalerkinRom::QuadraticGalerkinRom(const FullOrderModel& model, const Reducer& reducer)
    : QuadraticGalerkinRom(model,
                           [&] {
                             if (!reducer.affine_decoder())
                               throw Error("POD-Galerkin ROM: reducer '" + reducer.type() +
                                           "' has a nonlinear decoder (use manifold Galerkin)");
                             require_same_rows(model, reducer, "POD-Galerkin ROM");
                             return Vector(reducer.decode(Matrix::Zero(reducer.latent_dim(), 1)).col(0));
                           }(),
                           reducer.decoder_jacobian(Vector::Zero(reducer.latent_dim()))) {}

QuadraticGalerkinRom::QuadraticGalerkinRom(const FullOrderModel& model, const Vector& xbar, const Matrix& U) {
  const QuadraticStructure* q = model.quadratic_structure();
  if (!q)
    throw Error("POD-Galerkin ROM: model '" + model.name() + "' has no quadratic structure (use manifold Galerkin)");
  if (U.rows() != model.rows().local() || xbar.size() != U.rows())
    throw Error(fmt::format("POD-Galerkin ROM: the basis has {} local rows, the model {}", U.rows(), model.rows().local()));
  const Index r = U.cols();
  const MPI_Comm comm = model.rows().comm;
  const bool centered = allreduce_max(comm, xbar.size() ? xbar.cwiseAbs().maxCoeff() : 0.0) > 0;
  // Full-order pieces, local rows: [c + Lx̄ + B(x̄, x̄) | LU + B(x̄, U) + B(U, x̄) | B(U_j, U_k)]
  // (a linear model has no B: its n x r² block is not formed).
  const bool quadratic = !model.linear_operator();
  Matrix full(U.rows(), 1 + r + (quadratic ? r * r : 0));
  full.col(0) = q->constant_term();
  full.middleCols(1, r) = q->apply_linear_term(U);
  if (quadratic) {
    Matrix V(U.rows(), r * r), W(U.rows(), r * r);
    for (Index k = 0; k < r; ++k)
      for (Index j = 0; j < r; ++j) {
        V.col(j + r * k) = U.col(j);
        W.col(j + r * k) = U.col(k);
      }
    full.rightCols(r * r) = q->apply_quadratic_term(V, W);
  }
  if (centered) {
    const Matrix xb = xbar;
    full.col(0) += q->apply_linear_term(xb).col(0);
    if (quadratic) {
      full.col(0) += q->apply_quadratic_term(xb, xb).col(0);
      const Matrix Xb = xbar.replicate(1, r);
      full.middleCols(1, r) += q->apply_quadratic_term(Xb, U) + q->apply_quadratic_term(U, Xb);
    }
  }
  // Galerkin projection with M = UᵀU (the identity for POD).
  const Matrix red = galerkin_project(U, full, comm, "POD-Galerkin ROM");
  cr_ = red.col(0);
  Ar_ = red.middleCols(1, r);
  Tr_ = quadratic ? Matrix(red.rightCols(r * r)) : Matrix::Zero(r, r * r);
  quadratic_ = quadratic && Tr_.cwiseAbs().maxCoeff() > 0;
}

Vector QuadraticGalerkinRom::rhs(double, const Vector& u) const {
  if (!quadratic_) return cr_ + Ar_ * u;
  const Index r = u.size();
  Vector kron(r * r);
  for (Index k = 0; k < r; ++k) kron.segment(r * k, r) = u(k) * u;
  return cr_ + Ar_ * u + Tr_ * kron;
}

Matrix QuadraticGalerkinRom::jacobian(double, const Vector& u) const {
  if (!quadratic_) return Ar_;
  const Index r = u.size();
  Matrix J = Ar_;
  // ∂/∂u_j Σ_jk T[:, j + rk] u_j u_k = Σ_k T[:, j + rk] u_k + Σ_k T[:, k + rj] u_k
  for (Index k = 0; k < r; ++k) {
    J.noalias() += Tr_.middleCols(r * k, r) * u(k);
    J.col(k).noalias() += Tr_.middleCols(r * k, r) * u;
  }
  return J;
}

Vector ManifoldLspgRom::step(const Vector& uk, double t_next, double dt) const {
  const Index r = uk.size();
  const MPI_Comm comm = model_.rows().comm;
  const Vector xk = reducer_.decode(uk).col(0);
  Vector u = uk;
  for (int it = 0; it < s_.max_iterations; ++it) {
    const Vector x = reducer_.decode(u).col(0);
    const Vector R = x - xk - dt * model_.rhs(t_next, x).col(0);
    const Matrix J = reducer_.decoder_jacobian(u);
    const Matrix JR = J - dt * model_.apply_jacobian(t_next, x, J);
    Matrix normal(r, r + 1);
    normal.leftCols(r) = JR.transpose() * JR;
    normal.col(r) = JR.transpose() * R;
    allreduce_sum(comm, normal.data(), normal.size());
    normal.leftCols(r).diagonal().array() += s_.damping;
    Eigen::LDLT<Matrix> H(normal.leftCols(r));
    if (H.info() != Eigen::Success) throw Error("manifold LSPG: singular normal equations");
    const Vector delta = -H.solve(normal.col(r));
    if (!delta.allFinite()) throw Error(fmt::format("manifold LSPG: the Gauss–Newton step at t = {:.6g} is not finite", t_next));
    u += delta;
    if (delta.norm() <= s_.tolerance * (1 + u.norm())) return u;
  }
  return u;  // the last iterate: LSPG's tolerance is a target, not a requirement
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

LatentTrajectory ManifoldLspgRom::solve(const Vector& u0, const TimeGrid& grid) const {
  return march_latent(
      u0, grid, [&](const Vector& u, double t_next, double dt) { return step(u, t_next, dt); }, "lspg-beuler");
}

namespace {
PetscErrorCode rom_options(const char* prefix, double* damping) {
  PetscReal delta = *damping;
  PetscFunctionBeginUser;
  PetscOptionsBegin(PETSC_COMM_WORLD, prefix, "Latent ROM (metarom)", "LatentRom");
  PetscCall(PetscOptionsReal("-manifold_damping",
                             "Manifold Galerkin damping delta (negative: 1e-4 for nonlinear decoders, 0 for affine)",
                             "LatentRom", delta, &delta, nullptr));
  PetscOptionsEnd();
  *damping = delta;
  PetscFunctionReturn(0);
}
}  // namespace

void LatentRomSettings::set_from_options(const std::string& p) {
  prefix = p;
  METAROM_PETSC(rom_options(petsc_prefix(p), &manifold_damping));
}

double LatentRomSettings::damping_for(const Reducer& reducer) const {
  return manifold_damping >= 0 ? manifold_damping : default_manifold_damping(reducer);
}

namespace {
// The one table of ROM kinds and their names.
struct RomKindName {
  RomKind kind;
  const char* name;
};
constexpr RomKindName rom_kind_table[] = {{RomKind::automatic, "auto"},
                                          {RomKind::galerkin, "galerkin"},
                                          {RomKind::manifold_galerkin, "manifold-galerkin"},
                                          {RomKind::lspg, "lspg"},
                                          {RomKind::learned, "learned"}};
}  // namespace

std::string rom_kind_name(RomKind kind) {
  for (const auto& [k, name] : rom_kind_table)
    if (k == kind) return name;
  throw Error("rom_kind_name: not a ROM kind");
}

std::vector<std::string> rom_kind_names() {
  std::vector<std::string> names;
  for (const auto& entry : rom_kind_table) names.emplace_back(entry.name);
  return names;
}

RomKind rom_kind_from_name(const std::string& name) {
  for (const auto& [k, n] : rom_kind_table)
    if (name == n) return k;
  throw Error(fmt::format("ROM type must be {}, got '{}'", fmt::join(rom_kind_names(), ", "), name));
}

std::shared_ptr<const LatentDynamics> galerkin_dynamics(RomKind kind, const FullOrderModel& model,
                                                        const Reducer& reducer, const LatentRomSettings& settings) {
  if (kind == RomKind::galerkin) return std::make_shared<QuadraticGalerkinRom>(model, reducer);
  if (kind == RomKind::manifold_galerkin)
    return std::make_shared<ManifoldGalerkinRom>(model, reducer, settings.damping_for(reducer));
  throw Error("a closure corrects a Galerkin ROM (galerkin or manifold-galerkin), not '" + rom_kind_name(kind) + "'");
}

std::shared_ptr<const LatentDynamics> galerkin_dynamics(const std::string& type, const FullOrderModel& model,
                                                        const Reducer& reducer, const LatentRomSettings& settings) {
  return galerkin_dynamics(rom_kind_from_name(type), model, reducer, settings);
}

RomKind LatentRom::resolve(RomKind kind, const FullOrderModel& model, const Reducer& reducer) {
  if (kind != RomKind::automatic) return kind;
  return reducer.affine_decoder() && model.quadratic_structure() ? RomKind::galerkin : RomKind::manifold_galerkin;
}

std::string LatentRom::resolve(const std::string& type, const FullOrderModel& model, const Reducer& reducer) {
  return rom_kind_name(resolve(rom_kind_from_name(type), model, reducer));
}

LatentRom::LatentRom(const std::string& type, const FullOrderModel& model, const Reducer& reducer,
                     std::shared_ptr<const LatentDynamics> learned, const LatentRomSettings& settings)
    : LatentRom(rom_kind_from_name(type), model, reducer, std::move(learned), settings) {}

LatentRom::LatentRom(RomKind kind, const FullOrderModel& model, const Reducer& reducer,
                     std::shared_ptr<const LatentDynamics> learned, const LatentRomSettings& settings)
    : kind_(resolve(kind, model, reducer)), implicit_type_(model.implicit_ts_type()), prefix_(settings.prefix) {
  switch (kind_) {
    case RomKind::learned: {
      if (!learned)
        throw Error("learned ROM: the model file carries no latent dynamics (fit it with -latent_dynamics learned)");
      if (learned->dim() != reducer.latent_dim())
        throw Error(fmt::format("learned ROM: dynamics for r = {}, the reducer has r = {}", learned->dim(),
                                reducer.latent_dim()));
      // A closure (learned_dynamics.hpp) corrects the reducer's Galerkin ROM, rebuilt here.
      auto closure = std::dynamic_pointer_cast<const LearnedDynamics>(learned);
      if (closure && !closure->report().closure_of.empty())
        dynamics_ = std::make_shared<ClosedDynamics>(
            galerkin_dynamics(closure->report().closure_of, model, reducer, settings), closure);
      else
        dynamics_ = std::move(learned);
      break;
    }
    case RomKind::galerkin:
      if (model.linear_operator()) linear_ = std::make_unique<LinearGalerkinRom>(model, reducer);
      else dynamics_ = std::make_unique<QuadraticGalerkinRom>(model, reducer);
      break;
    case RomKind::manifold_galerkin:
      dynamics_ = std::make_unique<ManifoldGalerkinRom>(model, reducer, settings.damping_for(reducer));
      break;
    case RomKind::lspg:
      lspg_ = std::make_unique<ManifoldLspgRom>(model, reducer);
      break;
    case RomKind::automatic:
      throw Error("LatentRom: the automatic kind did not resolve");  // resolve() never returns it
  }
}

LatentRom::~LatentRom() = default;
LatentRom::LatentRom(LatentRom&&) noexcept = default;

LatentTrajectory LatentRom::solve(const Vector& u0, const TimeGrid& grid) const {
  if (linear_) return linear_->solve(u0, grid);
  if (lspg_) return lspg_->solve(u0, grid);
  if (kind_ == RomKind::learned && implicit_type_.empty()) {
    // Learned operators can be stiffer than the snapshot spacing the ROM steps by: RK4 then
    // takes as many substeps as its stability at u0 needs (the same rule the λ search
    // integrates with), still recording at the grid's snapshots.
    const int m = rk4_substeps(*dynamics_, u0, grid.dt());
    return integrate_latent(*dynamics_, u0, TimeGrid{grid.t0, grid.t_final, grid.steps * m, grid.stride * m}, prefix_,
                            implicit_type_);
  }
  return integrate_latent(*dynamics_, u0, grid, prefix_, implicit_type_);
}

Matrix pseudo_inverse_solve(const Matrix& N, const Matrix& c, const std::string& what) {
  if (!N.allFinite() || !c.allFinite()) throw Error(what + ": JᵀJ or Jᵀf is not finite at the current latent state");
  // Well conditioned (the usual case): Cholesky, a few µs at r = 20.
  const Eigen::LLT<Matrix> llt(N);
  if (llt.info() == Eigen::Success && llt.rcond() > 1e-10) return llt.solve(c);
  // An eigen-decomposition of the r x r normal matrix costs nothing next to decoding.
  Eigen::SelfAdjointEigenSolver<Matrix> eig(N);
  if (eig.info() != Eigen::Success) throw Error(what + ": the eigen-decomposition of JᵀJ failed");
  const Vector& lambda = eig.eigenvalues();
  if (!(lambda.maxCoeff() > 0)) throw Error(what + ": the decoder Jacobian is zero at the current latent state");
  const double cut = 1e-14 * lambda.maxCoeff();
  Matrix y = eig.eigenvectors().transpose() * c;
  for (Index i = 0; i < y.rows(); ++i) y.row(i) *= lambda(i) > cut ? 1 / lambda(i) : 0.0;
  return eig.eigenvectors() * y;
}

ManifoldGalerkinRom::ManifoldGalerkinRom(const FullOrderModel& model, const Reducer& reducer, double damping)
    : model_(model), reducer_(reducer) {
  require_same_rows(model, reducer, "manifold Galerkin ROM");
  const Normalization* norm = reducer.normalization();
  if (norm && norm->modes > 0 && model.quadratic_structure())
    stage_ = std::make_unique<QuadraticGalerkinRom>(model, norm->mean, norm->undo_linear(Matrix::Identity(norm->modes, norm->modes)));
  damped_.delta = damping >= 0 ? damping : default_manifold_damping(reducer);
}

double default_manifold_damping(const Reducer& reducer) { return reducer.affine_decoder() ? 0.0 : 1e-4; }

Matrix DampedNormalSolve::operator()(Matrix N, const Matrix& c, const std::string& what) const {
  if (delta > 0) {
    if (mu_ < 0) mu_ = delta * Eigen::SelfAdjointEigenSolver<Matrix>(N, Eigen::EigenvaluesOnly).eigenvalues().maxCoeff();
    N.diagonal().array() += mu_;
  }
  return pseudo_inverse_solve(N, c, what);
}

ManifoldGalerkinRom::~ManifoldGalerkinRom() = default;

const ManifoldGalerkinRom::Network& ManifoldGalerkinRom::network(const Vector& u) const {
  if (last_.u.size() != u.size() || last_.u != u) {
    last_.y = reducer_.network_decode(u).col(0);
    last_.Js = reducer_.network_jacobian(u);
    last_.u = u;
  }
  return last_;
}

Vector ManifoldGalerkinRom::rhs(double t, const Vector& u) const {
  const Index r = u.size();
  if (stage_) {
    // Replicated K-dimensional work only: ψ(u), the stage's Galerkin RHS and ∂ψ/∂u.
    const Network& net = network(u);
    return solve(net.Js.transpose() * net.Js, net.Js.transpose() * stage_->rhs(t, net.y));
  }
  const Matrix x = reducer_.decode(u);
  const Matrix f = model_.rhs(t, x);
  const Matrix J = reducer_.decoder_jacobian(u);
  Matrix prod(r, r + 1);
  prod.leftCols(r) = J.transpose() * J;
  prod.col(r) = J.transpose() * f.col(0);
  allreduce_sum(model_.rows().comm, prod.data(), prod.size());
  return solve(prod.leftCols(r), prod.col(r));
}

Matrix ManifoldGalerkinRom::jacobian(double t, const Vector& u) const {
  const Index r = u.size();
  if (stage_) {
    // g = N⁻¹JsᵀG(ψ(u)), N = JsᵀJs (+ μI): ∂g/∂u = N⁻¹[C(G − Js g) + Jsᵀ G_y Js − Jsᵀ D(g)] with
    // C(v) = Σ_k v_k ∇²ψ_k and D(w) = Σ_m w_m ∂Js/∂u_m (the network's second derivatives;
    // exact). Without them, the Gauss–Newton part N⁻¹Jsᵀ G_y Js.
    const Network& net = network(u);
    const Vector& y = net.y;
    const Matrix& Js = net.Js;
    const Matrix N = Js.transpose() * Js;
    Matrix inner = Js.transpose() * (stage_->jacobian(t, y) * Js);
    const Vector G = stage_->rhs(t, y);
    const Vector g = solve(N, Js.transpose() * G);
    const Matrix C = reducer_.network_hessian_contraction(u, G - Js * g);
    const Matrix D = reducer_.network_jacobian_derivative(u, g);
    if (C.size() && D.size()) inner += C - Js.transpose() * D;
    return solve(N, inner);
  }
  const Vector x = reducer_.decode(u).col(0);
  const Matrix J = reducer_.decoder_jacobian(u);
  Matrix prod(r, 2 * r);
  prod.leftCols(r) = J.transpose() * J;
  prod.rightCols(r) = J.transpose() * model_.apply_jacobian(t, x, J);
  allreduce_sum(model_.rows().comm, prod.data(), prod.size());
  return solve(prod.leftCols(r), prod.rightCols(r));
}

}  // namespace metarom
