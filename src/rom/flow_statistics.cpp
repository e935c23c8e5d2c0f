#include "metarom/rom/flow_statistics.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "metarom/error.hpp"

namespace metarom {

SeriesStatistics series_statistics(const Vector& x) {
  if (x.size() == 0) throw Error("series statistics of an empty series");
  const double mean = x.mean();
  return {mean, std::sqrt((x.array() - mean).square().mean())};
}

FlowStatistics flow_statistics(const FullOrderModel& model, const Matrix& rom, const Matrix& full, Index first,
                               Index last, MPI_Comm comm) {
  if (rom.rows() != full.rows() || rom.cols() != full.cols())
    throw Error(fmt::format("flow statistics: {} x {} ROM states for {} x {} full states", rom.rows(), rom.cols(),
                            full.rows(), full.cols()));
  if (first < 0 || last > full.cols() || last - first < 1)
    throw Error(fmt::format("flow statistics: window [{}, {}) outside the {} recorded states", first, last, full.cols()));
  const Index count = last - first;
  const Vector mean_rom = rom.middleCols(first, count).rowwise().mean();
  const Vector mean_full = full.middleCols(first, count).rowwise().mean();
  double parts[2] = {(mean_rom - mean_full).squaredNorm(), mean_full.squaredNorm()};
  allreduce_sum(comm, parts, 2);
  FlowStatistics s;
  s.mean_field_rel_error = std::sqrt(parts[0] / std::max(parts[1], 1e-300));
  const Matrix ez_full = model.energy_enstrophy(full.middleCols(first, count));
  if (ez_full.size() == 0) {
    s.energy_mean_rel_error = s.energy_std_rel_error = s.enstrophy_mean_rel_error =
        std::numeric_limits<double>::quiet_NaN();
    return s;
  }
  const Matrix ez_rom = model.energy_enstrophy(rom.middleCols(first, count));
  const SeriesStatistics e = series_statistics(ez_full.row(0).transpose()), er = series_statistics(ez_rom.row(0).transpose());
  const SeriesStatistics z = series_statistics(ez_full.row(1).transpose()), zr = series_statistics(ez_rom.row(1).transpose());
  s.energy_mean_rel_error = std::abs(er.mean - e.mean) / std::abs(e.mean);
  s.energy_std_rel_error = std::abs(er.std - e.std) / e.std;
  s.enstrophy_mean_rel_error = std::abs(zr.mean - z.mean) / std::abs(z.mean);
  return s;
}

double valid_time(const std::vector<double>& errors, const Vector& t, double threshold) {
  if (errors.size() != static_cast<size_t>(t.size()) || t.size() == 0)
    throw Error(fmt::format("valid time: {} errors for {} times", errors.size(), t.size()));
  for (size_t k = 0; k < errors.size(); ++k)
    if (!(errors[k] <= threshold)) return t(static_cast<Index>(k));  // NaN counts as exceeded
  return t(t.size() - 1);
}

Vector perturbed_initial_state(const Vector& x0, const RowPartition& rows, double relative) {
  if (x0.size() != rows.local())
    throw Error(fmt::format("perturbed initial state: {} values for {} local rows", x0.size(), rows.local()));
  if (!(relative >= 0)) throw Error(fmt::format("perturbed initial state: relative size {} must be >= 0", relative));
  // splitmix64 of the global row index: uniform in [-1, 1), independent of the partition.
  auto noise = [](unsigned long long i) {
    unsigned long long z = i + 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return static_cast<double>(z >> 11) * 0x1.0p-52 - 1.0;
  };
  Vector d(x0.size());
  for (Index i = 0; i < d.size(); ++i) d(i) = noise(static_cast<unsigned long long>(rows.begin + i));
  double norms[2] = {x0.squaredNorm(), d.squaredNorm()};
  allreduce_sum(rows.comm, norms, 2);
  if (norms[1] == 0) return x0;
  return x0 + relative * std::sqrt(norms[0] / norms[1]) * d;
}

}  // namespace metarom
