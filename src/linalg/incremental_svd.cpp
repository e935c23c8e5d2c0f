#include "metarom/linalg/incremental_svd.hpp"

#include <fmt/format.h>

#include <cmath>

#include "metarom/error.hpp"
#include "metarom/io/row_partition.hpp"
#include "metarom/linalg/tsqr.hpp"

namespace metarom {

IncrementalSvd::IncrementalSvd(MPI_Comm comm, Index local_rows, int max_rank, bool center)
    : comm_(comm), max_rank_(max_rank), center_(center) {
  if (max_rank < 1) throw Error(fmt::format("incremental SVD: the kept rank must be >= 1, got {}", max_rank));
  state_.U.resize(local_rows, 0);
  if (center) state_.mean = Vector::Zero(local_rows);
}

IncrementalSvd::IncrementalSvd(MPI_Comm comm, State state, int max_rank, bool center)
    : comm_(comm), max_rank_(max_rank), center_(center), state_(std::move(state)) {
  if (max_rank < 1) throw Error(fmt::format("incremental SVD: the kept rank must be >= 1, got {}", max_rank));
  if (state_.sigma.size() != state_.U.cols() || state_.count < 0 || (center && state_.mean.size() != state_.U.rows()))
    throw Error(fmt::format("incremental SVD: a saved state of {} modes, {} singular values, {} columns and a mean of "
                            "{} rows does not fit together",
                            state_.U.cols(), state_.sigma.size(), state_.count, state_.mean.size()));
}

void IncrementalSvd::update(const Matrix& C) {
  if (C.rows() != state_.U.rows())
    throw Error(fmt::format("incremental SVD: a block of {} local rows, expected {}", C.rows(), state_.U.rows()));
  const Index b = C.cols();
  if (b == 0) return;
  Matrix Ct;
  if (center_) {
    // Ross et al.: the block about its own mean plus one column for the shift of the mean.
    const Vector cbar = C.rowwise().mean();
    const double N = double(state_.count), B = double(b);
    Ct.resize(C.rows(), b + (state_.count > 0 ? 1 : 0));
    Ct.leftCols(b) = C.colwise() - cbar;
    if (state_.count > 0) Ct.col(b) = std::sqrt(N * B / (N + B)) * (cbar - state_.mean);
    state_.mean = (N * state_.mean + B * cbar) / (N + B);
  } else {
    Ct = C;
  }
  const double block_energy = allreduce_sum(comm_, Ct.squaredNorm());
  state_.energy += block_energy;
  state_.count += b;

  const Index k = state_.U.cols(), m = Ct.cols();
  const Matrix& U = state_.U;
  Matrix P = U.transpose() * Ct;
  allreduce_sum(comm_, P.data(), P.size());
  Matrix R = Ct - U * P;
  Matrix P2 = U.transpose() * R;  // the second Gram–Schmidt pass
  allreduce_sum(comm_, P2.data(), P2.size());
  R -= U * P2;
  P += P2;
  // R = Q T with Q orthonormal: from R's thin SVD, Q = its U and T = diag(s) Vᵀ, keeping the
  // directions above round-off.
  const ThinSvd rs = distributed_thin_svd(R, comm_);
  const double scale = std::max(k > 0 ? state_.sigma(0) : 0.0, std::sqrt(block_energy));
  Index q = 0;
  while (q < rs.sigma.size() && rs.sigma(q) > 1e-14 * scale) ++q;
  if (k + q == 0) return;  // nothing but zeros so far (e.g. one column about its own mean)
  Matrix K = Matrix::Zero(k + q, k + m);
  K.topLeftCorner(k, k) = state_.sigma.asDiagonal();
  K.topRightCorner(k, m) = P;
  K.bottomRightCorner(q, m) = rs.sigma.head(q).asDiagonal() * rs.V.leftCols(q).transpose();
  const ThinSvd small = thin_svd(K, SvdVectors::left);
  const Vector& s = small.sigma;
  Index keep = std::min<Index>(max_rank_, s.size());
  while (keep > 0 && s(keep - 1) <= 1e-14 * s(0)) --keep;  // numerically zero: nothing to keep
  if (keep < s.size()) state_.dropped = std::max(state_.dropped, s(keep));
  Matrix UQ(U.rows(), k + q);
  UQ << U, rs.U.leftCols(q);
  state_.U = UQ * small.U.leftCols(keep);
  state_.sigma = s.head(keep);
}

}  // namespace metarom
