// tests for src/linalg/empirical_interpolation.cpp: DEIM's greedy rows on a basis worked by
// hand, reconstruction exact in span(W) and within ‖(PᵀW)⁺‖ of the best approximation
// otherwise, Q-DEIM within Drmač & Gugercin's bound, oversampling maximizing the determinant
// (against every candidate row, computed directly), the same rows on any number of ranks.
#include <petscsys.h>

#include <Eigen/LU>
#include <cmath>
#include <random>

#include "metarom/error.hpp"
#include "metarom/linalg/empirical_interpolation.hpp"
#include "test_support.hpp"

using namespace metarom;
using metarom::test::distribute;

namespace {

// An n × m basis with orthonormal columns (the left singular vectors of a seeded matrix).
Matrix orthonormal_basis(Index n, Index m, unsigned seed) {
  Vector sigma(m);
  for (Index k = 0; k < m; ++k) sigma(k) = 1.0 / (k + 1);
  Matrix U;
  test::matrix_with_singular_values(n, m + 3, sigma, seed, &U);
  return U.leftCols(m);
}

Vector random_vector(Index n, unsigned seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<double> normal;
  Vector v(n);
  for (Index i = 0; i < n; ++i) v(i) = normal(gen);
  return v;
}

}  // namespace

TEST_CASE("DEIM picks the greedy rows of Chaturantabut and Sorensen's algorithm", "[linalg][deim][mpi]") {
  // Worked by hand: |w1| is largest at row 2; w2 interpolated there, w2 − (0.4/0.9) w1 =
  // (0.456, −0.289, 0, −0.033, −0.044) is largest at row 0; w3 vanishes at rows 2 and 0,
  // so its interpolant is zero and its own largest entry, row 3, comes next.
  Matrix W(5, 3);
  W.col(0) << 0.1, 0.2, 0.9, 0.3, 0.1;
  W.col(1) << 0.5, -0.2, 0.4, 0.1, 0.0;
  W.col(2) << 0.0, 0.0, 0.0, 1.0, 0.5;
  const SnapshotSet s = distribute(W, PETSC_COMM_WORLD);
  const SamplePoints p = deim_points(s.X, s.rows);
  CHECK(p.rows == std::vector<long long>{2, 0, 3});
  Matrix PW(3, 3);
  PW << W.row(2), W.row(0), W.row(3);
  CHECK(p.sampled_basis == PW);
  // A third column in the span of the first two is refused.
  W.col(2) = 2 * W.col(0) - W.col(1);
  const SnapshotSet d = distribute(W, PETSC_COMM_WORLD);
  test::require_error([&] { deim_points(d.X, d.rows); }, {"DEIM", "column 3", "span"});
}

TEST_CASE("empirical interpolation is exact in span(W) and near-best outside it", "[linalg][deim][mpi]") {
  const Index n = 301, m = 8;
  const Matrix W = orthonormal_basis(n, m, 5);
  const SnapshotSet s = distribute(W, PETSC_COMM_WORLD);
  const Vector a = random_vector(m, 1);
  const Vector in_span = W * a;
  const Vector f = in_span + 0.01 * random_vector(n, 2);
  const Vector best = W * (W.transpose() * f);  // the orthogonal projection: the best in span(W)
  const SamplePoints deim = deim_points(s.X, s.rows);
  const SamplePoints qdeim = qdeim_points(s.X, s.rows);
  const SamplePoints over = oversample(qdeim, s.X, s.rows, 2 * m);
  for (const SamplePoints* p : {&deim, &qdeim, &over}) {
    INFO(p->count() << " rows");
    auto at_rows = [&](const Vector& v) {
      Vector out(p->count());
      for (Index k = 0; k < p->count(); ++k) out(k) = v(p->rows[static_cast<size_t>(k)]);
      return out;
    };
    // Pᵀ(Wa) = (PᵀW)a: the coefficients are a, to round-off scaled by the error constant.
    CHECK((p->coefficients(at_rows(in_span)) - a).norm() < 1e-12 * p->error_constant() * a.norm());
    // ‖f − W(PᵀW)⁺Pᵀf‖ ≤ ‖(PᵀW)⁺‖ ‖f − WWᵀf‖ (W orthonormal).
    const double error = (f - W * p->coefficients(at_rows(f))).norm();
    CHECK(error <= p->error_constant() * (f - best).norm() * (1 + 1e-10));
  }
  // Q-DEIM's guarantee (Drmač & Gugercin 2016, Theorem 2.1).
  CHECK(qdeim.error_constant() <= std::sqrt(double(n - m + 1)) * std::sqrt(std::pow(4.0, m) + 6.0 * m - 1) / 3);
  // More rows can only raise σ_min(PᵀW): (PᵀW)ᵀ(PᵀW) grows by a positive semidefinite term.
  CHECK(over.error_constant() <= qdeim.error_constant() * (1 + 1e-12));
}

TEST_CASE("oversampling adds the row that maximizes det((PᵀW)ᵀPᵀW)", "[linalg][deim][mpi]") {
  const Index n = 120, m = 4;
  const Matrix W = orthonormal_basis(n, m, 9);
  const SnapshotSet s = distribute(W, PETSC_COMM_WORLD);
  SamplePoints p = deim_points(s.X, s.rows);
  for (Index extra = 1; extra <= 3; ++extra) {
    const SamplePoints next = oversample(p, s.X, s.rows, m + extra);
    REQUIRE(next.count() == m + extra);
    const long long chosen = next.rows.back();
    // Every candidate's determinant, computed directly (not by the determinant lemma).
    auto det_with = [&](long long row) {
      Matrix A(p.count() + 1, m);
      A << p.sampled_basis, W.row(row);
      return (A.transpose() * A).determinant();
    };
    double best = -1;
    for (long long row = 0; row < n; ++row)
      if (std::find(p.rows.begin(), p.rows.end(), row) == p.rows.end()) best = std::max(best, det_with(row));
    CHECK(det_with(chosen) >= best * (1 - 1e-10));
    p = next;
  }
}

TEST_CASE("sample rows are the same on any number of ranks", "[linalg][deim][mpi]") {
  const Index n = 97, m = 6;
  const Matrix W = orthonormal_basis(n, m, 13);
  const SnapshotSet s = distribute(W, PETSC_COMM_WORLD);
  const RowPartition serial = RowPartition::serial(n);
  CHECK(deim_points(s.X, s.rows).rows == deim_points(W, serial).rows);
  CHECK(qdeim_points(s.X, s.rows).rows == qdeim_points(W, serial).rows);
  const SamplePoints p = oversample(qdeim_points(s.X, s.rows), s.X, s.rows, 10);
  CHECK(p.rows == oversample(qdeim_points(W, serial), W, serial, 10).rows);
  // sample_rows gathers the entries at those rows on every rank.
  const Matrix at = sample_rows(s.X, s.rows, p.rows);
  for (Index k = 0; k < p.count(); ++k) CHECK(at.row(k) == W.row(p.rows[static_cast<size_t>(k)]));
  test::require_error([&] { oversample(p, s.X, s.rows, 3); }, {"oversampling", "3 rows"});
  test::require_error([&] { sample_rows(s.X, s.rows, {n}); }, {"outside"});
}
