#pragma once
// Parametric snapshot sets (data/FORMAT.md, /trajectories): one run per parameter vector μ_j,
// kept one after another in one SnapshotSet. These functions take trajectories out, put sets
// together and split them, and give back the provenance that rebuilds the model of a
// trajectory.
#include <string>
#include <utility>
#include <vector>

#include "metarom/io/snapshots.hpp"

namespace metarom {

// Trajectories `which` of `set` (in that order), as a set of their own.
SnapshotSet select_trajectories(const SnapshotSet& set, const std::vector<Index>& which);
SnapshotSet select_trajectory(const SnapshotSet& set, Index j);

// Joins sets held in the same rows (same n and layout) trajectory after trajectory. Their
// parameters: the names the parts declare (the same in every part that declares any), and
// every numeric setting of the model in which the parts' provenance differs (so runs written
// one at a time with another -burgers_amplitude merge into a set parametrized by
// burgers_amplitude). A difference in n, in layout, in a setting that is not a number, or in
// declared names is refused, naming the part (contexts[i]) and the setting. The provenance is
// the first part's, bookkeeping (created, mpi_ranks) aside.
SnapshotSet merge_trajectories(const std::vector<SnapshotSet>& parts, const std::vector<std::string>& contexts);

// The first `fraction` of every trajectory's snapshots and the rest (each part keeps at least
// one snapshot of every trajectory): training on t ≤ F·T, testing beyond.
std::pair<SnapshotSet, SnapshotSet> split_time_window(const SnapshotSet& set, double fraction);

// The set's provenance with trajectory j's parameter values in place of the stored settings
// (an integer setting stays an integer): what rebuilds the model that ran trajectory j.
Attributes trajectory_provenance(const SnapshotSet& set, Index j);
// `provenance` with the named values in place, as above; a name the provenance lacks is an
// error naming `context` and the settings it has.
Attributes with_parameters(const Attributes& provenance, const std::vector<std::string>& names, const Vector& values,
                           const std::string& context);

// The range of each named parameter over the set's trajectories.
struct ParameterRange {
  std::string name;
  double lo = 0, hi = 0;
};
std::vector<ParameterRange> parameter_ranges(const SnapshotSet& set);
// The range of each parameter over the columns of `values` (p x J, rows named by `names`).
std::vector<ParameterRange> parameter_ranges(const std::vector<std::string>& names, const Matrix& values);
// Where a run leaves what a ROM was trained on, one line each: a named parameter outside its
// trained range ("burgers_amplitude = 1.3 outside the trained [0.9, 1.1]"), or another setting
// of the model (<model>_*, discretization in time aside) that differs from the training set's
// provenance `trained` ("burgers_amplitude = 0.9, trained at 1 only"). `run` is the run's
// model provenance. A ROM run there extrapolates.
std::vector<std::string> extrapolated_settings(const Attributes& trained, const std::vector<ParameterRange>& ranges,
                                               const Attributes& run);
// ... checking exactly the settings `keys` (a PETSc program's recorded options, whatever
// their names), where `run` has them.
std::vector<std::string> extrapolated_settings(const Attributes& trained, const std::vector<ParameterRange>& ranges,
                                               const Attributes& run, const std::vector<std::string>& keys);

}  // namespace metarom
