#include "metarom/io/trajectory_set.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "metarom/error.hpp"

namespace metarom {

namespace {

// Provenance entries that say how a file was written, not what was run.
bool bookkeeping(const std::string& key) {
  return key == "created" || key == "mpi_ranks" || key == "metarom_version" ||
         (key.size() >= 11 && key.ends_with("spinup_file"));
}

bool numeric(const AttributeValue& v) { return std::holds_alternative<double>(v) || std::holds_alternative<long long>(v); }
double as_double(const AttributeValue& v) {
  return std::holds_alternative<double>(v) ? std::get<double>(v) : static_cast<double>(std::get<long long>(v));
}

}  // namespace

SnapshotSet select_trajectories(const SnapshotSet& set, const std::vector<Index>& which) {
  SnapshotSet s;
  s.rows = set.rows;
  s.layout = set.layout;
  s.provenance = set.provenance;
  s.parameter_names = set.parameter_names;
  s.complete = set.complete;
  Index total = 0;
  for (Index j : which) total += set.trajectory_end(j) - set.trajectory_begin(j);  // checks j
  s.X.resize(set.X.rows(), total);
  s.t.resize(total);
  if (set.mu.rows() > 0) s.mu.resize(set.mu.rows(), total);
  Index at = 0;
  for (Index j : which) {
    const Index b = set.trajectory_begin(j), len = set.trajectory_end(j) - b;
    s.starts.push_back(at);
    s.X.middleCols(at, len) = set.X.middleCols(b, len);
    s.t.segment(at, len) = set.t.segment(b, len);
    if (set.mu.rows() > 0) s.mu.middleCols(at, len) = set.mu.middleCols(b, len);
    at += len;
  }
  if (s.starts.size() <= 1) s.starts.clear();
  return s;
}

SnapshotSet select_trajectory(const SnapshotSet& set, Index j) { return select_trajectories(set, {j}); }

SnapshotSet merge_trajectories(const std::vector<SnapshotSet>& parts, const std::vector<std::string>& contexts) {
  if (parts.empty()) throw Error("merge: no snapshot sets to merge");
  auto ctx = [&](size_t i) { return i < contexts.size() ? contexts[i] : fmt::format("set {}", i + 1); };
  const SnapshotSet& first = parts[0];
  // Shapes: the same states in the same rows and on the same grid.
  for (size_t i = 1; i < parts.size(); ++i) {
    const SnapshotSet& p = parts[i];
    if (p.n() != first.n())
      throw Error(fmt::format("merge: {} holds states of {} values, {} of {}", ctx(i), p.n(), ctx(0), first.n()));
    if (p.X.rows() != first.X.rows())
      throw Error(fmt::format("merge: {} is held in other rows than {}", ctx(i), ctx(0)));
    if (p.layout.dims != first.layout.dims || p.layout.fields != first.layout.fields)
      throw Error(fmt::format("merge: {} has grid {} and fields {}, {} has grid {} and fields {}", ctx(i),
                              to_string(p.layout.dims), to_string(p.layout.fields), ctx(0), to_string(first.layout.dims),
                              to_string(first.layout.fields)));
  }
  // Declared names: the same wherever declared.
  std::vector<std::string> names;
  size_t declared_by = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].parameter_names.empty()) {
      if (parts[i].mu.rows() > 0)
        throw Error(fmt::format("merge: {} holds {} unnamed parameter(s) per snapshot; only named parameters merge",
                                ctx(i), parts[i].mu.rows()));
      continue;
    }
    if (names.empty()) {
      names = parts[i].parameter_names;
      declared_by = i;
    } else if (parts[i].parameter_names != names) {
      throw Error(fmt::format("merge: {} names the parameters [{}], {} names [{}]", ctx(i),
                              fmt::join(parts[i].parameter_names, ", "), ctx(declared_by), fmt::join(names, ", ")));
    }
  }
  // Settings in which the runs differ: numbers become parameters, anything else is refused.
  std::set<std::string> keys;
  for (const auto& p : parts)
    for (const auto& [k, v] : p.provenance) keys.insert(k);
  for (const std::string& k : keys) {
    if (bookkeeping(k) || std::find(names.begin(), names.end(), k) != names.end()) continue;
    const AttributeValue* ref = nullptr;
    size_t ref_part = 0;
    bool differ = false;
    for (size_t i = 0; i < parts.size() && !differ; ++i) {
      const auto it = parts[i].provenance.values().find(k);
      if (it == parts[i].provenance.values().end())
        throw Error(fmt::format("merge: {} does not record the setting '{}' that {} records", ctx(i), k,
                                ctx(i == 0 ? 1 : 0)));
      if (!ref) {
        ref = &it->second;
        ref_part = i;
      } else if (!(it->second == *ref)) {
        differ = true;
        if (!numeric(it->second) || !numeric(*ref))
          throw Error(fmt::format("merge: {} and {} differ in '{}' ({} and {}), which is not a number and so cannot be a "
                                  "parameter",
                                  ctx(ref_part), ctx(i), k, to_string(*ref), to_string(it->second)));
      }
    }
    if (differ) names.push_back(k);
  }
  // The result: trajectories one after another, every snapshot with its parameter vector.
  SnapshotSet s;
  s.rows = first.rows;
  s.layout = first.layout;
  s.provenance = first.provenance;
  s.parameter_names = names;
  Index total = 0;
  for (const auto& p : parts) total += p.count();
  s.X.resize(first.X.rows(), total);
  s.t.resize(total);
  s.mu.resize(static_cast<Index>(names.size()), total);
  Index at = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    const SnapshotSet& p = parts[i];
    if (p.count() == 0) throw Error(fmt::format("merge: {} holds no snapshots", ctx(i)));
    for (Index j = 0; j < p.trajectory_count(); ++j) s.starts.push_back(at + p.trajectory_begin(j));
    s.X.middleCols(at, p.count()) = p.X;
    s.t.segment(at, p.count()) = p.t;
    for (size_t q = 0; q < names.size(); ++q) {
      const auto own = std::find(p.parameter_names.begin(), p.parameter_names.end(), names[q]);
      if (own != p.parameter_names.end())
        s.mu.row(static_cast<Index>(q)).segment(at, p.count()) = p.mu.row(own - p.parameter_names.begin());
      else
        s.mu.row(static_cast<Index>(q)).segment(at, p.count()).setConstant(as_double(p.provenance.values().at(names[q])));
    }
    at += p.count();
  }
  if (s.starts.size() <= 1) s.starts.clear();
  s.complete = std::all_of(parts.begin(), parts.end(), [](const SnapshotSet& p) { return p.complete; });
  s.validate("merge");
  return s;
}

std::pair<SnapshotSet, SnapshotSet> split_time_window(const SnapshotSet& set, double fraction) {
  if (!(fraction > 0 && fraction < 1)) throw Error(fmt::format("-split must lie in (0, 1), got {}", fraction));
  std::vector<Index> head, tail;  // snapshot indices
  for (Index j = 0; j < set.trajectory_count(); ++j) {
    const Index b = set.trajectory_begin(j), e = set.trajectory_end(j), len = e - b;
    const Index keep = static_cast<Index>(std::floor(fraction * static_cast<double>(len)));
    if (keep < 1 || keep >= len)
      throw Error(fmt::format("-split {} leaves an empty train or test part of trajectory {} ({} snapshots)", fraction, j,
                              len));
    for (Index k = b; k < e; ++k) (k < b + keep ? head : tail).push_back(k);
  }
  auto gather = [&](const std::vector<Index>& cols) {
    SnapshotSet s;
    s.rows = set.rows;
    s.layout = set.layout;
    s.provenance = set.provenance;
    s.parameter_names = set.parameter_names;
    s.X.resize(set.X.rows(), static_cast<Index>(cols.size()));
    s.t.resize(static_cast<Index>(cols.size()));
    if (set.mu.rows() > 0) s.mu.resize(set.mu.rows(), static_cast<Index>(cols.size()));
    Index previous_trajectory = -1;
    for (size_t c = 0; c < cols.size(); ++c) {
      const Index k = cols[c];
      s.X.col(static_cast<Index>(c)) = set.X.col(k);
      s.t(static_cast<Index>(c)) = set.t(k);
      if (set.mu.rows() > 0) s.mu.col(static_cast<Index>(c)) = set.mu.col(k);
      Index j = 0;
      while (j + 1 < set.trajectory_count() && set.trajectory_begin(j + 1) <= k) ++j;
      if (j != previous_trajectory) s.starts.push_back(static_cast<Index>(c));
      previous_trajectory = j;
    }
    if (s.starts.size() <= 1) s.starts.clear();
    return s;
  };
  return {gather(head), gather(tail)};
}

Attributes with_parameters(const Attributes& provenance, const std::vector<std::string>& names, const Vector& values,
                           const std::string& context) {
  if (static_cast<Index>(names.size()) != values.size())
    throw Error(fmt::format("{}: {} parameter names for {} values", context, names.size(), values.size()));
  Attributes a = provenance;
  for (size_t q = 0; q < names.size(); ++q) {
    const auto it = provenance.values().find(names[q]);
    if (it == provenance.values().end() || !numeric(it->second)) {
      std::vector<std::string> settings;
      for (const auto& [k, v] : provenance)
        if (numeric(v) && !bookkeeping(k)) settings.push_back(k);
      throw Error(fmt::format("{}: '{}' is not a numeric setting of the model (its settings: {})", context, names[q],
                              fmt::join(settings, ", ")));
    }
    const double v = values(static_cast<Index>(q));
    if (std::holds_alternative<long long>(it->second)) {
      if (v != std::round(v))
        throw Error(fmt::format("{}: '{}' is an integer setting, got {}", context, names[q], v));
      a.set(names[q], static_cast<long long>(std::llround(v)));
    } else {
      a.set(names[q], v);
    }
  }
  return a;
}

Attributes trajectory_provenance(const SnapshotSet& set, Index j) {
  if (set.parameter_names.empty()) return set.provenance;
  return with_parameters(set.provenance, set.parameter_names, set.trajectory_parameters(j),
                         fmt::format("trajectory {}", j));
}

std::vector<ParameterRange> parameter_ranges(const std::vector<std::string>& names, const Matrix& values) {
  std::vector<ParameterRange> out;
  for (size_t q = 0; q < names.size() && static_cast<Index>(q) < values.rows(); ++q) {
    if (values.cols() == 0) continue;
    const auto row = values.row(static_cast<Index>(q));
    out.push_back({names[q], row.minCoeff(), row.maxCoeff()});
  }
  return out;
}

std::vector<ParameterRange> parameter_ranges(const SnapshotSet& set) {
  Matrix values(set.mu.rows(), set.trajectory_count());
  for (Index j = 0; j < set.trajectory_count() && set.mu.rows() > 0; ++j) values.col(j) = set.trajectory_parameters(j);
  return parameter_ranges(set.parameter_names, values);
}

std::vector<std::string> extrapolated_settings(const Attributes& trained, const std::vector<ParameterRange>& ranges,
                                               const Attributes& run, const std::vector<std::string>& keys) {
  std::vector<std::string> out;
  for (const std::string& key : keys) {
    const auto at = run.values().find(key);
    if (at == run.values().end() || !numeric(at->second)) continue;
    const double v = as_double(at->second);
    const auto range = std::find_if(ranges.begin(), ranges.end(), [&](const ParameterRange& r) { return r.name == key; });
    if (range != ranges.end()) {
      // Relative slack for values written and read back in decimal.
      const double slack = 1e-12 * std::max({1.0, std::abs(range->lo), std::abs(range->hi)});
      if (v < range->lo - slack || v > range->hi + slack)
        out.push_back(fmt::format("{} = {:g} outside the trained [{:g}, {:g}]", key, v, range->lo, range->hi));
      continue;
    }
    const auto it = trained.values().find(key);
    if (it == trained.values().end() || !numeric(it->second)) continue;
    const double t = as_double(it->second);
    if (std::abs(v - t) > 1e-12 * std::max(std::abs(v), std::abs(t)))
      out.push_back(fmt::format("{} = {:g}, trained at {:g} only", key, v, t));
  }
  return out;
}

std::vector<std::string> extrapolated_settings(const Attributes& trained, const std::vector<ParameterRange>& ranges,
                                               const Attributes& run) {
  // The model's own settings (<model>_*), time discretization aside: the ROM's own choice (a
  // longer span is a time extrapolation, kept).
  std::vector<std::string> keys;
  const std::string model = run.has("model") ? run.get_string("model", "provenance") + "_" : std::string();
  for (const auto& [key, value] : run)
    if (numeric(value) && model.size() >= 2 && key.starts_with(model) && !bookkeeping(key) &&
        !key.ends_with("_steps") && !key.ends_with("_snapshot_stride") && !key.ends_with("_dt"))
      keys.push_back(key);
  return extrapolated_settings(trained, ranges, run, keys);
}

}  // namespace metarom
