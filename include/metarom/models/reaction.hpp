#pragma once
// Reaction–diffusion with an exponential source: the time-dependent solid-fuel ignition
// (Frank-Kamenetskii, "Bratu") problem on the unit square,
//
//   u_t = κ Δu + λ e^u,   u = 0 on the boundary,   u(0) = a sin(πx) sin(πy),
//
// whose steady form is PETSc's own SNES tutorial ex5. Its right-hand side is not a
// polynomial, so a Galerkin ROM cannot project it once: it evaluates f at every latent step
// (O(n)) unless hyper-reduced — f sampled at a few points and reconstructed (docs/methods.md,
// "Hyper-reduction"). Steady states exist for λ below λ* ≈ 6.81 (the fold of the Bratu
// problem on the unit square with κ = 1); above it the solution runs away (thermal ignition).
//
// Discretization as the heat model's: the interior grid x_i = (i+1)h, h = 1/(nx+1) (and y
// alike), the 5-point Laplacian, natural ordering index = i + nx·j; a DMDA split over the
// ranks in y only, so PETSc's global ordering is the snapshot ordering. Time stepping:
// PETSc TS, Crank–Nicolson with Newton on the assembled Jacobian κΔ_h + λ diag(e^u) by
// default (any TS type by options).
#include <memory>

#include "metarom/models/model.hpp"

namespace metarom {

struct ReactionConfig {
  int nx = 64, ny = 64;    // interior grid points per direction
  double kappa = 1.0;      // diffusivity κ
  double lambda = 6.0;     // source strength λ (steady states for λ < 6.81 when κ = 1)
  double amplitude = 0.5;  // a in the initial condition (0: ignition from rest)
  TimeGrid time{0.0, 0.2, 400, 4};

  // -reaction_nx -reaction_ny -reaction_kappa -reaction_lambda -reaction_amplitude
  // -reaction_t_final -reaction_steps -reaction_snapshot_stride (model.hpp: options and prefixes).
  void set_from_options(MPI_Comm comm, const std::string& prefix = "");
  Attributes to_attributes() const;  // stored as snapshot provenance
  static ReactionConfig from_attributes(const Attributes& a, const std::string& context);
};

class ReactionModel : public FullOrderModel {
 public:
  ReactionModel(MPI_Comm comm, const ReactionConfig& config);
  ~ReactionModel() override;

  std::string name() const override { return "reaction"; }
  const RowPartition& rows() const override;
  FieldLayout layout() const override;
  Attributes provenance() const override;
  const TimeGrid& time_grid() const override;
  Vector initial_state() const override;
  Matrix rhs(double t, const Matrix& X) const override;
  // Stiff diffusion: latent ROMs step with Crank–Nicolson, as the full model.
  std::string implicit_ts_type() const override { return "cn"; }
  // ∂f/∂x = κΔ_h + λ diag(e^x), applied exactly.
  Matrix apply_jacobian(double t, const Vector& x, const Matrix& V) const override;
  // f at sample rows: the 5-point stencil around each.
  std::unique_ptr<SampledRhs> sampled_rhs(const std::vector<long long>& rows) const override;
  SnapshotSet simulate_from(const Vector& x0, bool progress) override;
  double solve_seconds() const override;

  const ReactionConfig& config() const;
  // Newton iterations of the last simulate(), in total.
  long long newton_iterations() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace metarom
