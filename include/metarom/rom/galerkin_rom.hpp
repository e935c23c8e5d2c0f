#pragma once
// Galerkin latent ROMs of affine decoders (docs/methods.md, "Latent-space reduced models"):
// the shared projection, and
//   LinearGalerkinRom     a linear full-order model dx/dt = A x advanced by a linear TS;
//   QuadraticGalerkinRom  models f(x) = c + Lx + B(x, x) and an affine decoder x = x̄ + Uu:
//                         g(u) = c_r + A_r u + T_r(u, u), all projected once, so the online
//                         cost does not depend on n (the QG advection term as an r x r x r
//                         tensor).
// For the linear model: With an affine decoder x = x̄ + J u, the Galerkin condition
// Jᵀ(dx/dt - A x) = 0 gives du/dt = A_r u + c with A_r = M⁻¹JᵀAJ, c = M⁻¹JᵀAx̄ and
// M = JᵀJ (the identity for POD). A_r and c are formed once, so the online cost does not
// depend on n. The latent ODE is advanced by a PETSc TS on a sequential Vec of size r
// (options prefix "rom_": -rom_ts_type, -rom_ts_dt is set from the time grid, ...).
#include <string>
#include <vector>

#include "metarom/error.hpp"
#include "metarom/models/model.hpp"
#include "metarom/reducers/reducer.hpp"
#include "metarom/rom/latent_integration.hpp"

namespace metarom {

// The Galerkin projection onto the span of V (local rows; full column rank, not necessarily
// orthonormal): (VᵀV)⁻¹VᵀF for the columns of F (local rows), VᵀV and VᵀF formed in one
// allreduce over comm. Every Galerkin ROM's offline projection — linear, quadratic, and the
// plugin's projection of an application's operator — is this one. Throws, naming `what`,
// when V's columns are (nearly) linearly dependent.
Matrix galerkin_project(const Matrix& V, const Matrix& F, MPI_Comm comm, const std::string& what);
// (VᵀV)⁻¹TᵀF with the test basis T (local rows, r columns) in Vᵀ's place: V's coordinates of
// the projection of M F for T = MᵀV. galerkin_project is T = V.
Matrix petrov_galerkin_project(const Matrix& V, const Matrix& T, const Matrix& F, MPI_Comm comm,
                               const std::string& what);

// Throws (naming `what`) unless the reducer's rows are distributed exactly like the model's.
void require_same_rows(const FullOrderModel& model, const Reducer& reducer, const std::string& what);

class LinearGalerkinRom {
 public:
  // Projects the model's operator onto the reducer's affine decoder (collective).
  LinearGalerkinRom(const FullOrderModel& model, const Reducer& reducer);

  const Matrix& reduced_operator() const { return Ar_; }
  const Vector& affine_term() const { return c_; }
  int latent_dim() const { return static_cast<int>(Ar_.rows()); }

  // Advances u from u0 over `grid` (same dt and snapshot stride), recording every stride
  // steps. Runs redundantly on each rank (the latent state is replicated).
  LatentTrajectory solve(const Vector& u0, const TimeGrid& grid, const std::string& prefix = "rom_") const;

 private:
  Matrix Ar_;
  Vector c_;
};

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

}  // namespace metarom
