#pragma once
// Thin SVD of a tall matrix whose rows are split over the ranks of a communicator, by
// TSQR: a local Householder QR per rank, one allgather of the small R factors, a QR of
// their stack and an SVD of the final R. Backward stable like a serial SVD (unlike the
// Gram route, it keeps small singular values to full absolute accuracy), and on one rank
// it is the serial thin SVD (QR, then SVD of R). The QRs and the SVD are LAPACK's (dgeqrf,
// dgesdd; OpenBLAS where installed).
#include <mpi.h>

#include "metarom/linalg/svd.hpp"
#include "metarom/types.hpp"

namespace metarom {

// The TSQR SVD kept factored: σ and V at once, the left singular vectors formed on request by
// applying the Householder reflectors to the small factor's (dormqr). A caller wanting r of
// the K = min(m, N) vectors pays O(m N r) for them instead of O(m N²) for all (POD keeps r ≪ N).
class DistributedSvd {
 public:
  // Takes the local rows (m_local x N) by value: pass an rvalue to factor in place.
  DistributedSvd(Matrix local_rows, MPI_Comm comm);
  const Vector& sigma() const { return sigma_; }  // K values, descending
  const Matrix& V() const { return V_; }          // N x K, replicated
  // This rank's rows of the first k left singular vectors (m_local x k), 0 <= k <= K.
  Matrix left_vectors(Index k) const;

 private:
  Matrix local_qr_;  // dgeqrf of the local rows: R above, reflectors below
  Vector local_tau_;
  Matrix stack_qr_;  // dgeqrf of every rank's R stacked in rank order
  Vector stack_tau_;
  Index offset_ = 0;  // this rank's first row in the stack
  Matrix small_U_;    // left singular vectors of the final R (K x K)
  Vector sigma_;
  Matrix V_;
};

// U: the local rows (m_local x K), V: N x K, K = min(m, N) with m the global row count. Signs are fixed so that the entry of largest
// magnitude in each column of V is positive, so results do not depend on the rank count.
ThinSvd distributed_thin_svd(const Matrix& local_rows, MPI_Comm comm);

// That sign convention: each V column's entry of largest magnitude made positive (U's
// column flipped with it).
void fix_singular_vector_signs(ThinSvd& svd);

}  // namespace metarom
