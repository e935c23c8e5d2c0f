// metarom fit TYPE -i snaps.h5 -o model.h5 [-r R] [-latent_dynamics learned]: fit a reducer
// and save the model (TYPE linear-inverse: an optimal low-rank inverse map, its own file kind); with -latent_dynamics learned, also fit polynomial latent dynamics
// by operator inference (learned_dynamics.hpp) and save them in the model file.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli.hpp"
#include "metarom/error.hpp"
#include "metarom/rom/hyper_reduction.hpp"
#include "metarom/rom/learned_dynamics.hpp"
#include "metarom/reducers/meta_autoencoder.hpp"
#include "metarom/models/model.hpp"
#include "metarom/io/petsc_handle.hpp"
#include "metarom/io/snapshot_reader.hpp"
#include "metarom/reducers/pod.hpp"
#include "metarom/rom/model_file.hpp"
#include "metarom/reducers/linear_autoencoder.hpp"
#include "metarom/reducers/linear_inverse_map.hpp"
#include "metarom/reducers/reducer.hpp"

namespace metarom::cli {

namespace {
// fit linear-inverse: the optimal low-rank inverse map from pairs of the training file
// (linear_inverse_map.hpp), saved as an "inverse_map" file.
int fit_inverse_map(const Common& c, const std::string& in, const std::string& out, int r, bool r_given) {
  LinearInverseMap map;
  map.set_from_options();
  if (r_given) {
    LinearInverseMap::Settings s = map.settings();
    s.rank = r;
    map.set_settings(s);
  }
  if (help_requested()) return 0;
  require(in, "-i", "snaps.h5 (the states x, and with -inverse_lag their observations)");
  const SnapshotSet train = read_snapshots(in, PETSC_COMM_WORLD);
  Matrix X, AX;
  RowPartition b_rows;
  inverse_map_pairs(map.settings(), train, X, AX, b_rows);
  progress(c, fmt::format("fit linear-inverse: {} pairs of {} states and {} observed values from {}\n", X.cols(),
                          train.n(), b_rows.global, in));
  MPI_Barrier(PETSC_COMM_WORLD);
  const double start = MPI_Wtime();
  map.fit(X, train.rows, AX, b_rows);
  const double seconds = MPI_Wtime() - start;
  map.save(out, train, in, seconds);
  for (const auto& w : map.warnings()) progress(Common{}, "warning: " + w + "\n");
  if (c.json) {
    const Vector& s = map.singular_values();
    print(nlohmann::json{{"type", "linear-inverse"},
                         {"file", out},
                         {"rank", map.rank()},
                         {"n", train.n()},
                         {"m", b_rows.global},
                         {"pairs", X.cols()},
                         {"noise", map.settings().noise},
                         {"risk", map.risk()},
                         {"prior_energy", map.prior_energy()},
                         {"unique", map.unique()},
                         {"singular_values", std::vector<double>(s.data(), s.data() + s.size())},
                         {"fit_seconds", seconds},
                         {"warnings", map.warnings()}}
              .dump() +
          "\n");
  } else {
    std::ostringstream view;
    map.view(view);
    print(fmt::format("wrote {} ({:.3f} s)\n{}", out, seconds, view.str()));
  }
  return 0;
}
// What `fit` prints once the model is saved: the JSON object or the reducer's view.
void report_fit(const Common& c, const std::string& type, const std::string& out, const Reducer& reducer, long long n,
                long long count, double seconds, const LearnedDynamics* learned, double dynamics_seconds,
                const nlohmann::json& hyper = nullptr) {
  std::vector<std::string> warnings;
  std::vector<double> sigma;
  double energy = -1;
  const Pod* pod = dynamic_cast<const Pod*>(&reducer);  // and linear-ae
  if (pod) {
    warnings = pod->warnings();
    sigma.assign(pod->singular_values().data(), pod->singular_values().data() + pod->singular_values().size());
    energy = pod->captured_energy();
  }
  for (const auto& w : warnings) progress(Common{}, "warning: " + w + "\n");
  if (c.json) {
    nlohmann::json j{{"type", type},           {"file", out},          {"latent_dim", reducer.latent_dim()},
                     {"n", n},                 {"count", count},         {"fit_seconds", seconds},
                     {"warnings", warnings}};
    if (learned) {
      const LearnedDynamics::Report& rep = learned->report();
      j["latent_dynamics"] = {{"form", "quadratic"},           {"velocities", rep.velocities},
                              {"lambda_linear", rep.lambda_linear}, {"lambda_quadratic", rep.lambda_quadratic},
                              {"lambda_automatic", rep.automatic},   {"holdout_error", rep.holdout_error},
                              {"residual", rep.residual},            {"fit_seconds", dynamics_seconds}};
      if (!rep.parametric.empty()) j["latent_dynamics"]["parametric"] = rep.parametric;
    }
    if (auto* lae = dynamic_cast<const LinearAutoencoder*>(&reducer)) {
      j["bayes_risk"] = lae->bayes_risk();
      j["unique"] = lae->unique();
    }
    if (energy >= 0) {
      j["captured_energy"] = energy;
      j["singular_values"] = sigma;
    }
    if (!hyper.is_null()) j["hyper_reduction"] = hyper;
    if (pod && pod->settings().svd == "incremental") {
      j["blocks"] = pod->blocks_read();
      j["block_columns"] = pod->block_columns_used();
      j["kept_modes"] = pod->modes().cols();
      j["dropped_sigma"] = pod->dropped_sigma();
    }
    print(j.dump() + "\n");
  } else {
    std::ostringstream view;
    reducer.view(view);
    if (learned) {
      learned->view(view);
      view << fmt::format("  (learned in {:.3f} s)\n", dynamics_seconds);
    }
    if (!hyper.is_null()) {
      const std::string stencil =
          hyper.contains("stencil") ? fmt::format(" ({} with their stencil)", hyper["stencil"].get<long long>()) : "";
      const std::string snapshots = hyper["snapshots"].get<std::string>();
      const std::string from = snapshots == "projected"  ? "f at the projected training states"
                               : snapshots == "recorded" ? "the recorded f at the training states"
                                                         : "the recorded F(t, x, 0) at the training states";
      if (hyper.contains("modes"))
        view << fmt::format("hyper-reduction: {}, {} right-hand-side modes of {}, {} sample rows{}, "
                            "||(P^T W)^+|| = {:.3g}, reconstruction error on its snapshots {:.2e} ({:.3f} s)\n",
                            hyper["method"].get<std::string>(), hyper["modes"].get<long long>(), from,
                            hyper["points"].get<long long>(), stencil, hyper["error_constant"].get<double>(),
                            hyper["training_error"].get<double>(), hyper["seconds"].get<double>());
      else
        view << fmt::format("hyper-reduction: ecsw, {} weighted sample rows{} from {}, reduced forces of its "
                            "snapshots to {:.2e} ({:.3f} s)\n",
                            hyper["points"].get<long long>(), stencil, from, hyper["training_error"].get<double>(),
                            hyper["seconds"].get<double>());
    }
    print(fmt::format("wrote {} ({:.3f} s)\n{}", out, seconds, view.str()));
  }
}

// fit pod -pod_svd incremental: the snapshots read block by block (memory bounded by
// -pod_memory_mb, never the whole set), or appended to an earlier incremental model.
int fit_pod_stream(const Common& c, const std::string& in, const std::string& out, const std::string& append, int r,
                   bool r_given, std::unique_ptr<Reducer> fresh) {
  ModelFile previous;
  Pod* pod = dynamic_cast<Pod*>(fresh.get());
  std::string files = in;
  if (!append.empty()) {
    previous = load_model(append, PETSC_COMM_WORLD);
    pod = dynamic_cast<Pod*>(previous.reducer.get());
    if (!pod || previous.reducer->kind() != ReducerKind::pod || pod->settings().svd != "incremental")
      throw Error(fmt::format("-append {}: holds a {} model{}, not an incremental POD (fit pod -pod_svd incremental)",
                              append, previous.reducer->type(),
                              pod ? fmt::format(" fitted by the {} SVD route", pod->settings().svd) : ""));
    if (r_given) pod->set_latent_dim(r);
    // This command's block settings read the new file.
    const Pod* given = dynamic_cast<const Pod*>(fresh.get());
    auto pod_settings = pod->settings();
    pod_settings.block_columns = given->settings().block_columns;
    pod_settings.memory_mb = given->settings().memory_mb;
    pod->set_settings(pod_settings);
    files = previous.training.file + ", " + in;
  }
  const SnapshotReader reader(in, PETSC_COMM_WORLD);
  progress(c, fmt::format("fit pod: {} snapshots of {} values from {}, read block by block{}\n", reader.count(),
                          reader.n(), in, append.empty() ? "" : fmt::format(" after the {} of {}", previous.training.count, append)));
  MPI_Barrier(PETSC_COMM_WORLD);
  const double start = MPI_Wtime();
  if (append.empty()) pod->fit_stream(reader);
  else pod->append_stream(reader);
  const double seconds = MPI_Wtime() - start + previous.training.fit_seconds;
  save_model(out, *pod, reader.header(), files, seconds, nullptr, pod->incremental_count());
  report_fit(c, "pod", out, *pod, reader.n(), pod->incremental_count(), seconds, nullptr, 0);
  return 0;
}
}  // namespace

int cmd_fit(const std::string& operand) {
  std::string in, out = "model.h5", from, dynamics = "none", append;
  int r = 0;
  bool r_given = false;
  std::vector<Option> opts{{"-i", "Training snapshot file", &in},
                           {"-o", "Output model file", &out},
                           {"-r", "Latent dimension (same as -reducer_latent_dim)", &r, &r_given},
                           {"-from", "ae-corrected: the canonical autoencoder model to correct", &from},
                           {"-latent_dynamics",
                            "none; learned: fit latent dynamics by operator inference; closure: a learned closure of "
                            "the reducer's Galerkin ROM",
                            &dynamics},
                           {"-append", "pod -pod_svd incremental: a model to continue with the snapshots of -i", &append}};
  const Common c = common_options(opts, "metarom fit TYPE");
  const std::string type = require(operand, "TYPE", "(the reducer to fit, e.g. pod)");
  if (type == "linear-inverse") {
    if (dynamics != "none" || !from.empty())
      throw Error("fit linear-inverse: -latent_dynamics and -from apply to reducers, not to an inverse map");
    return fit_inverse_map(c, in, out, r, r_given);
  }
  if (dynamics != "none" && dynamics != "learned" && dynamics != "closure")
    throw Error("-latent_dynamics must be none, learned or closure, got '" + dynamics + "'");
  std::unique_ptr<Reducer> reducer = create_reducer(type);
  reducer->set_from_options();
  if (r_given) reducer->set_latent_dim(r);
  if (!from.empty()) {
    auto* corrected = dynamic_cast<CorrectedAutoencoder*>(reducer.get());
    if (!corrected) throw Error("-from names the autoencoder for ae-corrected only, not " + type);
    corrected->set_corrected_from(from);
  }
  // Training progress unless told to be quiet (-ae_monitor decides when given).
  PetscBool monitor_set = PETSC_FALSE;
  METAROM_PETSC(PetscOptionsHasName(nullptr, nullptr, "-ae_monitor", &monitor_set));
  if (!monitor_set && !c.quiet && !c.json) reducer->set_progress(true);
  OperatorInference inference;
  LatentRomSettings rom_settings;  // the damping of the manifold Galerkin ROM a closure corrects
  if (dynamics != "none") inference.set_from_options();
  if (dynamics == "closure") rom_settings.set_from_options("rom_");
  HyperReductionSettings hr_settings;  // -hr_method deim: also the sample rows of a hyper-reduced ROM
  hr_settings.method = "none";
  hr_settings.set_from_options();
  if (help_requested()) return 0;  // the reducer's options are listed now
  require(in, "-i", "snaps.h5 (the training snapshots)");
  auto* pod = type == "pod" ? dynamic_cast<Pod*>(reducer.get()) : nullptr;
  if (!append.empty() && (!pod || dynamics != "none"))
    throw Error("-append continues an incremental POD (fit pod -pod_svd incremental) without latent dynamics");
  if (hr_settings.enabled()) check_hyper_reducible(*reducer);  // before training
  if (pod && (pod->settings().svd == "incremental" || !append.empty()) && dynamics == "none") {
    if (hr_settings.enabled()) throw Error("-hr_method: not with an incremental POD (it never holds every snapshot)");
    return fit_pod_stream(c, in, out, append, r, r_given, std::move(reducer));
  }
  // Learned dynamics with exact velocities and hyper-reduction need the full model's
  // right-hand side: rebuilt from the provenance when it names one, the snapshots then read in
  // its rows.
  std::unique_ptr<FullOrderModel> fom;
  if ((dynamics != "none" && latent_dynamics_need_model(dynamics, inference)) || hr_settings.enabled()) {
    const SnapshotSet header = read_snapshot_header(in, PETSC_COMM_WORLD);
    if (can_rebuild_model(header.provenance))
      fom = create_model_from_provenance(PETSC_COMM_WORLD, header.provenance, in);
    else if (dynamics == "closure")
      throw Error("-latent_dynamics closure corrects the Galerkin ROM of the model that made " + in +
                  ", but its provenance names none metarom can rebuild");
    if (fom && hr_settings.enabled()) check_hyper_reducible(*reducer, fom.get());
  }
  const SnapshotSet train = fom ? read_snapshots(in, fom->rows()) : read_snapshots(in, PETSC_COMM_WORLD);
  // The recorded right-hand side (the plugin's -ts_trajectory_metarom_rhs): exact latent
  // velocities, and hyper-reduction's snapshots where no model can be rebuilt; for a program
  // in implicit form, its recorded implicit function (-ts_trajectory_metarom_ifunction).
  const Matrix recorded_rhs =
      dynamics != "none" || (hr_settings.enabled() && !fom) ? read_derived_field(in, "rhs", train.rows) : Matrix();
  const Matrix recorded_f = hr_settings.enabled() && !fom && recorded_rhs.cols() == 0
                                ? read_derived_field(in, "ifunction", train.rows)
                                : recorded_rhs;
  if (hr_settings.enabled() && !fom && recorded_f.cols() == 0)
    throw Error("-hr_method samples the right-hand side of the model that made " + in +
                ", but its provenance names none metarom can rebuild and it holds no recorded right-hand side "
                "(record the program with -ts_trajectory_metarom_rhs, or -ts_trajectory_metarom_ifunction for a "
                "program in implicit form)");
  progress(c, fmt::format("fit {}: {} snapshots of {} values from {}\n", type, train.count(), train.n(), in));
  reducer->check_latent_dim(train.n(), train.count(), in);
  MPI_Barrier(PETSC_COMM_WORLD);
  const double start = MPI_Wtime();
  reducer->fit(train);
  const double seconds = MPI_Wtime() - start;
  std::unique_ptr<LearnedDynamics> learned;
  double dynamics_seconds = 0;
  if (dynamics != "none") {
    progress(c, fmt::format("fit {}: learning latent {} by operator inference\n", type,
                            dynamics == "closure" ? "closure" : "dynamics"));
    const double t0 = MPI_Wtime();
    learned = std::make_unique<LearnedDynamics>(fit_latent_dynamics(
        dynamics, *reducer, train, fom.get(), recorded_rhs, inference, rom_settings));
    dynamics_seconds = MPI_Wtime() - t0;
  }
  std::unique_ptr<HyperReduction> hr;
  nlohmann::json hyper;
  if (hr_settings.enabled()) {
    // f at the projected training states where the model is known (projected_rhs_snapshots
    // says why); else the program's recorded f at the training states themselves.
    progress(c, fmt::format("fit {}: hyper-reduction ({}) from f at the {}\n", type, hr_settings.method,
                            fom ? "projected training states" : "training states (recorded)"));
    const double t0 = MPI_Wtime();
    const Matrix F = fom ? projected_rhs_snapshots(*fom, *reducer, train) : recorded_f;
    hr = std::make_unique<HyperReduction>(fit_hyper_reduction(F, *reducer, train.rows, hr_settings, fom.get()));
    hyper = {{"method", hr->method},
             {"points", static_cast<long long>(hr->points.count())},
             {"snapshots", fom ? "projected" : recorded_rhs.cols() > 0 ? "recorded" : "recorded implicit function"},
             {"training_error", hr->training_error(F, train.rows)},
             {"seconds", MPI_Wtime() - t0}};
    if (fom) hyper["stencil"] = static_cast<long long>(fom->sampled_rhs(hr->points.rows)->stencil().size());
    if (!hr->ecsw()) {
      hyper["modes"] = static_cast<long long>(hr->basis.cols());
      hyper["error_constant"] = hr->points.error_constant();
      // Too few modes for f's variety (QG's turbulent g at the default m): its ROM diverged.
      const double e = hyper["training_error"].get<double>();
      if (e > 0.1 && is_root())
        std::fprintf(stderr,
                     "metarom fit: warning: the %lld right-hand-side modes reconstruct their own snapshots to only "
                     "%.2g (relative): the hyper-reduced ROM may diverge; raise -hr_modes (for a quadratic f, 1 + r + "
                     "r(r+1)/2 = %lld reproduce the Galerkin ROM)\n",
                     static_cast<long long>(hr->basis.cols()), e,
                     static_cast<long long>(1 + reducer->latent_dim() + reducer->latent_dim() * (reducer->latent_dim() + 1) / 2));
    }
  }
  save_model(out, *reducer, train, in, seconds, learned.get(), -1, hr.get());

  report_fit(c, type, out, *reducer, train.n(), train.count(), seconds, learned.get(), dynamics_seconds, hyper);
  return 0;
}

}  // namespace metarom::cli
