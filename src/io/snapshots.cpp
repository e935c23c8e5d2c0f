#include "metarom/io/snapshots.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "metarom/error.hpp"
#include "metarom/io/file_schema.hpp"
#include "metarom/io/hdf5_file.hpp"
#include "metarom/io/text_file.hpp"

namespace metarom {

long long FieldLayout::points() const {
  if (dims.empty()) return 0;
  long long p = 1;
  for (long long d : dims) p *= d;
  return p;
}

long long FieldLayout::size() const { return points() * static_cast<long long>(fields.empty() ? 1 : fields.size()); }

void SnapshotSet::validate(const std::string& context) const { SnapshotView(*this).validate(context); }

SnapshotView::SnapshotView(const SnapshotSet& set) : SnapshotView(set.X, set) {}

SnapshotView::SnapshotView(MatrixView states, const SnapshotSet& rest)
    : X(states),
      t(rest.t),
      mu(rest.mu),
      parameter_names(rest.parameter_names),
      starts(rest.starts),
      layout(rest.layout),
      provenance(rest.provenance),
      rows(rest.rows),
      complete(rest.complete) {}

SnapshotSet SnapshotView::header() const {
  SnapshotSet h;
  h.X.resize(rows.local(), 0);
  h.t = t;
  h.mu = mu;
  h.parameter_names = parameter_names;
  h.starts = starts;
  h.layout = layout;
  h.provenance = provenance;
  h.rows = rows;
  h.complete = complete;
  return h;
}

void SnapshotView::validate(const std::string& context) const {
  if (X.rows() != rows.local())
    throw Error(fmt::format("{}: states have {} local rows, the partition owns {}", context, X.rows(), rows.local()));
  if (t.size() != X.cols())
    throw Error(fmt::format("{}: {} times for {} snapshots", context, t.size(), X.cols()));
  if (mu.size() > 0 && mu.cols() != X.cols())
    throw Error(fmt::format("{}: parameters for {} snapshots, states for {}", context, mu.cols(), X.cols()));
  if (!layout.dims.empty() && layout.size() != n())
    throw Error(fmt::format("{}: grid layout describes {} values per state, states have {}", context, layout.size(), n()));
  if (!parameter_names.empty() && static_cast<Index>(parameter_names.size()) != mu.rows())
    throw Error(fmt::format("{}: {} parameter names for {} parameters per snapshot", context, parameter_names.size(),
                            mu.rows()));
  for (size_t a = 0; a < parameter_names.size(); ++a)
    for (size_t b = 0; b < a; ++b)
      if (parameter_names[a] == parameter_names[b])
        throw Error(fmt::format("{}: parameter '{}' is named twice", context, parameter_names[a]));
  if (!starts.empty()) {
    if (starts[0] != 0) throw Error(fmt::format("{}: the first trajectory starts at snapshot {}, not 0", context, starts[0]));
    for (size_t j = 1; j < starts.size(); ++j)
      if (starts[j] <= starts[j - 1] || starts[j] >= X.cols())
        throw Error(fmt::format("{}: trajectory starts {} are not increasing snapshot indices below {}", context,
                                to_string(std::vector<long long>(starts.begin(), starts.end())), X.cols()));
  }
}

Index SnapshotSet::trajectory_end(Index j) const {
  if (j < 0 || j >= trajectory_count())
    throw Error(fmt::format("trajectory {} of a set of {}", j, trajectory_count()));
  return j + 1 < trajectory_count() ? starts[j + 1] : static_cast<Index>(t.size());  // t: also in a header
}

Vector SnapshotSet::trajectory_parameters(Index j) const {
  const Index first = trajectory_begin(j);
  if (mu.rows() == 0 || first >= mu.cols()) return Vector();
  return mu.col(first);
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
  long double points = 1;
  for (long long d : layout.dims) {
    if (d <= 0) throw Error(fmt::format("{}: grid dimensions must be positive, got {}", ctx, to_string(layout.dims)));
    points *= d;
  }
  // Checked before anything multiplies them in 64-bit integers (FieldLayout::size()).
  if (points * std::max<size_t>(layout.fields.size(), 1) > 1e15L)
    throw Error(fmt::format("{}: grid dimensions {} describe more than 1e15 values per state", ctx, to_string(layout.dims)));
  return layout;
}

void write_snapshot_content(h5::Group& g, const SnapshotSet& set) {
  set.validate(g.file());
  g.write_rows("states", set.X, set.rows);
  g.write_vector("time", set.t);
  if (set.mu.size() > 0) g.write_matrix("parameters", set.mu);
  // Format version 2: the trajectories and the parameters' names (absent: one trajectory).
  if (set.starts.size() > 1 || !set.parameter_names.empty()) {
    h5::Group tg = g.create_group("trajectories");
    Attributes a;
    a.set("start", std::vector<long long>(set.starts.begin(), set.starts.end()));
    a.set("parameter_names", set.parameter_names);
    tg.write_attributes(a);
  }
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

// /trajectories (format version 2), checked against the snapshots the file holds.
static void read_trajectories(const h5::Group& g, SnapshotSet& s, long long stored) {
  const h5::Group tg = g.open_group("trajectories");
  const Attributes a = tg.read_attributes();
  const std::string ctx = tg.where();
  if (a.has("start")) {
    for (long long v : a.get_ints("start", ctx)) s.starts.push_back(static_cast<Index>(v));
    if (s.starts.size() == 1) s.starts.clear();  // one trajectory, as when absent
  }
  if (a.has("parameter_names")) s.parameter_names = a.get_strings("parameter_names", ctx);
  const long long timed = s.t.size();
  if (!s.starts.empty() && s.starts[0] != 0)
    throw Error(fmt::format("{}: attribute 'start' begins with {}, expected 0", ctx, s.starts[0]));
  for (size_t j = 1; j < s.starts.size(); ++j)
    if (s.starts[j] <= s.starts[j - 1] || s.starts[j] >= stored)
      throw Error(fmt::format("{}: attribute 'start' must hold increasing snapshot indices below {}, got {}", ctx, stored,
                              to_string(std::vector<long long>(s.starts.begin(), s.starts.end()))));
  // An incomplete recording keeps the trajectories that began before its last timed state.
  while (!s.starts.empty() && s.starts.back() >= timed) s.starts.pop_back();
  if (s.starts.size() == 1) s.starts.clear();
  if (!s.parameter_names.empty() && static_cast<Index>(s.parameter_names.size()) != s.mu.rows())
    throw Error(fmt::format("{}: names {} parameter(s), but {} holds {}", ctx, s.parameter_names.size(),
                            g.where("parameters"), s.mu.rows()));
}

SnapshotSet read_snapshot_header(const h5::Group& g, const RowPartition& rows) {
  const std::vector<long long> shape = g.shape("states");
  if (shape.size() != 2)
    throw Error(fmt::format("{}: has rank {}, expected a 2-D data set", g.where("states"), shape.size()));
  if (shape[1] != rows.global)
    throw Error(fmt::format("{}: states have {} values each, expected {}", g.where("states"), shape[1], rows.global));
  SnapshotSet s;
  s.rows = rows;
  s.X.resize(rows.local(), 0);
  s.t = g.read_vector("time");
  const Attributes root = g.read_attributes();
  s.complete = !root.has("complete") || root.get_int("complete", g.where()) != 0;
  // A recording stopped before it finished (SnapshotStream) may hold states written after
  // the last time: /time counts the complete ones.
  if (s.t.size() != shape[0] && (s.complete || s.t.size() > shape[0]))
    throw Error(fmt::format("{}: has {} times, but {} holds {} snapshots", g.where("time"), s.t.size(), g.where("states"),
                            shape[0]));
  if (g.has("parameters")) s.mu = g.read_matrix("parameters", -1, shape[0]);
  if (g.has("trajectories")) read_trajectories(g, s, shape[0]);
  s.layout = read_layout(g);
  if (!s.layout.dims.empty() && s.layout.size() != rows.global)
    throw Error(fmt::format("{}: describes {} values per state, but {} has {}", g.where("layout"), s.layout.size(),
                            g.where("states"), rows.global));
  if (g.has("provenance")) s.provenance = g.open_group("provenance").read_attributes();
  return s;
}

SnapshotSet read_snapshot_content(const h5::Group& g, const RowPartition& rows) {
  SnapshotSet s = read_snapshot_header(g, rows);
  if (s.t.size() == 0)
    throw Error(fmt::format("{}: holds no snapshots{}", g.where("states"),
                            s.complete ? "" : " (a recording that stopped before its first states were written)"));
  s.X = s.complete ? g.read_rows("states", rows, s.t.size()) : g.read_rows_window("states", rows, 0, s.t.size());
  return s;
}

void write_snapshots(const std::string& path, const SnapshotSet& set, const std::vector<DerivedField>& derived) {
  h5::File f = h5::File::create(path, set.rows.comm);
  h5::write_header(f.root(), "snapshots");
  write_snapshot_content(f.root(), set);
  for (const DerivedField& d : derived) {
    if (d.X.rows() != set.X.rows() || d.X.cols() != set.X.cols())
      throw Error(fmt::format("{}: derived field '{}' does not have the states' shape", path, d.name));
    f.root().write_rows(d.name, d.X, set.rows);
  }
  f.commit();
}

SnapshotSet select_snapshots(const SnapshotSet& set, Index first, Index last) {
  if (first < 0 || last > set.count() || first > last)
    throw Error(fmt::format("snapshot range [{}, {}) outside [0, {})", first, last, set.count()));
  SnapshotSet s;
  s.rows = set.rows;
  s.X = set.X.middleCols(first, last - first);
  s.t = set.t.segment(first, last - first);
  if (set.mu.size()) s.mu = set.mu.middleCols(first, last - first);
  s.parameter_names = set.parameter_names;
  // The trajectories the range meets, their starts shifted (the first may begin mid-way).
  for (Index j = 0; j < set.trajectory_count(); ++j) {
    const Index b = std::max(set.trajectory_begin(j), first), e = std::min(set.trajectory_end(j), last);
    if (b < e) s.starts.push_back(b - first);
  }
  if (s.starts.size() <= 1) s.starts.clear();
  s.layout = set.layout;
  s.provenance = set.provenance;
  return s;
}

void write_xdmf(const std::string& h5path, const SnapshotSet& set, const std::vector<std::string>& derived) {
  const auto& dims = set.layout.dims;
  if (dims.empty() || dims.size() > 2 || set.rows.rank() != 0) return;
  const long long nx = dims[0], ny = dims.size() > 1 ? dims[1] : 1, n = set.n();
  const long long nf = static_cast<long long>(std::max<size_t>(set.layout.fields.size(), 1));
  auto coord = [&](const std::vector<double>& v, size_t d, double fallback) { return d < v.size() ? v[d] : fallback; };
  const double x0 = coord(set.layout.lower, 0, 0), y0 = coord(set.layout.lower, 1, 0);
  const double dx = nx > 1 ? (coord(set.layout.upper, 0, 1) - x0) / (nx - 1) : 1;
  const double dy = ny > 1 ? (coord(set.layout.upper, 1, 1) - y0) / (ny - 1) : 1;
  const std::string file = std::filesystem::path(h5path).filename().string();
  std::vector<std::pair<std::string, std::string>> arrays;  // attribute name, data set
  for (size_t f = 0; f < static_cast<size_t>(nf); ++f)
    arrays.emplace_back(f < set.layout.fields.size() ? set.layout.fields[f] : "state", "states");
  for (const auto& d : derived) arrays.emplace_back(d, d);

  std::string x = "<?xml version=\"1.0\" ?>\n<Xdmf Version=\"3.0\">\n <Domain>\n"
                  "  <Grid Name=\"snapshots\" GridType=\"Collection\" CollectionType=\"Temporal\">\n";
  const Index count = set.t.size();  // the times, not X's columns: a recording's writer holds no states
  for (Index j = 0; j < count; ++j) {
    x += fmt::format("   <Grid Name=\"t{}\" GridType=\"Uniform\">\n    <Time Value=\"{:.17g}\"/>\n", j, set.t(j));
    x += fmt::format("    <Topology TopologyType=\"2DCoRectMesh\" Dimensions=\"{} {}\"/>\n", ny, nx);
    x += fmt::format(
        "    <Geometry GeometryType=\"ORIGIN_DXDY\">\n     <DataItem Dimensions=\"2\" Format=\"XML\">{:.17g} "
        "{:.17g}</DataItem>\n     <DataItem Dimensions=\"2\" Format=\"XML\">{:.17g} {:.17g}</DataItem>\n"
        "    </Geometry>\n",
        y0, x0, dy, dx);
    for (size_t a = 0; a < arrays.size(); ++a) {
      const bool state = arrays[a].second == "states";
      const long long offset = state ? static_cast<long long>(a) : 0, stride = state ? nf : 1;
      x += fmt::format(
          "    <Attribute Name=\"{}\" AttributeType=\"Scalar\" Center=\"Node\">\n"
          "     <DataItem ItemType=\"HyperSlab\" Dimensions=\"{} {}\" Type=\"HyperSlab\">\n"
          "      <DataItem Dimensions=\"3 2\" Format=\"XML\">{} {} 1 {} 1 {}</DataItem>\n"
          "      <DataItem Dimensions=\"{} {}\" NumberType=\"Float\" Precision=\"8\" "
          "Format=\"HDF\">{}:/{}</DataItem>\n     </DataItem>\n    </Attribute>\n",
          arrays[a].first, ny, nx, j, offset, stride, n / nf, count, n, file, arrays[a].second);
    }
    x += "   </Grid>\n";
  }
  x += "  </Grid>\n </Domain>\n</Xdmf>\n";
  const std::string out = std::filesystem::path(h5path).replace_extension(".xmf").string();
  write_text_file(out, x);
}

void check_snapshot_kind(const h5::Group& root) {
  const std::string kind = h5::check_header(root);
  if (kind != "snapshots" && kind != "trajectory")
    throw Error(fmt::format("{}: holds a '{}', expected a 'snapshots' or 'trajectory' file", root.file(), kind));
  h5::check_structure(root, kind);
}

SnapshotSet read_snapshots(const std::string& path, MPI_Comm comm) {
  h5::File f = h5::File::open(path, comm);
  check_snapshot_kind(f.root());
  return read_snapshot_content(f.root(), RowPartition::split(comm, stored_state_size(f.root())));
}

SnapshotSet read_snapshot_header(const std::string& path, MPI_Comm comm) {
  h5::File f = h5::File::open(path, comm);
  check_snapshot_kind(f.root());
  return read_snapshot_header(f.root(), RowPartition::split(comm, stored_state_size(f.root())));
}

SnapshotSet read_snapshots(const std::string& path, const RowPartition& rows) {
  h5::File f = h5::File::open(path, rows.comm);
  check_snapshot_kind(f.root());
  return read_snapshot_content(f.root(), rows);  // checks n against rows.global
}

Matrix read_derived_field(const std::string& path, const std::string& name, const RowPartition& rows) {
  h5::File f = h5::File::open(path, rows.comm);
  check_snapshot_kind(f.root());
  if (!f.root().has(name)) return Matrix(rows.local(), 0);
  const SnapshotSet header = read_snapshot_header(f.root(), rows);
  const Index count = header.t.size();
  return header.complete ? f.root().read_rows(name, rows, count) : f.root().read_rows_window(name, rows, 0, count);
}

std::vector<std::string> derived_field_names(const std::string& path, MPI_Comm comm) {
  h5::File f = h5::File::open(path, comm);
  check_snapshot_kind(f.root());
  const std::vector<long long> states = f.root().shape("states");
  std::vector<std::string> out;
  for (const std::string& name : f.root().names()) {
    if (name == "states") continue;
    try {
      if (f.root().shape(name) == states) out.push_back(name);
    } catch (const Error&) {
      // a group or another kind of object: not a field
    }
  }
  return out;
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
