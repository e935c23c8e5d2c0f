#pragma once
// Thin SVD of a tall matrix whose rows are split over the ranks of a communicator, by
// TSQR: a local Householder QR per rank, one allgather of the small R factors, a QR of
// their stack and an SVD of the final R. Backward stable like a serial SVD (unlike the
// Gram route, it keeps small singular values to full absolute accuracy), and on one rank
// it is the serial thin SVD (QR, then SVD of R).
#include <mpi.h>

#include "metarom/linalg/svd.hpp"
#include "metarom/types.hpp"

namespace metarom {

// U: the local rows (m_local x K), V: N x K, K = min(m, N) with m the global row count. Signs are fixed so that the entry of largest
// magnitude in each column of V is positive, so results do not depend on the rank count.
ThinSvd distributed_thin_svd(const Matrix& local_rows, MPI_Comm comm);

// That sign convention: each V column's entry of largest magnitude made positive (U's
// column flipped with it).
void fix_singular_vector_signs(ThinSvd& svd);

}  // namespace metarom
