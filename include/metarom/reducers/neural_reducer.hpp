#pragma once
// What the neural reducers (autoencoder.hpp, meta_autoencoder.hpp) share: their settings; a
// decoder ψ behind the fixed affine map of normalization.hpp, decode(u) = x̄ + sΦψ(u) (or
// x̄ + sψ(u) without a POD stage); an encoder-side network (the encoder θ of the
// autoencoders, θ₀ of the meta-autoencoder); one flat parameter vector [encoder side,
// decoder]; training by Adam on mini-batches or by TAO over the type's batch_loss; and
// their model-file groups. Under MPI, with states split by rows, the encoder side's first
// layer and the decoder's last layer are split the same way (Mlp::Split).
#include <ostream>
#include <string>
#include <vector>

#include "metarom/nn/mlp.hpp"
#include "metarom/optim/tao_trainer.hpp"
#include "metarom/reducers/normalization.hpp"
#include "metarom/reducers/reducer.hpp"

namespace metarom {

struct NeuralSettings {
  int latent_dim = 5;  // r
  std::vector<int> hidden = {100};  // hidden layer widths (encoder; the decoder mirrors them)
  TrainSettings train;
  std::string optimizer = "adam";  // adam (mini-batch) or tao (full batch, -tao_type)
  Mlp::Activation activation = Mlp::Activation::tanh;  // hidden layers of both networks
  // Train on (x − x̄)/s (snapshot mean x̄, RMS deviation s). Off by default: it lowers the
  // reconstruction error, but the meta-autoencoder then tends to push latent coordinates
  // into the decoder's saturated (flat) region, where they stop being identifiable.
  bool normalize = false;
  // K > 0: the networks see the K leading POD coordinates of the centered, scaled states
  // (normalization.hpp), so their size, training cost and the manifold Galerkin ROM's
  // online cost do not grow with n. 0: the paper's architecture on the states.
  // automatic (default): K = max(32, 2r), at most N − 1, chosen by resolve().
  static constexpr int automatic = -1;
  int pod_modes = automatic;
  // Training budget in Adam steps (mini-batches) when train.epochs is `automatic`: about
  // 10,000 steps whatever N (a fixed number of epochs under-trains small snapshot sets:
  // 100 epochs of the default heat set are 600 steps). With TAO, whose iterations use the
  // full batch, the automatic cap is 1,000 iterations.
  int train_steps = 10000;
  NeuralSettings() {
    train.epochs = automatic;
    train.batch_size = 20;
  }
  // Under -<prefix>: -ae_hidden -ae_epochs -ae_steps -ae_batch_size -ae_learning_rate
  // -ae_seed -ae_checkpoint -ae_monitor -ae_optimizer adam|tao (with tao, -ae_epochs caps the
  // iterations) -ae_activation tanh|identity -ae_normalize -ae_pod_modes. The latent
  // dimension is the Reducer's option (-reducer_latent_dim); it is checked here.
  void set_from_options(const std::string& prefix = "");
  // Throws on a value out of range, naming its option.
  void check() const;
  // The automatic choices made for N training samples: the POD stage's K and the epochs.
  void resolve(Index samples);
  Normalization normalization_for(const SnapshotView& train) const {
    return Normalization::for_training(normalize, pod_modes, train);
  }
  // Encoder {n, hidden..., r} and decoder {r, reversed hidden..., n} layer widths.
  std::vector<int> encoder_widths(int n) const;
  std::vector<int> decoder_widths(int n) const;
};

class NeuralReducer : public Reducer {
 public:
  Matrix decode(const Matrix& U) const override { return norm_.undo(decoder_.forward(U)); }
  Matrix decoder_jacobian(const Vector& u) const override { return norm_.undo_linear(decoder_.input_jacobian(u)); }
  const Normalization* normalization() const override { return &norm_; }
  Matrix network_decode(const Matrix& U) const override { return decoder_.forward(U); }
  Matrix network_jacobian(const Vector& u) const override { return decoder_.input_jacobian(u); }
  std::pair<Vector, Matrix> network_decode_jacobian(const Vector& u) const override {
    return decoder_.value_and_jacobian(u);
  }
  int latent_dim() const override { return decoder_.input_dim(); }
  void set_latent_dim(int r) override { settings_.latent_dim = r; }
  void set_progress(bool on) override { settings_.train.progress = on; }

  // The training loss of a batch of normalized states at the current weights, and its
  // gradient with respect to parameters().
  virtual double batch_loss(const Matrix& X, Vector& grad) const = 0;

  const NeuralSettings& settings() const { return settings_; }
  // Takes effect at the next initialize() or fit(); refuses values out of range.
  void set_settings(const NeuralSettings& s) {
    s.check();
    settings_ = s;
  }
  const Mlp& decoder() const { return decoder_; }
  const TrainResult& training() const { return result_; }
  // Networks, POD stage and training settings.
  std::string settings_summary() const override;
  // Builds untrained, seeded networks for states split as `rows`, laid out for the
  // current normalization (as fit() does once the normalization is fitted).
  void initialize(const RowPartition& rows);
  void initialize(int n) { initialize(RowPartition::serial(n)); }
  Vector parameters() const;  // [encoder side, decoder]
  void set_parameters(const Vector& p);

 protected:
  // `first_name`: the encoder-side network's group in model files.
  explicit NeuralReducer(const char* first_name) : first_name_(first_name) {}
  void read_options(const std::string& prefix) override { settings_.set_from_options(prefix); }
  int latent_dim_setting() const override { return settings_.latent_dim; }
  // Throws when the settings ask for networks the type cannot use.
  virtual void check_architecture() const {}

  // fit()'s common start: the set validated, the automatic settings resolved, the
  // normalization fitted and the networks built; returns the normalized states.
  Matrix prepare_fit(const SnapshotView& train);
  // Minimizes batch_loss over parameters() with the optimizer the settings name.
  TrainResult train(const Matrix& X);
  // The normalization and both networks (with the training results as attributes) into a
  // model-file group, and back with the networks laid out for `rows`.
  void save_networks(h5::Group& g) const;
  void load_networks(const h5::Group& g, const RowPartition& rows);
  // The training line of view().
  void view_training(std::ostream& os) const;
  // How the normalization lays the networks out over the states' rows: split like the
  // states, or over K replicated POD coordinates.
  struct Layout {
    RowPartition rows;
    Mlp::Split first, decoder;
  };
  Layout layout(const RowPartition& state_rows) const;
  // How parameters() (or one network's) lie over the ranks, for TAO's distributed vector.
  ParameterLayout parameter_layout() const;
  ParameterLayout parameter_layout(const Mlp& net) const;
  // The columns `idx` of X (a mini-batch).
  static Matrix batch_columns(const Matrix& X, const std::vector<Index>& idx);

  NeuralSettings settings_;
  Mlp first_, decoder_;  // first_: the encoder θ, or θ₀
  Normalization norm_;
  RowPartition net_rows_;  // the rows the networks' losses are summed over (normalization.hpp)
  TrainResult result_;

 private:
  const char* first_name_;
};

}  // namespace metarom
