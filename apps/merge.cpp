// metarom merge A.h5 B.h5 ... -o set.h5: joins snapshot sets into one parametric set
// (trajectory after trajectory; the settings in which the runs differ become its parameters,
// io/trajectory_set.hpp), keeps some trajectories (-trajectories), and splits it by trajectory
// (-hold_out) or by time window (-split) into NAME_train.h5 and NAME_test.h5. Derived fields
// (a recorded right-hand side /rhs) follow their states.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "metarom/error.hpp"
#include "metarom/io/snapshots.hpp"
#include "metarom/io/trajectory_set.hpp"

namespace metarom::cli {

namespace {

std::vector<Index> trajectory_list(const std::string& text, Index count, const std::string& option) {
  std::vector<Index> out;
  for (const std::string& item : split_list(text)) {
    char* end = nullptr;
    const long long j = std::strtoll(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || j < 0 || j >= count)
      throw Error(fmt::format("merge: {} lists trajectory numbers 0..{}, got '{}'", option, count - 1, item));
    if (std::find(out.begin(), out.end(), j) != out.end())
      throw Error(fmt::format("merge: {} lists trajectory {} twice", option, j));
    out.push_back(static_cast<Index>(j));
  }
  if (out.empty()) throw Error(fmt::format("merge: {} lists no trajectory", option));
  return out;
}

}  // namespace

int cmd_merge(const std::vector<std::string>& inputs) {
  std::string out, keep, hold_out;
  double split = 0;
  std::vector<Option> opts{
      {"-o", "Output snapshot file (with -split or -hold_out: NAME_train.h5 and NAME_test.h5)", &out},
      {"-trajectories", "Keep only these trajectories of the merged set (0-based, comma separated)", &keep},
      {"-hold_out", "Split by trajectory: these (0-based, comma separated) to NAME_test.h5, the rest to NAME_train.h5",
       &hold_out},
      {"-split", "Split by time window: the first F of every trajectory to NAME_train.h5, the rest to NAME_test.h5",
       &split}};
  const Common c = common_options(opts, "metarom merge FILE.h5 ... -o set.h5");
  if (help_requested()) return 0;
  require(out, "-o", "set.h5");
  if (inputs.empty()) throw Error("merge: name the snapshot files to merge before the options");
  if (split != 0 && !hold_out.empty()) throw Error("merge: -split and -hold_out are two ways to split; give one");

  // Every input in PETSc's default split of its rows (the same n everywhere, or refused).
  std::vector<SnapshotSet> parts;
  for (const std::string& path : inputs) {
    parts.push_back(read_snapshots(path, PETSC_COMM_WORLD));
    progress(c, fmt::format("merge: {}: {} snapshots in {} trajectories\n", path, parts.back().count(),
                            parts.back().trajectory_count()));
  }
  const std::filesystem::path p(out);
  const std::string stem = (p.parent_path() / p.stem()).string();
  // Merged, selected and split: the states, and each derived field the same way.
  auto arrange = [&](const std::vector<SnapshotSet>& sets) {
    SnapshotSet set = merge_trajectories(sets, inputs);
    if (!keep.empty()) set = select_trajectories(set, trajectory_list(keep, set.trajectory_count(), "-trajectories"));
    std::vector<std::pair<std::string, SnapshotSet>> files;
    if (!hold_out.empty()) {
      const std::vector<Index> test = trajectory_list(hold_out, set.trajectory_count(), "-hold_out");
      std::vector<Index> train;
      for (Index j = 0; j < set.trajectory_count(); ++j)
        if (std::find(test.begin(), test.end(), j) == test.end()) train.push_back(j);
      if (train.empty()) throw Error("merge: -hold_out lists every trajectory; none is left to train on");
      files.emplace_back(stem + "_train.h5", select_trajectories(set, train));
      files.emplace_back(stem + "_test.h5", select_trajectories(set, test));
    } else if (split != 0) {
      auto [train, test] = split_time_window(set, split);
      files.emplace_back(stem + "_train.h5", std::move(train));
      files.emplace_back(stem + "_test.h5", std::move(test));
    } else {
      files.emplace_back(out, std::move(set));
    }
    return files;
  };
  std::vector<std::pair<std::string, SnapshotSet>> files = arrange(parts);
  // Derived fields (the plugin's recorded right-hand side /rhs, ...) go along where every input
  // has them; one some inputs lack is left out, with a warning.
  std::vector<std::vector<DerivedField>> derived(files.size());
  std::vector<std::string> names = derived_field_names(inputs[0], PETSC_COMM_WORLD);
  for (size_t i = 1; i < inputs.size(); ++i) {
    const std::vector<std::string> here = derived_field_names(inputs[i], PETSC_COMM_WORLD);
    for (auto it = names.begin(); it != names.end();) {
      if (std::find(here.begin(), here.end(), *it) != here.end()) {
        ++it;
        continue;
      }
      progress(c, fmt::format("merge: warning: /{} is left out: {} has none\n", *it, inputs[i]));
      it = names.erase(it);
    }
  }
  for (const std::string& name : names) {
    std::vector<SnapshotSet> fields = parts;
    for (size_t i = 0; i < inputs.size(); ++i) fields[i].X = read_derived_field(inputs[i], name, parts[i].rows);
    auto arranged = arrange(fields);
    for (size_t k = 0; k < files.size(); ++k) derived[k].push_back({name, std::move(arranged[k].second.X)});
  }
  parts.clear();

  nlohmann::json j{{"files", nlohmann::json::array()}};
  std::string summary;
  for (size_t k = 0; k < files.size(); ++k) {
    const auto& [path, s] = files[k];
    write_snapshots(path, s, derived[k]);
    j["files"].push_back({{"file", path},
                          {"snapshots", s.count()},
                          {"trajectories", s.trajectory_count()},
                          {"parameters", s.parameter_names},
                          {"derived_fields", names}});
    summary += fmt::format("wrote {}: {} snapshots in {} trajectories{}{}\n", path, s.count(), s.trajectory_count(),
                           s.parameter_names.empty() ? "" : fmt::format(", parameters {}", fmt::join(s.parameter_names, ", ")),
                           names.empty() ? "" : fmt::format(", with /{}", fmt::join(names, ", /")));
  }
  print(c.json ? j.dump() + "\n" : summary);
  return 0;
}

}  // namespace metarom::cli
