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
  // POD and the linear autoencoder choose r by an energy fraction when it is 0.
  const bool energy_rule = type() == "pod" || type() == "linear-ae";
  if (r < 0 || (r == 0 && !energy_rule))
    throw Error(fmt::format("{}: -r must be {} (the latent dimension), got {}", type(),
                            energy_rule ? ">= 0 (0: chosen by an energy fraction)" : ">= 1", r));
  if (r > std::min(n, N))
    throw Error(fmt::format("{}: latent dimension r = {} exceeds min(n, N) = {} of {} (n = {} values per state, N = {} "
                            "snapshots)",
                            type(), r, std::min(n, N), data, n, N));
}

namespace {
std::map<std::string, ReducerFactory>& registry() {
  static std::map<std::string, ReducerFactory> r;
  static std::once_flag builtins;
  std::call_once(builtins, [] {
    r["pod"] = [] { return std::make_unique<Pod>(); };
    r["linear-ae"] = [] { return std::make_unique<LinearAutoencoder>(); };
    r["sparse-ae"] = [] { return std::make_unique<SparseAutoencoder>(); };
    r["ae"] = [] { return std::make_unique<Autoencoder>(); };
    r["ri-ae"] = [] { return std::make_unique<RightInvertibleAutoencoder>(); };
    r["meta-ae"] = [] { return std::make_unique<MetaAutoencoder>(); };
    r["ae-corrected"] = [] { return std::make_unique<CorrectedAutoencoder>(); };
  });
  return r;
}
}  // namespace

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
