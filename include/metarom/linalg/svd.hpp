#pragma once
// The singular value decomposition A = U diag(σ) Vᵀ of a dense matrix held whole on one rank
// (Eigen's divide-and-conquer BDCSVD), instantiated in one file: each file instantiating
// BDCSVD itself spent about 25 s more compiling (measured, g++ -O3), and five did.
#include "metarom/types.hpp"

namespace metarom {

struct ThinSvd {
  Matrix U;      // left singular vectors, K columns (distributed_thin_svd: this rank's rows)
  Vector sigma;  // K singular values, descending
  Matrix V;      // right singular vectors, K columns (replicated)
};

enum class SvdVectors { none, left, both };

// K = min(m, n) for A of size m x n; U and V are computed as `vectors` asks (else empty).
// Signs are Eigen's (see fix_singular_vector_signs for a fixed convention).
ThinSvd thin_svd(const Matrix& A, SvdVectors vectors = SvdVectors::both);

}  // namespace metarom
