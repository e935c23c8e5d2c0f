#include "metarom/reducers/pod.hpp"

#include <fmt/format.h>
#include <petscsys.h>

#include <algorithm>
#include <map>

#include "metarom/error.hpp"
#include "metarom/io/hdf5_file.hpp"
#include "metarom/io/petsc_handle.hpp"
#include "metarom/linalg/tsqr.hpp"

namespace metarom {

namespace {

PetscErrorCode pod_options(const char* prefix, Pod::Settings* s) {
  PetscReal energy = s->energy;
  PetscBool center = s->center ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionBeginUser;
  PetscOptionsBegin(PETSC_COMM_WORLD, prefix, "POD reducer", "Reducer");
  PetscCall(PetscOptionsReal("-pod_energy", "Energy fraction sum(s_k^2, k<=r)/sum(s_k^2) that chooses r", "Pod",
                             energy, &energy, nullptr));
  PetscCall(PetscOptionsBool("-pod_center", "Subtract the snapshot mean before the SVD", "Pod", center, &center,
                             nullptr));
  PetscOptionsEnd();
  s->energy = energy;
  s->center = center;
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
  ThinSvd svd = distributed_thin_svd(X, rows_.comm);
  sigma_ = svd.sigma;
  const int available = static_cast<int>(sigma_.size());
  int r = settings_.latent_dim > 0 ? settings_.latent_dim : rank_for_energy(sigma_, settings_.energy);
  if (r > available)
    throw Error(fmt::format("POD: latent dimension {} exceeds the {} singular values of a {} x {} snapshot matrix", r,
                            available, train.n(), train.count()));
  if (sigma_(r - 1) <= sigma_(0) * 1e-14)
    warnings_.push_back(fmt::format("singular value {} is {:.3e} of the largest: basis vectors beyond the "
                                    "numerical rank carry no information",
                                    r, sigma_(r - 1) / sigma_(0)));
  basis_ = svd.U.leftCols(r);
}

double Pod::captured_energy() const {
  const double total = sigma_.squaredNorm();
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
  rows_ = rows;
  basis_ = g.read_rows("basis", rows, r);
  mean_ = settings_.center ? Vector(g.read_rows("mean", rows, 1).col(0)) : Vector();
  sigma_ = g.read_vector("singular_values");
  if (sigma_.size() < r) throw Error(fmt::format("{}: fewer singular values than r = {}", g.where("singular_values"), r));
  warnings_.clear();
}

void Pod::view(std::ostream& os) const {
  os << fmt::format("POD: r = {}, {}centered, captured energy {:.10f}\n", latent_dim(), settings_.center ? "" : "not ",
                    captured_energy());
  os << "  leading singular values:";
  for (Index k = 0; k < std::min<Index>(sigma_.size(), 10); ++k) os << fmt::format(" {:.6e}", sigma_(k));
  os << "\n";
}

}  // namespace metarom
