#include "plugin/application_implicit.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "metarom/error.hpp"
#include "metarom/linalg/tsqr.hpp"

namespace metarom {

ApplicationImplicit::ApplicationImplicit(TS ts, const AppState& state, const Reducer& reducer)
    : ts_(ts), state_(state), reducer_(reducer) {
  if (AppBasis::applies(reducer)) basis_ = std::make_unique<AppBasis>(ts, state, reducer);
  Vec sol;
  METAROM_PETSC(TSGetSolution(ts, &sol));
  for (VecHandle* v : {&x_, &xdot_, &f_, &w_, &g_, &xk_}) METAROM_PETSC(VecDuplicate(sol, v->address()));
  TSIFunction ifun = nullptr;
  TSRHSFunction rhs = nullptr;
  TSIJacobian ijac = nullptr;
  TSRHSJacobian rjac = nullptr;
  METAROM_PETSC(TSGetIFunction(ts, nullptr, &ifun, nullptr));
  METAROM_PETSC(TSGetRHSFunction(ts, nullptr, &rhs, nullptr));
  METAROM_PETSC(TSGetIJacobian(ts, nullptr, nullptr, &ijac, nullptr));
  METAROM_PETSC(TSGetRHSJacobian(ts, nullptr, nullptr, &rjac, nullptr));
  imex_ = ifun && rhs;
  // The application's matrices, when it computes the Jacobians its form needs.
  if ((!ifun || ijac) && (!rhs || rjac)) source_ = JacobianSource::application;
  else if (ifun && ijac) source_ = JacobianSource::ijacobian_and_rhs_differences;
  if (source_ != JacobianSource::differences) METAROM_PETSC(TSGetIJacobian(ts, &A_, &P_, nullptr, nullptr));
}

std::string ApplicationImplicit::jacobian_text() const {
  switch (source_) {
    case JacobianSource::application: return "Jacobian projected from its IJacobian";
    case JacobianSource::ijacobian_and_rhs_differences:
      return "Jacobian projected from its IJacobian, its right-hand side's by differences along the basis (no "
             "RHSJacobian set)";
    default: return "Jacobian by finite differences (the application sets no IJacobian)";
  }
}

Vector ApplicationImplicit::lspg_step(double t_next, double dt, const Vector& uk, const LspgSettings& s) const {
  if (source_ != JacobianSource::application)
    throw Error("TS rom: the LSPG variant (-ts_rom_implicit_method lspg) needs the program's IJacobian (and its "
                "RHSJacobian when it sets a right-hand side too)");
  const Index r = uk.size();
  set_state(uk, Vector::Zero(r));
  METAROM_PETSC(VecCopy(x_, xk_));
  Vector u = uk;
  double previous = std::numeric_limits<double>::infinity();
  for (int it = 0; it < s.max_iterations; ++it) {
    const Matrix J = set_state(u, Vector::Zero(r));
    METAROM_PETSC(VecWAXPY(xdot_, -1.0, xk_, x_));  // (φ(u) − φ(u_k))/Δt
    METAROM_PETSC(VecScale(xdot_, 1.0 / dt));
    METAROM_PETSC(TSComputeIFunction(ts_, t_next, x_, xdot_, f_, PETSC_FALSE));
    ++calls_;
    // A Gauss–Newton step that no longer lowers ‖R‖ ends the iteration: the residual has
    // reached its round-off floor (on PETSc's ex17, rows scaled by 1/h² = 4e8 beside boundary
    // rows of scale 1, the step test alone never passed).
    // Every rank takes the same decision: the norm is summed on rank 0 and broadcast
    // (allreduce_sum), not by VecNorm, whose MPI_Allreduce need not agree bitwise.
    const double norm = std::sqrt(allreduce_sum(state_.rows().comm, local(f_).squaredNorm()));
    if (norm >= previous * (1 - 1e-12)) return u;
    previous = norm;
    METAROM_PETSC(TSComputeIJacobian(ts_, t_next, x_, xdot_, 1.0 / dt, A_, P_, PETSC_FALSE));
    ++jacobian_calls_;
    // ∂R/∂u = A J, column by column in the program's ordering.
    const Matrix Japp = basis_ ? Matrix(basis_->V() * J) : J;
    Matrix AJ(Japp.rows(), r);
    for (Index k = 0; k < r; ++k) {
      store(Japp.col(k), w_);
      METAROM_PETSC(MatMult(A_, w_, g_));
      AJ.col(k) = local(g_);
    }
    // The least-squares step min‖AJ δ − R‖ by a distributed SVD of AJ (TSQR), not the
    // normal equations: a program's rows may differ in scale by 1/h² (ex17: 4e8), which the
    // normal equations square; directions with σ ≤ 1e-14 σ_max are dropped.
    const ThinSvd svd = distributed_thin_svd(AJ, state_.rows().comm);
    Vector c = svd.U.transpose() * local(f_);
    allreduce_sum(state_.rows().comm, c.data(), c.size());
    for (Index k = 0; k < c.size(); ++k) c(k) = svd.sigma(k) > 1e-14 * svd.sigma(0) ? c(k) / svd.sigma(k) : 0.0;
    const Vector delta = svd.V * c;
    u -= delta;
    if (!u.allFinite()) throw Error(fmt::format("TS rom: LSPG step to t = {:.6g} diverged", t_next));
    if (delta.norm() <= s.tolerance * (1 + u.norm())) return u;
  }
  return u;
}

void ApplicationImplicit::find_algebraic_rows(const Vector& u0) {
  if (source_ == JacobianSource::differences) return;
  set_state(u0, Vector::Zero(u0.size()));
  const PetscBool imex = source_ == JacobianSource::application ? PETSC_FALSE : PETSC_TRUE;
  MatHandle D;
  VecHandle rowmax;
  METAROM_PETSC(TSComputeIJacobian(ts_, 0, x_, xdot_, 0.0, A_, P_, imex));
  METAROM_PETSC(MatDuplicate(A_, MAT_COPY_VALUES, D.address()));
  METAROM_PETSC(TSComputeIJacobian(ts_, 0, x_, xdot_, 1.0, A_, P_, imex));
  METAROM_PETSC(MatAYPX(D, -1.0, A_, DIFFERENT_NONZERO_PATTERN));  // F_ẋ = J(1) − J(0)
  METAROM_PETSC(VecDuplicate(x_, rowmax.address()));
  // Matrix types without MatGetRowMaxAbs leave the check off.
  METAROM_PETSC(PetscPushErrorHandler(PetscReturnErrorHandler, nullptr));
  const PetscErrorCode ierr = MatGetRowMaxAbs(D, rowmax, nullptr);
  METAROM_PETSC(PetscPopErrorHandler());
  if (ierr) return;
  METAROM_PETSC(VecDuplicate(x_, algebraic_.address()));
  const Vector m = AppBasis::read(rowmax);
  Vector mask = (m.array() == 0).cast<double>();
  AppBasis::write(mask, algebraic_);
  algebraic_count_ = static_cast<long long>(std::llround(allreduce_sum(state_.rows().comm, mask.sum())));
}

double ApplicationImplicit::algebraic_residual(double t, const Vector& u) const {
  if (algebraic_count_ <= 0) return 0;
  set_state(u, Vector::Zero(u.size()));  // algebraic rows do not depend on ẋ
  METAROM_PETSC(TSComputeIFunction(ts_, t, x_, xdot_, f_, PETSC_FALSE));
  METAROM_PETSC(VecPointwiseMult(f_, f_, algebraic_));
  PetscReal worst;
  METAROM_PETSC(VecNorm(f_, NORM_INFINITY, &worst));
  return worst;
}

Matrix ApplicationImplicit::set_state(const Vector& u, const Vector& udot) const {
  if (basis_) {
    const Matrix Js = basis_->dy(u);
    AppBasis::write(basis_->xbar() + basis_->V() * basis_->y(u), x_);
    AppBasis::write(basis_->V() * (Js * udot), xdot_);
    return Js;
  }
  const Matrix J = reducer_.decoder_jacobian(u);
  state_.from_rows(reducer_.decode(u).col(0), x_);
  state_.from_rows(J * udot, xdot_);
  return J;
}

Matrix ApplicationImplicit::project(const Matrix& J, const Matrix& v) const {
  if (basis_) return J.transpose() * basis_->project(v);  // (∂y/∂u)ᵀ Vᵀv
  Matrix p = J.transpose() * v;
  allreduce_sum(state_.rows().comm, p.data(), p.size());
  return p;
}

Vector ApplicationImplicit::local(Vec w) const { return basis_ ? AppBasis::read(w) : state_.to_rows(w); }

void ApplicationImplicit::store(const Vector& v, Vec w) const {
  if (basis_) AppBasis::write(v, w);
  else state_.from_rows(v, w);
}

Vector ApplicationImplicit::residual(double t, const Vector& u, const Vector& udot) const {
  const Matrix J = set_state(u, udot);
  METAROM_PETSC(TSComputeIFunction(ts_, t, x_, xdot_, f_, PETSC_FALSE));  // F − G
  ++calls_;
  return project(J, local(f_)).col(0);
}

Matrix ApplicationImplicit::jacobian(double t, const Vector& u, const Vector& udot, double shift) const {
  if (source_ == JacobianSource::differences) return ImplicitLatentDynamics::jacobian(t, u, udot, shift);
  ++jacobian_calls_;
  const Matrix J = set_state(u, udot);
  // imex = true: shift F_ẋ + F_x only, G_x below.
  const bool split = source_ == JacobianSource::ijacobian_and_rhs_differences;
  METAROM_PETSC(TSComputeIJacobian(ts_, t, x_, xdot_, shift, A_, P_, split ? PETSC_TRUE : PETSC_FALSE));
  PetscReal xmax = 0;
  if (split) METAROM_PETSC(VecNorm(x_, NORM_INFINITY, &xmax));
  // The application's matrix applied to the tangent directions: V's K columns with a basis
  // (then (∂y/∂u)ᵀ VᵀAV ∂y/∂u), else J's r columns.
  const Matrix& D = basis_ ? basis_->V() : J;
  Matrix AD(D.rows(), D.cols());
  for (Index k = 0; k < D.cols(); ++k) {
    store(D.col(k), w_);
    METAROM_PETSC(MatMult(A_, w_, f_));
    AD.col(k) = local(f_);
    if (split) {
      // − G_x d by central differences, the step scaled to the state and the direction
      // (both norms over all ranks, so every rank takes the same step).
      PetscReal dmax;
      METAROM_PETSC(VecNorm(w_, NORM_INFINITY, &dmax));
      if (dmax == 0) continue;
      const double h = 1e-6 * (1 + xmax) / dmax;
      METAROM_PETSC(VecWAXPY(g_, h, w_, x_));
      METAROM_PETSC(TSComputeRHSFunction(ts_, t, g_, f_));
      const Vector plus = local(f_);
      METAROM_PETSC(VecWAXPY(g_, -h, w_, x_));
      METAROM_PETSC(TSComputeRHSFunction(ts_, t, g_, f_));
      AD.col(k) -= (plus - local(f_)) / (2 * h);
    }
  }
  return basis_ ? Matrix(project(J, AD) * J) : project(J, AD);
}

}  // namespace metarom
