// metarom eval -m model.h5 -i snaps.h5: reconstruction metrics of a saved reducer.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "metarom/error.hpp"
#include "metarom/metrics.hpp"
#include "metarom/reducer.hpp"

namespace metarom::cli {

int cmd_eval(const std::string&) {
  std::string model_path, in;
  std::vector<Option> opts{{"-m", "Model file (from metarom fit)", &model_path},
                           {"-i", "Snapshot file to evaluate on", &in}};
  const Common c = common_options(opts, "metarom eval");
  require(model_path, "-m", "model.h5");
  require(in, "-i", "snaps.h5");
  const SnapshotSet set = read_snapshots(in, PETSC_COMM_WORLD);
  ModelFile model = load_model(model_path, PETSC_COMM_WORLD, [&](const ModelFile& header) {
    if (header.n != set.n())
      throw Error(fmt::format("{} is for states of {} values, {} has {}", model_path, header.n, in, set.n()));
    return set.rows;
  });
  const ReconstructionMetrics m = reconstruction_metrics(*model.reducer, set);
  if (c.json) {
    nlohmann::json j{{"mse", m.mse},         {"sr_mse", m.sr_mse},   {"rel_error", m.rel_error},
                     {"reducer", model.reducer->type()}, {"latent_dim", model.reducer->latent_dim()},
                     {"n", set.n()},         {"count", set.count()}};
    print(j.dump() + "\n");
  } else {
    print(fmt::format("{} (r = {}) on {} ({} snapshots):\n  MSE                          {:.6e}\n"
                      "  second-reconstruction MSE    {:.6e}\n  relative error ||X~-X||/||X|| {:.6e}\n",
                      model.reducer->type(), model.reducer->latent_dim(), in, set.count(), m.mse, m.sr_mse,
                      m.rel_error));
  }
  return 0;
}

}  // namespace metarom::cli
