#include "linalg/lapack.hpp"

#include <fmt/format.h>

#include <cstddef>
#include <limits>
#include <vector>

#include "metarom/error.hpp"

// Fortran LAPACK, with gfortran's hidden lengths of the character arguments at the end
// (LAPACK_FORTRAN_STRLEN_END): omitting them is undefined behaviour with current gfortran.
extern "C" {
void dgeqrf_(const int* m, const int* n, double* a, const int* lda, double* tau, double* work, const int* lwork,
             int* info);
void dormqr_(const char* side, const char* trans, const int* m, const int* n, const int* k, const double* a,
             const int* lda, const double* tau, double* c, const int* ldc, double* work, const int* lwork, int* info,
             std::size_t, std::size_t);
void dgesdd_(const char* jobz, const int* m, const int* n, double* a, const int* lda, double* s, double* u,
             const int* ldu, double* vt, const int* ldvt, double* work, const int* lwork, int* iwork, int* info,
             std::size_t);
void dgesvd_(const char* jobu, const char* jobvt, const int* m, const int* n, double* a, const int* lda, double* s,
             double* u, const int* ldu, double* vt, const int* ldvt, double* work, const int* lwork, int* info,
             std::size_t, std::size_t);
}

namespace metarom::lapack {

namespace {
int as_int(Index v, const char* what) {
  if (v > std::numeric_limits<int>::max())
    throw Error(fmt::format("LAPACK: {} = {} exceeds the 32-bit integers LAPACK takes", what, v));
  return static_cast<int>(v);
}
void check(int info, const char* routine) {
  if (info < 0) throw Error(fmt::format("LAPACK {}: argument {} is invalid (a bug in metarom)", routine, -info));
}
// The workspace size a routine reports on a query (lwork = -1).
int workspace(double query) { return std::max(1, static_cast<int>(query)); }
}  // namespace

Vector householder_qr(Matrix& A) {
  const int m = as_int(A.rows(), "rows"), n = as_int(A.cols(), "columns"), lda = std::max(1, m);
  Vector tau(std::min(m, n));
  if (tau.size() == 0) return tau;
  int info = 0, lwork = -1;
  double query = 0;
  dgeqrf_(&m, &n, A.data(), &lda, tau.data(), &query, &lwork, &info);
  check(info, "dgeqrf");
  lwork = workspace(query);
  std::vector<double> work(lwork);
  dgeqrf_(&m, &n, A.data(), &lda, tau.data(), work.data(), &lwork, &info);
  check(info, "dgeqrf");
  return tau;
}

Matrix apply_thin_q(const Matrix& qr, const Vector& tau, const Matrix& C) {
  if (C.rows() != tau.size())
    throw Error(fmt::format("apply_thin_q: {} rows given for a thin Q of {} columns", C.rows(), tau.size()));
  Matrix out = Matrix::Zero(qr.rows(), C.cols());
  out.topRows(C.rows()) = C;
  if (tau.size() == 0 || C.cols() == 0) return out;
  const int m = as_int(qr.rows(), "rows"), n = as_int(C.cols(), "columns"), k = as_int(tau.size(), "reflectors");
  const int lda = std::max(1, m), ldc = lda;
  int info = 0, lwork = -1;
  double query = 0;
  dormqr_("L", "N", &m, &n, &k, qr.data(), &lda, tau.data(), out.data(), &ldc, &query, &lwork, &info, 1, 1);
  check(info, "dormqr");
  lwork = workspace(query);
  std::vector<double> work(lwork);
  dormqr_("L", "N", &m, &n, &k, qr.data(), &lda, tau.data(), out.data(), &ldc, work.data(), &lwork, &info, 1, 1);
  check(info, "dormqr");
  return out;
}

ThinSvd thin_svd(Matrix A, SvdVectors vectors) {
  const int m = as_int(A.rows(), "rows"), n = as_int(A.cols(), "columns"), k = std::min(m, n);
  ThinSvd out;
  out.sigma.resize(k);
  if (k == 0) {
    if (vectors != SvdVectors::none) out.U.resize(m, 0);
    if (vectors == SvdVectors::both) out.V.resize(n, 0);
    return out;
  }
  if (!A.allFinite()) throw Error(fmt::format("SVD: the {} x {} matrix holds NaN or Inf", m, n));
  const bool vecs = vectors != SvdVectors::none;
  const Matrix copy = A;  // for the fallback: dgesdd overwrites A
  Matrix U(vecs ? m : 1, vecs ? k : 1), VT(vecs ? k : 1, vecs ? n : 1);
  const int lda = std::max(1, m), ldu = static_cast<int>(U.rows()), ldvt = static_cast<int>(VT.rows());
  const char* jobz = vecs ? "S" : "N";
  std::vector<int> iwork(8 * static_cast<std::size_t>(k));
  int info = 0, lwork = -1;
  double query = 0;
  dgesdd_(jobz, &m, &n, A.data(), &lda, out.sigma.data(), U.data(), &ldu, VT.data(), &ldvt, &query, &lwork,
          iwork.data(), &info, 1);
  check(info, "dgesdd");
  lwork = workspace(query);
  std::vector<double> work(lwork);
  dgesdd_(jobz, &m, &n, A.data(), &lda, out.sigma.data(), U.data(), &ldu, VT.data(), &ldvt, work.data(), &lwork,
          iwork.data(), &info, 1);
  check(info, "dgesdd");
  if (info > 0) {  // divide and conquer did not converge: QR iteration, slower and more robust
    A = copy;
    lwork = -1;
    dgesvd_(jobz, jobz, &m, &n, A.data(), &lda, out.sigma.data(), U.data(), &ldu, VT.data(), &ldvt, &query, &lwork,
            &info, 1, 1);
    check(info, "dgesvd");
    lwork = workspace(query);
    work.assign(lwork, 0.0);
    dgesvd_(jobz, jobz, &m, &n, A.data(), &lda, out.sigma.data(), U.data(), &ldu, VT.data(), &ldvt, work.data(),
            &lwork, &info, 1, 1);
    check(info, "dgesvd");
    if (info > 0)
      throw Error(fmt::format("SVD of a {} x {} matrix: LAPACK's dgesdd and dgesvd did not converge ({} "
                              "superdiagonals left)",
                              m, n, info));
  }
  if (vecs) out.U = std::move(U);
  if (vectors == SvdVectors::both) out.V = VT.transpose();
  return out;
}

}  // namespace metarom::lapack
