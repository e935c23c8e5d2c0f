#pragma once
// The optimal encoder of the meta-autoencoder (Popov et al., (3.9) and Algorithm 4.2):
// θ^φ(x) = argmin_u ½‖φ(u) − x‖², solved from u₀ = θ₀(x) by Gauss–Newton steps with
// Levenberg–Marquardt damping (4.4): u ← u − (γI + JᵀJ)⁻¹JᵀF, F = φ(u) − x, J = ∂φ/∂u.
//
// The decoder is the paper's one-hidden-layer network (5.1), φ(u) = W₂ tanh(W₁u + b₁) + b₂,
// for which (docs/methods.md, "Meta-autoencoder") J = W₂SW₁ with S = diag(1 − t²), so
// JᵀJ = (SW₁)ᵀ M (SW₁) and JᵀF = W₁ᵀS(M t − W₂ᵀ(x − b₂)) with M = W₂ᵀW₂. M and W₂ᵀX are
// formed once per batch: a Gauss–Newton step then costs O(h²B + h r² B), independent of
// n, and its adjoint (for back-propagation through the unrolled steps) is formed the same
// way, so unrolling I steps adds little to a canonical autoencoder's epoch.
#include <vector>

#include "metarom/nn/mlp.hpp"

namespace metarom {

struct GaussNewtonSettings {
  int iterations = 4;     // I
  double damping = 1e-3;  // γ in (4.4)
  double tolerance = 0;   // stop when max_i ‖p_i‖ ≤ tolerance (1 + ‖u_i‖); 0: always I steps
  // Classical Levenberg–Marquardt: a step is taken only where it lowers that sample's
  // residual ‖φ(u) − x‖, γ shrinks 3x after a success and grows 4x after a failure. For
  // encoding (no adjoint); the fixed-γ steps of training are differentiable.
  bool adaptive = false;
  // λ ≥ 0: minimizes ½‖φ(u) − x‖² + ½λ‖u‖² instead. With a tanh decoder the unregularized
  // minimizer may lie at infinity (x off the closure of φ's range: the residual keeps
  // falling as hidden units saturate), and the iteration then never stops; λ > 0 makes the
  // objective coercive, so a minimizer exists (docs/meta-autoencoder.md).
  double regularization = 0;
  // Adaptive iteration only: Newton–Levenberg–Marquardt, the Hessian with the residual's
  // curvature (exact for the one-hidden-layer decoder at O(hr²) more per step). Gauss–Newton
  // converges only linearly where residuals are large; Newton quadratically near a minimum.
  bool newton = false;
  // Adaptive iteration only: residuals through M = W₂ᵀW₂ and Q = W₂ᵀ(X − b₂1ᵀ), formed once,
  // so an iteration costs no product with n rows; the objective is then resolved only to
  // about ε‖x − b₂‖² (cancellation), so the minimizer to about √ε relative. For training's
  // inner solves; encode() forms the residual itself.
  bool gram = false;
};

class GaussNewtonEncoder {
 public:
  // decoder must have exactly one hidden layer (5.1), tanh or identity (the linear case).
  explicit GaussNewtonEncoder(const Mlp& decoder);

  // Runs the steps from U0 (r x B) for the batch X (n x B); keeps what backward() needs.
  Matrix solve(const Matrix& X, const Matrix& U0, const GaussNewtonSettings& s);
  // The adaptive (monotone) Levenberg–Marquardt iteration; keeps nothing for backward().
  Matrix solve_adaptive(const Matrix& X, const Matrix& U0, const GaussNewtonSettings& s);
  // Steps of the last solve (adaptive: iterations of the damped loop, refused steps
  // included, polishing steps not).
  int iterations_done() const { return iterations_; }

  // The outer loss's reconstruction term s Σ_i ‖φ(u_i) − x_i‖² at the last solve()'s result,
  // formed through M and Q: tᵀMt − 2tᵀq + ‖x − b₂‖² per sample, no product with n rows
  // (resolved to about ε‖X − b₂‖², ample for a training loss).
  double reconstruction_loss(double scale) const;

  // Adjoint of the steps taken by the last solve(): given Ū = ∂loss/∂U_I, adds
  // ∂loss/∂(decoder parameters) through the steps to `grad` (decoder layout) and returns
  // ∂loss/∂U₀. With reconstruction_scale s > 0 the loss also holds reconstruction_loss(s),
  // whose gradient (through φ(U_I) and the steps) is added as well; with s = 0 the
  // reconstruction is the caller's (an ordinary forward/backward pass of the decoder).
  Matrix backward(const Matrix& Ubar, Vector& grad, double reconstruction_scale = 0) const;

 private:
  struct Step {
    Matrix U, T, P, G;  // U_{k-1}, tanh(W₁U + b₁), steps p_i, G = MT − Q
    Matrix Hinv;        // [(γI + λI + A_iᵀMA_i)⁻¹] (r x rB)
  };
  // M = W₂ᵀW₂, summed over the ranks.
  void form_gram();
  // [A_1ᵀMA_1 … A_mᵀMA_m] (r x rm) for A = [A_1 … A_m] (h x rm), A_j = diag(S_j)W₁: as
  // W₁ᵀ[diag(S_j)(MA)_j], two products over the whole batch; through the Jacobians W₂A_j
  // where W₂ has fewer rows than columns and all of them are here (the Burgers set's 32 POD
  // coordinates and h = 100: 3x fewer operations).
  Matrix gram_hessians(const Matrix& A, const Matrix& S) const;
  Matrix hidden(const Matrix& U) const;  // tanh(W₁U + b₁), or W₁U + b₁ for a linear decoder
  Matrix slopes(const Matrix& T) const;  // S = 1 − T² (ones for a linear decoder)

  const Mlp& dec_;
  bool linear_;  // identity hidden layer: φ(u) = W₂(W₁u + b₁) + b₂
  Matrix M_, Q_, Xc_;  // W₂ᵀW₂, W₂ᵀ(X − b₂1ᵀ), X − b₂1ᵀ
  Matrix Ufinal_, Tfinal_, Gfinal_;  // U_I, its hidden state T and MT − Q, for the reconstruction term
  double damping_ = 0, lambda_ = 0;  // γ and λ of the last solve()
  int iterations_ = 0;
  std::vector<Step> steps_;
};

}  // namespace metarom
