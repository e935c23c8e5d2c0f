#pragma once
// Hyper-reduced Galerkin ROMs (docs/methods.md, "Hyper-reduction"): the right-hand side
// f(t, x) of a model whose f is not a polynomial is evaluated at a few sample rows P only and
// reconstructed in the span of a basis W of right-hand-side snapshots (empirical
// interpolation, linalg/empirical_interpolation.hpp), so a Galerkin ROM's online cost is free
// of n:
//
//   dy/dt = E f_P(t, x̄_S + V_S y),   E = (VᵀV)⁻¹VᵀW (PᵀW)⁺        (r × s, formed once)
//
// for the affine decoder x = x̄ + V y, with S the stencil of the sample rows (what f at P
// reads) and V_S, x̄_S the decoder at those rows. f = W(PᵀW)⁺Pᵀf holds exactly for f in
// span(W) (Chaturantabut & Sorensen 2010, eq. (2.3)); otherwise the error is at most
// ‖(PᵀW)⁺‖ times f's distance from span(W).
#include <algorithm>
#include <memory>
#include <string>

#include "metarom/linalg/empirical_interpolation.hpp"
#include "metarom/models/model.hpp"
#include "metarom/reducers/reducer.hpp"
#include "metarom/rom/latent_integration.hpp"

namespace metarom {

namespace h5 {
class Group;
}

// Read under an options prefix as -<prefix>hr_method, -<prefix>hr_modes, -<prefix>hr_points
// (metarom fit: -hr_method deim asks for hyper-reduction).
struct HyperReductionSettings {
  std::string method = "deim";  // deim, qdeim or ecsw (none: no hyper-reduction)
  int modes = 0;                // m, right-hand-side modes kept (deim, qdeim); 0: max(20, 2r),
                                // capped by the snapshots' numerical rank (modes_for)
  int points = 0;               // deim, qdeim: s ≥ m sample rows (0: m; more: oversampled by
                                // det-maximization); ecsw: at most this many rows (0: no cap)
  double tolerance = 1e-4;      // ecsw: relative error allowed in the training reduced forces
  bool enabled() const { return method != "none"; }
  // m for latent dimension r: `modes` when given, else max(20, 2r) (on the Burgers run, r = 40
  // with m = 20 < r diverged where m = 80 matched f everywhere: docs/methods.md).
  int modes_for(Index r) const { return modes > 0 ? modes : std::max(20, 2 * static_cast<int>(r)); }
  void set_from_options(const std::string& prefix = "");
  // Throws on a value out of range, naming its option.
  void check() const;
};

// The sample rows of a hyper-reduced Galerkin ROM, from right-hand-side snapshots F (local
// rows, one column per snapshot), distributed like the state; collective over rows.comm.
// Empirical interpolation (deim, qdeim): W and the rows P, Vᵀf ≈ VᵀW(PᵀW)⁺Pᵀf. ECSW (energy-
// conserving sampling and weighting, Farhat, Chapman & Avery 2015): weights ξ ≥ 0 on a few
// rows e, Vᵀf ≈ Σ_e ξ_e V_eᵀ f_e, fitted by non-negative least squares so that the training
// snapshots' reduced forces Vᵀf(x̃_k) are reproduced to a relative tolerance; a weighted sum
// of the rows' own contributions, it keeps the Galerkin ROM's energy structure.
struct HyperReduction {
  Matrix basis;          // deim, qdeim: W, local rows of the leading m left singular vectors of F
  Vector sigma;          // deim, qdeim: F's singular values (all), for the energy W leaves out
  SamplePoints points;   // the sample rows (and, for deim and qdeim, PᵀW)
  Vector weights;        // ecsw: ξ on points.rows
  double reduced_force_error = -1;  // ecsw: ‖Σ ξ_e V_eᵀ f_e − Vᵀf‖ / ‖Vᵀf‖ over the training snapshots
  std::string method;    // deim, qdeim (+ oversampled), ecsw

  bool ecsw() const { return method == "ecsw"; }
  // r: the ROM's latent dimension, for the automatic m (settings.modes = 0).
  static HyperReduction fit(const Matrix& F_local, const RowPartition& rows, const HyperReductionSettings& s,
                            Index r = 0);
  // ECSW for the Galerkin ROM on the basis V (local rows, r columns): settings' tolerance and
  // point cap.
  static HyperReduction fit_ecsw(const Matrix& V_local, const Matrix& F_local, const RowPartition& rows,
                                 const HyperReductionSettings& s);
  // deim, qdeim: the sample rows chosen anew from W by `how` (deim or qdeim), `count` of
  // them (0: one per mode; more: oversampled); collective. Throws for ecsw (it keeps no W).
  void choose_points(const RowPartition& rows, const std::string& how, Index count);
  // deim, qdeim: ‖F − W(PᵀW)⁺PᵀF‖_F / ‖F‖_F on the snapshots it was fitted on (collective);
  // ecsw: reduced_force_error.
  double training_error(const Matrix& F_local, const RowPartition& rows) const;

  // A model file's /hyper_reduction group (data/FORMAT.md); W's rows split as `rows`.
  void save(h5::Group& g, const RowPartition& rows) const;
  static HyperReduction load(const h5::Group& g, const RowPartition& rows);
};

// Right-hand-side snapshots for HyperReduction::fit: f(t_k, x̃_k) (g, the sampled part of f =
// M g, where the model has one: FullOrderModel::local_rhs) at the training states
// projected by the reducer, x̃_k = decode(encode(x_k)) (x̄ + VVᵀ(x_k − x̄) for POD) — where the
// ROM evaluates f. Snapshots at the states themselves hold f of the truncation error x_k − x̃_k
// too, which a stiff term amplifies (the Laplacian by h⁻²) and the ROM never meets: on the
// reaction model at 192 × 192 they left the hyper-reduced ROM 5–17× less accurate than the
// Galerkin ROM, against equal with these (docs/benchmarks.md). Collective.
Matrix projected_rhs_snapshots(const FullOrderModel& model, const Reducer& reducer, const SnapshotSet& train);

// The affine map x = x̄ + V y a hyper-reduced Galerkin projection acts on: an affine
// decoder's (POD, linear autoencoders; y the latent state), or a neural reducer's POD stage
// x = x̄ + sΦψ (y = ψ, K coordinates), whose K-dimensional Galerkin model the manifold ROMs
// (manifold_rom.hpp) evaluate — hyper-reduced, their online cost is free of n on any model
// with sampled evaluation. Throws, naming -ae_pod_modes, for a neural reducer without a stage.
struct HyperReductionBasis {
  Vector xbar;  // local rows
  Matrix V;     // local rows, r (or K) columns
};
HyperReductionBasis hyper_reduction_basis(const Reducer& reducer);

// Refuses, naming the option, what cannot be hyper-reduced, before any fitting: a neural
// reducer set to train without a POD stage (-ae_pod_modes 0), another nonlinear decoder, or
// (where given) a model without sampled evaluation.
void check_hyper_reducible(const Reducer& reducer, const FullOrderModel* model = nullptr);

// The hyper-reduction for `reducer` from right-hand-side snapshots F (projected_rhs_snapshots,
// or a program's recorded f) by the settings' method, on hyper_reduction_basis(reducer) (its
// columns set the automatic number of modes); ECSW weighs the test basis MᵀV of `model`
// (FullOrderModel::rhs_operator_transpose; V without a model). Collective.
HyperReduction fit_hyper_reduction(const Matrix& F_local, const Reducer& reducer, const RowPartition& rows,
                                   const HyperReductionSettings& s, const FullOrderModel* model = nullptr);

// E of the hyper-reduced Galerkin projection Vᵀf ≈ VᵀV E f_P for the basis V (local rows, r
// columns) and f = M g with g sampled (FullOrderModel::local_rhs; M = I for most models), from
// the test basis T = MᵀV: (VᵀV)⁻¹TᵀW(PᵀW)⁺ for deim and qdeim, (VᵀV)⁻¹T_Pᵀdiag(ξ) for ecsw
// (r × s). Collective.
Matrix hyper_reduced_projection(const Matrix& V, const Matrix& T, const HyperReduction& hr, const RowPartition& rows);

class HyperReducedGalerkinRom : public LatentDynamics {
 public:
  // The reducer's affine decoder (POD, linear autoencoders) on `model`'s rows.
  HyperReducedGalerkinRom(const FullOrderModel& model, const Reducer& reducer, const HyperReduction& hr);
  // hyper_reduction_basis's x̄ + V y.
  HyperReducedGalerkinRom(const FullOrderModel& model, const HyperReductionBasis& basis, const HyperReduction& hr)
      : HyperReducedGalerkinRom(model, basis.xbar, basis.V, hr) {}
  // x = x̄ + V y (local rows; V of full column rank).
  HyperReducedGalerkinRom(const FullOrderModel& model, const Vector& xbar, const Matrix& V, const HyperReduction& hr);

  int dim() const override { return static_cast<int>(E_.rows()); }
  Vector rhs(double t, const Vector& y) const override;
  Matrix jacobian(double t, const Vector& y) const override;
  std::string name() const override { return "pod-galerkin-hr"; }

  Index sample_count() const { return static_cast<Index>(f_->rows().size()); }
  Index stencil_count() const { return static_cast<Index>(f_->stencil().size()); }

 private:
  std::unique_ptr<SampledRhs> f_;
  Matrix E_;   // r × s
  Matrix Vs_;  // |S| × r
  Matrix VsT_;  // Vsᵀ, whose columns the sampled Jacobian's entries pick
  Vector xs_;  // |S|
};

}  // namespace metarom
