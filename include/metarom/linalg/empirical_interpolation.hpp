#pragma once
// Empirical interpolation: the sample rows of hyper-reduction (docs/methods.md,
// "Hyper-reduction"). A vector f known to lie near the span of a basis W (n × m, orthonormal
// columns, rows split over the ranks like the state) is reconstructed from its values at s ≥ m
// rows P as W c with c the least-squares solution of (PᵀW) c = Pᵀf — interpolation when s = m.
// Three ways to choose the rows, each the same on any number of ranks:
//   DEIM    (Chaturantabut & Sorensen 2010, Algorithm 1) greedy: row p_l is where w_l's
//           interpolation error on the rows before it is largest;
//   Q-DEIM  (Drmač & Gugercin 2016) the first m pivots of a column-pivoted QR of Wᵀ, with
//           ‖(PᵀW)⁻¹‖₂ ≤ √(n − m + 1) · √(4^m + 6m − 1) / 3;
//   oversampled (s > m): further rows chosen greedily to maximize det((PᵀW)ᵀ(PᵀW)): each adds
//           the row w maximizing wᵀ((PᵀW)ᵀ(PᵀW))⁻¹w (the matrix determinant lemma), which
//           lowers ‖(PᵀW)⁺‖ and so the reconstruction's error bound
//           ‖f − W(PᵀW)⁺Pᵀf‖ ≤ ‖(PᵀW)⁺‖₂ ‖(I − WWᵀ)f‖ (for orthonormal W).
// Ties (equal magnitudes) go to the lowest global row, so every rank count picks the same rows.
#include <vector>

#include "metarom/io/row_partition.hpp"
#include "metarom/types.hpp"

namespace metarom {

struct SamplePoints {
  std::vector<long long> rows;  // global row indices, in the order chosen
  Matrix sampled_basis;         // PᵀW: the basis at those rows (s × m), on every rank

  Index count() const { return static_cast<Index>(rows.size()); }
  // The coefficients c (m) with W c ≈ f, from f's values at the rows (s, in `rows`' order):
  // (PᵀW)⁺ Pᵀf, the least-squares solution when s > m.
  Vector coefficients(const Vector& sampled) const;
  // ‖(PᵀW)⁺‖₂ = 1/σ_min(PᵀW): the factor by which the reconstruction's error can exceed the
  // best approximation's in span(W).
  double error_constant() const;
};

// W's local rows (rows.local() × m, m ≥ 1, m ≤ n); collective over rows.comm. Throws for an
// empty basis or one whose columns are linearly dependent on the rows (a zero pivot).
SamplePoints deim_points(const Matrix& W_local, const RowPartition& rows);
SamplePoints qdeim_points(const Matrix& W_local, const RowPartition& rows);
// `points` extended to s rows (s ≥ points.count(), s ≤ n) by the determinant-maximizing greedy.
SamplePoints oversample(const SamplePoints& points, const Matrix& W_local, const RowPartition& rows, Index s);

// The entries of the distributed matrix X (local rows, any columns) at the global rows
// `at`, in that order, on every rank (s × X.cols()).
Matrix sample_rows(const Matrix& X_local, const RowPartition& rows, const std::vector<long long>& at);

}  // namespace metarom
