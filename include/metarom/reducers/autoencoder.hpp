#pragma once
// Neural reducers built from two dense MLPs (mlp.hpp):
//   ae     canonical autoencoder (Popov (2.3)): encoder θ, decoder φ, trained on the mean
//          squared error (3.20) ‖φ(θ(x)) − x‖²/n averaged over samples;
//   ri-ae  right-invertible autoencoder, weak form (4.2): the canonical loss plus
//          λ‖θ(φ(θ(x))) − θ(x)‖²/r averaged over samples.
// Both use the paper's architecture (5.1) by default: one tanh hidden layer of h = 100
// units, identity output (-ae_hidden 200,50 gives deeper networks, the decoder mirroring
// the encoder); trained by Adam on mini-batches (trainer.hpp) or by TAO.
// Under MPI the states are split by rows: the encoder's first layer and the decoder's last
// layer are split the same way (Mlp::Split), one allreduce per encode.
#include "metarom/nn/mlp.hpp"
#include "metarom/reducers/normalization.hpp"
#include "metarom/reducers/reducer.hpp"
#include "metarom/optim/trainer.hpp"

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
  // The automatic choices made for N training samples: the POD stage's K and the epochs.
  void resolve(Index samples);
  Normalization normalization_for(const SnapshotSet& train) const {
    return Normalization::for_training(normalize, pod_modes, train);
  }
  // Encoder {n, hidden..., r} and decoder {r, reversed hidden..., n} layer widths.
  std::vector<int> encoder_widths(int n) const;
  std::vector<int> decoder_widths(int n) const;
};

// Trains `params` with the optimizer the settings name (Adam mini-batches or TAO).
TrainResult train_parameters(Vector& params, Index samples, const BatchLoss& loss_grad, const NeuralSettings& s,
                             const std::string& what);

// Gathers the columns `idx` of X.
Matrix gather_columns(const Matrix& X, const std::vector<Index>& idx);


// Both neural reducers hold an encoder-side network (encoder or θ₀, input split by rows)
// and a decoder (output split by rows): one flat parameter vector [first, decoder], and
// their groups in a model file, with the training results as attributes.
Vector pack_parameters(const Mlp& first, const Mlp& decoder);
void unpack_parameters(const Vector& p, Mlp& first, Mlp& decoder);
void save_networks(h5::Group& g, const char* first_name, const Mlp& first, const Mlp& decoder, const TrainResult& r);
// rows: the states' rows; the networks are read as `norm` lays them out.
void load_networks(const h5::Group& g, const char* first_name, const Normalization& norm, const RowPartition& rows,
                   Mlp& first, Mlp& decoder);

// Trains a neural reducer's parameters on the (normalized) training states X with its own
// batch_loss(), by the optimizer its settings name.
template <class NeuralReducer>
TrainResult train_reducer(NeuralReducer& reducer, const Matrix& X, const NeuralSettings& s) {
  Vector p = reducer.parameters();
  TrainResult r = train_parameters(
      p, X.cols(),
      [&](const std::vector<Index>& batch, const Vector& params, Vector& grad) {
        reducer.set_parameters(params);
        return reducer.batch_loss(gather_columns(X, batch), grad);
      },
      s, reducer.type());
  reducer.set_parameters(p);
  return r;
}

// For what runs on one rank only (TAO training of distributed networks).
void require_serial(const RowPartition& rows, const std::string& what);

// How the normalization lays the two networks out: over the state rows with the encoder
// side's input and the decoder's output split by them, or over K replicated POD
// coordinates, not split.
struct NetworkLayout {
  RowPartition rows;
  Mlp::Split first, decoder;
};
NetworkLayout network_layout(const Normalization& norm, const RowPartition& state_rows);

// Untrained, seeded networks: the encoder-side one (input: states or POD coordinates) and
// the decoder, laid out as the normalization says (split by the state rows, or replicated
// after a POD stage).
void build_networks(const NeuralSettings& s, const Normalization& norm, const RowPartition& rows, Mlp& first,
                    Mlp& decoder);

class Autoencoder : public Reducer {
 public:
  std::string type() const override { return "ae"; }
  void fit(const SnapshotSet& train) override;

  Matrix encode(const Matrix& X) const override { return encoder_.forward(norm_.apply(X)); }
  Matrix decode(const Matrix& U) const override { return norm_.undo(decoder_.forward(U)); }
  Matrix decoder_jacobian(const Vector& u) const override { return norm_.undo_linear(decoder_.input_jacobian(u)); }
  const Normalization* normalization() const override { return &norm_; }
  Matrix network_decode(const Matrix& U) const override { return decoder_.forward(U); }
  Matrix network_jacobian(const Vector& u) const override { return decoder_.input_jacobian(u); }
  Matrix network_hessian_contraction(const Vector& u, const Vector& v) const override {
    return decoder_.hessian_contraction(u, v);
  }
  Matrix network_jacobian_derivative(const Vector& u, const Vector& w) const override {
    return decoder_.jacobian_derivative(u, w);
  }
  int latent_dim() const override { return decoder_.input_dim(); }
  void set_latent_dim(int r) override { settings_.latent_dim = r; }
  void set_progress(bool on) override { settings_.train.progress = on; }

  void save(h5::Group& g) const override;
  void load(const h5::Group& g, const RowPartition& rows) override;
  void view(std::ostream& os) const override;

  // Batch loss and its gradient with respect to [encoder parameters, decoder parameters].
  virtual double batch_loss(const Matrix& X, Vector& grad) const;

  NeuralSettings& settings() { return settings_; }
  Mlp& encoder() { return encoder_; }
  Mlp& decoder() { return decoder_; }
  const Mlp& encoder() const { return encoder_; }
  const Mlp& decoder() const { return decoder_; }
  const TrainResult& training() const { return result_; }
  // Builds untrained networks (seeded) for states split as `rows`, laid out for the current
  // normalization, as fit() does once the normalization is fitted.
  void initialize(const RowPartition& rows);
  void initialize(int n) { initialize(RowPartition::serial(n)); }
  Vector parameters() const;
  void set_parameters(const Vector& p);

 protected:
  void read_options(const std::string& prefix) override { settings_.set_from_options(prefix); }
  int latent_dim_setting() const override { return settings_.latent_dim; }
  NeuralSettings settings_;
  Mlp encoder_, decoder_;
  Normalization norm_;
  RowPartition net_rows_;  // the rows the networks' losses are summed over (normalization.hpp)
  TrainResult result_;
};

class RightInvertibleAutoencoder : public Autoencoder {
 public:
  std::string type() const override { return "ri-ae"; }
  double batch_loss(const Matrix& X, Vector& grad) const override;
  void save(h5::Group& g) const override;
  void load(const h5::Group& g, const RowPartition& rows) override;
  double& lambda() { return lambda_; }

 protected:
  void read_options(const std::string& prefix) override;  // also -<prefix>ri_lambda

 private:
  double lambda_ = 1.0;
};

}  // namespace metarom
