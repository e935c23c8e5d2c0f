#include "metarom/models/parameter_sweep.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "metarom/error.hpp"
#include "metarom/io/trajectory_set.hpp"
#include "metarom/models/model.hpp"

namespace metarom {

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t end = s.find(sep, start);
    out.push_back(s.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) return out;
    start = end + 1;
  }
}

double number(const std::string& s, const std::string& where) {
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v))
    throw Error(fmt::format("{}: '{}' is not a number", where, s));
  return v;
}

}  // namespace

ParameterSweep ParameterSweep::parse(const std::string& text, Mode mode, const std::string& option) {
  ParameterSweep sweep;
  std::vector<std::vector<double>> values;
  for (const std::string& item : split(text, ';')) {
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
      throw Error(fmt::format("{}: '{}' is not NAME=V1,V2,... or NAME=LO:HI:COUNT", option, item));
    const std::string name = item.substr(0, eq), list = item.substr(eq + 1);
    if (std::find(sweep.names.begin(), sweep.names.end(), name) != sweep.names.end())
      throw Error(fmt::format("{}: parameter '{}' is named twice", option, name));
    const std::string where = fmt::format("{} {}", option, name);
    // Items separated by ',', each a value or a range LO:HI:COUNT.
    std::vector<double> v;
    for (const std::string& x : split(list, ',')) {
      const std::vector<std::string> range = split(x, ':');
      if (range.size() == 1) {
        v.push_back(number(x, where));
        continue;
      }
      if (range.size() != 3) throw Error(fmt::format("{}: '{}' is neither a value nor LO:HI:COUNT", where, x));
      const double lo = number(range[0], where), hi = number(range[1], where);
      const double count = number(range[2], where);
      if (count < 1 || count != static_cast<long long>(count))
        throw Error(fmt::format("{}: COUNT must be a whole number >= 1, got {}", where, range[2]));
      const long long c = static_cast<long long>(count);
      for (long long k = 0; k < c; ++k) v.push_back(c == 1 ? lo : lo + (hi - lo) * static_cast<double>(k) / (c - 1));
    }
    sweep.names.push_back(name);
    values.push_back(v);
  }
  if (sweep.names.empty()) throw Error(fmt::format("{}: names no parameter (NAME=V1,V2,...)", option));
  const size_t p = sweep.names.size();
  if (mode == Mode::list) {
    for (size_t q = 1; q < p; ++q)
      if (values[q].size() != values[0].size())
        throw Error(fmt::format("{}: as a list, every parameter needs as many values ({} has {}, {} has {})", option,
                                sweep.names[0], values[0].size(), sweep.names[q], values[q].size()));
    for (size_t i = 0; i < values[0].size(); ++i) {
      Vector x(static_cast<Index>(p));
      for (size_t q = 0; q < p; ++q) x(static_cast<Index>(q)) = values[q][i];
      sweep.points.push_back(x);
    }
    return sweep;
  }
  std::vector<size_t> at(p, 0);  // odometer over the grid, the first name fastest
  while (true) {
    Vector x(static_cast<Index>(p));
    for (size_t q = 0; q < p; ++q) x(static_cast<Index>(q)) = values[q][at[q]];
    sweep.points.push_back(x);
    size_t q = 0;
    while (q < p && ++at[q] == values[q].size()) at[q++] = 0;
    if (q == p) return sweep;
  }
}

std::string describe_parameters(const std::vector<std::string>& names, const Vector& values) {
  std::string s;
  for (size_t q = 0; q < names.size() && static_cast<Index>(q) < values.size(); ++q)
    s += fmt::format("{}{} = {:g}", q ? ", " : "", names[q], values(static_cast<Index>(q)));
  return s;
}

std::string ParameterSweep::describe(size_t i) const { return describe_parameters(names, points.at(i)); }

SweepRuns simulate_sweep(MPI_Comm comm, const Attributes& base, const ParameterSweep& sweep, bool progress,
                         const std::string& context, const std::function<void(size_t)>& before_run) {
  if (sweep.empty()) throw Error(context + ": the sweep has no points");
  SweepRuns out;
  std::vector<SnapshotSet> runs;
  std::vector<std::string> names;
  for (size_t i = 0; i < sweep.points.size(); ++i) {
    const std::string where = fmt::format("{} point {} ({})", context, i + 1, sweep.describe(i));
    auto model = create_model(comm, with_parameters(base, sweep.names, sweep.points[i], context), where);
    if (before_run) before_run(i);
    SnapshotSet run = model->simulate(progress);
    run.parameter_names = sweep.names;
    run.mu = sweep.points[i].replicate(1, run.count());
    out.seconds.push_back(model->solve_seconds());
    runs.push_back(std::move(run));
    names.push_back(where);
  }
  out.set = merge_trajectories(runs, names);
  return out;
}

}  // namespace metarom
