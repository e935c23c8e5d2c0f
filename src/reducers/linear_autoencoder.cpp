#include "metarom/reducers/linear_autoencoder.hpp"

#include <fmt/format.h>
#include <petscsys.h>

#include <Eigen/Cholesky>
#include <cmath>

#include "metarom/error.hpp"
#include "metarom/io/hdf5_file.hpp"
#include "metarom/io/petsc_handle.hpp"
#include "metarom/linalg/optimal_low_rank_map.hpp"
#include "metarom/linalg/svd.hpp"
#include "metarom/linalg/tsqr.hpp"

namespace metarom {

namespace {
PetscErrorCode linear_ae_options(const char* prefix, double* energy, std::string* file) {
  PetscReal e = *energy;
  char path[PETSC_MAX_PATH_LEN];
  PetscBool set = PETSC_FALSE;
  PetscFunctionBeginUser;
  PetscOptionsBegin(PETSC_COMM_WORLD, prefix, "Bayes-risk linear autoencoder", "Reducer");
  PetscCall(PetscOptionsReal("-linear_ae_energy", "Energy fraction of sigma(B)^2 that chooses r when -r is not given",
                             "LinearAutoencoder", e, &e, nullptr));
  PetscCall(PetscOptionsString("-linear_ae_second_moment",
                               "HDF5 file whose data set /second_moment (n x n, SPD) is Gamma; default: the "
                               "snapshots' second moment",
                               "LinearAutoencoder", file->c_str(), path, sizeof path, &set));
  PetscOptionsEnd();
  *energy = e;
  if (set) *file = path;
  PetscFunctionReturn(0);
}
}  // namespace

void LinearAutoencoder::read_options(const std::string& prefix) {
  METAROM_PETSC(linear_ae_options(petsc_prefix(prefix), &settings_.energy, &second_moment_file_));
}

void LinearAutoencoder::fit(const SnapshotView& train) {
  train.validate("linear-ae fit");
  if (train.count() == 0 || train.n() == 0) throw Error("linear-ae fit: the snapshot set is empty");
  if (!second_moment_file_.empty()) {
    h5::File f = h5::File::open(second_moment_file_, train.rows.comm);
    const Matrix Gamma = f.root().read_matrix("second_moment", train.n(), train.n());
    fit_second_moment(Gamma, train.rows);
    return;
  }
  if (settings_.latent_dim < 0)
    throw Error(fmt::format("linear-ae: latent dimension must be >= 0, got {}", settings_.latent_dim));
  rows_ = train.rows;
  settings_.center = false;
  mean_.resize(0);
  route_ = "snapshots";
  // Γ = XXᵀ/N = BBᵀ with B = X/√N (every snapshot an equally weighted sample of x).
  const DistributedSvd svd(train.X / std::sqrt(static_cast<double>(train.count())), rows_.comm);
  sigma_ = svd.sigma();
  const std::string matrix = fmt::format("B ({} values, {} snapshots)", train.n(), train.count());
  // Only the leading r left singular vectors are formed: O(nNr), not O(nN²).
  finish_fit(svd.left_vectors(leading_count("linear-ae", matrix)), matrix);
}

void LinearAutoencoder::fit_second_moment(const Matrix& Gamma, const RowPartition& rows) {
  if (Gamma.rows() != rows.global || Gamma.cols() != rows.global)
    throw Error(fmt::format("linear-ae: the second moment is {} x {}, the states have {} values", Gamma.rows(),
                            Gamma.cols(), rows.global));
  if (!Gamma.allFinite()) throw Error("linear-ae: the second moment holds NaN or Inf");
  if ((Gamma - Gamma.transpose()).cwiseAbs().maxCoeff() > 1e-12 * Gamma.cwiseAbs().maxCoeff())
    throw Error("linear-ae: the second moment is not symmetric (to 1e-12 of its largest entry)");
  Eigen::LLT<Matrix> llt(Gamma);
  if (llt.info() != Eigen::Success)
    throw Error("linear-ae: the second moment is not positive definite (its Cholesky factorization failed; "
                "Theorem 1 asks for Γ = BBᵀ with B of full row rank)");
  rows_ = rows;
  settings_.center = false;
  mean_.resize(0);
  route_ = "second_moment";
  // Replicated on every rank (the same deterministic SVD), each keeping its rows of U.
  const ThinSvd svd = thin_svd(Matrix(llt.matrixL()), SvdVectors::left);
  sigma_ = svd.sigma;
  finish_fit(svd.U.middleRows(rows.begin, rows.local()), fmt::format("B ({} values)", rows.global));
}

void LinearAutoencoder::finish_fit(const Matrix& U, const std::string& matrix) {
  warnings_.clear();
  keep_leading(U, "linear-ae", matrix);
  const int r = latent_dim();
  bayes_risk_ = sigma_.tail(sigma_.size() - r).squaredNorm();
  unique_ = !singular_value_tie(sigma_, r);
  if (!unique_)
    warnings_.push_back(fmt::format("σ_{} = {:.6e} and σ_{} = {:.6e} are equal within {:.0e}·σ_1: the optimal "
                                    "rank-{} autoencoder is not unique (Chung, Theorem 1); the one returned is "
                                    "U_ℓU_ℓᵀ for one choice of the tied singular vectors",
                                    r, sigma_(r - 1), r + 1, sigma_(r), tie_tolerance, r));
}

void LinearAutoencoder::save(h5::Group& g) const {
  Pod::save(g);
  Attributes a;
  a.set("route", route_);
  a.set("bayes_risk", bayes_risk_);
  a.set("unique", unique_ ? 1 : 0);
  g.write_attributes(a);
}

void LinearAutoencoder::load(const h5::Group& g, const RowPartition& rows) {
  Pod::load(g, rows);
  const Attributes a = g.read_attributes();
  route_ = a.get_string("route", g.where());
  if (route_ != "snapshots" && route_ != "second_moment")
    throw Error(fmt::format("{}: unknown route '{}' (snapshots, second_moment)", g.where(), route_));
  bayes_risk_ = a.get_double("bayes_risk", g.where());
  unique_ = a.get_int("unique", g.where()) != 0;
}

void LinearAutoencoder::view(std::ostream& os) const {
  os << fmt::format("Bayes-risk linear autoencoder (Chung, Theorem 1): ℓ = {}, Γ from the {}; minimal risk "
                    "E‖(Â − I)x‖² = Σ_(k>ℓ) σ_k(B)² = {:.6e} ({:.3e} of E‖x‖²){}\n",
                    latent_dim(), route_ == "snapshots" ? "snapshots (B = X/√N)" : "given second moment (Cholesky)",
                    bayes_risk_, sigma_.squaredNorm() > 0 ? bayes_risk_ / sigma_.squaredNorm() : 0.0,
                    unique_ ? "" : "; NOT unique: σ_ℓ = σ_(ℓ+1)");
  view_leading_singular_values(os, sigma_, " of B");
}

}  // namespace metarom
