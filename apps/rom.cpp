// metarom rom -m model.h5 [-o traj.h5]: run the full model and a latent ROM over the same
// time span and compare them. The full model is rebuilt from the provenance stored in the
// model file; PETSc options override it (-heat_steps, -qg_window, -ts_type, ...).
//   -rom_type auto|galerkin|manifold-galerkin|lspg|learned|galerkin-hr  auto: the hyper-reduced
//            Galerkin ROM where the model file carries a hyper-reduction (fit -hr_method deim),
//            Galerkin with precomputed operators for an affine decoder (POD) on a linear or quadratic model, manifold
//            LSPG for a neural reducer with a POD stage on a transport-dominated model
//            (Burgers), manifold Galerkin otherwise; lspg: manifold LSPG with backward Euler; learned: the latent
//            dynamics saved in the model file (fit -latent_dynamics learned);
//   -rom_dt_multiple k  the ROM steps k full-model steps at a time (k divides the stride);
//   -rom_diagnostics  the decoder Jacobian's conditioning and the latent path's distance from
//            the encoded full run along the ROM (rom/manifold_diagnostics.hpp), also for a
//            run that fails (up to the failure).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>
#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "metarom/error.hpp"
#include "metarom/rom/galerkin_rom.hpp"
#include "metarom/rom/latent_integration.hpp"
#include "metarom/rom/latent_rom.hpp"
#include "metarom/rom/manifold_diagnostics.hpp"
#include "metarom/rom/rom_run.hpp"
#include "metarom/reducers/metrics.hpp"
#include "metarom/models/model.hpp"
#include "metarom/rom/reduced_model.hpp"
#include "metarom/reducers/reducer.hpp"

namespace metarom::cli {

namespace {

double median(Vector v) {
  std::sort(v.data(), v.data() + v.size());
  return v.size() ? v(v.size() / 2) : 0.0;
}

// About ten rows of the diagnostics along the run, and where the path leaves the data.
std::string diagnostics_text(const ManifoldDiagnostics& d, const VelocityConsistency* v) {
  std::string text = fmt::format(
      "manifold diagnostics along the ROM (rho = {:.3e}, the encoded run's RMS distance from its mean; latent "
      "scale {:.3e}):\n"
      "  {:>9} {:>10} {:>10} {:>10} {:>12} {:>9} {:>9} {:>9}{}\n",
      d.rho, fmt::join(d.latent_scale, " "), "t", "smin(J)", "smax(J)", "cond(J)", "cond(J) ref", "offset", "reach",
      "reencode", v ? fmt::format(" {:>10} {:>10}", "g defect", "f(x) def.") : "");
  const Index K = d.count(), every = std::max<Index>(1, K / 10);
  const Vector cond = d.conditioning(), reference_cond = d.reference_conditioning();
  for (Index k = 0; k < K; ++k) {
    if (k % every != 0 && k != K - 1) continue;
    text += fmt::format("  {:9.4g} {:10.3e} {:10.3e} {:10.3e} {:12.3e} {:9.3e} {:9.3e} {:9.3e}{}\n", d.t(k),
                        d.sigma_min(k), d.sigma_max(k), cond(k), reference_cond(k), d.offset(k), d.reach(k),
                        d.reencode(k),
                        v ? fmt::format(" {:10.3e} {:10.3e}", v->rom_defect(k), v->state_defect(k)) : "");
  }
  const double leaves = d.first_time_beyond(1.0);
  text += fmt::format("  largest cond(J): {:.3e} along the ROM, {:.3e} at the encoded run; largest reach {:.3e}{}\n",
                      d.max_cond(), d.max_reference_cond(), d.max_reach(),
                      std::isnan(leaves) ? "" : fmt::format(" (beyond 1 from t = {:.4g})", leaves));
  if (v)
    text += fmt::format(
        "  the ROM's vector field at the encoded run against the codes' velocity (rms {:.3e}): median defect {:.3e} "
        "(f at the decoded state), {:.3e} (f at the full state)\n",
        v->velocity_rms, median(v->rom_defect), median(v->state_defect));
  return text;
}

nlohmann::json diagnostics_json(const ManifoldDiagnostics& d, const VelocityConsistency* v) {
  auto list = [](const Vector& v) { return std::vector<double>(v.data(), v.data() + v.size()); };
  nlohmann::json j{{"t", list(d.t)},           {"sigma_min", list(d.sigma_min)}, {"sigma_max", list(d.sigma_max)},
                   {"cond", list(d.conditioning())}, {"reference_cond", list(d.reference_conditioning())},
                   {"offset", list(d.offset)},
                   {"reach", list(d.reach)},   {"reencode", list(d.reencode)},   {"rho", d.rho},
                   {"latent_scale", list(d.latent_scale)}};
  if (v) {
    j["velocity_rms"] = v->velocity_rms;
    j["velocity_t"] = list(v->t);
    j["rom_velocity_defect"] = list(v->rom_defect);
    j["state_velocity_defect"] = list(v->state_defect);
  }
  return j;
}

}  // namespace

int cmd_rom(const std::string&) {
  std::string model_path, out, rom_type = "auto";
  int dt_multiple = 1;
  bool diagnose = false;
  std::vector<Option> opts{{"-m", "Model file (from metarom fit)", &model_path},
                           {"-o", "Write the latent and decoded ROM trajectory here", &out},
                           {"-rom_type", "auto, galerkin, manifold-galerkin, lspg, learned or galerkin-hr", &rom_type},
                           {"-rom_dt_multiple", "ROM time step as a multiple of the full model's", &dt_multiple},
                           {"-rom_diagnostics",
                            "Print the decoder Jacobian's conditioning and the latent path's distance from the encoded "
                            "full run along the ROM (also up to a failure)",
                            &diagnose}};
  const Common c = common_options(opts, "metarom rom");
  LatentRomSettings settings;  // -rom_manifold_damping; the latent TS reads -rom_ts_* itself
  settings.set_from_options("rom_");
  list_model_options();
  if (help_requested()) return 0;  // the ROM's and the models' options are listed now
  require(model_path, "-m", "model.h5");
  const MPI_Comm comm = PETSC_COMM_WORLD;

  // The full model rebuilt from the model file's provenance, the reducer read in its rows.
  ReducedModel model = load_reduced_model(model_path, comm);
  FullOrderModel* fom = &model.full_model();
  const Reducer& reducer = model.reducer();
  const TimeGrid& grid = fom->time_grid();
  const int r = reducer.latent_dim();
  // Before the full model runs; the hyper-reduced ROM where the model file carries one.
  const RomKind kind =
      LatentRom::resolve(rom_kind_from_name(rom_type), *fom, reducer, model.file().hyper_reduction != nullptr);
  rom_type = rom_kind_name(kind);
  const TimeGrid rom_grid = rom_time_grid(*fom, dt_multiple);

  progress(c, fmt::format("rom: full {} model, n = {}, {} steps; {} reducer, r = {}; {} ROM, {} steps\n", fom->name(),
                          fom->rows().global, grid.steps, reducer.type(), r, rom_type, rom_grid.steps));
  // A run at settings the reducer was not trained on predicts; outside the trained range it
  // extrapolates, and says so (on stderr, and in the output).
  const std::vector<std::string> extrapolates = model.extrapolation();
  if (is_root())
    for (const std::string& e : extrapolates) std::fprintf(stderr, "metarom rom: warning: extrapolates: %s\n", e.c_str());
  const SnapshotSet full = fom->simulate(!c.quiet && !c.json);
  const double fom_seconds = fom->solve_seconds();

  // The full run's codes, encoded once: the projection error below and the diagnostics use them.
  const Matrix codes = reducer.encode(full.X);
  // With -rom_diagnostics, the Galerkin vector field at the encoded run (before the ROM runs:
  // a ROM that fails is diagnosed too).
  std::optional<VelocityConsistency> velocity;
  if (diagnose && (kind == RomKind::manifold_galerkin || kind == RomKind::galerkin))
    velocity = velocity_consistency(reducer, *galerkin_dynamics(kind, *fom, reducer, settings), *fom, full, codes);
  const VelocityConsistency* v = velocity ? &*velocity : nullptr;

  // Offline: whatever the ROM precomputes.
  MPI_Barrier(comm);
  double t0 = MPI_Wtime();
  const LatentRom rom = model.rom(kind, settings);
  const double projection_seconds = MPI_Wtime() - t0;

  // Online: encode x(t0), advance the latent ODE, decode the final state. x(t0) is the
  // full run's first snapshot: both runs start from the same given state, and neither
  // timing includes making it.
  RomRun run;
  try {
    run = model.run(rom, full.X.col(0), rom_grid);
  } catch (const LatentIntegrationError& e) {
    // Where the failing path went before it failed: printed, then the failure reported.
    if (diagnose && e.partial().U.cols() > 0) {
      const ManifoldDiagnostics d = manifold_diagnostics(reducer, e.partial().U, e.partial().t, codes);
      print(c.json ? nlohmann::json{{"error", e.what()}, {"diagnostics", diagnostics_json(d, v)}}.dump() + "\n"
                   : diagnostics_text(d, v));
    }
    throw;
  }
  const LatentTrajectory& traj = run.latent;
  const double rom_seconds = run.online_seconds;
  if (traj.U.cols() != full.count())
    throw Error(fmt::format("rom: the ROM recorded {} states, the full model {} (adaptive time steps?)",
                            traj.U.cols(), full.count()));
  SnapshotSet decoded = model.decode(run);
  decoded.provenance.set("rom", rom_type);

  const MPI_Comm rc = full.rows.comm;
  const RomErrors errors = rom_errors(decoded.X, full.X, rc);
  const bool finite = errors.finite;
  const double rel_error = errors.rel_error, final_rel_error = errors.final_rel_error;
  const double max_rel_error = *std::max_element(errors.in_time.begin(), errors.in_time.end());
  // The best any ROM in this latent space can do: the reconstruction of the full trajectory.
  const Matrix projected = reducer.decode(codes);
  const double projection_error =
      std::sqrt(distributed_squared_distance(projected, full.X, rc) / allreduce_sum(rc, full.X.squaredNorm()));
  const double speedup = fom_seconds / rom_seconds;

  std::optional<ManifoldDiagnostics> diagnostics;
  if (diagnose) diagnostics = manifold_diagnostics(reducer, traj.U, traj.t, codes);

  if (!out.empty()) {
    write_trajectory(out, decoded, traj.U);
    write_xdmf(out, decoded);
  }

  if (c.json) {
    nlohmann::json j{{"rel_error", finite ? nlohmann::json(rel_error) : nlohmann::json("inf")},
                     {"final_rel_error", finite ? nlohmann::json(final_rel_error) : nlohmann::json("inf")},
                     {"max_rel_error", finite ? nlohmann::json(max_rel_error) : nlohmann::json("inf")},
                     {"extrapolates", extrapolates},
                     {"projection_rel_error", projection_error},
                     {"fom_seconds", fom_seconds},
                     {"rom_seconds", rom_seconds},
                     {"projection_seconds", projection_seconds},
                     {"speedup", speedup},
                     {"latent_dim", r},
                     {"reducer", reducer.type()},
                     {"rom", rom_type},
                     {"n", fom->rows().global},
                     {"steps", grid.steps},
                     {"rom_steps", rom_grid.steps},
                     {"snapshots", full.count()},
                     {"rom_ts_type", traj.ts_type},
                     {"latent_steps", traj.steps},
                     {"us_per_step", run.us_per_step()}};
    if (!out.empty()) j["trajectory_file"] = out;
    if (diagnostics) j["diagnostics"] = diagnostics_json(*diagnostics, v);
    print(j.dump() + "\n");
  } else {
    print(fmt::format(
        "full model ({}, n = {}) vs {} ROM of a {} reducer (r = {}), {} snapshots compared:\n"
        "  relative error over the run  ||X_rom - X||_F / ||X||_F   {:.3e}\n"
        "  relative error at the final time                         {:.3e}\n"
        "  largest relative error over time                         {:.3e}\n"
        "  projection error (best possible in this latent space)    {:.3e}\n"
        "  full model   {:10.4f} s   ({} steps)\n"
        "  ROM online   {:10.6f} s   (encode x0, {} latent TS steps [{}, {:.1f} µs/step], decode; offline {:.3f} s)\n"
        "  speedup      {:10.1f} x\n{}{}",
        fom->name(), fom->rows().global, rom_type, reducer.type(), r, full.count(), rel_error, final_rel_error,
        max_rel_error,
        projection_error, fom_seconds, grid.steps, rom_seconds, rom_grid.steps, traj.ts_type,
        run.us_per_step(), projection_seconds,
        speedup,
        extrapolates.empty() ? "" : fmt::format("  extrapolates: {}\n", fmt::join(extrapolates, "; ")),
        out.empty() ? "" : fmt::format("wrote {}\n", out)));
    if (diagnostics) print(diagnostics_text(*diagnostics, v));
  }
  return 0;
}

}  // namespace metarom::cli
