#pragma once
#include <petscts.h>

#include <memory>
#include <string>

#include "metarom/io/petsc_handle.hpp"
#include "metarom/reducers/reducer.hpp"
#include "metarom/rom/latent_rom.hpp"
#include "plugin/app_basis.hpp"
#include "plugin/app_state.hpp"

namespace metarom {

// The implicit route: an application stating its equations as F(t, x, ẋ) = 0 (TSSetIFunction;
// with TSSetRHSFunction too, the IMEX form F(t, x, ẋ) = G(t, x)), reduced by Galerkin
// projection onto the decoder's tangent space:
//   F_r(t, u, u̇) = J(u)ᵀ [F(t, φ(u), J(u)u̇) − G(t, φ(u))] = 0,
// itself an implicit ODE, advanced by an implicit latent TS. TSComputeIFunction with
// imex = false forms F − G (ẋ − G for an application with a right-hand side only), so the
// three forms take one path, and algebraic rows (a DAE's boundary rows) enter the projected
// residual like the others. Its Jacobian, shift ∂F_r/∂u̇ + ∂F_r/∂u, is the application's
// IJacobian (TSComputeIJacobian, imex = false: shift F_ẋ + F_x − G_x) projected,
// J(u)ᵀ(shift F_ẋ + F_x − G_x)J(u): exact for POD; for nonlinear decoders the Gauss–Newton
// approximation, which drops the terms in ∂J/∂u (the residual, hence the solution, stays
// exact; only Newton's convergence rate may change). An IMEX application that sets no
// RHSJacobian (ARKIMEX does not need one) gets G_x along the tangent directions by central
// differences of G (2 right-hand sides per direction) beside its projected IJacobian; one
// without an IJacobian gets finite differences of F_r (2r residuals per Jacobian).
class ApplicationImplicit : public ImplicitLatentDynamics {
 public:
  // `ts`: the application's, its solution Vec set; `state` and `reducer` outlive this.
  ApplicationImplicit(TS ts, const AppState& state, const Reducer& reducer);
  int dim() const override { return reducer_.latent_dim(); }
  std::string name() const override { return imex_ ? "implicit Galerkin (IMEX form)" : "implicit Galerkin"; }
  Vector residual(double t, const Vector& u, const Vector& udot) const override;
  Matrix jacobian(double t, const Vector& u, const Vector& udot, double shift) const override;
  // How the latent Jacobian is formed: from the application's Jacobians alone, from its
  // IJacobian with G_x by differences (IMEX without RHSJacobian), or by differences of F_r.
  enum class JacobianSource { application, ijacobian_and_rhs_differences, differences };
  JacobianSource jacobian_source() const { return source_; }
  std::string jacobian_text() const;
  // One backward-Euler step of the least-squares Petrov–Galerkin (LSPG) variant: u_{k+1} =
  // argmin_u ‖F(t_{k+1}, φ(u), (φ(u) − φ(u_k))/Δt) − G(t_{k+1}, φ(u))‖², the time-discrete
  // residual minimized over the latent space instead of projected, by Gauss–Newton with
  // ∂R/∂u = (F_ẋ/Δt + F_x − G_x) J(u) from the program's IJacobian at shift 1/Δt, each step's
  // least-squares problem solved by a distributed SVD (TSQR) of ∂R/∂u. Needs the program's
  // Jacobians (JacobianSource::application).
  struct LspgSettings {
    int max_iterations = 20;
    double tolerance = 1e-10;  // stop when ‖δ‖ ≤ tol (1 + ‖u‖)
  };
  Vector lspg_step(double t_next, double dt, const Vector& uk, const LspgSettings& s) const;
  // DAE check: the rows of F with no ẋ dependence (a zero row of F_ẋ, found from the
  // application's IJacobian at shifts 1 and 0 at the state φ(u0)), and the largest |F_i| over
  // them at φ(u). Not available (count −1) without an IJacobian or for matrix types without
  // MatGetRowMaxAbs. find_algebraic_rows: once, at the initial latent state, before the solve.
  void find_algebraic_rows(const Vector& u0);
  long long algebraic_rows() const { return algebraic_count_; }
  double algebraic_residual(double t, const Vector& u) const;
  long long residual_calls() const { return calls_; }
  long long jacobian_calls() const { return jacobian_calls_; }

 private:
  // Sets x_ = φ(u), xdot_ = J(u)u̇ in the application's ordering; returns J(u) in the form
  // the projection needs (∂y/∂u with a basis, else J in metarom's rows).
  Matrix set_state(const Vector& u, const Vector& udot) const;
  // Jᵀv summed over the ranks, v in the ordering set_state's J belongs to.
  Matrix project(const Matrix& J, const Matrix& v) const;
  // The application's Vec w in that ordering, and a vector in that ordering into w.
  Vector local(Vec w) const;
  void store(const Vector& v, Vec w) const;

  TS ts_;
  const AppState& state_;
  const Reducer& reducer_;
  std::unique_ptr<AppBasis> basis_;
  bool imex_ = false;
  Mat A_ = nullptr, P_ = nullptr;  // the application's (borrowed)
  JacobianSource source_ = JacobianSource::differences;
  VecHandle algebraic_;  // 1 on algebraic rows, 0 elsewhere
  long long algebraic_count_ = -1;
  VecHandle x_, xdot_, f_, w_, g_, xk_;
  mutable long long calls_ = 0, jacobian_calls_ = 0;
};

}  // namespace metarom
