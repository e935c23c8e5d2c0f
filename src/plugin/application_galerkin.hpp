#pragma once
// The explicit routes of the plugin's TS rom (ts_rom.cpp) for applications that give a
// right-hand side: the application seen as a FullOrderModel (manifold Galerkin for any
// reducer), and the Galerkin route for decoders of AppBasis's form (POD, neural reducers with
// a POD stage), whose linear applications are projected once (galerkin_project).
#include <petsc/private/tsimpl.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "metarom/error.hpp"
#include "metarom/io/petsc_handle.hpp"
#include "metarom/models/model.hpp"
#include "metarom/reducers/reducer.hpp"
#include "metarom/rom/latent_rom.hpp"
#include "plugin/app_basis.hpp"
#include "plugin/app_state.hpp"
#include "plugin/dmda_patches.hpp"

namespace metarom {

// The application seen as a FullOrderModel: its RHS function through the TS.
class ApplicationModel : public FullOrderModel {
 public:
  ApplicationModel(TS ts, const AppState& state, const TimeGrid& grid)
      : ts_(ts), state_(state), grid_(grid), x_(state_vec(ts)), f_(state_vec(ts)) {}
  std::string name() const override { return "petsc-ts"; }
  const RowPartition& rows() const override { return state_.rows(); }
  FieldLayout layout() const override { return state_.layout(); }
  Attributes provenance() const override { return {}; }
  const TimeGrid& time_grid() const override { return grid_; }
  Vector initial_state() const override { return state_.to_rows(ts_->vec_sol); }
  Matrix rhs(double t, const Matrix& X) const override {
    Matrix F(X.rows(), X.cols());
    for (Index j = 0; j < X.cols(); ++j) {
      state_.from_rows(X.col(j), x_);
      METAROM_PETSC(TSComputeRHSFunction(ts_, t, x_, f_));
      ++calls_;
      F.col(j) = state_.to_rows(f_);
    }
    return F;
  }
  // f at sample rows by the program's DMDA local callback on patches (dmda_patches.hpp);
  // null for a program without one (DmdaLocalRhs::find says why).
  std::unique_ptr<SampledRhs> sampled_rhs(const std::vector<long long>& rows) const override {
    std::string why;
    const std::optional<DmdaLocalRhs> local = DmdaLocalRhs::find(ts_, why);
    if (!local) return nullptr;
    return std::make_unique<DmdaPatchRhs>(ts_, *local, rows, &calls_);
  }
  SnapshotSet simulate_from(const Vector&, bool) override { throw Error("TS rom: the application is the full model; run it without -ts_type rom"); }
  double solve_seconds() const override { return 0; }
  // Evaluations of f: whole (rhs) or sampled.
  long long rhs_calls() const { return calls_; }

 private:
  TS ts_;
  const AppState& state_;
  TimeGrid grid_;
  VecHandle x_, f_;
  mutable long long calls_ = 0;
};

// The galerkin route for decoders of AppBasis's form: a stage costs two n x K products and
// one application right-hand side.
class ApplicationGalerkin : public LatentDynamics {
 public:
  // damping δ ≥ 0: the staged network's least-squares solve is (JsᵀJs + μI)⁻¹Js with
  // μ = δ λ_max(JsᵀJs) at the first state (as ManifoldGalerkinRom).
  ApplicationGalerkin(TS ts, const AppState& state, const Reducer& reducer, double damping);
  int dim() const override { return basis_.reducer().latent_dim(); }
  bool linear() const { return Ar_.size() > 0; }
  long long rhs_calls() const { return calls_; }
  std::string name() const override { return linear() ? "galerkin (projected operator)" : "galerkin"; }
  Vector rhs(double t, const Vector& u) const override;
  Matrix jacobian(double t, const Vector& u) const override;

 private:
  TS ts_;
  AppBasis basis_;
  Matrix Ar_;
  Vector cr_;
  VecHandle x_, f_;
  mutable long long calls_ = 0;
  DampedNormalSolve damped_;
};

}  // namespace metarom
