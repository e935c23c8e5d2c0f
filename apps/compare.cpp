// metarom compare -i train.h5 [-test test.h5] -r R[,R2,...] -reducers pod,ae,meta-ae -o DIR
// Fits every reducer at the same latent size on the same training snapshots, evaluates
// reconstruction on train and test, runs each latent ROM against the full model over the
// same time span, and writes DIR/compare.md, DIR/compare.json, the trajectories (with XDMF
// side files) and, when Debian's python3-matplotlib and python3-h5py are there, the plots
// of apps/compare_plots.py. A reducer or ROM that fails is reported in the table.
// Every reducer runs with its own defaults and the user's options; POD is centred, like the
// neural reducers' POD stage, unless -pod_center says otherwise.
// Stages: planning (ComparePlan: the options), running (CompareRun, compare_run.hpp: the
// reference run, then per reducer and latent size fit → evaluate → ROM rows, also the
// +learned and +closure rows), reporting (compare_report.hpp: Markdown from the JSON alone,
// and the figures).
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "compare_report.hpp"
#include "compare_run.hpp"
#include "metarom/io/text_file.hpp"

namespace metarom::cli {

int cmd_compare(const std::string&) {
  Common c;
  const ComparePlan plan = ComparePlan::from_options(c);
  CompareRun run(plan, c);
  run.run_reference();
  nlohmann::json results = nlohmann::json::array();
  for (const int r : plan.dims)
    for (const std::string& item : plan.items)
      for (nlohmann::json& row : run.reducer_rows(item, r)) results.push_back(std::move(row));
  const nlohmann::json all = run.summary(results);

  // Report: the numbers above, as JSON and as Markdown written from that JSON alone.
  const std::string md = compare_markdown(all);
  if (is_root()) {
    write_text_file(plan.out + "/compare.json", all.dump(1) + "\n");
    write_text_file(plan.out + "/compare.md", md);
  }
  MPI_Barrier(PETSC_COMM_WORLD);
  // Figures: drawn from the files just written.
  const std::string figures = plan.plots && is_root() ? draw_compare_figures(plan.out) : "";
  print(c.json ? all.dump() + "\n"
               : md + fmt::format("\nwrote {}/compare.md, {}/compare.json\n{}", plan.out, plan.out, figures));
  return 0;
}

}  // namespace metarom::cli
