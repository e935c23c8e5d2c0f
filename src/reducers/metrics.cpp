#include "metarom/reducers/metrics.hpp"

#include <cmath>

namespace metarom {

double distributed_squared_distance(const Matrix& A, const Matrix& B, MPI_Comm comm) {
  return allreduce_sum(comm, (A - B).squaredNorm());
}

ReconstructionMetrics reconstruction_metrics(const Reducer& reducer, const SnapshotSet& set, int drift_steps) {
  set.validate("metrics");
  const double nN = static_cast<double>(set.n()) * static_cast<double>(set.count());
  const Matrix U1 = reducer.encode(set.X);
  const Matrix X1 = reducer.decode(U1);
  const Matrix U2 = reducer.encode(X1);
  const Matrix X2 = reducer.decode(U2);
  ReconstructionMetrics m;
  const double err2 = distributed_squared_distance(X1, set.X, set.rows.comm);
  const double norm2 = allreduce_sum(set.rows.comm, set.X.squaredNorm());
  m.mse = err2 / nN;
  m.sr_mse = distributed_squared_distance(X2, X1, set.rows.comm) / nN;
  m.rel_error = norm2 > 0 ? std::sqrt(err2 / norm2) : std::sqrt(err2);
  m.right_inverse = (U2 - U1).colwise().norm().mean();
  m.right_inverse_rel =
      ((U2 - U1).colwise().norm().array() / U1.colwise().norm().array().max(1e-300)).mean();
  Matrix Xk = X2;
  for (int k = 2; k < drift_steps; ++k) Xk = reducer.decode(reducer.encode(Xk));
  m.drift_steps = drift_steps;
  m.drift = drift_steps <= 1 ? 0.0 : distributed_squared_distance(drift_steps == 1 ? X1 : Xk, X1, set.rows.comm) / nN;
  return m;
}

}  // namespace metarom
