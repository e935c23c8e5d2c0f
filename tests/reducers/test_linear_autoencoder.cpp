// tests for src/reducers/linear_autoencoder.cpp: Chung's Theorem 1 — the attained Bayes
// risk E‖(Â − I)x‖² equals Σ_{k>ℓ} σ_k(B)² from an independent SVD, no random rank-ℓ
// linear map does better, the second-moment route (Cholesky) agrees with Γ's eigenvalues,
// ties σ_ℓ = σ_{ℓ+1} are reported, and model files round-trip bit for bit.
#include <petscsys.h>

#include <Eigen/Eigenvalues>
#include <Eigen/SVD>
#include <cmath>

#include "metarom/reducers/linear_autoencoder.hpp"
#include "metarom/rom/model_file.hpp"
#include "test_support.hpp"

using namespace metarom;
using metarom::test::distribute;
using metarom::test::require_error;
using metarom::test::ScratchDir;

namespace {
// Snapshots with a decaying spectrum and a non-zero mean (the second moment, not the
// covariance, is what Theorem 1 uses).
Matrix snapshots(Index n, Index N) {
  Matrix X = test::random_matrix(n, N, 21);
  for (Index i = 0; i < n; ++i) X.row(i) *= std::pow(0.8, static_cast<double>(i % 17));
  X.colwise() += Vector::LinSpaced(n, 0.5, 1.5);
  return X;
}
}  // namespace

TEST_CASE("linear-ae attains the Bayes risk sum_{k>l} sigma_k(B)^2 of Theorem 1", "[reducers][linear-ae][mpi]") {
  const Index n = 60, N = 25;
  const Matrix X = snapshots(n, N);
  const SnapshotSet s = distribute(X, PETSC_COMM_WORLD);
  // Independent: σ(B) of B = X/√N by Jacobi SVD.
  const Vector sigma = Eigen::JacobiSVD<Matrix>(X / std::sqrt(double(N))).singularValues();
  for (const int ell : {1, 4, 10}) {
    INFO("rank " << ell);
    LinearAutoencoder ae;
    ae.set_latent_dim(ell);
    ae.fit(s);
    REQUIRE(ae.latent_dim() == ell);
    // E‖(Â − I)x‖² over the empirical distribution: the mean over snapshots.
    Matrix E = ae.decode(ae.encode(s.X)) - s.X;
    const double attained = allreduce_sum(s.rows.comm, E.squaredNorm()) / N;
    const double tail = sigma.tail(N - ell).squaredNorm();
    // Round-off of a projection of X: a few ε‖X‖_F²/N.
    CHECK(std::abs(attained - tail) <= 1e-13 * sigma.squaredNorm());
    CHECK(std::abs(ae.bayes_risk() - tail) <= 1e-13 * sigma.squaredNorm());
    CHECK(ae.unique());
    CHECK(ae.route() == "snapshots");
  }
}

TEST_CASE("no random rank-l linear map has a smaller Bayes risk than linear-ae", "[reducers][linear-ae]") {
  const Index n = 30, N = 40, ell = 4;
  const Matrix X = snapshots(n, N);
  LinearAutoencoder ae;
  ae.set_latent_dim(ell);
  ae.fit(distribute(X, MPI_COMM_SELF));
  const Matrix B = X / std::sqrt(double(N));
  for (int trial = 0; trial < 300; ++trial) {
    const Matrix P = test::random_matrix(n, ell, 500 + 2 * trial), Q = test::random_matrix(ell, n, 501 + 2 * trial);
    // Random maps, random orthogonal projectors of rank ℓ, and small perturbations of Â.
    const Matrix Qr = Eigen::HouseholderQR<Matrix>(P).householderQ() * Matrix::Identity(n, ell);
    const Matrix Ahat = ae.basis() * ae.basis().transpose();
    const double eps = std::pow(10.0, -1.0 - trial % 5);
    for (const Matrix& A : {Matrix(P * Q / n), Matrix(Qr * Qr.transpose()),
                            Matrix((ae.basis() + eps * P) * (ae.basis().transpose() + eps * Q))})
      CHECK((A * B - B).squaredNorm() >= ae.bayes_risk() * (1 - 1e-12));
  }
}

TEST_CASE("linear-ae from a given second moment: Cholesky route, eigenvalue tail, ties reported",
          "[reducers][linear-ae][mpi]") {
  const Index n = 20;
  const Matrix G = test::random_matrix(n, n, 3);
  const Matrix Gamma = G * G.transpose() + 0.1 * Matrix::Identity(n, n);
  const RowPartition rows = RowPartition::split(PETSC_COMM_WORLD, n);
  // σ_k(B)² for Γ = BBᵀ are Γ's eigenvalues, from an independent symmetric eigensolver.
  const Eigen::SelfAdjointEigenSolver<Matrix> eig(Gamma);
  const Vector lambda = eig.eigenvalues().reverse();
  LinearAutoencoder ae;
  ae.set_latent_dim(6);
  ae.fit_second_moment(Gamma, rows);
  CHECK(ae.route() == "second_moment");
  // Cholesky + SVD against the eigensolver: relative to the largest eigenvalue.
  CHECK(std::abs(ae.bayes_risk() - lambda.tail(n - 6).sum()) <= 1e-12 * lambda(0) * n);
  Matrix U = Matrix::Zero(n, 6);
  U.middleRows(rows.begin, rows.local()) = ae.basis();
  allreduce_sum(rows.comm, U.data(), U.size());
  CHECK(test::subspace_distance(U, eig.eigenvectors().rightCols(6)) < 1e-10);

  // Γ = diag(5, 3, 3, 1): the rank-2 optimum is not unique, rank 1 and 3 are.
  Vector d(4);
  d << 5, 3, 3, 1;
  const Matrix D = d.asDiagonal();
  const RowPartition r4 = RowPartition::split(PETSC_COMM_WORLD, 4);
  for (const int ell : {1, 2, 3}) {
    LinearAutoencoder t;
    t.set_latent_dim(ell);
    t.fit_second_moment(D, r4);
    CHECK(t.unique() == (ell != 2));
    CHECK(t.warnings().size() == (ell == 2 ? 1u : 0u));
    CHECK(std::abs(t.bayes_risk() - d.tail(4 - ell).sum()) < 1e-14 * 5);
  }
  Matrix indefinite = D;
  indefinite(3, 3) = -1;
  require_error([&] { LinearAutoencoder().fit_second_moment(indefinite, r4); }, {"not positive definite"});
  Matrix asym = D;
  asym(0, 1) = 1;
  require_error([&] { LinearAutoencoder().fit_second_moment(asym, r4); }, {"not symmetric"});
  require_error([&] { LinearAutoencoder().fit_second_moment(D, RowPartition::split(PETSC_COMM_WORLD, 5)); },
                {"4 x 4", "5 values"});
}

TEST_CASE("linear-ae models round-trip through HDF5 bit for bit", "[reducers][linear-ae][mpi]") {
  ScratchDir dir;
  const SnapshotSet s = distribute(snapshots(45, 14), PETSC_COMM_WORLD);
  LinearAutoencoder ae;
  ae.set_latent_dim(5);
  ae.fit(s);
  const ModelFile m = test::save_and_load(dir, "lae.h5", ae, s);
  auto* back = &test::reloaded<LinearAutoencoder>(m);
  CHECK(back->type() == "linear-ae");
  CHECK((back->basis() - ae.basis()).norm() == 0.0);
  CHECK((back->singular_values() - ae.singular_values()).norm() == 0.0);
  CHECK(back->bayes_risk() == ae.bayes_risk());
  CHECK(back->route() == "snapshots");
  CHECK(back->unique());
  CHECK(back->affine_decoder());
  CHECK(back->mean().size() == 0);
}

TEST_CASE("linear-ae on centred snapshots spans centred POD's subspace", "[reducers][linear-ae][mpi]") {
  // The second moment of centred data is the covariance, whose leading eigenvectors are
  // centred POD's basis: the principal angles between the two rank-ℓ subspaces are round-off
  // over the spectral gap σ_ℓ − σ_{ℓ+1} (Davis–Kahan), far below 1e-8 here.
  const Index n = 60, N = 25;
  const Matrix X = snapshots(n, N);
  const Matrix Xc = X.colwise() - X.rowwise().mean();
  const SnapshotSet s = distribute(X, PETSC_COMM_WORLD), sc = distribute(Xc, PETSC_COMM_WORLD);
  for (const int ell : {1, 4, 10}) {
    INFO("rank " << ell);
    LinearAutoencoder ae;
    ae.set_latent_dim(ell);
    ae.fit(sc);
    Pod pod;
    auto pod_settings = pod.settings();
    pod_settings.latent_dim = ell;
    pod_settings.center = true;
    pod.set_settings(pod_settings);
    pod.fit(s);
    const Matrix U1 = test::gather_rows(ae.basis(), s.rows), U2 = test::gather_rows(pod.basis(), s.rows);
    REQUIRE(U1.cols() == ell);
    REQUIRE(U2.cols() == ell);
    // sin of the principal angles: the singular values of (I − U1U1ᵀ)U2.
    const Vector sines = Eigen::JacobiSVD<Matrix>(U2 - U1 * (U1.transpose() * U2)).singularValues();
    CHECK(sines.maxCoeff() <= 1e-8);
  }
}
