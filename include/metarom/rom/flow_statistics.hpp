#pragma once
// Statistics that score a reduced model of a chaotic flow, where pointwise trajectory errors
// saturate within a short time (San & Iliescu 2015; Mou et al. 2020): the time-mean field,
// the kinetic energy E(t) and enstrophy Z(t) series (their means and standard deviations),
// and the valid-prediction time. Each is compared over a window of recorded times, so a
// comparison can score the training window and the prediction beyond it separately.
#include <mpi.h>

#include "metarom/models/model.hpp"
#include "metarom/types.hpp"

namespace metarom {

// Mean and (population) standard deviation of a series.
struct SeriesStatistics {
  double mean = 0, std = 0;
};
SeriesStatistics series_statistics(const Vector& x);

struct FlowStatistics {
  // ‖x̄_rom − x̄‖ / ‖x̄‖ with x̄ the time mean over the window.
  double mean_field_rel_error = 0;
  // |mean(E_rom) − mean(E)| / mean(E), |std(E_rom) − std(E)| / std(E), likewise the mean of
  // Z; NaN when the model defines no energy (FullOrderModel::energy_enstrophy).
  double energy_mean_rel_error = 0, energy_std_rel_error = 0, enstrophy_mean_rel_error = 0;
};

// The statistics of the decoded ROM states against the full model's over the columns
// [first, last) (local rows of both; collective over comm).
FlowStatistics flow_statistics(const FullOrderModel& model, const Matrix& rom, const Matrix& full, Index first,
                               Index last, MPI_Comm comm);

// The first recorded time whose relative state error ‖x_rom − x‖/‖x‖ exceeds `threshold`
// (0.5 by convention), or the last time if none does. `errors` per recorded time.
double valid_time(const std::vector<double>& errors, const Vector& t, double threshold = 0.5);

// The predictability floor of a chaotic flow: the full model itself, started from x0 plus a
// perturbation of relative size `relative` (‖δ‖ = relative·‖x0‖), scored with the statistics
// above, shows how far two trajectories of the same flow differ over a window of that length
// — no ROM can be expected to come closer. The perturbation is white noise fixed by each
// row's global index (the same state on any number of ranks). Collective over rows.comm.
Vector perturbed_initial_state(const Vector& x0, const RowPartition& rows, double relative);

}  // namespace metarom
