// POD benchmark (not a test): exact POD (TSQR) against the randomized route on one tall
// matrix, timed in the same run, with the randomized σ₁…σ_r's error against the exact ones
// and the a posteriori bound each run reports; then the incremental route reading the matrix
// from an HDF5 file block by block under a memory bound of a quarter of the file's bytes per
// rank (-bench_memory_fraction), with its σ error and the largest principal angle between
// its leading r modes and the exact ones. The matrix is G₁ D G₂ᵀ + ν W (Gaussian G₁ m × s,
// G₂ N × s, W m × N; D = diag(0.9^j)): a decaying spectrum with a noise floor, as snapshot
// matrices have. Rows are split over the ranks.
//   metarom_bench_pod [-bench_m 65536 -bench_n 2000 -bench_r 20 -bench_rank 200 -bench_noise 1e-6
//                      -bench_incremental_rank 120 -bench_memory_fraction 0.25
//                      -bench_file metarom_bench_pod.h5 -bench_keep_file 0 (1: kept for the numpy
//                      baseline, apps/bench_pod_numpy.py, which scripts/bench.sh runs on it)]
//   metarom_bench_pod -bench_growth 1 [-bench_m 16384 -bench_n 500]: each route's time as m and
//                      N double, against its cost model]
#include <fmt/format.h>
#include <petscsys.h>

#include <algorithm>
#include <iostream>
#include <random>

#include <Eigen/Eigenvalues>
#include <cstdio>

#include "metarom/io/petsc_handle.hpp"
#include "metarom/io/snapshot_reader.hpp"
#include "metarom/io/snapshots.hpp"
#include "metarom/reducers/pod.hpp"
#include "metarom/io/row_partition.hpp"
#include "metarom/linalg/incremental_svd.hpp"
#include "metarom/linalg/randomized_svd.hpp"
#include "metarom/linalg/tsqr.hpp"
#include "metarom/program.hpp"

using namespace metarom;

namespace {

// Gaussian entries from a seed and the global row, so the matrix is the same on any rank count.
Matrix gaussian_rows(long long first, Index rows, Index cols, unsigned long long seed) {
  Matrix G(rows, cols);
  for (Index i = 0; i < rows; ++i) {
    std::mt19937_64 gen(seed * 1000003ULL + static_cast<unsigned long long>(first + i));
    std::normal_distribution<double> normal;
    for (Index j = 0; j < cols; ++j) G(i, j) = normal(gen);
  }
  return G;
}

template <class F>
double seconds(MPI_Comm comm, F&& f) {
  MPI_Barrier(comm);
  const double start = MPI_Wtime();
  f();
  MPI_Barrier(comm);
  return MPI_Wtime() - start;
}

// G₁ D G₂ᵀ + ν W scaled by 1/√m (header), this rank's rows.
Matrix test_matrix(const RowPartition& rows, Index N, Index s, double noise) {
  s = std::min(s, N);
  Vector d(s);
  for (Index j = 0; j < s; ++j) d(j) = std::pow(0.9, static_cast<double>(j));
  const Matrix G2 = gaussian_rows(0, N, s, 2);  // replicated
  Matrix X = gaussian_rows(rows.begin, rows.local(), s, 1) * d.asDiagonal() * G2.transpose();
  X += noise * gaussian_rows(rows.begin, rows.local(), N, 3);
  return X / std::sqrt(static_cast<double>(rows.global));
}

// -bench_growth: each route's time as m and N double from (m, N), against the cost models
// exact TSQR O(mN²), randomized O(mNk), incremental O(mN(k + b)).
template <class Say>
void run_growth(MPI_Comm comm, Index m, Index N, Index r, Index s, double noise, Say&& say) {
  say(fmt::format("POD time as the matrix grows, {} rank(s), r = {} (randomized q = 2, p = 10; incremental k = {}, "
                  "blocks of 50 columns)\n",
                  RowPartition::split(comm, m).size(), r, r + 40));
  say("       m       N    exact (s)  ×base  randomized (s)  ×base  incremental (s)  ×base\n");
  double base[3] = {0, 0, 0};
  for (const auto& size : {std::pair<Index, Index>{m, N}, {2 * m, N}, {m, 2 * N}}) {
    const Index mm = size.first, nn = size.second;  // plain variables: lambdas below capture them
    const RowPartition rows = RowPartition::split(comm, mm);
    const Matrix X = test_matrix(rows, nn, s, noise);
    const double te = seconds(comm, [&] { DistributedSvd(X, comm).left_vectors(r); });
    const double tr = seconds(comm, [&] { randomized_svd(X, comm, {static_cast<int>(r), 10, 2, 7}); });
    const double ti = seconds(comm, [&] {
      IncrementalSvd inc(comm, X.rows(), static_cast<int>(r + 40), false);
      for (Index j = 0; j < nn; j += 50) inc.update(X.middleCols(j, std::min<Index>(50, nn - j)));
    });
    if (base[0] == 0) base[0] = te, base[1] = tr, base[2] = ti;
    say(fmt::format("  {:6d}  {:6d}   {:9.3f}  {:5.2f}   {:13.3f}  {:5.2f}   {:14.3f}  {:5.2f}\n", mm, nn, te, te / base[0],
                    tr, tr / base[1], ti, ti / base[2]));
  }
  say("  cost models: doubling m doubles every route; doubling N quadruples exact TSQR and doubles the others\n");
}

void run() {
  PetscInt m = 65536, N = 2000, r = 20, s = 200;
  PetscReal noise = 1e-6, fraction = 0.25;
  PetscInt k = 120;
  char file[PETSC_MAX_PATH_LEN] = "metarom_bench_pod.h5";
  METAROM_PETSC(PetscOptionsGetInt(nullptr, nullptr, "-bench_incremental_rank", &k, nullptr));
  METAROM_PETSC(PetscOptionsGetReal(nullptr, nullptr, "-bench_memory_fraction", &fraction, nullptr));
  METAROM_PETSC(PetscOptionsGetString(nullptr, nullptr, "-bench_file", file, sizeof file, nullptr));
  PetscBool keep = PETSC_FALSE;
  METAROM_PETSC(PetscOptionsGetBool(nullptr, nullptr, "-bench_keep_file", &keep, nullptr));
  PetscBool growth = PETSC_FALSE;
  METAROM_PETSC(PetscOptionsGetBool(nullptr, nullptr, "-bench_growth", &growth, nullptr));
  if (growth) m = 16384, N = 500;  // the base of the growth table
  METAROM_PETSC(PetscOptionsGetInt(nullptr, nullptr, "-bench_m", &m, nullptr));
  METAROM_PETSC(PetscOptionsGetInt(nullptr, nullptr, "-bench_n", &N, nullptr));
  METAROM_PETSC(PetscOptionsGetInt(nullptr, nullptr, "-bench_r", &r, nullptr));
  METAROM_PETSC(PetscOptionsGetInt(nullptr, nullptr, "-bench_rank", &s, nullptr));
  METAROM_PETSC(PetscOptionsGetReal(nullptr, nullptr, "-bench_noise", &noise, nullptr));
  const MPI_Comm comm = PETSC_COMM_WORLD;
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  auto say = [&](const std::string& text) {
    if (rank == 0) std::cout << text << std::flush;
  };
  if (growth) return run_growth(comm, m, N, r, s, noise, say);
  const RowPartition rows = RowPartition::split(comm, m);
  Matrix X = test_matrix(rows, N, s, noise);
  // One read of every entry: the bandwidth floor of any pass over X.
  // (the sum goes to MPI, so it cannot be optimized away).
  const double pass = seconds(comm, [&] { allreduce_sum(comm, X.sum()); });

  say(fmt::format("POD of a {} x {} matrix on {} rank(s), r = {} (σ_j ≈ 0.9^j over {} directions, noise {:g})\n",
                           m, N, rows.size(), r, s, noise));
  // What POD's exact route computes: σ, V and the r leading left singular vectors.
  ThinSvd exact;
  const double t_exact = seconds(comm, [&] {
    const DistributedSvd svd(X, comm);
    exact = ThinSvd{svd.left_vectors(r), svd.sigma(), svd.V()};
  });
  say(fmt::format("  one pass over the data (sum): {:.3f} s\n", pass));
  say(fmt::format("  exact (TSQR):                 {:.3f} s (σ, V and {} left singular vectors)\n", t_exact, r));
  say("  randomized, p = 10       time    speedup  max rel. error σ_1..σ_r  estimate  bound\n");
  for (const int q : {0, 1, 2, 3}) {
    RandomizedSvd rs;
    const double t = seconds(comm, [&] { rs = randomized_svd(X, comm, {static_cast<int>(r), 10, q, 7}); });
    const Vector e = (exact.sigma.head(r) - rs.svd.sigma.head(r)).cwiseAbs().cwiseQuotient(exact.sigma.head(r));
    say(fmt::format("    q = {}                  {:7.3f} s  {:6.1f}x   {:.2e}                {:.2e}  {:.2e}\n", q,
                 t, t_exact / t, e.maxCoeff(), rs.sigma_change, rs.sigma_error_bound));
  }

  // Incremental: the matrix written to a snapshot file, read back block by block.
  SnapshotSet set;
  set.X = std::move(X);
  set.rows = rows;
  set.t = Vector::LinSpaced(N, 0, double(N - 1));
  // The file goes when the run ends, also on an error.
  struct Remove {
    const char* path;
    bool remove;
    ~Remove() {
      if (remove) std::remove(path);
    }
  } remove_file{file, rank == 0 && !keep};
  const double t_write = seconds(comm, [&] { write_snapshots(file, set); });
  set.X.resize(0, 0);  // from here on the data live in the file only
  Pod inc;
  auto inc_settings = inc.settings();
  inc_settings.svd = "incremental";
  inc_settings.latent_dim = static_cast<int>(r);
  inc_settings.incremental_rank = static_cast<int>(k);
  const double local_mb = 8.0 * double(rows.local()) * double(N) / 1048576.0;
  inc_settings.memory_mb = fraction * allreduce_max(comm, local_mb);
  inc.set_settings(inc_settings);
  const double t_inc = seconds(comm, [&] { inc.fit_stream(SnapshotReader(file, comm)); });
  const Vector e = (exact.sigma.head(r) - inc.singular_values().head(r)).cwiseAbs().cwiseQuotient(exact.sigma.head(r));
  // sin of the largest principal angle: ‖(I − U_e U_eᵀ) U_i‖₂ from the Gram matrix of the
  // residual itself (no cancellation in 1 − cos²).
  const Matrix& Ui = inc.basis();
  const Matrix Ue = exact.U.leftCols(r);
  Matrix proj = Ue.transpose() * Ui;
  allreduce_sum(comm, proj.data(), proj.size());
  const Matrix D = Ui - Ue * proj;
  Matrix gram = D.transpose() * D;
  allreduce_sum(comm, gram.data(), gram.size());
  const double angle =
      std::sqrt(std::max(0.0, Eigen::SelfAdjointEigenSolver<Matrix>(gram, Eigen::EigenvaluesOnly).eigenvalues().maxCoeff()));
  say(fmt::format("  incremental, k = {} modes, memory bound {:.1f} MB per rank ({:.2f} of the local data, {:.1f} MB),\n"
                  "    {} blocks of {} columns from {} (written in {:.2f} s):\n"
                  "    {:7.3f} s  {:6.1f}x   max rel. error σ_1..σ_r {:.2e}, largest principal angle {:.2e}, largest "
                  "σ dropped {:.2e} of σ_1\n",
                  k, inc.settings().memory_mb, fraction, allreduce_max(comm, local_mb), inc.blocks_read(),
                  inc.block_columns_used(), file, t_write, t_inc, t_exact / t_inc, e.maxCoeff(), angle,
                  inc.dropped_sigma() / inc.singular_values()(0)));
  // The whole matrix read from the file (just written: from the page cache, the fastest a
  // pass over the file gets), against the exact route in memory.
  const double t_read = seconds(comm, [&] { read_snapshots(file, comm); });
  say(fmt::format("  one read of the file:         {:.3f} s (exact POD = {:.1f}x a read)\n", t_read, t_exact / t_read));
  MPI_Barrier(comm);
}

}  // namespace

int main(int argc, char** argv) { return metarom::run_program(argc, argv, "metarom_bench_pod", run); }
