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
//   codes  Gur's Alg. 3: the codes h̃ᵢ themselves are the unknowns. Per mini-batch, J_e FISTA
//          steps on the batch's codes with the exact prox (soft thresholding; for encoders
//          whose range is [0, 1] — sigmoid, step — the prox of λ|h| + ι_[0,1], clip(v − λe, 0, 1),
//          also exact), then J_d accelerated-gradient steps on the decoder. Then the encoder is
//          fitted to the codes by regression: least squares for the identity encoder (minimum
//          norm, exact), logistic regression (cross-entropy, convex in W_e, b_e; soft targets
//          in [0, 1]) for sigmoid and step encoders, by accelerated gradient.
// Binary encoders (Gur, "Binary Encoder"): encoder activation
//   step        E(x) = step(W_e x + b_e) ∈ {0, 1}^ℓ. With anamo this is Alg. 2: the (sub)gradients
//               that the step does not have are taken from the smooth step of width ε (a
//               straight-through surrogate; the seed leaves this open). With codes it is
//               Alg. 3: the codes are binarized, h_k = step(h̃_k − t_k), with t_k the midrange of
//               code k over the set, (min h̃_k + max h̃_k)/2, by default: every bit then splits
//               the set. The seed's step at 0 (-sparse_binary_threshold 0) sends each code's
//               support to 1 and rounding (0.5) sends most codes to 0 on the heat set (ℓ = 16:
//               relative errors 0.27 and 0.29 against 0.063 at the midrange). Then the decoder
//               is refitted on the binary codes by -sparse_decoder_refit accelerated-gradient
//               steps (0: the seed's protocol, which keeps the decoder trained on h̃), and the
//               logistic encoder's decision z > 0 is E.
//   smoothstep  E(x) = s_ε(W_e x + b_e), s_ε(z) = 3u² − 2u³, u = clamp(z/ε + 1/2, 0, 1): the seed's
//               3(x/ε)² − 2(x/ε)³ centred on 0 (a shift of the bias, which is learned, so no
//               loss of generality), trained by ANAMO (Alg. 1) or Adam. Binarization schedule:
//               ε falls geometrically from -sparse_epsilon to -sparse_epsilon_final over the
//               epochs (default 1 → 0.05), so the codes start graded and end nearly binary.
// Lipschitz bounds scale by the encoder's largest slope squared (1.5/ε for the smooth step).
// Distributed by rows like the states: W_e's columns and W_d's rows (and b_d) are split, one
// allreduce per encode and per backward pass.
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "metarom/reducers/reducer.hpp"

namespace metarom {

class SparseAutoencoder : public Reducer {
 public:
  enum class Activation { sigmoid, identity, step, smoothstep };  // the last two: encoder only
  enum class Optimizer { anamo, adam, codes };                     // header: Gur Alg. 1/2, Adam, Alg. 3
  struct Settings {
    int latent_dim = 5;  // ℓ (may exceed n)
    double lambda = 1e-3;
    Activation encoder_activation = Activation::identity, decoder_activation = Activation::identity;
    Optimizer optimizer = Optimizer::anamo;
    int epochs = 200;                 // passes over the set (ANAMO: outer iterations)
    int batch_size = 0;               // 0: the whole set
    int encoder_steps = 5, decoder_steps = 15;  // J_e, J_d
    // e, d; 0: 1/L per mini-batch, L the Lipschitz constant of the block's gradient for
    // identity layers (an upper bound for sigmoid ones, σ' ≤ 1/4): 2‖W_d‖₂² λ_max(mean x̃x̃ᵀ)
    // for the encoder, 2 λ_max(mean h̃h̃ᵀ) for the decoder (x̃, h̃ with a 1 appended).
    double encoder_step = 0, decoder_step = 0;
    int prox_iterations = 5;  // K, the encoder prox's inner iterations
    double learning_rate = 1e-3;  // Adam
    double epsilon = 1.0, epsilon_final = 0.05;  // the smooth step's width: first and last epoch
    int decoder_refit = 100;                     // codes + step: decoder steps on the binary codes
    std::string binary_threshold = "midrange";   // codes + step: h = step(h̃ − t), t (header)
    int regression_iterations = 500;             // codes: accelerated-gradient steps of the logistic fit
    long long seed = 0;
    bool progress = false;
  };

  ReducerKind kind() const override { return ReducerKind::sparse_ae; }
  void set_latent_dim(int r) override { settings_.latent_dim = r; }
  void set_progress(bool on) override { settings_.progress = on; }
  void fit(const SnapshotView& train) override;

  Matrix encode(const Matrix& X) const override;
  Matrix decode(const Matrix& U) const override;
  Matrix decoder_jacobian(const Vector& u) const override;
  int latent_dim() const override { return settings_.latent_dim; }

  void save(h5::Group& g) const override;
  void load(const h5::Group& g, const RowPartition& rows) override;
  void view(std::ostream& os) const override;

  const Settings& settings() const { return settings_; }
  // Takes effect at the next initialize() or fit(); refuses values out of range, naming them.
  void set_settings(const Settings& s);

  // Seeded uniform(−1/√fan_in, 1/√fan_in) weights, zero biases, for states split as rows;
  // the smooth step's width at its first epoch.
  void initialize(const RowPartition& rows);
  // Parameters [W_e (local columns), b_e, W_d (local rows), b_d (local rows)]; the encoder
  // block is the first encoder_size() entries.
  const Vector& parameters() const { return p_; }
  // Replaces every parameter at once (the layout above; initialize() or load() first).
  void set_parameters(const Vector& p);
  Index encoder_size() const;

  // f = mean‖x − D(E(x))‖² and g = mean‖E(x)‖₁ over the columns of X (local rows), summed
  // over ranks, with their gradients over all parameters where asked (a subgradient of g
  // where some E(x) = 0). With only grad_g asked, f is not computed (NaN): the encoder's prox
  // needs g alone, and skipping the decoder saves a third of its cost.
  struct Loss {
    double f = 0, g = 0;
    double total(double lambda) const { return f + lambda * g; }
  };
  Loss loss(const Vector& p, MatrixView X, Vector* grad_f = nullptr, Vector* grad_g = nullptr) const;

  // The loss history of the last fit: f + λg over the training set after each epoch
  // (entry 0: at the initial weights; with codes, the objective in the codes h̃), and the
  // seconds it took.
  const std::vector<double>& history() const { return history_; }
  double train_seconds() const { return seconds_; }
  // The smooth step's width now (the last epoch's after a fit).
  double epsilon() const { return epsilon_; }

  // Alg. 3's pieces. f = mean‖x − D(h)‖² over the columns of H (ℓ × B) and X, summed over
  // ranks, with the gradients in the decoder block (the tail of parameters()) and in H.
  double reconstruction(const Vector& p, const Matrix& H, MatrixView X, Vector* grad_decoder = nullptr,
                        Matrix* grad_codes = nullptr) const;
  // J FISTA steps on the codes H of the batch X with the decoder fixed (exact prox, above).
  Matrix solve_codes(MatrixView X, const Matrix& H0, int iterations) const;
  // J accelerated-gradient steps on the decoder with the codes H fixed (step 1/L).
  void fit_decoder(MatrixView X, const Matrix& H, int iterations);
  // Fit the encoder to the codes H of X (above); returns mean‖E(x) − h‖² over the columns.
  double fit_encoder(MatrixView X, const Matrix& H);

 protected:
  // -<prefix>sparse_lambda -sparse_encoder_activation -sparse_decoder_activation
  // -sparse_optimizer -sparse_epochs -sparse_batch_size -sparse_encoder_steps
  // -sparse_decoder_steps -sparse_encoder_step -sparse_decoder_step -sparse_prox_iterations
  // -sparse_learning_rate -sparse_epsilon -sparse_epsilon_final -sparse_decoder_refit
  // -sparse_regression_iterations -sparse_seed
  void read_options(const std::string& prefix) override;
  int latent_dim_setting() const override { return settings_.latent_dim; }

 private:
  // Combinations the methods do not define (a step decoder; Alg. 3 with the smooth step).
  // Throws on values out of range or combinations the methods cannot train (options named
  // under -<prefix>).
  static void check_settings(const Settings& s, const std::string& prefix);
  // ‖θ‖² of an encoder block over all ranks (the prox's choice of iterate must agree on all).
  double encoder_squared_norm(const Vector& theta) const;
  // One ANAMO update (Alg. 1, steps 3–15) on a mini-batch.
  // gram: λ_max of X̃ᵀX̃ when known (> 0), else computed.
  void anamo_step(MatrixView X, double gram);
  // Alg. 3 over the training set (after initialize()).
  void fit_codes(const SnapshotView& train);
  // The one epoch loop of every optimizer: per epoch, `start(epoch)`, then `step` on each
  // mini-batch (the columns of X in a seeded shuffled order, or all of them), then the
  // training objective appended to history_, checked finite (else the error names `lower`,
  // the settings to lower), and a progress line (`label`).
  void train_epochs(MatrixView X, const std::function<void(int epoch)>& start,
                    const std::function<void(const std::vector<Index>& batch)>& step,
                    const std::function<double()>& objective, const std::string& label, const std::string& lower);
  // The smooth step's width at an epoch of the schedule.
  double epsilon_at(int epoch) const;
  // The encoder's largest slope (1 for identity and sigmoid, as before; 1.5/ε for the steps).
  double encoder_slope_bound() const;
  // z = W_e x + b_e over the columns of X.
  Matrix preactivation(const Vector& p, MatrixView X) const;
  // For a batch of B states whose X̃ᵀX̃ has largest eigenvalue gram.
  double encoder_lipschitz(Index B, double gram) const;
  double decoder_gram_max() const;  // λ_max(W_dᵀW_d) over all ranks
  // E(X) and D(U) with parameters p laid out like parameters() (no size checks).
  Matrix encode_with(const Vector& p, MatrixView X) const;
  Matrix decode_with(const Vector& p, const Matrix& U) const;
  double decoder_lipschitz(const Matrix& H) const;  // H: the codes
  Settings settings_;
  Vector p_;
  std::vector<double> history_;
  double seconds_ = 0;
  double epsilon_ = 1.0;
  double regression_residual_ = NAN;  // codes: mean‖E(x) − h‖² of the encoder's fit
};

const char* to_string(SparseAutoencoder::Activation a);
SparseAutoencoder::Activation sparse_activation(const std::string& name);  // throws on others
const char* to_string(SparseAutoencoder::Optimizer o);                      // "anamo", "adam", "codes"
SparseAutoencoder::Optimizer sparse_optimizer(const std::string& name);    // throws on others

}  // namespace metarom
