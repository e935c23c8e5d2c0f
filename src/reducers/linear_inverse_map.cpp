#include "metarom/reducers/linear_inverse_map.hpp"

#include <fmt/format.h>
#include <petscsys.h>

#include <cmath>

#include "metarom/error.hpp"
#include "metarom/io/file_schema.hpp"
#include "metarom/io/hdf5_file.hpp"
#include "metarom/io/petsc_handle.hpp"
#include "metarom/linalg/optimal_low_rank_map.hpp"
#include "metarom/reducers/reducer_file.hpp"
#include "metarom/reducers/pod.hpp"

namespace metarom {

namespace {
PetscErrorCode inverse_options(const char* prefix, LinearInverseMap::Settings* s) {
  PetscReal noise = s->noise, energy = s->energy;
  PetscInt lag = s->lag;
  char path[PETSC_MAX_PATH_LEN];
  PetscBool set = PETSC_FALSE;
  PetscFunctionBeginUser;
  PetscOptionsBegin(PETSC_COMM_WORLD, prefix, "Optimal low-rank inverse map", "LinearInverseMap");
  PetscCall(PetscOptionsReal("-inverse_noise", "Noise standard deviation eta per observed value (absolute)",
                             "LinearInverseMap", noise, &noise, nullptr));
  PetscCall(PetscOptionsReal("-inverse_energy", "Energy fraction of sigma(C P_K)^2 that chooses the rank when -r is not given",
                             "LinearInverseMap", energy, &energy, nullptr));
  PetscCall(PetscOptionsInt("-inverse_lag", "Pairs (x_i, x_(i+lag)) from the training file", "LinearInverseMap", lag,
                            &lag, nullptr));
  PetscCall(PetscOptionsString("-inverse_observations",
                               "Snapshot file whose column i observes training snapshot i (instead of the lag)",
                               "LinearInverseMap", s->observations.c_str(), path, sizeof path, &set));
  PetscOptionsEnd();
  s->noise = noise;
  s->energy = energy;
  s->lag = static_cast<int>(lag);
  if (set) s->observations = path;
  PetscFunctionReturn(0);
}
}  // namespace

void LinearInverseMap::set_from_options(const std::string& prefix) {
  METAROM_PETSC(inverse_options(petsc_prefix(prefix), &settings_));
  settings_.check(prefix);
}

void LinearInverseMap::set_settings(const Settings& s) {
  s.check();
  settings_ = s;
}

void LinearInverseMap::Settings::check(const std::string& prefix) const {
  if (rank < 0) throw Error(fmt::format("inverse map: the rank must be >= 0 (0: by energy), got {}", rank));
  if (!(energy > 0.0 && energy <= 1.0))
    throw Error(fmt::format("-{}inverse_energy must lie in (0, 1], got {}", prefix, energy));
  if (!(noise >= 0.0) || !std::isfinite(noise))
    throw Error(fmt::format("-{}inverse_noise must be finite and >= 0, got {}", prefix, noise));
  if (lag < 1) throw Error(fmt::format("-{}inverse_lag must be >= 1, got {}", prefix, lag));
}

void inverse_map_pairs(const LinearInverseMap::Settings& s, const SnapshotView& train, Matrix& X, Matrix& AX,
                       RowPartition& b_rows) {
  if (!s.observations.empty()) {
    const SnapshotSet obs = read_snapshots(s.observations, train.rows.comm);
    if (obs.count() != train.count())
      throw Error(fmt::format("{} holds {} observations, the training file {} states: column i must observe state i",
                              s.observations, obs.count(), train.count()));
    X = train.X;
    AX = obs.X;
    b_rows = obs.rows;
    return;
  }
  if (s.lag >= train.count())
    throw Error(fmt::format("-inverse_lag {} leaves no pairs in {} snapshots", s.lag, train.count()));
  const Index N = train.count() - s.lag;
  X = train.X.leftCols(N);
  AX = train.X.rightCols(N);
  b_rows = train.rows;
}

void LinearInverseMap::fit(const Matrix& X, const RowPartition& x_rows, const Matrix& AX, const RowPartition& b_rows) {
  if (X.rows() != x_rows.local() || AX.rows() != b_rows.local())
    throw Error(fmt::format("inverse map fit: {} and {} local rows for partitions of {} and {}", X.rows(), AX.rows(),
                            x_rows.local(), b_rows.local()));
  if (X.cols() == 0) throw Error("inverse map fit: no pairs");
  if (settings_.rank < 0) throw Error(fmt::format("inverse map: rank must be >= 0, got {}", settings_.rank));
  if (!every_rank(x_rows.comm, X.allFinite() && AX.allFinite()))
    throw Error("inverse map fit: the pairs hold NaN or Inf");
  x_rows_ = x_rows;
  b_rows_ = b_rows;
  // Expectations over the N pairs: B = X/√N, AB = AX/√N.
  const double scale = 1.0 / std::sqrt(static_cast<double>(X.cols()));
  OptimalLowRankMap map = optimal_low_rank_map(X * scale, AX * scale, settings_.noise, 0, x_rows.comm);
  const int ell = settings_.rank > 0 ? settings_.rank : rank_for_energy(map.sigma, settings_.energy);
  truncate(map, ell);
  decoder_ = std::move(map.decoder);
  encoder_t_ = std::move(map.encoder_t);
  sigma_ = map.sigma;
  k_sigma_ = map.k_sigma;
  risk_ = map.risk;
  prior_energy_ = map.c_norm2;
  unique_ = map.unique;
  warnings_.clear();
  if (!unique_)
    warnings_.push_back(fmt::format("σ_{} and σ_{} of C P_K are equal within {:.0e}·σ_1: the optimal rank-{} map is "
                                    "not unique; the one returned is one of them",
                                    ell, ell + 1, tie_tolerance, ell));
}

Matrix LinearInverseMap::encode(const Matrix& Bobs) const {
  if (Bobs.rows() != encoder_t_.rows())
    throw Error(fmt::format("inverse map: observations have {} local rows, the map expects {}", Bobs.rows(),
                            encoder_t_.rows()));
  Matrix U = encoder_t_.transpose() * Bobs;
  allreduce_sum(b_rows_.comm, U.data(), U.size());
  return U;
}

Matrix LinearInverseMap::decode(const Matrix& U) const {
  if (U.rows() != decoder_.cols())
    throw Error(fmt::format("inverse map: latent vectors have {} entries, the rank is {}", U.rows(), decoder_.cols()));
  return decoder_ * U;
}

void LinearInverseMap::view(std::ostream& os) const {
  os << fmt::format("optimal low-rank inverse map (Friedland–Torokhti): rank {}, noise η = {:.3e}, {} directions of "
                    "AB used; Bayes risk E‖Zb − x‖² = {:.6e} per sample ({:.3e} of E‖x‖²){}\n",
                    rank(), settings_.noise, k_sigma_.size(), risk_, prior_energy_ > 0 ? risk_ / prior_energy_ : 0.0,
                    unique_ ? "" : "; NOT unique");
  view_leading_singular_values(os, sigma_, " of C P_K");
}

void LinearInverseMap::save(const std::string& path, const SnapshotSet& train, const std::string& training_file,
                            double fit_seconds) const {
  h5::File f = h5::File::create(path, x_rows_.comm);
  h5::write_header(f.root(), "inverse_map");
  h5::Group g = f.root().create_group("map");
  Attributes a;
  a.set("rank", rank());
  a.set("noise", settings_.noise);
  a.set("energy_requested", settings_.energy);
  a.set("rank_requested", settings_.rank);
  a.set("pairs", settings_.observations.empty() ? fmt::format("lag {}", settings_.lag)
                                                : "observations " + settings_.observations);
  a.set("risk", risk_);
  a.set("prior_energy", prior_energy_);
  a.set("unique", unique_ ? 1 : 0);
  a.set("n", x_rows_.global);
  a.set("m", b_rows_.global);
  g.write_attributes(a);
  g.write_rows("decoder", decoder_, x_rows_);
  g.write_rows("encoder_t", encoder_t_, b_rows_);
  g.write_vector("singular_values", sigma_);
  g.write_vector("observation_singular_values", k_sigma_);

  write_training_group(f.root(), train, training_file, fit_seconds);
  f.commit();
}

LinearInverseMap LinearInverseMap::load(const std::string& path, MPI_Comm comm) {
  h5::File f = h5::File::open(path, comm);
  h5::check_structure(f.root(), "inverse_map");
  const h5::Group g = f.root().open_group("map");
  const Attributes a = g.read_attributes();
  LinearInverseMap m;
  const long long n = a.get_int("n", g.where()), mm = a.get_int("m", g.where());
  const int ell = a.get_count("rank", g.where(), 1);
  if (n < 1 || mm < 1 || ell < 1 || ell > std::min(n, mm))
    throw Error(fmt::format("{}: sizes n = {}, m = {}, rank {} are not those of an inverse map", g.where(), n, mm, ell));
  m.settings_.noise = a.get_double("noise", g.where());
  m.settings_.energy = a.get_double("energy_requested", g.where());
  m.settings_.rank = a.get_count("rank_requested", g.where());
  m.risk_ = a.get_double("risk", g.where());
  m.prior_energy_ = a.get_double("prior_energy", g.where());
  m.unique_ = a.get_int("unique", g.where()) != 0;
  m.x_rows_ = RowPartition::split(comm, n);
  m.b_rows_ = RowPartition::split(comm, mm);
  m.decoder_ = g.read_rows("decoder", m.x_rows_, ell);
  m.encoder_t_ = g.read_rows("encoder_t", m.b_rows_, ell);
  m.sigma_ = g.read_vector("singular_values");
  m.k_sigma_ = g.read_vector("observation_singular_values");
  if (m.sigma_.size() < ell)
    throw Error(fmt::format("{}: fewer singular values than the rank {}", g.where("singular_values"), ell));
  return m;
}

}  // namespace metarom
