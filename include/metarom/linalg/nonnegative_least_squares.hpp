#pragma once
// Non-negative least squares, min ‖Aξ − b‖₂ subject to ξ ≥ 0, by Lawson & Hanson's active-set
// method (Solving Least Squares Problems, 1974, Algorithm NNLS, ch. 23), stopped early — once
// ‖Aξ − b‖ ≤ tolerance·‖b‖ or `max_columns` columns are in use — for the sparse ξ that
// energy-conserving sampling and weighting (ECSW, Farhat et al. 2015) wants: each column
// brought in is one more sample row of a hyper-reduced ROM.
//
// A (m × N) is given by its action, its N columns split over the ranks like the rows of a
// state (`columns`): `correlations(r)` returns this rank's entries of Aᵀr, `column(j)` column j
// where this rank owns it (zeros elsewhere; the ranks' sum is the column). m is small (the
// reduced forces of the training snapshots), N may be large; A is never formed.
#include <functional>
#include <vector>

#include "metarom/io/row_partition.hpp"
#include "metarom/types.hpp"

namespace metarom {

struct NonnegativeLeastSquares {
  std::vector<long long> columns;  // the columns in use (global indices), in the order they entered
  Vector weights;                  // ξ on those columns (> 0), on every rank
  double residual = 0;             // ‖Aξ − b‖ / ‖b‖
  int iterations = 0;              // columns brought in (outer iterations)
};

// Collective over columns.comm; the result is the same on every rank.
NonnegativeLeastSquares nonnegative_least_squares(const Vector& b, const RowPartition& columns,
                                                  const std::function<Vector(const Vector& r)>& correlations,
                                                  const std::function<Vector(long long j)>& column,
                                                  double tolerance, long long max_columns);

}  // namespace metarom
