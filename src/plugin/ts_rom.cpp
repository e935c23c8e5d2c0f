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
#include <cstdio>
#include <memory>
#include <string>

#include "plugin/app_basis.hpp"
#include "plugin/application_galerkin.hpp"
#include "plugin/app_state.hpp"
#include "plugin/application_implicit.hpp"
#include "plugin/hyper_reduced_implicit.hpp"
#include "metarom/error.hpp"
#include "metarom/io/trajectory_set.hpp"
#include "metarom/linalg/blas.hpp"
#include "metarom/rom/hyper_reduction.hpp"
#include "metarom/rom/latent_rom.hpp"
#include "metarom/rom/learned_dynamics.hpp"
#include "metarom/rom/rom_run.hpp"
#include "metarom/plugin/plugin.hpp"
#include "metarom/rom/model_file.hpp"
#include "metarom/reducers/reducer.hpp"

namespace metarom {

namespace {

// The options of TS rom (-ts_rom_*), read by set_from_options.
struct TsRomOptions {
  std::string model, latent_file, dynamics = "auto";
  std::string implicit_method = "galerkin";  // the implicit route: galerkin or lspg
  PetscReal dt = 0, tolerance = 1e-7, damping = -1;
  PetscBool monitor = PETSC_TRUE;  // call the application's monitors at every latent step
  PetscReal dae_tolerance = 1e-8;
  // Hyper-reduction (the Galerkin route of a program with a DMDA local right-hand side):
  // auto uses the model file's, none never; deim and qdeim choose the rows anew from its W.
  std::string hr_method = "auto";
  PetscInt hr_points = 0;  // 0: the file's rows (or one per mode); more: oversampled
  bool hr_explicit() const { return hr_method == "deim" || hr_method == "qdeim"; }
  bool hr_requested() const { return hr_explicit() || hr_points > 0; }  // an error if it cannot be had
};

// The explicit Galerkin routes' offline set-up for one program right-hand side and one set of
// options: the basis in the program's Vec ordering (ApplicationGalerkin), or the hyper-reduced
// operator with its sample rows and stencil (HyperReducedGalerkinRom). Built when the TS reads
// its options if the program has set its right-hand side by then, else at the first solve,
// and kept for later solves.
// The implicit route's hyper-reduced form (HyperReducedImplicit) is kept the same way.
struct GalerkinSetup {
  void (*function)() = nullptr;  // what it was built for: the program's f (or F) and options,
  void* context = nullptr;       // and the state of its RHS Jacobian (a linear program's operator,
  PetscObjectState operator_state = -1;  // projected once: reassembling it invalidates the set-up)
  std::string hr_method, implicit_method;
  PetscInt hr_points = 0;
  PetscReal damping = -1;
  std::unique_ptr<ApplicationModel> model;
  std::shared_ptr<const HyperReduction> hr;        // the sample rows used (hyper-reduced routes)
  std::unique_ptr<HyperReducedGalerkinRom> hyper;  // f at the rows by the program's local callback
  std::unique_ptr<ApplicationGalerkin> fast;       // f on the whole grid, basis in the Vec's ordering
  std::unique_ptr<HyperReducedImplicit> hyper_implicit;  // F at the rows by the program's local callback
  std::string hr_unused;                           // why the model's hyper-reduction is not used

  bool built_for(void (*f)(), void* ctx, PetscObjectState state, const TsRomOptions& o) const {
    return function == f && context == ctx && operator_state == state && hr_method == o.hr_method &&
           hr_points == o.hr_points && damping == o.damping && implicit_method == o.implicit_method;
  }
  void key(void (*f)(), void* ctx, PetscObjectState state, const TsRomOptions& o) {
    function = f;
    context = ctx;
    operator_state = state;
    hr_method = o.hr_method;
    hr_points = o.hr_points;
    damping = o.damping;
    implicit_method = o.implicit_method;
  }
};

// The reduced model read once and kept with the TS (offline work: the file, the basis, the
// state's ordering), so TSSolve does only the online work and repeated solves reuse it.
struct Prepared {
  std::string file;
  std::unique_ptr<AppState> state;
  ModelFile m;
  std::unique_ptr<GalerkinSetup> galerkin;        // explicit Galerkin routes
  std::unique_ptr<GalerkinSetup> implicit_hyper;  // the implicit route hyper-reduced (or why not)
};

// What the last solve did, for TSView.
struct TsRomReport {
  std::string reducer, route;
  int latent_dim = 0;
  double seconds = 0, setup_seconds = 0;  // online (encode, latent steps, decode); the route's set-up in TSSolve
  std::string latent_ts;
  long long latent_steps = 0, rhs_calls = 0, jacobian_calls = 0;
  bool implicit = false;
  std::string step_rule;
  long long algebraic_rows = -1;
  double algebraic_residual = 0;
  double first_dt = 0;
  std::vector<std::string> extrapolates;  // this run's parameter options outside what was trained on
  std::string hyper_reduction;             // why the model's hyper-reduction was not used (empty: used or none)
  long long sample_rows = 0;               // hyper-reduced: f's rows per (sampled) evaluation
};

// The TS's data: options, the prepared model, the report.
struct RomSettings {
  TsRomOptions options;
  std::unique_ptr<Prepared> prepared;
  TsRomReport report;
};

RomSettings* settings(TS ts) { return static_cast<RomSettings*>(ts->data); }

// Where this run's options leave what the model was trained on: the recorded parameter
// options (-ts_trajectory_metarom_parameters; across a parametric set, their ranges), read
// from the options database. An option not given keeps the program's default, unknown here.
// The values of the options `names` given in the options database (those not given are absent).
Attributes option_values(const std::vector<std::string>& names) {
  Attributes run;
  for (const std::string& name : names) {
    PetscReal v = 0;
    PetscBool set = PETSC_FALSE;
    METAROM_PETSC(PetscOptionsGetReal(nullptr, nullptr, ("-" + name).c_str(), &v, &set));
    if (set) run.set(name, static_cast<double>(v));
  }
  return run;
}

std::vector<std::string> option_extrapolation(const TrainingRecord& t) {
  std::vector<std::string> names = t.parameter_names;
  if (names.empty() && t.provenance.has("parameter_options"))
    names = t.provenance.get_strings("parameter_options", "the model's training provenance");
  return extrapolated_settings(t.provenance, parameter_ranges(t.parameter_names, t.parameters), option_values(names),
                               names);
}

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
  const TsRomOptions& o = s.options;
  if (o.model.empty()) throw Error("TS rom: name the reduced model with -ts_rom_model model.h5 (from `metarom fit`)");
  PetscInt n, lo, hi;
  METAROM_PETSC(VecGetSize(x, &n));
  METAROM_PETSC(VecGetOwnershipRange(x, &lo, &hi));
  if (s.prepared && s.prepared->file == o.model) {
    const RowPartition& rows = s.prepared->state->rows();
    if (rows.global == n && rows.begin == lo && rows.end == hi) return;
  }
  auto state = std::make_unique<AppState>(ts, x);
  const MPI_Comm comm = PetscObjectComm(reinterpret_cast<PetscObject>(ts));
  auto p = std::make_unique<Prepared>();
  p->m = load_model(o.model, comm, [&](const ModelFile& header) {
    if (header.training.n != state->rows().global)
      throw Error(fmt::format("TS rom: {} holds a reduced model for states of {} values; this application's state has {}",
                              o.model, header.training.n, state->rows().global));
    const FieldLayout& a = header.training.layout;
    const FieldLayout b = state->layout();
    if (!a.dims.empty() && !b.dims.empty() && (a.dims != b.dims || a.fields.size() != b.fields.size()))
      throw Error(fmt::format("TS rom: {} was fitted on a {} grid with {} field(s); this application's DMDA is {} with {}",
                              o.model, fmt::join(a.dims, " x "), a.fields.size(), fmt::join(b.dims, " x "),
                              b.fields.size()));
    return state->rows();
  });
  p->file = o.model;
  p->state = std::move(state);
  s.prepared = std::move(p);
}

// The latent ODE of one solve: the route the model and the application allow, its latent
// dynamics (explicit routes) or implicit form, and the latent time grid.
struct Route {
  bool learned = false;
  const GalerkinSetup* setup = nullptr;     // the Galerkin and hyper-reduced routes (kept with the model)
  long long setup_calls = 0;                // the set-up's evaluations of f before this solve
  std::unique_ptr<ApplicationModel> model;  // the manifold Galerkin route's
  std::unique_ptr<ManifoldGalerkinRom> manifold;
  const GalerkinSetup* implicit_setup = nullptr;  // the implicit route hyper-reduced, or why not
  const HyperReducedImplicit* hyper_implicit() const {
    return implicit_setup ? implicit_setup->hyper_implicit.get() : nullptr;
  }
  std::unique_ptr<ApplicationImplicit> implicit;
  std::unique_ptr<LearnedDynamics> resolved;  // parameter-dependent learned dynamics at this run's options
  const LatentDynamics* g = nullptr;
  TimeGrid app, grid;  // the application's and the latent one
  double first = 0;    // the first latent step
  double tolerance = 0;  // of the error estimate (0: fixed steps)
  long long rhs_calls() const {
    if (setup) return (setup->fast ? setup->fast->rhs_calls() : setup->model->rhs_calls()) - setup_calls;
    return model            ? model->rhs_calls()
           : implicit       ? implicit->residual_calls()
           : hyper_implicit() ? hyper_implicit()->residual_calls() - setup_calls
                            : 0;
  }
  std::string describe(const std::string& implicit_method) const {
    if (learned)
      return resolved ? fmt::format("learned latent dynamics, {} (the application's right-hand side is not called)",
                                    resolved->report().parametric)
                      : "learned latent dynamics (the application's right-hand side is not called)";
    if (hyper_implicit())
      return fmt::format("hyper-reduced implicit Galerkin ({}, {} sample rows reading {} stencil rows) on the "
                         "application's DMDA local implicit function, called on patches; Jacobian by differences on "
                         "the patches",
                         implicit_setup->hr->method, hyper_implicit()->sample_count(),
                         hyper_implicit()->stencil_count());
    if (implicit)
      return implicit_method == "lspg"
                 ? std::string("LSPG (backward-Euler residual minimized by Gauss-Newton) on the application's "
                               "implicit function and its IJacobian")
                 : fmt::format("{} on the application's implicit function, {}", implicit->name(), implicit->jacobian_text());
    if (setup && setup->hyper)
      return fmt::format("hyper-reduced Galerkin ({}, {} sample rows reading {} stencil rows) on the application's "
                         "DMDA local right-hand side, called on patches",
                         setup->hr->method, setup->hyper->sample_count(), setup->hyper->stencil_count());
    if (setup)
      return fmt::format("{} on the application's right-hand side, basis in its Vec ordering",
                         setup->fast->linear() ? "Galerkin with its operator projected once" : "Galerkin");
    return "manifold Galerkin on the application's right-hand side";
  }
};

void check_options(const TsRomOptions& o) {
  if (o.dynamics != "auto" && o.dynamics != "learned" && o.dynamics != "galerkin")
    throw Error("TS rom: -ts_rom_dynamics must be auto, learned or galerkin, got '" + o.dynamics + "'");
  if (o.implicit_method != "galerkin" && o.implicit_method != "lspg")
    throw Error("TS rom: -ts_rom_implicit_method must be galerkin or lspg, got '" + o.implicit_method + "'");
  if (o.hr_method != "auto" && o.hr_method != "none" && !o.hr_explicit())
    throw Error("TS rom: -ts_rom_hr_method must be auto, none, deim or qdeim, got '" + o.hr_method + "'");
  if (o.hr_points < 0) throw Error(fmt::format("TS rom: -ts_rom_hr_points must be >= 0, got {}", o.hr_points));
}

// The model's sample rows, or rows chosen anew from its basis W by -ts_rom_hr_method deim|qdeim
// and -ts_rom_hr_points.
std::shared_ptr<const HyperReduction> rows_for_run(const TsRomOptions& o, const ModelFile& m, const RowPartition& rows) {
  if (!o.hr_requested()) return m.hyper_reduction;
  auto chosen = std::make_shared<HyperReduction>(*m.hyper_reduction);
  if (chosen->ecsw())
    throw Error("TS rom: -ts_rom_hr_method/-ts_rom_hr_points: " + o.model +
                " holds ECSW weights, which keep no right-hand-side basis to choose rows from");
  const std::string how = o.hr_explicit() ? o.hr_method : chosen->method.substr(0, chosen->method.find(' '));
  try {
    chosen->choose_points(rows, how, o.hr_points);
  } catch (const Error& e) {
    throw Error(fmt::format("TS rom: -ts_rom_hr_{}: {}",
                            o.hr_points > 0 ? fmt::format("points {}", o.hr_points) : "method " + o.hr_method, e.what()));
  }
  return chosen;
}

// Why the model's hyper-reduction cannot serve this run (empty: it can): none in the file, a
// decoder that is not affine.
std::string hyper_reduction_missing(const TsRomOptions& o, const ModelFile& m) {
  if (!m.hyper_reduction)
    return o.model + " carries no hyper-reduction (fit it with -hr_method deim on a recording made with "
                     "-ts_trajectory_metarom_rhs, or -ts_trajectory_metarom_ifunction for a program in implicit form)";
  if (!m.reducer->affine_decoder())
    return "hyper-reduced Galerkin ROMs need an affine decoder (pod, linear-ae), not " + m.reducer->type();
  return "";
}

// The note -ts_view shows when the model's hyper-reduction cannot serve the run for the reason
// `why`; an error instead when the options asked for hyper-reduction.
std::string hyper_reduction_unavailable(const TsRomOptions& o, const std::string& why) {
  if (o.hr_requested())
    throw Error(fmt::format("TS rom: -ts_rom_hr_{}: {}", o.hr_points > 0 ? "points" : "method " + o.hr_method, why));
  return "the model's hyper-reduction is not used: " + why;
}

// The implicit route hyper-reduced when the model carries sample rows and the program states
// F alone (no right-hand side) as a DMDA local callback; otherwise hr_unused says why (an error
// when -ts_rom_hr_method asked for it). Kept with the model, as galerkin_setup.
void choose_implicit_hyper_reduction(TS ts, const TsRomOptions& o, const Prepared& p, GalerkinSetup& route) {
  const ModelFile& m = p.m;
  if (o.hr_method == "none" || (!m.hyper_reduction && !o.hr_requested())) return;
  std::string why = hyper_reduction_missing(o, m);
  TSRHSFunction rhs = nullptr;
  METAROM_PETSC(TSGetRHSFunction(ts, nullptr, &rhs, nullptr));
  std::optional<DmdaLocalIFunction> local;
  if (why.empty() && rhs)
    why = "the program is in IMEX form (a right-hand side beside its implicit function); hyper-reduction samples an "
          "implicit function alone";
  else if (why.empty() && o.implicit_method == "lspg")
    why = "-ts_rom_implicit_method lspg minimizes the whole residual";
  else if (why.empty())
    local = DmdaLocalIFunction::find(ts, why);
  if (!why.empty()) {
    route.hr_unused = hyper_reduction_unavailable(o, why);
    return;
  }
  if (m.hyper_reduction->ecsw()) {
    route.hr = rows_for_run(o, m, p.state->rows());
  } else {
    const std::string& file_method = m.hyper_reduction->method;
    route.hr = std::make_shared<const HyperReduction>(with_velocity_directions(
        ts, *p.state, *m.reducer, *m.hyper_reduction,
        o.hr_explicit() ? o.hr_method : file_method.substr(0, file_method.find(' ')), o.hr_points));
  }
  route.hyper_implicit = std::make_unique<HyperReducedImplicit>(ts, *local, *m.reducer, p.state->rows(), *route.hr);
}

// The hyper-reduced Galerkin route when the model file carries sample rows (fit -hr_method
// on a recording with its right-hand side) and the program gives f as a DMDA local callback;
// otherwise `hr_unused` says why (an error when -ts_rom_hr_method asked for it).
void choose_hyper_reduction(TS ts, const TsRomOptions& o, const ModelFile& m, const RowPartition& rows,
                            GalerkinSetup& route) {
  if (o.hr_method == "none" || (!m.hyper_reduction && !o.hr_requested())) return;
  std::string why = hyper_reduction_missing(o, m);
  if (why.empty()) DmdaLocalRhs::find(ts, why);
  if (!why.empty()) {
    route.hr_unused = hyper_reduction_unavailable(o, why);
    return;
  }
  route.hr = rows_for_run(o, m, rows);
  route.hyper = std::make_unique<HyperReducedGalerkinRom>(*route.model, *m.reducer, *route.hr);
}

// The set-up kept in `slot` when it was built for the program's function f (with context ctx)
// and these options, else one built by `build` (and kept).
template <class Build>
const GalerkinSetup& kept_setup(std::unique_ptr<GalerkinSetup>& slot, void (*f)(), void* ctx, PetscObjectState state,
                                const TsRomOptions& o, Build build) {
  if (slot && slot->built_for(f, ctx, state, o)) return *slot;
  auto g = std::make_unique<GalerkinSetup>();
  g->key(f, ctx, state, o);
  build(*g);
  slot = std::move(g);
  return *slot;
}

// The Galerkin set-up for the program's current right-hand side and these options.
const GalerkinSetup& galerkin_setup(TS ts, const TsRomOptions& o, Prepared& p) {
  TSRHSFunction rhs = nullptr;
  void* context = nullptr;
  METAROM_PETSC(TSGetRHSFunction(ts, nullptr, &rhs, &context));
  PetscObjectState state = -1;  // of the program's RHS matrix (ApplicationGalerkin projects it)
  if (ts->Arhs) METAROM_PETSC(PetscObjectStateGet(reinterpret_cast<PetscObject>(ts->Arhs), &state));
  return kept_setup(p.galerkin, reinterpret_cast<void (*)()>(rhs), context, state, o, [&](GalerkinSetup& g) {
    g.model = std::make_unique<ApplicationModel>(ts, *p.state, TimeGrid{});
    choose_hyper_reduction(ts, o, p.m, p.state->rows(), g);
    if (!g.hyper)
      g.fast = std::make_unique<ApplicationGalerkin>(
          ts, *p.state, *p.m.reducer, o.damping >= 0 ? o.damping : default_manifold_damping(*p.m.reducer));
  });
}

// The implicit route's hyper-reduced set-up for the program's current implicit function and
// these options.
const GalerkinSetup& implicit_hyper_setup(TS ts, const TsRomOptions& o, Prepared& p) {
  TSIFunction ifunction = nullptr;
  void* context = nullptr;
  METAROM_PETSC(TSGetIFunction(ts, nullptr, &ifunction, &context));
  return kept_setup(p.implicit_hyper, reinterpret_cast<void (*)()>(ifunction), context, -1, o,
                    [&](GalerkinSetup& g) { choose_implicit_hyper_reduction(ts, o, p, g); });
}

// Whether a solve with these options takes a Galerkin route that galerkin_setup serves.
bool takes_galerkin_setup(TS ts, const TsRomOptions& o, const ModelFile& m) {
  TSRHSFunction rhs = nullptr;
  TSIFunction ifun = nullptr;
  METAROM_PETSC(TSGetRHSFunction(ts, nullptr, &rhs, nullptr));
  METAROM_PETSC(TSGetIFunction(ts, nullptr, &ifun, nullptr));
  const bool learned = o.dynamics == "learned" || (o.dynamics == "auto" && m.dynamics && !o.hr_explicit());
  return rhs && !ifun && !learned &&
         (AppBasis::applies(*m.reducer) || (m.hyper_reduction && o.hr_method != "none") || o.hr_explicit());
}

Route choose_route(TS ts, const TsRomOptions& o, Prepared& p) {
  const AppState& state = *p.state;
  const ModelFile& m = p.m;
  Route route;
  route.learned = o.dynamics == "learned" || (o.dynamics == "auto" && m.dynamics && !o.hr_explicit());
  if (route.learned && !m.dynamics)
    throw Error("TS rom: -ts_rom_dynamics learned, but " + o.model +
                " carries no latent dynamics (fit it with -latent_dynamics learned)");
  // An application with an IFunction (implicit, IMEX or DAE form) takes the implicit route.
  TSRHSFunction rhs = nullptr;
  TSIFunction ifun = nullptr;
  METAROM_PETSC(TSGetRHSFunction(ts, nullptr, &rhs, nullptr));
  METAROM_PETSC(TSGetIFunction(ts, nullptr, &ifun, nullptr));
  const bool implicit = !route.learned && ifun;
  if (!route.learned && !rhs && !ifun)
    throw Error("TS rom: the application sets neither a right-hand side (TSSetRHSFunction) nor an implicit function "
                "(TSSetIFunction)");
  // The latent step: -ts_rom_dt (fixed), else chosen by the error estimate; the first step
  // is the application's or, for learned dynamics, half the training samples' spacing.
  const TimeGrid app = application_grid(ts);
  route.app = route.grid = app;
  route.first = app.dt();
  if (o.dt > 0) {
    const int steps = std::max(1, static_cast<int>(std::ceil((app.t_final - app.t0) / o.dt - 1e-9)));
    route.grid = TimeGrid{app.t0, app.t_final, steps, 1};
  } else if (route.learned && m.dynamics->report().sample_dt > 0) {
    route.first = std::min(app.t_final - app.t0, m.dynamics->report().sample_dt / 2);
    route.grid =
        TimeGrid{app.t0, app.t_final, std::max(1, static_cast<int>(std::lround((app.t_final - app.t0) / route.first))), 1};
  }
  // The implicit route steps over the application's grid (or -ts_rom_dt) with a fixed step.
  if (implicit && o.dt <= 0) route.grid = app;
  route.tolerance = o.dt > 0 || implicit ? 0.0 : o.tolerance;

  route.g = m.dynamics.get();
  if (route.learned && m.dynamics->parametric()) {
    // Operators interpolated at this run's values of the recorded parameter options, which
    // must be given (the program's default is not known here).
    const Attributes run = option_values(m.dynamics->parameter_names());
    for (const std::string& name : m.dynamics->parameter_names())
      if (!run.has(name))
        throw Error(fmt::format("TS rom: the learned operators of {} depend on the option -{}; give it (its value in "
                                "this run)",
                                o.model, name));
    route.resolved = std::make_unique<LearnedDynamics>(m.dynamics->at_settings(run, "TS rom"));
    route.g = route.resolved.get();
  }
  if (o.hr_explicit() && route.learned)
    throw Error("TS rom: -ts_rom_hr_method " + o.hr_method +
                ": hyper-reduction serves the Galerkin routes, not -ts_rom_dynamics learned");
  if (implicit) {
    route.implicit_setup = &implicit_hyper_setup(ts, o, p);
    if (route.hyper_implicit()) route.setup_calls = route.hyper_implicit()->residual_calls();
    else route.implicit = std::make_unique<ApplicationImplicit>(ts, state, *m.reducer);
  } else if (!route.learned) {
    if (takes_galerkin_setup(ts, o, m)) {
      route.setup = &galerkin_setup(ts, o, p);
      route.setup_calls = route.setup->fast ? route.setup->fast->rhs_calls() : route.setup->model->rhs_calls();
      route.g = route.setup->hyper ? static_cast<const LatentDynamics*>(route.setup->hyper.get())
                                   : route.setup->fast.get();
    } else {
      route.model = std::make_unique<ApplicationModel>(ts, state, app);
      route.manifold = std::make_unique<ManifoldGalerkinRom>(*route.model, *m.reducer, o.damping);
      route.g = route.manifold.get();
    }
  }
  return route;
}

// The application's monitors see every latent step's decoded state, time, step number and
// step size, as in a full run (-ts_monitor, -ts_monitor_solution_vtk, its own).
LatentMonitor application_monitor(TS ts, const AppState& state, const Reducer& reducer, double t0) {
  auto last_t = std::make_shared<double>(t0);
  return [ts, &state, &reducer, last_t](long long step, double t, const Vector& u) {
    state.from_rows(reducer.decode(u).col(0), ts->vec_sol);
    if (step > 0) ts->time_step = t - *last_t;
    *last_t = t;
    ts->ptime = t;
    ts->steps = static_cast<PetscInt>(step);
    METAROM_PETSC(TSMonitor(ts, static_cast<PetscInt>(step), t, ts->vec_sol));
  };
}

// DAE check: the decoded final state against the program's algebraic rows, relative to the
// state's size (a boundary row u_b = g holds to round-off for a basis whose snapshots satisfy
// it; other constraints hold only in the projected sense).
void check_algebraic_rows(TS ts, const TsRomOptions& o, const ApplicationImplicit& form, const LatentTrajectory& traj,
                          TsRomReport& report) {
  report.algebraic_rows = form.algebraic_rows();
  PetscReal scale;
  METAROM_PETSC(VecNorm(ts->vec_sol, NORM_INFINITY, &scale));
  report.algebraic_residual =
      form.algebraic_residual(traj.t(traj.t.size() - 1), traj.U.col(traj.U.cols() - 1)) /
      std::max(1.0, static_cast<double>(scale));
  if (report.algebraic_rows > 0 && report.algebraic_residual > o.dae_tolerance)
    METAROM_PETSC(PetscPrintf(PetscObjectComm(reinterpret_cast<PetscObject>(ts)),
                              "TS rom: warning: the decoded final state violates the program's %lld algebraic rows "
                              "by %g (relative to max|x|; -ts_rom_dae_tolerance %g): the reduced basis satisfies "
                              "them only approximately\n",
                              report.algebraic_rows, report.algebraic_residual, static_cast<double>(o.dae_tolerance)));
}

void solve(TS ts) {
  RomSettings& s = *settings(ts);
  const TsRomOptions& o = s.options;
  check_options(o);
  prepare(ts, ts->vec_sol);
  const AppState& state = *s.prepared->state;
  const ModelFile& m = s.prepared->m;
  const double setup_start = MPI_Wtime();
  Route route = choose_route(ts, o, *s.prepared);
  const double setup_seconds = MPI_Wtime() - setup_start;
  TsRomReport& report = s.report;
  report.route = route.describe(o.implicit_method);
  const char* prefix = nullptr;
  METAROM_PETSC(TSGetOptionsPrefix(ts, &prefix));
  const std::string latent_prefix = std::string(prefix ? prefix : "") + "ts_rom_";
  LatentMonitor monitor;
  if (o.monitor && ts->numbermonitors > 0) monitor = application_monitor(ts, state, *m.reducer, route.app.t0);

  // Stepping: encode the application's state, advance the latent ODE, decode into its Vec.
  const RomRun run = run_rom(*m.reducer, state.to_rows(ts->vec_sol), [&](const Vector& u0) {
    if (route.implicit) {
      route.implicit->find_algebraic_rows(u0);
      if (o.implicit_method == "lspg")
        return march_latent(
            u0, route.grid,
            [&](const Vector& u, double t_next, double dt) { return route.implicit->lspg_step(t_next, dt, u, {}); },
            "lspg (backward Euler)", monitor);
      return integrate_latent(*route.implicit, u0, route.grid, latent_prefix, "", monitor);
    }
    if (route.hyper_implicit())
      return integrate_latent(*route.hyper_implicit(), u0, route.grid, latent_prefix, "", monitor);
    return integrate_latent(*route.g, u0, route.grid, latent_prefix, "", route.tolerance, monitor);
  });
  const LatentTrajectory& traj = run.latent;
  state.from_rows(run.final_state.col(0), ts->vec_sol);

  report.seconds = run.online_seconds;
  report.setup_seconds = setup_seconds;
  report.reducer = m.reducer->type();
  report.latent_dim = m.reducer->latent_dim();
  report.extrapolates = option_extrapolation(m.training);
  report.hyper_reduction = route.setup            ? route.setup->hr_unused
                           : route.implicit_setup ? route.implicit_setup->hr_unused
                                                  : "";
  report.sample_rows = route.setup && route.setup->hyper ? route.setup->hyper->sample_count()
                       : route.hyper_implicit()          ? route.hyper_implicit()->sample_count()
                                                         : 0;
  int rank = 0;
  MPI_Comm_rank(PetscObjectComm(reinterpret_cast<PetscObject>(ts)), &rank);
  if (rank == 0)
    for (const std::string& e : report.extrapolates) std::fprintf(stderr, "TS rom: warning: extrapolates: %s\n", e.c_str());
  report.latent_ts = traj.ts_type;
  report.latent_steps = traj.steps;
  report.first_dt = route.tolerance > 0 ? route.first : route.grid.dt();
  report.rhs_calls = route.rhs_calls();
  report.jacobian_calls = route.implicit         ? route.implicit->jacobian_calls()
                          : route.hyper_implicit() ? route.hyper_implicit()->jacobian_calls()
                                                 : 0;
  report.implicit = route.implicit || route.hyper_implicit();
  report.algebraic_rows = -1;
  if (route.implicit) check_algebraic_rows(ts, o, *route.implicit, traj, report);
  report.step_rule = o.dt > 0                ? "fixed step -ts_rom_dt"
                     : route.tolerance > 0 ? "step chosen by the error estimate"
                                           : "the application's fixed step";
  ts->ptime = traj.t(traj.t.size() - 1);
  ts->steps = static_cast<PetscInt>(traj.steps);
  ts->reason = route.app.t_final >= ts->max_time * (1 - 1e-12) ? TS_CONVERGED_TIME : TS_CONVERGED_ITS;
  if (!o.latent_file.empty()) {
    Attributes provenance;
    provenance.set("model", "petsc-ts");
    provenance.set("rom", route.learned                          ? "learned"
                         : route.setup && route.setup->hyper ? "galerkin-hr"
                         : route.hyper_implicit()            ? "implicit-hr"
                                                             : "galerkin");
    provenance.set("reduced_model", o.model);
    write_trajectory(o.latent_file, decode_trajectory(*m.reducer, traj, state.rows(), state.layout(), provenance),
                     traj.U);
  }
}

PetscErrorCode solve_petsc(TS ts) {
  PetscFunctionBeginUser;
  PetscCall(petsc_guard(PetscObjectComm(reinterpret_cast<PetscObject>(ts)), [&] { solve(ts); }));
  PetscFunctionReturn(0);
}

PetscErrorCode set_from_options(TS ts, PetscOptionItems* PetscOptionsObject) {
  TsRomOptions& s = settings(ts)->options;
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
  PetscCall(option_string(PetscOptionsObject, "-ts_rom_hr_method",
                          "Hyper-reduction of a program whose right-hand side or implicit function is a DMDA local "
                          "callback: auto (the model file's sample rows), none, or deim, qdeim (rows chosen anew from "
                          "its basis)",
                          "TS", s.hr_method));
  PetscCall(PetscOptionsInt("-ts_rom_hr_points",
                            "Hyper-reduction: sample rows chosen anew from the model's basis (0: the file's; more than "
                            "its modes: oversampled)",
                            "TS", s.hr_points, &s.hr_points, nullptr));
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
    // The Galerkin routes' set-up too (and the implicit route's hyper-reduced one), when the
    // program has set its functions by now.
    if (x)
      PetscCall(petsc_guard(PetscObjectComm(reinterpret_cast<PetscObject>(ts)), [&] {
        check_options(s);
        prepare(ts, x);
        Prepared& p = *settings(ts)->prepared;
        if (takes_galerkin_setup(ts, s, p.m)) galerkin_setup(ts, s, p);
        TSIFunction ifun = nullptr;
        METAROM_PETSC(TSGetIFunction(ts, nullptr, &ifun, nullptr));
        const bool learned = s.dynamics == "learned" || (s.dynamics == "auto" && p.m.dynamics && !s.hr_explicit());
        if (ifun && !learned && ts->vec_sol) implicit_hyper_setup(ts, s, p);
      }));
    if (isda) PetscCall(DMRestoreGlobalVector(dm, &x));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode view(TS ts, PetscViewer viewer) {
  const TsRomOptions& o = settings(ts)->options;
  const TsRomReport& s = settings(ts)->report;
  PetscBool ascii;
  PetscFunctionBeginUser;
  PetscCall(PetscObjectTypeCompare(reinterpret_cast<PetscObject>(viewer), PETSCVIEWERASCII, &ascii));
  if (!ascii) PetscFunctionReturn(0);
  PetscCall(PetscViewerASCIIPrintf(viewer, "  metarom reduced model %s\n", o.model.empty() ? "(none set)" : o.model.c_str()));
  if (!s.reducer.empty()) {
    PetscCall(PetscViewerASCIIPrintf(viewer, "  %s reducer, r = %d; %s\n", s.reducer.c_str(), s.latent_dim,
                                     s.route.c_str()));
    PetscCall(PetscViewerASCIIPrintf(viewer,
                                     "  latent TS %s: %lld steps (%s, first step %g) in %g s (set-up in TSSolve %g s); "
                                     "%lld application right-hand side evaluations%s\n",
                                     s.latent_ts.c_str(), s.latent_steps, s.step_rule.c_str(), s.first_dt, s.seconds,
                                     s.setup_seconds, s.rhs_calls,
                                     s.sample_rows > 0
                                         ? fmt::format(" at {} sample rows (the local function on patches)", s.sample_rows)
                                               .c_str()
                                         : ""));
    for (const std::string& e : s.extrapolates)
      PetscCall(PetscViewerASCIIPrintf(viewer, "  extrapolates: %s\n", e.c_str()));
    if (!s.hyper_reduction.empty()) PetscCall(PetscViewerASCIIPrintf(viewer, "  %s\n", s.hyper_reduction.c_str()));
    if (s.implicit) {
      PetscCall(PetscViewerASCIIPrintf(viewer, "  (implicit route: %lld evaluations of the implicit function F - G, %lld of its Jacobian)\n",
                                       s.rhs_calls, s.jacobian_calls));
      if (s.algebraic_rows < 0 && s.sample_rows > 0)
        PetscCall(PetscViewerASCIIPrintf(viewer, "  algebraic rows: not checked (hyper-reduced: F is evaluated at the sample rows only)\n"));
      else if (s.algebraic_rows < 0)
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
  // The reduced run's BLAS threads, as the metarom program sets them (-blas_threads).
  PetscCall(petsc_guard(PetscObjectComm(reinterpret_cast<PetscObject>(ts)),
                        [&] { configure_blas_threads_from_options(PetscObjectComm(reinterpret_cast<PetscObject>(ts))); }));
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
  if (same) settings(ts)->options.model = file;  // read at TSSetFromOptions or at the first TSSolve
  PetscFunctionReturn(0);
}

}  // namespace metarom
