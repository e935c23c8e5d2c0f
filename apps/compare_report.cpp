// The report of `metarom compare`, written from its JSON result alone (so compare.md can
// be regenerated from compare.json), and the figures drawn from the files it wrote.
#include "compare_report.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "program.hpp"

namespace metarom::cli {

namespace {
std::string sci(double v) { return std::isfinite(v) ? fmt::format("{:.3e}", v) : "—"; }
double num(const nlohmann::json& j, const char* k) { return j.contains(k) && j[k].is_number() ? j[k].get<double>() : NAN; }
// Prediction: every ROM's largest error in time at every point (a column per point: held-out
// parameters, replayed trajectories, a run with a changed setting), and per ROM the largest
// over the held-out points inside the trained range and over all of them. Empty for a plain
// replay of one run.
std::string prediction_markdown(const nlohmann::json& all) {
  const nlohmann::json& primary = all["primary_case"];
  if (primary.value("label", "replay") == "replay" && all["cases"].empty()) return "";
  std::vector<nlohmann::json> points{primary};
  for (const auto& c : all["cases"]) points.push_back(c);
  std::string ranges;
  for (const auto& r : all["parameter_ranges"])
    ranges += fmt::format("{}{} ∈ [{:g}, {:g}]", ranges.empty() ? "" : ", ", r["name"].get<std::string>(), num(r, "lo"),
                          num(r, "hi"));
  // Column heads: the values alone when one parameter varies (its name in the text).
  const auto names = primary.value("names", std::vector<std::string>{});
  auto head = [&](const nlohmann::json& p) {
    std::string h;
    if (names.size() == 1 && p.value("names", std::vector<std::string>{}) == names)
      h = fmt::format("{:g}", p["values"][0].get<double>());
    else
      h = p["parameters"].get<std::string>().empty() ? "the run" : p["parameters"].get<std::string>();
    if (p["label"] == "replay") h += " (replay)";
    if (!p["extrapolates"].empty()) h += " *";
    return h;
  };
  std::string md = fmt::format(
      "\n## Prediction\n\nThe reducers were fitted on `{}`: {} trajectories{}. Every ROM then ran at each point below "
      "against a full-model run there: held-out parameters never trained on, (replay) a training trajectory rerun, "
      "or a run with a setting changed from the training set's. Each cell is the largest relative error in time, "
      "max_k ‖x_rom(t_k) − x(t_k)‖/‖x(t_k)‖; * marks points outside what was trained on (extrapolation); the "
      "speedup is the median over the points against the full run at each.{}\n\n",
      all["train"].get<std::string>(), all.value("train_trajectories", 1), ranges.empty() ? "" : " (" + ranges + ")",
      names.size() == 1 ? fmt::format(" Columns: {}.", names[0]) : "");
  md += "| reducer | r | ROM |";
  for (const auto& p : points) md += fmt::format(" {} |", head(p));
  md += " held-out, inside the range | held-out, everywhere | speedup |\n|---|---|---|";
  for (size_t i = 0; i < points.size() + 3; ++i) md += "---|";
  md += "\n";
  for (const auto& j : all["results"]) {
    if (!j.contains("case")) continue;
    std::vector<nlohmann::json> at{j};
    at.back()["label"] = j["case"]["label"];
    at.back()["extrapolates"] = j["case"]["extrapolates"];
    if (j.contains("cases"))
      for (const auto& c : j["cases"]) at.push_back(c);
    double inside = 0, everywhere = 0;
    int held = 0, failed = 0;
    std::vector<double> speedups;
    md += fmt::format("| {} | {} | {} |", j["reducer"].get<std::string>(), j["latent_dim"].get<int>(), j["rom"].get<std::string>());
    for (const auto& p : at) {
      const bool ok = p.value("rom_status", "") == "ok";
      const bool status = p.contains("rom_status");
      const char* bad = !status ? "—" : p["rom_status"].get<std::string>().starts_with("blew") ? "blew up" : "failed";
      md += fmt::format(" {} |", ok ? sci(num(p, "rom_max_rel_error")) : std::string(bad));
      if (ok) speedups.push_back(num(p, "speedup"));
      if (p["label"] != "held-out") continue;
      ++held;
      if (!ok) {
        ++failed;
        continue;
      }
      everywhere = std::max(everywhere, num(p, "rom_max_rel_error"));
      if (p["extrapolates"].empty()) inside = std::max(inside, num(p, "rom_max_rel_error"));
    }
    std::sort(speedups.begin(), speedups.end());
    auto worst = [&](double v) {
      if (held == 0) return std::string("—");
      return failed ? fmt::format("— ({} of {} failed)", failed, held) : sci(v);
    };
    const std::string speedup = speedups.empty() ? "—" : fmt::format("{:.0f}x", speedups[speedups.size() / 2]);
    md += fmt::format(" {} | {} | {} |\n", worst(inside), worst(everywhere), speedup);
  }
  md += "\nFailed points say why in compare.json (`cases`, `rom_status`); a ROM that fails at any held-out point has no "
        "largest error.\n";
  return md;
}

}  // namespace

std::string compare_markdown(const nlohmann::json& all) {
  const nlohmann::json& results = all["results"];
  const std::string test_path = all["test"].get<std::string>();
  const bool from_files = all.value("reference", "") == "snapshot files";
  std::string md = fmt::format(
      "# metarom compare: {} model, n = {}, r = {}\n\nTraining set `{}` ({} snapshots){}. Full model: {} steps in "
      "{:.3f} s on {} rank(s){}; ROMs take {} steps over the same span.\n\n",
      all["model"].get<std::string>(), all["n"].get<long long>(), fmt::join(all["latent_dims"].get<std::vector<int>>(), ", "),
      all["train"].get<std::string>(), all["train_count"].get<long long>(),
      test_path.empty() ? "" : fmt::format(", test set `{}` ({} snapshots)", test_path, all["test_count"].get<long long>()),
      all["fom_steps"].get<int>(), num(all, "fom_seconds"), all["ranks"].get<int>(),
      from_files ? " (its run from the perturbed start below; the reference trajectory is the training and test "
                   "files, the run that wrote them)"
                 : "",
      all["rom_steps"].get<int>());
  md += "| reducer | r | fit (s) | train MSE | train SR MSE | test MSE | test SR MSE | ROM | ROM error, final | ROM "
        "error, run | online (s) | µs/step | speedup |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& j : results) {
    if (j.contains("status")) {
      md += fmt::format("| {} | {} | {} ||||||||||\n", j["reducer"].get<std::string>(), j["latent_dim"].get<int>(),
                        j["status"].get<std::string>());
      continue;
    }
    const bool ok = j.value("rom_status", "") == "ok";
    md += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                      j["reducer"].get<std::string>(), j["latent_dim"].get<int>(),
                      j.contains("dynamics_fit_seconds")
                          ? fmt::format("{:.2f} + {:.2f}", num(j, "fit_seconds"), num(j, "dynamics_fit_seconds"))
                          : fmt::format("{:.2f}", num(j, "fit_seconds")),
                      sci(num(j, "train_mse")), sci(num(j, "train_sr_mse")), sci(num(j, "test_mse")),
                      sci(num(j, "test_sr_mse")), j["rom"].get<std::string>() + (ok ? "" : ": " + j["rom_status"].get<std::string>()),
                      sci(num(j, "rom_final_rel_error")), sci(num(j, "rom_rel_error")),
                      ok ? fmt::format("{:.4f}", num(j, "online_seconds")) : "—",
                      ok ? fmt::format("{:.1f}", num(j, "us_per_step")) : "—",
                      !ok                       ? std::string("—")
                      : num(j, "speedup") < 10 ? fmt::format("{:.2f}x", num(j, "speedup"))
                                               : fmt::format("{:.0f}x", num(j, "speedup")));
  }
  md += "\nMSE (3.20) and second-reconstruction MSE (5.2) per value; ROM errors are ‖x_rom − x‖/‖x‖ at the final "
        "time and ‖X_rom − X‖_F/‖X‖_F over the run; online time: encode x(t0), latent time stepping, decode; µs/step: "
        "the latent time stepping alone per step. Rows `+learned`: the same reducer with latent dynamics "
        "du/dt = c + Au + H(u ⊗ u) learned by operator inference from the training snapshots (exact velocities "
        "J⁺f, λ chosen on the last 20 % of the training span, or by statistics over twice the span for chaotic "
        "flows); rows `+closure`: the reducer's Galerkin ROM plus a closure c + Au + H(u ⊗ u) learned the same way "
        "from what Galerkin misses (u̇ − g(u)). Their fit time is the reducer's + the dynamics'.\n";
  // Across several training runs: one operator set for all, or one per run interpolated in
  // the parameters, and why.
  std::string choices;
  for (const auto& j : results)
    if (j.contains("dynamics") && j["dynamics"].contains("parametric"))
      choices += fmt::format("- {}, r = {}: {}\n", j.value("reducer", ""), j.value("latent_dim", 0),
                             j["dynamics"]["parametric"].get<std::string>());
  if (!choices.empty()) md += "\nLearned dynamics across the training runs:\n\n" + choices;

  md += prediction_markdown(all);

  // The meta-autoencoders under the paper's evaluation protocol.
  std::string paper;
  for (const auto& j : results)
    if (j.contains("paper_protocol")) {
      const auto& p = j["paper_protocol"];
      paper += fmt::format("| {} | {} | {} | {} | {} | {} |\n", j["reducer"].get<std::string>(), j["latent_dim"].get<int>(),
                           sci(num(p, "train_mse")), sci(num(p, "train_sr_mse")), sci(num(p, "test_mse")),
                           sci(num(p, "test_sr_mse")));
    }
  if (!paper.empty())
    md += "\n## Meta-autoencoders encoded with the paper's protocol (I = 4 Gauss–Newton steps from θ₀)\n\nThe table "
          "above encodes with the inner problem solved to convergence (metarom's default).\n\n| reducer | r | train MSE "
          "| train SR MSE | test MSE | test SR MSE |\n|---|---|---|---|---|---|\n" +
          paper;

  // Every row's settings.
  md += "\n## Settings of each row\n\n";
  for (const auto& j : results)
    if (j.contains("settings") && !j.contains("dynamics_fit_seconds"))
      md += fmt::format("- {}, r = {}: {}{}\n", j["reducer"].get<std::string>(), j["latent_dim"].get<int>(),
                        j["settings"].get<std::string>(),
                        j.contains("rom_manifold_damping") ? fmt::format("; ROM damping δ = {:g}", num(j, "rom_manifold_damping"))
                                                           : std::string());
  md += "\nEvery other value is the reducer's own default or the user's option. (compare): POD centred like the "
        "neural reducers' POD stage, for a fair comparison (-pod_center 0 overrides it). `+learned` rows use the "
        "same reducer.\n";

  // The flow statistics (flow_statistics.hpp): training window / beyond it.
  const bool energies = std::any_of(results.begin(), results.end(), [](const nlohmann::json& j) {
    return j.contains("energy_mean_rel_error");
  });
  auto pair = [&](const nlohmann::json& j, const char* k) {
    const double a = num(j, k);
    const double b = j.contains("beyond_training") ? num(j["beyond_training"], k) : NAN;
    return fmt::format("{} / {}", std::isfinite(a) ? fmt::format("{:.3f}", a) : "—",
                       std::isfinite(b) ? fmt::format("{:.3f}", b) : "—");
  };
  md += fmt::format("\n## Statistics of the flow (training window [{:g}, {:g}] / beyond it)\n\n", num(all, "t0"), num(all, "t_train"));
  md += energies ? "| reducer | r | ROM | valid time | mean field error | energy mean error | energy std error | "
                   "enstrophy mean error | worst |\n|---|---|---|---|---|---|---|---|---|\n"
                 : "| reducer | r | ROM | valid time | mean field error | worst |\n|---|---|---|---|---|---|\n";
  // The largest of the mean-field and energy errors, in and beyond training: one number
  // that ranks the rows (the enstrophy is shown, not ranked: it follows the energy).
  auto worst = [&](const nlohmann::json& j) {
    double w = 0;
    for (const char* k : {"mean_field_rel_error", "energy_mean_rel_error", "energy_std_rel_error"})
      for (const nlohmann::json* s : {&j, j.contains("beyond_training") ? &j["beyond_training"] : &j})
        if (std::isfinite(num(*s, k))) w = std::max(w, num(*s, k));
    return w;
  };
  auto stats_row = [&](const nlohmann::json& j, const std::string& name, const std::string& r, const std::string& rom) {
    std::string row = fmt::format("| {} | {} | {} | {:g} | {}", name, r, rom, num(j, "valid_time"), pair(j, "mean_field_rel_error"));
    if (energies)
      row += fmt::format(" | {} | {} | {}", pair(j, "energy_mean_rel_error"), pair(j, "energy_std_rel_error"),
                         pair(j, "enstrophy_mean_rel_error"));
    return row + fmt::format(" | {:.3f} |\n", worst(j));
  };
  const bool floor = all.contains("floor") && all["floor"].contains("valid_time");
  if (floor)
    md += stats_row(all["floor"], fmt::format("**floor**: full model, start perturbed by {:g}", num(all["floor"], "perturbation")),
                    "—", "—");
  std::vector<std::string> within;
  for (const auto& j : results) {
    if (!j.contains("valid_time")) continue;
    md += stats_row(j, j["reducer"].get<std::string>(), std::to_string(j["latent_dim"].get<int>()), j["rom"].get<std::string>());
    if (floor && worst(j) <= worst(all["floor"]))
      within.push_back(fmt::format("{} (r = {})", j["reducer"].get<std::string>(), j["latent_dim"].get<int>()));
  }
  md += "\nValid time: the first recorded time whose relative state error exceeds 0.5. Mean field error: "
        "‖x̄_rom − x̄‖/‖x̄‖ of the time means; energy and enstrophy (E = ½Σ|∇_h ψ|² h_x h_y, Z = ½Σω² h_x h_y): "
        "relative errors of the means and standard deviations of their time series. Worst: the largest mean-field "
        "and energy error, in and beyond training.\n";
  if (floor)
    md += fmt::format("\nThe floor row is the full model itself started from its initial state perturbed by a relative "
                      "{:g}: another trajectory of the same flow, scored like the ROMs. Its errors are what a window "
                      "this long leaves between two trajectories of the flow, so a ROM cannot be asked to come closer; "
                      "rows at or below the floor's worst error: {}.\n",
                      num(all["floor"], "perturbation"), within.empty() ? "none" : fmt::format("{}", fmt::join(within, ", ")));
  md += fmt::format("\nSettling of the time means: the mean over the second half of the full run differs from the mean "
                    "over all of it by {:.1f} % (relative); statistics of a window whose means have not settled (more "
                    "than about 10 %) rank ROMs only roughly.\n",
                    100 * num(all, "mean_settling"));

  return md;
}

std::string draw_compare_figures(const std::string& out) {
  const std::string script = apps::program_data_file("compare_plots.py").string();
  const int rc = std::system(fmt::format("{} {} {} > {}/plots.log 2>&1", apps::system_python(), script, out, out).c_str());
  return rc == 0 ? fmt::format("figures: {}/*.png\n", out)
                 : fmt::format("figures not drawn (see {}/plots.log; needs python3-matplotlib, python3-h5py)\n", out);
}

}  // namespace metarom::cli
