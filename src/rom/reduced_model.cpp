#include "metarom/rom/reduced_model.hpp"

#include <fmt/format.h>

#include "metarom/error.hpp"
#include "metarom/io/trajectory_set.hpp"
#include "metarom/rom/learned_dynamics.hpp"

namespace metarom {

ReducedModel::ReducedModel(ReducedModel&&) noexcept = default;
ReducedModel& ReducedModel::operator=(ReducedModel&&) noexcept = default;
ReducedModel::~ReducedModel() = default;

ReducedModel load_reduced_model(const std::string& path, MPI_Comm comm) {
  ReducedModel m;
  m.path_ = path;
  // The full model first, so the reducer's rows are read in its distribution.
  m.file_ = load_model(path, comm, [&](const ModelFile& header) {
    m.full_ = create_model_from_provenance(comm, header.training.provenance, path + ":/training/provenance");
    if (m.full_->rows().global != header.training.n)
      throw Error(fmt::format("{}: the model is for states of {} values, the rebuilt {} model has {} (grid options "
                              "changed?)",
                              path, header.training.n, m.full_->name(), m.full_->rows().global));
    return m.full_->rows();
  });
  return m;
}

std::vector<std::string> ReducedModel::extrapolation() const {
  const TrainingRecord& t = file_.training;
  return extrapolated_settings(t.provenance, parameter_ranges(t.parameter_names, t.parameters), full_->provenance());
}

LatentRom ReducedModel::rom(RomKind kind, const LatentRomSettings& settings) const {
  return LatentRom(kind, *full_, reducer(), file_.dynamics, settings, file_.hyper_reduction);
}

RomRun ReducedModel::run(const LatentRom& rom, const Vector& x0, const TimeGrid& grid) const {
  return run_rom(rom, reducer(), x0, grid);
}

RomRun ReducedModel::run(const LatentRom& rom) const { return run(rom, full_->initial_state(), full_->time_grid()); }

SnapshotSet ReducedModel::decode(const RomRun& run) const {
  Attributes provenance = full_->provenance();
  provenance.set("rom_model_file", path_);
  provenance.set("rom_ts_type", run.latent.ts_type);
  return decode_trajectory(reducer(), run.latent, full_->rows(), full_->layout(), provenance);
}

RomErrors ReducedModel::errors(const RomRun& run, const SnapshotSet& reference) const {
  if (reference.count() != run.latent.U.cols())
    throw Error(fmt::format("{}: the ROM recorded {} states, the reference has {} (different time grids?)", path_,
                            run.latent.U.cols(), reference.count()));
  return rom_errors(reducer().decode(run.latent.U), reference.X, full_->rows().comm);
}

}  // namespace metarom
