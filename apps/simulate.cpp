// metarom simulate MODEL -o snaps.h5: run a full-order model and write its snapshots.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "metarom/error.hpp"
#include "metarom/heat.hpp"
#include "metarom/snapshots.hpp"

namespace metarom::cli {

int cmd_simulate(const std::string& operand) {
  std::string out = "heat.h5";
  std::vector<Option> opts{{"-o", "Output snapshot file", &out}};
  const Common c = common_options(opts, "metarom simulate MODEL");
  const std::string model = require(operand, "MODEL", "(the model to run: heat)");
  if (model != "heat") throw Error("unknown model '" + model + "' (known: heat)");

  HeatConfig config;
  config.set_from_options(PETSC_COMM_WORLD);
  HeatModel heat(PETSC_COMM_WORLD, config);
  progress(c, fmt::format("simulate heat: {}-D, grid {}{}, kappa {}, t in [{}, {}], {} steps, snapshot every {}\n",
                          config.dim, config.nx, config.dim == 2 ? fmt::format(" x {}", config.ny) : "", config.kappa,
                          config.time.t0, config.time.t_final, config.time.steps, config.time.stride));
  const SnapshotSet set = heat.simulate(!c.quiet && !c.json);
  write_snapshots(out, set);

  // Error of the final recorded state against the exact solution of the PDE.
  const Vector exact = heat.exact_solution(set.t(set.count() - 1));
  const double err2 = allreduce_sum(set.rows.comm, (set.X.col(set.count() - 1) - exact).squaredNorm());
  const double ref2 = allreduce_sum(set.rows.comm, exact.squaredNorm());
  const double rel = std::sqrt(err2 / ref2);
  if (c.json) {
    nlohmann::json j{{"file", out},         {"n", set.n()},
                     {"snapshots", set.count()}, {"seconds", heat.solve_seconds()},
                     {"final_rel_error_vs_exact", rel}};
    print(j.dump() + "\n");
  } else {
    print(fmt::format("wrote {}: {} snapshots of {} values in {:.3f} s; final-state relative error against the "
                      "exact solution {:.3e}\n",
                      out, set.count(), set.n(), heat.solve_seconds(), rel));
  }
  return 0;
}

}  // namespace metarom::cli
