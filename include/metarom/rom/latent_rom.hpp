#pragma once
// The latent ROM of a full-order model and a reducer, by kind (docs/methods.md, "Latent-space
// reduced models"): Galerkin with operators projected once (galerkin_rom.hpp), manifold
// Galerkin or LSPG (manifold_rom.hpp), or learned latent dynamics (learned_dynamics.hpp),
// integrated as latent_integration.hpp says. This header includes those it builds on.
#include <memory>
#include <string>
#include <vector>

#include "metarom/models/model.hpp"
#include "metarom/reducers/reducer.hpp"
#include "metarom/rom/galerkin_rom.hpp"
#include "metarom/rom/hyper_reduction.hpp"
#include "metarom/rom/latent_integration.hpp"
#include "metarom/rom/manifold_rom.hpp"

namespace metarom {

// Settings of the latent ROMs, read under an options prefix ("rom_" in metarom's
// programs): -<prefix>manifold_damping δ (negative or absent: default_manifold_damping of
// the reducer), and the prefix itself, under which the latent TS reads its options
// (-rom_ts_type, ...).
struct LatentRomSettings {
  double manifold_damping = -1;
  std::string lspg_residual = "auto";  // -<prefix>lspg_residual: auto, full or stage (ManifoldLspgRom::Residual)
  std::string prefix = "rom_";
  void set_from_options(const std::string& prefix = "rom_");
  double damping_for(const Reducer& reducer) const;
};

// The kinds of latent ROM. Their names — on the command line (-rom_type), in files (a
// closure's closure_of, a trajectory's provenance) and in reports — come from one table:
// rom_kind_name and rom_kind_from_name (which throws listing the names).
enum class RomKind { automatic, galerkin, manifold_galerkin, lspg, learned, galerkin_hr };
// "auto", "galerkin", "manifold-galerkin", "lspg", "learned", "galerkin-hr"
std::string rom_kind_name(RomKind kind);
RomKind rom_kind_from_name(const std::string& name);
std::vector<std::string> rom_kind_names();

// The Galerkin ROM of kind `kind` (galerkin: operators projected once, or
// manifold_galerkin, with the settings' damping) as latent dynamics: the ROM a learned
// closure corrects.
std::shared_ptr<const LatentDynamics> galerkin_dynamics(RomKind kind, const FullOrderModel& model,
                                                        const Reducer& reducer, const LatentRomSettings& settings = {});
// ... by name ("galerkin" or "manifold-galerkin").
std::shared_ptr<const LatentDynamics> galerkin_dynamics(const std::string& type, const FullOrderModel& model,
                                                        const Reducer& reducer, const LatentRomSettings& settings = {});

// The latent ROM of a model and a reducer by name — "galerkin" (operators projected once;
// the linear CN-ready form for linear models), "manifold-galerkin", "lspg" or "learned"
// (learned latent dynamics saved with the model, learned_dynamics.hpp: the full model is
// never evaluated) — or "auto": Galerkin for an affine decoder on a linear or quadratic
// model, manifold LSPG for a neural reducer with a POD stage on a transport-dominated model,
// manifold Galerkin otherwise (resolve). Construction does the offline work; solve() the
// online time stepping.
//
// "galerkin-hr": the hyper-reduced Galerkin ROM (hyper_reduction.hpp), f evaluated at the
// sample rows of `hyper_reduction` (a model file's, `fit -hr_method deim`) only: of an affine
// decoder, or for a neural reducer the manifold Galerkin ROM on its hyper-reduced POD stage;
// "lspg" takes the hyper-reduction on its stage residual too. "auto" takes them where it is
// given.
class LatentRom {
 public:
  LatentRom(RomKind kind, const FullOrderModel& model, const Reducer& reducer,
            std::shared_ptr<const LatentDynamics> learned = nullptr, const LatentRomSettings& settings = {},
            std::shared_ptr<const HyperReduction> hyper_reduction = nullptr);
  // ... by name (rom_kind_from_name).
  LatentRom(const std::string& type, const FullOrderModel& model, const Reducer& reducer,
            std::shared_ptr<const LatentDynamics> learned = nullptr, const LatentRomSettings& settings = {},
            std::shared_ptr<const HyperReduction> hyper_reduction = nullptr);
  ~LatentRom();
  LatentRom(LatentRom&&) noexcept;
  // The kind `automatic` resolves to for this model and reducer; other kinds unchanged: the
  // hyper-reduced Galerkin ROM for an affine decoder when `hyper_reduced` (a hyper-reduction is
  // at hand), manifold LSPG on the POD stage's residual for a neural reducer with a POD stage
  // on a transport-dominated model (FullOrderModel::transport_dominated), hyper-reduced when
  // `hyper_reduced`; galerkin_hr for other neural reducers when `hyper_reduced`; else
  // galerkin_kind.
  static RomKind resolve(RomKind kind, const FullOrderModel& model, const Reducer& reducer, bool hyper_reduced = false);
  // The Galerkin ROM the reducer allows (what a learned closure corrects): Galerkin with
  // operators projected once for an affine decoder on a polynomial model, manifold Galerkin
  // otherwise.
  static RomKind galerkin_kind(const FullOrderModel& model, const Reducer& reducer);
  // ... by name: the name of the resolved kind (throws on an unknown name).
  static std::string resolve(const std::string& type, const FullOrderModel& model, const Reducer& reducer);
  RomKind kind() const { return kind_; }
  std::string type() const { return rom_kind_name(kind_); }
  LatentTrajectory solve(const Vector& u0, const TimeGrid& grid) const;

 private:
  RomKind kind_;
  std::string implicit_type_;  // the model's: the latent TS's default type ("" explicit)
  std::string prefix_;         // the latent TS's options prefix
  std::unique_ptr<LinearGalerkinRom> linear_;
  std::shared_ptr<const LatentDynamics> dynamics_;
  std::unique_ptr<ManifoldLspgRom> lspg_;
};

}  // namespace metarom
