#include "metarom/rom/greedy_sampling.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "metarom/error.hpp"
#include "metarom/io/row_partition.hpp"
#include "metarom/io/trajectory_set.hpp"
#include "metarom/rom/rom_run.hpp"

namespace metarom {

double residual_indicator(const FullOrderModel& model, const Matrix& decoded, const Vector& t, int samples,
                          MPI_Comm rows_comm) {
  const Index K = decoded.cols();
  if (K < 2 || t.size() != K) throw Error(fmt::format("residual indicator: {} states at {} times", K, t.size()));
  if (!every_rank(rows_comm, decoded.allFinite())) return std::numeric_limits<double>::infinity();
  const int m = std::clamp<int>(samples, 1, static_cast<int>(K - 1));
  double num = 0, den = 0;
  Index previous = 0;
  for (int i = 1; i <= m; ++i) {
    // k = 1 .. K−1, evenly spread, each once.
    const Index k = std::max<Index>(previous + 1, static_cast<Index>(std::llround(static_cast<double>(i) * (K - 1) / m)));
    if (k >= K) break;
    previous = k;
    const double dt = t(k) - t(k - 1);
    const Vector step = dt * model.rhs(t(k), decoded.col(k)).col(0);
    num += (decoded.col(k) - decoded.col(k - 1) - step).squaredNorm();
    den += step.squaredNorm();
  }
  num = allreduce_sum(rows_comm, num);
  den = allreduce_sum(rows_comm, den);
  if (!std::isfinite(num)) return std::numeric_limits<double>::infinity();
  return std::sqrt(num / std::max(den, 1e-300));
}

double rank_correlation(const std::vector<double>& a, const std::vector<double>& b) {
  const size_t n = a.size();
  if (n != b.size() || n < 2) return std::numeric_limits<double>::quiet_NaN();
  auto ranks = [n](const std::vector<double>& x) {
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t i, size_t j) { return x[i] < x[j]; });
    std::vector<double> r(n);
    for (size_t i = 0; i < n;) {
      size_t j = i;
      while (j + 1 < n && x[order[j + 1]] == x[order[i]]) ++j;
      for (size_t k = i; k <= j; ++k) r[order[k]] = 0.5 * static_cast<double>(i + j);  // average rank of ties
      i = j + 1;
    }
    return r;
  };
  const std::vector<double> ra = ranks(a), rb = ranks(b);
  const double ma = std::accumulate(ra.begin(), ra.end(), 0.0) / n, mb = std::accumulate(rb.begin(), rb.end(), 0.0) / n;
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < n; ++i) {
    sab += (ra[i] - ma) * (rb[i] - mb);
    saa += (ra[i] - ma) * (ra[i] - ma);
    sbb += (rb[i] - mb) * (rb[i] - mb);
  }
  if (saa == 0 || sbb == 0) return std::numeric_limits<double>::quiet_NaN();
  return sab / std::sqrt(saa * sbb);
}

GreedyResult greedy_sampling(MPI_Comm comm, const Attributes& base, const ParameterSweep& candidates,
                             const std::function<std::unique_ptr<Reducer>()>& make_reducer,
                             const GreedySettings& settings, const std::function<void(const std::string&)>& progress) {
  const Index N = static_cast<Index>(candidates.points.size());
  if (N < 2) throw Error(fmt::format("greedy: {} candidate(s); give at least 2", N));
  if (settings.start < 1 || settings.start > N)
    throw Error(fmt::format("greedy: -greedy_start {} must lie in [1, {}] (the candidates)", settings.start, N));
  if (settings.budget < settings.start)
    throw Error(fmt::format("greedy: -greedy_budget {} is below -greedy_start {}", settings.budget, settings.start));
  if (!(settings.tolerance > 0)) throw Error(fmt::format("greedy: -greedy_tol must be > 0, got {}", settings.tolerance));
  auto say = [&](const std::string& s) {
    if (progress) progress(s);
  };
  auto model_at = [&](Index i) {
    return create_model(comm, with_parameters(base, candidates.names, candidates.points[i], "greedy"),
                        "greedy: " + candidates.describe(static_cast<size_t>(i)));
  };
  GreedyResult out;
  std::vector<SnapshotSet> runs;
  std::vector<std::string> contexts;
  auto run_full = [&](Index i) {
    auto model = model_at(i);
    say(fmt::format("greedy: full model at {} (run {} of at most {})\n", candidates.describe(static_cast<size_t>(i)),
                    runs.size() + 1, settings.budget));
    SnapshotSet run = model->simulate(false);
    out.full_seconds += model->solve_seconds();
    run.parameter_names = candidates.names;
    run.mu = candidates.points[i].replicate(1, run.count());
    runs.push_back(std::move(run));
    contexts.push_back(candidates.describe(static_cast<size_t>(i)));
    out.chosen.push_back(i);
  };
  // The start: spread evenly over the candidates (one: the middle one).
  for (int s = 0; s < settings.start; ++s) {
    const Index i = settings.start == 1 ? N / 2
                                        : static_cast<Index>(std::llround(static_cast<double>(s) * (N - 1) / (settings.start - 1)));
    if (std::find(out.chosen.begin(), out.chosen.end(), i) == out.chosen.end()) run_full(i);
  }
  while (true) {
    GreedyIteration it;
    out.training = merge_trajectories(runs, contexts);
    MPI_Barrier(comm);
    double start = MPI_Wtime();
    out.reducer = make_reducer();
    out.reducer->fit(out.training);
    it.fit_seconds = MPI_Wtime() - start;
    start = MPI_Wtime();
    // The indicator at every candidate (those already run too: they show the floor).
    for (Index i = 0; i < N; ++i) {
      double eta = std::numeric_limits<double>::infinity();
      try {
        auto model = model_at(i);
        const LatentRom rom(settings.rom, *model, *out.reducer, nullptr, settings.rom_settings);
        const RomRun run = run_rom(rom, *out.reducer, model->initial_state(), rom_time_grid(*model));
        const SnapshotSet decoded =
            decode_trajectory(*out.reducer, run.latent, model->rows(), model->layout(), model->provenance());
        eta = residual_indicator(*model, decoded.X, run.latent.t, settings.residual_samples, comm);
      } catch (const Error& e) {
        // The ROM failed there (its latent solve diverged): as uncertain as it gets.
        say(fmt::format("greedy: the ROM failed at {}: {}\n", candidates.describe(static_cast<size_t>(i)), e.what()));
      }
      it.indicators.push_back(eta);
    }
    it.scan_seconds = MPI_Wtime() - start;
    Index worst = -1;
    for (Index i = 0; i < N; ++i)
      if (std::find(out.chosen.begin(), out.chosen.end(), i) == out.chosen.end() &&
          (worst < 0 || it.indicators[i] > it.indicators[worst]))
        worst = i;
    it.largest = worst >= 0 ? it.indicators[worst] : 0.0;
    out.converged = worst < 0 || it.largest < settings.tolerance;
    const bool spent = static_cast<int>(runs.size()) >= settings.budget;
    say(fmt::format("greedy: {} runs, r = {}: largest indicator {:.3e}{}\n", runs.size(), out.reducer->latent_dim(),
                    it.largest, worst >= 0 ? " at " + candidates.describe(static_cast<size_t>(worst)) : ""));
    if (!out.converged && !spent) it.chosen = worst;
    out.iterations.push_back(it);
    if (out.converged || spent) break;
    run_full(worst);
  }
  return out;
}

}  // namespace metarom
