#pragma once
// Proper orthogonal decomposition (docs/methods.md, "POD"): X - x̄1ᵀ = UΣVᵀ, encode
// u = U_rᵀ(x - x̄), decode x̄ + U_r u. r is fixed or the smallest r whose energy
// Σ_{k≤r} σ_k² reaches a fraction of Σ_k σ_k² (energy is σ², not σ).
#include <functional>
#include <string>
#include <vector>

#include "metarom/io/snapshot_reader.hpp"
#include "metarom/linalg/incremental_svd.hpp"

#include "metarom/reducers/reducer.hpp"

namespace metarom {

class Pod : public Reducer {
 public:
  struct Settings {
    int latent_dim = 0;      // r; 0 chooses r by `energy`
    double energy = 0.9999;  // energy fraction for choosing r
    bool center = false;     // subtract the snapshot mean x̄ first
    // The SVD route: "exact" (TSQR, every singular value), "randomized" (the r leading
    // triplets from a sketch of r + oversampling columns and power_iterations steps of
    // subspace iteration; needs r given; randomized_svd.hpp) or "incremental" (Brand's
    // streaming update over blocks of columns, keeping incremental_rank modes;
    // incremental_svd.hpp): the snapshots need never be in memory at once.
    std::string svd = "exact";
    int oversampling = 10;
    int power_iterations = 2;
    long long seed = 0;
    // Incremental: modes kept (0: r + oversampling when r is given, else 50), columns per
    // block (0: the most that memory_mb per rank allows, block_columns_for()).
    int incremental_rank = 0;
    int block_columns = 0;
    double memory_mb = 1024;
    // Throws on a value out of range, naming its option under -<prefix>.
    void check(const std::string& prefix = "") const;
  };

  ReducerKind kind() const override { return ReducerKind::pod; }
  void fit(const SnapshotView& train) override;
  // The incremental route over a file read block by block: memory bounded by the block, not
  // by the set. Any route's settings other than incremental are refused.
  void fit_stream(const SnapshotReader& reader);
  // Continues a fitted (or loaded) incremental POD with the snapshots of another file, as if
  // they had followed the earlier ones in one run.
  void append_stream(const SnapshotReader& reader);
  // Columns per block for states of local_rows rows on this rank (agreed over comm): the
  // setting, or the most that fit memory_mb beside the kept modes (about 8 bytes ×
  // local_rows × (3k + 4b + 2) held at once). Throws when not even one column fits.
  Index block_columns_for(Index local_rows, MPI_Comm comm) const;

  Matrix encode(const Matrix& X) const override;
  Matrix decode(const Matrix& U) const override;
  Matrix decoder_jacobian(const Vector& u) const override;
  bool affine_decoder() const override { return true; }
  bool chooses_latent_dim_by_energy() const override { return true; }
  int latent_dim() const override { return static_cast<int>(basis_.cols()); }
  void set_latent_dim(int r) override { settings_.latent_dim = r; }

  void save(h5::Group& g) const override;
  void load(const h5::Group& g, const RowPartition& rows) override;
  void view(std::ostream& os) const override;
  std::string settings_summary() const override { return settings_.center ? "centred" : "not centred"; }

  const Settings& settings() const { return settings_; }
  // Takes effect at the next fit(); refuses values out of range (Settings::check).
  void set_settings(const Settings& s);
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
  // Incremental route: every kept mode (the basis is the leading r), the snapshots seen,
  // ‖X − x̄1ᵀ‖_F² exactly, the largest σ dropped by truncation, and the blocks the last
  // fit or append read.
  const Matrix& modes() const { return modes_; }
  long long incremental_count() const { return count_; }
  double incremental_energy() const { return energy_; }
  double dropped_sigma() const { return dropped_; }
  long long blocks_read() const { return blocks_; }
  Index block_columns_used() const { return block_used_; }
  // Zero and duplicate snapshots found by fit(): reported, never dropped.
  const std::vector<std::string>& warnings() const { return warnings_; }

 protected:
  // With sigma_ set to the singular values and U to the left singular vectors: keeps the
  // leading r columns as the basis (r given, or chosen by energy), refusing an r beyond the
  // computed σ of `matrix` (named in the message after `who`) and warning when σ_r lies below
  // the numerical rank.
  void keep_leading(const Matrix& U, const std::string& who, const std::string& matrix);
  // r (-r, or chosen by -pod_energy from σ), checked against the singular values available.
  int leading_count(const std::string& who, const std::string& matrix);
  // -<prefix>pod_energy, -<prefix>pod_center, -<prefix>pod_svd exact|randomized|incremental,
  // -<prefix>pod_oversampling, -<prefix>pod_power_iterations, -<prefix>pod_seed,
  // -<prefix>pod_incremental_rank, -<prefix>pod_block_columns, -<prefix>pod_memory_mb
  void read_options(const std::string& prefix) override;
  int latent_dim_setting() const override { return settings_.latent_dim; }
  Settings settings_;
  Matrix basis_;
  Vector mean_, sigma_;
  // The incremental route's state (modes_ empty for the other routes).
  Matrix modes_;
  long long count_ = 0, blocks_ = 0;
  double energy_ = 0, dropped_ = 0;
  Index block_used_ = 0;
  int kept_rank() const;
  // Runs the incremental update over N columns read by `read(first, count)`, from `svd`.
  void run_incremental(IncrementalSvd& svd, Index N, const std::function<Matrix(Index, Index)>& read,
                       const std::string& what);
  double sigma_error_bound_ = 0, sketch_residual_ = 0, sigma_change_ = 0;
  std::vector<std::string> warnings_;
};

// "  leading singular values<of>: σ_1 … σ_10" on one line, as the linear reducers' views show them.
void view_leading_singular_values(std::ostream& os, const Vector& sigma, const std::string& of = "");

// Smallest r with Σ_{k≤r} σ_k² ≥ fraction · total, total = Σ_k σ_k² unless given (the
// incremental route knows ‖X‖_F² beyond its kept σ; then 0 when the σ given fall short).
int rank_for_energy(const Vector& sigma, double fraction, double total = -1);

}  // namespace metarom
