#pragma once
// Learned latent dynamics by operator inference (Peherstorfer & Willcox 2016): a polynomial
// latent ODE
//     du/dt = c + A u + H (u ⊗̂ u),     u ⊗̂ u = (u_i u_j)_{i ≤ j}  (r(r+1)/2 products),
// fitted by regularized least squares to latent states u_k = encode(x_k) and latent
// velocities u̇_k of any reducer (the LaSDI idea; for the meta-autoencoder its right-
// invertible encoder):
//     min ‖D Oᵀ − U̇ᵀ‖²_F + λ₁‖[c A]‖²_F + λ₂‖H‖²_F,   D = [1, uᵀ, (u ⊗̂ u)ᵀ] (one row per k),
// solved by a QR of the stacked (K + p) × p system, never the normal equations. The online
// cost of a right-hand side is O(r³) (r(r+1)/2 products times r rows) and nothing of n; the
// Jacobian A + ∂H(u ⊗̂ u)/∂u is exact.
//
// Scaling (a choice the paper leaves open): the regression runs on ũ = u/s with s the largest
// |u_k,i| of the data, so the regularization weights do not depend on the units of u; λ is
// given relative to the mean squared column norm of D (‖D‖²_F / p). The operators are mapped
// back exactly: c = s c̃, A = Ã, H = H̃/s.
//
// Closure (data-driven correction, Xie, Mohebujjaman, Rebholz & Iliescu 2018; Mou et al.
// 2021): the reducer's Galerkin ROM g_G keeps its dynamics and only the part it misses is
// learned, du/dt = g_G(u) + τ(u) with τ = c + Au + H(u ⊗̂ u) fitted to u̇_k − g_G(u_k). The
// regularization then shrinks towards Galerkin instead of towards zero, which keeps the
// variability of a chaotic flow that a model shrunk towards zero damps out.
//
// Choosing λ for chaotic flows (FullOrderModel::chaotic): trajectories decorrelate, so the
// held-out trajectory error rewards models that settle on the mean. There the candidates are
// scored by statistics instead: over twice the training span, the relative errors of the
// time-mean latent state and of the mean and standard deviation of ‖u(t)‖² (for centred POD
// the energy of the fluctuations), against the data's.
//
// Parameter-dependent operators (LaSDI, Fries, He & Choi 2022): where the training runs'
// parameters change the right-hand side (heat's κ, Burgers' Re), one operator set per run is
// fitted — all with one λ, chosen on every run's held-out samples together — and at a new
// parameter point μ each operator entry is interpolated between the runs' points
// (parameter_interpolation.hpp: exact at the runs, exact for operators affine in μ). Such
// dynamics are resolved at a point before they are integrated: at(μ), or at_settings() with
// the settings of the model a ROM runs (LatentRom does this); rhs() refuses until then.
// Or affine in user-named functions of μ (affine_terms.hpp): O(μ) = Σ_q θ_q(μ) O_q, the O_q
// fitted jointly to every run (one regression over θ(μ_k) ⊗ [1, u, u ⊗̂ u]); where f is affine
// in them (heat: θ = κ; Burgers: θ = (1, 1/Re)), this form holds exactly, extrapolation included.
//
// Velocities: exact projections J(u_k)⁺ f(t_k, x_k) where the full right-hand side is known
// (latent_velocities), or finite differences of the latent trajectory
// (finite_difference_velocities, fourth order on five neighbouring samples).
#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "metarom/rom/latent_rom.hpp"
#include "metarom/rom/affine_terms.hpp"
#include "metarom/rom/parameter_interpolation.hpp"
#include "metarom/types.hpp"

namespace metarom {

namespace h5 {
class Group;
}
class Reducer;
class FullOrderModel;
class Attributes;
struct SnapshotSet;

// u ⊗̂ u: the products u_i u_j, i ≤ j, ordered (0,0), (0,1), ..., (0,r-1), (1,1), ...
Vector compact_quadratic(const Vector& u);
Index compact_quadratic_size(Index r);

class LearnedDynamics : public LatentDynamics {
 public:
  // How the operators were obtained, for views, model files and reports.
  struct Report {
    double lambda_linear = 0, lambda_quadratic = 0;  // relative weights used (see above)
    bool automatic = false;                          // chosen by the held-out search
    double holdout_error = -1;                       // of the chosen λ on the held-out span (< 0: not measured)
    double residual = -1;                            // ‖D Oᵀ − U̇ᵀ‖_F / ‖U̇‖_F of the final fit
    int candidates = 0;                              // λ pairs tried
    long long samples = 0;                           // K
    std::string velocities;                          // "exact", "reprojected", "recorded" or "finite-difference"
    double sample_dt = 0;                            // spacing of the training samples (a natural latent step)
    std::string closure_of;                          // "" or the Galerkin ROM type it corrects
    std::string selection = "trajectory";            // how λ was chosen: trajectory or statistics
    std::string parametric;                          // "" (one operator set) or why and how it depends on μ
  };

  LearnedDynamics() = default;
  LearnedDynamics(Vector c, Matrix A, Matrix H);
  // Parameter-dependent: `runs` (one operator set each, no closure mixed with plain dynamics)
  // at the columns of `points` (d x runs), parameters named `names` (settings of the model,
  // e.g. heat_kappa). The report is the dynamics' as a whole.
  static LearnedDynamics interpolated(std::vector<std::string> names, Matrix points, std::vector<LearnedDynamics> runs,
                                      Report report);
  // Affine: `parts` (one operator set per term of `terms`, over the parameters `names`).
  static LearnedDynamics affine(std::vector<std::string> names, AffineTerms terms, std::vector<LearnedDynamics> parts,
                                Report report);

  int dim() const override;
  Vector rhs(double t, const Vector& u) const override;       // refused while parametric
  Matrix jacobian(double t, const Vector& u) const override;  // exact; refused while parametric
  std::string name() const override { return "learned"; }

  bool parametric() const { return parametric_ != nullptr; }
  // The operators at the parameter point μ (values in the order of parameter_names()).
  LearnedDynamics at(const Vector& mu) const;
  // ... at the values `settings` (a model's provenance) gives the parameters; a missing one is
  // refused, naming `context`. Dynamics that are not parametric are returned as they are.
  LearnedDynamics at_settings(const Attributes& settings, const std::string& context) const;
  const std::vector<std::string>& parameter_names() const;
  const Matrix& parameter_points() const;      // d x runs (interpolated; empty when affine)
  const std::vector<std::string>& affine_terms() const;  // the terms θ_q (affine; empty otherwise)
  // The operator sets combined at a point: one per run (interpolated) or per term (affine).
  const std::vector<LearnedDynamics>& runs() const;

  // Empty while parametric (see runs()).
  const Vector& constant() const { return c_; }
  const Matrix& linear() const { return A_; }
  const Matrix& quadratic() const { return H_; }  // r x r(r+1)/2
  const Report& report() const { return report_; }
  void set_report(Report report) { report_ = std::move(report); }

  void save(h5::Group& g) const;
  static LearnedDynamics load(const h5::Group& g);  // validates shapes, names the file
  void view(std::ostream& os) const;

 private:
  struct Parametric {
    std::vector<std::string> names;
    ParameterInterpolation interpolation;  // interpolated
    AffineTerms terms;                     // affine (terms.size() > 0)
    std::vector<LearnedDynamics> runs;     // per run, or per term
    bool affine() const { return terms.size() > 0; }
  };
  void check_resolved() const;
  Vector c_;
  Matrix A_, H_;
  Report report_;
  std::shared_ptr<const Parametric> parametric_;
};

// The regularized regression for given λ (relative weights, see above); U and Udot are r x K.
LearnedDynamics regress_dynamics(const Matrix& U, const Matrix& Udot, double lambda_linear, double lambda_quadratic);
// ... affine in the values Theta (Q x K, θ(μ) at each sample): one operator set per term,
// u̇_k ≈ Σ_q Θ_qk (c_q + A_q u_k + H_q (u_k ⊗̂ u_k)), each block regularized as above.
std::vector<LearnedDynamics> regress_affine_dynamics(const Matrix& U, const Matrix& Udot, const Matrix& Theta,
                                                     double lambda_linear, double lambda_quadratic);

// Settings of the fit, read under an options prefix (default "latent_dynamics_"):
//   -<prefix>lambda_linear λ₁, -<prefix>lambda_quadratic λ₂   fixed weights (default: chosen)
//   -<prefix>holdout f          the last fraction f of the samples held out for the choice (0.2)
//   -<prefix>velocity auto|exact|reprojected|fd  where velocities come from (auto: exact
//                               when the right-hand side is known, else finite differences)
//   -<prefix>select auto|trajectory|statistics   how λ is chosen (auto: statistics for
//                               chaotic models, the held-out trajectory error otherwise)
//   -<prefix>parametric auto|shared|interpolated|affine  a set of several runs: one operator
//                               set for all (shared), one per run interpolated in the parameters
//                               (interpolated), or affine in functions of them (affine); auto:
//                               shared where the parameters leave the right-hand side unchanged
//                               (checked with the full model), interpolated where they change it
//   -<prefix>affine "1,NAME,..."  the terms θ_q(μ) of the affine form (affine_terms.hpp;
//                               default: 1 and each parameter)
struct OperatorInference {
  double lambda_linear = -1, lambda_quadratic = -1;  // < 0: chosen automatically
  double holdout = 0.2;
  std::string velocity = "auto";
  std::string select = "auto";
  // A parametric training set without a full model to check it (a PETSc program's runs): the
  // user states that the parameters enter the initial state only, so one operator set fits
  // every run (-latent_dynamics_assume_shared). Otherwise such a set is refused.
  bool assume_shared = false;
  std::string parametric = "auto";
  std::string affine;  // the terms, comma separated ("": 1 and each parameter)
  void set_from_options(const std::string& prefix = "latent_dynamics_");

  // Fits to latent states U (r x K) at times t with velocities Udot. Automatic λ: every pair
  // of a log grid two decades apart (λ₁ ∈ 1e-12 … 1e2, λ₂ ∈ 1e-12 … 1e4) is fitted on the first 1 − holdout of
  // the samples and integrated from u(t_0) over twice the span of t; the pair with the
  // smallest relative error over the held-out samples wins (a trajectory that leaves 10× the
  // data's range anywhere in the doubled span scores infinity, so a model that blows up soon
  // after the data is not chosen), then the operators are refitted on all samples with it;
  // a refit that fails the same bound passes the choice to the next-best pair.
  // With `base` (a closure): the operators are fitted to Udot − base(U) and candidates are
  // integrated as base + learned. `select` must be trajectory or statistics here.
  // Several trajectories (`starts`: the first sample of each; empty: one): one operator set
  // fitted on all of them; each holds out its own last samples and is integrated from its own
  // first state, the score summed over them (statistics: their mean).
  LearnedDynamics fit(const Matrix& U, const Matrix& Udot, const Vector& t, const LatentDynamics* base = nullptr,
                      const std::vector<Index>& starts = {}) const;
  // One operator set per trajectory (`starts` as above; no closure), all with one λ: a pair's
  // score is the held-out error over every trajectory, each under its own operators.
  std::vector<LearnedDynamics> fit_each(const Matrix& U, const Matrix& Udot, const Vector& t,
                                        const std::vector<Index>& starts) const;
  // Affine: one operator set per term, fitted jointly; `theta` (Q x trajectories) holds θ(μ_j)
  // of each trajectory. A pair's score: every trajectory under Σ_q θ_qj O_q.
  std::vector<LearnedDynamics> fit_affine(const Matrix& U, const Matrix& Udot, const Vector& t, const Matrix& theta,
                                          const std::vector<Index>& starts) const;

 private:
  enum class Form { shared, each, affine };
  std::vector<LearnedDynamics> fit_runs(const Matrix& U, const Matrix& Udot, const Vector& t, const LatentDynamics* base,
                                        const std::vector<Index>& starts, Form form, const Matrix& theta) const;
};

// g_G(u) + τ(u): a Galerkin ROM with its learned closure τ.
class ClosedDynamics : public LatentDynamics {
 public:
  ClosedDynamics(std::shared_ptr<const LatentDynamics> base, std::shared_ptr<const LearnedDynamics> closure);
  int dim() const override { return closure_->dim(); }
  Vector rhs(double t, const Vector& u) const override { return base_->rhs(t, u) + closure_->rhs(t, u); }
  Matrix jacobian(double t, const Vector& u) const override {
    return base_->jacobian(t, u) + closure_->jacobian(t, u);
  }
  std::string name() const override { return base_->name() + "+closure"; }

 private:
  std::shared_ptr<const LatentDynamics> base_;
  std::shared_ptr<const LearnedDynamics> closure_;
};

// Classical RK4 substeps per step of length dt that keep it stable for g near u0:
// dt ρ(∂g/∂u(u0)) / m ≤ 2 (RK4's real stability limit is about 2.78), between 1 and 1000.
int rk4_substeps(const LatentDynamics& g, const Vector& u0, double dt);

// Latent trajectory of g from u0 at the times t (t(0) is u0's), classical RK4 with enough
// substeps per interval for its stability limit at u0; stops early (columns past it are NaN)
// once |u| exceeds `bound`.
Matrix integrate_rk4(const LatentDynamics& g, const Vector& u0, const Vector& t, double bound);

// Fourth-order finite-difference time derivatives of the columns of U at the times t
// (Fornberg weights on the five nearest samples, so uneven spacing is allowed; needs ≥ 5).
Matrix finite_difference_velocities(const Matrix& U, const Vector& t);

// J(u_k)⁺ f_k for each column: the latent velocity of the state velocity f_k at the encoded
// state u_k = encode(x_k) (for POD Uᵀf_k). F holds local rows like X. Collective.
Matrix latent_velocities(const Reducer& reducer, const Matrix& U, const Matrix& F);

// Operator inference for a fitted reducer on its training set: u_k = encode(x_k) and
// velocities as settings.velocity says — auto: the recorded state velocities `recorded_rhs`
// (local rows like train.X; empty if none), else the model's f(t_k, x_k) when `model` is
// given, else finite differences; exact: f(t_k, x_k) (recorded or from the model);
// reprojected: f(t_k, decode(u_k)) from the model (Peherstorfer 2020: with POD on a
// polynomial model this recovers the intrusive Galerkin operators); fd: finite differences.
// Collective over the reducer's communicator.
// With `base` (the reducer's Galerkin ROM, named base_type): fits its closure instead.
LearnedDynamics fit_learned_dynamics(const Reducer& reducer, const SnapshotSet& train, const FullOrderModel* model,
                                     const Matrix& recorded_rhs, const OperatorInference& settings,
                                     const LatentDynamics* base = nullptr, const std::string& base_type = "");

// What `fit -latent_dynamics KIND` fits after the reducer, KIND "learned" (latent dynamics by
// operator inference) or "closure" (a learned correction of the reducer's automatic Galerkin
// ROM of `model`, with rom_settings' damping). latent_dynamics_need_model says whether `model` is needed
// (a closure; learned dynamics unless their velocities are finite differences), where it may
// be null otherwise; throws, naming KIND, where it is needed and missing.
bool latent_dynamics_need_model(const std::string& kind, const OperatorInference& settings);
LearnedDynamics fit_latent_dynamics(const std::string& kind, const Reducer& reducer, const SnapshotSet& train,
                                    const FullOrderModel* model, const Matrix& recorded_rhs,
                                    const OperatorInference& settings, const LatentRomSettings& rom_settings);

}  // namespace metarom
