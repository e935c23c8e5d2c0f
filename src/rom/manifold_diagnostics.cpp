#include "metarom/rom/manifold_diagnostics.hpp"

#include <fmt/format.h>

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>

#include "metarom/error.hpp"
#include "metarom/io/row_partition.hpp"
#include "metarom/rom/learned_dynamics.hpp"
#include "metarom/rom/manifold_rom.hpp"

namespace metarom {

std::pair<double, double> decoder_jacobian_extremes(const Reducer& reducer, const Vector& u) {
  const Matrix J = reducer.decoder_jacobian(u);
  Matrix G = J.transpose() * J;  // r x r; σ_i(J)² are its eigenvalues
  allreduce_sum(reducer.rows().comm, G.data(), G.size());
  const Vector lambda = Eigen::SelfAdjointEigenSolver<Matrix>(G, Eigen::EigenvaluesOnly).eigenvalues();
  // Round-off can leave the smallest eigenvalue of a singular JᵀJ slightly negative.
  return {std::sqrt(std::max(lambda(0), 0.0)), std::sqrt(std::max(lambda(lambda.size() - 1), 0.0))};
}

ManifoldDiagnostics manifold_diagnostics(const Reducer& reducer, const Matrix& U, const Vector& t,
                                         const Matrix& R) {
  const Index K = U.cols(), r = U.rows();
  if (t.size() != K) throw Error(fmt::format("manifold diagnostics: {} times for {} latent states", t.size(), K));
  if (R.cols() < K) throw Error(fmt::format("manifold diagnostics: {} reference codes for {} latent states", R.cols(), K));
  if (r != reducer.latent_dim() || R.rows() != r)
    throw Error(fmt::format("manifold diagnostics: latent states of dimension {} and codes of dimension {}, the "
                            "reducer's is {}",
                            r, R.rows(), reducer.latent_dim()));
  ManifoldDiagnostics d;
  d.t = t;
  const Vector mean = R.rowwise().mean();
  const Matrix centred = R.colwise() - mean;
  d.latent_scale = (centred.array().square().rowwise().sum() / static_cast<double>(R.cols())).sqrt();
  d.rho = std::sqrt(centred.colwise().squaredNorm().mean());
  // A reference that does not move (a steady state) has no spread to measure against.
  const double rho = d.rho > 0 ? d.rho : 1.0;
  const Matrix reencoded = reducer.encode(reducer.decode(U));
  d.sigma_min.resize(K);
  d.sigma_max.resize(K);
  d.reference_sigma_min.resize(K);
  d.reference_sigma_max.resize(K);
  d.offset.resize(K);
  d.reach.resize(K);
  d.reencode.resize(K);
  for (Index k = 0; k < K; ++k) {
    std::tie(d.sigma_min(k), d.sigma_max(k)) = decoder_jacobian_extremes(reducer, U.col(k));
    std::tie(d.reference_sigma_min(k), d.reference_sigma_max(k)) = decoder_jacobian_extremes(reducer, R.col(k));
    d.offset(k) = (U.col(k) - R.col(k)).norm() / rho;
    d.reach(k) = std::sqrt((R.colwise() - U.col(k)).colwise().squaredNorm().minCoeff()) / rho;
    d.reencode(k) = (reencoded.col(k) - U.col(k)).norm() / rho;
  }
  return d;
}

VelocityConsistency velocity_consistency(const Reducer& reducer, const LatentDynamics& g, const FullOrderModel& model,
                                         const SnapshotSet& reference, const Matrix& R) {
  const MPI_Comm comm = reducer.rows().comm;
  if (g.dim() != reducer.latent_dim())
    throw Error(fmt::format("velocity consistency: a latent vector field of dimension {}, the reducer's is {}", g.dim(),
                            reducer.latent_dim()));
  if (R.cols() != reference.count() || R.rows() != reducer.latent_dim())
    throw Error(fmt::format("velocity consistency: {} x {} codes for {} states of latent dimension {}", R.rows(),
                            R.cols(), reference.count(), reducer.latent_dim()));
  const Matrix V = finite_difference_velocities(R, reference.t);
  const Index K = R.cols();
  VelocityConsistency c;
  c.t = reference.t;
  c.velocity_rms = std::sqrt(V.colwise().squaredNorm().mean());
  const double scale = c.velocity_rms > 0 ? c.velocity_rms : 1.0;
  c.rom_defect.resize(K);
  c.state_defect.resize(K);
  for (Index k = 0; k < K; ++k) {
    const Vector u = R.col(k);
    c.rom_defect(k) = (g.rhs(reference.t(k), u) - V.col(k)).norm() / scale;
    // J⁺f(x_k) from the normal equations summed over the ranks, solved as manifold Galerkin
    // solves them (the minimum-norm solution also where J loses rank).
    const Matrix J = reducer.decoder_jacobian(u);
    const Matrix f = model.rhs(reference.t(k), reference.X.col(k));
    Matrix N(J.cols(), J.cols() + 1);
    N.leftCols(J.cols()) = J.transpose() * J;
    N.rightCols(1) = J.transpose() * f;
    allreduce_sum(comm, N.data(), N.size());
    const Vector projected = pseudo_inverse_solve(N.leftCols(J.cols()), N.rightCols(1), "velocity consistency");
    c.state_defect(k) = (projected - V.col(k)).norm() / scale;
  }
  return c;
}

namespace {
Vector conditioning(const Vector& smin, const Vector& smax) {
  Vector c(smin.size());
  for (Index k = 0; k < smin.size(); ++k) c(k) = ManifoldDiagnostics::cond(smin(k), smax(k));
  return c;
}
}  // namespace

Vector ManifoldDiagnostics::conditioning() const { return metarom::conditioning(sigma_min, sigma_max); }

Vector ManifoldDiagnostics::reference_conditioning() const {
  return metarom::conditioning(reference_sigma_min, reference_sigma_max);
}

double ManifoldDiagnostics::max_cond() const { return count() ? conditioning().maxCoeff() : 0.0; }

double ManifoldDiagnostics::max_reference_cond() const { return count() ? reference_conditioning().maxCoeff() : 0.0; }

double ManifoldDiagnostics::max_reach() const { return count() ? reach.maxCoeff() : 0.0; }

double ManifoldDiagnostics::first_time_beyond(double level) const {
  for (Index k = 0; k < count(); ++k)
    if (reach(k) > level) return t(k);
  return std::numeric_limits<double>::quiet_NaN();
}

}  // namespace metarom
