// TS type "rom": runs an unmodified PETSc TS application on a saved reduced model, by
// options alone:
//   -dll_append libmetarom.so -ts_type rom -ts_rom_model model.h5 [-ts_rom_ts_type rk ...]
//   [-ts_rom_dynamics auto|learned|galerkin] [-ts_rom_dt dt] [-ts_rom_latent_file traj.h5]
// Four routes for the latent ODE, the cheapest the model allows (auto):
//   learned   the model carries learned latent dynamics (fit -latent_dynamics learned):
//             du/dt = c + Au + H(u ⊗ u), O(r³) per evaluation; the application's right-hand
//             side is never called, so implicit-only applications run too;
//   galerkin  du/dt = J(u)⁺ f(t, φ(u)) with f from the application's TSComputeRHSFunction.
//             For POD, and for neural reducers with a POD stage (decode = x̄ + V y(u) with a
//             constant V), V and x̄ are permuted into the application's own Vec ordering once,
//             so a stage costs two n x K products and one f, and J⁺f = (∂y/∂u)⁺ (VᵀV)⁻¹Vᵀf
//             is K-dimensional work. A linear application (TSComputeRHSFunctionLinear with
//             TSComputeRHSJacobianConstant) is projected once, A_r = (VᵀV)⁻¹VᵀAV, and never
//             called again. Other reducers form J(u) per stage (manifold Galerkin);
//   implicit  applications with an IFunction (implicit, IMEX, DAE): the projected residual
//             J(u)ᵀ[F(t, φ(u), J(u)u̇) − G(t, φ(u))] = 0 advanced by an implicit latent TS
//             (application_implicit.hpp), over the application's steps by default.
// The application's monitors are called at every latent step with the decoded state
// (-ts_rom_monitor 0 skips them).
// The latent ODE is advanced by a PETSc TS of its own (options prefix <app prefix>ts_rom_)
// from the application's start time to its final time (or max steps): by default with the
// step chosen by an error estimate (Dormand–Prince RK5(4), -ts_rom_tolerance 1e-7 relative
// to max|u0|), or with fixed steps -ts_rom_dt (classical RK4). The decoded final state is
// left in the application's solution Vec, so the program goes on as after a full run. The
// initial latent state is the reducer's encoding of the application's initial state.
#include <petsc/private/tsimpl.h>
#include <petscdmda.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <Eigen/Cholesky>
#include <cmath>
#include <memory>
#include <string>

#include "plugin/app_basis.hpp"
#include "plugin/app_state.hpp"
#include "plugin/application_implicit.hpp"
#include "metarom/error.hpp"
#include "metarom/rom/latent_rom.hpp"
#include "metarom/rom/learned_dynamics.hpp"
#include "metarom/rom/rom_run.hpp"
#include "metarom/plugin/plugin.hpp"
#include "metarom/rom/model_file.hpp"
#include "metarom/reducers/reducer.hpp"

namespace metarom {

namespace {

// The application seen as a FullOrderModel: its RHS function through the TS.
class ApplicationModel : public FullOrderModel {
 public:
  ApplicationModel(TS ts, const AppState& state, const TimeGrid& grid) : ts_(ts), state_(state), grid_(grid) {
    METAROM_PETSC(VecDuplicate(ts->vec_sol, x_.address()));
    METAROM_PETSC(VecDuplicate(ts->vec_sol, f_.address()));
  }
  std::string name() const override { return "petsc-ts"; }
  const RowPartition& rows() const override { return state_.rows(); }
  FieldLayout layout() const override { return state_.layout(); }
  Attributes provenance() const override { return {}; }
  const TimeGrid& time_grid() const override { return grid_; }
  Vector initial_state() const override { return state_.to_rows(ts_->vec_sol); }
  Matrix rhs(double t, const Matrix& X) const override {
    Matrix F(X.rows(), X.cols());
    for (Index j = 0; j < X.cols(); ++j) {
      state_.from_rows(X.col(j), x_);
      METAROM_PETSC(TSComputeRHSFunction(ts_, t, x_, f_));
      ++calls_;
      F.col(j) = state_.to_rows(f_);
    }
    return F;
  }
  SnapshotSet simulate_from(const Vector&, bool) override { throw Error("TS rom: the application is the full model; run it without -ts_type rom"); }
  double solve_seconds() const override { return 0; }
  long long rhs_calls() const { return calls_; }

 private:
  TS ts_;
  const AppState& state_;
  TimeGrid grid_;
  VecHandle x_, f_;
  mutable long long calls_ = 0;
};

// The galerkin route for decoders of AppBasis's form: a stage costs two n x K products and
// one application right-hand side.
class ApplicationGalerkin : public LatentDynamics {
 public:
  // damping δ ≥ 0: the staged network's least-squares solve is (JsᵀJs + μI)⁻¹Js with
  // μ = δ λ_max(JsᵀJs) at the first state (as ManifoldGalerkinRom).
  ApplicationGalerkin(TS ts, const AppState& state, const Reducer& reducer, double damping)
      : ts_(ts), basis_(ts, state, reducer) {
    damped_.delta = damping;
    METAROM_PETSC(VecDuplicate(ts->vec_sol, x_.address()));
    METAROM_PETSC(VecDuplicate(ts->vec_sol, f_.address()));
    // A linear application: project its constant operator once.
    TSRHSFunction rhs = nullptr;
    TSRHSJacobian jac = nullptr;
    Mat A = nullptr;
    METAROM_PETSC(TSGetRHSFunction(ts, nullptr, &rhs, nullptr));
    METAROM_PETSC(TSGetRHSJacobian(ts, &A, nullptr, &jac, nullptr));
    if (rhs == TSComputeRHSFunctionLinear && jac == TSComputeRHSJacobianConstant && A) {
      const Index K = basis_.V().cols();
      Matrix AV(basis_.V().rows(), K + 1);
      for (Index k = 0; k <= K; ++k) {
        AppBasis::write(k < K ? Vector(basis_.V().col(k)) : basis_.xbar(), x_);
        METAROM_PETSC(MatMult(A, x_, f_));
        AV.col(k) = basis_.read(f_);
      }
      const Matrix red = basis_.mass().solve(basis_.project(AV));
      Ar_ = red.leftCols(K);
      cr_ = red.col(K);
    }
  }
  int dim() const override { return basis_.reducer().latent_dim(); }
  bool linear() const { return Ar_.size() > 0; }
  long long rhs_calls() const { return calls_; }
  std::string name() const override { return linear() ? "galerkin (projected operator)" : "galerkin"; }
  Vector rhs(double t, const Vector& u) const override {
    const Vector y = basis_.y(u);
    Vector g;
    if (linear()) {
      g = cr_ + Ar_ * y;
    } else {
      AppBasis::write(basis_.xbar() + basis_.V() * y, x_);
      METAROM_PETSC(TSComputeRHSFunction(ts_, t, x_, f_));
      ++calls_;
      g = basis_.mass().solve(basis_.project(basis_.read(f_)));
    }
    if (basis_.pod()) return g;
    const Matrix Js = basis_.dy(u);
    return damped_(Js.transpose() * Js, Js.transpose() * g, "TS rom");
  }
  Matrix jacobian(double t, const Vector& u) const override {
    if (linear() && basis_.pod()) return Ar_;
    // Finite differences (2r application right-hand sides): only implicit latent types chosen
    // by -ts_rom_ts_type ask for it; the default latent integrator is explicit.
    return LatentDynamics::jacobian(t, u);
  }

 private:
  TS ts_;
  AppBasis basis_;
  Matrix Ar_;
  Vector cr_;
  VecHandle x_, f_;
  mutable long long calls_ = 0;
  DampedNormalSolve damped_;
};

// The reduced model read once and kept with the TS (offline work: the file, the basis, the
// state's ordering), so TSSolve does only the online work and repeated solves reuse it.
struct Prepared {
  std::string file;
  std::unique_ptr<AppState> state;
  ModelFile m;
};

struct RomSettings {
  std::string model, latent_file, dynamics = "auto";
  std::string implicit_method = "galerkin";  // the implicit route: galerkin or lspg
  std::unique_ptr<Prepared> prepared;
  PetscReal dt = 0, tolerance = 1e-7, damping = -1;
  PetscBool monitor = PETSC_TRUE;  // call the application's monitors at every latent step
  // Filled by the solve, for TSView.
  std::string reducer, route;
  int latent_dim = 0;
  double seconds = 0;
  std::string latent_ts;
  long long latent_steps = 0, rhs_calls = 0, jacobian_calls = 0;
  bool implicit = false;
  std::string step_rule;
  long long algebraic_rows = -1;
  double algebraic_residual = 0;
  PetscReal dae_tolerance = 1e-8;
  double first_dt = 0;
};

RomSettings* settings(TS ts) { return static_cast<RomSettings*>(ts->data); }

// The application's time grid: from its current time by its step to its final time, or
// max_steps steps when that comes first.
TimeGrid application_grid(TS ts) {
  const double t0 = ts->ptime, dt = ts->time_step, tf = ts->max_time;
  if (!(dt > 0)) throw Error(fmt::format("TS rom: the application's time step must be positive, got {}", dt));
  long long steps = ts->max_steps;
  if (tf < PETSC_MAX_REAL / 2) steps = std::min<long long>(steps, static_cast<long long>(std::ceil((tf - t0) / dt - 1e-9)));
  if (steps < 1 || steps > 100000000LL)
    throw Error(fmt::format("TS rom: set a final time (-ts_max_time) or a number of steps (-ts_max_steps); got {} steps",
                            steps));
  // The controller's contract: TS_EXACTFINALTIME_STEPOVER ends on the step that passes the
  // final time (as the full run does); MATCHSTEP and INTERPOLATE end at the final time.
  const double last = t0 + static_cast<double>(steps) * dt;
  const double t_end = ts->exact_final_time == TS_EXACTFINALTIME_STEPOVER ? last : std::min(tf, last);
  return TimeGrid{t0, t_end, static_cast<int>(steps), 1};
}

// Reads the model for states shaped like x (a Vec of the application), unless it is held already.
void prepare(TS ts, Vec x) {
  RomSettings& s = *settings(ts);
  if (s.model.empty()) throw Error("TS rom: name the reduced model with -ts_rom_model model.h5 (from `metarom fit`)");
  PetscInt n, lo, hi;
  METAROM_PETSC(VecGetSize(x, &n));
  METAROM_PETSC(VecGetOwnershipRange(x, &lo, &hi));
  if (s.prepared && s.prepared->file == s.model) {
    const RowPartition& rows = s.prepared->state->rows();
    if (rows.global == n && rows.begin == lo && rows.end == hi) return;
  }
  auto state = std::make_unique<AppState>(ts, x);
  const MPI_Comm comm = PetscObjectComm(reinterpret_cast<PetscObject>(ts));
  auto p = std::make_unique<Prepared>();
  p->m = load_model(s.model, comm, [&](const ModelFile& header) {
    if (header.n != state->rows().global)
      throw Error(fmt::format("TS rom: {} holds a reduced model for states of {} values; this application's state has {}",
                              s.model, header.n, state->rows().global));
    const FieldLayout& a = header.layout;
    const FieldLayout b = state->layout();
    if (!a.dims.empty() && !b.dims.empty() && (a.dims != b.dims || a.fields.size() != b.fields.size()))
      throw Error(fmt::format("TS rom: {} was fitted on a {} grid with {} field(s); this application's DMDA is {} with {}",
                              s.model, fmt::join(a.dims, " x "), a.fields.size(), fmt::join(b.dims, " x "),
                              b.fields.size()));
    return state->rows();
  });
  p->file = s.model;
  p->state = std::move(state);
  s.prepared = std::move(p);
}

void solve(TS ts) {
  RomSettings& s = *settings(ts);
  if (s.dynamics != "auto" && s.dynamics != "learned" && s.dynamics != "galerkin")
    throw Error("TS rom: -ts_rom_dynamics must be auto, learned or galerkin, got '" + s.dynamics + "'");
  if (s.implicit_method != "galerkin" && s.implicit_method != "lspg")
    throw Error("TS rom: -ts_rom_implicit_method must be galerkin or lspg, got '" + s.implicit_method + "'");
  prepare(ts, ts->vec_sol);
  const AppState& state = *s.prepared->state;
  ModelFile& m = s.prepared->m;
  const bool learned = s.dynamics == "learned" || (s.dynamics == "auto" && m.dynamics);
  if (learned && !m.dynamics)
    throw Error("TS rom: -ts_rom_dynamics learned, but " + s.model +
                " carries no latent dynamics (fit it with -latent_dynamics learned)");
  // An application with an IFunction (implicit, IMEX or DAE form) takes the implicit route.
  TSRHSFunction rhs = nullptr;
  TSIFunction ifun = nullptr;
  METAROM_PETSC(TSGetRHSFunction(ts, nullptr, &rhs, nullptr));
  METAROM_PETSC(TSGetIFunction(ts, nullptr, &ifun, nullptr));
  const bool implicit = !learned && ifun;
  if (!learned && !rhs && !ifun)
    throw Error("TS rom: the application sets neither a right-hand side (TSSetRHSFunction) nor an implicit function "
                "(TSSetIFunction)");
  const TimeGrid app = application_grid(ts);
  // The latent step: -ts_rom_dt (fixed), else chosen by the error estimate; the first step
  // is the application's or, for learned dynamics, half the training samples' spacing.
  TimeGrid grid = app;
  double first = app.dt();
  if (s.dt > 0) {
    const int steps = std::max(1, static_cast<int>(std::ceil((app.t_final - app.t0) / s.dt - 1e-9)));
    grid = TimeGrid{app.t0, app.t_final, steps, 1};
  } else if (learned && m.dynamics->report().sample_dt > 0) {
    first = std::min(app.t_final - app.t0, m.dynamics->report().sample_dt / 2);
    grid = TimeGrid{app.t0, app.t_final, std::max(1, static_cast<int>(std::lround((app.t_final - app.t0) / first))), 1};
  }
  // The implicit route steps over the application's grid (or -ts_rom_dt) with a fixed step.
  if (implicit) grid = s.dt > 0 ? grid : app;
  const double tolerance = s.dt > 0 || implicit ? 0.0 : s.tolerance;

  std::unique_ptr<ApplicationModel> model;
  std::unique_ptr<ApplicationGalerkin> fast;
  std::unique_ptr<ManifoldGalerkinRom> manifold;
  std::unique_ptr<ApplicationImplicit> implicit_form;
  const LatentDynamics* g = m.dynamics.get();
  if (implicit) {
    implicit_form = std::make_unique<ApplicationImplicit>(ts, state, *m.reducer);
  } else if (!learned) {
    if (AppBasis::applies(*m.reducer)) {
      fast = std::make_unique<ApplicationGalerkin>(ts, state, *m.reducer,
                                                   s.damping >= 0 ? s.damping : default_manifold_damping(*m.reducer));
      g = fast.get();
    } else {
      model = std::make_unique<ApplicationModel>(ts, state, app);
      manifold = std::make_unique<ManifoldGalerkinRom>(*model, *m.reducer, s.damping);
      g = manifold.get();
    }
  }
  s.route = learned ? "learned latent dynamics (the application's right-hand side is not called)"
            : implicit_form
                ? (s.implicit_method == "lspg"
                       ? std::string("LSPG (backward-Euler residual minimized by Gauss-Newton) on the application's "
                                     "implicit function and its IJacobian")
                       : fmt::format("{} on the application's implicit function, {}", implicit_form->name(),
                                     implicit_form->jacobian_text()))
            : fast  ? fmt::format("{} on the application's right-hand side, basis in its Vec ordering",
                                  fast->linear() ? "Galerkin with its operator projected once" : "Galerkin")
                    : "manifold Galerkin on the application's right-hand side";
  const char* prefix = nullptr;
  METAROM_PETSC(TSGetOptionsPrefix(ts, &prefix));
  const std::string latent_prefix = std::string(prefix ? prefix : "") + "ts_rom_";
  // The application's monitors see every latent step's decoded state, time, step number
  // and step size, as in a full run (-ts_monitor, -ts_monitor_solution_vtk, its own).
  LatentMonitor monitor;
  double last_t = app.t0;
  if (s.monitor && ts->numbermonitors > 0)
    monitor = [&](long long step, double t, const Vector& u) {
      state.from_rows(m.reducer->decode(u).col(0), ts->vec_sol);
      if (step > 0) ts->time_step = t - last_t;
      last_t = t;
      ts->ptime = t;
      ts->steps = static_cast<PetscInt>(step);
      METAROM_PETSC(TSMonitor(ts, static_cast<PetscInt>(step), t, ts->vec_sol));
    };
  const RomRun run = run_rom(*m.reducer, state.to_rows(ts->vec_sol), [&](const Vector& u0) {
    if (implicit_form) {
      implicit_form->find_algebraic_rows(u0);
      if (s.implicit_method == "lspg")
        return march_latent(
            u0, grid,
            [&](const Vector& u, double t_next, double dt) { return implicit_form->lspg_step(t_next, dt, u, {}); },
            "lspg (backward Euler)", monitor);
      return integrate_latent(*implicit_form, u0, grid, latent_prefix, "", monitor);
    }
    return integrate_latent(*g, u0, grid, latent_prefix, "", tolerance, monitor);
  });
  const LatentTrajectory& traj = run.latent;
  state.from_rows(run.final_state.col(0), ts->vec_sol);
  s.seconds = run.online_seconds;
  s.reducer = m.reducer->type();
  s.latent_dim = m.reducer->latent_dim();
  s.latent_ts = traj.ts_type;
  s.latent_steps = traj.steps;
  s.first_dt = tolerance > 0 ? first : grid.dt();
  s.rhs_calls = fast ? fast->rhs_calls() : model ? model->rhs_calls() : implicit_form ? implicit_form->residual_calls() : 0;
  s.jacobian_calls = implicit_form ? implicit_form->jacobian_calls() : 0;
  s.implicit = implicit_form != nullptr;
  if (implicit_form) {
    // DAE check: the decoded final state against the program's algebraic rows, relative to
    // the state's size (a boundary row u_b = g holds to round-off for a basis whose snapshots
    // satisfy it; other constraints hold only in the projected sense).
    s.algebraic_rows = implicit_form->algebraic_rows();
    PetscReal scale;
    METAROM_PETSC(VecNorm(ts->vec_sol, NORM_INFINITY, &scale));
    s.algebraic_residual = implicit_form->algebraic_residual(traj.t(traj.t.size() - 1), traj.U.col(traj.U.cols() - 1)) /
                           std::max(1.0, static_cast<double>(scale));
    if (s.algebraic_rows > 0 && s.algebraic_residual > s.dae_tolerance)
      METAROM_PETSC(PetscPrintf(PetscObjectComm(reinterpret_cast<PetscObject>(ts)),
                                "TS rom: warning: the decoded final state violates the program's %lld algebraic rows "
                                "by %g (relative to max|x|; -ts_rom_dae_tolerance %g): the reduced basis satisfies "
                                "them only approximately\n",
                                s.algebraic_rows, s.algebraic_residual, static_cast<double>(s.dae_tolerance)));
  }
  s.step_rule = s.dt > 0 ? "fixed step -ts_rom_dt" : tolerance > 0 ? "step chosen by the error estimate" : "the application's fixed step";
  ts->ptime = traj.t(traj.t.size() - 1);
  ts->steps = static_cast<PetscInt>(traj.steps);
  ts->reason = app.t_final >= ts->max_time * (1 - 1e-12) ? TS_CONVERGED_TIME : TS_CONVERGED_ITS;
  if (!s.latent_file.empty()) {
    Attributes provenance;
    provenance.set("model", "petsc-ts");
    provenance.set("rom", learned ? "learned" : "galerkin");
    provenance.set("reduced_model", s.model);
    write_trajectory(s.latent_file, decode_trajectory(*m.reducer, traj, state.rows(), state.layout(), provenance),
                     traj.U);
  }
}

PetscErrorCode solve_petsc(TS ts) {
  PetscFunctionBeginUser;
  PetscCall(petsc_guard(PetscObjectComm(reinterpret_cast<PetscObject>(ts)), [&] { solve(ts); }));
  PetscFunctionReturn(0);
}

PetscErrorCode set_from_options(TS ts, PetscOptionItems* PetscOptionsObject) {
  RomSettings& s = *settings(ts);
  std::string latent_ts = "rk";  // listed for -help; the latent TS reads it itself
  PetscFunctionBeginUser;
  PetscOptionsHeadBegin(PetscOptionsObject, "metarom reduced model (-ts_type rom)");
  PetscCall(option_string(PetscOptionsObject, "-ts_rom_model", "Reduced model file (metarom fit): pod, ae, meta-ae, ...",
                          "TS", s.model));
  PetscCall(option_string(PetscOptionsObject, "-ts_rom_dynamics",
                          "auto (learned when the model carries learned dynamics), learned, or galerkin", "TS",
                          s.dynamics));
  PetscCall(PetscOptionsReal("-ts_rom_dt", "Fixed latent time step (classical RK4); 0: chosen by an error estimate",
                             "TS", s.dt, &s.dt, nullptr));
  PetscCall(PetscOptionsReal("-ts_rom_tolerance", "Relative tolerance of the latent step's error estimate", "TS",
                             s.tolerance, &s.tolerance, nullptr));
  PetscCall(PetscOptionsReal("-ts_rom_manifold_damping",
                             "Manifold Galerkin damping delta (default 1e-4 for neural decoders, 0 for POD)", "TS",
                             s.damping, &s.damping, nullptr));
  PetscCall(option_string(PetscOptionsObject, "-ts_rom_latent_file",
                          "Write the latent and decoded trajectory to this file", "TS", s.latent_file));
  PetscCall(option_string(PetscOptionsObject, "-ts_rom_ts_type",
                          "Latent integrator (any TS type; default rk: 5dp adaptive, or 4 with -ts_rom_dt; beuler "
                          "for applications in implicit form)",
                          "TS", latent_ts));
  PetscCall(option_string(PetscOptionsObject, "-ts_rom_implicit_method",
                          "Implicit route: galerkin (the projected residual, any implicit latent TS) or lspg (the "
                          "backward-Euler residual minimized by Gauss-Newton)",
                          "TS", s.implicit_method));
  PetscCall(PetscOptionsReal("-ts_rom_dae_tolerance",
                             "Implicit route: warn when the decoded final state violates the program's algebraic rows by "
                             "more than this (relative to max|x|)",
                             "TS", s.dae_tolerance, &s.dae_tolerance, nullptr));
  PetscCall(PetscOptionsBool("-ts_rom_monitor", "Call the application's monitors at every latent step (decoded state)",
                             "TS", s.monitor, &s.monitor, nullptr));
  PetscOptionsHeadEnd();
  PetscCheck(s.tolerance > 0, PetscObjectComm(reinterpret_cast<PetscObject>(ts)), PETSC_ERR_ARG_OUTOFRANGE,
             "-ts_rom_tolerance must be > 0");
  // Read the model now when the state's shape is known (the solution Vec, or the DMDA's
  // global Vec), so TSSolve does only the online work; otherwise TSSolve reads it.
  if (!s.model.empty()) {
    Vec x = ts->vec_sol;
    DM dm = nullptr;
    PetscBool isda = PETSC_FALSE;
    if (!x) {
      PetscCall(TSGetDM(ts, &dm));
      PetscCall(PetscObjectTypeCompare(reinterpret_cast<PetscObject>(dm), DMDA, &isda));
      if (isda) PetscCall(DMGetGlobalVector(dm, &x));
    }
    if (x) PetscCall(petsc_guard(PetscObjectComm(reinterpret_cast<PetscObject>(ts)), [&] { prepare(ts, x); }));
    if (isda) PetscCall(DMRestoreGlobalVector(dm, &x));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode view(TS ts, PetscViewer viewer) {
  RomSettings& s = *settings(ts);
  PetscBool ascii;
  PetscFunctionBeginUser;
  PetscCall(PetscObjectTypeCompare(reinterpret_cast<PetscObject>(viewer), PETSCVIEWERASCII, &ascii));
  if (!ascii) PetscFunctionReturn(0);
  PetscCall(PetscViewerASCIIPrintf(viewer, "  metarom reduced model %s\n", s.model.empty() ? "(none set)" : s.model.c_str()));
  if (!s.reducer.empty()) {
    PetscCall(PetscViewerASCIIPrintf(viewer, "  %s reducer, r = %d; %s\n", s.reducer.c_str(), s.latent_dim,
                                     s.route.c_str()));
    PetscCall(PetscViewerASCIIPrintf(viewer,
                                     "  latent TS %s: %lld steps (%s, first step %g) in %g s; %lld application "
                                     "right-hand side evaluations\n",
                                     s.latent_ts.c_str(), s.latent_steps,
                                     s.step_rule.c_str(),
                                     s.first_dt, s.seconds, s.rhs_calls));
    if (s.implicit) {
      PetscCall(PetscViewerASCIIPrintf(viewer, "  (implicit route: %lld evaluations of the implicit function F - G, %lld of its Jacobian)\n",
                                       s.rhs_calls, s.jacobian_calls));
      if (s.algebraic_rows < 0)
        PetscCall(PetscViewerASCIIPrintf(viewer, "  algebraic rows: not checked (no IJacobian, or its matrix type has no MatGetRowMaxAbs)\n"));
      else
        PetscCall(PetscViewerASCIIPrintf(viewer, "  algebraic rows: %lld; largest residual of the decoded final state on them %g (relative to max|x|)\n",
                                         s.algebraic_rows, s.algebraic_residual));
    }
  }
  PetscFunctionReturn(0);
}

PetscErrorCode destroy(TS ts) {
  PetscFunctionBeginUser;
  delete settings(ts);
  ts->data = nullptr;
  PetscFunctionReturn(0);
}

}  // namespace

PetscErrorCode TSCreate_Rom(TS ts) {
  PetscFunctionBeginUser;
  ts->data = new RomSettings;
  ts->ops->solve = solve_petsc;
  ts->ops->setfromoptions = set_from_options;
  ts->ops->view = view;
  ts->ops->destroy = destroy;
  PetscFunctionReturn(0);
}

PetscErrorCode TSRomSetModel(TS ts, const char* file) {
  PetscBool same = PETSC_FALSE;
  PetscFunctionBeginUser;
  PetscCall(PetscObjectTypeCompare(reinterpret_cast<PetscObject>(ts), "rom", &same));
  PetscCheck(file && file[0], PetscObjectComm(reinterpret_cast<PetscObject>(ts)), PETSC_ERR_ARG_NULL,
             "TSRomSetModel: give a model file name");
  if (same) settings(ts)->model = file;  // read at TSSetFromOptions or at the first TSSolve
  PetscFunctionReturn(0);
}

}  // namespace metarom
