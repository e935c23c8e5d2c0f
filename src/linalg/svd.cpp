#include "metarom/linalg/svd.hpp"

#include <Eigen/SVD>

namespace metarom {

ThinSvd thin_svd(const Matrix& A, SvdVectors vectors) {
  const unsigned options = vectors == SvdVectors::none   ? 0u
                           : vectors == SvdVectors::left ? unsigned(Eigen::ComputeThinU)
                                                         : unsigned(Eigen::ComputeThinU | Eigen::ComputeThinV);
  Eigen::BDCSVD<Matrix> svd(A, options);
  ThinSvd out;
  out.sigma = svd.singularValues();
  if (vectors != SvdVectors::none) out.U = svd.matrixU();
  if (vectors == SvdVectors::both) out.V = svd.matrixV();
  return out;
}

}  // namespace metarom
