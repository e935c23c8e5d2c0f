// metarom info FILE.h5: kind, sizes, time range, grid layout and provenance of a file.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli.hpp"
#include "metarom/error.hpp"
#include "metarom/io/file_schema.hpp"
#include "metarom/io/hdf5_file.hpp"
#include "metarom/io/row_partition.hpp"
#include "metarom/io/snapshots.hpp"
#include "metarom/io/trajectory_set.hpp"
#include "metarom/models/parameter_sweep.hpp"
#include "metarom/reducers/linear_inverse_map.hpp"
#include "metarom/reducers/reducer_file.hpp"
#include "metarom/rom/model_file.hpp"
#include "metarom/version.hpp"

namespace metarom::cli {

namespace {
std::string attributes_text(const Attributes& a, const char* indent) {
  std::string s;
  for (const auto& [k, v] : a) s += fmt::format("{}{} = {}\n", indent, k, to_string(v));
  return s;
}

std::string layout_text(const FieldLayout& l) {
  if (l.dims.empty()) return "  grid: none (unstructured)\n";
  return fmt::format("  grid: {} points ({}), fields [{}], ordering {}\n", fmt::join(l.dims, " x "), l.points(),
                     fmt::join(l.fields, ", "), l.ordering);
}

// A parametric set's trajectories, one line each (the first 20), with the parameters' ranges.
std::string trajectories_text(const SnapshotSet& h) {
  if (h.trajectory_count() == 1 && h.parameter_names.empty()) return "";
  std::string s = fmt::format("  trajectories: {}\n", h.trajectory_count());
  const Index shown = std::min<Index>(h.trajectory_count(), 20);
  for (Index j = 0; j < shown; ++j) {
    const Index b = h.trajectory_begin(j), e = h.trajectory_end(j);
    const std::string mu = describe_parameters(h.parameter_names, h.trajectory_parameters(j));
    s += fmt::format("    {:>3}: snapshots {}..{}, t = {:.6g} .. {:.6g}{}\n", j, b, e - 1, h.t(b), h.t(e - 1),
                     mu.empty() ? "" : ": " + mu);
  }
  if (shown < h.trajectory_count()) s += fmt::format("    ... and {} more\n", h.trajectory_count() - shown);
  for (const ParameterRange& r : parameter_ranges(h)) s += fmt::format("  range of {}: [{:g}, {:g}]\n", r.name, r.lo, r.hi);
  return s;
}

std::string snapshot_text(const h5::Group& root) {
  const long long n = stored_state_size(root);
  const Vector t = root.read_vector("time");
  // read_snapshot_header validates the file (an incomplete recording's /time counts its states).
  const SnapshotSet header = read_snapshot_header(root, RowPartition::split(root.comm(), n));
  std::string s = fmt::format("  states: n = {} values per state, N = {} snapshots\n", n, t.size());
  if (!header.complete)
    s += fmt::format("  INCOMPLETE: a recording that stopped before it finished; it holds the {} states written "
                     "before it stopped\n",
                     t.size());
  if (t.size() > 0) s += fmt::format("  time: {:.6g} .. {:.6g}\n", t(0), t(t.size() - 1));
  if (root.has("parameters"))
    s += fmt::format("  parameters: {} per snapshot{}\n", root.shape("parameters")[1],
                     header.parameter_names.empty() ? "" : fmt::format(" ({})", fmt::join(header.parameter_names, ", ")));
  s += trajectories_text(header);
  for (const std::string& name : root.names()) {
    if (name == "states" || name == "time" || name == "parameters" || name == "latent" || name == "layout" ||
        name == "provenance" || name == "trajectories")
      continue;
    const auto fshape = root.shape(name);
    if (fshape.size() == 2 && fshape[1] == n && fshape[0] >= t.size()) s += fmt::format("  derived field: {} (same shape as the states)\n", name);
  }
  s += layout_text(read_layout(root));
  if (root.has("latent")) s += fmt::format("  latent states: r = {}\n", root.shape("latent")[1]);
  if (root.has("provenance")) s += "  provenance:\n" + attributes_text(root.open_group("provenance").read_attributes(), "    ");
  return s;
}

// Model files (group "reducer") and inverse maps (group "map") share this layout.
std::string model_text(const h5::Group& root, const std::string& group) {
  const h5::Group rg = root.open_group(group);
  const h5::Group tg = root.open_group("training");
  std::string s = "  " + group + ":\n" + attributes_text(rg.read_attributes(), "    ");
  if (rg.has("singular_values")) {
    const Vector sv = rg.read_vector("singular_values");
    std::vector<double> head(sv.data(), sv.data() + std::min<Index>(sv.size(), 10));
    s += fmt::format("    singular values ({} in all): {:.6e}{}\n", sv.size(), fmt::join(head, " "),
                     sv.size() > 10 ? " ..." : "");
  }
  s += "  training set:\n" + attributes_text(tg.read_attributes(), "    ");
  s += layout_text(read_layout(tg));
  if (tg.has("trajectories")) {
    // A parametric training set: its runs' parameters, and their ranges (what a run is checked against).
    const TrainingRecord t = read_training_group(root);
    s += fmt::format("  training trajectories: {}\n", t.trajectories);
    for (Index j = 0; j < std::min<Index>(t.parameters.cols(), 20); ++j)
      s += fmt::format("    {:>3}: {}\n", j, describe_parameters(t.parameter_names, t.parameters.col(j)));
    if (t.parameters.cols() > 20) s += fmt::format("    ... and {} more\n", t.parameters.cols() - 20);
    for (const ParameterRange& r : parameter_ranges(t.parameter_names, t.parameters))
      s += fmt::format("  trained range of {}: [{:g}, {:g}]\n", r.name, r.lo, r.hi);
  }
  if (tg.has("provenance")) s += "  training provenance:\n" + attributes_text(tg.open_group("provenance").read_attributes(), "    ");
  if (root.has("latent_dynamics"))
    s += "  learned latent dynamics (du/dt = c + Au + H(u ⊗ u)):\n" +
         attributes_text(root.open_group("latent_dynamics").read_attributes(), "    ");
  if (root.has("hyper_reduction"))
    s += "  hyper-reduction (galerkin-hr: f at sample rows only):\n" +
         attributes_text(root.open_group("hyper_reduction").read_attributes(), "    ");
  return s;
}

// One file described.
std::string describe(const std::string& path) {
  h5::File f = h5::File::open(path, PETSC_COMM_WORLD);
  const std::string kind = h5::check_structure(f.root());
  const long long version = f.root().read_attributes().get_int("metarom_version", f.root().where());
  std::string text = fmt::format("{}: metarom {} file (format version {})\n", path, kind, version);
  if (kind == "snapshots" || kind == "trajectory") text += snapshot_text(f.root());
  else if (kind == "model") text += model_text(f.root(), "reducer");
  else if (kind == "inverse_map") text += model_text(f.root(), "map");
  return text + "  (values not checked: metarom info FILE -check reads every one)\n";
}

// One file checked: its structure and values (check_file), then the reader of its kind, so
// that a file passes exactly when the commands that read it accept it. One line when it
// conforms, else its problems and a count; notes (undocumented attributes, which readers
// ignore) either way. A file that cannot be read as a metarom file at all (not HDF5, no
// metarom header) is reported as such and the check goes on with the next file. Every rank
// reads the same file and the problems are agreed on, so the ranks go on alike.
bool check(const std::string& path) {
  FileCheck report;
  std::string error;
  try {
    report = check_file(path, PETSC_COMM_WORLD);
  } catch (const std::exception& e) {
    error = e.what();
  }
  error = first_error(PETSC_COMM_WORLD, error);
  if (!error.empty()) {
    print(fmt::format("{}: cannot be checked: {}\n", path, error));
    return false;
  }
  if (report.conforms() && (report.kind == "model" || report.kind == "inverse_map")) {
    std::string reader;
    try {
      if (report.kind == "model") load_model(path, PETSC_COMM_WORLD);
      else LinearInverseMap::load(path, PETSC_COMM_WORLD);
    } catch (const std::exception& e) {
      reader = e.what();
    }
    reader = first_error(PETSC_COMM_WORLD, reader);
    if (!reader.empty()) report.problems.push_back(reader);
  }
  std::string text;
  for (const auto& p : report.problems) text += p + "\n";
  for (const auto& n : report.notes) text += "note: " + n + "\n";
  text += report.conforms()
              ? fmt::format("{}: conforms to the documented schema (metarom {} file, format version {}){}\n", path,
                            report.kind, format_version,
                            report.notes.empty() ? "" : fmt::format(", {} note(s)", report.notes.size()))
              : fmt::format("{}: {} difference(s) from the documented schema\n", path, report.problems.size());
  print(text);
  return report.conforms();
}
}  // namespace

int cmd_info(const std::vector<std::string>& paths) {
  bool checking = false;
  std::vector<Option> opts{
      {"-check", "Check each file's structure and values against the documented schema (data/FORMAT.md), as the commands that read it do; exit 1 on any problem (undocumented attributes are notes)",
       &checking}};
  common_options(opts, "metarom info FILE.h5 ...");
  if (help_requested()) return 0;
  require(paths.empty() ? std::string() : paths.front(), "FILE.h5", "(the files to describe)");
  if (checking) {
    int differ = 0;
    for (const auto& p : paths) differ += check(p) ? 0 : 1;
    if (paths.size() > 1)
      print(fmt::format("{} of {} files conform to the documented schema\n", paths.size() - differ, paths.size()));
    return differ ? 1 : 0;
  }
  for (const auto& p : paths) print(describe(p));
  return 0;
}

}  // namespace metarom::cli
