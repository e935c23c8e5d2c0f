#pragma once
// Model files (data/FORMAT.md, kind `model`): a fitted reducer together with what it was
// fitted on (provenance and layout of the training snapshots, so the full-order model can
// be rebuilt: create_model_from_provenance) and, optionally, learned latent dynamics.
// The reducer's groups are read and written by reducers/reducer_file.hpp; this adds the
// dynamics. To load a model and run its ROM in one step, see rom/reduced_model.hpp.
#include <functional>
#include <memory>
#include <string>

#include "metarom/io/attributes.hpp"
#include "metarom/io/row_partition.hpp"
#include "metarom/io/snapshots.hpp"
#include "metarom/reducers/reducer.hpp"
#include "metarom/reducers/reducer_file.hpp"

namespace metarom {

class LearnedDynamics;
struct HyperReduction;

struct ModelFile {
  std::unique_ptr<Reducer> reducer;
  TrainingRecord training;  // what it was fitted on (/training): n, count, file, layout, provenance, parameters
  // Learned latent dynamics fitted with the reducer (`fit -latent_dynamics learned`,
  // learned_dynamics.hpp), or null.
  std::shared_ptr<const LearnedDynamics> dynamics;
  // The sample rows and right-hand-side basis of a hyper-reduced Galerkin ROM (`fit -hr_method
  // deim`, hyper_reduction.hpp), or null.
  std::shared_ptr<const HyperReduction> hyper_reduction;
};

// `dynamics` (optional) is saved in the group /latent_dynamics, `hyper_reduction` in
// /hyper_reduction.
void save_model(const std::string& path, const Reducer& reducer, const SnapshotSet& train,
                const std::string& training_file, double fit_seconds, const LearnedDynamics* dynamics = nullptr,
                long long count = -1, const HyperReduction* hyper_reduction = nullptr);
// Reads what the model was fitted on first, then the reducer with its rows distributed
// as `rows_for(header)` says (header: everything but the reducer); PETSc's default split
// of n over comm when rows_for is empty.
ModelFile load_model(const std::string& path, MPI_Comm comm,
                     const std::function<RowPartition(const ModelFile& header)>& rows_for = nullptr);
// ... with the reducer's rows distributed as `rows` (on rows.comm).
ModelFile load_model(const std::string& path, const RowPartition& rows);

}  // namespace metarom
