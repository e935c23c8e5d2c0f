// metarom merge A.h5 B.h5 ... -o set.h5: joins snapshot sets into one parametric set
// (trajectory after trajectory; the settings in which the runs differ become its parameters,
// io/trajectory_set.hpp), keeps some trajectories (-trajectories), and splits it by trajectory
// (-hold_out) or by time window (-split) into NAME_train.h5 and NAME_test.h5.
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
  SnapshotSet set = merge_trajectories(parts, inputs);
  parts.clear();
  if (!keep.empty()) set = select_trajectories(set, trajectory_list(keep, set.trajectory_count(), "-trajectories"));

  std::vector<std::pair<std::string, SnapshotSet>> files;
  const std::filesystem::path p(out);
  const std::string stem = (p.parent_path() / p.stem()).string();
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
  nlohmann::json j{{"files", nlohmann::json::array()}};
  std::string summary;
  for (const auto& [path, s] : files) {
    write_snapshots(path, s);
    j["files"].push_back({{"file", path},
                          {"snapshots", s.count()},
                          {"trajectories", s.trajectory_count()},
                          {"parameters", s.parameter_names}});
    summary += fmt::format("wrote {}: {} snapshots in {} trajectories{}\n", path, s.count(), s.trajectory_count(),
                           s.parameter_names.empty() ? "" : fmt::format(", parameters {}", fmt::join(s.parameter_names, ", ")));
  }
  print(c.json ? j.dump() + "\n" : summary);
  return 0;
}

}  // namespace metarom::cli
