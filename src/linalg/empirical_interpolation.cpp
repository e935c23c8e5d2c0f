#include "metarom/linalg/empirical_interpolation.hpp"

#include <fmt/format.h>

#include <Eigen/Cholesky>
#include <Eigen/LU>
#include <Eigen/QR>
#include <Eigen/SVD>
#include <algorithm>
#include <cmath>

#include "metarom/error.hpp"

namespace metarom {

namespace {

void check_basis(const Matrix& W_local, const RowPartition& rows, const char* what) {
  if (W_local.rows() != rows.local())
    throw Error(fmt::format("{}: the basis has {} local rows, the partition {}", what, W_local.rows(), rows.local()));
  if (W_local.cols() < 1 || W_local.cols() > rows.global)
    throw Error(fmt::format("{}: a basis of {} columns for {} rows (1 <= m <= n)", what, W_local.cols(), rows.global));
}

// The global row where `score` (one value per local row) is largest, ties to the lowest row;
// rows already in `taken` are skipped. The same on every rank.
long long global_argmax(const Vector& score, const RowPartition& rows, const std::vector<long long>& taken,
                        double& best) {
  struct Candidate {
    double value;
    long long row;
  } mine{-1.0, -1};
  for (Index i = 0; i < score.size(); ++i) {
    const long long row = rows.begin + i;
    if (std::find(taken.begin(), taken.end(), row) != taken.end()) continue;
    if (score(i) > mine.value) mine = {score(i), row};  // strict: the lowest row among equals
  }
  std::vector<Candidate> all(static_cast<size_t>(rows.size()));
  MPI_Allgather(&mine, sizeof mine, MPI_BYTE, all.data(), sizeof mine, MPI_BYTE, rows.comm);
  Candidate pick{-1.0, -1};
  for (const Candidate& c : all)
    if (c.row >= 0 && (c.value > pick.value || (c.value == pick.value && c.row < pick.row))) pick = c;
  best = pick.value;
  return pick.row;
}

// The basis at the row just chosen (the last of p.rows), appended to PᵀW.
void append_row(SamplePoints& p, const Matrix& W_local, const RowPartition& rows) {
  const Index k = p.sampled_basis.rows();
  p.sampled_basis.conservativeResize(k + 1, W_local.cols());
  p.sampled_basis.row(k) = sample_rows(W_local, rows, {p.rows.back()});
}

}  // namespace

Matrix sample_rows(const Matrix& X_local, const RowPartition& rows, const std::vector<long long>& at) {
  Matrix out = Matrix::Zero(static_cast<Index>(at.size()), X_local.cols());
  for (size_t k = 0; k < at.size(); ++k) {
    if (at[k] < 0 || at[k] >= rows.global)
      throw Error(fmt::format("sample_rows: row {} outside [0, {})", at[k], rows.global));
    if (at[k] >= rows.begin && at[k] < rows.end) out.row(static_cast<Index>(k)) = X_local.row(at[k] - rows.begin);
  }
  allreduce_sum(rows.comm, out.data(), out.size());  // one rank holds each row: the sum is exact
  return out;
}

Vector SamplePoints::coefficients(const Vector& sampled) const {
  if (sampled.size() != count())
    throw Error(fmt::format("empirical interpolation: {} sampled values for {} sample rows", sampled.size(), count()));
  if (count() == sampled_basis.cols()) return sampled_basis.partialPivLu().solve(sampled);
  return sampled_basis.colPivHouseholderQr().solve(sampled);  // least squares: full column rank
}

double SamplePoints::error_constant() const {
  const Vector sigma = Eigen::JacobiSVD<Matrix>(sampled_basis).singularValues();
  return sigma.size() && sigma(sigma.size() - 1) > 0 ? 1.0 / sigma(sigma.size() - 1) : INFINITY;
}

// Chaturantabut & Sorensen (2010), Algorithm 1.
SamplePoints deim_points(const Matrix& W_local, const RowPartition& rows) {
  check_basis(W_local, rows, "DEIM");
  const Index m = W_local.cols();
  SamplePoints p;
  double best = 0;
  p.rows.push_back(global_argmax(W_local.col(0).cwiseAbs(), rows, p.rows, best));
  if (!(best > 0)) throw Error("DEIM: the basis' first column is zero");
  p.sampled_basis = sample_rows(W_local, rows, p.rows);
  for (Index l = 1; l < m; ++l) {
    // Interpolate w_l on the rows so far; the next row is where that misses most.
    const Matrix A = p.sampled_basis.leftCols(l);
    const Vector c = A.partialPivLu().solve(p.sampled_basis.col(l));
    const Vector residual = W_local.col(l) - W_local.leftCols(l) * c;
    p.rows.push_back(global_argmax(residual.cwiseAbs(), rows, p.rows, best));
    const double scale = allreduce_max(rows.comm, W_local.rows() ? W_local.col(l).cwiseAbs().maxCoeff() : 0.0);
    if (!(best > 1e-12 * scale))
      throw Error(fmt::format("DEIM: basis column {} lies in the span of the ones before it on every row", l + 1));
    append_row(p, W_local, rows);
  }
  return p;
}

// Drmač & Gugercin (2016): P from the column pivots of Wᵀ's QR factorization.
SamplePoints qdeim_points(const Matrix& W_local, const RowPartition& rows) {
  check_basis(W_local, rows, "Q-DEIM");
  const Index m = W_local.cols();
  // The whole basis on every rank (n × m): the pivoted QR sees every row.
  Matrix W = Matrix::Zero(static_cast<Index>(rows.global), m);
  W.middleRows(rows.begin, rows.local()) = W_local;
  allreduce_sum(rows.comm, W.data(), W.size());
  const Eigen::ColPivHouseholderQR<Matrix> qr(W.transpose());
  if (qr.rank() < m) throw Error(fmt::format("Q-DEIM: the basis has rank {} < {} columns", qr.rank(), m));
  SamplePoints p;
  for (Index k = 0; k < m; ++k) p.rows.push_back(qr.colsPermutation().indices()(k));
  p.sampled_basis = sample_rows(W_local, rows, p.rows);
  return p;
}

SamplePoints oversample(const SamplePoints& points, const Matrix& W_local, const RowPartition& rows, Index s) {
  check_basis(W_local, rows, "oversampling");
  const Index m = W_local.cols();
  if (points.count() < m || points.sampled_basis.cols() != m)
    throw Error(fmt::format("oversampling: start from at least m = {} sample rows of the same basis", m));
  if (s < points.count() || s > rows.global)
    throw Error(fmt::format("oversampling: {} rows asked for, between {} and n = {}", s, points.count(), rows.global));
  SamplePoints p = points;
  while (p.count() < s) {
    // det(GᵀG + wwᵀ) = det(GᵀG)(1 + wᵀ(GᵀG)⁻¹w): the row with the largest wᵀ(GᵀG)⁻¹w.
    const Matrix gram = p.sampled_basis.transpose() * p.sampled_basis;
    const Eigen::LDLT<Matrix> ldlt(gram);
    const Matrix WG = ldlt.solve(W_local.transpose()).transpose();  // local rows of W (GᵀG)⁻¹
    const Vector score = W_local.cwiseProduct(WG).rowwise().sum();
    double best = 0;
    const long long row = global_argmax(score, rows, p.rows, best);
    if (row < 0) throw Error("oversampling: no row left to add");
    p.rows.push_back(row);
    append_row(p, W_local, rows);
  }
  return p;
}

}  // namespace metarom
