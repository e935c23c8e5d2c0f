#pragma once
// The few LAPACK routines metarom's large dense kernels call directly: whichever LAPACK the
// process links (Debian's alternatives pick it; OpenBLAS with libopenblas-dev). Measured
// single-threaded on a 16,384 x 1,000 matrix, OpenBLAS's dgeqrf is 2.4x Eigen's HouseholderQR
// and its dgesdd 2.1-2.8x BDCSVD (docs/design.md, "Dense linear algebra"). Library-only header.
#include "metarom/linalg/svd.hpp"
#include "metarom/types.hpp"

namespace metarom::lapack {

// Householder QR in place (dgeqrf): on return A's upper triangle (trapezoid) holds R and the
// part below it the Householder vectors; returns their scalars τ (min(m, n) of them).
Vector householder_qr(Matrix& A);

// Q·C for the thin Q (m x k, k = τ's size) of that factorization (dormqr): C is k x c, the
// result m x c. O(mkc): the left singular vectors a caller asks for, without forming Q.
Matrix apply_thin_q(const Matrix& qr, const Vector& tau, const Matrix& C);

// Thin SVD by divide and conquer (dgesdd; dgesvd's QR iteration where it does not converge).
ThinSvd thin_svd(Matrix A, SvdVectors vectors);

}  // namespace metarom::lapack
