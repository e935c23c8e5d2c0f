// metarom compare -i train.h5 [-test test.h5] -r R[,R2,...] -reducers pod,ae,meta-ae -o DIR
// Fits every reducer at the same latent size on the same training snapshots, evaluates
// reconstruction on train and test, runs each latent ROM against the full model over the
// same time span, and writes DIR/compare.md, DIR/compare.json, the trajectories (with XDMF
// side files) and, when Debian's python3-matplotlib and python3-h5py are there, the plots
// of apps/compare_plots.py. A reducer or ROM that fails is reported in the table.
// Every reducer runs with its own defaults and the user's options; POD is centred, like the
// neural reducers' POD stage, unless -pod_center says otherwise.
// Stages, per reducer and latent size: fit (fit_stage) → evaluate (reconstruction_fields,
// reducer_only_fields) → run (run_row, also for the +learned and +closure rows); then the
// report (compare_report.hpp: Markdown from the JSON alone) and the figures.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "cli.hpp"
#include "compare_report.hpp"
#include "metarom/io/text_file.hpp"
#include "metarom/error.hpp"
#include "metarom/rom/flow_statistics.hpp"
#include "metarom/rom/galerkin_rom.hpp"
#include "metarom/rom/latent_rom.hpp"
#include "metarom/reducers/meta_autoencoder.hpp"
#include "metarom/rom/learned_dynamics.hpp"
#include "metarom/rom/rom_run.hpp"
#include "metarom/reducers/metrics.hpp"
#include "metarom/models/model.hpp"
#include "metarom/io/petsc_handle.hpp"
#include "metarom/reducers/pod.hpp"
#include "metarom/rom/model_file.hpp"
#include "metarom/reducers/reducer.hpp"

namespace metarom::cli {

namespace {

// Whether the user gave an option (compare centres POD unless -pod_center was given).
bool option_given(const char* name) {
  PetscBool set;
  METAROM_PETSC(PetscOptionsHasName(nullptr, nullptr, name, &set));
  return set;
}

// Whether a snapshot file was written by the model `fom` as rebuilt here: every setting the
// model records under its name (<model>_re, <model>_dt, ...) equal, where the spin-up file
// and the provenance's bookkeeping (creation time, ranks) may differ.
bool same_model(const Attributes& file, const FullOrderModel& fom) {
  const std::string prefix = fom.name() + "_";
  for (const auto& [key, value] : fom.provenance()) {
    if (key.rfind(prefix, 0) != 0 || key.find("spinup_file") != std::string::npos) continue;
    const auto it = file.values().find(key);
    if (it == file.values().end() || !(it->second == value)) return false;
  }
  return true;
}

// The training and test sets as one run, if together they hold exactly the snapshots the
// model records over its time grid (as `simulate -split` writes them); nothing otherwise.
std::optional<SnapshotSet> recorded_run(const FullOrderModel& fom, const SnapshotSet& train,
                                        const std::optional<SnapshotSet>& test) {
  if (!test || !same_model(train.provenance, fom) || !same_model(test->provenance, fom)) return std::nullopt;
  const TimeGrid& g = fom.time_grid();
  const Index count = train.count() + test->count();
  if (count != g.snapshots()) return std::nullopt;
  SnapshotSet run = train;
  run.X.resize(train.X.rows(), count);
  run.X << train.X, test->X;
  run.t.resize(count);
  run.t << train.t, test->t;
  const double step = g.stride * g.dt();
  for (Index k = 0; k < count; ++k)
    if (std::abs(run.t(k) - (g.t0 + static_cast<double>(k) * step)) > 1e-6 * step) return std::nullopt;
  return run;
}

// The settings a row's reducer ran with, as text (the reducers' own defaults unless the
// user's options changed them); "(compare)" marks compare's one choice, centred POD.
std::string row_settings(Reducer& reducer, bool pod_centre_chosen) {
  if (auto* pod = dynamic_cast<Pod*>(&reducer))
    return pod->settings().center ? fmt::format("centred{}", pod_centre_chosen ? " (compare)" : "")
                                  : std::string("not centred");
  const NeuralSettings* s = nullptr;
  std::string extra;
  if (auto* neural = dynamic_cast<NeuralReducer*>(&reducer)) s = &neural->settings();
  if (auto* meta = dynamic_cast<MetaAutoencoder*>(&reducer)) {
    extra = fmt::format(", I = {} unrolled Gauss–Newton steps, latent penalty β = {:g}",
                        meta->training_solver().iterations, meta->latent_penalty());
  }
  if (!s) return "";
  return fmt::format("hidden {}, POD stage K = {} (centred), batch {}, {} epochs, Adam lr {:g}, seed {}{}",
                     fmt::join(s->hidden, ","), s->pod_modes, s->train.batch_size, s->train.epochs,
                     s->train.learning_rate, s->train.seed, extra);
}

// Evaluate stage: MSE (3.20) and second-reconstruction MSE (5.2) on the training set and,
// when given, the test set.
nlohmann::json reconstruction_fields(const Reducer& reducer, const SnapshotSet& train,
                                     const std::optional<SnapshotSet>& test) {
  nlohmann::json j;
  const ReconstructionMetrics mt = reconstruction_metrics(reducer, train, 1);
  j["train_mse"] = mt.mse;
  j["train_sr_mse"] = mt.sr_mse;
  if (test) {
    const ReconstructionMetrics ms = reconstruction_metrics(reducer, *test, 1);
    j["test_mse"] = ms.mse;
    j["test_sr_mse"] = ms.sr_mse;
  }
  return j;
}

// Evaluate stage, what describes the reducer alone: POD's singular values; for the
// meta-autoencoders, whose metrics above use the encoder solved to convergence, the same
// metrics under the paper's protocol (Table 5.1: I = 4 Gauss–Newton steps from θ₀).
nlohmann::json reducer_only_fields(Reducer& reducer, const SnapshotSet& train, const std::optional<SnapshotSet>& test) {
  nlohmann::json j = nlohmann::json::object();
  if (auto* pod = dynamic_cast<Pod*>(&reducer))
    j["singular_values"] = std::vector<double>(pod->singular_values().data(),
                                               pod->singular_values().data() + pod->singular_values().size());
  if (auto* meta = dynamic_cast<MetaAutoencoder*>(&reducer)) {
    meta->set_evaluation_iterations(4);
    nlohmann::json p = reconstruction_fields(reducer, train, test);
    p["iterations"] = 4;
    j["paper_protocol"] = p;
    meta->set_evaluation_iterations(0);
  }
  return j;
}

}  // namespace

int cmd_compare(const std::string&) {
  std::string train_path, test_path, reducers = "pod,ae,meta-ae", out = "compare", r_list = "10";
  int dt_multiple = 0;
  bool plots = true;
  double floor_perturbation = 1e-6;
  std::string dynamics = "learned,closure";
  std::vector<Option> opts{
      {"-i", "Training snapshot file (its provenance names the full model)", &train_path},
      {"-test", "Test snapshot file (optional)", &test_path},
      {"-r", "Latent dimension for every reducer, or a comma-separated list (5,10,20)", &r_list},
      {"-reducers", "Comma-separated reducer types (pod, linear-ae, sparse-ae, ae, ri-ae, meta-ae) or saved model files", &reducers},
      {"-o", "Output directory", &out},
      {"-rom_dt_multiple", "ROM step as a multiple of the full model's (0: 1 for heat, the snapshot stride for qg)",
       &dt_multiple},
      {"-plots", "Draw the PNG figures (needs python3-matplotlib and python3-h5py)", &plots},
      {"-latent_dynamics",
       "Extra rows per reducer, comma separated: learned (latent dynamics by operator inference), closure (its "
       "Galerkin ROM plus a learned closure); none",
       &dynamics},
      {"-floor_perturbation",
       "Chaotic models: also run the full model from its initial state perturbed by this relative size and score "
       "it like a ROM, the predictability floor (0: skip)",
       &floor_perturbation}};
  const Common c = common_options(opts, "metarom compare");
  require(train_path, "-i", "train.h5");
  if (!(floor_perturbation >= 0))
    throw Error(fmt::format("compare: -floor_perturbation must be >= 0, got {}", floor_perturbation));
  const MPI_Comm comm = PETSC_COMM_WORLD;
  std::filesystem::create_directories(out);
  std::vector<int> dims;
  for (long long v : positive_ints(r_list, "compare: -r")) dims.push_back(static_cast<int>(v));
  if (dims.empty()) throw Error("compare: -r names no latent dimension");
  const bool centre_pod = !option_given("-pod_center");
  std::vector<std::string> dynamics_rows;
  for (const std::string& kind : split_list(dynamics)) {
    if (kind == "none") continue;
    if (kind != "learned" && kind != "closure")
      throw Error("compare: -latent_dynamics lists learned, closure or none, got '" + kind + "'");
    dynamics_rows.push_back(kind);
  }
  const bool learned_rows = !dynamics_rows.empty();
  OperatorInference inference;
  if (learned_rows) inference.set_from_options();
  LatentRomSettings rom_settings;
  rom_settings.set_from_options("rom_");

  // The full model, rebuilt from the training set's provenance; the data read in its rows.
  const SnapshotSet header = read_snapshot_header(train_path, comm);  // provenance without the states
  std::unique_ptr<FullOrderModel> fom = create_model_from_provenance(comm, header.provenance, train_path);
  const RowPartition rows = fom->rows();
  const SnapshotSet train = read_snapshots(train_path, rows);
  std::optional<SnapshotSet> test;
  if (!test_path.empty()) test = read_snapshots(test_path, rows);
  const TimeGrid& grid = fom->time_grid();
  if (dt_multiple == 0) dt_multiple = fom->name() == "qg" ? grid.stride : 1;
  if (grid.stride % dt_multiple != 0 || grid.steps % dt_multiple != 0)
    throw Error(fmt::format("-rom_dt_multiple {} must divide the snapshot stride {}", dt_multiple, grid.stride));
  const TimeGrid rom_grid{grid.t0, grid.t_final, grid.steps / dt_multiple, grid.stride / dt_multiple};

  // The reference run. A chaotic model whose training and test files hold its whole run
  // uses them as the reference (they are its trajectory; a rerun on other ranks would
  // diverge from them by round-off), and its own run here starts from the perturbed state:
  // the predictability floor, which also times the full model. Otherwise the full model
  // runs here, and a chaotic one runs a second time for the floor.
  const bool show = !c.quiet && !c.json;
  const bool floor_row = fom->chaotic() && floor_perturbation > 0;
  std::optional<SnapshotSet> recorded = floor_row ? recorded_run(*fom, train, test) : std::nullopt;
  const std::string reference = recorded ? "snapshot files" : "full model run";
  SnapshotSet full;
  double fom_seconds = 0;
  if (recorded) {
    full = std::move(*recorded);
    progress(c, fmt::format("compare: {} model, n = {}, r = {}, reducers {}; reference: the training and test "
                            "files ({} snapshots)\n",
                            fom->name(), rows.global, r_list, reducers, full.count()));
  } else {
    progress(c, fmt::format("compare: {} model, n = {}, r = {}, reducers {}; running the full model ({} steps)\n",
                            fom->name(), rows.global, r_list, reducers, grid.steps));
    full = fom->simulate(show);
    fom_seconds = fom->solve_seconds();
  }
  std::optional<SnapshotSet> twin;
  if (floor_row) {
    progress(c, fmt::format("compare: the predictability floor: the full model from its initial state perturbed by "
                            "{:g} (relative)\n",
                            floor_perturbation));
    twin = fom->simulate_from(perturbed_initial_state(full.X.col(0), rows, floor_perturbation), show);
    if (recorded) fom_seconds = fom->solve_seconds();
  }
  write_snapshots(out + "/full.h5", full);
  write_xdmf(out + "/full.h5", full);

  // Kinetic energy of the full run (flows that define it), for the E(t) figure.
  const Matrix full_energy = fom->energy_enstrophy(full.X);
  // Whether the window is long enough for time means to settle: the mean over its second
  // half against the mean over all of it.
  const Index half = full.count() / 2;
  const double settling =
      std::sqrt(allreduce_sum(comm, (full.X.rightCols(full.count() - half).rowwise().mean() - full.X.rowwise().mean())
                                        .squaredNorm()) /
                allreduce_sum(comm, full.X.rowwise().mean().squaredNorm()));
  // The recorded states inside the training window [t0, t_train], the rest beyond it.
  const double t_train = train.t(train.count() - 1);
  Index in_window = 0;
  while (in_window < full.count() && full.t(in_window) <= t_train + 1e-9 * (1 + std::abs(t_train))) ++in_window;
  in_window = std::max<Index>(in_window, 1);
  // Errors of states X (recorded at the times t of the full run) against the full run, and
  // the flow's statistics (flow_statistics.hpp) over the training window and beyond it.
  auto score = [&](nlohmann::json& j, const Matrix& X, const Vector& t) {
    const RomErrors errors = rom_errors(X, full.X, comm);
    const bool finite = errors.finite;
    const std::vector<double>& e = errors.in_time;
    j["rom_status"] = finite ? "ok" : "blew up (NaN/Inf)";
    j["rom_rel_error"] = errors.rel_error;
    j["rom_final_rel_error"] = errors.final_rel_error;
    j["rom_error_in_time"] = e;
    if (finite) {
      j["valid_time"] = valid_time(e, t);
      auto stats = [&](Index first, Index last) {
        const FlowStatistics fs = flow_statistics(*fom, X, full.X, first, last, comm);
        nlohmann::json s{{"mean_field_rel_error", fs.mean_field_rel_error}};
        if (std::isfinite(fs.energy_mean_rel_error)) {
          s["energy_mean_rel_error"] = fs.energy_mean_rel_error;
          s["energy_std_rel_error"] = fs.energy_std_rel_error;
          s["enstrophy_mean_rel_error"] = fs.enstrophy_mean_rel_error;
        }
        return s;
      };
      if (full_energy.size()) {
        const Matrix ez = fom->energy_enstrophy(X);
        j["energy_in_time"] = std::vector<double>(ez.row(0).begin(), ez.row(0).end());
      }
      const nlohmann::json in = stats(0, in_window);
      j.update(in);
      if (in_window < full.count()) j["beyond_training"] = stats(in_window, full.count());
    }
  };
  // Run stage: one latent ROM of `reducer` against the full run (rom_run.hpp), filling its
  // row: errors, flow statistics, online time, speedup, cost per latent step, and the
  // decoded trajectory file.
  auto run_row = [&](nlohmann::json& j, const std::string& rom_type, const Reducer& reducer,
                     std::shared_ptr<const LatentDynamics> learned, const std::string& file_tag) {
    try {
      const LatentRom rom(rom_type, *fom, reducer, std::move(learned), rom_settings);
      const RomRun run = run_rom(rom, reducer, full.X.leftCols(1), rom_grid);
      const LatentTrajectory& traj = run.latent;
      Attributes provenance = full.provenance;
      provenance.set("rom", rom_type);
      const SnapshotSet decoded = decode_trajectory(reducer, traj, rows, full.layout, provenance);
      score(j, decoded.X, traj.t);
      j["times"] = std::vector<double>(traj.t.data(), traj.t.data() + traj.t.size());
      j["online_seconds"] = run.online_seconds;
      j["speedup"] = fom_seconds / run.online_seconds;
      j["rom_ts_type"] = traj.ts_type;
      j["latent_steps"] = traj.steps;
      j["us_per_step"] = run.us_per_step();
      const std::string file = out + "/rom_" + file_tag + ".h5";
      write_trajectory(file, decoded, traj.U);
      write_xdmf(file, decoded);
      j["trajectory"] = file;
    } catch (const std::exception& e) {
      j["rom_status"] = std::string("failed: ") + e.what();
    }
  };

  // Fit stage: a reducer by type, fitted on the training set with `compare`'s one choice
  // (POD centred) and saved, or a saved model file read as it is.
  struct Fitted {
    std::unique_ptr<Reducer> reducer;
    std::shared_ptr<const LearnedDynamics> saved;  // learned dynamics a model file carries
    bool from_file = false;
  };
  auto fit_stage = [&](const std::string& item, int r, const std::string& tag, nlohmann::json& j) {
    Fitted f;
    if (item.size() > 3 && item.substr(item.size() - 3) == ".h5") {
      ModelFile m = load_model(item, comm, [&](const ModelFile&) { return rows; });
      j["reducer"] = m.reducer->type() + " (" + item + ")";
      j["fit_seconds"] = m.fit_seconds;
      f.reducer = std::move(m.reducer);
      f.saved = m.dynamics;
      f.from_file = true;
      return f;
    }
    f.reducer = create_reducer(item);
    f.reducer->set_from_options();
    f.reducer->set_latent_dim(r);
    // Fair rows: the neural reducers' POD stage subtracts the snapshot mean, so POD is
    // centred too unless -pod_center says otherwise.
    if (auto* pod = dynamic_cast<Pod*>(f.reducer.get()))
      if (centre_pod) pod->settings().center = true;
    MPI_Barrier(comm);
    const double start = MPI_Wtime();
    f.reducer->fit(train);
    j["fit_seconds"] = MPI_Wtime() - start;
    save_model(out + "/model_" + item + tag + ".h5", *f.reducer, train, train_path, j["fit_seconds"].get<double>());
    return f;
  };

  nlohmann::json results = nlohmann::json::array();
  const std::vector<std::string> items = split_list(reducers);
  // Inputs checked before any work: a damaged model file or a latent dimension the training
  // set cannot give stops the comparison with its message (a row that fails later — an
  // unknown reducer type, a ROM that diverges — is reported in its row instead).
  for (const std::string& item : items) {
    if (item.size() > 3 && item.substr(item.size() - 3) == ".h5") {
      load_model(item, comm, [&](const ModelFile&) { return rows; });
      continue;
    }
    std::unique_ptr<Reducer> probe;
    try {
      probe = create_reducer(item);
    } catch (const Error&) {
      continue;
    }
    for (const int r : dims) {
      probe->set_latent_dim(r);
      probe->check_latent_dim(train.n(), train.count(), train_path);
    }
  }
  for (const int r : dims) {
    // One latent size keeps the plain file names; several get an _r<r> suffix.
    const std::string tag = dims.size() > 1 ? fmt::format("_r{}", r) : "";
    for (const std::string& item : items) {
      nlohmann::json j{{"reducer", item}, {"latent_dim", r}};
      progress(c, fmt::format("compare: {}, r = {}\n", item, r));
      try {
        Fitted fitted = fit_stage(item, r, tag, j);
        std::unique_ptr<Reducer>& reducer = fitted.reducer;
        const std::shared_ptr<const LearnedDynamics>& saved = fitted.saved;
        const bool saved_model = fitted.from_file;
        j["latent_dim"] = reducer->latent_dim();
        // A saved model's settings are its own: none of them is compare's choice.
        j["settings"] = row_settings(*reducer, centre_pod && !saved_model);
        // Evaluate: reconstruction on the training (and test) set; the +learned and
        // +closure rows below start from these fields.
        j.update(reconstruction_fields(*reducer, train, test));
        const nlohmann::json reducer_fields = j;
        j.update(reducer_only_fields(*reducer, train, test));
        // The latent ROM, chosen as `metarom rom` does.
        const std::string rom_type = LatentRom::resolve("auto", *fom, *reducer);
        j["rom"] = rom_type;
        if (rom_type == "manifold-galerkin") {
          const double delta = rom_settings.damping_for(*reducer);
          j["rom_manifold_damping"] = delta;
          if (delta > 0) j["rom"] = fmt::format("manifold-galerkin (δ = {:g})", delta);
        }
        run_row(j, rom_type, *reducer, nullptr, reducer->type() + tag);
        results.push_back(j);
        // The same reducer with learned latent dynamics (operator inference on the training
        // snapshots, exact velocities from the full model), and with its Galerkin ROM plus a
        // learned closure: rows of their own.
        for (const std::string& kind : dynamics_rows) {
          nlohmann::json l = reducer_fields;
          l["reducer"] = j["reducer"].get<std::string>() + "+" + kind;
          l["rom"] = kind == "closure" ? rom_type + "+closure" : "learned";
          try {
            const auto base = kind == "closure" ? galerkin_dynamics(rom_type, *fom, *reducer, rom_settings) : nullptr;
            MPI_Barrier(comm);
            const double start = MPI_Wtime();
            // Dynamics saved with a model file are used as they are (for their own kind);
            // otherwise fitted here.
            const bool use_saved = saved && (saved->report().closure_of.empty() == (kind == "learned"));
            auto d = use_saved ? saved
                               : std::make_shared<const LearnedDynamics>(fit_learned_dynamics(
                                     *reducer, train, fom.get(), Matrix(), inference, base.get(), rom_type));
            l["dynamics_fit_seconds"] = use_saved ? 0.0 : MPI_Wtime() - start;
            if (use_saved) l["dynamics_source"] = "model file";
            const LearnedDynamics::Report& rep = d->report();
            l["dynamics"] = {{"velocities", rep.velocities},       {"lambda_linear", rep.lambda_linear},
                             {"lambda_quadratic", rep.lambda_quadratic}, {"holdout_error", rep.holdout_error},
                             {"selection", rep.selection},         {"residual", rep.residual}};
            run_row(l, "learned", *reducer, d, reducer->type() + "_" + kind + tag);
          } catch (const std::exception& e) {
            l["rom_status"] = std::string("failed: ") + e.what();
          }
          results.push_back(l);
        }
        continue;
      } catch (const std::exception& e) {
        j["status"] = std::string("failed: ") + e.what();
      }
      results.push_back(j);
    }
  }

  // The predictability floor, scored like a ROM.
  nlohmann::json floor;
  if (twin) {
    floor["perturbation"] = floor_perturbation;
    score(floor, twin->X, twin->t);
    const std::string file = out + "/floor.h5";
    write_snapshots(file, *twin);
    write_xdmf(file, *twin);
    floor["trajectory"] = file;
  }

  nlohmann::json all{{"model", fom->name()},           {"n", rows.global},
                     {"latent_dims", dims},            {"train", train_path},
                     {"test", test_path},              {"fom_seconds", fom_seconds},
                     {"fom_steps", grid.steps},        {"rom_steps", rom_grid.steps},
                     {"snapshots", full.count()},      {"ranks", rows.size()},
                     {"t_train", t_train},             {"mean_settling", settling},
                     {"t0", full.t(0)},                {"train_count", train.count()},
                     {"reference", reference},
                     {"results", results}};
  if (test) all["test_count"] = test->count();
  if (twin) all["floor"] = floor;
  if (full_energy.size()) {
    all["full_energy_in_time"] = std::vector<double>(full_energy.row(0).begin(), full_energy.row(0).end());
    all["full_times"] = std::vector<double>(full.t.begin(), full.t.end());
  }
  // Report: the numbers above, as JSON and as Markdown written from that JSON alone.
  const std::string md = compare_markdown(all);
  if (is_root()) {
    write_text_file(out + "/compare.json", all.dump(1) + "\n");
    write_text_file(out + "/compare.md", md);
  }
  MPI_Barrier(comm);
  // Figures: drawn from the files just written.
  const std::string figures = plots && is_root() ? draw_compare_figures(out) : "";
  print(c.json ? all.dump() + "\n" : md + fmt::format("\nwrote {}/compare.md, {}/compare.json\n{}", out, out, figures));
  return 0;
}

}  // namespace metarom::cli
