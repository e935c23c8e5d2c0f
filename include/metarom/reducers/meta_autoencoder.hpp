#pragma once
// Meta-autoencoder (Popov et al. (3.16)): a decoder φ and an initial-condition network θ₀;
// the encoder is implicit, θ^φ(x) = argmin_u ½‖φ(u) − x‖², solved from u₀ = θ₀(x) by the
// Gauss–Newton steps of Algorithm 4.2 with Levenberg–Marquardt damping (4.4)
// (gauss_newton_encoder.hpp). The outer problem (4.5) over the weights is solved by Adam
// on mini-batches, with one of two gradients:
//   unrolled  back-propagation through I Gauss–Newton steps, as in the paper (I = 4);
//   implicit  the inner problem solved to convergence (Newton–Levenberg–Marquardt); by the
//             envelope theorem the outer gradient is the decoder's gradient at fixed u*,
//             and θ₀ is trained to predict u* (loss ‖θ₀(x) − u*‖²/r).
// An optional latent penalty β‖u‖²/r fixes the scale of the latent coordinates, which the
// outer loss leaves free (u → cu, W₁ → W₁/c decode alike): without it the inner solve may
// drift u into the decoder's saturated region, where ∂φ/∂u loses rank and manifold
// Galerkin ROMs cannot be formed. Unrolled mode adds it to the outer loss only (the inner
// problem, and so the right inverse θ^φ(φ(u)) = u, is unchanged); implicit mode adds it to
// the inner problem too (λ = βn/r in GaussNewtonSettings::regularization), so that u*
// minimizes the outer loss itself (the envelope gradient stays exact) and exists for
// every x (a tanh decoder's plain minimizer can lie at infinity), and encode() solves
// the same problem.
// CorrectedAutoencoder (type "ae-corrected") is Algorithm 4.1: a trained canonical
// autoencoder whose encoder becomes θ₀ of the Gauss–Newton encoder, without retraining.
#include "metarom/reducers/autoencoder.hpp"
#include "metarom/reducers/gauss_newton_encoder.hpp"

namespace metarom {

class MetaAutoencoder : public NeuralReducer {
 public:
  enum class Gradient { unrolled, implicit };
  MetaAutoencoder() : NeuralReducer("initial_encoder") {}

  ReducerKind kind() const override { return ReducerKind::meta_ae; }
  void fit(const SnapshotView& train) override;

  // Gauss–Newton from θ₀(x): to convergence (adaptive Levenberg–Marquardt, encoding_solver())
  // by default; with evaluation_iterations() = I > 0, exactly I steps of fixed damping γ, the
  // paper's protocol (its Table 5.1 uses I = 4), option -meta_eval_iterations.
  Matrix encode(const Matrix& X) const override;

  void save(h5::Group& g) const override;
  void load(const h5::Group& g, const RowPartition& rows) override;
  void view(std::ostream& os) const override;
  // The neural settings and the Gauss–Newton steps and latent penalty of training.
  std::string settings_summary() const override;

  // Training loss of a batch at the current weights and its gradient with respect to
  // [θ₀ parameters, decoder parameters], in the configured gradient mode. Unrolled: the
  // outer loss (3.20) through I steps. Implicit: the outer loss at the converged u* plus
  // θ₀'s regression loss ‖θ₀(x) − u*‖²/r (u* held fixed).
  double batch_loss(const Matrix& X, Vector& grad) const override;
  // The outer (meta) loss ‖φ(θ^φ(x)) − x‖²/n averaged over the batch, with θ^φ as the mode
  // defines it (I steps, or converged): its derivatives are what batch_loss's gradient
  // must match (in implicit mode, the decoder block).
  double outer_loss(const Matrix& X) const;

  // Inside training (unrolled: I steps) and in encode() (to convergence); the setters refuse
  // negative iteration counts, damping or tolerance.
  const GaussNewtonSettings& training_solver() const { return train_gn_; }
  const GaussNewtonSettings& encoding_solver() const { return encode_gn_; }
  void set_training_solver(const GaussNewtonSettings& s);
  void set_encoding_solver(const GaussNewtonSettings& s);
  Gradient gradient() const { return gradient_; }
  void set_gradient(Gradient g) { gradient_ = g; }
  int evaluation_iterations() const { return eval_iterations_; }
  void set_evaluation_iterations(int I) { eval_iterations_ = I; }
  double latent_penalty() const { return latent_penalty_; }
  void set_latent_penalty(double p) { latent_penalty_ = p; }
  const Mlp& initial_encoder() const { return first_; }
  // From a canonical autoencoder (Algorithm 4.1).
  void correct(const Autoencoder& ae);

 protected:
  // Under -<prefix>: -meta_gn_iterations -meta_gn_damping -meta_gn_tol
  // -meta_gn_max_iterations -meta_eval_iterations -meta_gradient unrolled|implicit
  // -meta_latent_penalty, plus the neural settings.
  void read_options(const std::string& prefix) override;
  void check_architecture() const override;  // one hidden layer (5.1)

 private:
  void fit_implicit_tao(const Matrix& X, const RowPartition& rows);  // X normalized
  // Implicit mode: λ = βn/r of the regularized inner problem (0 in unrolled mode), and its
  // solver to convergence (Newton–Levenberg–Marquardt; in training with the residual formed
  // through W₂ᵀW₂, GaussNewtonSettings::gram).
  double inner_regularization() const;
  GaussNewtonSettings inner_solver(bool training) const;

  // γ = 0.1 (the paper leaves (4.4)'s γ open): with γ = 1e-3 the unrolled steps through a
  // nearly singular JᵀJ made training diverge on QG at r = 20 (loss 1.07 after 40 epochs
  // against 6.3e-3 with 0.1) and trained worse at r = 5, 10; on heat r = 5 the two agree
  // within 30 % (relative error 4.2e-4 and 5.4e-4).
  GaussNewtonSettings train_gn_{4, 0.1, 0, false}, encode_gn_{100, 0.1, 1e-10, true};
  Gradient gradient_ = Gradient::unrolled;
  // β of -meta_latent_penalty: 1e-2 by default, which keeps the latent coordinates bounded
  // and identifiable (on QG at r = 10, 1e-3 let the manifold Galerkin ROM leave the
  // decoder's well-conditioned region); 0 with the implicit gradient, which omits it.
  double latent_penalty_ = 1e-2;
  int eval_iterations_ = 0;    // -meta_eval_iterations: 0 encodes to convergence
};

// Algorithm 4.1: fit() reads the canonical autoencoder model named by corrected_from()
// (-ae_corrected_from, or `fit ae-corrected --from`) and corrects it; nothing is trained.
class CorrectedAutoencoder : public MetaAutoencoder {
 public:
  ReducerKind kind() const override { return ReducerKind::ae_corrected; }
  void fit(const SnapshotView& train) override;
  void save(h5::Group& g) const override;
  void load(const h5::Group& g, const RowPartition& rows) override;
  const std::string& corrected_from() const { return corrected_from_; }
  void set_corrected_from(std::string path) { corrected_from_ = std::move(path); }

 protected:
  void read_options(const std::string& prefix) override;  // also -<prefix>ae_corrected_from

 private:
  std::string corrected_from_;
};

}  // namespace metarom
