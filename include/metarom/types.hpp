#pragma once
// Dense local linear algebra types (Eigen, double precision, column-major).
#include <Eigen/Core>

namespace metarom {
using Matrix = Eigen::MatrixXd;
using Vector = Eigen::VectorXd;
using Index = Eigen::Index;
// A read-only view of a column-major matrix held anywhere (a Matrix, a block of one, a NumPy
// array): binds without a copy, so routines that only read take it in place of const Matrix&.
using MatrixView = Eigen::Ref<const Matrix>;

// The row sums of M, evaluated into a fresh (aligned) vector. Eigen sums a row in a different
// order when it writes into a destination of other alignment (e.g. a segment of a parameter
// vector whose offset depends on the rank's row count), so replicated parameters updated
// with `segment = M.rowwise().sum()` drift apart across ranks by round-off; through this,
// every rank sums in the same order.
inline Vector row_sums(const Matrix& M) { return M.rowwise().sum(); }
}  // namespace metarom
