// TS type "rom": runs an unmodified PETSc TS application on a saved reduced model, by
// options alone:
//   -dll_append libmetarom.so -ts_type rom -ts_rom_model model.h5 [-ts_rom_ts_type rk ...]
//   [-ts_rom_latent_file traj.h5]
// The latent dynamics are manifold Galerkin on the application's own right-hand side,
//   du/dt = J(u)⁺ f(t, φ(u)),   J = ∂φ/∂u,
// f evaluated by TSComputeRHSFunction on the decoded state. For POD (orthonormal U) this
// is POD-Galerkin, du/dt = Uᵀf(x̄ + Uu); for the autoencoders the decoder Jacobian's
// least-squares solve (latent_rom.hpp). The latent ODE is advanced by a PETSc TS of its
// own (options prefix <app prefix>ts_rom_, classical RK4 by default) with the
// application's time step from its start time to its final time (or max steps); the
// decoded final state is left in the application's solution Vec, so the program goes on
// as after a full run. The initial latent state is the reducer's encoding of the
// application's initial state.
#include <petsc/private/tsimpl.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <memory>
#include <string>

#include "metarom/app_state.hpp"
#include "metarom/error.hpp"
#include "metarom/latent_rom.hpp"
#include "metarom/plugin.hpp"
#include "metarom/reducer.hpp"

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
      F.col(j) = state_.to_rows(f_);
    }
    return F;
  }
  SnapshotSet simulate(bool) override { throw Error("TS rom: the application is the full model; run it without -ts_type rom"); }
  double solve_seconds() const override { return 0; }

 private:
  TS ts_;
  const AppState& state_;
  TimeGrid grid_;
  PetscHandle<Vec, VecDestroy> x_, f_;
};

struct RomSettings {
  std::string model, latent_file;
  // Filled by the solve, for TSView.
  std::string reducer;
  int latent_dim = 0;
  double seconds = 0;
  std::string latent_ts;
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
  const double t_end = std::min(tf, t0 + static_cast<double>(steps) * dt);
  return TimeGrid{t0, t_end, static_cast<int>(steps), 1};
}

void solve(TS ts) {
  RomSettings& s = *settings(ts);
  const MPI_Comm comm = PetscObjectComm(reinterpret_cast<PetscObject>(ts));
  if (s.model.empty()) throw Error("TS rom: name the reduced model with -ts_rom_model model.h5 (from `metarom fit`)");
  TSRHSFunction rhs = nullptr;
  METAROM_PETSC(TSGetRHSFunction(ts, nullptr, &rhs, nullptr));
  if (!rhs) {
    TSIFunction ifun = nullptr;
    METAROM_PETSC(TSGetIFunction(ts, nullptr, &ifun, nullptr));
    throw Error(ifun ? "TS rom: this application defines its equations only in implicit form (TSSetIFunction); the "
                       "reduced model needs the explicit right-hand side du/dt = f(t, u) set with TSSetRHSFunction"
                     : "TS rom: the application sets no right-hand side function (TSSetRHSFunction)");
  }
  const AppState state(ts, ts->vec_sol);
  ModelFile m = load_model(s.model, comm, [&](const ModelFile& header) {
    if (header.n != state.rows().global)
      throw Error(fmt::format("TS rom: {} holds a reduced model for states of {} values; this application's state has {}",
                              s.model, header.n, state.rows().global));
    const FieldLayout& a = header.layout;
    const FieldLayout b = state.layout();
    if (!a.dims.empty() && !b.dims.empty() && (a.dims != b.dims || a.fields.size() != b.fields.size()))
      throw Error(fmt::format("TS rom: {} was fitted on a {} grid with {} field(s); this application's DMDA is {} with {}",
                              s.model, fmt::join(a.dims, " x "), a.fields.size(), fmt::join(b.dims, " x "),
                              b.fields.size()));
    return state.rows();
  });
  const TimeGrid grid = application_grid(ts);
  ApplicationModel model(ts, state, grid);
  const ManifoldGalerkinRom dynamics(model, *m.reducer);
  MPI_Barrier(comm);
  const double start = MPI_Wtime();
  const Vector u0 = m.reducer->encode(state.to_rows(ts->vec_sol)).col(0);
  const char* prefix = nullptr;
  METAROM_PETSC(TSGetOptionsPrefix(ts, &prefix));
  const LatentTrajectory traj = integrate_latent(dynamics, u0, grid, std::string(prefix ? prefix : "") + "ts_rom_");
  state.from_rows(m.reducer->decode(traj.U.rightCols(1)).col(0), ts->vec_sol);
  s.seconds = MPI_Wtime() - start;
  s.reducer = m.reducer->type();
  s.latent_dim = m.reducer->latent_dim();
  s.latent_ts = traj.ts_type;
  ts->ptime = traj.t(traj.t.size() - 1);
  ts->steps = grid.steps;
  ts->reason = grid.t_final >= ts->max_time * (1 - 1e-12) ? TS_CONVERGED_TIME : TS_CONVERGED_ITS;
  if (!s.latent_file.empty()) {
    SnapshotSet decoded;
    decoded.rows = state.rows();
    decoded.X = m.reducer->decode(traj.U);
    decoded.t = traj.t;
    decoded.layout = state.layout();
    decoded.provenance.set("model", "petsc-ts");
    decoded.provenance.set("rom", "manifold-galerkin");
    decoded.provenance.set("reduced_model", s.model);
    write_trajectory(s.latent_file, decoded, traj.U);
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
  PetscCall(option_string(PetscOptionsObject, "-ts_rom_latent_file",
                          "Write the latent and decoded trajectory to this file", "TS", s.latent_file));
  PetscCall(option_string(PetscOptionsObject, "-ts_rom_ts_type",
                          "Latent integrator (any TS type; default rk, classical RK4)", "TS", latent_ts));
  PetscOptionsHeadEnd();
  PetscFunctionReturn(0);
}

PetscErrorCode view(TS ts, PetscViewer viewer) {
  RomSettings& s = *settings(ts);
  PetscBool ascii;
  PetscFunctionBeginUser;
  PetscCall(PetscObjectTypeCompare(reinterpret_cast<PetscObject>(viewer), PETSCVIEWERASCII, &ascii));
  if (!ascii) PetscFunctionReturn(0);
  PetscCall(PetscViewerASCIIPrintf(viewer, "  metarom reduced model %s\n", s.model.empty() ? "(none set)" : s.model.c_str()));
  if (!s.reducer.empty())
    PetscCall(PetscViewerASCIIPrintf(viewer, "  %s reducer, r = %d; manifold Galerkin latent ODE by TS %s in %g s\n",
                                     s.reducer.c_str(), s.latent_dim, s.latent_ts.c_str(), s.seconds));
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

}  // namespace metarom
