#include "metarom/linalg/svd.hpp"

#include "linalg/lapack.hpp"

namespace metarom {

ThinSvd thin_svd(const Matrix& A, SvdVectors vectors) { return lapack::thin_svd(A, vectors); }

}  // namespace metarom
