#include "metarom/linalg/optimal_low_rank_map.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "metarom/error.hpp"
#include "metarom/io/row_partition.hpp"
#include "metarom/linalg/tsqr.hpp"

namespace metarom {

bool singular_value_tie(const Vector& sigma, int ell) {
  if (ell < 1 || ell >= sigma.size()) return false;
  return sigma(ell - 1) - sigma(ell) <= tie_tolerance * sigma(0);
}

void truncate(OptimalLowRankMap& map, int ell) {
  if (ell < 1 || ell > map.decoder.cols())
    throw Error(fmt::format("optimal low-rank map: rank ℓ = {} outside 1 .. {} (the directions the data determine)",
                            ell, map.decoder.cols()));
  map.decoder.conservativeResize(Eigen::NoChange, ell);
  map.encoder_t.conservativeResize(Eigen::NoChange, ell);
  // ‖C(I − P_K)‖² + Σ_{k>ℓ} σ_k²: the tail summed directly (not ‖C‖² − Σ_{k≤ℓ} σ_k², which
  // cancels), the part outside K's row space (zero when A = I, η = 0) clamped at zero.
  const double tail = map.sigma.tail(map.sigma.size() - ell).squaredNorm();
  map.risk = std::max(0.0, map.c_norm2 - map.sigma.squaredNorm()) + tail;
  map.unique = !singular_value_tie(map.sigma, ell);
}

OptimalLowRankMap optimal_low_rank_map(const Matrix& B, const Matrix& M, double eta, int ell, MPI_Comm comm) {
  if (B.cols() != M.cols())
    throw Error(fmt::format("optimal low-rank map: B has {} columns, M = AB has {}; they must be the same samples",
                            B.cols(), M.cols()));
  if (!(eta >= 0.0) || !std::isfinite(eta))
    throw Error(fmt::format("optimal low-rank map: the noise level η must be finite and >= 0, got {}", eta));
  if (ell < 0) throw Error(fmt::format("optimal low-rank map: the rank ℓ must be >= 0, got {}", ell));
  const double m_global = allreduce_sum(comm, static_cast<double>(M.rows()));
  const double n_global = allreduce_sum(comm, static_cast<double>(B.rows()));
  if (m_global < 1 || n_global < 1) throw Error("optimal low-rank map: B or M = AB has no rows");

  OptimalLowRankMap out;
  const ThinSvd ksvd = distributed_thin_svd(M, comm);
  // With η = 0, K⁺ is M's pseudo-inverse: singular values below the numerical rank's
  // threshold (LAPACK's convention, max(m, p) ε s_1) are treated as zero. With η > 0 every
  // direction counts, weighted by s/√(s² + η²), which vanishes with s.
  Index rank = ksvd.sigma.size();
  if (eta == 0.0) {
    const double tol = std::max(m_global, static_cast<double>(M.cols())) * std::numeric_limits<double>::epsilon() *
                       (ksvd.sigma.size() ? ksvd.sigma(0) : 0.0);
    rank = 0;
    while (rank < ksvd.sigma.size() && ksvd.sigma(rank) > tol) ++rank;
  }
  if (rank == 0) throw Error("optimal low-rank map: M = AB is zero (no observation carries information)");
  out.k_sigma = ksvd.sigma.head(rank);
  const Vector s = out.k_sigma;
  const Vector inv_sqrt_d = (s.array().square() + eta * eta).rsqrt().matrix();  // D^{-1/2}

  // G = B V_M S D^{-1/2}: n x rank, split like B.
  const Matrix G = (B * ksvd.V.leftCols(rank)) * (s.cwiseProduct(inv_sqrt_d)).asDiagonal();
  const ThinSvd gsvd = distributed_thin_svd(G, comm);
  out.sigma = gsvd.sigma;
  if (ell > gsvd.sigma.size())
    throw Error(fmt::format("optimal low-rank map: rank ℓ = {} exceeds the {} directions the data determine "
                            "(rank of AB {}, samples {})",
                            ell, gsvd.sigma.size(), rank, B.cols()));
  out.decoder = gsvd.U;
  // Qᵀ = U_M D^{-1/2} Y Σ, split like M; column k depends on k alone, so truncation keeps
  // the first ℓ columns.
  out.encoder_t = ksvd.U.leftCols(rank) * inv_sqrt_d.asDiagonal() * (gsvd.V * gsvd.sigma.asDiagonal());
  out.c_norm2 = allreduce_sum(comm, B.squaredNorm());
  truncate(out, ell == 0 ? static_cast<int>(out.sigma.size()) : ell);
  return out;
}

}  // namespace metarom
