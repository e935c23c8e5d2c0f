#pragma once
// The reducer's part of a model file (data/FORMAT.md, kind `model`): the group /reducer (the
// fitted reducer, created by type name from the registry, reducer.hpp) and the group
// /training (what it was fitted on, so the full-order model can be rebuilt:
// create_model_from_provenance). The whole model file — these two and the optional learned
// latent dynamics — is rom/model_file.hpp's; this is what the reducers themselves need (the
// corrected autoencoder reads the autoencoder it corrects, the inverse map writes its own
// /training).
#include <memory>
#include <string>

#include "metarom/io/attributes.hpp"
#include "metarom/io/row_partition.hpp"
#include "metarom/io/snapshots.hpp"
#include "metarom/reducers/reducer.hpp"

namespace metarom {

// The group /training of model and inverse-map files.
struct TrainingRecord {
  long long n = 0;               // state size
  long long count = 0;           // snapshots fitted on
  std::string file;              // the training file's name as given to fit
  double fit_seconds = 0;
  FieldLayout layout;
  Attributes provenance;         // of the training set
  // A parametric training set (format version 2): its trajectories' parameter vectors
  // (p x J, rows named by parameter_names); empty for one trajectory without parameters.
  std::vector<std::string> parameter_names;
  Matrix parameters;
  long long trajectories = 1;
};

// Writes /training: size, count, file, fit time, creation time, layout and provenance of the
// set fitted on. `train` may be a header without states (snapshot_reader.hpp): the count is
// that of its times unless `count` is given (>= 0; an appended model counts every snapshot it
// has seen).
void write_training_group(h5::Group& root, const SnapshotSet& train, const std::string& training_file,
                          double fit_seconds, long long count = -1);
// Reads /training, its sizes checked before they size anything.
TrainingRecord read_training_group(const h5::Group& root);

// /reducer: the reducer's type and what its save() writes.
void write_reducer_group(h5::Group& root, const Reducer& reducer);
// The reducer of /reducer with its rows distributed by `rows` (rows.global must be the
// state size of /training, `n`; the file is named in every error).
std::unique_ptr<Reducer> read_reducer_group(const h5::Group& root, const RowPartition& rows, long long n);

// The reducer of the model file at `path` (checked against the schema first), rows
// distributed by `rows`; collective over rows.comm.
std::unique_ptr<Reducer> load_reducer(const std::string& path, const RowPartition& rows);

}  // namespace metarom
