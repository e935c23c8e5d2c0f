#include "file_check.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <optional>
#include <set>

#include "metarom/error.hpp"
#include "metarom/io/hdf5_file.hpp"

namespace metarom::cli {

namespace {

enum class Type { integer, number, string, ints, numbers, strings, flag };

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

// One group's documented content: what is asked for is checked and remembered; finish()
// reports what the group holds beyond it.
class Scope {
 public:
  Scope(h5::Group g, std::vector<std::string>& problems)
      : g_(std::move(g)), attrs_(g_.read_attributes()), problems_(problems) {}

  void problem(const std::string& what) { problems_.push_back(fmt::format("{}: {}", g_.where(), what)); }

  // The attribute's value when present with the type asked (else a problem, unless optional and absent).
  std::optional<AttributeValue> attr(const std::string& key, Type type, bool required = true) {
    seen_attrs_.insert(key);
    if (!attrs_.has(key)) {
      if (required) problem(fmt::format("attribute '{}' ({}) is missing", key, type_name(type)));
      return std::nullopt;
    }
    const AttributeValue& v = attrs_.values().at(key);
    const bool ok = [&] {
      switch (type) {
        case Type::integer: return std::holds_alternative<long long>(v);
        case Type::flag: return std::holds_alternative<long long>(v) && (std::get<long long>(v) == 0 || std::get<long long>(v) == 1);
        case Type::number: return std::holds_alternative<double>(v) || std::holds_alternative<long long>(v);
        case Type::string: return std::holds_alternative<std::string>(v);
        case Type::ints: return std::holds_alternative<std::vector<long long>>(v);
        case Type::numbers: return std::holds_alternative<std::vector<double>>(v) || std::holds_alternative<std::vector<long long>>(v);
        case Type::strings: return std::holds_alternative<std::vector<std::string>>(v);
      }
      return false;
    }();
    if (!ok) {
      problem(fmt::format("attribute '{}' is {}, expected {}", key, to_string(v), type_name(type)));
      return std::nullopt;
    }
    return v;
  }
  long long integer(const std::string& key, long long fallback = -1) {
    auto v = attr(key, Type::integer);
    return v ? std::get<long long>(*v) : fallback;
  }
  void attrs(const std::vector<std::string>& keys, Type type, bool required = true) {
    for (const auto& k : keys) attr(k, type, required);
  }

  // A floating-point data set; `shape` entries < 0 match any extent. Its shape when present.
  std::optional<std::vector<long long>> data(const std::string& name, const std::vector<long long>& shape,
                                             bool required = true) {
    seen_.insert(name);
    if (!g_.has(name)) {
      if (required) problem(fmt::format("data set '{}' is missing", name));
      return std::nullopt;
    }
    std::vector<long long> s;
    try {
      s = g_.shape(name);
      Id type(H5Dopen2(g_.id(), name.c_str(), H5P_DEFAULT), H5Dclose);
      Id t(H5Dget_type(type.get()), H5Tclose);
      if (H5Tget_class(t.get()) != H5T_FLOAT) problem(fmt::format("data set '{}' is not floating point", name));
    } catch (const Error& e) {
      problem(e.what());
      return std::nullopt;
    }
    bool match = s.size() == shape.size();
    for (size_t i = 0; match && i < s.size(); ++i) match = shape[i] < 0 || shape[i] == s[i];
    if (!match) {
      std::vector<std::string> want;
      for (long long e : shape) want.push_back(e < 0 ? "any" : std::to_string(e));
      problem(fmt::format("data set '{}' has shape [{}], expected [{}]", name, fmt::join(s, ", "), fmt::join(want, ", ")));
    }
    return s;
  }

  std::optional<Scope> group(const std::string& name, bool required = true) {
    seen_.insert(name);
    if (!g_.has(name)) {
      if (required) problem(fmt::format("group '{}' is missing", name));
      return std::nullopt;
    }
    try {
      return Scope(g_.open_group(name), problems_);
    } catch (const Error& e) {
      problem(e.what());
      return std::nullopt;
    }
  }
  bool has(const std::string& name) const { return g_.has(name); }
  std::vector<std::string> unseen_objects() const {
    std::vector<std::string> out;
    for (const auto& n : g_.names())
      if (!seen_.count(n)) out.push_back(n);
    return out;
  }
  void mark_seen(const std::string& name) { seen_.insert(name); }
  // Attributes of any name and type (provenance: free-form by design).
  void any_attributes() { for (const auto& [k, v] : attrs_) seen_attrs_.insert(k); }

  void finish() {
    for (const auto& [k, v] : attrs_)
      if (!seen_attrs_.count(k)) problem(fmt::format("attribute '{}' is not in the documented schema", k));
    for (const auto& n : unseen_objects()) problem(fmt::format("object '{}' is not in the documented schema", n));
  }

 private:
  using Id = h5::Id;
  h5::Group g_;
  Attributes attrs_;
  std::vector<std::string>& problems_;
  std::set<std::string> seen_attrs_, seen_;
};

void check_layout(Scope& parent) {
  if (auto l = parent.group("layout")) {
    l->attr("dims", Type::ints);
    l->attr("fields", Type::strings);
    l->attr("ordering", Type::string);
    l->attrs({"lower", "upper"}, Type::numbers, false);
    l->finish();
  }
}

void check_provenance(Scope& parent, bool required = true) {
  if (auto p = parent.group("provenance", required)) {
    p->any_attributes();
    p->finish();
  }
}

// Snapshot content (kinds snapshots and trajectory): N and n from /states.
void check_snapshots(Scope& root, bool trajectory, bool incomplete) {
  const auto states = root.data("states", {-1, -1});
  const long long N = states ? (*states)[0] : -1, n = states ? (*states)[1] : -1;
  if (const auto t = root.data("time", {incomplete ? -1 : N}); t && incomplete && (*t)[0] > N)
    root.problem(fmt::format("/time holds {} times for {} states", (*t)[0], N));
  root.data("parameters", {N, -1}, false);
  check_layout(root);
  check_provenance(root);
  if (trajectory) root.data("latent", {N, -1});
  // Any further data set is a derived field of the states' shape.
  for (const auto& name : root.unseen_objects()) root.data(name, {incomplete ? -1 : N, n});
}

void check_network(Scope& parent, const std::string& name) {
  auto g = parent.group(name);
  if (!g) return;
  const auto w = g->attr("widths", Type::ints);
  g->attrs({"hidden_activation", "output_activation"}, Type::string);
  if (w) {
    const auto& widths = std::get<std::vector<long long>>(*w);
    for (size_t l = 1; l < widths.size(); ++l) {
      g->data(fmt::format("W{}", l), {widths[l - 1], widths[l]});
      g->data(fmt::format("b{}", l), {widths[l]});
    }
  }
  g->finish();
}

void check_normalization(Scope& r, long long n) {
  if (!r.attr("normalization_scale", Type::number, false)) return;
  const long long K = r.integer("normalization_pod_modes");
  r.data("normalization_mean", {n});
  if (K > 0) r.data("normalization_basis", {K, n});
}

void check_reducer(Scope& r, long long n) {
  const auto type_v = r.attr("type", Type::string);
  const std::string type = type_v ? std::get<std::string>(*type_v) : "";
  const long long latent = r.integer("latent_dim");
  if (type == "pod" || type == "linear-ae") {
    const auto centered = r.attr("centered", Type::flag);
    r.attrs({"energy_requested", "captured_energy"}, Type::number);
    r.attr("latent_dim_requested", Type::integer);
    const auto svd_v = r.attr("svd", Type::string, false);
    const std::string svd = svd_v ? std::get<std::string>(*svd_v) : "exact";
    r.data("basis", {latent, n});
    r.data("singular_values", {-1});
    if (centered && std::get<long long>(*centered) == 1) r.data("mean", {1, n});
    if (svd == "incremental") {
      const long long k = r.integer("kept_modes");
      r.attrs({"incremental_rank", "oversampling", "block_columns", "block_columns_requested", "blocks", "count"},
              Type::integer);
      r.attrs({"memory_mb", "energy", "dropped_sigma"}, Type::number);
      r.data("modes_tail", {k - latent, n});
    } else if (svd == "randomized") {
      r.attrs({"oversampling", "power_iterations", "seed"}, Type::integer);
      r.attrs({"sigma_error_bound", "sigma_change", "sketch_residual"}, Type::number);
    } else if (svd != "exact") {
      r.problem("attribute 'svd' is '" + svd + "', expected exact, randomized or incremental");
    }
    if (type == "linear-ae") {
      r.attr("route", Type::string);
      r.attr("bayes_risk", Type::number);
      r.attr("unique", Type::flag);
    }
  } else if (type == "sparse-ae") {
    r.attrs({"encoder_activation", "decoder_activation", "optimizer", "binary_threshold"}, Type::string);
    r.attrs({"epochs", "batch_size", "encoder_steps", "decoder_steps", "prox_iterations", "seed"}, Type::integer);
    r.attrs({"lambda", "encoder_step", "decoder_step", "learning_rate", "train_seconds"}, Type::number);
    r.attrs({"epsilon", "epsilon_final", "width", "regression_residual"}, Type::number, false);
    r.attrs({"decoder_refit", "regression_iterations"}, Type::integer, false);
    r.data("encoder_weight_t", {latent, n});
    r.data("encoder_bias", {latent});
    r.data("decoder_weight", {latent, n});
    r.data("decoder_bias", {1, n});
    r.data("loss_history", {-1});
  } else if (type == "ae" || type == "ri-ae" || type == "meta-ae" || type == "ae-corrected") {
    r.attr("hidden", Type::ints);
    const bool meta = type == "meta-ae" || type == "ae-corrected";
    if (meta) {
      r.attrs({"gn_iterations", "gn_max_iterations"}, Type::integer);
      r.attrs({"gn_damping", "gn_tolerance", "latent_penalty"}, Type::number);
      r.attr("gradient", Type::string);
      r.attr("epochs", Type::integer, false);
      if (type == "ae-corrected") r.attr("corrected_from", Type::string);
    } else {
      r.attrs({"epochs", "batch_size", "seed"}, Type::integer);
      r.attr("learning_rate", Type::number);
      if (type == "ri-ae") r.attr("lambda", Type::number);
    }
    r.attr("best_epoch", Type::integer, false);
    r.attrs({"best_loss", "train_seconds"}, Type::number, false);
    check_normalization(r, n);
    check_network(r, meta ? "initial_encoder" : "encoder");
    check_network(r, "decoder");
  } else if (!type.empty()) {
    r.problem("attribute 'type' is '" + type + "', not a documented reducer type");
  }
  r.finish();
}

void check_training(Scope& root) {
  if (auto t = root.group("training")) {
    t->attrs({"n", "count"}, Type::integer);
    t->attrs({"file", "created"}, Type::string);
    t->attr("fit_seconds", Type::number);
    check_layout(*t);
    check_provenance(*t, false);
    t->finish();
  }
}

long long training_n(Scope& root) {
  auto t = root.group("training", false);
  if (!t) return -1;
  const auto n = t->attr("n", Type::integer, false);
  return n ? std::get<long long>(*n) : -1;
}

void check_model(Scope& root) {
  const long long n = training_n(root);
  check_training(root);
  long long r = -1;
  if (auto red = root.group("reducer")) {
    const auto rv = red->attr("latent_dim", Type::integer, false);
    if (rv) r = std::get<long long>(*rv);
    check_reducer(*red, n);
  }
  if (auto d = root.group("latent_dynamics", false)) {
    d->attrs({"form", "velocities"}, Type::string);
    const long long dr = d->integer("latent_dim");
    if (r >= 0 && dr != r) d->problem(fmt::format("latent_dim {} differs from the reducer's {}", dr, r));
    d->data("c", {dr});
    d->data("A", {dr, dr});
    d->data("H", {dr * (dr + 1) / 2, dr});
    d->attrs({"lambda_linear", "lambda_quadratic", "holdout_error", "residual", "sample_dt"}, Type::number);
    d->attr("lambda_automatic", Type::flag);
    d->attrs({"candidates", "samples"}, Type::integer);
    d->attrs({"closure_of", "selection"}, Type::string, false);
    d->finish();
  }
}

void check_inverse_map(Scope& root) {
  const long long n = training_n(root);
  check_training(root);
  if (auto m = root.group("map")) {
    const long long rank = m->integer("rank"), mm = m->integer("m");
    if (m->integer("n") != n) m->problem("attribute 'n' differs from /training's");
    m->attr("rank_requested", Type::integer);
    m->attrs({"noise", "energy_requested", "risk", "prior_energy"}, Type::number);
    m->attr("pairs", Type::string);
    m->attr("unique", Type::flag);
    m->data("decoder", {rank, n});
    m->data("encoder_t", {rank, mm});
    m->data("singular_values", {-1});
    m->data("observation_singular_values", {-1});
    m->finish();
  }
}

void check_checkpoint(Scope& root) {
  const long long epochs = root.integer("epochs_done");
  root.attrs({"adam_steps", "best_epoch", "seed", "batch_size"}, Type::integer);
  root.attrs({"best_loss", "learning_rate"}, Type::number);
  const auto p = root.data("params", {-1});
  const long long P = p ? (*p)[0] : -1;
  for (const char* name : {"best", "adam_m", "adam_v"}) root.data(name, {P});
  root.data("losses", {epochs});
}

}  // namespace

std::vector<std::string> check_file_schema(const std::string& path, MPI_Comm comm, std::string* kind_out) {
  std::vector<std::string> problems;
  h5::File f = h5::File::open(path, comm);
  const std::string kind = h5::check_header(f.root());  // format, version: errors end the check
  if (kind_out) *kind_out = kind;
  Scope root(h5::Group(h5::Id(H5Gopen2(f.root().id(), "/", H5P_DEFAULT), H5Gclose), f.root().file(), "/", comm),
             problems);
  root.attrs({"metarom_format", "metarom_software_version"}, Type::string);
  root.attr("metarom_version", Type::integer);
  if (kind == "snapshots" || kind == "trajectory") {
    const auto complete = root.attr("complete", Type::flag, false);
    check_snapshots(root, kind == "trajectory", complete && std::get<long long>(*complete) == 0);
  } else if (kind == "model") {
    check_model(root);
  } else if (kind == "inverse_map") {
    check_inverse_map(root);
  } else if (kind == "checkpoint") {
    check_checkpoint(root);
  } else {
    root.problem("kind '" + kind + "' is not documented");
  }
  root.finish();
  // A value read twice (the reducer's latent_dim, by the model and the reducer) reports once.
  std::vector<std::string> unique;
  for (const auto& p : problems)
    if (std::find(unique.begin(), unique.end(), p) == unique.end()) unique.push_back(p);
  return unique;
}

}  // namespace metarom::cli
