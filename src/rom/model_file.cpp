#include "metarom/rom/model_file.hpp"

#include <fmt/format.h>

#include "metarom/error.hpp"
#include "metarom/io/file_schema.hpp"
#include "metarom/io/hdf5_file.hpp"
#include "metarom/rom/hyper_reduction.hpp"
#include "metarom/rom/learned_dynamics.hpp"

namespace metarom {

void save_model(const std::string& path, const Reducer& reducer, const SnapshotSet& train,
                const std::string& training_file, double fit_seconds, const LearnedDynamics* dynamics,
                long long count, const HyperReduction* hyper_reduction) {
  h5::File f = h5::File::create(path, reducer.rows().comm);
  h5::write_header(f.root(), "model");
  write_reducer_group(f.root(), reducer);
  write_training_group(f.root(), train, training_file, fit_seconds, count);
  if (dynamics) {
    h5::Group dg = f.root().create_group("latent_dynamics");
    dynamics->save(dg);
  }
  if (hyper_reduction) {
    h5::Group hg = f.root().create_group("hyper_reduction");
    hyper_reduction->save(hg, reducer.rows());
  }
  f.commit();
}

ModelFile load_model(const std::string& path, MPI_Comm comm,
                     const std::function<RowPartition(const ModelFile&)>& rows_for) {
  h5::File f = h5::File::open(path, comm);
  h5::check_structure(f.root(), "model");
  ModelFile m;
  m.training = read_training_group(f.root());
  const RowPartition rows = rows_for ? rows_for(m) : RowPartition::split(comm, m.training.n);
  m.reducer = read_reducer_group(f.root(), rows, m.training.n);
  if (f.root().has("latent_dynamics")) {
    auto d = std::make_shared<LearnedDynamics>(LearnedDynamics::load(f.root().open_group("latent_dynamics")));
    if (d->dim() != m.reducer->latent_dim())
      throw Error(fmt::format("{}:/latent_dynamics: dynamics for r = {}, the reducer has r = {}", path, d->dim(),
                              m.reducer->latent_dim()));
    m.dynamics = std::move(d);
  }
  if (f.root().has("hyper_reduction"))
    m.hyper_reduction = std::make_shared<HyperReduction>(HyperReduction::load(f.root().open_group("hyper_reduction"), rows));
  return m;
}

ModelFile load_model(const std::string& path, const RowPartition& rows) {
  return load_model(path, rows.comm, [&](const ModelFile&) { return rows; });
}

}  // namespace metarom
