#pragma once
// Randomized truncated SVD of a tall matrix whose rows are split over the ranks (Halko,
// Martinsson & Tropp 2011, Algorithms 4.4 and 5.1): a Gaussian sketch Y = XΩ with k = r + p
// columns, q steps of subspace iteration re-orthonormalized on both sides, then the exact
// SVD of the small B = QᵀX. Every product with X is local (no communication); the
// orthonormalizations are TSQR (tsqr.hpp) or small replicated QRs, so the result is the same
// on any number of ranks up to round-off. Cost: 2q + 2 passes over X at k columns each,
// against the O(mN²) of the exact TSQR route.
#include <mpi.h>

#include <limits>

#include "metarom/linalg/tsqr.hpp"
#include "metarom/types.hpp"

namespace metarom {

struct RandomizedSvdSettings {
  int rank = 0;               // r, the singular triplets wanted
  int oversampling = 10;      // p
  int power_iterations = 2;   // q
  unsigned long long seed = 0;
};

struct RandomizedSvd {
  ThinSvd svd;  // the k = min(r + p, N, m) computed triplets (U local rows), descending
  // ‖X − QQᵀX‖_F: the part of X outside the sketched subspace, from ‖X‖_F² − ‖B‖_F²
  // (a difference: accurate to about ε‖X‖_F², so tiny residuals read as 0).
  double residual = 0;
  // A posteriori bound on the relative error of each computed σ_j (j ≤ r): since
  // XᵀX = BᵀB + EᵀE with E = (I − QQᵀ)X, σ_j(B) ≤ σ_j(X) ≤ √(σ_j(B)² + ‖E‖²), so
  // (σ_j(X) − σ_j)/σ_j ≤ √(1 + ‖E‖_F²/σ_j²) − 1. Largest over j ≤ r.
  // Rigorous but pessimistic where the spectrum decays slowly (‖E‖_F holds the whole tail).
  double sigma_error_bound = 0;
  // The estimate to read: max_{j ≤ r} |σ_j − σ_j'|/σ_j with σ_j' those of the previous
  // subspace iterate (free: Z = XᵀQ of the last iteration is that iterate's Bᵀ). It is the
  // previous iterate's change, so it over-estimates the last iterate's error while the
  // iteration converges (measured in metarom_bench_pod). NaN when q = 0.
  double sigma_change = std::numeric_limits<double>::quiet_NaN();
};

RandomizedSvd randomized_svd(MatrixView local_rows, MPI_Comm comm, const RandomizedSvdSettings& s);

}  // namespace metarom
