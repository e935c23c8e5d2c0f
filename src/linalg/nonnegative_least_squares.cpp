#include "metarom/linalg/nonnegative_least_squares.hpp"

#include <fmt/format.h>

#include <Eigen/QR>
#include <algorithm>
#include <cmath>

#include "metarom/error.hpp"

namespace metarom {

namespace {

// The largest correlation over columns not in use, and its global column (-1 when none is
// positive); ties to the lowest column, so every rank count picks the same.
std::pair<double, long long> best_column(const Vector& w, const RowPartition& columns,
                                         const std::vector<long long>& in_use) {
  struct {
    double value;
    long long column;
  } local{0.0, -1};
  for (Index i = 0; i < w.size(); ++i) {
    const long long j = columns.begin + i;
    if (w(i) > local.value && std::find(in_use.begin(), in_use.end(), j) == in_use.end()) local = {w(i), j};
  }
  // The maximum, then the lowest column holding it.
  const double best = allreduce_max(columns.comm, local.value);
  long long mine = local.column >= 0 && local.value == best ? local.column : columns.global;
  long long lowest = columns.global;
  MPI_Allreduce(&mine, &lowest, 1, MPI_LONG_LONG, MPI_MIN, columns.comm);
  return {best, lowest < columns.global ? lowest : -1};
}

}  // namespace

NonnegativeLeastSquares nonnegative_least_squares(const Vector& b, const RowPartition& columns,
                                                  const std::function<Vector(const Vector& r)>& correlations,
                                                  const std::function<Vector(long long j)>& column,
                                                  double tolerance, long long max_columns) {
  if (!(tolerance >= 0)) throw Error(fmt::format("non-negative least squares: tolerance {} is negative", tolerance));
  const double bnorm = b.norm();
  NonnegativeLeastSquares out;
  out.residual = 1.0;
  if (bnorm == 0) {
    out.residual = 0;
    return out;
  }
  Matrix Ap(b.size(), 0);  // the columns in use, on every rank
  Vector x(0), r = b;
  while (r.norm() > tolerance * bnorm && static_cast<long long>(out.columns.size()) < max_columns) {
    const auto [w, j] = best_column(correlations(r), columns, out.columns);
    if (j < 0 || !(w > 0)) break;  // the KKT conditions hold: no column lowers the residual
    Vector aj = column(j);
    allreduce_sum(columns.comm, aj.data(), aj.size());  // one rank holds it: the sum is exact
    out.columns.push_back(j);
    Ap.conservativeResize(Eigen::NoChange, Ap.cols() + 1);
    Ap.col(Ap.cols() - 1) = aj;
    x.conservativeResize(x.size() + 1);
    x(x.size() - 1) = 0;
    ++out.iterations;
    // Inner loop: the least-squares solution on the columns in use, stepped back to the
    // feasible set and the columns that reach zero dropped, until it is positive.
    for (int inner = 0; inner <= Ap.cols(); ++inner) {
      const Vector z = Ap.colPivHouseholderQr().solve(b);
      if ((z.array() > 0).all()) {
        x = z;
        break;
      }
      double alpha = 1;
      for (Index i = 0; i < z.size(); ++i)
        if (z(i) <= 0) alpha = std::min(alpha, x(i) / (x(i) - z(i)));
      x += alpha * (z - x);
      std::vector<Index> keep;
      for (Index i = 0; i < x.size(); ++i)
        if (x(i) > 1e-14 * x.cwiseAbs().maxCoeff()) keep.push_back(i);
      Matrix A2(b.size(), static_cast<Index>(keep.size()));
      Vector x2(static_cast<Index>(keep.size()));
      std::vector<long long> c2;
      for (size_t k = 0; k < keep.size(); ++k) {
        A2.col(static_cast<Index>(k)) = Ap.col(keep[k]);
        x2(static_cast<Index>(k)) = x(keep[k]);
        c2.push_back(out.columns[static_cast<size_t>(keep[k])]);
      }
      Ap = std::move(A2);
      x = std::move(x2);
      out.columns = std::move(c2);
    }
    r = b - Ap * x;
    // Round-off can leave the column just brought in at zero: it would be chosen again.
    if (std::find(out.columns.begin(), out.columns.end(), j) == out.columns.end()) break;
  }
  out.weights = x;
  out.residual = r.norm() / bnorm;
  return out;
}

}  // namespace metarom
