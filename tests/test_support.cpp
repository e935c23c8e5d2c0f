#include "test_support.hpp"

#include <hdf5.h>
#include <petscsys.h>
#include <unistd.h>

#include <Eigen/QR>
#include <Eigen/SVD>
#include <filesystem>
#include <cmath>
#include <random>

#include "metarom/error.hpp"
#include "metarom/io/hdf5_file.hpp"
#include "metarom/linalg/empirical_interpolation.hpp"

namespace metarom::test {

ModelFile save_and_load(const ScratchDir& dir, const std::string& name, const Reducer& reducer, const SnapshotSet& s) {
  save_model(dir.path(name), reducer, s, "train.h5", 0.1);
  return load_model(dir.path(name), s.rows.comm);
}

int world_rank() {
  int r = 0;
  MPI_Comm_rank(PETSC_COMM_WORLD, &r);
  return r;
}

int world_size() {
  int s = 1;
  MPI_Comm_size(PETSC_COMM_WORLD, &s);
  return s;
}

void barrier() { MPI_Barrier(PETSC_COMM_WORLD); }

ScopedOptions::ScopedOptions(std::initializer_list<std::pair<const char*, const char*>> values) {
  for (const auto& [name, value] : values) {
    REQUIRE(PetscOptionsSetValue(nullptr, name, value) == 0);
    names_.emplace_back(name);
  }
}

ScopedOptions::~ScopedOptions() {
  for (const auto& n : names_) PetscOptionsClearValue(nullptr, n.c_str());
}

ScratchDir::ScratchDir() {
  char buf[4096] = {0};
  if (world_rank() == 0) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "metarom-test-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    std::snprintf(buf, sizeof buf, "%s", tmpl.c_str());
  }
  MPI_Bcast(buf, sizeof buf, MPI_CHAR, 0, PETSC_COMM_WORLD);
  dir_ = buf;
}

ScratchDir::~ScratchDir() {
  barrier();
  if (world_rank() == 0) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

HeatConfig heat_config(int n, const TimeGrid& time) {
  HeatConfig c;
  c.nx = c.ny = n;
  c.time = time;
  return c;
}

ReactionConfig reaction_config(int nx, int ny, double lambda, double amplitude, const TimeGrid& time) {
  ReactionConfig c;
  c.nx = nx;
  c.ny = ny;
  c.lambda = lambda;
  c.amplitude = amplitude;
  c.time = time;
  return c;
}

void require_error(const std::function<void()>& f, const std::vector<std::string>& parts) {
  std::string message;
  try {
    f();
  } catch (const Error& e) {
    message = e.what();
  }
  INFO("error message: " << message);
  REQUIRE(!message.empty());
  for (const auto& p : parts) {
    INFO("expected in the message: " << p);
    CHECK(message.find(p) != std::string::npos);
  }
}

Matrix random_matrix(Index rows, Index cols, unsigned seed, double scale) {
  std::mt19937 gen(seed);
  std::normal_distribution<double> g;
  Matrix m(rows, cols);
  for (Index j = 0; j < cols; ++j)
    for (Index i = 0; i < rows; ++i) m(i, j) = scale * g(gen);
  return m;
}

Mlp shifted(const Mlp& net, Index k, double h) {
  Mlp copy = net;
  Vector p = net.parameters();
  p(k) += h;
  copy.set_parameters(p);
  return copy;
}

Vector geometric_spectrum(Index count, double ratio, double first) {
  Vector s(count);
  for (Index k = 0; k < count; ++k) s(k) = first * std::pow(ratio, static_cast<double>(k));
  return s;
}

Matrix matrix_with_singular_values(Index n, Index N, const Vector& sigma, unsigned seed, Matrix* Uout) {
  const Index k = sigma.size();
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> dist;
  Matrix G1(n, k), G2(N, k);
  for (Index j = 0; j < k; ++j)
    for (Index i = 0; i < n; ++i) G1(i, j) = dist(gen);
  for (Index j = 0; j < k; ++j)
    for (Index i = 0; i < N; ++i) G2(i, j) = dist(gen);
  Eigen::HouseholderQR<Matrix> q1(G1), q2(G2);
  const Matrix U = q1.householderQ() * Matrix::Identity(n, k);
  const Matrix V = q2.householderQ() * Matrix::Identity(N, k);
  if (Uout) *Uout = U;
  return U * sigma.asDiagonal() * V.transpose();
}

DmdaField::DmdaField(PetscInt M_, PetscInt N_, PetscInt dof_, Value value_)
    : M(M_), N(N_), dof(dof_), value(std::move(value_)) {
  REQUIRE(DMDACreate2d(PETSC_COMM_WORLD, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DMDA_STENCIL_STAR, M, N, PETSC_DECIDE,
                       PETSC_DECIDE, dof, 1, nullptr, nullptr, &da) == 0);
  REQUIRE(DMSetUp(da) == 0);
  REQUIRE(DMCreateGlobalVector(da, &x) == 0);
  PetscScalar*** a;
  PetscInt xs, ys, xm, ym;
  REQUIRE(DMDAVecGetArrayDOF(da, x, &a) == 0);
  REQUIRE(DMDAGetCorners(da, &xs, &ys, nullptr, &xm, &ym, nullptr) == 0);
  for (PetscInt j = ys; j < ys + ym; ++j)
    for (PetscInt i = xs; i < xs + xm; ++i)
      for (PetscInt c = 0; c < dof; ++c) a[j][i][c] = value(i, j, c);
  REQUIRE(DMDAVecRestoreArrayDOF(da, x, &a) == 0);
}

DmdaField::~DmdaField() {
  VecDestroy(&x);
  DMDestroy(&da);
}

double DmdaField::natural_value(long long g) const {
  const PetscInt c = static_cast<PetscInt>(g % dof), i = static_cast<PetscInt>((g / dof) % M),
                 j = static_cast<PetscInt>(g / (dof * M));
  return value(i, j, c);
}

Pod fitted_pod(const SnapshotSet& s, int r) {
  Pod pod;
  auto settings = pod.settings();
  settings.latent_dim = r;
  pod.set_settings(settings);
  pod.fit(s);
  return pod;
}

SnapshotSet distribute(const Matrix& full, MPI_Comm comm) { return distribute(full, RowPartition::split(comm, full.rows())); }

SnapshotSet distribute(const Matrix& full, const RowPartition& rows) {
  SnapshotSet s;
  s.rows = rows;
  s.X = full.middleRows(s.rows.begin, s.rows.local());
  s.t = Vector::LinSpaced(full.cols(), 0, 1);
  return s;
}

double subspace_distance(const Matrix& A, const Matrix& B) {
  Eigen::JacobiSVD<Matrix> svd(A - B * (B.transpose() * A));
  return svd.singularValues()(0);
}

Matrix gather_rows(const Matrix& local, const RowPartition& rows) {
  Matrix full = Matrix::Zero(rows.global, local.cols());
  full.middleRows(rows.begin, rows.local()) = local;
  allreduce_sum(rows.comm, full.data(), full.size());
  return full;
}

SnapshotSet sample_set(MPI_Comm comm, long long nx, long long ny, Index N) {
  SnapshotSet s;
  s.rows = RowPartition::split(comm, nx * ny);
  s.X.resize(s.rows.local(), N);
  for (Index j = 0; j < N; ++j)
    for (Index i = 0; i < s.rows.local(); ++i) s.X(i, j) = std::cos(0.1 * (s.rows.begin + i) + 0.7 * j);
  s.t = Vector::LinSpaced(N, 0.0, 1.0);
  s.mu = Matrix::Constant(2, N, 3.5);
  s.layout.dims = {nx, ny};
  s.layout.fields = {"u"};
  s.layout.lower = {0.0, 0.0};
  s.layout.upper = {1.0, 2.0};
  s.provenance.set("model", "test");
  s.provenance.set("kappa", 0.5);
  return s;
}

void write_damaged(const std::string& path, const std::function<void(h5::Group&)>& edit) {
  if (test::world_rank() == 0) {
    SnapshotSet s = sample_set(MPI_COMM_SELF, 4, 3, 6);
    h5::File f = h5::File::create(path, MPI_COMM_SELF);
    h5::write_header(f.root(), "snapshots");
    write_snapshot_content(f.root(), s);
    edit(f.root());
    f.commit();
  }
  test::barrier();
}

void replace_with_doubles(h5::Group& g, const std::string& name, std::vector<hsize_t> dims, double fill) {
  H5Ldelete(g.id(), name.c_str(), H5P_DEFAULT);
  hid_t space = dims.empty() ? H5Screate(H5S_SCALAR) : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
  hid_t ds = H5Dcreate2(g.id(), name.c_str(), H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  size_t count = 1;
  for (auto d : dims) count *= d;
  std::vector<double> data(count, fill);
  H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data());
  H5Dclose(ds);
  H5Sclose(space);
}

std::vector<long long> check_sampled_rhs(const FullOrderModel& model, const Vector& x, const std::vector<long long>& at,
                                         double tolerance, bool local_part) {
  const RowPartition& rows = model.rows();
  const auto sampled = model.sampled_rhs(at);
  REQUIRE(sampled);
  CHECK(sampled->rows() == at);
  const Matrix xs = sample_rows(x, rows, sampled->stencil());
  const Vector f = sampled->rhs(0.0, xs.col(0));
  const Matrix full = sample_rows(model.local_rhs(0.0, x), rows, at);
  REQUIRE(f.size() == static_cast<Index>(at.size()));
  CHECK((f - full.col(0)).cwiseAbs().maxCoeff() <= tolerance * full.cwiseAbs().maxCoeff());
  const Matrix J = sampled->jacobian(0.0, xs.col(0));
  REQUIRE(J.rows() == static_cast<Index>(at.size()));
  REQUIRE(J.cols() == static_cast<Index>(sampled->stencil().size()));
  Matrix E = Matrix::Zero(rows.local(), J.cols());
  for (Index q = 0; q < J.cols(); ++q) {
    const long long g = sampled->stencil()[static_cast<size_t>(q)];
    if (g >= rows.begin && g < rows.end) E(g - rows.begin, q) = 1.0;
  }
  Matrix Jfull;
  if (local_part) {
    const double h = 1e-2 * std::max(1.0, allreduce_max(rows.comm, x.cwiseAbs().maxCoeff()));
    const Matrix X = x.replicate(1, E.cols());
    Jfull = sample_rows((model.local_rhs(0.0, X + h * E) - model.local_rhs(0.0, X - h * E)) / (2 * h), rows, at);
  } else {
    Jfull = sample_rows(model.apply_jacobian(0.0, x, E), rows, at);
  }
  CHECK((J - Jfull).cwiseAbs().maxCoeff() <= tolerance * Jfull.cwiseAbs().maxCoeff());
  // The product a hyper-reduced ROM asks for, (J W)ᵀ from the entries, against the dense J
  // times W: the same sums in another order (round-off).
  const Matrix W = Matrix::Random(J.cols(), 3);
  const Matrix P = sampled->jacobian_product_transposed(0.0, xs.col(0), W.transpose());
  REQUIRE(P.rows() == 3);
  REQUIRE(P.cols() == J.rows());
  CHECK((P.transpose() - J * W).cwiseAbs().maxCoeff() <= 1e-13 * (J.cwiseAbs() * W.cwiseAbs()).maxCoeff());
  return sampled->stencil();
}

}  // namespace metarom::test
