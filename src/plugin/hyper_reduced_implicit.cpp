#include "plugin/hyper_reduced_implicit.hpp"

#include <petsc/private/tsimpl.h>

#include "metarom/error.hpp"
#include "metarom/io/petsc_handle.hpp"
#include "metarom/linalg/empirical_interpolation.hpp"
#include "plugin/app_basis.hpp"

namespace metarom {

HyperReduction with_velocity_directions(TS ts, const AppState& state, const Reducer& reducer, const HyperReduction& hr,
                                        const std::string& how, Index points) {
  if (hr.ecsw()) throw Error("TS rom: ECSW weights keep no basis to widen; fit the model with -hr_method deim or qdeim");
  const AppBasis basis(ts, state, reducer);
  const Index r = basis.V().cols(), m = hr.basis.cols();
  // F's ẋ-part along each basis direction, from F at x̄ with ẋ = V e_i and with ẋ = 0.
  VecHandle x = state_vec(ts), xdot = state_vec(ts), F = state_vec(ts);
  AppBasis::write(basis.xbar(), x);
  METAROM_PETSC(VecZeroEntries(xdot));
  METAROM_PETSC(TSComputeIFunction(ts, ts->ptime, x, xdot, F, PETSC_FALSE));
  const Vector F0 = state.to_rows(F);
  // W's columns first, then each M V e_i orthogonalized against those kept (Gram–Schmidt, twice,
  // in this order: the same columns on any number of ranks, where the SVD of [W, MV] would
  // rotate degenerate singular subspaces differently), dropped where it lies in their span.
  Matrix Q(hr.basis.rows(), m + r);
  Q.leftCols(m) = hr.basis;
  Index kept = m;
  const MPI_Comm comm = state.rows().comm;
  for (Index i = 0; i < r; ++i) {
    AppBasis::write(basis.V().col(i), xdot);
    METAROM_PETSC(TSComputeIFunction(ts, ts->ptime, x, xdot, F, PETSC_FALSE));
    Vector v = state.to_rows(F) - F0;
    const double before = std::sqrt(allreduce_sum(comm, v.squaredNorm()));
    for (int pass = 0; pass < 2; ++pass) {
      Vector c = Q.leftCols(kept).transpose() * v;
      allreduce_sum(comm, c.data(), c.size());
      v -= Q.leftCols(kept) * c;
    }
    const double after = std::sqrt(allreduce_sum(comm, v.squaredNorm()));
    if (after > 1e-6 * before) Q.col(kept++) = v / after;
  }
  HyperReduction out = hr;
  out.basis = Q.leftCols(kept);
  out.choose_points(state.rows(), how, points);
  out.method += " + velocity directions";
  return out;
}

HyperReducedImplicit::HyperReducedImplicit(TS ts, const DmdaLocalIFunction& callback, const Reducer& reducer,
                                           const RowPartition& rows, const HyperReduction& hr)
    : f_(ts, callback, hr.points.rows) {
  if (!reducer.affine_decoder())
    throw Error("TS rom: the hyper-reduced implicit route needs an affine decoder (pod, linear-ae), not " +
                reducer.type());
  const int r = reducer.latent_dim();
  const Matrix V = reducer.decoder_jacobian(Vector::Zero(r));
  if (V.rows() != rows.local() || (!hr.ecsw() && hr.basis.rows() != rows.local()))
    throw Error("TS rom: the model's basis and sample rows do not fit the program's state");
  E_ = hyper_reduced_projection(V, V, hr, rows);
  Matrix decoder(V.rows(), r + 1);
  decoder << reducer.decode(Matrix::Zero(r, 1)).col(0), V;
  const Matrix at_stencil = sample_rows(decoder, rows, f_.stencil());
  xs_ = at_stencil.col(0);
  Vs_ = at_stencil.rightCols(r);
}

Vector HyperReducedImplicit::residual(double t, const Vector& u, const Vector& udot) const {
  return E_ * f_.residual(t, xs_ + Vs_ * u, Vs_ * udot);
}

Matrix HyperReducedImplicit::jacobian(double t, const Vector& u, const Vector& udot, double shift) const {
  ++jacobian_calls_;
  const Vector x = xs_ + Vs_ * u, xdot = Vs_ * udot;
  return E_ * ((shift * f_.jacobian_xdot(t, x, xdot) + f_.jacobian_x(t, x, xdot)) * Vs_);
}

}  // namespace metarom
