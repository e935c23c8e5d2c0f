#include "plugin/app_basis.hpp"

#include "metarom/reducers/normalization.hpp"

namespace metarom {

AppBasis::AppBasis(TS ts, const AppState& state, const Reducer& reducer) : reducer_(reducer) {
  const int r = reducer.latent_dim();
  const Normalization* norm = reducer.normalization();
  pod_ = reducer.affine_decoder();
  Matrix V;
  Vector xbar;
  if (pod_) {
    V = reducer.decoder_jacobian(Vector::Zero(r));
    xbar = reducer.decode(Matrix::Zero(r, 1)).col(0);
  } else {
    V = norm->undo_linear(Matrix::Identity(norm->modes, norm->modes));
    xbar = norm->undo(Matrix::Zero(norm->modes, 1)).col(0);
  }
  VecHandle x = state_vec(ts);  // V's columns and x̄ pass through it into the Vec's ordering
  const Index K = V.cols(), local = state.rows().local();
  V_.resize(local, K);
  for (Index k = 0; k <= K; ++k) {
    state.from_rows(k < K ? Vector(V.col(k)) : xbar, x);
    const Vector v = read(x);
    if (k < K) V_.col(k) = v;
    else xbar_ = v;
  }
  comm_ = state.rows().comm;
  Matrix M = V_.transpose() * V_;
  allreduce_sum(comm_, M.data(), M.size());
  mass_ = M.ldlt();
}

bool AppBasis::applies(const Reducer& reducer) {
  const Normalization* norm = reducer.normalization();
  return reducer.affine_decoder() || (norm && norm->modes > 0);
}

}  // namespace metarom
