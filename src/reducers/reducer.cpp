#include "metarom/reducers/reducer.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <mutex>

#include "metarom/error.hpp"
#include "metarom/io/petsc_handle.hpp"
#include "metarom/reducers/meta_autoencoder.hpp"
#include "metarom/reducers/linear_autoencoder.hpp"
#include "metarom/reducers/pod.hpp"
#include "metarom/reducers/sparse_autoencoder.hpp"

namespace metarom {

namespace {
PetscErrorCode latent_dim_option(const char* prefix, int current, PetscInt* r, PetscBool* set) {
  PetscFunctionBeginUser;
  PetscOptionsBegin(PETSC_COMM_WORLD, prefix, "Reducer", "Reducer");
  PetscCall(PetscOptionsInt("-reducer_latent_dim", "Latent dimension r (POD: 0 chooses r by -pod_energy)", "Reducer",
                            current, r, set));
  PetscOptionsEnd();
  PetscFunctionReturn(0);
}
}  // namespace

void Reducer::set_from_options(const std::string& prefix) {
  prefix_ = prefix;
  PetscInt r = latent_dim_setting();
  PetscBool set = PETSC_FALSE;
  METAROM_PETSC(latent_dim_option(petsc_prefix(prefix), latent_dim_setting(), &r, &set));
  if (set) set_latent_dim(static_cast<int>(r));
  read_options(prefix);
}

void Reducer::check_latent_dim(long long n, long long N, const std::string& data) const {
  const int r = latent_dim_setting();
  const bool energy_rule = chooses_latent_dim_by_energy();
  if (r < 0 || (r == 0 && !energy_rule))
    throw Error(fmt::format("{}: -r must be {} (the latent dimension), got {}", type(),
                            energy_rule ? ">= 0 (0: chosen by an energy fraction)" : ">= 1", r));
  if (r > std::min(n, N))
    throw Error(fmt::format("{}: latent dimension r = {} exceeds min(n, N) = {} of {} (n = {} values per state, N = {} "
                            "snapshots)",
                            type(), r, std::min(n, N), data, n, N));
}

namespace {
// The one table of the built-in reducers: kind, name, how to make one.
struct BuiltinReducer {
  ReducerKind kind;
  const char* name;
  std::unique_ptr<Reducer> (*make)();
};
template <class T>
std::unique_ptr<Reducer> make() {
  return std::make_unique<T>();
}
constexpr BuiltinReducer builtin_reducers[] = {
    {ReducerKind::pod, "pod", make<Pod>},
    {ReducerKind::linear_ae, "linear-ae", make<LinearAutoencoder>},
    {ReducerKind::sparse_ae, "sparse-ae", make<SparseAutoencoder>},
    {ReducerKind::ae, "ae", make<Autoencoder>},
    {ReducerKind::ri_ae, "ri-ae", make<RightInvertibleAutoencoder>},
    {ReducerKind::meta_ae, "meta-ae", make<MetaAutoencoder>},
    {ReducerKind::ae_corrected, "ae-corrected", make<CorrectedAutoencoder>},
};

std::map<std::string, ReducerFactory>& registry() {
  static std::map<std::string, ReducerFactory> r;
  static std::once_flag builtins;
  std::call_once(builtins, [] {
    for (const auto& b : builtin_reducers) r[b.name] = b.make;
  });
  return r;
}
}  // namespace

std::string reducer_kind_name(ReducerKind kind) {
  for (const auto& b : builtin_reducers)
    if (b.kind == kind) return b.name;
  throw Error("reducer_kind_name: a custom reducer names itself (override Reducer::type)");
}

ReducerKind reducer_kind_from_name(const std::string& name) {
  for (const auto& b : builtin_reducers)
    if (name == b.name) return b.kind;
  return ReducerKind::custom;
}

void register_reducer(const std::string& type, ReducerFactory factory) { registry()[type] = std::move(factory); }

std::vector<std::string> reducer_types() {
  std::vector<std::string> names;
  for (const auto& [name, f] : registry()) names.push_back(name);
  return names;
}

std::unique_ptr<Reducer> create_reducer(const std::string& type) {
  auto it = registry().find(type);
  if (it == registry().end())
    throw Error(fmt::format("unknown reducer type '{}' (known: {})", type, fmt::join(reducer_types(), ", ")));
  return it->second();
}

}  // namespace metarom
