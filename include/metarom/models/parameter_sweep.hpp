#pragma once
// Parameter vectors at which a model runs: a sweep's points, named after the model's settings
// as they appear in its provenance (burgers_amplitude, burgers_re, heat_kappa, qg_re, ...).
//
// Text form, parameters separated by ';': NAME=ITEM,ITEM,... where an item is a value or
// LO:HI:COUNT (COUNT values evenly spaced from LO to HI), e.g. burgers_amplitude=1,0.85:1.15:13. As a grid, every combination (the first name varying fastest);
// as a list, the i-th values of every name together (lists of equal length).
#include <mpi.h>

#include <functional>
#include <string>
#include <vector>

#include "metarom/io/attributes.hpp"
#include "metarom/io/snapshots.hpp"
#include "metarom/types.hpp"

namespace metarom {

struct ParameterSweep {
  enum class Mode { grid, list };
  std::vector<std::string> names;
  std::vector<Vector> points;  // each names.size() values

  // Throws naming `option` on text it cannot read (an empty list, a COUNT below 1, a name twice).
  static ParameterSweep parse(const std::string& text, Mode mode, const std::string& option);
  bool empty() const { return points.empty(); }
  // "burgers_amplitude = 0.9, burgers_re = 1e4": point i for progress lines and tables.
  std::string describe(size_t i) const;
};

// "name = value, ..." for a parameter vector (the names and values in order).
std::string describe_parameters(const std::vector<std::string>& names, const Vector& values);

// A sweep run: the model that `base` describes (its settings as provenance, e.g. a
// HeatConfig's to_attributes()) rebuilt at every point (create_model), run from its initial
// state, and the runs joined into one parametric set (merge_trajectories), each trajectory
// carrying its point as mu. `before_run(i)` (if given) is called before point i runs, for
// progress lines; `progress` shows each run's own progress; errors name `context` (the
// option or argument that gave the sweep) and the point. Collective over comm.
struct SweepRuns {
  SnapshotSet set;
  std::vector<double> seconds;  // each run's time integration (solve_seconds)
};
SweepRuns simulate_sweep(MPI_Comm comm, const Attributes& base, const ParameterSweep& sweep, bool progress,
                         const std::string& context, const std::function<void(size_t)>& before_run = nullptr);

}  // namespace metarom
