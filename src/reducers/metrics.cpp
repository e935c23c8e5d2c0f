#include "metarom/metrics.hpp"

#include <cmath>

namespace metarom {

double distributed_squared_distance(const Matrix& A, const Matrix& B, MPI_Comm comm) {
  return allreduce_sum(comm, (A - B).squaredNorm());
}

ReconstructionMetrics reconstruction_metrics(const Reducer& reducer, const SnapshotSet& set) {
  set.validate("metrics");
  const double nN = static_cast<double>(set.n()) * static_cast<double>(set.count());
  const Matrix X1 = reducer.decode(reducer.encode(set.X));
  const Matrix X2 = reducer.decode(reducer.encode(X1));
  ReconstructionMetrics m;
  const double err2 = distributed_squared_distance(X1, set.X, set.rows.comm);
  const double norm2 = allreduce_sum(set.rows.comm, set.X.squaredNorm());
  m.mse = err2 / nN;
  m.sr_mse = distributed_squared_distance(X2, X1, set.rows.comm) / nN;
  m.rel_error = norm2 > 0 ? std::sqrt(err2 / norm2) : std::sqrt(err2);
  return m;
}

}  // namespace metarom
