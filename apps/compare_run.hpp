#pragma once
// The planning and running stages of `metarom compare` (apps/compare.cpp drives them, and
// compare_report.hpp writes the report from their JSON):
//   ComparePlan  what to compare — options read and checked, nothing computed;
//   CompareRun   the full model rebuilt from the training file's provenance, the data read in
//                its rows, the reference run (and the predictability floor of a chaotic
//                model); then, per reducer and latent size, the fit, the reconstruction
//                metrics and the latent ROM runs, each a JSON row.
#include <nlohmann/json.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "metarom/io/snapshots.hpp"
#include "metarom/io/trajectory_set.hpp"
#include "metarom/models/model.hpp"
#include "metarom/models/parameter_sweep.hpp"
#include "metarom/reducers/reducer.hpp"
#include "metarom/rom/hyper_reduction.hpp"
#include "metarom/rom/latent_rom.hpp"
#include "metarom/rom/learned_dynamics.hpp"

namespace metarom::cli {

struct Common;

struct ComparePlan {
  std::string train_path, test_path, out = "compare";
  std::vector<int> dims;                   // latent sizes
  std::vector<std::string> items;          // reducer types or saved model files
  std::vector<std::string> dynamics_rows;  // "learned", "closure": extra rows per reducer
  std::vector<RomKind> extra_roms;         // -roms beyond the automatic one (lspg: rows of its own)
  int dt_multiple = 0;                     // 0: the model's default
  bool plots = true;
  double floor_perturbation = 1e-6;
  bool centre_pod = true;  // compare's one choice: POD centred unless -pod_center is given
  OperatorInference inference;
  LatentRomSettings rom_settings;
  HyperReductionSettings hyper_reduction;  // the galerkin-hr rows' sample rows (-hr_method, -hr_modes, ...)
  std::string r_list, reducers;  // as given, for progress lines
  // Prediction: parameter vectors not trained on (-test_parameters), each a reference run of
  // the full model and every ROM; with -replay also the training trajectories, labelled.
  ParameterSweep held_out;
  bool replay = false;

  // Reads the command's options (and the ones of operator inference and the ROMs).
  static ComparePlan from_options(Common& common);
  static bool is_model_file(const std::string& item) { return item.size() > 3 && item.ends_with(".h5"); }
};

class CompareRun {
 public:
  // Rebuilds the full model, reads the data in its rows and checks the inputs (model files
  // readable, latent sizes the training set can give) before any work.
  CompareRun(const ComparePlan& plan, const Common& common);
  // The reference run (or the recorded files of a chaotic model) and the floor's twin run;
  // writes full.h5 (and floor.h5 later).
  void run_reference();
  // The rows of one reducer (type or model file) at latent size r: the plain ROM row and its
  // +learned and +closure rows; a failure is reported in the row.
  std::vector<nlohmann::json> reducer_rows(const std::string& item, int r);
  // Everything the report needs, with `results` (the rows) and the floor.
  nlohmann::json summary(const nlohmann::json& results);

 private:
  struct Fitted {
    std::unique_ptr<Reducer> reducer;
    std::shared_ptr<const LearnedDynamics> saved;  // learned dynamics a model file carries
    bool from_file = false;
  };
  void check_inputs() const;
  Fitted fit(const std::string& item, int r, const std::string& tag, nlohmann::json& j) const;
  // Errors and flow statistics of states X (at times t) against the reference run.
  void score(nlohmann::json& j, const Matrix& X, const Vector& t) const;
  // One latent ROM of `reducer` against the reference run, its trajectory file written.
  // An LSPG row's name: on the POD stage's residual or the full one (-rom_lspg_residual).
  std::string lspg_label(const Reducer& reducer) const;
  void run_rom_row(nlohmann::json& j, RomKind kind, const Reducer& reducer,
                   std::shared_ptr<const LatentDynamics> learned, const std::string& file_tag,
                   std::shared_ptr<const HyperReduction> hyper_reduction = nullptr) const;
  // The sample rows of a galerkin-hr row: f at the projected training states, its fields in j.
  std::shared_ptr<const HyperReduction> fit_hyper_reduction(const Reducer& reducer, nlohmann::json& j) const;
  nlohmann::json dynamics_row(const std::string& kind, const nlohmann::json& reducer_fields, const Fitted& fitted,
                              RomKind rom_kind, const std::string& tag) const;

  // A further point at which every ROM runs against the full model (the first point is the
  // primary run below: fom_, full_): a held-out parameter vector or a replayed training
  // trajectory.
  struct Case {
    std::string label;                      // "held-out", "replay" or "predicted" (a setting changed)
    std::string parameters;                 // "burgers_amplitude = 1" (empty: none)
    std::vector<std::string> names;         // the point's parameters and values
    std::vector<double> values;
    std::vector<std::string> extrapolates;  // settings outside what was trained on
    std::unique_ptr<FullOrderModel> fom;
    SnapshotSet full;                       // its reference run
    double fom_seconds = 0;
  };
  nlohmann::json case_fields(const Case& c) const;
  // The ROM of `kind` run at case c, scored against its reference run.
  nlohmann::json case_row(const Case& c, RomKind kind, const Reducer& reducer,
                          const std::shared_ptr<const LatentDynamics>& learned,
                          const std::shared_ptr<const HyperReduction>& hyper_reduction) const;
  TimeGrid rom_grid_for(const FullOrderModel& fom) const;

  const ComparePlan& plan_;
  const Common& common_;
  Case primary_;                      // label, parameters and extrapolation of the primary run
  std::vector<Case> cases_;           // the further points
  std::vector<ParameterRange> ranges_;  // of the training set's parameters
  std::unique_ptr<FullOrderModel> fom_;
  RowPartition rows_;
  SnapshotSet train_;
  std::optional<SnapshotSet> test_;
  TimeGrid rom_grid_;
  SnapshotSet full_;                  // the reference run
  std::optional<SnapshotSet> twin_;   // the predictability floor's run
  std::string reference_;
  double fom_seconds_ = 0;
  Matrix full_energy_;                // E and Z of the reference run (flows that define them)
  Index in_window_ = 1;               // reference states inside the training window
};

}  // namespace metarom::cli
