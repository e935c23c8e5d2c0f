#pragma once
// The optimal rank-constrained linear map of Friedland and Torokhti, the tool behind Chung's
// Bayes-risk linear autoencoder (Theorem 1) and optimal low-rank inverse maps
// (docs/methods.md, "Bayes-risk linear autoencoder"):
//
//   min over rank(Z) <= ℓ of ‖Z K − C‖_F²,  solution Z = [C P_K]_ℓ K⁺,
//
// with P_K = K⁺K the projector onto K's row space and [·]_ℓ the truncated SVD.
//
// Used with K = [M, ηI] and C = [B, 0] (M = AB) it is the Bayes-risk-optimal rank-ℓ inverse
// of b = Ax + ε for a prior with second moment Γ = BBᵀ and white noise of variance η²:
// E‖Zb − x‖² = ‖ZM − B‖_F² + η²‖Z‖_F². The ηI block is never formed: from the thin SVD
// M = U_M S V_Mᵀ and D = S² + η²,
//
//   C K⁺ = B V_M S D⁻¹ U_Mᵀ,   (C P_K)(C P_K)ᵀ = (B V_M S D^{-1/2})(B V_M S D^{-1/2})ᵀ,
//
// so with the SVD W Σ Yᵀ of G = B V_M S D^{-1/2} (n × rank M, small),
//
//   Z = W_ℓ W_ℓᵀ C K⁺ = W_ℓ (Σ_ℓ Y_ℓᵀ D^{-1/2} U_Mᵀ),
//
// a decoder W_ℓ (orthonormal columns) after an encoder Q = Σ_ℓ Y_ℓᵀ D^{-1/2} U_Mᵀ. With η = 0
// this is the plain formula for K = M (D^{-1/2} = S⁻¹ on M's numerical rank), and with
// A = I, η = 0 it is Theorem 1's Â = U_ℓU_ℓᵀ.
//
// B and M are tall and split by rows over the ranks of `comm` (their own partitions, n and m
// rows); their p columns are samples (or factor columns) and replicated. The SVDs go through
// TSQR (tsqr.hpp), so any rank count gives the same map to round-off.
#include <mpi.h>

#include "metarom/types.hpp"

namespace metarom {

struct OptimalLowRankMap {
  Matrix decoder;    // local rows of W_ℓ, n_local x ℓ
  Matrix encoder_t;  // local rows of Qᵀ, m_local x ℓ (u = Q b: Qᵀ's local rows times b's, summed)
  Vector sigma;      // singular values of C P_K, descending (all of them)
  Vector k_sigma;    // singular values of M used (M's numerical rank when η = 0)
  double risk = 0;   // the minimum ‖ZM − B‖_F² + η²‖Z‖_F² = ‖C(I − P_K)‖_F² + Σ_{k>ℓ} σ_k²
  double c_norm2 = 0;  // ‖C‖_F² = ‖B‖_F²
  // σ_ℓ = σ_{ℓ+1} within `tie_tolerance`·σ_1: the minimizer is not unique (Chung, Theorem 1).
  bool unique = true;
};

// Relative gap below which σ_ℓ and σ_{ℓ+1} count as equal: well above the round-off of a
// backward-stable SVD (about n ε σ_1), well below any gap a user would call distinct.
constexpr double tie_tolerance = 1e-10;

// ℓ from 1 to the number of σ (at most the samples p); 0 keeps every direction, for a
// caller that chooses ℓ from σ and then truncates. eta >= 0.
OptimalLowRankMap optimal_low_rank_map(const Matrix& B_local, const Matrix& M_local, double eta, int ell,
                                       MPI_Comm comm);
// Keeps the first ℓ directions (the columns do not depend on ℓ) and sets risk and unique.
void truncate(OptimalLowRankMap& map, int ell);

// Whether σ_ℓ and σ_{ℓ+1} (1-based ℓ) are equal within tie_tolerance·σ_1; false when there
// is no σ_{ℓ+1}.
bool singular_value_tie(const Vector& sigma, int ell);

}  // namespace metarom
