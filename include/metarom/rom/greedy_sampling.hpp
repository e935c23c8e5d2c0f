#pragma once
// Greedy sampling of a parameter space (docs/methods.md, "Greedy sampling"; the weak greedy
// of pyMOR and libROM): from a few full-model runs, repeatedly fit the reducer, run its ROM at
// every candidate parameter vector, score each run by an indicator that costs no full solve —
// the ROM's full-order residual — and add the full-model run where it is largest, until the
// largest falls below a tolerance or the budget of full runs is spent.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "metarom/io/attributes.hpp"
#include "metarom/io/snapshots.hpp"
#include "metarom/models/model.hpp"
#include "metarom/models/parameter_sweep.hpp"
#include "metarom/reducers/reducer.hpp"
#include "metarom/rom/latent_rom.hpp"

namespace metarom {

// The ROM's full-order residual along a decoded run x̃_k (local rows, one column per recorded
// time t_k), the backward-Euler residual over the recorded spacing at `samples` evenly spread k:
//   η = sqrt(Σ_k ‖x̃_k − x̃_{k−1} − Δt_k f(t_k, x̃_k)‖²) / sqrt(Σ_k ‖Δt_k f(t_k, x̃_k)‖²),
// one f per sampled time and no solve. It is not zero for the full model's own states (the
// recorded spacing is coarser than its step), so it ranks runs rather than bounding errors.
// Infinite when the decoded states are not finite. Collective over `rows_comm`.
double residual_indicator(const FullOrderModel& model, const Matrix& decoded, const Vector& t, int samples,
                          MPI_Comm rows_comm);

// Spearman's rank correlation of two equally long series (average ranks for ties); NaN when
// either is constant or shorter than 2.
double rank_correlation(const std::vector<double>& a, const std::vector<double>& b);

struct GreedySettings {
  int start = 2;               // first runs, spread evenly over the candidates (their first and last, ...)
  int budget = 8;              // the most full-model runs
  double tolerance = 1e-2;     // stop once every candidate's indicator is below it
  int residual_samples = 20;   // recorded times at which each indicator evaluates f
  RomKind rom = RomKind::automatic;
  LatentRomSettings rom_settings;
};

struct GreedyIteration {
  std::vector<double> indicators;  // per candidate (infinite where its ROM failed)
  Index chosen = -1;               // the candidate run next (-1: none; converged or budget spent)
  double largest = 0;              // over the candidates not yet run
  double fit_seconds = 0, scan_seconds = 0;
};

struct GreedyResult {
  SnapshotSet training;               // the runs made, one trajectory each (a parametric set)
  std::vector<Index> chosen;          // their candidates, in the order they were run
  std::vector<GreedyIteration> iterations;
  std::unique_ptr<Reducer> reducer;   // fitted on `training`
  bool converged = false;             // the largest indicator fell below the tolerance
  double full_seconds = 0;            // the full-model runs' time integration
};

// `base`: the model's settings (its provenance, create_model); `candidates`: the parameter
// vectors; `make_reducer`: a fresh reducer with its settings (fitted here on every round).
// Throws, naming the option, when start or budget do not fit the candidates.
GreedyResult greedy_sampling(MPI_Comm comm, const Attributes& base, const ParameterSweep& candidates,
                             const std::function<std::unique_ptr<Reducer>()>& make_reducer,
                             const GreedySettings& settings,
                             const std::function<void(const std::string&)>& progress = nullptr);

}  // namespace metarom
