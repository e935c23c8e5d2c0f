#pragma once
// The affine part of a decoder, x = x̄ + V y(u), in a PETSc application's own Vec ordering
// (src/plugin): the plugin's Galerkin and implicit routes for POD (y = u) and for neural
// reducers with a POD stage (y = ψ(u), V = sΦ).
#include <petscts.h>

#include <Eigen/Cholesky>

#include "metarom/io/petsc_handle.hpp"
#include "metarom/reducers/reducer.hpp"
#include "plugin/app_state.hpp"

namespace metarom {

// The affine part of a decoder x = x̄ + V y(u) with a constant V (POD: y = u; neural
// reducers with a POD stage: y = ψ(u), V = sΦ), held in the application's own Vec ordering
// (natural → global for a DMDA, permuted once) so no state is permuted per evaluation.
class AppBasis {
 public:
  // `ts`: the application's, its solution Vec set.
  AppBasis(TS ts, const AppState& state, const Reducer& reducer);
  // Whether the reducer's decoder has this form.
  static bool applies(const Reducer& reducer);
  const Reducer& reducer() const { return reducer_; }
  bool pod() const { return pod_; }
  const Matrix& V() const { return V_; }
  const Vector& xbar() const { return xbar_; }
  const Eigen::LDLT<Matrix>& mass() const { return mass_; }  // VᵀV
  // y(u) and ∂y/∂u (the identity for POD).
  Vector y(const Vector& u) const { return pod_ ? u : Vector(reducer_.network_decode(u).col(0)); }
  Matrix dy(const Vector& u) const {
    return pod_ ? Matrix(Matrix::Identity(u.size(), u.size())) : reducer_.network_jacobian(u);
  }
  // Vᵀv over all ranks (v local, in the Vec's ordering).
  Matrix project(const Matrix& v) const {
    Matrix p = V_.transpose() * v;
    allreduce_sum(comm_, p.data(), p.size());
    return p;
  }
  // A Vec's local values in its own ordering, and back (petsc_handle.hpp's copies).
  static Vector read(Vec v) {
    PetscInt n;
    METAROM_PETSC(VecGetLocalSize(v, &n));
    Vector out(n);
    copy_from_vec(v, out.data());
    return out;
  }
  static void write(const Vector& x, Vec v) { copy_to_vec(x.data(), v); }

 private:
  const Reducer& reducer_;
  bool pod_ = false;
  MPI_Comm comm_ = MPI_COMM_SELF;
  Matrix V_;
  Vector xbar_;
  Eigen::LDLT<Matrix> mass_;
};

}  // namespace metarom
