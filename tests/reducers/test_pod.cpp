// tests for src/reducers/pod.cpp: singular values and subspaces against
// matrices built with known SVDs and against an independent SVD (Eigen's one-sided
// Jacobi), serial and distributed, the energy rule, centering and degenerate snapshots.
#include <petscsys.h>

#include <Eigen/SVD>
#include <cmath>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "metarom/error.hpp"
#include "metarom/models/heat.hpp"
#include "metarom/io/hdf5_file.hpp"
#include "metarom/reducers/metrics.hpp"
#include "metarom/rom/model_file.hpp"
#include "metarom/reducers/pod.hpp"
#include "test_support.hpp"

using namespace metarom;
using metarom::test::require_error;
using metarom::test::ScratchDir;
using metarom::test::distribute;
using metarom::test::subspace_distance;

TEST_CASE("POD singular values agree with an independent SVD to 1e-10 relative", "[reducers][pod][mpi]") {
  // The same matrix on every rank; POD sees it split by rows, Jacobi SVD sees it whole.
  const Index n = 500, N = 60;
  Vector sigma(N);
  for (Index k = 0; k < N; ++k) sigma(k) = 50.0 * std::pow(10.0, -5.0 * k / (N - 1));  // 50 .. 5e-4
  const Matrix X = test::matrix_with_singular_values(n, N, sigma, 11);
  Pod pod;
  auto pod_settings = pod.settings();
  pod_settings.latent_dim = 8;
  pod.set_settings(pod_settings);
  pod.fit(distribute(X, PETSC_COMM_WORLD));
  Eigen::JacobiSVD<Matrix> jacobi(X);
  const Vector& s = pod.singular_values();
  REQUIRE(s.size() == N);
  CHECK(((s - jacobi.singularValues()).array() / jacobi.singularValues().array()).abs().maxCoeff() < 1e-10);
  CHECK(((s - sigma).array() / sigma.array()).abs().maxCoeff() < 1e-10);
}

TEST_CASE("POD of heat snapshots agrees with an independent SVD", "[reducers][pod][heat][mpi]") {
  // The route of `metarom simulate heat` + `metarom fit pod`: simulate, write, read, fit.
  ScratchDir dir;
  HeatConfig c = test::heat_config(31, TimeGrid{0.0, 0.05, 100, 2});
  HeatModel heat(PETSC_COMM_WORLD, c);
  write_snapshots(dir.path("heat.h5"), heat.simulate(false));
  const SnapshotSet set = read_snapshots(dir.path("heat.h5"), PETSC_COMM_WORLD);
  Pod pod;
  pod.fit(set);
  const SnapshotSet whole = read_snapshots(dir.path("heat.h5"), MPI_COMM_SELF);
  Eigen::JacobiSVD<Matrix> jacobi(whole.X);
  const Vector& s = pod.singular_values();
  const Vector& j = jacobi.singularValues();
  // Relative agreement where the singular values carry information (above 1e-6 of the
  // largest: below that both SVDs resolve only eps * sigma_1 in absolute terms).
  for (Index k = 0; k < s.size(); ++k) {
    INFO("k = " << k << ", pod " << s(k) << ", jacobi " << j(k));
    if (j(k) > 1e-6 * j(0)) CHECK(std::abs(s(k) - j(k)) / j(k) < 1e-10);
    else CHECK(std::abs(s(k) - j(k)) < 1e-13 * j(0));
  }
  // The default energy criterion against the independent SVD: the smallest k whose leading
  // squared singular values hold 99.99 % of their sum.
  const double total = j.squaredNorm();
  Index want = 0;
  for (double held = 0; held < 0.9999 * total; ++want) held += j(want) * j(want);
  CHECK(pod.latent_dim() == want);
  CHECK(pod.captured_energy() >= 0.9999);
}

TEST_CASE("distributed POD equals serial POD", "[reducers][pod][mpi]") {
  const Index n = 203, N = 25;
  Vector sigma = Vector::LinSpaced(N, 10.0, 0.1);
  const Matrix X = test::matrix_with_singular_values(n, N, sigma, 3);
  Pod dist, serial;
  Pod::Settings settings;
  settings.latent_dim = 6;
  settings.center = true;
  dist.set_settings(settings);
  serial.set_settings(settings);
  dist.fit(distribute(X, PETSC_COMM_WORLD));
  serial.fit(distribute(X, MPI_COMM_SELF));
  CHECK((dist.singular_values() - serial.singular_values()).cwiseAbs().maxCoeff() < 1e-12);
  const RowPartition& rows = dist.rows();
  CHECK((dist.basis() - serial.basis().middleRows(rows.begin, rows.local())).cwiseAbs().maxCoeff() < 1e-10);
  CHECK((dist.mean() - serial.mean().segment(rows.begin, rows.local())).cwiseAbs().maxCoeff() < 1e-14);
}

TEST_CASE("energy is the sum of squared singular values", "[reducers][pod]") {
  Vector s(3);
  s << 3, 2, 1;  // energies 9, 4, 1 of 14
  CHECK(rank_for_energy(s, 0.9) == 2);   // 13/14 = 0.93 (a sum of sigma would need 3: 5/6 = 0.83)
  CHECK(rank_for_energy(s, 0.93) == 3);  // 13/14 = 0.9286 < 0.93
  CHECK(rank_for_energy(s, 0.5) == 1);
  require_error([&] { rank_for_energy(s, 1.5); }, {"(0, 1]"});
  require_error([&] { rank_for_energy(Vector::Zero(3), 0.9); }, {"all zero"});
}

TEST_CASE("POD projects, centers and reconstructs as the theory says", "[reducers][pod][mpi]") {
  const Index n = 120, N = 30;
  Vector sigma(4);
  sigma << 5, 3, 1, 0.5;
  Matrix X = test::matrix_with_singular_values(n, N, sigma, 5);
  Pod pod;
  auto pod_settings = pod.settings();
  pod_settings.latent_dim = 4;
  pod.set_settings(pod_settings);
  const SnapshotSet s = distribute(X, PETSC_COMM_WORLD);
  pod.fit(s);
  // Rank-4 data: exact reconstruction; the projection is idempotent.
  const ReconstructionMetrics m = reconstruction_metrics(pod, s);
  CHECK(m.mse < 1e-28);
  CHECK(m.sr_mse < 1e-28);
  // Truncated to r = 2, the squared error is the discarded energy (Eckart–Young).
  pod.set_latent_dim(2);
  pod.fit(s);
  const ReconstructionMetrics t = reconstruction_metrics(pod, s);
  CHECK(t.mse * n * N == Approx(1.0 + 0.25).epsilon(1e-12));
  // Centered: the basis is the leading left singular subspace of X − x̄1ᵀ, checked against
  // an independent SVD (Eigen's Jacobi) of the whole centred matrix.
  Pod centered;
  auto centered_settings = centered.settings();
  centered_settings.center = true;
  centered_settings.latent_dim = 2;
  centered.set_settings(centered_settings);
  centered.fit(s);
  const Matrix Xc = X.colwise() - X.rowwise().mean();
  Eigen::JacobiSVD<Matrix> jacobi(Xc, Eigen::ComputeThinU);
  Matrix basis = Matrix::Zero(n, 2);
  basis.middleRows(s.rows.begin, s.rows.local()) = centered.basis();
  allreduce_sum(s.rows.comm, basis.data(), basis.size());
  CHECK(subspace_distance(basis, jacobi.matrixU().leftCols(2)) < 1e-10);
  CHECK((centered.singular_values().head(3) - jacobi.singularValues().head(3)).cwiseAbs().maxCoeff() < 1e-12);
}

TEST_CASE("zero and duplicate snapshots are reported, not dropped", "[reducers][pod][mpi]") {
  Vector sigma(3);
  sigma << 3, 2, 1;
  Matrix X = test::matrix_with_singular_values(50, 8, sigma, 9);
  X.col(2).setZero();
  X.col(6) = X.col(4);
  Pod pod;
  auto pod_settings = pod.settings();
  pod_settings.latent_dim = 2;
  pod.set_settings(pod_settings);
  pod.fit(distribute(X, PETSC_COMM_WORLD));
  REQUIRE(pod.warnings().size() == 2);
  CHECK(pod.warnings()[0].find("1 zero snapshot(s), first at index 2") != std::string::npos);
  CHECK(pod.warnings()[1].find("index 6 repeats index 4") != std::string::npos);
  CHECK(pod.singular_values().size() == 8);  // every snapshot kept
}

TEST_CASE("POD refuses impossible requests", "[reducers][pod]") {
  Vector sigma(2);
  sigma << 2, 1;
  Pod pod;
  auto pod_settings = pod.settings();
  pod_settings.latent_dim = 9;
  pod.set_settings(pod_settings);
  require_error([&] { pod.fit(distribute(test::matrix_with_singular_values(20, 5, sigma, 1), MPI_COMM_SELF)); },
                {"latent dimension 9 exceeds the 5 singular values"});
  require_error([&] { pod.fit(SnapshotSet{}); }, {"empty"});
}

TEST_CASE("randomized POD: the exact route's basis where the sketch holds the range; saved and reloaded",
          "[reducers][pod][randomized][mpi]") {
  // Rank-7 snapshots (centred: rank ≤ 7 after the mean) and a sketch of r + p = 9 columns:
  // both routes find the same subspace and singular values (randomized_svd.hpp).
  const Index n = 240, N = 50;
  Vector sigma(7);
  for (Index k = 0; k < 7; ++k) sigma(k) = 10.0 / (1 + k * k);
  const SnapshotSet data = distribute(test::matrix_with_singular_values(n, N, sigma, 21), PETSC_COMM_WORLD);
  Pod exact, rnd;
  for (Pod* p : {&exact, &rnd}) {
    auto p_settings = p->settings();
    p_settings.latent_dim = 5;
    p_settings.center = true;
    p->set_settings(p_settings);
  }
  auto rnd_settings = rnd.settings();
  rnd_settings.svd = "randomized";
  rnd_settings.oversampling = 4;
  rnd.set_settings(rnd_settings);
  exact.fit(data);
  rnd.fit(data);
  REQUIRE(rnd.singular_values().size() == 9);
  CHECK((rnd.singular_values().head(5) - exact.singular_values().head(5)).cwiseAbs().maxCoeff() < 1e-12);
  CHECK(rnd.sigma_error_bound() < 1e-10);
  CHECK(std::abs(rnd.captured_energy() - exact.captured_energy()) < 1e-12);
  auto gathered = [&](const Matrix& local) {
    Matrix full = Matrix::Zero(n, local.cols());
    full.middleRows(data.rows.begin, data.rows.local()) = local;
    allreduce_sum(data.rows.comm, full.data(), full.size());
    return full;
  };
  CHECK(subspace_distance(gathered(rnd.basis()), gathered(exact.basis())) < 1e-10);
  // Saved and reloaded: the route, its settings and its error bound come back.
  ScratchDir dir;
  const std::string path = dir.path("rpod.h5");
  save_model(path, rnd, data, "data.h5", 0.0);
  ModelFile back = load_model(path, PETSC_COMM_WORLD, [&](const ModelFile&) { return data.rows; });
  auto* p = dynamic_cast<Pod*>(back.reducer.get());
  REQUIRE(p);
  CHECK(p->settings().svd == "randomized");
  CHECK(p->settings().oversampling == 4);
  CHECK(p->sigma_error_bound() == rnd.sigma_error_bound());
  CHECK((p->encode(data.X) - rnd.encode(data.X)).norm() == 0.0);
  // r by energy needs every singular value.
  Pod by_energy;
  auto by_energy_settings = by_energy.settings();
  by_energy_settings.svd = "randomized";
  by_energy.set_settings(by_energy_settings);
  require_error([&] { by_energy.fit(data); }, {"needs the latent dimension"});
}

TEST_CASE("incremental POD of a file 4x larger than its memory bound: the exact route's modes", "[reducers][pod][mpi]") {
  // σ_j = 0.5^j (60 of them), centred, k = r + 10 modes kept: the truncation perturbs the
  // leading r = 6 to second order in σ_{k+1}/σ_r = 2^-10 (≈ 1e-6): well within the 1e-8
  // asked of σ and principal angles.
  ScratchDir dir;
  const Index n = 300, N = 400;
  const Vector sigma = test::geometric_spectrum(60, 0.5);
  Matrix X = test::matrix_with_singular_values(n, N, sigma, 21);
  X.colwise() += Vector::LinSpaced(n, 1, 3);
  SnapshotSet s = distribute(X, PETSC_COMM_WORLD);
  s.t = Vector::LinSpaced(N, 0, 1);
  write_snapshots(dir.path("x.h5"), s);
  Pod exact;
  auto exact_settings = exact.settings();
  exact_settings.latent_dim = 6;
  exact_settings.center = true;
  exact.set_settings(exact_settings);
  exact.fit(s);

  Pod inc;
  auto inc_settings = inc.settings();
  inc_settings.latent_dim = 6;
  inc_settings.center = true;
  inc_settings.svd = "incremental";
  // A bound of a quarter of the file's bytes on every rank (the modes counted in it).
  const double file_mb = 8.0 * n * N / 1048576.0;
  inc_settings.memory_mb = file_mb / 4;
  inc.set_settings(inc_settings);
  const SnapshotReader reader(dir.path("x.h5"), PETSC_COMM_WORLD);
  inc.fit_stream(reader);
  INFO("blocks " << inc.blocks_read() << " of " << inc.block_columns_used() << " columns");
  CHECK(inc.blocks_read() >= 4);
  CHECK(8.0 * s.rows.local() * (3.0 * 16 + 4.0 * inc.block_columns_used() + 2) <= inc.settings().memory_mb * 1048576.0);
  CHECK(inc.latent_dim() == 6);
  CHECK(((inc.singular_values().head(6) - exact.singular_values().head(6)).array() /
         exact.singular_values().head(6).array())
            .abs()
            .maxCoeff() < 1e-8);
  CHECK(subspace_distance(test::gather_rows(inc.basis(), s.rows), test::gather_rows(exact.basis(), s.rows)) < 1e-8);
  CHECK((inc.mean() - exact.mean()).cwiseAbs().maxCoeff() < 1e-13);
  CHECK(std::abs(inc.captured_energy() - exact.captured_energy()) < 1e-12);
  // The in-memory route takes the same blocks: the same model.
  Pod mem = inc;
  mem.fit(s);
  CHECK(mem.singular_values() == inc.singular_values());
  CHECK(mem.basis() == inc.basis());
  // Too small a bound is refused with the size that would do.
  Pod tiny = inc;
  auto tiny_settings = tiny.settings();
  tiny_settings.memory_mb = 1e-3;
  tiny.set_settings(tiny_settings);
  require_error([&] { tiny.fit_stream(reader); }, {"-pod_memory_mb 0.001 does not hold 16 modes", "MB per rank"});
}

TEST_CASE("incremental POD appended from a saved model equals a one-shot run", "[reducers][pod][mpi]") {
  // Files A (the first 40 snapshots) and B (the other 24), blocks of 8: fit A, save, load,
  // append B takes the blocks a one-shot run over A ∪ B takes, so the models agree bit for bit.
  ScratchDir dir;
  const Index N = 64;
  SnapshotSet s = distribute(test::random_matrix(70, N, 23), PETSC_COMM_WORLD);
  s.t = Vector::LinSpaced(N, 0, 1);
  write_snapshots(dir.path("all.h5"), s);
  write_snapshots(dir.path("a.h5"), select_snapshots(s, 0, 40));
  write_snapshots(dir.path("b.h5"), select_snapshots(s, 40, N));
  auto fresh = [] {
    Pod p;
    auto p_settings = p.settings();
    p_settings.latent_dim = 5;
    p_settings.center = true;
    p_settings.svd = "incremental";
    p_settings.block_columns = 8;
    p.set_settings(p_settings);
    return p;
  };
  Pod whole = fresh();
  whole.fit_stream(SnapshotReader(dir.path("all.h5"), PETSC_COMM_WORLD));
  Pod first = fresh();
  const SnapshotReader a(dir.path("a.h5"), PETSC_COMM_WORLD);
  first.fit_stream(a);
  save_model(dir.path("a_model.h5"), first, a.header(), "a.h5", 0.0, nullptr, first.incremental_count());
  ModelFile m = load_model(dir.path("a_model.h5"), PETSC_COMM_WORLD);
  auto* resumed = dynamic_cast<Pod*>(m.reducer.get());
  REQUIRE(resumed);
  CHECK(m.training.count == 40);
  CHECK(resumed->modes() == first.modes());
  resumed->append_stream(SnapshotReader(dir.path("b.h5"), PETSC_COMM_WORLD));
  CHECK(resumed->incremental_count() == N);
  CHECK(resumed->singular_values() == whole.singular_values());
  CHECK(resumed->basis() == whole.basis());
  CHECK(resumed->mean() == whole.mean());
  CHECK(resumed->incremental_energy() == whole.incremental_energy());
  // Only an incremental POD takes more snapshots.
  Pod exact;
  auto exact_settings = exact.settings();
  exact_settings.latent_dim = 3;
  exact.set_settings(exact_settings);
  exact.fit(s);
  require_error([&] { exact.append_stream(SnapshotReader(dir.path("b.h5"), PETSC_COMM_WORLD)); },
                {"only an incremental POD"});
}

TEST_CASE("POD settings are checked when set, and kept unchanged by a refusal", "[reducers][pod]") {
  Pod pod;
  Pod::Settings good;
  good.latent_dim = 3;
  pod.set_settings(good);
  CHECK(pod.settings().latent_dim == 3);
  const std::vector<std::pair<std::function<void(Pod::Settings&)>, std::string>> faults{
      {[](Pod::Settings& s) { s.energy = 1.5; }, "-pod_energy"},
      {[](Pod::Settings& s) { s.energy = 0; }, "-pod_energy"},
      {[](Pod::Settings& s) { s.svd = "bogus"; }, "-pod_svd"},
      {[](Pod::Settings& s) { s.oversampling = -1; }, "-pod_oversampling"},
      {[](Pod::Settings& s) { s.memory_mb = 0; }, "-pod_memory_mb"},
      {[](Pod::Settings& s) { s.latent_dim = -1; }, "latent_dim must be >= 0"}};
  for (const auto& [fault, message] : faults) {
    INFO(message);
    Pod::Settings bad;
    fault(bad);
    require_error([&] { pod.set_settings(bad); }, {message});
    CHECK(pod.settings().latent_dim == 3);  // the earlier settings stand
  }
}

TEST_CASE("POD fits on states held outside a snapshot set, read in place", "[reducers][pod][mpi]") {
  // A caller's own buffer (a NumPy array from Python) viewed with a header: the singular
  // values are the matrix's, by construction, on every route.
  const Index n = 300, N = 25;
  Vector sigma(N);
  for (Index k = 0; k < N; ++k) sigma(k) = std::pow(0.5, static_cast<double>(k));  // 1 .. 6e-8
  const Matrix X = test::matrix_with_singular_values(n, N, sigma, 5);
  SnapshotSet rest = distribute(X, PETSC_COMM_WORLD);
  const std::vector<double> buffer(rest.X.data(), rest.X.data() + rest.X.size());
  rest.X.resize(rest.rows.local(), 0);
  const SnapshotView view(Eigen::Map<const Matrix>(buffer.data(), rest.rows.local(), N), rest);
  for (const char* svd : {"exact", "randomized"}) {
    Pod pod;
    auto s = pod.settings();
    s.latent_dim = 4;
    s.svd = svd;
    s.power_iterations = 2;
    pod.set_settings(s);
    pod.fit(view);
    // Exact: round-off. Randomized, 4 + 10 sketch columns, 2 power iterations: the tail
    // beyond the sketch (σ_15 = 6e-5) bounds σ_1..σ_4's error far below 1e-8.
    CHECK(((pod.singular_values().head(4) - sigma.head(4)).array() / sigma.head(4).array()).abs().maxCoeff() < 1e-8);
  }
}
