#pragma once
// Proper orthogonal decomposition (docs/methods.md, "POD"): X - x̄1ᵀ = UΣVᵀ, encode
// u = U_rᵀ(x - x̄), decode x̄ + U_r u. r is fixed or the smallest r whose energy
// Σ_{k≤r} σ_k² reaches a fraction of Σ_k σ_k² (energy is σ², not σ).
#include <string>
#include <vector>

#include "metarom/reducers/reducer.hpp"

namespace metarom {

class Pod : public Reducer {
 public:
  struct Settings {
    int latent_dim = 0;      // r; 0 chooses r by `energy`
    double energy = 0.9999;  // energy fraction for choosing r
    bool center = false;     // subtract the snapshot mean x̄ first
    // The SVD route: "exact" (TSQR, every singular value) or "randomized" (the r leading
    // triplets from a sketch of r + oversampling columns and power_iterations steps of
    // subspace iteration; needs r given). randomized_svd.hpp.
    std::string svd = "exact";
    int oversampling = 10;
    int power_iterations = 2;
    long long seed = 0;
  };

  std::string type() const override { return "pod"; }
  void fit(const SnapshotSet& train) override;

  Matrix encode(const Matrix& X) const override;
  Matrix decode(const Matrix& U) const override;
  Matrix decoder_jacobian(const Vector& u) const override;
  bool affine_decoder() const override { return true; }
  int latent_dim() const override { return static_cast<int>(basis_.cols()); }
  void set_latent_dim(int r) override { settings_.latent_dim = r; }

  void save(h5::Group& g) const override;
  void load(const h5::Group& g, const RowPartition& rows) override;
  void view(std::ostream& os) const override;

  Settings& settings() { return settings_; }
  const Matrix& basis() const { return basis_; }  // local rows of U_r
  const Vector& mean() const { return mean_; }    // local rows of x̄ (empty when not centered)
  // Descending: all of them (exact route), the r + p computed ones (randomized).
  const Vector& singular_values() const { return sigma_; }
  // Randomized route: the a posteriori bound on the relative error of σ_1 … σ_r and the
  // residual ‖X − QQᵀX‖_F (randomized_svd.hpp); 0 for the exact route.
  double sigma_error_bound() const { return sigma_error_bound_; }
  double sigma_change() const { return sigma_change_; }  // the estimate (NaN when q = 0)
  double sketch_residual() const { return sketch_residual_; }
  double captured_energy() const;                 // Σ_{k≤r} σ_k² / Σ_k σ_k²
  // Zero and duplicate snapshots found by fit(): reported, never dropped.
  const std::vector<std::string>& warnings() const { return warnings_; }

 protected:
  // With sigma_ set to the singular values and U to the left singular vectors: keeps the
  // leading r columns as the basis (r given, or chosen by energy), refusing an r beyond the
  // computed σ of `matrix` (named in the message after `who`) and warning when σ_r lies below
  // the numerical rank.
  void keep_leading(const Matrix& U, const std::string& who, const std::string& matrix);
  // -<prefix>pod_energy, -<prefix>pod_center, -<prefix>pod_svd exact|randomized,
  // -<prefix>pod_oversampling, -<prefix>pod_power_iterations, -<prefix>pod_seed
  void read_options(const std::string& prefix) override;
  int latent_dim_setting() const override { return settings_.latent_dim; }
  Settings settings_;
  Matrix basis_;
  Vector mean_, sigma_;
  double sigma_error_bound_ = 0, sketch_residual_ = 0, sigma_change_ = 0;
  std::vector<std::string> warnings_;
};

// Smallest r with Σ_{k≤r} σ_k² ≥ fraction · Σ_k σ_k².
int rank_for_energy(const Vector& sigma, double fraction);

}  // namespace metarom
