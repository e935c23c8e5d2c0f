#pragma once
// The ℓ₁-regularized (sparse) autoencoder of Chung (4) and Gur, with single-layer encoder and
// decoder (Gur's experiment): E(x) = σ_e(W_e x + b_e), D(h) = σ_d(W_d h + b_d), σ sigmoid or
// the identity, latent size ℓ below or above n (overcomplete), trained on the batch mean of
//   ‖x − D(E(x))‖² + λ‖E(x)‖₁
// (Gur's sum over the batch divided by its size: the same minimizers, steps independent of
// the batch size) by
//   anamo  Gur's Alg. 1: per mini-batch, J_e FISTA steps on the encoder weights θ, then J_d
//          accelerated-gradient steps on the decoder weights φ (fista.hpp), separate steps e
//          and d (default 1/L, below). The prox of λg(θ) = λ mean‖E_θ(x)‖₁ over θ has no closed form (g is
//          composed with the network); Gur leaves it open. Our choice, Alg. 2's approach: K
//          iterations of (sub)gradient descent on the prox problem
//            min_y λ e g(y) + ½‖y − v‖²   from y = v, steps τ_i = 1/(i + 2),
//          keeping the iterate of least prox objective (never worse than v itself). For a
//          sigmoid encoder g is smooth (E > 0, ‖E‖₁ = ΣE) and these are plain gradient steps.
//   adam   the baseline: Adam on the same objective (the ℓ₁ term by its subgradient
//          sign(h), as automatic differentiation gives it).
// Distributed by rows like the states: W_e's columns and W_d's rows (and b_d) are split, one
// allreduce per encode and per backward pass.
#include <string>

#include "metarom/reducers/reducer.hpp"

namespace metarom {

class SparseAutoencoder : public Reducer {
 public:
  enum class Activation { sigmoid, identity };
  struct Settings {
    int latent_dim = 5;  // ℓ (may exceed n)
    double lambda = 1e-3;
    Activation encoder_activation = Activation::identity, decoder_activation = Activation::identity;
    std::string optimizer = "anamo";  // anamo | adam
    int epochs = 200;                 // passes over the set (ANAMO: outer iterations)
    int batch_size = 0;               // 0: the whole set
    int encoder_steps = 5, decoder_steps = 15;  // J_e, J_d
    // e, d; 0: 1/L per mini-batch, L the Lipschitz constant of the block's gradient for
    // identity layers (an upper bound for sigmoid ones, σ' ≤ 1/4): 2‖W_d‖₂² λ_max(mean x̃x̃ᵀ)
    // for the encoder, 2 λ_max(mean h̃h̃ᵀ) for the decoder (x̃, h̃ with a 1 appended).
    double encoder_step = 0, decoder_step = 0;
    int prox_iterations = 5;  // K, the encoder prox's inner iterations
    double learning_rate = 1e-3;  // Adam
    long long seed = 0;
    bool progress = false;
  };

  std::string type() const override { return "sparse-ae"; }
  void set_latent_dim(int r) override { settings_.latent_dim = r; }
  void set_progress(bool on) override { settings_.progress = on; }
  void fit(const SnapshotSet& train) override;

  Matrix encode(const Matrix& X) const override;
  Matrix decode(const Matrix& U) const override;
  Matrix decoder_jacobian(const Vector& u) const override;
  int latent_dim() const override { return settings_.latent_dim; }

  void save(h5::Group& g) const override;
  void load(const h5::Group& g, const RowPartition& rows) override;
  void view(std::ostream& os) const override;

  Settings& settings() { return settings_; }
  const Settings& settings() const { return settings_; }

  // Seeded uniform(−1/√fan_in, 1/√fan_in) weights, zero biases, for states split as rows.
  void initialize(const RowPartition& rows);
  // Parameters [W_e (local columns), b_e, W_d (local rows), b_d (local rows)]; the encoder
  // block is the first encoder_size() entries.
  Vector& parameters() { return p_; }
  const Vector& parameters() const { return p_; }
  Index encoder_size() const;

  // f = mean‖x − D(E(x))‖² and g = mean‖E(x)‖₁ over the columns of X (local rows), summed
  // over ranks; with grad non-null, ∇(f + λ g) over all parameters (λ from the settings; a
  // subgradient where some E(x) = 0).
  struct Loss {
    double f = 0, g = 0;
    double total(double lambda) const { return f + lambda * g; }
  };
  Loss loss(const Vector& p, const Matrix& X, Vector* grad_f = nullptr, Vector* grad_g = nullptr) const;

  // The loss history of the last fit: f + λg over the training set after each epoch
  // (entry 0: at the initial weights), and the seconds it took.
  const std::vector<double>& history() const { return history_; }
  double train_seconds() const { return seconds_; }

 protected:
  // -<prefix>sparse_lambda -sparse_encoder_activation -sparse_decoder_activation
  // -sparse_optimizer -sparse_epochs -sparse_batch_size -sparse_encoder_steps
  // -sparse_decoder_steps -sparse_encoder_step -sparse_decoder_step -sparse_prox_iterations
  // -sparse_learning_rate -sparse_seed
  void read_options(const std::string& prefix) override;
  int latent_dim_setting() const override { return settings_.latent_dim; }

 private:
  // One ANAMO update (Alg. 1, steps 3–15) on a mini-batch.
  void anamo_step(const Matrix& X);
  double encoder_lipschitz(const Matrix& X) const;
  // E(X) and D(U) with parameters p laid out like parameters() (no size checks).
  Matrix encode_with(const Vector& p, const Matrix& X) const;
  Matrix decode_with(const Vector& p, const Matrix& U) const;
  double decoder_lipschitz(const Matrix& X) const;
  Settings settings_;
  Vector p_;
  std::vector<double> history_;
  double seconds_ = 0;
};

const char* to_string(SparseAutoencoder::Activation a);
SparseAutoencoder::Activation sparse_activation(const std::string& name);  // throws on others

}  // namespace metarom
