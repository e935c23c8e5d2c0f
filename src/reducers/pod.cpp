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
  PetscInt p = s->oversampling, q = s->power_iterations, seed = static_cast<PetscInt>(s->seed),
           k = s->incremental_rank, b = s->block_columns;
  PetscReal memory = s->memory_mb;
  PetscFunctionBeginUser;
  PetscOptionsBegin(PETSC_COMM_WORLD, prefix, "POD reducer", "Reducer");
  PetscCall(PetscOptionsReal("-pod_energy", "Energy fraction sum(s_k^2, k<=r)/sum(s_k^2) that chooses r", "Pod",
                             energy, &energy, nullptr));
  PetscCall(PetscOptionsBool("-pod_center", "Subtract the snapshot mean before the SVD", "Pod", center, &center,
                             nullptr));
  PetscCall(PetscOptionsString("-pod_svd", "SVD route: exact (TSQR), randomized (needs r) or incremental (streaming)",
                               "Pod", s->svd.c_str(), route, sizeof route, &route_set));
  PetscCall(PetscOptionsInt("-pod_oversampling", "Randomized: extra sketch columns p", "Pod", p, &p, nullptr));
  PetscCall(PetscOptionsInt("-pod_power_iterations", "Randomized: subspace iterations q", "Pod", q, &q, nullptr));
  PetscCall(PetscOptionsInt("-pod_seed", "Randomized: seed of the Gaussian sketch", "Pod", seed, &seed, nullptr));
  PetscCall(PetscOptionsInt("-pod_incremental_rank", "Incremental: modes kept (0: r + oversampling, or 50 without r)",
                            "Pod", k, &k, nullptr));
  PetscCall(PetscOptionsInt("-pod_block_columns", "Incremental: snapshots per block (0: from -pod_memory_mb)", "Pod", b,
                            &b, nullptr));
  PetscCall(PetscOptionsReal("-pod_memory_mb", "Incremental: memory per rank for the modes and one block (MB)", "Pod",
                             memory, &memory, nullptr));
  PetscOptionsEnd();
  s->incremental_rank = static_cast<int>(k);
  s->block_columns = static_cast<int>(b);
  s->memory_mb = memory;
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
std::vector<std::string> find_degenerate_snapshots(MatrixView X, const RowPartition& rows) {
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

int rank_for_energy(const Vector& sigma, double fraction, double total) {
  if (!(fraction > 0.0 && fraction <= 1.0))
    throw Error(fmt::format("POD energy fraction must lie in (0, 1], got {}", fraction));
  const bool given = total >= 0;
  if (!given) total = sigma.squaredNorm();
  if (total == 0.0) throw Error("POD: all singular values are zero (the snapshots are all zero)");
  double acc = 0.0;
  for (Index k = 0; k < sigma.size(); ++k) {
    acc += sigma(k) * sigma(k);
    if (acc >= fraction * total) return static_cast<int>(k + 1);
  }
  return given ? 0 : static_cast<int>(sigma.size());
}

void Pod::read_options(const std::string& prefix) {
  METAROM_PETSC(pod_options(petsc_prefix(prefix), &settings_));
  settings_.check(prefix);
}

void Pod::set_settings(const Settings& s) {
  s.check();
  settings_ = s;
}

void Pod::Settings::check(const std::string& prefix) const {
  if (latent_dim < 0) throw Error(fmt::format("-{}reducer_latent_dim must be >= 0 (0: by energy), got {}", prefix, latent_dim));
  if (!(energy > 0.0 && energy <= 1.0))
    throw Error(fmt::format("-{}pod_energy must lie in (0, 1], got {}", prefix, energy));
  if (svd != "exact" && svd != "randomized" && svd != "incremental")
    throw Error(fmt::format("-{}pod_svd must be exact, randomized or incremental, got '{}'", prefix, svd));
  if (oversampling < 0 || power_iterations < 0)
    throw Error(fmt::format("-{}pod_oversampling and -{}pod_power_iterations must be >= 0, got {} and {}", prefix,
                            prefix, oversampling, power_iterations));
  if (incremental_rank < 0 || block_columns < 0 || !(memory_mb > 0))
    throw Error(fmt::format("-{0}pod_incremental_rank and -{0}pod_block_columns must be >= 0 and -{0}pod_memory_mb > 0, "
                            "got {1}, {2} and {3}",
                            prefix, incremental_rank, block_columns, memory_mb));
}

int Pod::kept_rank() const {
  if (settings_.incremental_rank > 0) {
    if (settings_.latent_dim > settings_.incremental_rank)
      throw Error(fmt::format("POD: latent dimension {} exceeds the {} modes the incremental route keeps "
                              "(-pod_incremental_rank)",
                              settings_.latent_dim, settings_.incremental_rank));
    return settings_.incremental_rank;
  }
  return settings_.latent_dim > 0 ? settings_.latent_dim + settings_.oversampling : 50;
}

Index Pod::block_columns_for(Index local_rows, MPI_Comm comm) const {
  if (settings_.block_columns > 0) return settings_.block_columns;
  // Held at once: the k modes, the block and its centred copy, Q, [U Q] and the new U.
  const double words = settings_.memory_mb * 1048576.0 / 8.0;
  const double k = kept_rank();
  const double rows = std::max<double>(double(local_rows), 1.0);
  const double b = std::floor((words / rows - 3 * k - 2) / 4);
  const double agreed = -allreduce_max(comm, -b);  // the smallest over the ranks
  if (agreed < 1)
    throw Error(fmt::format("POD: -pod_memory_mb {} does not hold {} modes and one snapshot of {} local values; "
                            "it needs at least {:.3g} MB per rank",
                            settings_.memory_mb, int(k), local_rows, 8.0 * rows * (3 * k + 6) / 1048576.0));
  return static_cast<Index>(std::min(agreed, 1e9));
}

void Pod::run_incremental(IncrementalSvd& svd, Index N, const std::function<Matrix(Index, Index)>& read,
                          const std::string& what) {
  const Index b = block_columns_for(rows_.local(), rows_.comm);
  block_used_ = b;
  blocks_ = 0;
  for (Index first = 0; first < N; first += b) {
    svd.update(read(first, std::min(b, N - first)));
    ++blocks_;
  }
  modes_ = svd.U();
  sigma_ = svd.sigma();
  mean_ = settings_.center ? svd.mean() : Vector();
  count_ = svd.count();
  energy_ = svd.energy();
  dropped_ = svd.dropped();
  sigma_error_bound_ = sketch_residual_ = sigma_change_ = 0;
  if (sigma_.size() == 0) throw Error("POD: all singular values are zero (the snapshots are all zero)");
  if (settings_.latent_dim > sigma_.size() && sigma_.size() < svd.max_rank())
    throw Error(fmt::format("POD: latent dimension {} exceeds the numerical rank {} of {} (the incremental route keeps "
                            "no direction below 1e-14 of the largest)",
                            settings_.latent_dim, sigma_.size(), what));
  if (settings_.latent_dim <= 0 && rank_for_energy(sigma_, settings_.energy, energy_) == 0)
    throw Error(fmt::format("POD: the {} modes kept hold {:.6f} of the energy, short of -pod_energy {}; raise "
                            "-pod_incremental_rank",
                            sigma_.size(), sigma_.squaredNorm() / energy_, settings_.energy));
  keep_leading(modes_, "POD", what);
}

void Pod::fit_stream(const SnapshotReader& reader) {
  if (settings_.svd != "incremental")
    throw Error(fmt::format("POD: reading a file block by block is the incremental route (-pod_svd incremental), "
                            "not '{}'",
                            settings_.svd));
  if (reader.count() == 0 || reader.n() == 0) throw Error(fmt::format("POD fit: {} holds no snapshots", reader.path()));
  rows_ = reader.rows();
  warnings_.clear();
  IncrementalSvd svd(rows_.comm, rows_.local(), kept_rank(), settings_.center);
  run_incremental(svd, reader.count(), [&](Index first, Index count) { return reader.read(first, count); },
                  fmt::format("the {} x {} snapshots of {}", reader.n(), reader.count(), reader.path()));
}

void Pod::append_stream(const SnapshotReader& reader) {
  if (settings_.svd != "incremental" || modes_.cols() == 0)
    throw Error("POD: only an incremental POD (-pod_svd incremental) can take more snapshots; this one is " +
                settings_.svd);
  if (reader.n() != rows_.global)
    throw Error(fmt::format("POD: {} has states of {} values, the model {}", reader.path(), reader.n(), rows_.global));
  if (reader.count() == 0) throw Error(fmt::format("POD append: {} holds no snapshots", reader.path()));
  IncrementalSvd::State state{modes_, sigma_, mean_, count_, energy_, dropped_};
  IncrementalSvd svd(rows_.comm, std::move(state), std::max<int>(kept_rank(), int(modes_.cols())), settings_.center);
  run_incremental(svd, reader.count(), [&](Index first, Index count) { return reader.read(first, count); },
                  fmt::format("{} snapshots, the last {} from {}", count_ + reader.count(), reader.count(),
                              reader.path()));
}

void Pod::fit(const SnapshotView& train) {
  train.validate("POD fit");
  if (train.count() == 0 || train.n() == 0) throw Error("POD fit: the snapshot set is empty");
  if (settings_.latent_dim < 0) throw Error(fmt::format("POD: latent dimension must be >= 0, got {}", settings_.latent_dim));
  rows_ = train.rows;
  warnings_ = find_degenerate_snapshots(train.X, rows_);

  if (settings_.svd == "incremental") {
    IncrementalSvd svd(rows_.comm, rows_.local(), kept_rank(), settings_.center);
    run_incremental(svd, train.count(), [&](Index first, Index count) { return train.X.middleCols(first, count); },
                    fmt::format("a {} x {} snapshot matrix", train.n(), train.count()));
    return;
  }
  modes_.resize(0, 0);
  // The exact route factors a working copy in place, centred or not; the randomized route
  // reads the states where they are (a caller's array: no copy) unless it centres them.
  Matrix X;
  if (settings_.center) {
    mean_ = train.X.rowwise().mean();
    X = train.X.colwise() - mean_;
  } else {
    mean_.resize(0);
    if (settings_.svd != "randomized") X = train.X;
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
    RandomizedSvd rsvd = randomized_svd(settings_.center ? MatrixView(X) : train.X, rows_.comm, rs);
    svd = std::move(rsvd.svd);
    sigma_error_bound_ = rsvd.sigma_error_bound;
    sigma_change_ = rsvd.sigma_change;
    sketch_residual_ = rsvd.residual;
  } else if (settings_.svd == "exact") {
    // The leading r left singular vectors only, once σ has chosen r: O(mNr), not O(mN²).
    const DistributedSvd exact(std::move(X), rows_.comm);
    sigma_ = exact.sigma();
    basis_ = exact.left_vectors(leading_count("POD", fmt::format("a {} x {} snapshot matrix", train.n(), train.count())));
    return;
  } else {
    throw Error(fmt::format("POD: unknown SVD route '{}' (exact, randomized, incremental)", settings_.svd));
  }
  sigma_ = svd.sigma;
  keep_leading(svd.U, "POD", fmt::format("a {} x {} snapshot matrix", train.n(), train.count()));
}

void Pod::keep_leading(const Matrix& U, const std::string& who, const std::string& matrix) {
  basis_ = U.leftCols(leading_count(who, matrix));
}

int Pod::leading_count(const std::string& who, const std::string& matrix) {
  const int available = static_cast<int>(sigma_.size());
  const int r = settings_.latent_dim > 0 ? settings_.latent_dim : rank_for_energy(sigma_, settings_.energy);
  if (r > available)
    throw Error(fmt::format("{}: latent dimension {} exceeds the {} singular values of {}", who, r, available, matrix));
  if (sigma_(r - 1) <= sigma_(0) * 1e-14)
    warnings_.push_back(fmt::format("singular value {} is {:.3e} of the largest: basis vectors beyond the "
                                    "numerical rank carry no information",
                                    r, sigma_(r - 1) / sigma_(0)));
  return r;
}

double Pod::captured_energy() const {
  // ‖X‖_F²: every σ² (exact route), the computed ones plus the sketch's residual
  // (randomized), or the running sum of the snapshots' (incremental).
  const double total =
      settings_.svd == "incremental" ? energy_ : sigma_.squaredNorm() + sketch_residual_ * sketch_residual_;
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
  if (settings_.svd == "incremental") {
    a.set("oversampling", settings_.oversampling);
    a.set("incremental_rank", settings_.incremental_rank);
    a.set("kept_modes", static_cast<long long>(modes_.cols()));
    a.set("block_columns", static_cast<long long>(block_used_));
    a.set("block_columns_requested", settings_.block_columns);
    a.set("blocks", blocks_);
    a.set("memory_mb", settings_.memory_mb);
    a.set("count", count_);
    a.set("energy", energy_);
    a.set("dropped_sigma", dropped_);
  }
  g.write_attributes(a);
  g.write_rows("basis", basis_, rows_);
  // The kept modes beyond r: what an append continues from.
  if (settings_.svd == "incremental") g.write_rows("modes_tail", Matrix(modes_.rightCols(modes_.cols() - basis_.cols())), rows_);
  if (mean_.size()) g.write_rows("mean", Matrix(mean_), rows_);
  g.write_vector("singular_values", sigma_);
}

void Pod::load(const h5::Group& g, const RowPartition& rows) {
  const Attributes a = g.read_attributes();
  const int r = a.get_count("latent_dim", g.where(), 1);
  settings_.center = a.get_int("centered", g.where()) != 0;
  settings_.energy = a.get_double("energy_requested", g.where());
  settings_.latent_dim = a.get_count("latent_dim_requested", g.where());
  // Files written before the randomized route have no "svd": exact.
  settings_.svd = a.has("svd") ? a.get_string("svd", g.where()) : "exact";
  sigma_error_bound_ = sketch_residual_ = sigma_change_ = 0;
  if (settings_.svd == "randomized") {
    settings_.oversampling = a.get_count("oversampling", g.where());
    settings_.power_iterations = a.get_count("power_iterations", g.where());
    settings_.seed = a.get_int("seed", g.where());
    sigma_error_bound_ = a.get_double("sigma_error_bound", g.where());
    sigma_change_ = a.get_double("sigma_change", g.where());
    sketch_residual_ = a.get_double("sketch_residual", g.where());
  } else if (settings_.svd != "exact" && settings_.svd != "incremental") {
    throw Error(fmt::format("{}: unknown SVD route '{}' (exact, randomized, incremental)", g.where(), settings_.svd));
  }
  rows_ = rows;
  basis_ = g.read_rows("basis", rows, r);
  mean_ = settings_.center ? Vector(g.read_rows("mean", rows, 1).col(0)) : Vector();
  sigma_ = g.read_vector("singular_values");
  if (sigma_.size() < r) throw Error(fmt::format("{}: fewer singular values than r = {}", g.where("singular_values"), r));
  modes_.resize(0, 0);
  if (settings_.svd == "incremental") {
    settings_.oversampling = a.get_count("oversampling", g.where());
    settings_.incremental_rank = a.get_count("incremental_rank", g.where());
    settings_.memory_mb = a.get_double("memory_mb", g.where());
    block_used_ = a.get_int("block_columns", g.where());
    settings_.block_columns = a.get_count("block_columns_requested", g.where());
    blocks_ = a.get_int("blocks", g.where());
    count_ = a.get_int("count", g.where());
    energy_ = a.get_double("energy", g.where());
    dropped_ = a.get_double("dropped_sigma", g.where());
    const long long k = a.get_int("kept_modes", g.where());
    if (k != sigma_.size() || k < r || count_ < 1 || !(energy_ >= 0))
      throw Error(fmt::format("{}: an incremental POD of {} kept modes, {} singular values, r = {}, {} snapshots and "
                              "energy {} does not fit together",
                              g.where(), k, sigma_.size(), r, count_, energy_));
    modes_.resize(basis_.rows(), k);
    modes_ << basis_, g.read_rows("modes_tail", rows, k - r);
  }
  warnings_.clear();
}

void Pod::view(std::ostream& os) const {
  if (settings_.svd == "incremental")
    os << fmt::format("POD: r = {}, {}centered, captured energy {:.10f}; incremental SVD of {} snapshots ({} modes "
                      "kept, {} block(s) of up to {} columns{}); largest σ dropped {:.3e} ({:.1e} of σ_1)\n",
                      latent_dim(), settings_.center ? "" : "not ", captured_energy(), count_, modes_.cols(), blocks_,
                      block_used_, settings_.block_columns > 0 ? "" : fmt::format(", -pod_memory_mb {}", settings_.memory_mb),
                      dropped_, sigma_.size() ? dropped_ / sigma_(0) : 0.0);
  else if (settings_.svd == "randomized")
    os << fmt::format("POD: r = {}, {}centered, randomized SVD (p = {}, q = {}, seed {}): σ_1..σ_r estimated "
                      "error {:.1e} (change over the last subspace iteration), bound {:.1e}; sketch residual "
                      "‖X − QQᵀX‖_F = {:.3e}\n",
                      latent_dim(), settings_.center ? "" : "not ", settings_.oversampling, settings_.power_iterations,
                      settings_.seed, sigma_change_, sigma_error_bound_, sketch_residual_);
  else
    os << fmt::format("POD: r = {}, {}centered, captured energy {:.10f}\n", latent_dim(), settings_.center ? "" : "not ",
                      captured_energy());
  view_leading_singular_values(os, sigma_);
}

void view_leading_singular_values(std::ostream& os, const Vector& sigma, const std::string& of) {
  os << "  leading singular values" << of << ":";
  for (Index k = 0; k < std::min<Index>(sigma.size(), 10); ++k) os << fmt::format(" {:.6e}", sigma(k));
  os << "\n";
}

}  // namespace metarom
