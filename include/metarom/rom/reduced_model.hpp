#pragma once
// Load a saved model and run its ROM: the reducer, its learned latent dynamics (if it was
// fitted with any) and the full-order model it was fitted on, rebuilt from the file's
// provenance (PETSc options such as -heat_steps or -burgers_amplitude override the stored
// settings), with the reducer's rows distributed like the full model's.
//
//   metarom::ReducedModel model = metarom::load_reduced_model("pod.h5", PETSC_COMM_WORLD);
//   const metarom::LatentRom rom = model.rom();                 // RomKind::automatic
//   const metarom::RomRun run = model.run(rom);                  // from x(t0), the model's grid
//   const metarom::SnapshotSet full = model.full_model().simulate(false);
//   const metarom::RomErrors e = model.errors(run, full);        // e.rel_error, e.in_time, ...
//
// examples/load_and_run.cpp is a complete program. Models fitted on a recording of a PETSc
// program (the plugin) have no full model here: run them through the program (-ts_type rom).
#include <memory>
#include <string>

#include "metarom/models/model.hpp"
#include "metarom/reducers/reducer.hpp"
#include "metarom/rom/latent_rom.hpp"
#include "metarom/rom/model_file.hpp"
#include "metarom/rom/rom_run.hpp"

namespace metarom {

class LearnedDynamics;

class ReducedModel {
 public:
  ReducedModel(ReducedModel&&) noexcept;
  ReducedModel& operator=(ReducedModel&&) noexcept;
  ~ReducedModel();

  const std::string& path() const { return path_; }
  const Reducer& reducer() const { return *file_.reducer; }
  // Null unless the model file carries learned dynamics or a closure.
  const std::shared_ptr<const LearnedDynamics>& dynamics() const { return file_.dynamics; }
  // What the model was fitted on (training file, count, provenance, layout).
  const ModelFile& file() const { return file_; }
  const FullOrderModel& full_model() const { return *full_; }
  FullOrderModel& full_model() { return *full_; }  // to simulate it

  // Where the full model as rebuilt (options applied) leaves what the reducer was trained on:
  // parameters outside their trained range, other settings changed (extrapolated_settings,
  // io/trajectory_set.hpp); empty when it stays inside. A ROM run there extrapolates.
  std::vector<std::string> extrapolation() const;

  // The latent ROM of the given kind (construction does its offline work: projections);
  // settings.prefix names its options (-rom_ts_type, -rom_manifold_damping).
  LatentRom rom(RomKind kind = RomKind::automatic, const LatentRomSettings& settings = {}) const;
  // Encodes x0, advances the latent state over `grid`, decodes the final state.
  RomRun run(const LatentRom& rom, const Vector& x0, const TimeGrid& grid) const;
  // ... from the full model's initial state over its time grid.
  RomRun run(const LatentRom& rom) const;
  // The decoded trajectory of a run, with the full model's layout and provenance (and the ROM's).
  SnapshotSet decode(const RomRun& run) const;
  // Relative errors of the decoded run against snapshots of the full model at the same times.
  RomErrors errors(const RomRun& run, const SnapshotSet& reference) const;

 private:
  friend ReducedModel load_reduced_model(const std::string& path, MPI_Comm comm);
  ReducedModel() = default;

  std::string path_;
  std::unique_ptr<FullOrderModel> full_;
  ModelFile file_;
};

// Reads the model file at `path` and rebuilds its full-order model on `comm` (collective).
// Throws, naming the file, when the provenance names no model metarom can rebuild or when the
// rebuilt model's state size differs from the model's (grid options changed).
ReducedModel load_reduced_model(const std::string& path, MPI_Comm comm);

}  // namespace metarom
