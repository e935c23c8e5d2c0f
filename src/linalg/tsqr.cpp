#include "metarom/linalg/tsqr.hpp"

#include <Eigen/Householder>
#include <Eigen/QR>
#include <vector>

#include "metarom/error.hpp"

namespace metarom {

namespace {
// Thin Q (m x k) and R (k x N) of a Householder QR, k = min(m, N).
void thin_qr(const Matrix& A, Matrix& Q, Matrix& R) {
  const Index m = A.rows(), N = A.cols(), k = std::min(m, N);
  Eigen::HouseholderQR<Matrix> qr(A);
  R = qr.matrixQR().topRows(k).triangularView<Eigen::Upper>();
  Q = qr.householderQ() * Matrix::Identity(m, k);
}
}  // namespace

ThinSvd distributed_thin_svd(const Matrix& local, MPI_Comm comm) {
  int size = 1, rank = 0;
  MPI_Comm_size(comm, &size);
  MPI_Comm_rank(comm, &rank);
  const Index N = local.cols();

  Matrix Q1, R1;
  thin_qr(local, Q1, R1);

  // Stack every rank's R factor (k_i x N) in rank order, on every rank.
  std::vector<int> k(size), counts(size), displs(size);
  int my_k = static_cast<int>(R1.rows());
  MPI_Allgather(&my_k, 1, MPI_INT, k.data(), 1, MPI_INT, comm);
  int total = 0;
  for (int i = 0; i < size; ++i) {
    counts[i] = k[i] * static_cast<int>(N);
    displs[i] = total * static_cast<int>(N);
    total += k[i];
  }
  std::vector<double> gathered(static_cast<size_t>(total) * N);
  Matrix R1t = R1.transpose();  // row-major R_i: blocks of whole rows concatenate
  MPI_Allgatherv(R1t.data(), counts[rank], MPI_DOUBLE, gathered.data(), counts.data(), displs.data(), MPI_DOUBLE,
                 comm);
  Matrix stack = Eigen::Map<Matrix>(gathered.data(), N, total).transpose();

  Matrix Q2, R;
  thin_qr(stack, Q2, R);
  ThinSvd out = thin_svd(R);  // R is K x N with K <= N: its thin U is K x K
  int offset = 0;
  for (int i = 0; i < rank; ++i) offset += k[i];
  out.U = Q1 * (Q2.middleRows(offset, my_k) * out.U);  // products evaluate into a temporary
  fix_singular_vector_signs(out);
  return out;
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
