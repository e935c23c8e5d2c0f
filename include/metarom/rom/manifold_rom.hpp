#pragma once
// Manifold latent ROMs for any decoder with a Jacobian (docs/methods.md, "Latent-space reduced
// models"):
//   ManifoldGalerkinRom   g(u) = J(u)⁺ f(t, φ(u)), J = ∂φ/∂u, one r x r least-squares solve
//                         per evaluation (damped, below; n-independent through a POD stage);
//   ManifoldLspgRom       backward Euler with each step's residual minimized by Gauss–Newton.
#include <cmath>
#include <memory>
#include <string>

#include "metarom/models/model.hpp"
#include "metarom/reducers/reducer.hpp"
#include "metarom/rom/galerkin_rom.hpp"
#include "metarom/rom/hyper_reduction.hpp"
#include "metarom/rom/latent_integration.hpp"

namespace metarom {

// The minimum-norm least-squares solution of J du = b from the normal equations
// N = JᵀJ (r x r, symmetric) and c = Jᵀb: (JᵀJ)⁺Jᵀb = J⁺b also when J loses rank (a
// decoder whose tanh units saturate); directions with σ² ≤ 1e-14 σ²_max are dropped.
// A Cholesky factorization serves when N is well conditioned (rcond > 1e-10), the
// eigen-decomposition otherwise. c may have several columns.
Matrix pseudo_inverse_solve(const Matrix& N, const Matrix& c, const std::string& what);

// The damped form of that solve, (N + μI)⁺c with μ = δ λ_max(N) fixed at the first call
// (δ = 0: the plain pseudo-inverse solve): manifold Galerkin's damping, shared by
// ManifoldGalerkinRom and the plugin's TS rom.
// Manifold Galerkin's default δ: 1e-4 for nonlinear decoders (on QG three ROMs whose
// trajectories left their decoders' range blew up without it, while the heat ROMs' errors
// changed in the fourth digit at most); 0 for affine decoders (POD), which do not flatten
// and whose Galerkin ROM is then exact.
double default_manifold_damping(const Reducer& reducer);

class DampedNormalSolve {
 public:
  double delta = 0;  // δ ≥ 0
  Matrix operator()(Matrix N, const Matrix& c, const std::string& what) const;

 private:
  mutable double mu_ = -1;  // δ λ_max, fixed at the first call
};

class ManifoldGalerkinRom : public LatentDynamics {
 public:
  // With a neural reducer whose normalization has a POD stage (decode(u) = x̄ + sΦψ(u),
  // normalization.hpp) and a linear or quadratic model, J⁺f = (∂ψ/∂u)⁺ (Φᵀf/s) and Φᵀf/s
  // is the K-dimensional POD-Galerkin right-hand side of that stage, whose operators are
  // projected once: the online cost is then independent of n (exact, not an approximation).
  // damping: δ below; negative: default_manifold_damping(reducer). `hyper_reduction` (fitted
  // on the stage: fit_hyper_reduction) replaces the stage's Galerkin right-hand side by its
  // hyper-reduced one, E f_P(x̄_S + sΦ_S ψ) (hyper_reduction.hpp), on any model with sampled
  // evaluation: the online cost is then free of n on non-polynomial models too.
  ManifoldGalerkinRom(const FullOrderModel& model, const Reducer& reducer, double damping = -1,
                      std::shared_ptr<const HyperReduction> hyper_reduction = nullptr);
  ~ManifoldGalerkinRom() override;
  int dim() const override { return reducer_.latent_dim(); }
  Vector rhs(double t, const Vector& u) const override;
  // ∂g/∂u for the implicit latent integrators' Newton solves, analytic. With a POD stage:
  // exact, from the stage's K x K Galerkin Jacobian and the network's second derivatives
  // (networks of one hidden layer, Mlp::hessian_contraction), O(K h r) work; deeper networks
  // get the Gauss–Newton approximation (JᵀJ + μI)⁺ Jᵀ (∂f/∂x) J, the exact derivative less
  // the second-derivative terms. Without a stage: that Gauss–Newton form with the model's
  // ∂f/∂x applied to J (exact for polynomial models and for affine decoders such as POD).
  // The right-hand side, and so the solution, are exact either way.
  Matrix jacobian(double t, const Vector& u) const override;
  std::string name() const override { return hyper_reduced_ ? "manifold-galerkin-hr" : "manifold-galerkin"; }
  // True when the online cost is independent of n (the POD-stage route above).
  bool reduced_stage() const { return stage_ != nullptr; }
  bool hyper_reduced() const { return hyper_reduced_; }
  // Damping δ (LatentRomSettings::manifold_damping, default default_manifold_damping();
  // 0: the exact J⁺f): solve
  // (JᵀJ + μI) du/dt = Jᵀf with μ = δ λ_max(JᵀJ) at the first state evaluated. Where the
  // decoder flattens (J → 0) the latent velocity then goes to zero instead of growing, so
  // a trajectory that leaves the decoder's range stalls rather than running into
  // saturation; where σ²(J) ≫ μ it changes nothing.
  double damping() const { return damped_.delta; }
  void set_damping(double delta) {
    damped_.delta = delta;
    last_.t = NAN;  // the kept velocity was solved with the old damping
  }

 private:
  Matrix solve(const Matrix& normal, const Matrix& rhs) const { return damped_(normal, rhs, "manifold Galerkin ROM"); }
  // The network's value and Jacobian at the last u (an implicit step asks for g and ∂g/∂u
  // at the same state), and with a POD stage the stage's right-hand side G and the latent
  // velocity g there at time t (NaN: not yet).
  struct Network {
    Vector u, y;
    Matrix Js;
    double t = NAN;
    Vector G, g;
  };
  const Network& network(const Vector& u) const;
  const Network& stage_velocity(double t, const Vector& u) const;
  mutable Network last_;
  const FullOrderModel& model_;
  const Reducer& reducer_;
  std::unique_ptr<LatentDynamics> stage_;
  bool hyper_reduced_ = false;
  DampedNormalSolve damped_;
};

// Manifold LSPG (least-squares Petrov–Galerkin) with backward Euler: each step solves
//   u_{k+1} = argmin_u ‖φ(u) − φ(u_k) − Δt f(t_{k+1}, φ(u))‖²
// by Gauss–Newton with Levenberg–Marquardt damping, the r x r normal equations formed with
// one allreduce per iteration (the same damped solve as the meta-autoencoder's encoder).
// The residual is not an ODE right-hand side, so LSPG runs its own time loop rather than a
// PETSc TS.
//
// Residual::stage: for a neural reducer with a POD stage (φ(u) = x̄ + Vψ(u)) and a linear or
// quadratic model, the residual projected onto the stage's span instead,
//   u_{k+1} = argmin_u ‖ψ(u) − ψ(u_k) − Δt G(t_{k+1}, ψ(u))‖²,  G = (VᵀV)⁻¹Vᵀf(x̄ + V·),
// with G the stage's K-dimensional Galerkin right-hand side, projected once (as manifold
// Galerkin's): the online cost is free of n. It drops the residual's part outside the
// stage, −Δt(I − P_V)f, which the full residual also minimizes. Residual::automatic (the
// default) takes the stage where there is one, the full residual otherwise. With a
// hyper-reduction of the stage (as ManifoldGalerkinRom's), G is the hyper-reduced stage
// right-hand side, and the stage residual serves any model with sampled evaluation; the full
// residual (Residual::full) does not use it.
class ManifoldLspgRom {
 public:
  enum class Residual { automatic, full, stage };
  struct Settings {
    int max_iterations = 20;
    double tolerance = 1e-10;  // stop when ‖δ‖ ≤ tol (1 + ‖u‖)
    double damping = 1e-12;
    Residual residual = Residual::automatic;
  };
  ManifoldLspgRom(const FullOrderModel& model, const Reducer& reducer) : ManifoldLspgRom(model, reducer, Settings{}) {}
  // Throws where Residual::stage is asked for a reducer without a POD stage or a model that
  // is not linear or quadratic.
  ManifoldLspgRom(const FullOrderModel& model, const Reducer& reducer, Settings s,
                  std::shared_ptr<const HyperReduction> hyper_reduction = nullptr);
  ~ManifoldLspgRom();
  // Advances over the grid (its dt and stride); throws when a step's solve fails.
  LatentTrajectory solve(const Vector& u0, const TimeGrid& grid) const;
  Vector step(const Vector& u, double t_next, double dt) const;
  Residual residual() const { return stage_ ? Residual::stage : Residual::full; }  // the one in use
  // Whether Residual::stage applies: a neural reducer with a POD stage, and a linear or
  // quadratic model or a hyper-reduction of the stage.
  static bool stage_available(const FullOrderModel& model, const Reducer& reducer, bool hyper_reduced = false);
  bool hyper_reduced() const { return hyper_reduced_; }

 private:
  // One Gauss–Newton solve of min ‖R(u)‖² from u, R and its Jacobian from `residual`.
  template <class F>
  Vector gauss_newton(Vector u, double t_next, MPI_Comm comm, F&& residual) const;
  const FullOrderModel& model_;
  const Reducer& reducer_;
  Settings s_;
  std::unique_ptr<LatentDynamics> stage_;
  bool hyper_reduced_ = false;
};

}  // namespace metarom
