#include "compare_run.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "cli.hpp"
#include "metarom/error.hpp"
#include "metarom/io/petsc_handle.hpp"
#include "metarom/reducers/meta_autoencoder.hpp"
#include "metarom/reducers/metrics.hpp"
#include "metarom/reducers/pod.hpp"
#include "metarom/rom/flow_statistics.hpp"
#include "metarom/rom/model_file.hpp"
#include "metarom/rom/rom_run.hpp"

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
// metrics under the paper's protocol (Table 5.1: I = 4 Gauss–Newton steps from θ₀), the
// user's evaluation setting restored after.
nlohmann::json reducer_only_fields(Reducer& reducer, const SnapshotSet& train, const std::optional<SnapshotSet>& test) {
  nlohmann::json j = nlohmann::json::object();
  if (const auto* pod = dynamic_cast<const Pod*>(&reducer))
    j["singular_values"] = std::vector<double>(pod->singular_values().begin(), pod->singular_values().end());
  if (auto* meta = dynamic_cast<MetaAutoencoder*>(&reducer)) {
    const int user_iterations = meta->evaluation_iterations();
    meta->set_evaluation_iterations(4);
    nlohmann::json p;
    try {
      p = reconstruction_fields(reducer, train, test);
    } catch (...) {
      meta->set_evaluation_iterations(user_iterations);
      throw;
    }
    meta->set_evaluation_iterations(user_iterations);
    p["iterations"] = 4;
    j["paper_protocol"] = p;
  }
  return j;
}

}  // namespace

ComparePlan ComparePlan::from_options(Common& common) {
  ComparePlan p;
  std::string dynamics = "learned,closure", test_parameters, test_mode = "grid", roms = "auto";
  p.reducers = "pod,ae,meta-ae";
  p.r_list = "10";
  std::vector<Option> opts{
      {"-i", "Training snapshot file (its provenance names the full model)", &p.train_path},
      {"-test", "Test snapshot file (optional)", &p.test_path},
      {"-r", "Latent dimension for every reducer, or a comma-separated list (5,10,20)", &p.r_list},
      {"-reducers", "Comma-separated reducer types (pod, linear-ae, sparse-ae, ae, ri-ae, meta-ae) or saved model files",
       &p.reducers},
      {"-o", "Output directory", &p.out},
      {"-rom_dt_multiple", "ROM step as a multiple of the full model's (0: 1 for heat, the snapshot stride for qg)",
       &p.dt_multiple},
      {"-plots", "Draw the PNG figures (needs python3-matplotlib and python3-h5py)", &p.plots},
      {"-latent_dynamics",
       "Extra rows per reducer, comma separated: learned (latent dynamics by operator inference), closure (its "
       "Galerkin ROM plus a learned closure); none",
       &dynamics},
      {"-floor_perturbation",
       "Chaotic models: also run the full model from its initial state perturbed by this relative size and score "
       "it like a ROM, the predictability floor (0: skip)",
       &p.floor_perturbation},
      {"-test_parameters",
       "Predict: run the full model and every ROM at parameters not trained on, NAME=V1,V2,... (a value may be LO:HI:COUNT), "
       "parameters separated by ';' (the first point is the primary run; the reducers are fitted on -i only)",
       &test_parameters},
      {"-test_parameters_mode", "grid (every combination of the -test_parameters values) or list", &test_mode},
      {"-replay", "With -test_parameters: also rerun every training trajectory (labelled replay)", &p.replay},
      {"-roms",
       "ROMs per reducer, comma separated: auto (Galerkin for affine decoders; manifold LSPG for neural reducers on "
       "transport, as Burgers; manifold Galerkin otherwise) and any of "
       "galerkin, manifold-galerkin, lspg, galerkin-hr (rows of their own; galerkin-hr: hyper-reduced, sample rows "
       "by -hr_method deim|qdeim|ecsw, -hr_modes, -hr_points, -hr_tolerance)",
       &roms}};
  common = common_options(opts, "metarom compare");
  if (test_mode != "grid" && test_mode != "list")
    throw Error("compare: -test_parameters_mode is grid or list, got '" + test_mode + "'");
  if (!test_parameters.empty())
    p.held_out = ParameterSweep::parse(
        test_parameters, test_mode == "grid" ? ParameterSweep::Mode::grid : ParameterSweep::Mode::list, "-test_parameters");
  list_model_options();
  require(p.train_path, "-i", "train.h5");
  if (!(p.floor_perturbation >= 0))
    throw Error(fmt::format("compare: -floor_perturbation must be >= 0, got {}", p.floor_perturbation));
  for (long long v : positive_ints(p.r_list, "compare: -r")) p.dims.push_back(static_cast<int>(v));
  if (p.dims.empty()) throw Error("compare: -r names no latent dimension");
  p.items = split_list(p.reducers);
  p.centre_pod = !option_given("-pod_center");
  for (const std::string& kind : split_list(dynamics)) {
    if (kind == "none") continue;
    if (kind != "learned" && kind != "closure")
      throw Error("compare: -latent_dynamics lists learned, closure or none, got '" + kind + "'");
    p.dynamics_rows.push_back(kind);
  }
  for (const std::string& name : split_list(roms)) {
    const RomKind kind = rom_kind_from_name(name);
    if (kind == RomKind::learned) throw Error("compare: -roms lists Galerkin-type ROMs; learned rows come from -latent_dynamics");
    if (kind != RomKind::automatic) p.extra_roms.push_back(kind);
  }
  if (!p.dynamics_rows.empty()) p.inference.set_from_options();
  if (std::find(p.extra_roms.begin(), p.extra_roms.end(), RomKind::galerkin_hr) != p.extra_roms.end())
    p.hyper_reduction.set_from_options();
  p.rom_settings.set_from_options("rom_");
  return p;
}

CompareRun::CompareRun(const ComparePlan& plan, const Common& common) : plan_(plan), common_(common) {
  const MPI_Comm comm = PETSC_COMM_WORLD;
  std::filesystem::create_directories(plan.out);
  // The full model, rebuilt from the training set's provenance (options applied); the data
  // read in its rows.
  const SnapshotSet header = read_snapshot_header(plan.train_path, comm);  // provenance without the states
  std::unique_ptr<FullOrderModel> base = create_model_from_provenance(comm, header.provenance, plan.train_path);
  rows_ = base->rows();
  train_ = read_snapshots(plan.train_path, rows_);
  if (!plan.test_path.empty()) test_ = read_snapshots(plan.test_path, rows_);
  ranges_ = parameter_ranges(train_);

  // The points the ROMs run at: the held-out parameters (and the training trajectories with
  // -replay), or every training trajectory of a parametric set, or the one run of today's
  // sets (replayed, or predicted where an option changed a setting).
  struct Point {
    std::string label;
    std::vector<std::string> names;
    Vector values;
  };
  std::vector<Point> points;
  // A test point that is a training trajectory's parameter vector is a replay, whatever it was asked as.
  auto trained_at = [&](const std::vector<std::string>& names, const Vector& v) {
    if (names != train_.parameter_names) return false;
    for (Index j = 0; j < train_.trajectory_count(); ++j)
      if (train_.trajectory_parameters(j) == v) return true;
    return false;
  };
  for (const Vector& v : plan.held_out.points)
    points.push_back({trained_at(plan.held_out.names, v) ? "replay" : "held-out", plan.held_out.names, v});
  if (points.empty() || plan.replay)
    for (Index j = 0; j < train_.trajectory_count() && !train_.parameter_names.empty(); ++j)
      points.push_back({"replay", train_.parameter_names, train_.trajectory_parameters(j)});
  const Attributes base_settings = base->provenance();
  for (size_t i = 0; i < points.size(); ++i) {
    Case c;
    c.label = points[i].label;
    c.parameters = describe_parameters(points[i].names, points[i].values);
    c.names = points[i].names;
    c.values.assign(points[i].values.data(), points[i].values.data() + points[i].values.size());
    c.fom = create_model(comm, with_parameters(base_settings, points[i].names, points[i].values, "-test_parameters"),
                         "compare: " + c.parameters);
    if (c.fom->rows().global != rows_.global)
      throw Error(fmt::format("compare: at {} the model has states of {} values, the training set {}", c.parameters,
                              c.fom->rows().global, rows_.global));
    c.extrapolates = extrapolated_settings(train_.provenance, ranges_, c.fom->provenance());
    if (i == 0) {
      fom_ = std::move(c.fom);
      primary_ = std::move(c);
    } else {
      cases_.push_back(std::move(c));
    }
  }
  if (points.empty()) {
    fom_ = std::move(base);
    primary_.extrapolates = extrapolated_settings(train_.provenance, ranges_, fom_->provenance());
    primary_.label = primary_.extrapolates.empty() ? "replay" : "predicted";
  }
  auto warn = [&](const Case& c) {
    for (const std::string& e : c.extrapolates)
      progress(common_, fmt::format("compare: warning: {} extrapolates: {}\n", c.parameters.empty() ? "the run" : c.parameters, e));
  };
  warn(primary_);
  for (const Case& c : cases_) warn(c);
  rom_grid_ = rom_grid_for(*fom_);
  check_inputs();
}

TimeGrid CompareRun::rom_grid_for(const FullOrderModel& fom) const { return rom_time_grid(fom, plan_.dt_multiple); }

void CompareRun::check_inputs() const {
  // Inputs checked before any work: a damaged model file or a latent dimension the training
  // set cannot give stops the comparison with its message (a row that fails later — an
  // unknown reducer type, a ROM that diverges — is reported in its row instead).
  for (const std::string& item : plan_.items) {
    if (ComparePlan::is_model_file(item)) {
      load_model(item, rows_);
      continue;
    }
    std::unique_ptr<Reducer> probe;
    try {
      probe = create_reducer(item);
    } catch (const Error&) {
      continue;
    }
    for (const int r : plan_.dims) {
      probe->set_latent_dim(r);
      probe->check_latent_dim(train_.n(), train_.count(), plan_.train_path);
    }
  }
}

void CompareRun::run_reference() {
  // A chaotic model whose training and test files hold its whole run uses them as the
  // reference (they are its trajectory; a rerun on other ranks would diverge from them by
  // round-off), and its own run here starts from the perturbed state: the predictability
  // floor, which also times the full model. Otherwise the full model runs here, and a
  // chaotic one runs a second time for the floor.
  const bool show = !common_.quiet && !common_.json;
  const bool floor_row = fom_->chaotic() && plan_.floor_perturbation > 0;
  std::optional<SnapshotSet> recorded = floor_row ? recorded_run(*fom_, train_, test_) : std::nullopt;
  reference_ = recorded ? "snapshot files" : "full model run";
  if (recorded) {
    full_ = std::move(*recorded);
    progress(common_, fmt::format("compare: {} model, n = {}, r = {}, reducers {}; reference: the training and test "
                                  "files ({} snapshots)\n",
                                  fom_->name(), rows_.global, plan_.r_list, plan_.reducers, full_.count()));
  } else {
    progress(common_, fmt::format("compare: {} model, n = {}, r = {}, reducers {}; running the full model ({} steps)\n",
                                  fom_->name(), rows_.global, plan_.r_list, plan_.reducers, fom_->time_grid().steps));
    full_ = fom_->simulate(show);
    fom_seconds_ = fom_->solve_seconds();
  }
  if (floor_row) {
    progress(common_, fmt::format("compare: the predictability floor: the full model from its initial state perturbed "
                                  "by {:g} (relative)\n",
                                  plan_.floor_perturbation));
    twin_ = fom_->simulate_from(perturbed_initial_state(full_.X.col(0), rows_, plan_.floor_perturbation), show);
    if (recorded) fom_seconds_ = fom_->solve_seconds();
  }
  write_snapshots(plan_.out + "/full.h5", full_);
  write_xdmf(plan_.out + "/full.h5", full_);
  // The further points' reference runs (kept in memory: each ROM is scored against them).
  for (size_t i = 0; i < cases_.size(); ++i) {
    Case& c = cases_[i];
    progress(common_, fmt::format("compare: full model at point {} of {} ({}, {})\n", i + 2, cases_.size() + 1,
                                  c.parameters, c.label));
    c.full = c.fom->simulate(false);
    c.fom_seconds = c.fom->solve_seconds();
  }
  // Kinetic energy of the full run (flows that define it), for the E(t) figure.
  full_energy_ = fom_->energy_enstrophy(full_.X);
  // The recorded states inside the training window [t0, t_train], the rest beyond it.
  const double t_train = train_.t(train_.count() - 1);
  Index in_window = 0;
  while (in_window < full_.count() && full_.t(in_window) <= t_train + 1e-9 * (1 + std::abs(t_train))) ++in_window;
  in_window_ = std::max<Index>(in_window, 1);
}

void CompareRun::score(nlohmann::json& j, const Matrix& X, const Vector& t) const {
  const MPI_Comm comm = rows_.comm;
  const RomErrors errors = rom_errors(X, full_.X, comm);
  const bool finite = errors.finite;
  const std::vector<double>& e = errors.in_time;
  j["rom_status"] = finite ? "ok" : "blew up (NaN/Inf)";
  j["rom_rel_error"] = errors.rel_error;
  j["rom_final_rel_error"] = errors.final_rel_error;
  j["rom_error_in_time"] = e;
  if (!finite) return;
  j["valid_time"] = valid_time(e, t);
  auto stats = [&](Index first, Index last) {
    const FlowStatistics fs = flow_statistics(*fom_, X, full_.X, first, last, comm);
    nlohmann::json s{{"mean_field_rel_error", fs.mean_field_rel_error}};
    if (std::isfinite(fs.energy_mean_rel_error)) {
      s["energy_mean_rel_error"] = fs.energy_mean_rel_error;
      s["energy_std_rel_error"] = fs.energy_std_rel_error;
      s["enstrophy_mean_rel_error"] = fs.enstrophy_mean_rel_error;
    }
    return s;
  };
  if (full_energy_.size()) {
    const Matrix ez = fom_->energy_enstrophy(X);
    j["energy_in_time"] = std::vector<double>(ez.row(0).begin(), ez.row(0).end());
  }
  j.update(stats(0, in_window_));
  if (in_window_ < full_.count()) j["beyond_training"] = stats(in_window_, full_.count());
}

std::string CompareRun::lspg_label(const Reducer& reducer) const {
  const std::string& residual = plan_.rom_settings.lspg_residual;
  const bool stage = residual == "stage" || (residual == "auto" && ManifoldLspgRom::stage_available(*fom_, reducer));
  return stage ? "lspg (stage residual)" : "lspg";
}

void CompareRun::run_rom_row(nlohmann::json& j, RomKind kind, const Reducer& reducer,
                             std::shared_ptr<const LatentDynamics> learned, const std::string& file_tag,
                             std::shared_ptr<const HyperReduction> hyper_reduction) const {
  // Errors, flow statistics, online time, speedup, cost per latent step, and the decoded
  // trajectory file (rom_run.hpp).
  try {
    const LatentRom rom(kind, *fom_, reducer, learned, plan_.rom_settings, hyper_reduction);
    const RomRun run = run_rom(rom, reducer, full_.X.leftCols(1), rom_grid_);
    const LatentTrajectory& traj = run.latent;
    Attributes provenance = full_.provenance;
    provenance.set("rom", rom.type());
    const SnapshotSet decoded = decode_trajectory(reducer, traj, rows_, full_.layout, provenance);
    score(j, decoded.X, traj.t);
    j["times"] = std::vector<double>(traj.t.data(), traj.t.data() + traj.t.size());
    j["online_seconds"] = run.online_seconds;
    j["speedup"] = fom_seconds_ / run.online_seconds;
    j["rom_ts_type"] = traj.ts_type;
    j["latent_steps"] = traj.steps;
    j["us_per_step"] = run.us_per_step();
    const std::string file = plan_.out + "/rom_" + file_tag + ".h5";
    write_trajectory(file, decoded, traj.U);
    write_xdmf(file, decoded);
    j["trajectory"] = file;
  } catch (const std::exception& e) {
    j["rom_status"] = std::string("failed: ") + e.what();
  }
  // The same ROM at every further point, scored against that point's reference run.
  j["case"] = case_fields(primary_);
  if (j.value("rom_status", "") == "ok") {
    const auto in_time = j["rom_error_in_time"].get<std::vector<double>>();
    j["rom_max_rel_error"] = *std::max_element(in_time.begin(), in_time.end());
  }
  if (cases_.empty()) return;
  j["cases"] = nlohmann::json::array();
  for (const Case& c : cases_) j["cases"].push_back(case_row(c, kind, reducer, learned, hyper_reduction));
}

nlohmann::json CompareRun::case_fields(const Case& c) const {
  return {{"label", c.label}, {"parameters", c.parameters}, {"names", c.names}, {"values", c.values},
          {"extrapolates", c.extrapolates}};
}

nlohmann::json CompareRun::case_row(const Case& c, RomKind kind, const Reducer& reducer,
                                    const std::shared_ptr<const LatentDynamics>& learned,
                                    const std::shared_ptr<const HyperReduction>& hyper_reduction) const {
  nlohmann::json j = case_fields(c);
  try {
    const LatentRom rom(kind, *c.fom, reducer, learned, plan_.rom_settings, hyper_reduction);
    const RomRun run = run_rom(rom, reducer, c.full.X.leftCols(1), rom_grid_for(*c.fom));
    const SnapshotSet decoded = decode_trajectory(reducer, run.latent, rows_, c.full.layout, c.full.provenance);
    const RomErrors errors = rom_errors(decoded.X, c.full.X, rows_.comm);
    j["rom_status"] = errors.finite ? "ok" : "blew up (NaN/Inf)";
    if (errors.finite) {
      j["rom_rel_error"] = errors.rel_error;
      j["rom_final_rel_error"] = errors.final_rel_error;
      j["rom_max_rel_error"] = *std::max_element(errors.in_time.begin(), errors.in_time.end());
      j["online_seconds"] = run.online_seconds;
      j["speedup"] = c.fom_seconds / run.online_seconds;
    }
  } catch (const std::exception& e) {
    j["rom_status"] = std::string("failed: ") + e.what();
  }
  return j;
}

CompareRun::Fitted CompareRun::fit(const std::string& item, int r, const std::string& tag, nlohmann::json& j) const {
  // A reducer by type, fitted on the training set with compare's one choice (POD centred)
  // and saved, or a saved model file read as it is.
  Fitted f;
  if (ComparePlan::is_model_file(item)) {
    ModelFile m = load_model(item, rows_);
    j["reducer"] = m.reducer->type() + " (" + item + ")";
    j["fit_seconds"] = m.training.fit_seconds;
    f.reducer = std::move(m.reducer);
    f.saved = m.dynamics;
    f.from_file = true;
    return f;
  }
  f.reducer = create_reducer(item);
  f.reducer->set_from_options();
  f.reducer->set_latent_dim(r);
  // Fair rows: the neural reducers' POD stage subtracts the snapshot mean, so POD (and the
  // linear autoencoder, a POD) is centred too unless -pod_center says otherwise.
  if (auto* pod = dynamic_cast<Pod*>(f.reducer.get()); pod && plan_.centre_pod) {
    Pod::Settings s = pod->settings();
    s.center = true;
    pod->set_settings(s);
  }
  MPI_Barrier(rows_.comm);
  const double start = MPI_Wtime();
  f.reducer->fit(train_);
  j["fit_seconds"] = MPI_Wtime() - start;
  save_model(plan_.out + "/model_" + item + tag + ".h5", *f.reducer, train_, plan_.train_path,
             j["fit_seconds"].get<double>());
  return f;
}

nlohmann::json CompareRun::dynamics_row(const std::string& kind, const nlohmann::json& reducer_fields,
                                        const Fitted& fitted, RomKind rom_kind, const std::string& tag) const {
  // The reducer with learned latent dynamics (operator inference on the training snapshots,
  // exact velocities from the full model), or with its Galerkin ROM plus a learned closure.
  const Reducer& reducer = *fitted.reducer;
  const std::string rom_type = rom_kind_name(rom_kind);
  nlohmann::json l = reducer_fields;
  l["reducer"] = reducer_fields["reducer"].get<std::string>() + "+" + kind;
  l["rom"] = kind == "closure" ? rom_type + "+closure" : "learned";
  try {
    const auto base = kind == "closure" ? galerkin_dynamics(rom_kind, *fom_, reducer, plan_.rom_settings) : nullptr;
    MPI_Barrier(rows_.comm);
    const double start = MPI_Wtime();
    // Dynamics saved with a model file are used as they are (for their own kind); otherwise
    // fitted here.
    const bool use_saved = fitted.saved && (fitted.saved->report().closure_of.empty() == (kind == "learned"));
    auto d = use_saved ? fitted.saved
                       : std::make_shared<const LearnedDynamics>(fit_learned_dynamics(
                             reducer, train_, fom_.get(), Matrix(), plan_.inference, base.get(), rom_type));
    l["dynamics_fit_seconds"] = use_saved ? 0.0 : MPI_Wtime() - start;
    if (use_saved) l["dynamics_source"] = "model file";
    const LearnedDynamics::Report& rep = d->report();
    l["dynamics"] = {{"velocities", rep.velocities},       {"lambda_linear", rep.lambda_linear},
                     {"lambda_quadratic", rep.lambda_quadratic}, {"holdout_error", rep.holdout_error},
                     {"selection", rep.selection},         {"residual", rep.residual}};
    if (!rep.parametric.empty()) l["dynamics"]["parametric"] = rep.parametric;
    run_rom_row(l, RomKind::learned, reducer, d, reducer.type() + "_" + kind + tag);
  } catch (const std::exception& e) {
    l["rom_status"] = std::string("failed: ") + e.what();
  }
  return l;
}

std::shared_ptr<const HyperReduction> CompareRun::fit_hyper_reduction(const Reducer& reducer, nlohmann::json& j) const {
  const HyperReductionSettings& s = plan_.hyper_reduction;
  check_hyper_reducible(reducer, fom_.get());
  MPI_Barrier(rows_.comm);
  const double start = MPI_Wtime();
  // f at the projected training states (projected_rhs_snapshots says why not at the states).
  const Matrix F = projected_rhs_snapshots(*fom_, reducer, train_);
  auto hr = std::make_shared<const HyperReduction>(metarom::fit_hyper_reduction(F, reducer, train_.rows, s, fom_.get()));
  j["rom"] = fmt::format("{}galerkin-hr ({}, {} rows{})", reducer.affine_decoder() ? "" : "manifold-", hr->method,
                         hr->points.count(), reducer.affine_decoder() ? "" : ", on the POD stage");
  j["hyper_reduction"] = {{"method", hr->method},
                          {"points", static_cast<long long>(hr->points.count())},
                          {"stencil", static_cast<long long>(fom_->sampled_rhs(hr->points.rows)->stencil().size())},
                          {"training_error", hr->training_error(F, train_.rows)},
                          {"fit_seconds", MPI_Wtime() - start}};
  return hr;
}

std::vector<nlohmann::json> CompareRun::reducer_rows(const std::string& item, int r) {
  // One latent size keeps the plain file names; several get an _r<r> suffix.
  const std::string tag = plan_.dims.size() > 1 ? fmt::format("_r{}", r) : "";
  nlohmann::json j{{"reducer", item}, {"latent_dim", r}};
  progress(common_, fmt::format("compare: {}, r = {}\n", item, r));
  std::vector<nlohmann::json> rows;
  try {
    Fitted fitted = fit(item, r, tag, j);
    Reducer& reducer = *fitted.reducer;
    j["latent_dim"] = reducer.latent_dim();
    // A saved model's settings are its own: none of them is compare's choice.
    const std::string settings = reducer.settings_summary();
    j["settings"] = settings + (plan_.centre_pod && !fitted.from_file && settings == "centred" ? " (compare)" : "");
    // Evaluate: reconstruction on the training (and test) set; the +learned and +closure
    // rows start from these fields.
    j.update(reconstruction_fields(reducer, train_, test_));
    const nlohmann::json reducer_fields = j;
    j.update(reducer_only_fields(reducer, train_, test_));
    // The latent ROM, chosen as `metarom rom` does.
    const RomKind rom_kind = LatentRom::resolve(RomKind::automatic, *fom_, reducer);
    j["rom"] = rom_kind_name(rom_kind);
    if (rom_kind == RomKind::manifold_galerkin) {
      const double delta = plan_.rom_settings.damping_for(reducer);
      j["rom_manifold_damping"] = delta;
      if (delta > 0) j["rom"] = fmt::format("manifold-galerkin (δ = {:g})", delta);
    }
    if (rom_kind == RomKind::lspg) j["rom"] = lspg_label(reducer);
    run_rom_row(j, rom_kind, reducer, nullptr, reducer.type() + tag);
    rows.push_back(j);
    // Further ROM kinds (-roms), each a row of its own with the reducer's fields.
    for (const RomKind kind : plan_.extra_roms) {
      if (kind == rom_kind) continue;
      nlohmann::json k = reducer_fields;
      k["rom"] = rom_kind_name(kind);
      if (kind == RomKind::lspg) k["rom"] = lspg_label(reducer);
      std::shared_ptr<const HyperReduction> hr;
      if (kind == RomKind::galerkin_hr) {
        try {
          hr = fit_hyper_reduction(reducer, k);
        } catch (const std::exception& e) {
          k["rom_status"] = std::string("failed: ") + e.what();
          rows.push_back(k);
          continue;
        }
      }
      run_rom_row(k, kind, reducer, nullptr, reducer.type() + "_" + rom_kind_name(kind) + tag, hr);
      rows.push_back(k);
    }
    for (const std::string& kind : plan_.dynamics_rows)
      rows.push_back(dynamics_row(kind, reducer_fields, fitted, LatentRom::galerkin_kind(*fom_, reducer), tag));
  } catch (const std::exception& e) {
    j["status"] = std::string("failed: ") + e.what();
    rows.push_back(j);
  }
  return rows;
}

nlohmann::json CompareRun::summary(const nlohmann::json& results) {
  const MPI_Comm comm = rows_.comm;
  // The predictability floor, scored like a ROM.
  nlohmann::json floor;
  if (twin_) {
    floor["perturbation"] = plan_.floor_perturbation;
    score(floor, twin_->X, twin_->t);
    const std::string file = plan_.out + "/floor.h5";
    write_snapshots(file, *twin_);
    write_xdmf(file, *twin_);
    floor["trajectory"] = file;
  }
  // Whether the window is long enough for time means to settle: the mean over its second
  // half against the mean over all of it.
  const Index half = full_.count() / 2;
  const double settling =
      std::sqrt(allreduce_sum(comm, (full_.X.rightCols(full_.count() - half).rowwise().mean() - full_.X.rowwise().mean())
                                        .squaredNorm()) /
                allreduce_sum(comm, full_.X.rowwise().mean().squaredNorm()));
  const double t_train = train_.t(train_.count() - 1);
  nlohmann::json all{{"model", fom_->name()},            {"n", rows_.global},
                     {"latent_dims", plan_.dims},        {"train", plan_.train_path},
                     {"test", plan_.test_path},          {"fom_seconds", fom_seconds_},
                     {"fom_steps", fom_->time_grid().steps}, {"rom_steps", rom_grid_.steps},
                     {"snapshots", full_.count()},       {"ranks", rows_.size()},
                     {"t_train", t_train},               {"mean_settling", settling},
                     {"t0", full_.t(0)},                 {"train_count", train_.count()},
                     {"reference", reference_},
                     {"results", results}};
  if (test_) all["test_count"] = test_->count();
  all["train_trajectories"] = train_.trajectory_count();
  nlohmann::json ranges = nlohmann::json::array();
  for (const ParameterRange& r : ranges_) ranges.push_back({{"name", r.name}, {"lo", r.lo}, {"hi", r.hi}});
  all["parameter_ranges"] = ranges;
  all["primary_case"] = case_fields(primary_);
  nlohmann::json cases = nlohmann::json::array();
  for (const Case& c : cases_) {
    nlohmann::json k = case_fields(c);
    k["fom_seconds"] = c.fom_seconds;
    cases.push_back(k);
  }
  all["cases"] = cases;
  if (twin_) all["floor"] = floor;
  if (full_energy_.size()) {
    all["full_energy_in_time"] = std::vector<double>(full_energy_.row(0).begin(), full_energy_.row(0).end());
    all["full_times"] = std::vector<double>(full_.t.begin(), full_.t.end());
  }
  return all;
}

}  // namespace metarom::cli
