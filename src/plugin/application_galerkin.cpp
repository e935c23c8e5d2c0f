#include "plugin/application_galerkin.hpp"

#include "metarom/error.hpp"
#include "metarom/rom/galerkin_rom.hpp"

namespace metarom {

ApplicationGalerkin::ApplicationGalerkin(TS ts, const AppState& state, const Reducer& reducer, double damping)
    : ts_(ts), basis_(ts, state, reducer) {
  damped_.delta = damping;
  x_ = state_vec(ts);
  f_ = state_vec(ts);
  // A linear application: project its constant operator once.
  TSRHSFunction rhs = nullptr;
  TSRHSJacobian jac = nullptr;
  METAROM_PETSC(TSGetRHSFunction(ts, nullptr, &rhs, nullptr));
  METAROM_PETSC(TSGetRHSJacobian(ts, nullptr, nullptr, &jac, nullptr));
  // The program's own matrix, as TSComputeRHSFunctionLinear multiplies by: TSGetRHSJacobian's
  // is the SNES's, which TSSetUp replaces by a copy for a constant Jacobian.
  Mat A = ts->Arhs;
  if (rhs == TSComputeRHSFunctionLinear && jac == TSComputeRHSJacobianConstant && A) {
    const Index K = basis_.V().cols();
    Matrix AV(basis_.V().rows(), K + 1);
    for (Index k = 0; k <= K; ++k) {
      AppBasis::write(k < K ? Vector(basis_.V().col(k)) : basis_.xbar(), x_);
      METAROM_PETSC(MatMult(A, x_, f_));
      AV.col(k) = basis_.read(f_);
    }
    const Matrix red = galerkin_project(basis_.V(), AV, PetscObjectComm(reinterpret_cast<PetscObject>(ts)),
                                        "TS rom: the projected operator");
    Ar_ = red.leftCols(K);
    cr_ = red.col(K);
  }
}

Vector ApplicationGalerkin::rhs(double t, const Vector& u) const {
  const Vector y = basis_.y(u);
  Vector g;
  if (linear()) {
    g = cr_ + Ar_ * y;
  } else {
    AppBasis::write(basis_.xbar() + basis_.V() * y, x_);
    METAROM_PETSC(TSComputeRHSFunction(ts_, t, x_, f_));
    ++calls_;
    g = basis_.mass().solve(basis_.project(basis_.read(f_)));
  }
  if (basis_.pod()) return g;
  const Matrix Js = basis_.dy(u);
  return damped_(Js.transpose() * Js, Js.transpose() * g, "TS rom");
}

Matrix ApplicationGalerkin::jacobian(double t, const Vector& u) const {
  if (linear() && basis_.pod()) return Ar_;
  // Finite differences (2r application right-hand sides): only implicit latent types chosen
  // by -ts_rom_ts_type ask for it; the default latent integrator is explicit.
  return LatentDynamics::jacobian(t, u);
}

}  // namespace metarom
