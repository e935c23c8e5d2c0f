// metarom eval -m model.h5 -i snaps.h5: reconstruction metrics of a saved reducer.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "metarom/error.hpp"
#include "metarom/reducers/meta_autoencoder.hpp"
#include "metarom/reducers/metrics.hpp"
#include "metarom/rom/model_file.hpp"
#include "metarom/reducers/reducer.hpp"

namespace metarom::cli {

int cmd_eval(const std::string&) {
  std::string model_path, in;
  int drift_steps = 100, eval_iterations = 0;
  std::vector<Option> opts{{"-m", "Model file (from metarom fit)", &model_path},
                           {"-i", "Snapshot file to evaluate on", &in},
                           {"-drift_steps", "k: report the drift of the k-th repeated reconstruction", &drift_steps},
                           {"-meta_eval_iterations",
                            "meta-ae, ae-corrected: encode with exactly I Gauss-Newton steps (the paper's protocol; "
                            "0: to convergence)",
                            &eval_iterations}};
  const Common c = common_options(opts, "metarom eval");
  require(model_path, "-m", "model.h5");
  require(in, "-i", "snaps.h5");
  const SnapshotSet set = read_snapshots(in, PETSC_COMM_WORLD);
  ModelFile model = load_model(model_path, PETSC_COMM_WORLD, [&](const ModelFile& header) {
    if (header.training.n != set.n())
      throw Error(fmt::format("{} is for states of {} values, {} has {}", model_path, header.training.n, in, set.n()));
    return set.rows;
  });
  if (drift_steps < 1) throw Error("-drift_steps must be >= 1");
  if (eval_iterations < 0) throw Error("-meta_eval_iterations must be >= 0 (0: encode to convergence)");
  std::string encoder;
  if (auto* meta = dynamic_cast<MetaAutoencoder*>(model.reducer.get())) {
    meta->set_evaluation_iterations(eval_iterations);
    encoder = eval_iterations > 0
                  ? fmt::format("{} Gauss–Newton steps from θ₀ (the paper's protocol)", eval_iterations)
                  : std::string("Gauss–Newton solved to convergence");
  }
  const ReconstructionMetrics m = reconstruction_metrics(*model.reducer, set, drift_steps);
  if (c.json) {
    nlohmann::json j{{"mse", m.mse},         {"sr_mse", m.sr_mse},   {"rel_error", m.rel_error},
                     {"drift", m.drift},     {"drift_steps", m.drift_steps}, {"right_inverse", m.right_inverse},
                     {"right_inverse_rel", m.right_inverse_rel},
                     {"reducer", model.reducer->type()}, {"latent_dim", model.reducer->latent_dim()},
                     {"n", set.n()},         {"count", set.count()}};
    if (!encoder.empty()) j["encoder"] = encoder;
    print(j.dump() + "\n");
  } else {
    print(fmt::format("{} (r = {}) on {} ({} snapshots):\n"
                      "  MSE (3.20)                          {:.6e}\n"
                      "  second-reconstruction MSE (5.2)     {:.6e}\n"
                      "  relative error ||X~-X||/||X||       {:.6e}\n"
                      "  drift of reconstruction {:<4d}        {:.6e}\n"
                      "  right-inverse violation |θ(φ(θ(x)))-θ(x)|, mean {:.6e} (relative to |θ(x)|: {:.6e})\n",
                      model.reducer->type(), model.reducer->latent_dim(), in, set.count(), m.mse, m.sr_mse,
                      m.rel_error, m.drift_steps, m.drift, m.right_inverse, m.right_inverse_rel) +
          (encoder.empty() ? std::string() : "  encoder: " + encoder + "\n"));
  }
  return 0;
}

}  // namespace metarom::cli
