#pragma once
// Neural reducers built from two dense MLPs (mlp.hpp):
//   ae     canonical autoencoder (Popov (2.3)): encoder θ, decoder φ, trained on the mean
//          squared error (3.20) ‖φ(θ(x)) − x‖²/n averaged over samples;
//   ri-ae  right-invertible autoencoder, weak form (4.2): the canonical loss plus
//          λ‖θ(φ(θ(x))) − θ(x)‖²/r averaged over samples.
// Both use the paper's architecture (5.1) by default: one tanh hidden layer of h = 100
// units, identity output (-ae_hidden 200,50 gives deeper networks, the decoder mirroring
// the encoder); trained by Adam on mini-batches (trainer.hpp) or by TAO.
// What they share with the meta-autoencoder (settings, normalization, networks, training,
// files) is NeuralReducer's (neural_reducer.hpp). One allreduce per encode under MPI.
#include "metarom/reducers/neural_reducer.hpp"

namespace metarom {

class Autoencoder : public NeuralReducer {
 public:
  Autoencoder() : NeuralReducer("encoder") {}
  ReducerKind kind() const override { return ReducerKind::ae; }
  void fit(const SnapshotView& train) override;

  Matrix encode(const Matrix& X) const override { return first_.forward(norm_.apply(X)); }
  std::pair<Matrix, Matrix> network_second_derivatives(const Vector& u, const Vector& v,
                                                       const Vector& w) const override {
    return decoder_.second_derivatives(u, v, w);
  }

  void save(h5::Group& g) const override;
  void load(const h5::Group& g, const RowPartition& rows) override;
  void view(std::ostream& os) const override;

  // Batch loss (3.20) and its gradient with respect to [encoder parameters, decoder parameters].
  double batch_loss(const Matrix& X, Vector& grad) const override;

  const Mlp& encoder() const { return first_; }
};

class RightInvertibleAutoencoder : public Autoencoder {
 public:
  ReducerKind kind() const override { return ReducerKind::ri_ae; }
  double batch_loss(const Matrix& X, Vector& grad) const override;
  void save(h5::Group& g) const override;
  void load(const h5::Group& g, const RowPartition& rows) override;
  double lambda() const { return lambda_; }
  void set_lambda(double lambda) { lambda_ = lambda; }

 protected:
  void read_options(const std::string& prefix) override;  // also -<prefix>ri_lambda

 private:
  double lambda_ = 1.0;
};

}  // namespace metarom
