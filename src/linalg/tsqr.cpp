#include "metarom/linalg/tsqr.hpp"

#include <fmt/format.h>

#include <vector>

#include "linalg/lapack.hpp"
#include "metarom/error.hpp"

namespace metarom {

DistributedSvd::DistributedSvd(Matrix local_rows, MPI_Comm comm) : local_qr_(std::move(local_rows)) {
  int size = 1, rank = 0;
  MPI_Comm_size(comm, &size);
  MPI_Comm_rank(comm, &rank);
  const Index N = local_qr_.cols();
  local_tau_ = lapack::householder_qr(local_qr_);

  // Stack every rank's R factor (k_i x N, upper trapezoidal) in rank order, on every rank.
  const int my_k = static_cast<int>(local_tau_.size());
  std::vector<int> k(size), counts(size), displs(size);
  MPI_Allgather(&my_k, 1, MPI_INT, k.data(), 1, MPI_INT, comm);
  int total = 0;
  for (int i = 0; i < size; ++i) {
    counts[i] = k[i] * static_cast<int>(N);
    displs[i] = total * static_cast<int>(N);
    if (i == rank) offset_ = total;
    total += k[i];
  }
  std::vector<double> gathered(static_cast<size_t>(total) * N);
  // Row-major R_i: blocks of whole rows concatenate.
  Matrix R1t = Matrix(local_qr_.topRows(my_k).triangularView<Eigen::Upper>()).transpose();
  MPI_Allgatherv(R1t.data(), counts[rank], MPI_DOUBLE, gathered.data(), counts.data(), displs.data(), MPI_DOUBLE,
                 comm);
  stack_qr_ = Eigen::Map<Matrix>(gathered.data(), N, total).transpose();
  stack_tau_ = lapack::householder_qr(stack_qr_);

  // Every rank factors the same R the same way: σ, V and the small U are replicated.
  const Index K = stack_tau_.size();
  ThinSvd small = lapack::thin_svd(stack_qr_.topRows(K).triangularView<Eigen::Upper>(), SvdVectors::both);
  fix_singular_vector_signs(small);
  small_U_ = std::move(small.U);
  sigma_ = std::move(small.sigma);
  V_ = std::move(small.V);
}

Matrix DistributedSvd::left_vectors(Index k) const {
  if (k < 0 || k > sigma_.size())
    throw Error(fmt::format("TSQR SVD: {} left singular vectors asked of {}", k, sigma_.size()));
  if (k == 0) return Matrix(local_qr_.rows(), 0);  // (a block of an empty matrix has no data to offset)
  // U = Q₁ · (rows of Q₂ for this rank) · U_R: the reflectors applied to k columns only.
  const Matrix stacked = lapack::apply_thin_q(stack_qr_, stack_tau_, small_U_.leftCols(k));
  return lapack::apply_thin_q(local_qr_, local_tau_, stacked.middleRows(offset_, local_tau_.size()));
}

ThinSvd distributed_thin_svd(const Matrix& local, MPI_Comm comm) {
  const DistributedSvd svd(local, comm);
  return ThinSvd{svd.left_vectors(svd.sigma().size()), svd.sigma(), svd.V()};
}

void fix_singular_vector_signs(ThinSvd& svd) {
  for (Index j = 0; j < svd.V.cols(); ++j) {
    Index imax = 0;
    svd.V.col(j).cwiseAbs().maxCoeff(&imax);
    if (svd.V(imax, j) < 0) {
      svd.V.col(j) *= -1;
      svd.U.col(j) *= -1;
    }
  }
}

}  // namespace metarom
