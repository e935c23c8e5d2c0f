#include "metarom/reducers/reducer_file.hpp"

#include <fmt/format.h>

#include "metarom/error.hpp"
#include "metarom/io/file_schema.hpp"
#include "metarom/io/hdf5_file.hpp"

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
  if (train.trajectory_count() > 1 || !train.parameter_names.empty()) {
    // Trajectory-major values: trajectory j's p parameters, then j+1's.
    std::vector<double> values;
    for (Index j = 0; j < train.trajectory_count(); ++j) {
      const Vector p = train.trajectory_parameters(j);
      values.insert(values.end(), p.data(), p.data() + p.size());
    }
    Attributes a;
    a.set("count", static_cast<long long>(train.trajectory_count()));
    a.set("parameter_names", train.parameter_names);
    a.set("parameter_values", values);
    tg.create_group("trajectories").write_attributes(a);
  }
}

TrainingRecord read_training_group(const h5::Group& root) {
  const h5::Group tg = root.open_group("training");
  const Attributes ta = tg.read_attributes();
  TrainingRecord t;
  t.n = ta.get_int("n", tg.where(), 1, 1LL << 50);  // a state size, checked before it sizes anything
  t.count = ta.get_int("count", tg.where(), 0, 1LL << 50);
  t.file = ta.has("file") ? ta.get_string("file", tg.where()) : "";
  t.fit_seconds = ta.has("fit_seconds") ? ta.get_double("fit_seconds", tg.where()) : 0.0;
  t.layout = read_layout(tg);
  if (tg.has("provenance")) t.provenance = tg.open_group("provenance").read_attributes();
  if (tg.has("trajectories")) {
    const h5::Group jg = tg.open_group("trajectories");
    const Attributes a = jg.read_attributes();
    t.trajectories = a.get_int("count", jg.where(), 1, 1LL << 40);
    t.parameter_names = a.get_strings("parameter_names", jg.where());
    std::vector<double> values;
    if (!a.has("parameter_values")) throw Error(jg.where() + ": attribute 'parameter_values' is missing");
    const auto& raw = a.values().at("parameter_values");
    if (auto v = std::get_if<std::vector<double>>(&raw)) values = *v;
    else if (auto d = std::get_if<double>(&raw)) values = {*d};
    const size_t p = t.parameter_names.size();
    if (values.size() != p * static_cast<size_t>(t.trajectories))
      throw Error(fmt::format("{}: {} parameter values for {} trajectories of {} parameter(s)", jg.where(), values.size(),
                              t.trajectories, p));
    t.parameters = Eigen::Map<const Matrix>(values.data(), static_cast<Index>(p), static_cast<Index>(t.trajectories));
  }
  return t;
}

void write_reducer_group(h5::Group& root, const Reducer& reducer) {
  h5::Group rg = root.create_group("reducer");
  Attributes ra;
  ra.set("type", reducer.type());
  rg.write_attributes(ra);
  reducer.save(rg);
}

std::unique_ptr<Reducer> read_reducer_group(const h5::Group& root, const RowPartition& rows, long long n) {
  if (rows.global != n)
    throw Error(fmt::format("{}: the model is for states of size {}, the target has {}", root.file(), n, rows.global));
  const h5::Group rg = root.open_group("reducer");
  std::unique_ptr<Reducer> reducer;
  try {
    reducer = create_reducer(rg.read_attributes().get_string("type", rg.where()));
  } catch (const Error& e) {
    throw Error(fmt::format("{}: {}", rg.where(), e.what()));
  }
  reducer->load(rg, rows);
  return reducer;
}

std::unique_ptr<Reducer> load_reducer(const std::string& path, const RowPartition& rows) {
  h5::File f = h5::File::open(path, rows.comm);
  h5::check_structure(f.root(), "model");
  return read_reducer_group(f.root(), rows, read_training_group(f.root()).n);
}

}  // namespace metarom
