#pragma once
// The Bayes-risk linear autoencoder (Chung, Theorem 1; docs/methods.md): among linear maps
// A of rank ≤ ℓ, Â = U_ℓU_ℓᵀ minimizes the Bayes risk E‖(A − I)x‖² = ‖AB − B‖_F² for a
// second moment Γ = E xxᵀ = BBᵀ, with minimal risk Σ_{k>ℓ} σ_k(B)² (the squares: the
// seed's statement drops them) and encoder U_ℓᵀ, decoder U_ℓ.
//
// Two routes to B:
//   snapshots       B = X/√N, the empirical second moment's factor (Γ = XXᵀ/N; no Cholesky
//                   of an n × n matrix, which the theorem's "B square" does not need: the
//                   risk identity holds for any factor);
//   second moment   a given Γ (n × n, symmetric positive definite), B its Cholesky factor;
//                   dense and replicated, so for modest n.
// The minimizer is unique iff σ_ℓ > σ_{ℓ+1}; a tie (within tie_tolerance·σ_1) is reported as
// a warning and in the model file, and the returned U_ℓ is then one minimizer of many.
//
// It is POD of the factor B without centering (the uncentered second moment, not the
// covariance), so it shares POD's encode/decode, Galerkin path and file layout, and adds
// the Bayes risk, the route and the uniqueness flag.
#include "metarom/reducers/pod.hpp"

namespace metarom {

class LinearAutoencoder : public Pod {
 public:
  ReducerKind kind() const override { return ReducerKind::linear_ae; }
  bool chooses_latent_dim_by_energy() const override { return true; }
  // Snapshot route.
  void fit(const SnapshotView& train) override;
  // Second-moment route: Gamma replicated (n x n) on every rank of rows.comm.
  void fit_second_moment(const Matrix& Gamma, const RowPartition& rows);

  void save(h5::Group& g) const override;
  void load(const h5::Group& g, const RowPartition& rows) override;
  void view(std::ostream& os) const override;

  // Σ_{k>ℓ} σ_k(B)², the minimal Bayes risk (Theorem 1).
  double bayes_risk() const { return bayes_risk_; }
  bool unique() const { return unique_; }
  const std::string& route() const { return route_; }
  // -<prefix>linear_ae_second_moment FILE: Γ from the data set /second_moment of FILE.
  const std::string& second_moment_file() const { return second_moment_file_; }

 protected:
  // -<prefix>linear_ae_energy (r by the energy of σ(B)² when -r is not given),
  // -<prefix>linear_ae_second_moment FILE
  void read_options(const std::string& prefix) override;

 private:
  // With sigma_ = σ(B) and U its left singular vectors (local rows): r and U_ℓ as POD keeps
  // them, then the risk and the uniqueness report.
  void finish_fit(const Matrix& U, const std::string& matrix);
  double bayes_risk_ = 0;
  bool unique_ = true;
  std::string route_ = "snapshots", second_moment_file_;
};

}  // namespace metarom
