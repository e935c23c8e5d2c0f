#pragma once
// Dense multilayer perceptron (docs/methods.md, "Canonical autoencoder"): layers
// a_l = σ(W_l a_{l-1} + b_l), tanh on hidden layers and the identity on the output, the
// paper's (5.1) being the one-hidden-layer case W₂ tanh(W₁x + b₁) + b₂. Batches are matrix
// columns; forward, reverse-mode gradients and input Jacobians work on whole batches with
// matrix products. All parameters live in one flat vector [W₁, b₁, W₂, b₂, ...] (each W
// column-major) so optimizers see a plain vector.
#include <string>
#include <utility>
#include <vector>

#include "metarom/io/row_partition.hpp"
#include "metarom/types.hpp"

namespace metarom {

namespace h5 {
class Group;
}

// tanh of every entry as sign(z)(1 − e)/(1 + e) with e = exp(−2|z|): Eigen vectorizes exp, so
// on 100 units this runs 2.5x faster than std::tanh's scalar calls (the libm tanh and expm1
// were the largest items of a manifold ROM's profile); it never overflows and is within 2ε
// of std::tanh in absolute terms (tests/nn/test_mlp.cpp). Every tanh layer uses it.
template <class Derived>
typename Derived::PlainObject tanh_activation(const Eigen::MatrixBase<Derived>& z) {
  const auto e = (-2 * z.array().abs()).exp().eval();
  return (z.array().sign() * (1 - e) / (1 + e)).matrix();
}

class Mlp {
 public:
  // Hidden-layer activation: tanh (the paper's choice), or identity for linear networks
  // (the linear case of Theorem 3.9).
  enum class Activation { tanh, identity };

  // Distribution over MPI ranks (docs/methods.md, "Parallel layout"): a network whose input is
  // a state split by rows holds only its ranks' columns of the first weight matrix (one
  // allreduce of the first layer's output per forward pass); one whose output is such a
  // state holds only its rows of the last weight matrix and bias (no communication
  // forward; one allreduce of the last layer's input gradient backward). Everything else
  // is replicated, and computed identically on every rank.
  enum class Split { none, input, output };

  Mlp() = default;
  // widths = {input, hidden..., output} (global sizes); at least one layer.
  explicit Mlp(std::vector<int> widths, Activation hidden = Activation::tanh, Split split = Split::none,
               const RowPartition& rows = RowPartition{});
  Activation hidden_activation() const { return activation_; }
  Split split() const { return split_; }
  const RowPartition& rows() const { return rows_; }

  // Glorot-uniform weights from a seeded generator, zero biases.
  void initialize(unsigned long long seed);

  const std::vector<int>& widths() const { return widths_; }
  int input_dim() const { return widths_.front(); }
  int output_dim() const { return widths_.back(); }
  int layer_count() const { return static_cast<int>(widths_.size()) - 1; }

  const Vector& parameters() const { return theta_; }
  // Replaces every parameter at once; refuses a vector of another length (the layout is the
  // network's, fixed by its widths and split).
  void set_parameters(const Vector& theta);
  Eigen::Map<Matrix> weight(int l);  // layer l = 0 .. layer_count()-1: out x in
  Eigen::Map<const Matrix> weight(int l) const;
  Eigen::Map<Vector> bias(int l);
  Eigen::Map<const Vector> bias(int l) const;
  // For each entry of parameters(): true where it is this rank's own block of a split layer
  // (the first weight for Split::input, the last weight and bias for Split::output), false
  // where it is replicated on every rank. Optimizers that see the ranks' parameters as one
  // vector (TAO) count each replicated entry once.
  std::vector<bool> distributed_parameters() const;
  // The same blocks inside any vector laid out like parameters() (a gradient), so code
  // outside Mlp never depends on the flat layout.
  Eigen::Map<Matrix> weight_in(Vector& v, int l) const;
  Eigen::Map<Vector> bias_in(Vector& v, int l) const;

  // Activations of every layer, kept by forward() for backward(): a[0] is the input.
  struct Tape {
    std::vector<Matrix> a;
  };
  Matrix forward(const Matrix& X) const;
  Matrix forward(const Matrix& X, Tape& tape) const;
  // Reverse mode: dY = ∂loss/∂output (output_dim x B). Adds ∂loss/∂parameters to `grad`
  // (resized and zeroed when empty) and returns ∂loss/∂input (empty if !input_gradient).
  Matrix backward(const Tape& tape, const Matrix& dY, Vector& grad, bool input_gradient = true) const;
  // ∂output/∂input at one input: output_dim x input_dim.
  Matrix input_jacobian(const Vector& x) const;
  // The output and that Jacobian from one forward pass (a manifold ROM needs both at every
  // right-hand side: computing them apart ran the forward pass, and its tanh, twice).
  std::pair<Vector, Matrix> value_and_jacobian(const Vector& x) const;
  // Second derivatives at one input, for networks of at most one hidden layer that are not
  // split (the paper's (5.1), y = W₂σ(W₁x + b₁) + b₂): with z = W₁x + b₁ and σ'' = −2t(1 − t²)
  // for tanh (0 for the identity),
  //   hessian_contraction(x, v) = Σ_k v_k ∇²y_k = W₁ᵀ diag(σ''(z) ⊙ W₂ᵀv) W₁   (in x in),
  //   jacobian_derivative(x, w) = Σ_m w_m ∂J/∂x_m = W₂ diag(σ''(z) ⊙ W₁w) W₁    (out x in).
  // Empty matrices for deeper or split networks (callers fall back to first derivatives).
  Matrix hessian_contraction(const Vector& x, const Vector& v) const;
  Matrix jacobian_derivative(const Vector& x, const Vector& w) const;
  // Both at once (the hidden layer evaluated once): {hessian_contraction(x, v),
  // jacobian_derivative(x, w)}.
  std::pair<Matrix, Matrix> second_derivatives(const Vector& x, const Vector& v, const Vector& w) const;

  void save(h5::Group& g) const;
  static Mlp load(const h5::Group& g, Split split = Split::none, const RowPartition& rows = RowPartition{});

 private:
  int in_local(int l) const;   // local width of layer l's input
  int out_local(int l) const;  // local width of layer l's output
  void require_parameter_layout(const Vector& v) const;  // throws unless v.size() matches
  Index weight_offset(int l) const { return offsets_[l]; }
  Index bias_offset(int l) const { return offsets_[l] + Index(out_local(l)) * in_local(l); }
  void reduce(Matrix& m) const;  // sum over rows_.comm when distributed

  std::vector<int> widths_;
  Activation activation_ = Activation::tanh;
  Split split_ = Split::none;
  RowPartition rows_;
  std::vector<Index> offsets_;
  Vector theta_;
};

}  // namespace metarom
