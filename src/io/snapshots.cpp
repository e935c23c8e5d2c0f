#include "metarom/snapshots.hpp"

#include <fmt/format.h>

#include "metarom/error.hpp"
#include "metarom/hdf5_file.hpp"

namespace metarom {

long long FieldLayout::points() const {
  if (dims.empty()) return 0;
  long long p = 1;
  for (long long d : dims) p *= d;
  return p;
}

long long FieldLayout::size() const { return points() * static_cast<long long>(fields.empty() ? 1 : fields.size()); }

void SnapshotSet::validate(const std::string& context) const {
  if (X.rows() != rows.local())
    throw Error(fmt::format("{}: states have {} local rows, the partition owns {}", context, X.rows(), rows.local()));
  if (t.size() != X.cols())
    throw Error(fmt::format("{}: {} times for {} snapshots", context, t.size(), X.cols()));
  if (mu.size() > 0 && mu.cols() != X.cols())
    throw Error(fmt::format("{}: parameters for {} snapshots, states for {}", context, mu.cols(), X.cols()));
  if (!layout.dims.empty() && layout.size() != n())
    throw Error(fmt::format("{}: grid layout describes {} values per state, states have {}", context, layout.size(), n()));
}

void write_layout(h5::Group& g, const FieldLayout& layout) {
  h5::Group lg = g.create_group("layout");
  Attributes a;
  a.set("dims", layout.dims);
  a.set("fields", layout.fields);
  a.set("ordering", layout.ordering);
  if (!layout.lower.empty()) a.set("lower", layout.lower);
  if (!layout.upper.empty()) a.set("upper", layout.upper);
  lg.write_attributes(a);
}

FieldLayout read_layout(const h5::Group& g) {
  FieldLayout layout;
  if (!g.has("layout")) return layout;
  const h5::Group lg = g.open_group("layout");
  const Attributes a = lg.read_attributes();
  const std::string ctx = lg.where();
  if (a.has("dims")) layout.dims = a.get_ints("dims", ctx);
  if (a.has("fields")) layout.fields = a.get_strings("fields", ctx);
  if (a.has("ordering")) layout.ordering = a.get_string("ordering", ctx);
  auto doubles = [&](const char* key) {
    std::vector<double> v;
    if (!a.has(key)) return v;
    const auto& raw = a.values().at(key);
    if (auto p = std::get_if<std::vector<double>>(&raw)) return *p;
    if (auto p = std::get_if<double>(&raw)) return std::vector<double>{*p};
    throw Error(fmt::format("{}: attribute '{}' must be a list of numbers", ctx, key));
  };
  layout.lower = doubles("lower");
  layout.upper = doubles("upper");
  for (long long d : layout.dims)
    if (d <= 0) throw Error(fmt::format("{}: grid dimensions must be positive, got {}", ctx, to_string(layout.dims)));
  return layout;
}

void write_snapshot_content(h5::Group& g, const SnapshotSet& set) {
  set.validate(g.file());
  g.write_rows("states", set.X, set.rows);
  g.write_vector("time", set.t);
  if (set.mu.size() > 0) g.write_matrix("parameters", set.mu);
  write_layout(g, set.layout);
  h5::Group pg = g.create_group("provenance");
  pg.write_attributes(set.provenance);
}

long long stored_state_size(const h5::Group& g) {
  const auto shape = g.shape("states");
  if (shape.size() != 2)
    throw Error(fmt::format("{}: has rank {}, expected a 2-D data set", g.where("states"), shape.size()));
  return shape[1];
}

SnapshotSet read_snapshot_content(const h5::Group& g, const RowPartition& rows) {
  SnapshotSet s;
  s.rows = rows;
  s.X = g.read_rows("states", rows);
  s.t = g.read_vector("time");
  if (s.t.size() != s.X.cols())
    throw Error(fmt::format("{}: has {} times, but {} holds {} snapshots", g.where("time"), s.t.size(), g.where("states"),
                            s.X.cols()));
  if (g.has("parameters")) s.mu = g.read_matrix("parameters", -1, s.X.cols());
  s.layout = read_layout(g);
  if (!s.layout.dims.empty() && s.layout.size() != rows.global)
    throw Error(fmt::format("{}: describes {} values per state, but {} has {}", g.where("layout"), s.layout.size(),
                            g.where("states"), rows.global));
  if (g.has("provenance")) s.provenance = g.open_group("provenance").read_attributes();
  return s;
}

void write_snapshots(const std::string& path, const SnapshotSet& set) {
  h5::File f = h5::File::create(path, set.rows.comm);
  h5::write_header(f.root(), "snapshots");
  write_snapshot_content(f.root(), set);
  f.commit();
}

namespace {
// Trajectory files hold a snapshot set too (the decoded states): both read as snapshots.
void check_snapshot_kind(const h5::Group& root) {
  const std::string kind = h5::check_header(root);
  if (kind != "snapshots" && kind != "trajectory")
    throw Error(fmt::format("{}: holds a '{}', expected a 'snapshots' or 'trajectory' file", root.file(), kind));
}
}  // namespace

SnapshotSet read_snapshots(const std::string& path, MPI_Comm comm) {
  h5::File f = h5::File::open(path, comm);
  check_snapshot_kind(f.root());
  return read_snapshot_content(f.root(), RowPartition::split(comm, stored_state_size(f.root())));
}

SnapshotSet read_snapshots(const std::string& path, const RowPartition& rows) {
  h5::File f = h5::File::open(path, rows.comm);
  check_snapshot_kind(f.root());
  const long long n = stored_state_size(f.root());
  if (n != rows.global)
    throw Error(fmt::format("{}: states have {} values each, expected {}", f.root().where("states"), n, rows.global));
  return read_snapshot_content(f.root(), rows);
}

void write_trajectory(const std::string& path, const SnapshotSet& decoded, const Matrix& latent) {
  if (latent.cols() != decoded.count())
    throw Error(fmt::format("{}: {} latent states for {} decoded ones", path, latent.cols(), decoded.count()));
  h5::File f = h5::File::create(path, decoded.rows.comm);
  h5::write_header(f.root(), "trajectory");
  write_snapshot_content(f.root(), decoded);
  f.root().write_matrix("latent", latent);
  f.commit();
}

}  // namespace metarom
