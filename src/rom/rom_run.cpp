#include "metarom/rom/rom_run.hpp"

#include <fmt/format.h>

#include <cmath>

#include "metarom/error.hpp"
#include "metarom/reducers/metrics.hpp"
#include "metarom/rom/latent_rom.hpp"

namespace metarom {

RomRun run_rom(const Reducer& reducer, const Matrix& x0, const std::function<LatentTrajectory(const Vector&)>& advance) {
  if (x0.cols() != 1) throw Error(fmt::format("run_rom: the initial state must be one column, got {}", x0.cols()));
  RomRun run;
  MPI_Barrier(reducer.rows().comm);
  const double start = MPI_Wtime();
  const Vector u0 = reducer.encode(x0).col(0);
  run.latent = advance(u0);
  run.final_state = reducer.decode(run.latent.U.rightCols(1));
  run.online_seconds = MPI_Wtime() - start;
  return run;
}

TimeGrid rom_time_grid(const FullOrderModel& model, int dt_multiple) {
  const TimeGrid& g = model.time_grid();
  const int k = dt_multiple == 0 ? model.default_rom_dt_multiple() : dt_multiple;
  if (k < 1 || g.stride % k != 0 || g.steps % k != 0)
    throw Error(fmt::format("-rom_dt_multiple {} must divide the snapshot stride {} and the steps {}", k, g.stride, g.steps));
  return TimeGrid{g.t0, g.t_final, g.steps / k, g.stride / k};
}

RomRun run_rom(const LatentRom& rom, const Reducer& reducer, const Matrix& x0, const TimeGrid& grid) {
  return run_rom(reducer, x0, [&](const Vector& u0) { return rom.solve(u0, grid); });
}

SnapshotSet decode_trajectory(const Reducer& reducer, const LatentTrajectory& latent, const RowPartition& rows,
                              const FieldLayout& layout, const Attributes& provenance) {
  SnapshotSet decoded;
  decoded.rows = rows;
  decoded.X = reducer.decode(latent.U);
  decoded.t = latent.t;
  decoded.layout = layout;
  decoded.provenance = provenance;
  return decoded;
}

RomErrors rom_errors(const Matrix& rom, const Matrix& full, MPI_Comm comm) {
  if (rom.rows() != full.rows() || rom.cols() != full.cols())
    throw Error(fmt::format("rom_errors: the ROM run has {} x {} local values, the full run {} x {} (adaptive "
                            "time steps?)",
                            rom.rows(), rom.cols(), full.rows(), full.cols()));
  RomErrors e;
  e.finite = every_rank(comm, rom.allFinite());
  // Per column: squared misfit and squared reference, reduced in one call.
  Matrix parts(2, full.cols());
  parts.row(0) = (rom - full).colwise().squaredNorm();
  parts.row(1) = full.colwise().squaredNorm();
  allreduce_sum(comm, parts.data(), parts.size());
  e.in_time.resize(full.cols());
  for (Index j = 0; j < full.cols(); ++j) e.in_time[j] = std::sqrt(parts(0, j) / std::max(parts(1, j), 1e-300));
  if (!e.finite) {
    e.rel_error = e.final_rel_error = INFINITY;
    return e;
  }
  // Over the run as ‖X_rom − X‖_F / ‖X‖_F summed whole (the programs' figure before this
  // component existed, to the last digit).
  e.rel_error = std::sqrt(distributed_squared_distance(rom, full, comm) / allreduce_sum(comm, full.squaredNorm()));
  e.final_rel_error = full.cols() ? e.in_time.back() : 0.0;
  return e;
}

}  // namespace metarom
