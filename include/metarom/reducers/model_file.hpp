#pragma once
// Model files (data/FORMAT.md, kind `model`): a fitted reducer together with what it was
// fitted on (provenance and layout of the training snapshots, so the full-order model can
// be rebuilt: create_model_from_provenance) and, optionally, learned latent dynamics.
// The reducer inside is created by type name from the registry (reducer.hpp).
#include <functional>
#include <memory>
#include <string>

#include "metarom/io/attributes.hpp"
#include "metarom/io/row_partition.hpp"
#include "metarom/io/snapshots.hpp"
#include "metarom/reducers/reducer.hpp"

namespace metarom {

class LearnedDynamics;

struct ModelFile {
  std::unique_ptr<Reducer> reducer;
  Attributes training_provenance;
  FieldLayout layout;
  long long n = 0;                // state size
  long long training_count = 0;   // snapshots fitted on
  std::string training_file;
  double fit_seconds = 0;
  // Learned latent dynamics fitted with the reducer (`fit -latent_dynamics learned`,
  // learned_dynamics.hpp), or null.
  std::shared_ptr<const LearnedDynamics> dynamics;
};

// The group /training of model and inverse-map files: size, count, file, fit time, creation
// time, layout and provenance of the set fitted on. `train` may be a header without states
// (snapshot_reader.hpp): the count is that of its times unless `count` is given (>= 0; an
// appended model counts every snapshot it has seen).
void write_training_group(h5::Group& root, const SnapshotSet& train, const std::string& training_file,
                          double fit_seconds, long long count = -1);

// `dynamics` (optional) is saved in the group /latent_dynamics.
void save_model(const std::string& path, const Reducer& reducer, const SnapshotSet& train,
                const std::string& training_file, double fit_seconds, const LearnedDynamics* dynamics = nullptr,
                long long count = -1);
// Reads what the model was fitted on first, then the reducer with its rows distributed
// as `rows_for(header)` says (header: everything but the reducer); PETSc's default split
// of n over comm when rows_for is empty.
ModelFile load_model(const std::string& path, MPI_Comm comm,
                     const std::function<RowPartition(const ModelFile& header)>& rows_for = nullptr);

}  // namespace metarom
