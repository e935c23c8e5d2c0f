#include "metarom/rom/latent_rom.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <petscsys.h>

#include <string>
#include <vector>

#include "metarom/error.hpp"
#include "metarom/io/petsc_handle.hpp"
#include "metarom/rom/learned_dynamics.hpp"

namespace metarom {

namespace {
PetscErrorCode rom_options(const char* prefix, double* damping, std::string* lspg_residual) {
  PetscReal delta = *damping;
  char residual[32];
  PetscBool set;
  PetscFunctionBeginUser;
  PetscOptionsBegin(PETSC_COMM_WORLD, prefix, "Latent ROM (metarom)", "LatentRom");
  PetscCall(PetscOptionsReal("-manifold_damping",
                             "Manifold Galerkin damping delta (negative: 1e-4 for nonlinear decoders, 0 for affine)",
                             "LatentRom", delta, &delta, nullptr));
  PetscCall(PetscOptionsString("-lspg_residual",
                               "Manifold LSPG residual: full (n rows), stage (projected on a neural reducer's POD stage, free of n) or auto (stage where there is one)",
                               "LatentRom", lspg_residual->c_str(), residual, sizeof residual, &set));
  PetscOptionsEnd();
  *damping = delta;
  if (set) *lspg_residual = residual;
  PetscFunctionReturn(0);
}
}  // namespace

void LatentRomSettings::set_from_options(const std::string& p) {
  prefix = p;
  METAROM_PETSC(rom_options(petsc_prefix(p), &manifold_damping, &lspg_residual));
  if (lspg_residual != "auto" && lspg_residual != "full" && lspg_residual != "stage")
    throw Error(fmt::format("-{}lspg_residual must be auto, full or stage, got '{}'", p, lspg_residual));
}

double LatentRomSettings::damping_for(const Reducer& reducer) const {
  return manifold_damping >= 0 ? manifold_damping : default_manifold_damping(reducer);
}

namespace {
// The one table of ROM kinds and their names.
struct RomKindName {
  RomKind kind;
  const char* name;
};
constexpr RomKindName rom_kind_table[] = {{RomKind::automatic, "auto"},
                                          {RomKind::galerkin, "galerkin"},
                                          {RomKind::manifold_galerkin, "manifold-galerkin"},
                                          {RomKind::lspg, "lspg"},
                                          {RomKind::learned, "learned"},
                                          {RomKind::galerkin_hr, "galerkin-hr"}};
}  // namespace

std::string rom_kind_name(RomKind kind) {
  for (const auto& [k, name] : rom_kind_table)
    if (k == kind) return name;
  throw Error("rom_kind_name: not a ROM kind");
}

std::vector<std::string> rom_kind_names() {
  std::vector<std::string> names;
  for (const auto& entry : rom_kind_table) names.emplace_back(entry.name);
  return names;
}

RomKind rom_kind_from_name(const std::string& name) {
  for (const auto& [k, n] : rom_kind_table)
    if (name == n) return k;
  throw Error(fmt::format("ROM type must be {}, got '{}'", fmt::join(rom_kind_names(), ", "), name));
}

std::shared_ptr<const LatentDynamics> galerkin_dynamics(RomKind kind, const FullOrderModel& model,
                                                        const Reducer& reducer, const LatentRomSettings& settings) {
  if (kind == RomKind::galerkin) return std::make_shared<QuadraticGalerkinRom>(model, reducer);
  if (kind == RomKind::manifold_galerkin)
    return std::make_shared<ManifoldGalerkinRom>(model, reducer, settings.damping_for(reducer));
  throw Error("a closure corrects a Galerkin ROM (galerkin or manifold-galerkin), not '" + rom_kind_name(kind) + "'");
}

std::shared_ptr<const LatentDynamics> galerkin_dynamics(const std::string& type, const FullOrderModel& model,
                                                        const Reducer& reducer, const LatentRomSettings& settings) {
  return galerkin_dynamics(rom_kind_from_name(type), model, reducer, settings);
}

RomKind LatentRom::galerkin_kind(const FullOrderModel& model, const Reducer& reducer) {
  return reducer.affine_decoder() && model.quadratic_structure() ? RomKind::galerkin : RomKind::manifold_galerkin;
}

RomKind LatentRom::resolve(RomKind kind, const FullOrderModel& model, const Reducer& reducer, bool hyper_reduced) {
  if (kind != RomKind::automatic) return kind;
  if (hyper_reduced && reducer.affine_decoder()) return RomKind::galerkin_hr;
  // On 2-D Burgers at a held-out amplitude (three seeds, r = 2..20) 20 of 45 neural manifold
  // Galerkin ROMs failed and no LSPG one did; on the POD stage LSPG costs about Galerkin's.
  if (!reducer.affine_decoder() && model.transport_dominated() &&
      ManifoldLspgRom::stage_available(model, reducer, hyper_reduced))
    return RomKind::lspg;
  // A neural reducer's hyper-reduced Galerkin ROM: manifold Galerkin on the hyper-reduced stage.
  if (hyper_reduced) return RomKind::galerkin_hr;
  return galerkin_kind(model, reducer);
}

std::string LatentRom::resolve(const std::string& type, const FullOrderModel& model, const Reducer& reducer) {
  return rom_kind_name(resolve(rom_kind_from_name(type), model, reducer));
}

LatentRom::LatentRom(const std::string& type, const FullOrderModel& model, const Reducer& reducer,
                     std::shared_ptr<const LatentDynamics> learned, const LatentRomSettings& settings,
                     std::shared_ptr<const HyperReduction> hyper_reduction)
    : LatentRom(rom_kind_from_name(type), model, reducer, std::move(learned), settings, std::move(hyper_reduction)) {}

LatentRom::LatentRom(RomKind kind, const FullOrderModel& model, const Reducer& reducer,
                     std::shared_ptr<const LatentDynamics> learned, const LatentRomSettings& settings,
                     std::shared_ptr<const HyperReduction> hyper_reduction)
    : kind_(resolve(kind, model, reducer, hyper_reduction != nullptr)),
      implicit_type_(model.implicit_ts_type()),
      prefix_(settings.prefix) {
  switch (kind_) {
    case RomKind::galerkin_hr:
      if (!hyper_reduction)
        throw Error("galerkin-hr ROM: the model file carries no hyper-reduction (fit it with -hr_method deim)");
      if (reducer.affine_decoder()) dynamics_ = std::make_unique<HyperReducedGalerkinRom>(model, reducer, *hyper_reduction);
      else dynamics_ = std::make_unique<ManifoldGalerkinRom>(model, reducer, settings.damping_for(reducer), hyper_reduction);
      break;
    case RomKind::learned: {
      if (!learned)
        throw Error("learned ROM: the model file carries no latent dynamics (fit it with -latent_dynamics learned)");
      if (learned->dim() != reducer.latent_dim())
        throw Error(fmt::format("learned ROM: dynamics for r = {}, the reducer has r = {}", learned->dim(),
                                reducer.latent_dim()));
      // Parameter-dependent operators are taken at the model's parameters; a closure
      // (learned_dynamics.hpp) corrects the reducer's Galerkin ROM, rebuilt here.
      auto closure = std::dynamic_pointer_cast<const LearnedDynamics>(learned);
      if (closure && closure->parametric()) {
        closure = std::make_shared<const LearnedDynamics>(closure->at_settings(model.provenance(), "learned ROM"));
        learned = closure;
      }
      if (closure && !closure->report().closure_of.empty())
        dynamics_ = std::make_shared<ClosedDynamics>(
            galerkin_dynamics(closure->report().closure_of, model, reducer, settings), closure);
      else
        dynamics_ = std::move(learned);
      break;
    }
    case RomKind::galerkin:
      if (model.linear_operator()) linear_ = std::make_unique<LinearGalerkinRom>(model, reducer);
      else dynamics_ = std::make_unique<QuadraticGalerkinRom>(model, reducer);
      break;
    case RomKind::manifold_galerkin:
      dynamics_ = std::make_unique<ManifoldGalerkinRom>(model, reducer, settings.damping_for(reducer));
      break;
    case RomKind::lspg:
      lspg_ = std::make_unique<ManifoldLspgRom>(
          model, reducer,
          ManifoldLspgRom::Settings{.residual = settings.lspg_residual == "stage"  ? ManifoldLspgRom::Residual::stage
                                                : settings.lspg_residual == "full" ? ManifoldLspgRom::Residual::full
                                                                                   : ManifoldLspgRom::Residual::automatic},
          reducer.affine_decoder() ? nullptr : hyper_reduction);  // affine: its hyper-reduction is galerkin-hr's
      break;
    case RomKind::automatic:
      throw Error("LatentRom: the automatic kind did not resolve");  // resolve() never returns it
  }
}

LatentRom::~LatentRom() = default;
LatentRom::LatentRom(LatentRom&&) noexcept = default;

LatentTrajectory LatentRom::solve(const Vector& u0, const TimeGrid& grid) const {
  if (linear_) return linear_->solve(u0, grid);
  if (lspg_) return lspg_->solve(u0, grid);
  if (kind_ == RomKind::learned && implicit_type_.empty()) {
    // Learned operators can be stiffer than the snapshot spacing the ROM steps by: RK4 then
    // takes as many substeps as its stability at u0 needs (the same rule the λ search
    // integrates with), still recording at the grid's snapshots.
    const int m = rk4_substeps(*dynamics_, u0, grid.dt());
    return integrate_latent(*dynamics_, u0, TimeGrid{grid.t0, grid.t_final, grid.steps * m, grid.stride * m}, prefix_,
                            implicit_type_);
  }
  return integrate_latent(*dynamics_, u0, grid, prefix_, implicit_type_);
}


}  // namespace metarom
