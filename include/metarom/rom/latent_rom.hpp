#pragma once
// Latent-space reduced models du/dt = g(t, u) (docs/methods.md, "Latent-space reduced models"),
// advanced by a PETSc TS on a small sequential Vec (options prefix "rom_"), the latent
// state replicated on every rank:
//   QuadraticGalerkinRom  POD-Galerkin for models f(x) = c + Lx + B(x, x) and an affine
//                         decoder x = x̄ + Uu: g(u) = c_r + A_r u + T_r(u, u), all
//                         projected once, so the online cost does not depend on n (the QG
//                         advection term as an r x r x r tensor);
//   ManifoldGalerkinRom   any reducer with a decoder Jacobian: g(u) = J(u)⁺ f(t, φ(u)),
//                         J = ∂φ/∂u, one r x r least-squares solve per evaluation.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "metarom/rom/galerkin_rom.hpp"
#include "metarom/models/model.hpp"
#include "metarom/reducers/reducer.hpp"

namespace metarom {

class LatentDynamics {
 public:
  virtual ~LatentDynamics() = default;
  virtual int dim() const = 0;
  virtual Vector rhs(double t, const Vector& u) const = 0;
  // ∂g/∂u; the default is a central finite difference of rhs().
  virtual Matrix jacobian(double t, const Vector& u) const;
  virtual std::string name() const = 0;
};

// A latent ODE in implicit form, F(t, u, u̇) = 0 (r equations): the reduction of an
// application that states its equations as F(t, x, ẋ) = 0 (the PETSc plugin's implicit,
// IMEX and DAE programs).
class ImplicitLatentDynamics {
 public:
  virtual ~ImplicitLatentDynamics() = default;
  virtual int dim() const = 0;
  virtual Vector residual(double t, const Vector& u, const Vector& udot) const = 0;
  // shift ∂F/∂u̇ + ∂F/∂u (TS's IJacobian); the default is a central finite difference of
  // residual() along u with u̇ moving as shift·δu (as TS's stages do).
  virtual Matrix jacobian(double t, const Vector& u, const Vector& udot, double shift) const;
  virtual std::string name() const = 0;
};

// Called with every latent state the TS accepts (step 0, the initial state, included).
using LatentMonitor = std::function<void(long long step, double t, const Vector& u)>;

// Advances u0 over `grid` (its dt and stride), recording every stride steps; explicit TS
// types use g, implicit ones g and its Jacobian (their Newton solves use a direct LU of the
// r x r Jacobian by default). Default type (-<prefix>ts_type overrides it): classical RK4,
// or the implicit type `implicit_type` names (the model's FullOrderModel::implicit_ts_type);
// fixed steps. With adaptive_tolerance > 0 (and explicit)
// the step is chosen by an error estimate instead: Dormand–Prince RK5(4) with rtol = tol
// and atol = tol·max|u0|, grid.dt the first step, every accepted step recorded.
LatentTrajectory integrate_latent(const LatentDynamics& g, const Vector& u0, const TimeGrid& grid,
                                  const std::string& prefix = "rom_", const std::string& implicit_type = "",
                                  double adaptive_tolerance = 0, const LatentMonitor& monitor = {});
// The implicit form: an implicit TS type (default `implicit_type`, "beuler" when empty;
// -<prefix>ts_type overrides), with fixed steps over the grid (options may choose an
// adaptor), Newton on F with its Jacobian, lagged as above.
LatentTrajectory integrate_latent(const ImplicitLatentDynamics& F, const Vector& u0, const TimeGrid& grid,
                                  const std::string& prefix, const std::string& implicit_type = "",
                                  const LatentMonitor& monitor = {});

// A latent trajectory by a one-step map, u_{k+1} = step(u_k, t_{k+1}, Δt), over the grid's
// fixed steps (the LSPG variants' own time loops), recording every stride-th state; the
// monitor sees every state. `ts_type` names the scheme in the result.
using LatentStep = std::function<Vector(const Vector& u, double t_next, double dt)>;
LatentTrajectory march_latent(const Vector& u0, const TimeGrid& grid, const LatentStep& step, const std::string& ts_type,
                              const LatentMonitor& monitor = {});

class QuadraticGalerkinRom : public LatentDynamics {
 public:
  QuadraticGalerkinRom(const FullOrderModel& model, const Reducer& reducer);
  // For the affine map x = x̄ + V y (local rows of x̄ and V; V of full column rank, not
  // necessarily orthonormal): dy/dt = (VᵀV)⁻¹Vᵀ f(x̄ + V y).
  QuadraticGalerkinRom(const FullOrderModel& model, const Vector& xbar, const Matrix& V);
  int dim() const override { return static_cast<int>(Ar_.rows()); }
  Vector rhs(double t, const Vector& u) const override;
  Matrix jacobian(double t, const Vector& u) const override;
  std::string name() const override { return "pod-galerkin"; }
  const Vector& constant() const { return cr_; }
  const Matrix& linear() const { return Ar_; }
  const Matrix& tensor() const { return Tr_; }  // r x r², T_r(u, v) = T_r (v ⊗ u)

 private:
  Vector cr_;
  Matrix Ar_, Tr_;
  bool quadratic_ = true;  // false when T_r = 0 (linear models): rhs and Jacobian skip it
};

// Manifold LSPG (least-squares Petrov–Galerkin) with backward Euler: each step solves
//   u_{k+1} = argmin_u ‖φ(u) − φ(u_k) − Δt f(t_{k+1}, φ(u))‖²
// by Gauss–Newton with Levenberg–Marquardt damping, the r x r normal equations formed with
// one allreduce per iteration (the same damped solve as the meta-autoencoder's encoder).
// The residual is not an ODE right-hand side, so LSPG runs its own time loop rather than a
// PETSc TS.
class ManifoldLspgRom {
 public:
  struct Settings {
    int max_iterations = 20;
    double tolerance = 1e-10;  // stop when ‖δ‖ ≤ tol (1 + ‖u‖)
    double damping = 1e-12;
  };
  ManifoldLspgRom(const FullOrderModel& model, const Reducer& reducer) : model_(model), reducer_(reducer) {}
  ManifoldLspgRom(const FullOrderModel& model, const Reducer& reducer, Settings s)
      : model_(model), reducer_(reducer), s_(s) {}
  // Advances over the grid (its dt and stride); throws when a step's solve fails.
  LatentTrajectory solve(const Vector& u0, const TimeGrid& grid) const;
  Vector step(const Vector& u, double t_next, double dt) const;

 private:
  const FullOrderModel& model_;
  const Reducer& reducer_;
  Settings s_;
};

// Settings of the latent ROMs, read under an options prefix ("rom_" in metarom's
// programs): -<prefix>manifold_damping δ (negative or absent: default_manifold_damping of
// the reducer), and the prefix itself, under which the latent TS reads its options
// (-rom_ts_type, ...).
struct LatentRomSettings {
  double manifold_damping = -1;
  std::string prefix = "rom_";
  void set_from_options(const std::string& prefix = "rom_");
  double damping_for(const Reducer& reducer) const;
};

// The kinds of latent ROM. Their names — on the command line (-rom_type), in files (a
// closure's closure_of, a trajectory's provenance) and in reports — come from one table:
// rom_kind_name and rom_kind_from_name (which throws listing the names).
enum class RomKind { automatic, galerkin, manifold_galerkin, lspg, learned };
std::string rom_kind_name(RomKind kind);       // "auto", "galerkin", "manifold-galerkin", "lspg", "learned"
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
// model, manifold Galerkin otherwise. Construction does the offline work; solve() the
// online time stepping.
class LatentRom {
 public:
  LatentRom(RomKind kind, const FullOrderModel& model, const Reducer& reducer,
            std::shared_ptr<const LatentDynamics> learned = nullptr, const LatentRomSettings& settings = {});
  // ... by name (rom_kind_from_name).
  LatentRom(const std::string& type, const FullOrderModel& model, const Reducer& reducer,
            std::shared_ptr<const LatentDynamics> learned = nullptr, const LatentRomSettings& settings = {});
  ~LatentRom();
  LatentRom(LatentRom&&) noexcept;
  // The kind `automatic` resolves to for this model and reducer; other kinds unchanged.
  static RomKind resolve(RomKind kind, const FullOrderModel& model, const Reducer& reducer);
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
  // damping: δ below; negative: default_manifold_damping(reducer).
  ManifoldGalerkinRom(const FullOrderModel& model, const Reducer& reducer, double damping = -1);
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
  std::string name() const override { return "manifold-galerkin"; }
  // True when the online cost is independent of n (the POD-stage route above).
  bool reduced_stage() const { return stage_ != nullptr; }
  // Damping δ (LatentRomSettings::manifold_damping, default default_manifold_damping();
  // 0: the exact J⁺f): solve
  // (JᵀJ + μI) du/dt = Jᵀf with μ = δ λ_max(JᵀJ) at the first state evaluated. Where the
  // decoder flattens (J → 0) the latent velocity then goes to zero instead of growing, so
  // a trajectory that leaves the decoder's range stalls rather than running into
  // saturation; where σ²(J) ≫ μ it changes nothing.
  double damping() const { return damped_.delta; }
  void set_damping(double delta) { damped_.delta = delta; }

 private:
  Matrix solve(const Matrix& normal, const Matrix& rhs) const { return damped_(normal, rhs, "manifold Galerkin ROM"); }
  // The network's value and Jacobian at the last u (an implicit step asks for g and ∂g/∂u
  // at the same state).
  struct Network {
    Vector u, y;
    Matrix Js;
  };
  const Network& network(const Vector& u) const;
  mutable Network last_;
  const FullOrderModel& model_;
  const Reducer& reducer_;
  std::unique_ptr<QuadraticGalerkinRom> stage_;
  DampedNormalSolve damped_;
};

}  // namespace metarom
