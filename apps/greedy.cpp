// metarom greedy MODEL -candidates "NAME=V1,V2,..." -o train.h5 -m model.h5: chooses the
// training runs of a parametric ROM by greedy sampling (rom/greedy_sampling.hpp): a few full
// runs, then the full run where the ROM's full-order residual is largest, until it is below
// -greedy_tol everywhere or -greedy_budget runs are spent. -validate also runs the full model
// at every candidate and reports the true errors beside the indicator and their rank
// correlation.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "metarom/error.hpp"
#include "metarom/io/snapshots.hpp"
#include "metarom/io/trajectory_set.hpp"
#include "metarom/models/parameter_sweep.hpp"
#include "metarom/models/qg.hpp"
#include "metarom/rom/greedy_sampling.hpp"
#include "metarom/rom/model_file.hpp"
#include "metarom/rom/rom_run.hpp"

namespace metarom::cli {

namespace {

// The model's settings from its options, as provenance (what create_model rebuilds it from).
Attributes model_settings(const std::string& model, const std::string& out) {
  if (model == "qg") {
    QgConfig c;
    c.set_from_options(PETSC_COMM_WORLD);
    // Every run starts from one spin-up state, kept beside the output (as simulate does).
    if (c.spinup_file.empty())
      c.spinup_file = (std::filesystem::path(out).parent_path() / fmt::format("qg_spinup_{}x{}.h5", c.nx, c.ny)).string();
    if (c.spinup_file == "none") c.spinup_file.clear();
    return c.to_attributes();
  }
  return model_settings_from_options(PETSC_COMM_WORLD, model, "greedy");
}

std::string sci(double v) { return std::isfinite(v) ? fmt::format("{:.3e}", v) : "inf (the ROM failed)"; }

}  // namespace

int cmd_greedy(const std::string& operand) {
  std::string candidates_text, mode = "grid", type = "pod", out, model_out, rom_type = "auto";
  int r = 10;
  bool validate = false;
  GreedySettings g;
  std::vector<Option> opts{
      {"-candidates",
       "Candidate parameters: NAME=V1,V2,... (a value may be LO:HI:COUNT), parameters separated by ';'",
       &candidates_text},
      {"-candidates_mode", "grid (every combination) or list", &mode},
      {"-reducer", "Reducer type fitted on every round (pod, ae, ...; its own options apply)", &type},
      {"-r", "Latent dimension", &r},
      {"-rom_type", "Latent ROM: auto, galerkin, manifold-galerkin or lspg", &rom_type},
      {"-greedy_start", "Full runs to start with, spread evenly over the candidates", &g.start},
      {"-greedy_budget", "The most full-model runs", &g.budget},
      {"-greedy_tol", "Stop once the ROM's full-order residual is below this at every candidate", &g.tolerance},
      {"-greedy_residual_samples", "Recorded times at which each indicator evaluates the right-hand side",
       &g.residual_samples},
      {"-validate", "Also run the full model at every candidate: true errors beside the indicator", &validate},
      {"-o", "The chosen runs as one parametric snapshot set (default MODEL_greedy.h5)", &out},
      {"-m", "The reducer fitted on them, a model file (default MODEL_greedy_model.h5)", &model_out}};
  const Common c = common_options(opts, "metarom greedy MODEL");
  list_model_options();
  if (help_requested()) return 0;
  const std::string model = require(operand, "MODEL", "(the model: heat, qg, burgers or reaction)");
  if (out.empty()) out = model + "_greedy.h5";
  if (model_out.empty()) model_out = model + "_greedy_model.h5";
  if (mode != "grid" && mode != "list") throw Error("greedy: -candidates_mode is grid or list, got '" + mode + "'");
  require(candidates_text, "-candidates", "NAME=V1,V2,...");
  const ParameterSweep candidates = ParameterSweep::parse(
      candidates_text, mode == "grid" ? ParameterSweep::Mode::grid : ParameterSweep::Mode::list, "-candidates");
  if (r < 1) throw Error(fmt::format("greedy: -r must be >= 1, got {}", r));
  g.rom = rom_kind_from_name(rom_type);
  if (g.rom == RomKind::learned) throw Error("greedy: -rom_type learned is not an intrusive ROM; use galerkin-type ROMs");
  g.rom_settings.set_from_options("rom_");
  create_reducer(type);  // an unknown type stops here, before any run
  const Attributes base = model_settings(model, out);
  auto make_reducer = [&] {
    std::unique_ptr<Reducer> red = create_reducer(type);
    red->set_from_options();
    red->set_latent_dim(r);
    return red;
  };

  MPI_Barrier(PETSC_COMM_WORLD);
  const double start = MPI_Wtime();
  const GreedyResult result = greedy_sampling(PETSC_COMM_WORLD, base, candidates, make_reducer, g,
                                              [&](const std::string& s) { progress(c, s); });
  const double seconds = MPI_Wtime() - start;
  write_snapshots(out, result.training);
  save_model(model_out, *result.reducer, result.training, out, result.iterations.back().fit_seconds);

  // The candidates with their last indicators (and, validated, their true errors).
  const std::vector<double>& eta = result.iterations.back().indicators;
  std::vector<double> truth;
  if (validate) {
    for (size_t i = 0; i < candidates.points.size(); ++i) {
      progress(c, fmt::format("greedy: validating at {}\n", candidates.describe(i)));
      auto fom = create_model(PETSC_COMM_WORLD, with_parameters(base, candidates.names, candidates.points[i], "greedy"),
                              "greedy: " + candidates.describe(i));
      const SnapshotSet full = fom->simulate(false);
      double e = std::numeric_limits<double>::infinity();
      try {
        const LatentRom rom(g.rom, *fom, *result.reducer, nullptr, g.rom_settings);
        const RomRun run = run_rom(rom, *result.reducer, full.X.leftCols(1), rom_time_grid(*fom));
        const SnapshotSet decoded = decode_trajectory(*result.reducer, run.latent, fom->rows(), full.layout, full.provenance);
        const RomErrors errors = rom_errors(decoded.X, full.X, fom->rows().comm);
        if (errors.finite) e = *std::max_element(errors.in_time.begin(), errors.in_time.end());
      } catch (const Error&) {
      }
      truth.push_back(e);
    }
  }
  // Correlation over the candidates where both are finite.
  std::vector<double> fa, fb;
  for (size_t i = 0; i < truth.size(); ++i)
    if (std::isfinite(eta[i]) && std::isfinite(truth[i])) {
      fa.push_back(eta[i]);
      fb.push_back(truth[i]);
    }
  const double correlation = validate ? rank_correlation(fa, fb) : NAN;

  nlohmann::json j{{"model", model},
                   {"candidates", candidates.points.size()},
                   {"parameters", candidates.names},
                   {"runs", result.chosen.size()},
                   {"converged", result.converged},
                   {"tolerance", g.tolerance},
                   {"largest_indicator", result.iterations.back().largest},
                   {"full_seconds", result.full_seconds},
                   {"seconds", seconds},
                   {"training_file", out},
                   {"model_file", model_out}};
  nlohmann::json chosen = nlohmann::json::array(), rounds = nlohmann::json::array(), points = nlohmann::json::array();
  for (Index i : result.chosen) chosen.push_back(candidates.describe(static_cast<size_t>(i)));
  for (const GreedyIteration& it : result.iterations)
    rounds.push_back({{"largest", it.largest},
                      {"chosen", it.chosen >= 0 ? candidates.describe(static_cast<size_t>(it.chosen)) : ""},
                      {"fit_seconds", it.fit_seconds},
                      {"scan_seconds", it.scan_seconds}});
  std::string table = fmt::format("| candidate | run | indicator |{}\n|---|---|---|{}\n", validate ? " largest error in time |" : "",
                                  validate ? "---|" : "");
  for (size_t i = 0; i < candidates.points.size(); ++i) {
    const bool run = std::find(result.chosen.begin(), result.chosen.end(), static_cast<Index>(i)) != result.chosen.end();
    nlohmann::json p{{"parameters", candidates.describe(i)}, {"run", run},
                     {"indicator", std::isfinite(eta[i]) ? nlohmann::json(eta[i]) : nlohmann::json("inf")}};
    if (validate) p["max_rel_error"] = std::isfinite(truth[i]) ? nlohmann::json(truth[i]) : nlohmann::json("inf");
    points.push_back(p);
    table += fmt::format("| {} | {} | {} |", candidates.describe(i), run ? "yes" : "", sci(eta[i]));
    table += validate ? fmt::format(" {} |\n", sci(truth[i])) : std::string("\n");
  }
  j["chosen"] = chosen;
  j["rounds"] = rounds;
  j["points"] = points;
  if (validate) j["rank_correlation"] = std::isfinite(correlation) ? nlohmann::json(correlation) : nlohmann::json("n/a");
  std::string text = fmt::format(
      "greedy sampling over {} candidates ({}): {} full runs ({}), {} rounds, {:.1f} s ({:.1f} s in full runs)\n",
      candidates.points.size(), fmt::join(candidates.names, ", "), result.chosen.size(), fmt::join(chosen, "; "),
      result.iterations.size(), seconds, result.full_seconds);
  text += result.converged
              ? fmt::format("converged: the ROM's full-order residual is below {:g} at every candidate (largest {:.3e})\n",
                            g.tolerance, result.iterations.back().largest)
              : fmt::format("stopped at its budget of {} runs: the largest residual indicator is {}, above the tolerance "
                            "{:g}\n",
                            g.budget, sci(result.iterations.back().largest), g.tolerance);
  text += table;
  if (validate)
    text += fmt::format("rank correlation (Spearman) of the indicator with the largest error in time: {}\n",
                        std::isfinite(correlation) ? fmt::format("{:.3f}", correlation) : "n/a");
  text += fmt::format("wrote {} (the runs) and {} (the reducer)\n", out, model_out);
  print(c.json ? j.dump() + "\n" : text);
  return 0;
}

}  // namespace metarom::cli
