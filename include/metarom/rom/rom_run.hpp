#pragma once
// Running a latent ROM from a full state and measuring it against the full model's run:
// the one procedure behind `metarom rom`, `metarom compare`, the PETSc plugin's reduced
// run and the examples (docs/design.md, "Running a ROM").
//
//   online phase  u0 = E(x(t0)), advance u over the grid, x(T) = D(u(T)); timed together,
//                 as a user pays for them (the offline projection is not included);
//   decoded run   D(u(t)) at every recorded time, as a snapshot set in the full run's rows;
//   errors        ‖x_rom(t) − x(t)‖/‖x(t)‖ per time, ‖X_rom − X‖_F/‖X‖_F over the run.
#include <functional>
#include <vector>

#include "metarom/io/snapshots.hpp"
#include "metarom/models/model.hpp"
#include "metarom/reducers/reducer.hpp"
#include "metarom/rom/galerkin_rom.hpp"
#include "metarom/types.hpp"

namespace metarom {

class LatentRom;

struct RomRun {
  LatentTrajectory latent;  // u(t) at the recorded times
  Matrix final_state;       // D(u(T)), local rows (one column)
  double online_seconds = 0;
  double us_per_step() const {
    return latent.steps ? 1e6 * latent.seconds / static_cast<double>(latent.steps) : 0.0;
  }
};

// The online phase with any latent integrator: `advance` maps u0 to the latent trajectory.
// Starts with a barrier on the reducer's communicator so the time is every rank's.
RomRun run_rom(const Reducer& reducer, const Matrix& x0, const std::function<LatentTrajectory(const Vector&)>& advance);
// ... with a LatentRom over `grid`.
RomRun run_rom(const LatentRom& rom, const Reducer& reducer, const Matrix& x0, const TimeGrid& grid);

// The latent ROM's time grid: the model's, each step `dt_multiple` of the model's (0: its
// default_rom_dt_multiple()); throws, naming -rom_dt_multiple, unless that divides the
// snapshot stride and the steps.
TimeGrid rom_time_grid(const FullOrderModel& model, int dt_multiple = 0);

// The decoded trajectory D(u(t)) with the given rows, layout and provenance.
SnapshotSet decode_trajectory(const Reducer& reducer, const LatentTrajectory& latent, const RowPartition& rows,
                              const FieldLayout& layout, const Attributes& provenance);

struct RomErrors {
  bool finite = true;                  // false: the ROM produced NaN/Inf (errors are then inf)
  std::vector<double> in_time;         // ‖x_rom(t_k) − x(t_k)‖ / ‖x(t_k)‖
  double rel_error = 0;                // ‖X_rom − X‖_F / ‖X‖_F over the run
  double final_rel_error = 0;          // at the last recorded time
};
// Errors of a decoded ROM run against the full run (same rows and times; collective).
RomErrors rom_errors(const Matrix& rom, const Matrix& full, MPI_Comm comm);

}  // namespace metarom
