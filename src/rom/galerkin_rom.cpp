#include "metarom/rom/galerkin_rom.hpp"

#include <fmt/format.h>
#include <petscts.h>

#include <Eigen/Cholesky>
#include <vector>

#include "metarom/error.hpp"
#include "models/linear_ode.hpp"
#include "metarom/io/petsc_handle.hpp"

namespace metarom {


Matrix galerkin_project(const Matrix& V, const Matrix& F, MPI_Comm comm, const std::string& what) {
  return petrov_galerkin_project(V, V, F, comm, what);
}

Matrix petrov_galerkin_project(const Matrix& V, const Matrix& T, const Matrix& F, MPI_Comm comm,
                               const std::string& what) {
  const Index r = V.cols();
  if (F.rows() != V.rows() || T.rows() != V.rows() || T.cols() != r)
    throw Error(fmt::format("{}: the basis has {} local rows, the test basis {} x {}, the vectors projected {}", what,
                            V.rows(), T.rows(), T.cols(), F.rows()));
  Matrix prod(r, r + F.cols());
  prod.leftCols(r) = V.transpose() * V;
  prod.rightCols(F.cols()) = T.transpose() * F;
  allreduce_sum(comm, prod.data(), prod.size());
  const Eigen::LDLT<Matrix> M(prod.leftCols(r));
  if (M.info() != Eigen::Success || M.rcond() < 1e-12)
    throw Error(what + ": the basis' columns are (nearly) linearly dependent");
  return M.solve(prod.rightCols(F.cols()));
}

void require_same_rows(const FullOrderModel& model, const Reducer& reducer, const std::string& what) {
  const RowPartition &a = reducer.rows(), &b = model.rows();
  if (a.global != b.global || a.begin != b.begin || a.end != b.end)
    throw Error(fmt::format("{}: the reducer's rows ({} in all, {}..{} here) do not match the model's ({} in all, "
                            "{}..{} here)",
                            what, a.global, a.begin, a.end, b.global, b.begin, b.end));
}

LinearGalerkinRom::LinearGalerkinRom(const FullOrderModel& model, const Reducer& reducer) {
  const LinearOperator* A = model.linear_operator();
  if (!A) throw Error("linear Galerkin ROM: model '" + model.name() + "' is not linear");
  if (!reducer.affine_decoder())
    throw Error("linear Galerkin ROM: reducer '" + reducer.type() + "' has a nonlinear decoder");
  require_same_rows(model, reducer, "linear Galerkin ROM");
  const int r = reducer.latent_dim();
  const MPI_Comm comm = model.rows().comm;
  const Matrix J = reducer.decoder_jacobian(Vector::Zero(r));
  const Vector xbar = reducer.decode(Matrix::Zero(r, 1)).col(0);

  Matrix AJ(J.rows(), r + 1);
  AJ.leftCols(r) = A->apply(J);
  AJ.col(r) = A->apply(xbar);
  const Matrix rhs = galerkin_project(J, AJ, comm, "linear Galerkin ROM");  // [A_r | c]
  Ar_ = rhs.leftCols(r);
  c_ = rhs.col(r);
}

LatentTrajectory LinearGalerkinRom::solve(const Vector& u0, const TimeGrid& grid, const std::string& prefix) const {
  const PetscInt r = static_cast<PetscInt>(Ar_.rows());
  if (u0.size() != r) throw Error(fmt::format("Galerkin ROM: initial latent state has {} entries, r = {}", u0.size(), r));

  // PETSc copies of A_r, c and u (sequential: the latent state is replicated on every rank).
  MatHandle A;
  VecHandle c, u;
  METAROM_PETSC(MatCreateSeqDense(PETSC_COMM_SELF, r, r, nullptr, A.address()));
  PetscScalar* p;
  METAROM_PETSC(MatDenseGetArray(A, &p));
  Eigen::Map<Matrix>(p, r, r) = Ar_;
  METAROM_PETSC(MatDenseRestoreArray(A, &p));
  METAROM_PETSC(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
  METAROM_PETSC(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
  METAROM_PETSC(VecCreateSeq(PETSC_COMM_SELF, r, c.address()));
  METAROM_PETSC(VecDuplicate(c, u.address()));
  METAROM_PETSC(VecGetArray(c, &p));
  Eigen::Map<Vector>(p, r) = c_;
  METAROM_PETSC(VecRestoreArray(c, &p));
  METAROM_PETSC(VecGetArray(u, &p));
  Eigen::Map<Vector>(p, r) = u0;
  METAROM_PETSC(VecRestoreArray(u, &p));

  LatentRecorder recorded(r, grid.snapshots());
  auto record = [&](PetscInt step, PetscReal t, Vec x) {
    if (step % grid.stride) return;
    const PetscScalar* px;
    METAROM_PETSC(VecGetArrayRead(x, &px));
    recorded.add(t, px);
    METAROM_PETSC(VecRestoreArrayRead(x, &px));
  };
  LinearOdeTs ode(A, c, grid, prefix, TSCN, record);
  use_direct_solves(ode.ts());  // r x r dense systems
  TSAdapt adapt;
  METAROM_PETSC(TSGetAdapt(ode.ts(), &adapt));
  METAROM_PETSC(TSAdaptSetType(adapt, TSADAPTNONE));  // the full model's grid, step for step
  ode.set_from_options();

  const double seconds = ode.solve(u);
  return recorded.finish(seconds, ode.type(), grid.steps);
}


QuadraticGalerkinRom::QuadraticGalerkinRom(const FullOrderModel& model, const Reducer& reducer)
    : QuadraticGalerkinRom(model,
                           [&] {
                             if (!reducer.affine_decoder())
                               throw Error("POD-Galerkin ROM: reducer '" + reducer.type() +
                                           "' has a nonlinear decoder (use manifold Galerkin)");
                             require_same_rows(model, reducer, "POD-Galerkin ROM");
                             return Vector(reducer.decode(Matrix::Zero(reducer.latent_dim(), 1)).col(0));
                           }(),
                           reducer.decoder_jacobian(Vector::Zero(reducer.latent_dim()))) {}

QuadraticGalerkinRom::QuadraticGalerkinRom(const FullOrderModel& model, const Vector& xbar, const Matrix& U) {
  const QuadraticStructure* q = model.quadratic_structure();
  if (!q)
    throw Error("POD-Galerkin ROM: model '" + model.name() + "' has no quadratic structure (use manifold Galerkin)");
  if (U.rows() != model.rows().local() || xbar.size() != U.rows())
    throw Error(fmt::format("POD-Galerkin ROM: the basis has {} local rows, the model {}", U.rows(), model.rows().local()));
  const Index r = U.cols();
  const MPI_Comm comm = model.rows().comm;
  const bool centered = allreduce_max(comm, xbar.size() ? xbar.cwiseAbs().maxCoeff() : 0.0) > 0;
  // Full-order pieces, local rows: [c + Lx̄ + B(x̄, x̄) | LU + B(x̄, U) + B(U, x̄) | B(U_j, U_k)]
  // (a linear model has no B: its n x r² block is not formed).
  const bool quadratic = !model.linear_operator();
  Matrix full(U.rows(), 1 + r + (quadratic ? r * r : 0));
  full.col(0) = q->constant_term();
  full.middleCols(1, r) = q->apply_linear_term(U);
  if (quadratic) {
    Matrix V(U.rows(), r * r), W(U.rows(), r * r);
    for (Index k = 0; k < r; ++k)
      for (Index j = 0; j < r; ++j) {
        V.col(j + r * k) = U.col(j);
        W.col(j + r * k) = U.col(k);
      }
    full.rightCols(r * r) = q->apply_quadratic_term(V, W);
  }
  if (centered) {
    const Matrix xb = xbar;
    full.col(0) += q->apply_linear_term(xb).col(0);
    if (quadratic) {
      full.col(0) += q->apply_quadratic_term(xb, xb).col(0);
      const Matrix Xb = xbar.replicate(1, r);
      full.middleCols(1, r) += q->apply_quadratic_term(Xb, U) + q->apply_quadratic_term(U, Xb);
    }
  }
  // Galerkin projection with M = UᵀU (the identity for POD).
  const Matrix red = galerkin_project(U, full, comm, "POD-Galerkin ROM");
  cr_ = red.col(0);
  Ar_ = red.middleCols(1, r);
  Tr_ = quadratic ? Matrix(red.rightCols(r * r)) : Matrix::Zero(r, r * r);
  quadratic_ = quadratic && Tr_.cwiseAbs().maxCoeff() > 0;
}

Vector QuadraticGalerkinRom::rhs(double, const Vector& u) const {
  if (!quadratic_) return cr_ + Ar_ * u;
  const Index r = u.size();
  Vector kron(r * r);
  for (Index k = 0; k < r; ++k) kron.segment(r * k, r) = u(k) * u;
  return cr_ + Ar_ * u + Tr_ * kron;
}

Matrix QuadraticGalerkinRom::jacobian(double, const Vector& u) const {
  if (!quadratic_) return Ar_;
  const Index r = u.size();
  Matrix J = Ar_;
  // ∂/∂u_j Σ_jk T[:, j + rk] u_j u_k = Σ_k T[:, j + rk] u_k + Σ_k T[:, k + rj] u_k
  for (Index k = 0; k < r; ++k) {
    J.noalias() += Tr_.middleCols(r * k, r) * u(k);
    J.col(k).noalias() += Tr_.middleCols(r * k, r) * u;
  }
  return J;
}

}  // namespace metarom
