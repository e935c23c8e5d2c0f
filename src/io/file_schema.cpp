#include "metarom/io/file_schema.hpp"

#include <fmt/format.h>
#include <hdf5.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <climits>
#include <optional>
#include <set>
#include <utility>

#include "metarom/error.hpp"
#include "metarom/io/hdf5_file.hpp"
#include "metarom/io/row_partition.hpp"
#include "metarom/io/snapshots.hpp"

namespace metarom {

namespace {

enum class Type { integer, number, string, ints, numbers, strings, flag };

// How much a reader depends on an attribute: `read`, it refuses the file without it; `if_present`,
// it reads it when there (older files lack it); `written`, writers write it and no reader reads
// it (missing or mistyped: a note, not a problem).
enum class Need { read, if_present, written };

const char* type_name(Type t) {
  switch (t) {
    case Type::integer: return "an integer";
    case Type::number: return "a number";
    case Type::string: return "a string";
    case Type::ints: return "a list of integers";
    case Type::numbers: return "a list of numbers";
    case Type::strings: return "a list of strings";
    case Type::flag: return "0 or 1";
  }
  return "";
}

// The types the readers' Attributes look-ups accept: a list look-up takes a scalar as a list of
// one, a number look-up takes an integer.
bool has_type(const AttributeValue& v, Type type) {
  switch (type) {
    case Type::integer: return std::holds_alternative<long long>(v);
    case Type::flag: return std::holds_alternative<long long>(v) && (std::get<long long>(v) == 0 || std::get<long long>(v) == 1);
    case Type::number: return std::holds_alternative<double>(v) || std::holds_alternative<long long>(v);
    case Type::string: return std::holds_alternative<std::string>(v);
    case Type::ints: return std::holds_alternative<std::vector<long long>>(v) || std::holds_alternative<long long>(v);
    case Type::numbers:
      return std::holds_alternative<std::vector<double>>(v) || std::holds_alternative<std::vector<long long>>(v) ||
             std::holds_alternative<double>(v) || std::holds_alternative<long long>(v);
    case Type::strings: return std::holds_alternative<std::vector<std::string>>(v) || std::holds_alternative<std::string>(v);
  }
  return false;
}

std::vector<long long> as_ints(const AttributeValue& v) {
  if (auto p = std::get_if<long long>(&v)) return {*p};
  return std::get<std::vector<long long>>(v);
}

// A strings-typed value (Type::strings: one string reads back as a plain string).
std::vector<std::string> as_strings(const AttributeValue& v) {
  if (auto p = std::get_if<std::string>(&v)) return {*p};
  return std::get<std::vector<std::string>>(v);
}

struct Report {
  std::vector<std::string> problems, notes;
  bool values = false;  // stream every value (check_file) or the structure only (check_structure)
  // Non-finite values of data sets no reader of the kind reads (derived fields, a trajectory's
  // latent states) are notes: the commands that read them refuse them, fit does not.
  bool values_as_notes = false;
  MPI_Comm comm = MPI_COMM_SELF;
};

// One group's documented content: what is asked for is checked and remembered; finish()
// reports what the group holds beyond it. Messages name the object as the readers do
// ("FILE:/group/name: what").
class Scope {
 public:
  Scope(h5::Group g, Report& report) : g_(std::move(g)), attrs_(g_.read_attributes()), r_(report) {}

  const h5::Group& group() const { return g_; }
  Report& report() { return r_; }
  void problem(const std::string& what) { r_.problems.push_back(fmt::format("{}: {}", g_.where(), what)); }
  void note(const std::string& what) { r_.notes.push_back(fmt::format("{}: {}", g_.where(), what)); }

  // The attribute's value when present with the type asked.
  std::optional<AttributeValue> attr(const std::string& key, Type type, Need need = Need::read) {
    seen_attrs_.insert(key);
    if (!attrs_.has(key)) {
      if (need == Need::read) problem(fmt::format("attribute '{}' is missing", key));
      if (need == Need::written) note(fmt::format("attribute '{}' ({}) is documented but missing", key, type_name(type)));
      return std::nullopt;
    }
    const AttributeValue& v = attrs_.values().at(key);
    if (!has_type(v, type)) {
      const std::string what = fmt::format("attribute '{}' is {}, expected {}", key, to_string(v), type_name(type));
      if (need == Need::written) note(what);
      else problem(what);
      return std::nullopt;
    }
    return v;
  }
  void attrs(const std::vector<std::string>& keys, Type type, Need need = Need::read) {
    for (const auto& k : keys) attr(k, type, need);
  }
  // An integer in [lo, hi] (a size that shapes depend on), as Attributes::get_int(key, ctx, lo, hi).
  std::optional<long long> count(const std::string& key, long long lo, long long hi, Need need = Need::read) {
    const auto v = attr(key, Type::integer, need);
    if (!v) return std::nullopt;
    const long long x = std::get<long long>(*v);
    if (x < lo || x > hi) {
      problem(fmt::format("attribute '{}' is {}, expected an integer in [{}, {}]", key, x, lo, hi));
      return std::nullopt;
    }
    return x;
  }
  std::optional<std::string> string(const std::string& key, Need need = Need::read) {
    const auto v = attr(key, Type::string, need);
    return v ? std::optional<std::string>(std::get<std::string>(*v)) : std::nullopt;
  }
  // A string attribute that must be one of `allowed` when present.
  void choice(const std::string& key, const std::vector<std::string>& allowed, Need need = Need::read) {
    const auto v = string(key, need);
    if (v && std::find(allowed.begin(), allowed.end(), *v) == allowed.end())
      problem(fmt::format("attribute '{}' is \"{}\", expected one of {}", key, *v, fmt::join(allowed, ", ")));
  }

  // A 64-bit floating-point data set (as every reader checks it: Group::dataset_shape) whose
  // shape matches `shape` (entries < 0: any extent); its shape when it does. Values streamed
  // when the report asks for them (`timed` >= 0: only the first `timed` rows, the timed
  // states of an incomplete recording).
  std::optional<std::vector<long long>> data(const std::string& name, const std::vector<long long>& shape,
                                             bool required = true, long long timed = -1) {
    seen_.insert(name);
    if (!g_.has(name)) {
      if (required) r_.problems.push_back(g_.where(name) + ": data set is missing");
      return std::nullopt;
    }
    std::vector<long long> s;
    try {
      s = g_.dataset_shape(name);
    } catch (const Error& e) {
      r_.problems.push_back(e.what());
      return std::nullopt;
    }
    if (s.size() != shape.size()) {
      r_.problems.push_back(
          fmt::format("{}: has rank {}, expected a {}-D data set", g_.where(name), s.size(), shape.size()));
      return std::nullopt;
    }
    bool match = true;
    for (size_t i = 0; i < s.size(); ++i) match = match && (shape[i] < 0 || shape[i] == s[i]);
    if (!match) {
      std::vector<std::string> want;
      for (long long e : shape) want.push_back(e < 0 ? "any" : std::to_string(e));
      r_.problems.push_back(fmt::format("{}: has shape [{}], expected [{}]", g_.where(name), fmt::join(s, ", "),
                                        fmt::join(want, ", ")));
      return std::nullopt;
    }
    // The declared size against the bytes stored, before anything reads it (metadata only).
    try {
      long double values = 1;
      for (size_t i = 0; i < s.size(); ++i) values *= (i == 0 && timed >= 0) ? std::min(timed, s[0]) : s[i];
      h5::Id ds(H5Dopen2(g_.id(), name.c_str(), H5P_DEFAULT), H5Dclose);
      h5::check_stored(ds, g_.where(name), values);
    } catch (const Error& e) {
      r_.problems.push_back(e.what());
      return std::nullopt;
    }
    if (r_.values) {
      const std::string error = stream_values(name, s, timed);
      if (!error.empty() && r_.values_as_notes) {
        r_.notes.push_back(error + " (no reader of this kind reads it; the commands that do refuse it)");
      } else if (!error.empty()) {
        r_.problems.push_back(error);
        return std::nullopt;
      }
    }
    return s;
  }

  std::optional<Scope> group(const std::string& name, bool required = true) {
    seen_.insert(name);
    if (!g_.has(name)) {
      if (required) r_.problems.push_back(g_.where(name) + ": group is missing");
      return std::nullopt;
    }
    try {
      return Scope(g_.open_group(name), r_);
    } catch (const Error& e) {
      r_.problems.push_back(e.what());
      return std::nullopt;
    }
  }
  std::vector<std::string> unseen_objects() const {
    std::vector<std::string> out;
    for (const auto& n : g_.names())
      if (!seen_.count(n)) out.push_back(n);
    return out;
  }
  // Attributes of any name and type (provenance: free-form by design).
  void any_attributes() { for (const auto& [k, v] : attrs_) seen_attrs_.insert(k); }

  // Undocumented attributes are notes (readers ignore them); undocumented objects problems.
  void finish() {
    for (const auto& [k, v] : attrs_)
      if (!seen_attrs_.count(k)) note(fmt::format("attribute '{}' is not in the documented schema (ignored)", k));
    for (const auto& n : unseen_objects())
      r_.problems.push_back(g_.where(n) + ": object is not in the documented schema");
  }

 private:
  // Every value read once, in blocks of at most 2^22 values per read; the blocks of a 2-D data
  // set are shared out among the ranks (independent reads: a rank whose read fails cannot
  // leave the others waiting in a collective one). The lowest failing rank's message, on
  // every rank.
  std::string stream_values(const std::string& name, const std::vector<long long>& s, long long timed) {
    int rank = 0, size = 1;
    MPI_Comm_rank(r_.comm, &rank);
    MPI_Comm_size(r_.comm, &size);
    std::string error;
    try {
      if (s.size() == 1 && rank == 0) {
        g_.read_vector(name);
      } else if (s.size() == 2 && s[1] > 0) {
        const long long rows = timed >= 0 ? std::min(timed, s[0]) : s[0];
        const RowPartition all = RowPartition::serial(s[1]);
        const long long block = std::max(1LL, (1LL << 22) / s[1]);
        for (long long first = rank * block; first < rows; first += size * block)
          g_.read_rows_window(name, all, first, std::min(block, rows - first));
      }
    } catch (const Error& e) {
      error = e.what();
    }
    return first_error(r_.comm, error);
  }

  h5::Group g_;
  Attributes attrs_;
  Report& r_;
  std::set<std::string> seen_attrs_, seen_;
};

// Layout attributes as read_layout reads them (it checks the grid itself: run on the group).
void check_layout(Scope& parent, bool required) {
  auto l = parent.group("layout", false);
  if (!l) {
    if (required) parent.report().problems.push_back(parent.group().where("layout") + ": group is missing");
    else parent.note("group 'layout' is documented but missing (read as unstructured data)");
    return;
  }
  const Attributes a = l->group().read_attributes();
  for (const auto& [key, type] : {std::pair{"dims", Type::ints}, {"fields", Type::strings}, {"ordering", Type::string}}) {
    l->attr(key, type, Need::if_present);  // read_layout does without each
    if (!a.has(key)) l->note(fmt::format("attribute '{}' is documented but missing", key));
  }
  l->attrs({"lower", "upper"}, Type::numbers, Need::if_present);
  try {
    read_layout(parent.group());
  } catch (const Error& e) {
    parent.report().problems.push_back(e.what());
  }
  l->finish();
}

void check_provenance(Scope& parent, bool required) {
  auto p = parent.group("provenance", false);
  if (!p) {
    if (required) parent.problem("group 'provenance' is missing");
    else parent.note("group 'provenance' is documented but missing");
    return;
  }
  p->any_attributes();
  p->finish();
}

// Snapshot content (kinds snapshots and trajectory). /time first: an incomplete recording's
// /time counts the states that are timed, and only those are read.
void check_snapshots(Scope& root, bool trajectory, bool incomplete) {
  const auto t = root.data("time", {-1});
  const long long timed = t ? (*t)[0] : -1;
  const auto states = root.data("states", {-1, -1}, true, incomplete ? timed : -1);
  const long long N = states ? (*states)[0] : -1, n = states ? (*states)[1] : -1;
  if (t && states && (incomplete ? timed > N : timed != N))
    root.report().problems.push_back(fmt::format("{}: has {} times, but {} holds {} snapshots", root.group().where("time"),
                                                 timed, root.group().where("states"), N));
  const auto mu = states ? root.data("parameters", {N, -1}, false) : std::nullopt;
  // Format version 2: the trajectories and the parameters' names (read_trajectories).
  if (auto tg = root.group("trajectories", false)) {
    const auto start = tg->attr("start", Type::ints, Need::if_present);
    const auto names = tg->attr("parameter_names", Type::strings, Need::if_present);
    if (start && states) {
      const auto v = as_ints(*start);
      bool ok = v.empty() || v[0] == 0;
      for (size_t j = 1; ok && j < v.size(); ++j) ok = v[j] > v[j - 1] && v[j] < N;
      if (!ok) tg->problem(fmt::format("attribute 'start' must hold increasing snapshot indices from 0 below {}", N));
    }
    if (names) {
      const std::vector<std::string> list = as_strings(*names);
      const long long p = mu ? (*mu)[1] : 0;
      if (!list.empty() && static_cast<long long>(list.size()) != p)
        tg->problem(fmt::format("names {} parameter(s), but /parameters holds {}", list.size(), p));
    }
    tg->finish();
  }
  check_layout(root, false);
  check_provenance(root, false);
  if (!states) return;
  // The latent states of a trajectory and any further data set (a field derived from the
  // states, of their shape) are read by the commands that use them (read_derived_field), not
  // by the snapshot readers: their non-finite values are notes.
  root.report().values_as_notes = true;
  if (trajectory) root.data("latent", {N, -1});
  for (const auto& name : root.unseen_objects()) root.data(name, {incomplete ? -1 : N, n}, true, incomplete ? timed : -1);
  root.report().values_as_notes = false;
}

// A network as Mlp::load reads it; `in`/`out` (>= 0) its input and output widths.
void check_network(Scope& parent, const std::string& name, long long in, long long out) {
  auto g = parent.group(name);
  if (!g) return;
  const auto w = g->attr("widths", Type::ints);
  g->choice("hidden_activation", {"tanh", "identity"}, Need::if_present);
  g->attr("output_activation", Type::string, Need::written);
  if (w) {
    const auto widths = as_ints(*w);
    bool ok = widths.size() >= 2;
    if (!ok) g->problem(fmt::format("attribute 'widths' lists {} width(s), a network needs 2 or more", widths.size()));
    for (long long x : widths)
      if (ok && (x < 1 || x > INT_MAX)) {
        g->problem(fmt::format("attribute 'widths' holds {}, widths must be in [1, 2^31)", x));
        ok = false;
      }
    if (ok && in >= 0 && widths.front() != in)
      g->problem(fmt::format("takes {} inputs, expected {}", widths.front(), in));
    if (ok && out >= 0 && widths.back() != out)
      g->problem(fmt::format("gives {} outputs, expected {}", widths.back(), out));
    for (size_t l = 1; ok && l < widths.size(); ++l) {
      g->data(fmt::format("W{}", l), {widths[l - 1], widths[l]});
      g->data(fmt::format("b{}", l), {widths[l]});
    }
  }
  g->finish();
}

// The fixed affine map of the neural reducers (Normalization::load); returns the networks'
// state-side width: K POD coordinates, or n.
long long check_normalization(Scope& r, long long n) {
  // Keyed on the mean (Normalization::load), or on the attributes that come with it.
  const bool present = r.group().has("normalization_mean") || r.group().read_attributes().has("normalization_scale");
  r.attr("normalization_scale", Type::number, present ? Need::read : Need::if_present);
  const auto K = r.count("normalization_pod_modes", 0, INT_MAX, Need::if_present);
  if (!present) return n;
  r.data("normalization_mean", {n});
  if (K && *K > 0) {
    r.data("normalization_basis", {*K, n});
    return *K;
  }
  return n;
}

void check_reducer(Scope& r, long long n) {
  const auto type = r.string("type").value_or("");
  if (type == "pod" || type == "linear-ae") {
    const auto latent = r.count("latent_dim", 1, INT_MAX);
    const auto centered = r.attr("centered", Type::integer);
    r.attr("energy_requested", Type::number);
    r.count("latent_dim_requested", 0, INT_MAX);
    r.attr("captured_energy", Type::number, Need::written);
    const std::string svd = r.string("svd", Need::if_present).value_or("exact");
    const long long L = latent.value_or(-1);
    if (latent) r.data("basis", {L, n});
    r.data("singular_values", {-1});
    if (centered && std::get<long long>(*centered) != 0) r.data("mean", {1, n});
    if (svd == "incremental") {
      const auto k = r.attr("kept_modes", Type::integer);
      r.attrs({"incremental_rank", "oversampling", "block_columns_requested"}, Type::integer);
      r.attrs({"block_columns", "blocks", "count"}, Type::integer);
      r.attrs({"memory_mb", "energy", "dropped_sigma"}, Type::number);
      if (k && latent) {
        const long long kk = std::get<long long>(*k);
        if (kk < L) r.problem(fmt::format("attribute 'kept_modes' is {}, fewer than latent_dim {}", kk, L));
        else r.data("modes_tail", {kk - L, n});
      }
    } else if (svd == "randomized") {
      r.attrs({"oversampling", "power_iterations", "seed"}, Type::integer);
      r.attrs({"sigma_error_bound", "sigma_change", "sketch_residual"}, Type::number);
    } else if (svd != "exact") {
      r.problem("attribute 'svd' is \"" + svd + "\", expected one of exact, randomized, incremental");
    }
    if (type == "linear-ae") {
      r.choice("route", {"snapshots", "second_moment"});
      r.attr("bayes_risk", Type::number);
      r.attr("unique", Type::integer);
    }
  } else if (type == "sparse-ae") {
    const auto latent = r.count("latent_dim", 1, INT_MAX);
    r.choice("encoder_activation", {"sigmoid", "identity", "step", "smoothstep"});
    r.choice("decoder_activation", {"sigmoid", "identity"});
    r.attr("optimizer", Type::string);
    r.attrs({"epochs", "batch_size", "encoder_steps", "decoder_steps", "prox_iterations", "seed"}, Type::integer);
    r.attrs({"lambda", "encoder_step", "decoder_step", "learning_rate", "train_seconds"}, Type::number);
    r.attrs({"epsilon", "epsilon_final", "width", "regression_residual"}, Type::number, Need::if_present);
    r.attrs({"decoder_refit", "regression_iterations"}, Type::integer, Need::if_present);
    r.attr("binary_threshold", Type::string, Need::if_present);
    if (latent) {
      r.data("encoder_weight_t", {*latent, n});
      r.data("encoder_bias", {*latent});
      r.data("decoder_weight", {*latent, n});
    }
    r.data("decoder_bias", {1, n});
    r.data("loss_history", {-1});
  } else if (type == "ae" || type == "ri-ae" || type == "meta-ae" || type == "ae-corrected") {
    const bool meta = type == "meta-ae" || type == "ae-corrected";
    r.attr("hidden", Type::ints, meta ? Need::written : Need::read);
    r.count("latent_dim", 1, INT_MAX, Need::written);
    if (meta) {
      r.attrs({"gn_iterations", "gn_max_iterations"}, Type::integer);
      r.attrs({"gn_damping", "gn_tolerance"}, Type::number);
      r.attr("latent_penalty", Type::number, Need::if_present);
      r.choice("gradient", {"unrolled", "implicit"});
      r.attr("epochs", Type::integer, Need::if_present);
      if (type == "ae-corrected") r.attr("corrected_from", Type::string, Need::if_present);
    } else {
      r.attrs({"epochs", "batch_size", "seed"}, Type::integer, Need::written);
      r.attr("learning_rate", Type::number, Need::written);
      if (type == "ri-ae") r.attr("lambda", Type::number);
    }
    r.attr("best_epoch", Type::integer, Need::if_present);
    r.attrs({"best_loss", "train_seconds"}, Type::number, Need::if_present);
    const long long width = check_normalization(r, n);
    check_network(r, meta ? "initial_encoder" : "encoder", width, -1);
    check_network(r, "decoder", -1, width);
  } else if (!type.empty()) {
    r.problem("unknown reducer type '" + type + "'");
  }
  r.finish();
}

// /training of model and inverse-map files; n when readable.
std::optional<long long> check_training(Scope& root) {
  auto t = root.group("training");
  if (!t) return std::nullopt;
  const auto n = t->count("n", 1, 1LL << 50);
  t->count("count", 0, 1LL << 50);
  t->attr("file", Type::string, Need::if_present);
  t->attr("fit_seconds", Type::number, Need::if_present);
  t->attr("created", Type::string, Need::written);
  check_layout(*t, true);
  check_provenance(*t, false);
  // Format version 2: the training set's trajectories and their parameters (read_training_group).
  if (auto tr = t->group("trajectories", false)) {
    const auto count = tr->count("count", 1, 1LL << 40);
    const auto names = tr->attr("parameter_names", Type::strings);
    const auto values = tr->attr("parameter_values", Type::numbers);
    if (count && names && values) {
      const size_t p = as_strings(*names).size();
      size_t stored = 1;
      if (auto v = std::get_if<std::vector<double>>(&*values)) stored = v->size();
      else if (auto w = std::get_if<std::vector<long long>>(&*values)) stored = w->size();
      if (stored != p * static_cast<size_t>(*count))
        tr->problem(fmt::format("attribute 'parameter_values' holds {} values, {} trajectories of {} parameter(s) need {}",
                                stored, *count, p, p * static_cast<size_t>(*count)));
    }
    tr->finish();
  }
  t->finish();
  return n;
}

void check_model(Scope& root) {
  const long long n = check_training(root).value_or(-1);
  long long r = -1;
  if (auto red = root.group("reducer")) {
    const Attributes a = red->group().read_attributes();
    if (a.has("latent_dim"))
      if (auto p = std::get_if<long long>(&a.values().at("latent_dim"))) r = *p;
    check_reducer(*red, n);
  }
  if (auto d = root.group("latent_dynamics", false)) {
    d->choice("form", {"quadratic"});
    d->attr("velocities", Type::string);
    const auto dr = d->count("latent_dim", 1, 100000);
    if (dr && r >= 0 && *dr != r) d->problem(fmt::format("attribute 'latent_dim' is {}, the reducer's is {}", *dr, r));
    // Parameter-dependent operators: one set per run, stacked along the first dimension.
    const auto parametric = d->string("parametric", Need::if_present);
    if (parametric && *parametric != "interpolated" && *parametric != "affine")
      d->problem(fmt::format("attribute 'parametric' is \"{}\", expected interpolated or affine", *parametric));
    if (parametric) {
      const bool affine = *parametric == "affine";
      std::optional<long long> runs;
      if (affine) {
        if (const auto terms = d->attr("terms", Type::strings)) runs = static_cast<long long>(as_strings(*terms).size());
      } else {
        runs = d->count("runs", 1, 1000000);
      }
      const auto names = d->attr("parameter_names", Type::strings);
      const long long p = names ? static_cast<long long>(as_strings(*names).size()) : -1;
      if (dr && runs) {
        d->data("c", {*runs, *dr});
        d->data("A", {*runs * *dr, *dr});
        d->data("H", {*runs * (*dr * (*dr + 1) / 2), *dr});
        if (!affine) d->data("parameter_points", {*runs, p});
      }
    } else if (dr) {
      d->data("c", {*dr});
      d->data("A", {*dr, *dr});
      d->data("H", {*dr * (*dr + 1) / 2, *dr});
    }
    d->attr("parametric_choice", Type::string, Need::if_present);
    d->attrs({"lambda_linear", "lambda_quadratic", "holdout_error", "residual", "sample_dt"}, Type::number);
    d->attr("lambda_automatic", Type::integer);
    d->count("candidates", 0, INT_MAX);
    d->attr("samples", Type::integer);
    d->choice("closure_of", {"", "galerkin", "manifold-galerkin"}, Need::if_present);
    d->attr("selection", Type::string, Need::if_present);
    d->finish();
  }
  if (auto h = root.group("hyper_reduction", false)) {
    h->choice("method", {"deim", "qdeim", "deim + oversampled", "qdeim + oversampled", "ecsw"});
    const auto method = h->string("method");
    const auto s = h->count("points", 0, 1LL << 40);
    if (s) h->data("rows", {*s});
    if (method && *method == "ecsw") {
      if (s) h->data("weights", {*s});
      h->attr("reduced_force_error", Type::number);
    } else {
      const auto m = h->count("modes", 1, 1LL << 40);
      if (m && s && *s < *m) h->problem(fmt::format("attribute 'points' is {}, below 'modes' {}", *s, *m));
      if (m) h->data("basis", {*m, n});
      h->data("singular_values", {-1});
    }
    h->finish();
  }
}

void check_inverse_map(Scope& root) {
  const long long n = check_training(root).value_or(-1);
  if (auto m = root.group("map")) {
    const auto mn = m->count("n", 1, 1LL << 50), mm = m->count("m", 1, 1LL << 50);
    const auto rank = m->count("rank", 1, INT_MAX);
    if (mn && n >= 0 && *mn != n) m->problem(fmt::format("attribute 'n' is {}, /training's is {}", *mn, n));
    if (rank && mn && mm && *rank > std::min(*mn, *mm))
      m->problem(fmt::format("rank {} exceeds min(n, m) = {}", *rank, std::min(*mn, *mm)));
    m->count("rank_requested", 0, INT_MAX);
    m->attrs({"noise", "energy_requested", "risk", "prior_energy"}, Type::number);
    m->attr("pairs", Type::string, Need::written);
    m->attr("unique", Type::integer);
    if (rank && mn) m->data("decoder", {*rank, *mn});
    if (rank && mm) m->data("encoder_t", {*rank, *mm});
    const auto s = m->data("singular_values", {-1});
    if (s && rank && (*s)[0] < *rank) m->problem(fmt::format("fewer singular values ({}) than the rank {}", (*s)[0], *rank));
    m->data("observation_singular_values", {-1});
    m->finish();
  }
}

void check_checkpoint(Scope& root) {
  root.attr("epochs_done", Type::integer, Need::written);
  root.attrs({"adam_steps", "best_epoch", "seed", "batch_size"}, Type::integer);
  root.attrs({"best_loss", "learning_rate"}, Type::number);
  const auto p = root.data("params", {-1});
  const long long P = p ? (*p)[0] : -1;
  for (const char* name : {"best", "adam_m", "adam_v"}) root.data(name, {P});
  root.data("losses", {-1});
}

// The walk over a file whose header names `kind`.
void check_kind(h5::Group root_group, const std::string& kind, Report& report) {
  Scope root(std::move(root_group), report);
  root.attr("metarom_format", Type::string);
  root.attr("metarom_version", Type::integer);
  root.attr("metarom_software_version", Type::string, Need::written);
  if (kind == "snapshots" || kind == "trajectory") {
    const auto complete = root.attr("complete", Type::flag, Need::if_present);
    check_snapshots(root, kind == "trajectory", complete && std::get<long long>(*complete) == 0);
  } else if (kind == "model") {
    check_model(root);
  } else if (kind == "inverse_map") {
    check_inverse_map(root);
  } else if (kind == "checkpoint") {
    check_checkpoint(root);
  } else {
    root.problem("attribute 'metarom_format' is \"" + kind + "\", not a documented kind");
  }
  root.finish();
}

// A value read twice (the reducer's latent_dim, by the model and the reducer) reports once.
void unique(std::vector<std::string>& v) {
  std::vector<std::string> out;
  for (auto& p : v)
    if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(std::move(p));
  v = std::move(out);
}

h5::Group reopen_root(const h5::Group& root) {
  return h5::Group(h5::Id(H5Gopen2(root.id(), "/", H5P_DEFAULT), H5Gclose), root.file(), "/", root.comm());
}

}  // namespace

std::string h5::check_structure(const h5::Group& root, const std::string& expected) {
  const std::string kind = check_header(root, expected);
  Report report;
  try {
    check_kind(reopen_root(root), kind, report);
  } catch (const Error& e) {
    report.problems.push_back(e.what());
  }
  if (!report.problems.empty()) throw Error(report.problems.front());
  return kind;
}

FileCheck check_file(const std::string& path, MPI_Comm comm) {
  h5::File f = h5::File::open(path, comm);
  FileCheck out;
  out.kind = h5::check_header(f.root());  // format, version: errors end the check
  Report report;
  report.values = true;
  report.comm = comm;
  try {
    check_kind(reopen_root(f.root()), out.kind, report);
  } catch (const Error& e) {
    report.problems.push_back(e.what());
  }
  // The snapshot readers' own consistency checks (an incomplete recording's /time, the layout
  // against n), on a file whose structure holds.
  if (report.problems.empty() && (out.kind == "snapshots" || out.kind == "trajectory")) {
    try {
      read_snapshot_header(f.root(), RowPartition::split(comm, stored_state_size(f.root())));
    } catch (const Error& e) {
      report.problems.push_back(e.what());
    }
  }
  unique(report.problems);
  unique(report.notes);
  out.problems = std::move(report.problems);
  out.notes = std::move(report.notes);
  return out;
}

}  // namespace metarom
