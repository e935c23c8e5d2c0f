#pragma once
// The plugin's implicit route hyper-reduced (docs/plugin.md, "Hyper-reduced runs"): a program
// stating its equations as F(t, x, ẋ) = 0 through a DMDA local callback
// (DMDATSSetIFunctionLocal), with sample rows P of its implicit function in the model file
// (fit -hr_method on a recording with -ts_trajectory_metarom_ifunction), and an affine
// decoder x = x̄ + V u:
//   F_r(t, u, u̇) = E F_P(t, x̄_S + V_S u, V_S u̇) = 0,
// the Galerkin residual (VᵀV)⁻¹VᵀF with F reconstructed from its sample rows
// (hyper_reduced_projection: DEIM's E = (VᵀV)⁻¹VᵀW(PᵀW)⁺, ECSW's weighted rows), F_P from
// the program's callback on patches around the rows (dmda_patches.hpp). Its Jacobian
// shift ∂F_r/∂u̇ + ∂F_r/∂u = E (shift ∂F_P/∂ẋ_S + ∂F_P/∂x_S) V_S, the sampled F's Jacobians by
// central differences on the patches. Online cost free of n.
#include <petscts.h>

#include <string>

#include "metarom/reducers/reducer.hpp"
#include "metarom/rom/hyper_reduction.hpp"
#include "metarom/rom/latent_integration.hpp"
#include "plugin/app_state.hpp"
#include "plugin/dmda_patches.hpp"

namespace metarom {

// The model's basis W of recorded F(t_k, x_k, 0) widened by F's ẋ-part along the decoder,
// F(t0, x̄, V e_i) − F(t0, x̄, 0) = M V e_i (M = ∂F/∂ẋ, exact for F affine in ẋ), from r + 1
// evaluations of the program's implicit function; then the sample rows chosen anew by `how`
// (deim or qdeim), `points` of them (0: one per mode). The recorded F(t, x, 0) holds no ẋ-part
// while the ROM's residual F(t, x, V u̇) does: measured on PETSc's ex29 at 128², DEIM on the
// recorded snapshots alone left the reduced run 1.2 away from the full one. Collective.
HyperReduction with_velocity_directions(TS ts, const AppState& state, const Reducer& reducer, const HyperReduction& hr,
                                        const std::string& how, Index points);

class HyperReducedImplicit : public ImplicitLatentDynamics {
 public:
  // The reducer's affine decoder on `rows` (metarom's rows of the program's state).
  HyperReducedImplicit(TS ts, const DmdaLocalIFunction& callback, const Reducer& reducer, const RowPartition& rows,
                       const HyperReduction& hr);
  int dim() const override { return static_cast<int>(E_.rows()); }
  std::string name() const override { return "hyper-reduced implicit Galerkin"; }
  Vector residual(double t, const Vector& u, const Vector& udot) const override;
  Matrix jacobian(double t, const Vector& u, const Vector& udot, double shift) const override;
  Index sample_count() const { return static_cast<Index>(f_.rows().size()); }
  Index stencil_count() const { return static_cast<Index>(f_.stencil().size()); }
  long long residual_calls() const { return f_.calls(); }
  long long jacobian_calls() const { return jacobian_calls_; }

 private:
  DmdaPatchIFunction f_;
  Matrix E_;   // r × s
  Matrix Vs_;  // |S| × r
  Vector xs_;  // |S|
  mutable long long jacobian_calls_ = 0;
};

}  // namespace metarom
