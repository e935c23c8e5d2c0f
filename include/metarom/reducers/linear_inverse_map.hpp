#pragma once
// The optimal low-rank inverse map (Chung; Friedland–Torokhti; docs/methods.md): for
// observations b = Ax + ε of states x with second moment Γ = E xxᵀ and white noise ε of
// variance η² per entry, the rank-ℓ linear map Z minimizing the Bayes risk E‖Zb − x‖²,
// Z = [C P_K]_ℓ K⁺ with K = [AB, ηI], C = [B, 0] (optimal_low_rank_map.hpp), stored as
// x̂ = W_ℓ (Q b): an encoder Q from observations to ℓ coordinates and a decoder W_ℓ with
// orthonormal columns.
//
// Fitted from N pairs (x_i, b_i): the prior is their empirical second moment, B = X/√N, and
// AB = B_obs/√N. With η = 0 this is the empirical minimizer of Σ‖Zb_i − x_i‖² (noisy pairs
// carry their noise themselves); with η > 0 the pairs are noise-free images Ax_i and the
// noise enters the risk analytically (no sampled noise, no Monte Carlo error).
//
// Unlike a Reducer, it maps observations (m values) to states (n values), so it lives in
// its own file kind, "inverse_map" (data/FORMAT.md), not in model files.
#include <ostream>
#include <string>

#include "metarom/io/attributes.hpp"
#include "metarom/io/row_partition.hpp"
#include "metarom/io/snapshots.hpp"
#include "metarom/types.hpp"

namespace metarom {

class LinearInverseMap {
 public:
  struct Settings {
    int rank = 0;        // ℓ; 0: the smallest ℓ whose Σ_{k≤ℓ} σ_k² reaches `energy` of Σ σ_k²
    double energy = 0.9999;
    double noise = 0.0;  // η, the noise standard deviation per observed value (absolute)
    // Pairs from one snapshot file: b_i = x_{i+lag} (the state `lag` snapshots later).
    int lag = 1;
    // Pairs from two files: column i of this file observes snapshot i of the training file.
    std::string observations;
    // Throws on a value out of range, naming its option under -<prefix>.
    void check(const std::string& prefix = "") const;
  };

  // -<prefix>inverse_noise -<prefix>inverse_lag -<prefix>inverse_observations FILE
  // -<prefix>inverse_energy (the rank is the program's -r)
  void set_from_options(const std::string& prefix = "");
  const Settings& settings() const { return settings_; }
  void set_settings(const Settings& s);  // refuses values out of range (Settings::check)

  // X: local rows of the states (n x N, split as x_rows); AX: local rows of their
  // observations (m x N, split as b_rows, on the same communicator).
  void fit(const Matrix& X, const RowPartition& x_rows, const Matrix& AX, const RowPartition& b_rows);

  Matrix encode(const Matrix& Bobs) const;  // local rows of m x N -> ℓ x N (replicated)
  Matrix decode(const Matrix& U) const;     // ℓ x N -> local rows of n x N
  Matrix apply(const Matrix& Bobs) const { return decode(encode(Bobs)); }

  int rank() const { return static_cast<int>(decoder_.cols()); }
  // The minimal Bayes risk per sample, E‖Zb − x‖² under the fitted prior and η.
  double risk() const { return risk_; }
  double prior_energy() const { return prior_energy_; }  // E‖x‖² under the fitted prior
  bool unique() const { return unique_; }
  const Vector& singular_values() const { return sigma_; }      // of C P_K
  const Vector& observation_singular_values() const { return k_sigma_; }  // of AB used
  const RowPartition& state_rows() const { return x_rows_; }
  const RowPartition& observation_rows() const { return b_rows_; }
  const std::vector<std::string>& warnings() const { return warnings_; }

  void view(std::ostream& os) const;
  // File kind "inverse_map": the map, and what it was fitted on.
  void save(const std::string& path, const SnapshotSet& train, const std::string& training_file,
            double fit_seconds) const;
  static LinearInverseMap load(const std::string& path, MPI_Comm comm);

 private:
  Settings settings_;
  RowPartition x_rows_, b_rows_;
  Matrix decoder_, encoder_t_;
  Vector sigma_, k_sigma_;
  double risk_ = 0, prior_energy_ = 0;
  bool unique_ = true;
  std::vector<std::string> warnings_;
};

// The pairs the settings name, from a training snapshot set split as `train.rows`:
// (x_i, x_{i+lag}) from the set itself, or (x_i, column i of the observations file).
// X and AX are returned as local rows.
void inverse_map_pairs(const LinearInverseMap::Settings& s, const SnapshotView& train, Matrix& X, Matrix& AX,
                       RowPartition& b_rows);

}  // namespace metarom
