// tests for src/reducers/linear_inverse_map.cpp: from pairs (x, x) with η = 0 the map is
// Theorem 1's U_ℓU_ℓᵀ; with η > 0 the reported risk is what the map attains on the pairs
// plus the analytic noise term η²‖Z‖_F²; pairs from a lag and from a second file; files
// round-trip bit for bit; bad settings refused.
#include <petscsys.h>

#include <Eigen/SVD>
#include <cmath>

#include "metarom/reducers/linear_inverse_map.hpp"
#include "test_support.hpp"

using namespace metarom;
using metarom::test::distribute;
using metarom::test::gather_rows;
using metarom::test::require_error;
using metarom::test::ScratchDir;


TEST_CASE("inverse map from pairs (x, x) without noise is Theorem 1's autoencoder", "[reducers][inverse][mpi]") {
  const Index n = 40, N = 18;
  const Vector sigma = test::geometric_spectrum(N, 0.7);
  Matrix U;
  const Matrix X = test::matrix_with_singular_values(n, N, sigma, 12, &U);
  const SnapshotSet s = distribute(X, PETSC_COMM_WORLD);
  LinearInverseMap map;
  auto map_settings = map.settings();
  map_settings.rank = 5;
  map.set_settings(map_settings);
  map.fit(s.X, s.rows, s.X, s.rows);
  // Z applied to the identity's columns, gathered: U_5 U_5ᵀ.
  const RowPartition& rows = s.rows;
  Matrix I = Matrix::Identity(n, n).middleRows(rows.begin, rows.local());
  const Matrix Z = gather_rows(map.apply(I), rows);
  CHECK((Z - U.leftCols(5) * U.leftCols(5).transpose()).norm() < 1e-12);
  // Risk per sample: Σ_{k>5} σ_k(X/√N)².
  CHECK(std::abs(map.risk() - sigma.tail(N - 5).squaredNorm() / N) < 1e-14);
}

TEST_CASE("inverse map's reported risk is the attained error on the pairs plus eta^2 ||Z||_F^2",
          "[reducers][inverse][mpi]") {
  // Observations: a blur of the states; 30 pairs; noise level 1e-2.
  const Index n = 32, N = 30;
  const Matrix X = test::random_matrix(n, N, 8);
  Matrix A(n, n);
  for (Index i = 0; i < n; ++i)
    for (Index j = 0; j < n; ++j) A(i, j) = std::exp(-std::abs(double(i - j)));
  const Matrix AX = A * X;
  const SnapshotSet xs = distribute(X, PETSC_COMM_WORLD), bs = distribute(AX, PETSC_COMM_WORLD);
  for (const double eta : {0.0, 1e-2}) {
    LinearInverseMap map;
    auto map_settings = map.settings();
    map_settings.rank = 6;
    map_settings.noise = eta;
    map.set_settings(map_settings);
    map.fit(xs.X, xs.rows, bs.X, bs.rows);
    const Matrix Xhat = map.apply(bs.X);
    const double attained = allreduce_sum(xs.rows.comm, (Xhat - xs.X).squaredNorm()) / N;
    Matrix I = Matrix::Identity(n, n).middleRows(bs.rows.begin, bs.rows.local());
    const double znorm2 = gather_rows(map.apply(I), xs.rows).squaredNorm();
    CHECK(std::abs(map.risk() - (attained + eta * eta * znorm2)) <= 1e-12 * X.squaredNorm() / N);
    CHECK(map.rank() == 6);
    CHECK(map.prior_energy() == Approx(X.squaredNorm() / N).epsilon(1e-13));
  }
}

TEST_CASE("inverse map pairs from a lag and from an observations file; files round-trip",
          "[reducers][inverse][mpi]") {
  ScratchDir dir;
  const Index n = 25, N = 12;
  const Matrix X = test::random_matrix(n, N, 2);
  const SnapshotSet s = distribute(X, PETSC_COMM_WORLD);
  LinearInverseMap::Settings st;
  st.lag = 3;
  Matrix Xp, AXp;
  RowPartition b_rows;
  inverse_map_pairs(st, s, Xp, AXp, b_rows);
  CHECK(Xp.cols() == N - 3);
  CHECK((Xp - s.X.leftCols(N - 3)).norm() == 0.0);
  CHECK((AXp - s.X.rightCols(N - 3)).norm() == 0.0);
  st.lag = N;
  require_error([&] { inverse_map_pairs(st, s, Xp, AXp, b_rows); }, {"-inverse_lag 12", "no pairs"});

  // Observations of another size (m = 2n) from a file.
  const Matrix Y = test::random_matrix(2 * n, N, 4);
  write_snapshots(dir.path("obs.h5"), distribute(Y, PETSC_COMM_WORLD));
  st.lag = 1;
  st.observations = dir.path("obs.h5");
  inverse_map_pairs(st, s, Xp, AXp, b_rows);
  CHECK(b_rows.global == 2 * n);
  CHECK(AXp.cols() == N);
  LinearInverseMap map;
  map.set_settings(st);
  auto map_settings = map.settings();
  map_settings.rank = 4;
  map_settings.noise = 0.1;
  map.set_settings(map_settings);
  map.fit(Xp, s.rows, AXp, b_rows);
  map.save(dir.path("map.h5"), s, "train.h5", 0.2);
  const LinearInverseMap back = LinearInverseMap::load(dir.path("map.h5"), PETSC_COMM_WORLD);
  CHECK(back.rank() == 4);
  CHECK(back.risk() == map.risk());
  CHECK(back.settings().noise == 0.1);
  const Matrix Bobs = distribute(Y, PETSC_COMM_WORLD).X;
  CHECK((back.apply(Bobs) - map.apply(Bobs)).norm() == 0.0);
  CHECK((back.singular_values() - map.singular_values()).norm() == 0.0);

  const Matrix short_y = test::random_matrix(n, N - 1, 4);
  write_snapshots(dir.path("short.h5"), distribute(short_y, PETSC_COMM_WORLD));
  st.observations = dir.path("short.h5");
  require_error([&] { inverse_map_pairs(st, s, Xp, AXp, b_rows); }, {"11 observations", "12 states"});
  require_error([&] { LinearInverseMap::load(dir.path("obs.h5"), PETSC_COMM_WORLD); },
                {"holds a 'snapshots'", "expected a 'inverse_map'"});
}

TEST_CASE("inverse-map settings are checked when set", "[reducers][inverse-map]") {
  LinearInverseMap map;
  LinearInverseMap::Settings s;
  s.noise = -0.1;
  require_error([&] { map.set_settings(s); }, {"-inverse_noise", "-0.1"});
  s.noise = 0;
  s.lag = 0;
  require_error([&] { map.set_settings(s); }, {"-inverse_lag must be >= 1"});
  s.lag = 2;
  s.energy = 2;
  require_error([&] { map.set_settings(s); }, {"-inverse_energy"});
  CHECK(map.settings().lag == 1);  // the defaults stand
}
