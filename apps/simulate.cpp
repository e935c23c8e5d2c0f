// metarom simulate MODEL -o snaps.h5: run a full-order model and write its snapshots.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "metarom/models/burgers.hpp"
#include "metarom/error.hpp"
#include "metarom/models/heat.hpp"
#include "metarom/models/qg.hpp"
#include "metarom/models/reaction.hpp"
#include "metarom/io/snapshot_stream.hpp"
#include "metarom/io/snapshots.hpp"
#include "metarom/io/trajectory_set.hpp"
#include "metarom/models/parameter_sweep.hpp"

namespace metarom::cli {

namespace {

struct Written {
  std::string file;
  Index count;
};

// Writes the set, or its train/test split by time window, each with an XDMF side file.
std::vector<Written> write_outputs(const std::string& out, const SnapshotSet& set, double split,
                                   const std::vector<DerivedField>& derived) {
  std::vector<std::string> names;
  for (const auto& d : derived) names.push_back(d.name);
  auto write = [&](const std::string& path, Index first, Index last) {
    const SnapshotSet part = select_snapshots(set, first, last);
    std::vector<DerivedField> parts;
    for (const auto& d : derived) parts.push_back({d.name, d.X.middleCols(first, last - first)});
    write_snapshots(path, part, parts);
    if (part.trajectory_count() == 1) write_xdmf(path, part, names);  // one time series per file
    return Written{path, last - first};
  };
  if (split <= 0) return {write(out, 0, set.count())};
  const std::filesystem::path p(out);
  const std::string stem = (p.parent_path() / p.stem()).string();
  if (set.trajectory_count() == 1) {
    if (split >= 1) throw Error(fmt::format("-split must lie in (0, 1), got {}", split));
    const Index train = static_cast<Index>(std::floor(split * set.count()));
    if (train < 1 || train >= set.count())
      throw Error(fmt::format("-split {} leaves an empty train or test set of {} snapshots", split, set.count()));
    return {write(stem + "_train.h5", 0, train), write(stem + "_test.h5", train, set.count())};
  }
  // A parametric set: every trajectory's window split at the same fraction (no derived fields:
  // a sweep stores none).
  const auto [train, test] = split_time_window(set, split);
  write_snapshots(stem + "_train.h5", train);
  write_snapshots(stem + "_test.h5", test);
  return {Written{stem + "_train.h5", train.count()}, Written{stem + "_test.h5", test.count()}};
}

double relative_error(const Vector& x, const Vector& ref, MPI_Comm comm) {
  return std::sqrt(allreduce_sum(comm, (x - ref).squaredNorm()) / allreduce_sum(comm, ref.squaredNorm()));
}


// A sweep (parameter_sweep.hpp), with what it reports.
SnapshotSet run_sweep(const Attributes& base, const ParameterSweep& sweep, const Common& c, nlohmann::json& j,
                      std::string& summary) {
  SweepRuns runs = simulate_sweep(PETSC_COMM_WORLD, base, sweep, !c.quiet && !c.json, "-sweep", [&](size_t i) {
    progress(c, fmt::format("simulate: run {} of {}: {}\n", i + 1, sweep.points.size(), sweep.describe(i)));
  });
  double total = 0;
  for (double s : runs.seconds) total += s;
  j["seconds"] = total;
  j["run_seconds"] = runs.seconds;
  j["trajectories"] = sweep.points.size();
  j["parameters"] = sweep.names;
  summary = fmt::format("{} runs ({}) in {:.3f} s of time integration\n", sweep.points.size(),
                        fmt::join(sweep.names, ", "), total);
  return std::move(runs.set);
}

// One run of each model, with what it reports (JSON fields and the summary line).
SnapshotSet run_heat(const HeatConfig& config, const Common& c, nlohmann::json& j, std::string& summary) {
  HeatModel heat(PETSC_COMM_WORLD, config);
  progress(c, fmt::format("simulate heat: {}-D, grid {}{}, kappa {}, t in [{}, {}], {} steps, snapshot every {}\n",
                          config.dim, config.nx, config.dim == 2 ? fmt::format(" x {}", config.ny) : "", config.kappa,
                          config.time.t0, config.time.t_final, config.time.steps, config.time.stride));
  SnapshotSet set = heat.simulate(!c.quiet && !c.json);
  // Error of the final recorded state against the exact solution of the PDE.
  const double rel =
      relative_error(set.X.col(set.count() - 1), heat.exact_solution(set.t(set.count() - 1)), set.rows.comm);
  j["seconds"] = heat.solve_seconds();
  j["final_rel_error_vs_exact"] = rel;
  summary = fmt::format("time integration {:.3f} s; final-state relative error against the exact solution {:.3e}\n",
                        heat.solve_seconds(), rel);
  return set;
}

SnapshotSet run_qg(const QgConfig& config, bool vorticity, const Common& c, std::vector<DerivedField>& derived,
                   nlohmann::json& j, std::string& summary) {
  QgModel qg(PETSC_COMM_WORLD, config);
  const TimeGrid g = config.window_grid();
  progress(c, fmt::format("simulate qg: grid {} x {}, Re {}, Ro {}, dt {}, spin-up to t = {} ({:.0f} days), "
                          "window [{}, {}] ({} steps), snapshot every {} steps\n",
                          config.nx, config.ny, config.re, config.ro, config.dt, config.spinup_time,
                          config.spinup_time / QgConfig::day, g.t0, g.t_final, g.steps, g.stride));
  MPI_Barrier(PETSC_COMM_WORLD);
  const double start = MPI_Wtime();
  SnapshotSet set = qg.simulate(!c.quiet && !c.json);
  const double total = MPI_Wtime() - start;
  if (vorticity) derived.push_back({"vorticity", qg.vorticity(set.X)});
  const double steps = g.steps;
  j["seconds"] = total;
  j["window_seconds"] = qg.solve_seconds();
  j["seconds_per_step"] = qg.solve_seconds() / steps;
  j["spinup_file"] = config.spinup_file;
  summary = fmt::format("spin-up and window {:.1f} s; window {:.1f} s ({:.3f} ms per step)\n", total,
                        qg.solve_seconds(), 1e3 * qg.solve_seconds() / steps);
  return set;
}

SnapshotSet run_burgers(const BurgersConfig& config, const Common& c, nlohmann::json& j, std::string& summary) {
  BurgersModel burgers(PETSC_COMM_WORLD, config);
  const TimeGrid& g = config.time;
  progress(c, fmt::format("simulate burgers: grid {} x {} (boundary included), Re {}, amplitude {}, t in [{}, {}], "
                          "{} steps, snapshot every {}\n",
                          config.nx, config.ny, config.re, config.amplitude, g.t0, g.t_final, g.steps, g.stride));
  SnapshotSet set = burgers.simulate(!c.quiet && !c.json);
  j["seconds"] = burgers.solve_seconds();
  j["newton_iterations"] = burgers.newton_iterations();
  summary = fmt::format("time integration {:.3f} s ({} Newton iterations in {} steps)\n", burgers.solve_seconds(),
                        burgers.newton_iterations(), g.steps);
  return set;
}

SnapshotSet run_reaction(const ReactionConfig& config, const Common& c, nlohmann::json& j, std::string& summary) {
  ReactionModel reaction(PETSC_COMM_WORLD, config);
  const TimeGrid& g = config.time;
  progress(c, fmt::format("simulate reaction: grid {} x {}, kappa {}, lambda {}, amplitude {}, t in [{}, {}], {} steps, "
                          "snapshot every {}\n",
                          config.nx, config.ny, config.kappa, config.lambda, config.amplitude, g.t0, g.t_final, g.steps,
                          g.stride));
  SnapshotSet set = reaction.simulate(!c.quiet && !c.json);
  j["seconds"] = reaction.solve_seconds();
  j["newton_iterations"] = reaction.newton_iterations();
  summary = fmt::format("time integration {:.3f} s ({} Newton iterations in {} steps)\n", reaction.solve_seconds(),
                        reaction.newton_iterations(), g.steps);
  return set;
}

}  // namespace

int cmd_simulate(const std::string& operand) {
  std::string out, sweep_text, sweep_mode = "grid";
  double split = 0;
  bool vorticity = false;
  std::vector<Option> opts{
      {"-o", "Output snapshot file (default MODEL.h5)", &out},
      {"-split",
       "Train fraction F: write the first F of every trajectory's window to NAME_train.h5, the rest to NAME_test.h5",
       &split},
      {"-sweep",
       "Run the model at several parameter values into one parametric set: NAME=V1,V2,... (a value may be LO:HI:COUNT), "
       "parameters separated by ';' (names as in the provenance: burgers_amplitude, burgers_re, heat_kappa, qg_re, ...)",
       &sweep_text},
      {"-sweep_mode", "grid (every combination of the -sweep values) or list (the i-th values together)", &sweep_mode},
      {"-store_vorticity", "qg: also store the vorticity as /vorticity", &vorticity}};
  const Common c = common_options(opts, "metarom simulate MODEL");
  if (sweep_mode != "grid" && sweep_mode != "list")
    throw Error("simulate: -sweep_mode is grid or list, got '" + sweep_mode + "'");
  const ParameterSweep sweep =
      sweep_text.empty() ? ParameterSweep{}
                         : ParameterSweep::parse(sweep_text,
                                                 sweep_mode == "grid" ? ParameterSweep::Mode::grid : ParameterSweep::Mode::list,
                                                 "-sweep");
  if (!sweep.empty() && vorticity) throw Error("simulate: -store_vorticity applies to one run, not to a -sweep");
  const std::string model = require(operand, "MODEL", "(the model to run: heat, qg, burgers or reaction)");
  if (out.empty()) out = model + ".h5";

  SnapshotSet set;
  std::vector<DerivedField> derived;
  nlohmann::json j{{"model", model}};
  std::string summary;
  try {
    if (model == "heat") {
      HeatConfig config;
      config.set_from_options(PETSC_COMM_WORLD);
      if (help_requested()) return 0;
      set = sweep.empty() ? run_heat(config, c, j, summary) : run_sweep(config.to_attributes(), sweep, c, j, summary);
    } else if (model == "qg") {
      QgConfig config;
      config.set_from_options(PETSC_COMM_WORLD);
      if (help_requested()) return 0;
      if (config.spinup_file.empty())
        config.spinup_file =
            (std::filesystem::path(out).parent_path() / fmt::format("qg_spinup_{}x{}.h5", config.nx, config.ny)).string();
      if (config.spinup_file == "none") config.spinup_file.clear();
      // A sweep's runs all start from the base configuration's spin-up state.
      set = sweep.empty() ? run_qg(config, vorticity, c, derived, j, summary)
                          : run_sweep(config.to_attributes(), sweep, c, j, summary);
    } else if (model == "burgers") {
      BurgersConfig config;
      config.set_from_options(PETSC_COMM_WORLD);
      if (help_requested()) return 0;
      set = sweep.empty() ? run_burgers(config, c, j, summary)
                          : run_sweep(config.to_attributes(), sweep, c, j, summary);
    } else if (model == "reaction") {
      ReactionConfig config;
      config.set_from_options(PETSC_COMM_WORLD);
      if (help_requested()) return 0;
      set = sweep.empty() ? run_reaction(config, c, j, summary)
                          : run_sweep(config.to_attributes(), sweep, c, j, summary);
    } else {
      throw Error(fmt::format("unknown model '{}' (known: {})", model, fmt::join(model_names(), ", ")));
    }
  } catch (const DivergedError& e) {
    // The finite snapshots recorded before the state blew up are kept, in OUT.partial: a
    // snapshot file marked incomplete (as a stopped recording), never under the final name.
    const SnapshotSet& good = e.good();
    if (good.count() == 0) throw;
    {
      SnapshotStream partial(out, good.rows, good.layout, good.provenance);
      partial.append(good.X, good.t);
    }  // not finished: stays OUT.partial, marked incomplete
    throw Error(fmt::format("{}; they are in {}", e.what(), h5::File::partial_name(out)));
  }

  const std::vector<Written> files = write_outputs(out, set, split, derived);
  nlohmann::json jf = nlohmann::json::array();
  for (const auto& w : files) {
    jf.push_back({{"file", w.file}, {"snapshots", w.count}});
    summary += fmt::format("wrote {}: {} snapshots of {} values{}\n", w.file, w.count, set.n(),
                           set.trajectory_count() > 1 ? fmt::format(" in {} trajectories", set.trajectory_count()) : "");
  }
  j["files"] = jf;
  j["n"] = set.n();
  print(c.json ? j.dump() + "\n" : summary);
  return 0;
}

}  // namespace metarom::cli
