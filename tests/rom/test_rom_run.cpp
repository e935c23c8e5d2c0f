// tests for src/rom/rom_run.cpp: the errors of a ROM run against a full run whose misfit is
// known column by column, a NaN on one rank seen by all, and the online phase (encode,
// advance, decode) checked on latent dynamics with a closed-form solution.
#include <cmath>
#include <chrono>
#include <limits>
#include <thread>

#include "metarom/reducers/pod.hpp"
#include "metarom/rom/rom_run.hpp"
#include "test_support.hpp"

using namespace metarom;

TEST_CASE("ROM errors of a run with a known misfit per time", "[rom][rom_run]") {
  const Index n = 30, T = 6;
  const Matrix full = test::random_matrix(n, T, 11);
  // Column k scaled by (1 + ε_k): its relative error is |ε_k|, and over the run
  // sqrt(Σ ε_k² ‖x_k‖² / Σ ‖x_k‖²), computed here on the whole matrix.
  Vector eps(T);
  for (Index k = 0; k < T; ++k) eps(k) = 1e-3 * (k + 1) * (k % 2 ? -1 : 1);
  const Matrix rom_full = full * (Vector::Ones(T) + eps).asDiagonal();
  const SnapshotSet a = test::distribute(full, PETSC_COMM_WORLD), b = test::distribute(rom_full, PETSC_COMM_WORLD);
  const RomErrors e = rom_errors(b.X, a.X, PETSC_COMM_WORLD);
  REQUIRE(e.finite);
  REQUIRE(e.in_time.size() == static_cast<std::size_t>(T));
  // Relative round-off of a ratio of sums of n squares: a few ulp times n, far below 1e-12.
  for (Index k = 0; k < T; ++k) CHECK(e.in_time[k] == Approx(std::abs(eps(k))).epsilon(1e-12));
  const Vector norms2 = full.colwise().squaredNorm().transpose();
  const double expected = std::sqrt((eps.array().square() * norms2.array()).sum() / norms2.sum());
  CHECK(e.rel_error == Approx(expected).epsilon(1e-12));
  CHECK(e.final_rel_error == e.in_time.back());

  // A NaN on the first rank only is seen on every rank.
  Matrix bad = b.X;
  if (test::world_rank() == 0 && bad.rows() > 0) bad(0, 2) = std::numeric_limits<double>::quiet_NaN();
  const RomErrors f = rom_errors(bad, a.X, PETSC_COMM_WORLD);
  CHECK_FALSE(f.finite);
  CHECK(std::isinf(f.rel_error));
  CHECK(std::isinf(f.final_rel_error));
  test::require_error([&] { rom_errors(b.X.leftCols(T - 1), a.X, PETSC_COMM_WORLD); }, {"rom_errors", "adaptive"});
}

TEST_CASE("the online phase encodes x0, advances it and decodes the final state", "[rom][rom_run]") {
  // POD of rank-3 data reproduces every state in its span exactly, so with latent dynamics
  // du/dt = −u (solution u0 e^{−t}) the decoded run is x0 e^{−t} to round-off.
  const Index n = 40, N = 8;
  Vector sigma(3);
  sigma << 3, 2, 1;
  const SnapshotSet data =
      test::distribute(test::matrix_with_singular_values(n, N, sigma, 5), PETSC_COMM_WORLD);
  Pod pod;
  pod.set_latent_dim(3);
  pod.fit(data);
  const Matrix x0 = data.X.col(4);
  const Vector times = Vector::LinSpaced(5, 0.0, 1.0);
  Vector seen_u0;
  // The clock covers the latent advance: a 20 ms pause inside it is inside online_seconds,
  // and online_seconds lies inside the time the call took.
  const double before = MPI_Wtime();
  const RomRun run = run_rom(pod, x0, [&](const Vector& u0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    seen_u0 = u0;
    LatentTrajectory traj;
    traj.t = times;
    traj.U = u0 * (-times.array()).exp().matrix().transpose();
    traj.steps = 4;
    traj.seconds = 2e-6;
    return traj;
  });
  const double call_seconds = MPI_Wtime() - before;
  const MPI_Comm comm = PETSC_COMM_WORLD;
  const double x0_norm = std::sqrt(allreduce_sum(comm, x0.squaredNorm()));
  // The latent start is the encoding of x0: decoding it gives x0 back (x0 is in the span).
  CHECK(std::sqrt(allreduce_sum(comm, (pod.decode(seen_u0) - x0).squaredNorm())) < 1e-12 * x0_norm);
  CHECK(std::sqrt(allreduce_sum(comm, (run.final_state - std::exp(-1.0) * x0).squaredNorm())) < 1e-12 * x0_norm);
  CHECK(run.online_seconds >= 0.02);
  CHECK(run.online_seconds <= call_seconds);
  CHECK(run.us_per_step() == Approx(0.5));  // 2 µs over 4 steps

  Attributes provenance;
  provenance.set("rom", "test");
  const SnapshotSet decoded = decode_trajectory(pod, run.latent, data.rows, data.layout, provenance);
  REQUIRE(decoded.count() == 5);
  CHECK(decoded.provenance.get_string("rom", "") == "test");
  const Matrix exact = x0 * (-times.array()).exp().matrix().transpose();
  const RomErrors e = rom_errors(decoded.X, exact, comm);
  for (double v : e.in_time) CHECK(v < 1e-12);
}
