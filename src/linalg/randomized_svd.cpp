#include "metarom/linalg/randomized_svd.hpp"

#include <fmt/format.h>

#include <Eigen/QR>
#include <algorithm>
#include <cmath>
#include <random>

#include "metarom/error.hpp"
#include "metarom/io/row_partition.hpp"

namespace metarom {

namespace {
// An orthonormal basis of the columns of a replicated matrix (thin Householder Q).
Matrix orthonormal_columns(const Matrix& A) {
  Eigen::HouseholderQR<Matrix> qr(A);
  return qr.householderQ() * Matrix::Identity(A.rows(), std::min(A.rows(), A.cols()));
}
}  // namespace

RandomizedSvd randomized_svd(MatrixView X, MPI_Comm comm, const RandomizedSvdSettings& s) {
  const Index N = X.cols();
  const double m = allreduce_sum(comm, static_cast<double>(X.rows()));
  if (s.rank < 1) throw Error(fmt::format("randomized SVD: the rank r must be >= 1, got {}", s.rank));
  if (s.oversampling < 0 || s.power_iterations < 0)
    throw Error(fmt::format("randomized SVD: oversampling ({}) and power iterations ({}) must be >= 0", s.oversampling,
                            s.power_iterations));
  const Index k = std::min<Index>({static_cast<Index>(s.rank) + s.oversampling, N, static_cast<Index>(m)});
  if (s.rank > k)
    throw Error(fmt::format("randomized SVD: r = {} exceeds min(m, N) = {} of a {:.0f} x {} matrix", s.rank, k, m, N));

  // Ω is drawn from the seed alone, so every rank holds the same one.
  std::mt19937_64 gen(s.seed);
  std::normal_distribution<double> normal;
  Matrix Omega(N, k);
  for (Index j = 0; j < k; ++j)
    for (Index i = 0; i < N; ++i) Omega(i, j) = normal(gen);

  // Q: orthonormal local rows spanning X Ω, refined by subspace iteration (Alg. 4.4): the
  // re-orthonormalization on both sides keeps the small singular directions from being
  // lost to round-off as (XXᵀ)^q X Ω would.
  Matrix Q = distributed_thin_svd(X * Omega, comm).U;
  Vector previous;  // σ of the previous iterate's B = QᵀX = Zᵀ
  for (int it = 0; it < s.power_iterations; ++it) {
    Matrix Z = X.transpose() * Q;  // N x k, summed over the ranks
    allreduce_sum(comm, Z.data(), Z.size());
    if (it + 1 == s.power_iterations) previous = thin_svd(Z, SvdVectors::none).sigma;
    Q = distributed_thin_svd(X * orthonormal_columns(Z), comm).U;
  }
  // B = QᵀX (k x N, replicated) and its exact SVD (Alg. 5.1).
  Matrix B = (X.transpose() * Q).transpose();  // as XᵀQ: 1.5x faster than QᵀX through BLAS (measured)
  allreduce_sum(comm, B.data(), B.size());
  const double x2 = allreduce_sum(comm, X.squaredNorm());
  RandomizedSvd out;
  out.svd = thin_svd(B);
  out.svd.U = Q * out.svd.U;  // B's left vectors lifted to the rows of X (a product: no aliasing)
  fix_singular_vector_signs(out.svd);  // as the exact route fixes them
  const double e2 = std::max(0.0, x2 - B.squaredNorm());
  out.residual = std::sqrt(e2);
  for (Index j = 0; j < s.rank; ++j) {
    const double sj = out.svd.sigma(j);
    out.sigma_error_bound = std::max(out.sigma_error_bound, sj > 0 ? std::sqrt(1 + e2 / (sj * sj)) - 1 : INFINITY);
  }
  if (previous.size() >= s.rank) {
    out.sigma_change = 0;
    for (Index j = 0; j < s.rank; ++j)
      out.sigma_change = std::max(out.sigma_change, std::abs(out.svd.sigma(j) - previous(j)) / out.svd.sigma(j));
  }
  return out;
}

}  // namespace metarom
