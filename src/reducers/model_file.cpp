#include "metarom/reducers/model_file.hpp"

#include <fmt/format.h>

#include "metarom/error.hpp"
#include "metarom/io/file_schema.hpp"
#include "metarom/io/hdf5_file.hpp"
#include "metarom/rom/learned_dynamics.hpp"

namespace metarom {

void write_training_group(h5::Group& root, const SnapshotSet& train, const std::string& training_file,
                          double fit_seconds, long long count) {
  h5::Group tg = root.create_group("training");
  Attributes ta;
  ta.set("n", train.n());
  ta.set("count", count >= 0 ? count : static_cast<long long>(train.t.size()));
  ta.set("file", training_file);
  ta.set("fit_seconds", fit_seconds);
  ta.set("created", iso_time_now());
  tg.write_attributes(ta);
  write_layout(tg, train.layout);
  h5::Group pg = tg.create_group("provenance");
  pg.write_attributes(train.provenance);
}

void save_model(const std::string& path, const Reducer& reducer, const SnapshotSet& train,
                const std::string& training_file, double fit_seconds, const LearnedDynamics* dynamics,
                long long count) {
  h5::File f = h5::File::create(path, reducer.rows().comm);
  h5::write_header(f.root(), "model");
  h5::Group rg = f.root().create_group("reducer");
  Attributes ra;
  ra.set("type", reducer.type());
  rg.write_attributes(ra);
  reducer.save(rg);

  write_training_group(f.root(), train, training_file, fit_seconds, count);
  if (dynamics) {
    h5::Group dg = f.root().create_group("latent_dynamics");
    dynamics->save(dg);
  }
  f.commit();
}

ModelFile load_model(const std::string& path, MPI_Comm comm,
                     const std::function<RowPartition(const ModelFile&)>& rows_for) {
  h5::File f = h5::File::open(path, comm);
  h5::check_structure(f.root(), "model");
  ModelFile m;
  const h5::Group tg = f.root().open_group("training");
  const Attributes ta = tg.read_attributes();
  m.n = ta.get_int("n", tg.where(), 1, 1LL << 50);  // a state size, checked before it sizes anything
  m.training_count = ta.get_int("count", tg.where(), 0, 1LL << 50);
  m.training_file = ta.has("file") ? ta.get_string("file", tg.where()) : "";
  m.fit_seconds = ta.has("fit_seconds") ? ta.get_double("fit_seconds", tg.where()) : 0.0;
  m.layout = read_layout(tg);
  if (tg.has("provenance")) m.training_provenance = tg.open_group("provenance").read_attributes();

  const RowPartition rows = rows_for ? rows_for(m) : RowPartition::split(comm, m.n);
  if (rows.global != m.n)
    throw Error(fmt::format("{}: the model is for states of size {}, the target has {}", path, m.n, rows.global));
  const h5::Group rg = f.root().open_group("reducer");
  try {
    m.reducer = create_reducer(rg.read_attributes().get_string("type", rg.where()));
  } catch (const Error& e) {
    throw Error(fmt::format("{}: {}", rg.where(), e.what()));
  }
  m.reducer->load(rg, rows);
  if (f.root().has("latent_dynamics")) {
    auto d = std::make_shared<LearnedDynamics>(LearnedDynamics::load(f.root().open_group("latent_dynamics")));
    if (d->dim() != m.reducer->latent_dim())
      throw Error(fmt::format("{}:/latent_dynamics: dynamics for r = {}, the reducer has r = {}", path, d->dim(),
                              m.reducer->latent_dim()));
    m.dynamics = std::move(d);
  }
  return m;
}

}  // namespace metarom
