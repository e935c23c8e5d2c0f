#pragma once
// The singular value decomposition A = U diag(σ) Vᵀ of a dense matrix held whole on one rank:
// LAPACK's divide and conquer (dgesdd) from the BLAS/LAPACK the process links (OpenBLAS on a
// machine set up by scripts/install-deps.sh; 2.1-2.8x Eigen's BDCSVD on one thread, measured).
#include "metarom/types.hpp"

namespace metarom {

struct ThinSvd {
  Matrix U;      // left singular vectors, K columns (distributed_thin_svd: this rank's rows)
  Vector sigma;  // K singular values, descending
  Matrix V;      // right singular vectors, K columns (replicated)
};

enum class SvdVectors { none, left, both };

// K = min(m, n) for A of size m x n; U and V are computed as `vectors` asks (else empty).
// Signs are LAPACK's (see fix_singular_vector_signs for a fixed convention).
ThinSvd thin_svd(const Matrix& A, SvdVectors vectors = SvdVectors::both);

}  // namespace metarom
