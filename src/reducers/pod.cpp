#include "metarom/reducers/pod.hpp"

#include <fmt/format.h>
#include <petscsys.h>

#include <algorithm>
#include <map>

#include "metarom/error.hpp"
#include "metarom/io/hdf5_file.hpp"
#include "metarom/io/petsc_handle.hpp"
#include "metarom/linalg/randomized_svd.hpp"
#include "metarom/linalg/tsqr.hpp"

namespace metarom {

namespace {

PetscErrorCode pod_options(const char* prefix, Pod::Settings* s) {
  PetscReal energy = s->energy;
  PetscBool center = s->center ? PETSC_TRUE : PETSC_FALSE;
  char route[32];
  PetscBool route_set = PETSC_FALSE;
  PetscInt p = s->oversampling, q = s->power_iterations, seed = static_cast<PetscInt>(s->seed);
  PetscFunctionBeginUser;
  PetscOptionsBegin(PETSC_COMM_WORLD, prefix, "POD reducer", "Reducer");
  PetscCall(PetscOptionsReal("-pod_energy", "Energy fraction sum(s_k^2, k<=r)/sum(s_k^2) that chooses r", "Pod",
                             energy, &energy, nullptr));
  PetscCall(PetscOptionsBool("-pod_center", "Subtract the snapshot mean before the SVD", "Pod", center, &center,
                             nullptr));
  PetscCall(PetscOptionsString("-pod_svd", "SVD route: exact (TSQR) or randomized (needs r)", "Pod", s->svd.c_str(),
                               route, sizeof route, &route_set));
  PetscCall(PetscOptionsInt("-pod_oversampling", "Randomized: extra sketch columns p", "Pod", p, &p, nullptr));
  PetscCall(PetscOptionsInt("-pod_power_iterations", "Randomized: subspace iterations q", "Pod", q, &q, nullptr));
  PetscCall(PetscOptionsInt("-pod_seed", "Randomized: seed of the Gaussian sketch", "Pod", seed, &seed, nullptr));
  PetscOptionsEnd();
  s->energy = energy;
  s->center = center;
  if (route_set) s->svd = route;
  s->oversampling = static_cast<int>(p);
  s->power_iterations = static_cast<int>(q);
  s->seed = seed;
  PetscFunctionReturn(0);
}

// Zero snapshots and exact duplicates, found through a cheap signature (squared norm and a
// fixed pseudo-random projection, one allreduce), confirmed entry by entry.
std::vector<std::string> find_degenerate_snapshots(const Matrix& X, const RowPartition& rows) {
  const Index N = X.cols();
  Vector w(X.rows());
  for (Index i = 0; i < X.rows(); ++i) {
    const unsigned long long g = static_cast<unsigned long long>(rows.begin + i) * 0x9E3779B97F4A7C15ULL;
    w(i) = static_cast<double>((g >> 11) & 0xFFFFF) / 1048576.0 + 0.5;
  }
  Matrix sig(2, N);
  sig.row(0) = X.colwise().squaredNorm();
  sig.row(1) = w.transpose() * X;
  allreduce_sum(rows.comm, sig.data(), sig.size());

  std::vector<std::string> out;
  std::vector<Index> zeros;
  for (Index j = 0; j < N; ++j)
    if (sig(0, j) == 0.0) zeros.push_back(j);
  if (!zeros.empty())
    out.push_back(fmt::format("{} zero snapshot(s), first at index {}", zeros.size(), zeros.front()));

  std::map<std::pair<double, double>, Index> seen;
  long long dups = 0;
  Index first_a = -1, first_b = -1;
  for (Index j = 0; j < N; ++j) {
    if (sig(0, j) == 0.0) continue;
    auto [it, inserted] = seen.emplace(std::make_pair(sig(0, j), sig(1, j)), j);
    if (inserted) continue;
    const double differ = X.rows() > 0 && (X.col(j) - X.col(it->second)).cwiseAbs().maxCoeff() > 0 ? 1.0 : 0.0;
    if (allreduce_max(rows.comm, differ) == 0.0) {
      if (dups++ == 0) {
        first_a = it->second;
        first_b = j;
      }
    }
  }
  if (dups > 0)
    out.push_back(fmt::format("{} duplicate snapshot(s), first: index {} repeats index {}", dups, first_b, first_a));
  return out;
}

}  // namespace

int rank_for_energy(const Vector& sigma, double fraction) {
  if (!(fraction > 0.0 && fraction <= 1.0))
    throw Error(fmt::format("POD energy fraction must lie in (0, 1], got {}", fraction));
  const double total = sigma.squaredNorm();
  if (total == 0.0) throw Error("POD: all singular values are zero (the snapshots are all zero)");
  double acc = 0.0;
  for (Index k = 0; k < sigma.size(); ++k) {
    acc += sigma(k) * sigma(k);
    if (acc >= fraction * total) return static_cast<int>(k + 1);
  }
  return static_cast<int>(sigma.size());
}

void Pod::read_options(const std::string& prefix) {
  METAROM_PETSC(pod_options(petsc_prefix(prefix), &settings_));
  if (settings_.svd != "exact" && settings_.svd != "randomized")
    throw Error(fmt::format("-{}pod_svd must be exact or randomized, got '{}'", prefix, settings_.svd));
  if (settings_.oversampling < 0 || settings_.power_iterations < 0)
    throw Error(fmt::format("-{}pod_oversampling and -{}pod_power_iterations must be >= 0, got {} and {}", prefix,
                            prefix, settings_.oversampling, settings_.power_iterations));
}

void Pod::fit(const SnapshotSet& train) {
  train.validate("POD fit");
  if (train.count() == 0 || train.n() == 0) throw Error("POD fit: the snapshot set is empty");
  if (settings_.latent_dim < 0) throw Error(fmt::format("POD: latent dimension must be >= 0, got {}", settings_.latent_dim));
  rows_ = train.rows;
  warnings_ = find_degenerate_snapshots(train.X, rows_);

  Matrix X = train.X;
  if (settings_.center) {
    mean_ = X.rowwise().mean();
    X.colwise() -= mean_;
  } else {
    mean_.resize(0);
  }
  ThinSvd svd;
  sigma_error_bound_ = sketch_residual_ = sigma_change_ = 0;
  if (settings_.svd == "randomized") {
    // r must be known before the sketch: choosing it by energy needs every singular value.
    if (settings_.latent_dim <= 0)
      throw Error("POD: -pod_svd randomized needs the latent dimension (-r); choosing r by energy needs every "
                  "singular value (-pod_svd exact)");
    RandomizedSvdSettings rs;
    rs.rank = settings_.latent_dim;
    rs.oversampling = settings_.oversampling;
    rs.power_iterations = settings_.power_iterations;
    rs.seed = static_cast<unsigned long long>(settings_.seed);
    RandomizedSvd rsvd = randomized_svd(X, rows_.comm, rs);
    svd = std::move(rsvd.svd);
    sigma_error_bound_ = rsvd.sigma_error_bound;
    sigma_change_ = rsvd.sigma_change;
    sketch_residual_ = rsvd.residual;
  } else if (settings_.svd == "exact") {
    svd = distributed_thin_svd(X, rows_.comm);
  } else {
    throw Error(fmt::format("POD: unknown SVD route '{}' (exact, randomized)", settings_.svd));
  }
  sigma_ = svd.sigma;
  keep_leading(svd.U, "POD", fmt::format("a {} x {} snapshot matrix", train.n(), train.count()));
}

void Pod::keep_leading(const Matrix& U, const std::string& who, const std::string& matrix) {
  const int available = static_cast<int>(sigma_.size());
  const int r = settings_.latent_dim > 0 ? settings_.latent_dim : rank_for_energy(sigma_, settings_.energy);
  if (r > available)
    throw Error(fmt::format("{}: latent dimension {} exceeds the {} singular values of {}", who, r, available, matrix));
  if (sigma_(r - 1) <= sigma_(0) * 1e-14)
    warnings_.push_back(fmt::format("singular value {} is {:.3e} of the largest: basis vectors beyond the "
                                    "numerical rank carry no information",
                                    r, sigma_(r - 1) / sigma_(0)));
  basis_ = U.leftCols(r);
}

double Pod::captured_energy() const {
  // ‖X‖_F²: every σ² (exact route), or the computed ones plus the sketch's residual.
  const double total = sigma_.squaredNorm() + sketch_residual_ * sketch_residual_;
  return total > 0 ? sigma_.head(latent_dim()).squaredNorm() / total : 0.0;
}

Matrix Pod::encode(const Matrix& X) const {
  if (X.rows() != basis_.rows())
    throw Error(fmt::format("POD encode: states have {} local rows, the basis {}", X.rows(), basis_.rows()));
  Matrix U = mean_.size() ? Matrix(basis_.transpose() * (X.colwise() - mean_)) : Matrix(basis_.transpose() * X);
  allreduce_sum(rows_.comm, U.data(), U.size());
  return U;
}

Matrix Pod::decode(const Matrix& U) const {
  if (U.rows() != basis_.cols())
    throw Error(fmt::format("POD decode: latent states have {} entries, r = {}", U.rows(), basis_.cols()));
  Matrix X = basis_ * U;
  if (mean_.size()) X.colwise() += mean_;
  return X;
}

Matrix Pod::decoder_jacobian(const Vector&) const { return basis_; }

void Pod::save(h5::Group& g) const {
  Attributes a;
  a.set("latent_dim", latent_dim());
  a.set("centered", settings_.center ? 1 : 0);
  a.set("energy_requested", settings_.energy);
  a.set("latent_dim_requested", settings_.latent_dim);
  a.set("captured_energy", captured_energy());
  a.set("svd", settings_.svd);
  if (settings_.svd == "randomized") {
    a.set("oversampling", settings_.oversampling);
    a.set("power_iterations", settings_.power_iterations);
    a.set("seed", settings_.seed);
    a.set("sigma_error_bound", sigma_error_bound_);
    a.set("sigma_change", sigma_change_);
    a.set("sketch_residual", sketch_residual_);
  }
  g.write_attributes(a);
  g.write_rows("basis", basis_, rows_);
  if (mean_.size()) g.write_rows("mean", Matrix(mean_), rows_);
  g.write_vector("singular_values", sigma_);
}

void Pod::load(const h5::Group& g, const RowPartition& rows) {
  const Attributes a = g.read_attributes();
  const int r = static_cast<int>(a.get_int("latent_dim", g.where()));
  settings_.center = a.get_int("centered", g.where()) != 0;
  settings_.energy = a.get_double("energy_requested", g.where());
  settings_.latent_dim = static_cast<int>(a.get_int("latent_dim_requested", g.where()));
  // Files written before the randomized route have no "svd": exact.
  settings_.svd = a.has("svd") ? a.get_string("svd", g.where()) : "exact";
  sigma_error_bound_ = sketch_residual_ = sigma_change_ = 0;
  if (settings_.svd == "randomized") {
    settings_.oversampling = static_cast<int>(a.get_int("oversampling", g.where()));
    settings_.power_iterations = static_cast<int>(a.get_int("power_iterations", g.where()));
    settings_.seed = a.get_int("seed", g.where());
    sigma_error_bound_ = a.get_double("sigma_error_bound", g.where());
    sigma_change_ = a.get_double("sigma_change", g.where());
    sketch_residual_ = a.get_double("sketch_residual", g.where());
  } else if (settings_.svd != "exact") {
    throw Error(fmt::format("{}: unknown SVD route '{}' (exact, randomized)", g.where(), settings_.svd));
  }
  rows_ = rows;
  basis_ = g.read_rows("basis", rows, r);
  mean_ = settings_.center ? Vector(g.read_rows("mean", rows, 1).col(0)) : Vector();
  sigma_ = g.read_vector("singular_values");
  if (sigma_.size() < r) throw Error(fmt::format("{}: fewer singular values than r = {}", g.where("singular_values"), r));
  warnings_.clear();
}

void Pod::view(std::ostream& os) const {
  if (settings_.svd == "randomized")
    os << fmt::format("POD: r = {}, {}centered, randomized SVD (p = {}, q = {}, seed {}): σ_1..σ_r estimated "
                      "error {:.1e} (change over the last subspace iteration), bound {:.1e}; sketch residual "
                      "‖X − QQᵀX‖_F = {:.3e}\n",
                      latent_dim(), settings_.center ? "" : "not ", settings_.oversampling, settings_.power_iterations,
                      settings_.seed, sigma_change_, sigma_error_bound_, sketch_residual_);
  else
    os << fmt::format("POD: r = {}, {}centered, captured energy {:.10f}\n", latent_dim(), settings_.center ? "" : "not ",
                      captured_energy());
  os << "  leading singular values:";
  for (Index k = 0; k < std::min<Index>(sigma_.size(), 10); ++k) os << fmt::format(" {:.6e}", sigma_(k));
  os << "\n";
}

}  // namespace metarom
